"""The record a cleaning step works on, and the verdict a step can return.

A ``Document`` is built from a crawled ``Article`` or from a line of a user's
file; steps edit its paragraphs in place and count what they removed, or
return a ``Rejection`` that says why the whole record must go.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol


def split_paragraphs(text: str) -> list[str]:
    """Split text into paragraphs: one per non-blank line, stripped.

    Captures print one paragraph per line; feeds separate paragraphs with a
    blank line. Treating every line as a paragraph serves both.
    """
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class Document:
    paragraphs: list[str]
    id: str | None = None
    url: str | None = None
    title: str | None = None
    provider: str | None = None
    published: str | None = None
    html: str | None = None  # the raw page, when known: shell detection reads its structure
    http_status: int | None = None
    source: str = "generic"  # which rule set applies (see rules.py)
    removed: Counter = field(default_factory=Counter)  # rule name -> paragraphs/spans removed
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, **kw: Any) -> "Document":
        return cls(paragraphs=split_paragraphs(text or ""), **kw)

    @property
    def body(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def key(self) -> str | None:
        """The identity used for ``duplicate_of``: the id, else the URL."""
        return self.id or self.url


# doc.extra key: (paragraphs, their text.match_keys) as the repeated-passage step left them, so
# the near-duplicate fingerprint takes its words from there instead of tokenising the body again.
MATCH_KEYS = "match_keys"


@dataclass(frozen=True)
class Rejection:
    """Why a whole record is dropped. ``reason`` is a short stable code."""

    reason: str  # error_shell | blocked | empty | near_duplicate | ...
    detail: str = ""  # what matched, for the rejects file and the log
    duplicate_of: str | None = None


class Step(Protocol):
    """One cleaning step: edit ``doc`` in place; return a Rejection to drop it."""

    name: str

    def __call__(self, doc: Document) -> Rejection | None: ...
