"""The story's headline: the best of what the page calls it, chosen by agreement.

A page names its story up to five times: the JSON-LD ``headline``,
``og:title``, ``twitter:title``, the visible ``<h1>`` and the ``<title>``.
Each is decoded (entities, even double-escaped ones such as ``&amp;#8217;``),
and loses the site's name where it decorates it (``Story | MacRumors``,
``Sportsnet.ca - Story``). Then each gets one vote from every other source
that says the same, says it with decoration (``Story | Editorial``) or says a
truncated form of it (``Story of the ...``); Open Graph and Twitter, one
copying the other, are one voice. The most-agreed wins; a tie goes to the
``<h1>``, what readers see. The page's first ``<h1>``, if headline-sized and
outside its header and menus, also wins against metadata that only one other
source confirms (social and SEO headlines differ from the displayed one).
Otherwise an unconfirmed headline is trusted in the order JSON-LD, Open
Graph, Twitter, ``<title>``, and an ``<h1>`` last: such an ``<h1>`` is often
the site's logo or a section name. A truncated headline never wins over the
whole one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsel import Selector

from newscrawl.cleaning.text import match_key, normalize_space
from newscrawl.extraction.blocks import element_text
from newscrawl.extraction.metadata import clean_value, decode_entities, strip_title_suffix
from newscrawl.extraction.sitenames import SiteNames

_SEPARATOR_RE = re.compile(r"(\s+(?:[|\-\u2013\u2014\u00b7\u2022\u00bb/~]+|::)\s+)")
_ELLIPSIS_RE = re.compile(r"\s*(?:\.\.\.|\u2026|\[\.\.\.\])\s*$")
_TAG_RE = re.compile(r"<[^>]+>")
# Ties go to what readers see; unconfirmed headlines are trusted in the reverse order for h1.
_CONFIRMED_ORDER = ("h1", "json-ld", "og", "twitter", "title")
_UNCONFIRMED_ORDER = ("json-ld", "og", "twitter", "title", "h1")


_FAMILY = {"twitter": "og"}  # Twitter cards copy Open Graph: one voice, not two
_CHROME_RE = re.compile(r"logo|brand|masthead|site-?title|site-?name|navbar|menu|banner", re.IGNORECASE)
_CHROME_TAGS = ("header", "nav", "footer", "aside")
MIN_HEADLINE_WORDS = 3  # a shorter first <h1> is a section name ("Games"), not the story's


@dataclass(frozen=True)
class _Candidate:
    source: str
    text: str
    key: str
    cores: frozenset[str]  # keys of the text without its decoration segments
    visible: bool = False  # the first <h1> outside the page's header and menus, headline-sized


def clean_title(value) -> str | None:
    """A headline as displayed: entities decoded (twice-escaped too), tags dropped, spacing normalised."""
    text = decode_entities(clean_value(value) or "")
    if "<" in text and ">" in text:
        text = _TAG_RE.sub(" ", text)
    return normalize_space(text) or None


def strip_site(title: str, site: SiteNames) -> str | None:
    """``title`` without leading or trailing segments that name the site; None when it is only the site."""
    parts = _SEPARATOR_RE.split(title)  # text, separator, text, ...
    if site.is_site(title):
        return None
    for _ in range(len(parts)):
        segments = parts[0::2]
        if len(segments) < 2:
            break
        tail = next((k for k in range(len(segments) - 1, 0, -1) if site.is_site("".join(parts[2 * k:]))), None)
        if tail is not None:
            parts = parts[:2 * tail - 1]
            continue
        head = next((k for k in range(1, len(segments)) if site.is_site("".join(parts[:2 * k - 1]))), None)
        if head is not None:
            parts = parts[2 * head:]
            continue
        break
    return "".join(parts).strip() or None


def _cores(text: str) -> frozenset[str]:
    parts = _SEPARATOR_RE.split(text)
    n = len(parts[0::2])
    runs = ["".join(parts[:2 * k - 1]) for k in range(1, n)] + ["".join(parts[2 * k:]) for k in range(1, n)]
    return frozenset(match_key(r) for r in runs if match_key(r))


def _truncates(short: _Candidate, whole: _Candidate) -> bool:
    """True when ``short`` is ``whole`` cut off (with or without an ellipsis), not ``whole`` minus decoration."""
    stem = match_key(_ELLIPSIS_RE.sub("", short.text))
    if not stem or stem == whole.key or short.key in whole.cores:
        return False
    if not whole.key.startswith(stem):
        return False
    # Cut with an ellipsis, or mid-word (a fixed-length cut); a whole-word prefix is a shorter headline.
    return bool(_ELLIPSIS_RE.search(short.text)) or (len(stem.split()) >= 4 and whole.key[len(stem)] != " ")


def _supports(other: _Candidate, c: _Candidate) -> bool:
    return other.key == c.key or c.key in other.cores or _truncates(other, c)


def title_candidates(sel: Selector, meta, site: SiteNames) -> list[_Candidate]:
    """Each headline the page gives, decoded and without the site's name, in source order."""
    ld = meta.article_ld or {}
    h1s = sel.xpath('//h1 | //*[not(self::meta)][@itemprop="headline"]')[:4]
    raw = [("json-ld", ld.get("headline") or ld.get("name"), None),
           *(("og", v, None) for v in meta.metas.get("og:title", ())[:1]),
           *(("twitter", v, None) for v in meta.metas.get("twitter:title", ())[:1]),
           *(("h1", element_text(n.root), n.root) for n in h1s), ("title", meta.page_title, None)]
    found: list[_Candidate] = []
    story_h1_seen = False
    for source, value, element in raw:
        text = clean_title(value)
        text = strip_site(text, site) if text else None
        if not text or not match_key(text):
            continue
        visible = False
        if element is not None and not story_h1_seen and not _in_chrome(element):
            story_h1_seen, visible = True, _headline_sized(text)
        found.append(_Candidate(source, text, match_key(text), _cores(text), visible))
    return found


