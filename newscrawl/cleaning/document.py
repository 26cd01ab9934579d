"""The record a cleaning step works on, and what a step says about it.

A ``Document`` is built from a crawled ``Article`` or from a line of a user's
file; steps edit its paragraphs in place and count what they removed, or
return a ``Rejection`` that says why the whole record must go. What one step
learns for the next is a typed field here, never a hidden key.
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
class MatchKeys:
    """The paragraphs as they were when their match keys were made, and the keys (``text.match_keys``)."""

    paragraphs: tuple[str, ...]
    keys: list[str]

    def of(self, paragraphs: list[str]) -> list[str] | None:
        """The keys, if they are of these very paragraphs."""
        return self.keys if self.paragraphs == tuple(paragraphs) else None


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
    extraction: str | None = None  # which path gave the body (site | metadata | generic), when extracted here
    removed: Counter = field(default_factory=Counter)  # rule name -> paragraphs/spans removed
    # -- what one step leaves for the next ----------------------------------------------
    repaired: bool = False  # mojibake and spacing already undone (the shell step did it)
    lead_removed: bool = False  # lines before the headline (a date, error lines) were removed
    match_keys: MatchKeys | None = None  # the repeated-passage step's keys, reused by the fingerprint
    fingerprint: Any = None  # the near-duplicate step's fingerprint, taken ahead (neardup.TakenFingerprint)
    indexed_as: str | None = None  # the key the near-duplicate index holds the story under

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


@dataclass(frozen=True)
class Rejection:
    """Why a whole record is dropped. ``reason`` is a short stable code."""

    reason: str  # error_shell | blocked | empty | near_duplicate | duplicate | ...
    detail: str = ""  # what matched, for the rejects file and the log
    duplicate_of: str | None = None


class Step(Protocol):
    """One cleaning step: edit ``doc`` in place; return a Rejection to drop it.

    A step that reads or extends state shared beyond one document (the near-duplicate
    index) sets ``stateful = True`` and may offer ``decide(docs)``: the documents of a
    batch, in order, as if each went through the step in turn. Its ``preparer``, if it
    has one, is a picklable callable doing the part that reads only the document: it
    may run ahead, in a worker process.
    """

    name: str

    def __call__(self, doc: Document) -> Rejection | None: ...
