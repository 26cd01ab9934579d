"""Telling navigation links from a story's own links, on HTML (``<a href>``) or trafilatura's XML (``<ref target>``).

A block that is mostly link text is navigation (a related-story list, "Read
more: <link>"), except when its one link is part of the story: a contact
address (``mailto:``, ``tel:``), a jump within the page (``#section``, as on
subheadings) or a document ("read the full report here"), and it stands
alone rather than in a run of links. A link to another page, even on another
site, is too often a promotion or a "Related" item to count.
"""

from __future__ import annotations

import re
from lxml import etree

_DOCUMENT_RE = re.compile(r"\.(?:pdf|docx?|xlsx?|pptx?|csv|zip)(?:$|[?#])", re.IGNORECASE)
NAVIGATION_LABEL_RE = re.compile(
    r"^(?:advertisement|sponsored|read (?:more|next|also)|related|see also|also read|more (?:on|from|stories|news)|"
    r"recommended|popular|trending|most (?:read|popular|viewed)|you (?:may|might) (?:also )?like|sign up|subscribe|"
    r"follow us|share (?:this|on)|watch|listen|comments?|story continues below|continue reading|click|tap|get|"
    r"download|join|follow|video|photos?|gallery)\b", re.IGNORECASE)
_LINK = {"ref": "target", "a": "href"}  # link element -> its address attribute
LINK_SHARE = 0.7  # a block whose visible text is mostly (this share) link text is navigation...


def _text_len(el: etree._Element) -> int:
    return len("".join(el.itertext()).replace(" ", ""))


def links(el: etree._Element, tag: str = "ref") -> list[etree._Element]:
    """The outermost links inside ``el``."""
    return [a for a in el.iter(tag) if not any(p.tag == tag for p in a.iterancestors())]


def link_share(el: etree._Element, tag: str = "ref") -> float:
    """Share of an element's visible characters that sit inside links."""
    total = _text_len(el)
    if not total:
        return 0.0
    return sum(_text_len(a) for a in links(el, tag)) / total


def content_link(href: str | None) -> bool:
    """A link that is part of a story rather than navigation: mail, phone, in-page, a document."""
    href = (href or "").strip()
    return href.startswith(("mailto:", "tel:", "#")) or bool(_DOCUMENT_RE.search(href))


def _is_link_line(el: etree._Element | None, tag: str) -> bool:
    return el is not None and isinstance(el.tag, str) and link_share(el, tag) >= LINK_SHARE


def story_link_line(el: etree._Element, tag: str = "ref") -> bool:
    """A line that is one link belonging to the story (see the module docstring), not part of a run of links."""
    found = links(el, tag)
    text = " ".join("".join(el.itertext()).split())
    if len(found) != 1 or NAVIGATION_LABEL_RE.match(text):
        return False
    if _is_link_line(el.getprevious(), tag) or _is_link_line(el.getnext(), tag):
        return False  # one of a run or list of links: a menu, other stories
    return content_link(found[0].get(_LINK[tag]))
