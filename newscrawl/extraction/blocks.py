"""Visible text of an element as the reader sees it: one string per text block.

Site bodies come as ``<p>`` runs, as ``<br>``-separated text, or as a mix; a
browser starts a new line at every block element and ``<br>``, and never shows
scripts, styles or ``hidden`` elements. Walking the tree the same way gives
one paragraph per block for all of these layouts, and inline markup
(``<b>``, ``<a>``) stays inside its paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from lxml import etree

from newscrawl.cleaning.text import normalize_space

BLOCK_TAGS = frozenset(
    "address article aside blockquote body dd details div dl dt fieldset figcaption figure footer form h1 h2 h3 "
    "h4 h5 h6 header hr html li main nav ol p pre section summary table tbody td tfoot th thead tr ul".split()
)
# Never rendered as text, or not article text: scripts, styles, embedded widgets, form controls.
SKIP_TAGS = frozenset(
    "script style noscript template iframe svg canvas object embed button input select textarea option "
    "head title meta link".split()
)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def is_hidden(el: etree._Element) -> bool:
    """True for elements a browser does not show: ``hidden``, ``aria-hidden``, inline ``display:none``."""
    if el.get("hidden") is not None or el.get("aria-hidden", "").lower() == "true":
        return True
    style = el.get("style")
    return bool(style and _HIDDEN_STYLE_RE.search(style))


def _tag(el: etree._Element) -> str | None:
    tag = el.tag
    if not isinstance(tag, str):  # comments, processing instructions
        return None
    return tag.rsplit("}", 1)[-1].lower()


def block_elements(root: etree._Element, exclude: Collection[etree._Element] = ()) -> list[tuple[etree._Element, str]]:
    """``text_blocks`` with, for each block, the innermost block element that holds its text."""
    blocks: list[tuple[etree._Element, str]] = []
    parts: list[str] = []
    owners: list[etree._Element] = [root]

    def flush() -> None:
        text = normalize_space("".join(parts))
        parts.clear()
        if text:
            blocks.append((owners[-1], text))

    def walk(el: etree._Element) -> None:
        tag = _tag(el)
        if tag is None or tag in SKIP_TAGS or el in exclude or is_hidden(el):
            return
        block = tag in BLOCK_TAGS or tag == "br"
        if block:
            flush()
        if tag in BLOCK_TAGS:
            owners.append(el)
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            flush()
        if tag in BLOCK_TAGS:
            owners.pop()

    walk(root)
    flush()
    return blocks


def text_blocks(root: etree._Element, exclude: Collection[etree._Element] = ()) -> list[str]:
    """Whitespace-normalised text blocks of ``root``, in document order, empties dropped.

    Elements in ``exclude`` (and hidden, script-like ones) contribute nothing,
    but the text that follows them (their tail) still counts.
    """
    return [text for _, text in block_elements(root, exclude)]


def element_text(root: etree._Element) -> str:
    """Visible text of ``root`` as one line (blocks joined by a space): for titles, dates, names."""
    return " ".join(text_blocks(root))
