"""The story text a page's JSON-LD carries (``articleBody``), and whether to believe it.

Publishers fill ``articleBody`` for search engines, and many fill it with a
teaser: the first paragraph, a 57-word summary, the description. Others put
the whole story there but lose its paragraphs, gluing them ("superstar.From").
So the JSON-LD body is taken only when it covers the page's own main text
(the generic extraction): a text mostly contained in the page's and much
shorter is a teaser, and the page's text wins. When both are the same story
and the page's keeps the paragraphs the JSON-LD lost, the page's wins too.
"""

from __future__ import annotations

import re

from parsel import Selector

from newscrawl.cleaning.document import split_paragraphs
from newscrawl.cleaning.text import match_key, normalize_space, word_tokens
from newscrawl.extraction.blocks import text_blocks
from newscrawl.extraction.metadata import decode_entities
from newscrawl.items import EXTRACTION_GENERIC, EXTRACTION_METADATA

MIN_WORDS = 40  # shorter than this, a JSON-LD body is a teaser
TEASER_SHARE = 0.6  # a JSON-LD body under this share of the page's text, and inside it, is a teaser
INSIDE = 0.7  # "inside": this share of its word trigrams are in the page's text
SAME = 0.9  # the two are one text when each holds this share of the other's trigrams
GLUED_RATIO = 2.0  # paragraphs this many times longer on average than the page's: glued together
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters lxml refuses
_TRUNCATED_RE = re.compile(r"(?:\.\.\.|\u2026|\[\.\.\.\])\s*$")
# A sentence end directly followed by the next sentence's capital: two paragraphs glued ("superstar.From").
_GLUED_RE = re.compile(r"(?<=[^\W\d_]{2}[.!?])(['\"\u201d\u2019)]?)(?=[A-Z][^\W\d_])")


def metadata_paragraphs(raw: str | None) -> list[str]:
    """JSON-LD ``articleBody`` as paragraphs; it may be plain text, entity-escaped, or an HTML fragment."""
    raw = _CONTROL_RE.sub("", decode_entities(raw or ""))
    if "<" in raw and ">" in raw:
        try:
            paragraphs = text_blocks(Selector(text=raw, type="html").root)
        except (ValueError, TypeError):  # lxml refusing the fragment outright
            paragraphs = []
    else:
        paragraphs = [normalize_space(p) for p in split_paragraphs(_GLUED_RE.sub("\\1\n", raw))]
    return [p for p in paragraphs if p]


def _trigrams(paragraphs: list[str]) -> set[tuple[str, ...]]:
    words = match_key(" ".join(paragraphs)).split()
    return {tuple(words[i:i + 3]) for i in range(max(1, len(words) - 2))}


def _words(paragraphs: list[str]) -> int:
    return len(word_tokens(" ".join(paragraphs)))


def is_teaser(paragraphs: list[str], description: str | None = None) -> bool:
    """A teaser by itself: short, ending in an ellipsis, or just the page's description."""
    text = " ".join(paragraphs)
    return (len(word_tokens(text)) < MIN_WORDS or bool(_TRUNCATED_RE.search(text))
            or normalize_space(text) == (description or ""))


def choose_body(metadata: list[str], generic: list[str], description: str | None = None) -> tuple[list[str], str | None]:
    """(paragraphs, extraction path): the JSON-LD body when it is the whole story, else the page's main text."""
    generic = generic if _words(generic) else []  # punctuation alone is no text
    if not metadata:
        return generic, EXTRACTION_GENERIC if generic else None
    if not generic:
        return metadata, EXTRACTION_METADATA
    if is_teaser(metadata, description):
        return (generic, EXTRACTION_GENERIC) if _words(generic) > _words(metadata) else (metadata, EXTRACTION_METADATA)
    ours, theirs = _trigrams(metadata), _trigrams(generic)
    shared = len(ours & theirs)
    if shared >= INSIDE * len(ours) and _words(metadata) < TEASER_SHARE * _words(generic):
        return generic, EXTRACTION_GENERIC  # a teaser of the story the page shows
    if shared >= SAME * len(ours) and shared >= SAME * len(theirs) \
            and _words(metadata) / len(metadata) > GLUED_RATIO * _words(generic) / len(generic):
        return generic, EXTRACTION_GENERIC  # the same story, its paragraphs lost in the JSON-LD
    return metadata, EXTRACTION_METADATA
