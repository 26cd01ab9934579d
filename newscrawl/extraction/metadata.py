"""What a page says about itself: JSON-LD, Open Graph, ``<meta>`` and ``<time>``.

This survives redesigns that break site selectors (publishers keep it for
search engines and social cards), so each article field falls back to it
independently. JSON-LD may come as one object, a list, an ``@graph`` or
nested under ``mainEntity``; broken JSON is skipped, never fatal.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from parsel import Selector

from newscrawl.cleaning.text import fix_mojibake, normalize_space
from newscrawl.extraction.published import choose, published_candidates

ARTICLE_TYPES = frozenset(
    {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting", "opinionnewsarticle",
     "backgroundnewsarticle", "reviewnewsarticle", "socialmediaposting", "liveblogposting", "report", "techarticle",
     "scholarlyarticle", "pressrelease"}
)
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


@dataclass
class PageMetadata:
    title: str | None = None
    author: str | None = None
    publisher: str | None = None  # JSON-LD publisher, else og:site_name
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    description: str | None = None
    body: str | None = None  # JSON-LD articleBody, as given
    page_title: str | None = None  # the <title>, suffix and all
    site_name: str | None = None
    canonical_url: str | None = None
    # What the other readers (dates, authors, titles) work from, so the page is read once.
    article_ld: dict = field(default_factory=dict, repr=False)  # the article's JSON-LD object
    json_ld: list[dict] = field(default_factory=list, repr=False)  # every JSON-LD object
    metas: dict[str, list[str]] = field(default_factory=dict, repr=False)  # lowercased meta key -> contents
    page: Selector | None = field(default=None, repr=False, compare=False)  # for what is read only when asked

    @cached_property
    def date_candidates(self) -> list:
        """What the markup says of the publication time. Read when asked: its searches walk the whole page
        (five of them, about 3 ms of a 140 KB page), wasted where a site's selectors gave the date."""
        return published_candidates(self.page, self.article_ld, self.metas) if self.page is not None else []

    @property
    def published(self) -> str | None:
        best = choose(self.date_candidates, None, datetime.now(timezone.utc).replace(tzinfo=None))
        return best.when.iso() if best else None


def meta_map(sel: Selector) -> dict[str, list[str]]:
    """``<meta>`` contents by lowercased ``name``, ``property`` and each ``itemprop`` word, in page order."""
    found: dict[str, list[str]] = {}
    for node in sel.xpath("//meta[@content]"):
        content = node.attrib.get("content", "").strip()
        if not content:
            continue
        keys = [node.attrib.get("name"), node.attrib.get("property"), *(node.attrib.get("itemprop") or "").split()]
        for key in {k.strip().lower() for k in keys if k and k.strip()}:
            found.setdefault(key, []).append(content)
    return found