def _headline_sized(text: str) -> bool:
    return len(text.split()) >= MIN_HEADLINE_WORDS or (" " not in text and len(text) >= 12)  # CJK has no spaces


def _in_chrome(element) -> bool:
    """Inside the page's header, menus or logo rather than its story (an article's own <header> is the story's)."""
    chain = [element, *element.iterancestors()]
    in_story = any(el.tag in ("article", "main") for el in chain)
    for el in chain:
        if el.tag in _CHROME_TAGS and not (el.tag == "header" and in_story):
            return True
        if _CHROME_RE.search(f'{el.get("class", "")} {el.get("id", "")}'):
            return True
    return False


def choose_title(candidates: list[_Candidate], site: SiteNames) -> tuple[str | None, str | None]:
    """(headline, source) by agreement; (None, None) when the page names no story."""
    whole = [c for c in candidates if not any(_truncates(c, o) for o in candidates if o.source != c.source)]
    if not whole:
        return None, None

    def family(c: _Candidate) -> str:
        return _FAMILY.get(c.source, c.source)

    def rank(c: _Candidate) -> tuple[int, int]:
        votes = len({family(o) for o in candidates if family(o) != family(c) and _supports(o, c)})
        order = _CONFIRMED_ORDER if votes else _UNCONFIRMED_ORDER
        return votes, -order.index(c.source)

    best = max(whole, key=rank)
    visible = next((c for c in whole if c.visible), None)
    if best.source != "h1" and visible is not None and rank(best)[0] <= 1:
        return visible.text, visible.source  # what readers see, against one pair of metadata at most
    if rank(best)[0] == 0 and best.source != "h1":  # nobody confirms it: drop a short "| Section" tail
        return strip_title_suffix(best.text, tuple(site.names)) or best.text, best.source
    return best.text, best.source


def page_title(sel: Selector, meta, site: SiteNames) -> tuple[str | None, str | None]:
    """The story's headline and which source gave it (``h1``, ``json-ld``, ``og``, ``twitter``, ``title``)."""
    return choose_title(title_candidates(sel, meta, site), site)