def clean_value(value: Any) -> str | None:
    """A display string from a metadata value: text, whitespace and mojibake fixed; None when empty."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = normalize_space(fix_mojibake(value))
    return text or None


_ENTITY_RE = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z]+\d*);")


def decode_entities(text: str, times: int = 3) -> str:
    """``text`` with HTML entities decoded, also where a CMS escaped them twice (``&amp;#8217;``)."""
    for _ in range(times):
        if not _ENTITY_RE.search(text):
            break
        text = html_lib.unescape(text)
    return text


def _loads(raw: str) -> Any:
    raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
    raw = raw.removeprefix("//<![CDATA[").removesuffix("//]]>").strip()
    for candidate in (raw, _TRAILING_COMMA_RE.sub(r"\1", raw)):
        try:
            return json.loads(candidate, strict=False)
        except (ValueError, RecursionError):
            continue
    return None


def _walk(node: Any, depth: int = 0):
    """Every JSON object in ``node``: lists, ``@graph`` and ``mainEntity`` included."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
            if isinstance(node.get(key), (list, dict)):
                yield from _walk(node[key], depth + 1)


def ld_types(obj: dict) -> set[str]:
    t = obj.get("@type")
    types = t if isinstance(t, list) else [t]
    return {x.rsplit("/", 1)[-1].lower() for x in types if isinstance(x, str)}


def json_ld_objects(sel: Selector) -> list[dict]:
    """Every JSON-LD object on the page, nested ones included, in page order."""
    scripts = sel.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]/text()').getall()
    return [obj for raw in scripts for obj in _walk(_loads(raw))]


def article_object(objects: list[dict]) -> dict | None:
    """The first article-typed object (the one with a body, if several)."""
    found = [o for o in objects if ld_types(o) & ARTICLE_TYPES]
    with_body = [o for o in found if clean_value(o.get("articleBody"))]
    return (with_body or found or [None])[0]


def _names(value: Any) -> list[str]:
    """Names from a person/organisation value: a string, ``{"name": ...}`` or a list of either."""
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = clean_value(item.get("name") if isinstance(item, dict) else item)
        if name and not name.startswith("http") and name not in names:
            names.append(name)
    return names


def split_tags(value: Any) -> list[str]:
    """Tags from ``"#NATO #Ukraine"``, ``"a, b; c"`` or a list, de-duplicated in order."""
    items = value if isinstance(value, list) else [value]
    tags: list[str] = []
    for item in items:
        text = clean_value(item)
        if not text:
            continue
        parts = text.split("#") if "#" in text else re.split(r"[,;|]", text)
        for part in parts:
            tag = normalize_space(part).strip(" ,;")
            if tag and tag.casefold() not in {t.casefold() for t in tags}:
                tags.append(tag)
    return tags


def language_code(value: str | None) -> str | None:
    """Primary language subtag: ``en-US`` / ``en_GB`` -> ``en``; None when not a language tag."""
    if not value:
        return None
    code = re.split(r"[-_]", value.strip(), maxsplit=1)[0].lower()
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def _meta(sel: Selector, *keys: str) -> str | None:
    for key in keys:
        for value in sel.xpath(f'//meta[@property="{key}" or @name="{key}" or @itemprop="{key}"]/@content').getall():
            text = clean_value(value)
            if text:
                return text
    return None


def _meta_all(sel: Selector, key: str) -> list[str]:
    return sel.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content').getall()


def _first(*values: Any) -> str | None:
    for value in values:
        text = clean_value(value)
        if text:
            return text
    return None


def page_metadata(sel: Selector) -> PageMetadata:
    """Every article field the page's metadata gives, JSON-LD first, then Open Graph and ``<meta>``."""
    objects = json_ld_objects(sel)
    ld = article_object(objects) or {}
    section = ld.get("articleSection")
    publisher = _names(ld.get("publisher"))
    authors = _names(ld.get("author")) or _names(ld.get("creator"))
    tags = split_tags(ld.get("keywords")) or split_tags(_meta_all(sel, "article:tag")) or split_tags(
        _meta(sel, "news_keywords", "keywords")
    )
    metas = meta_map(sel)
    languages = (sel.xpath("/html/@lang").get(), _first(ld.get("inLanguage")), _meta(sel, "og:locale"),
                 sel.xpath('//meta[translate(@http-equiv, "CONTENTLAGU", "contentlagu")="content-language"]/@content').get())
    lang = next(filter(None, map(language_code, languages)), None)
    return PageMetadata(
        title=_first(ld.get("headline"), _meta(sel, "og:title", "twitter:title"), ld.get("name")),
        author=", ".join(authors) if authors else _first(*_names(_meta(sel, "author", "dc.creator", "byl"))),
        publisher=(publisher[0] if publisher else None) or _meta(sel, "og:site_name"),
        category=_first(section[0] if isinstance(section, list) and section else section, _meta(sel, "article:section")),
        tags=tags,
        language=lang,
        description=_first(ld.get("description"), _meta(sel, "og:description", "description")),
        body=ld.get("articleBody") if isinstance(ld.get("articleBody"), str) else None,
        page_title=_first(sel.xpath("//head/title/text()").get(), sel.xpath("//title/text()").get()),
        site_name=_meta(sel, "og:site_name"),
        canonical_url=_first(sel.xpath('//link[@rel="canonical"]/@href').get(), _meta(sel, "og:url")),
        article_ld=ld,
        json_ld=objects,
        metas=metas,
        page=sel,
    )


_TITLE_SEPARATORS = r"\s+[|\-\u2013\u2014:\u00b7\u2022\u00bb/]+\s+"


def strip_title_suffix(title: str | None, site_names: tuple[str | None, ...] = ()) -> str | None:
    """The headline of a ``<title>``: ``"Story | Site"`` -> ``"Story"``.

    The suffix goes when it is one of the site's names, or when it is a short ``| ...``
    segment (at most four words) after a longer headline.
    """
    title = clean_value(title)
    names = [n for n in site_names if n]
    if not title or title.casefold() in {n.casefold() for n in names}:
        return None  # a bare site name is no headline
    for name in names:
        m = re.match(rf"(?P<head>.+?){_TITLE_SEPARATORS}{re.escape(name)}\s*$", title, re.IGNORECASE)
        if m:
            return m["head"]
    m = re.match(r"(?P<head>.+)\s+\|\s+(?P<tail>[^|]+)$", title)
    if m and len(m["tail"].split()) <= 4 and len(m["head"].split()) > len(m["tail"].split()):
        return m["head"].strip()
    return title
