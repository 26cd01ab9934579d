"""Who wrote the story: people's names, from the page's metadata and its visible byline.

Sources, the first that names a person winning: the article's JSON-LD ``author``
(and ``creator``; ``@id`` references resolved, ``Organization`` authors skipped),
then ``<meta>`` (``author``, ``article:author``, ``byl``, ``dc.creator``,
Parse.ly, Sailthru...), then microdata (``itemprop="author"``) and
``rel="author"`` links, then the visible byline (an element classed ``byline``
or ``author``, or a short line that starts with "By"), and last a full name
linking to an author page (``/author/jane-doe``). When the visible byline
names everyone the winner does and more, it wins: metadata often keeps only the
first of several authors.

A byline is text, not a name: "By TOM KRISHER and JANE ROE, AP Auto Writers |
Published Nov. 19" gives Tom Krisher and Jane Roe. "By", "and", commas,
semicolons and pipes are handled; dates, roles ("Staff Writer", "Editor-at-large"),
credentials ("MS, RDN"), wire agencies ("Reuters", "Associated Press") and
organisations ("CNN Business", "Cleveland.com", the site's own name) are not
people and are dropped. Names in capitals are written in title case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from parsel import Selector

from newscrawl.cleaning.text import match_key, normalize_space
from newscrawl.extraction.blocks import text_blocks
from newscrawl.extraction.metadata import clean_value, ld_types
from newscrawl.extraction.sitenames import SiteNames

AUTHOR_META = ("author", "article:author", "og:article:author", "byl", "dc.creator", "dcterms.creator",
               "parsely-author", "sailthru.author", "analyticsattributes.author", "citation_author", "cxenseparse:author")
_BYLINE_XPATH = (
    '//*[not(self::script or self::style or self::meta or self::link or self::body or self::html or self::article '
    'or self::main or self::img)][contains(@class, "byline") or contains(@class, "Byline") or contains(@id, "byline") '
    'or contains(@class, "author") or contains(@class, "Author") or contains(@class, "autor") or contains(@class, "auteur") '
    'or @data-testid="byline"]'
)
_BY_LINE_XPATH = ('//body//*[self::p or self::div or self::span or self::address or self::li or self::strong or self::em '
                  'or self::h4 or self::h5 or self::h6][' + " or ".join(
                      f'starts-with(normalize-space(.), "{word}")' for word in (
                          "By ", "BY ", "by ", "Von ", "Por ", "Par ", "Autor:", "Autorin:", "Texto:", "Text:")) + ']')
_NOT_BYLINE_RE = re.compile(r"comment|avatar|bio|description|related|recommend|footer|widget|more-from|promo|share|"
                            r"social|follow|image|photo|newsletter|subscribe|sidebar", re.IGNORECASE)
# Links to an author's page: the last hint of who wrote a story when nothing names them as its author.
_AUTHOR_LINK_XPATH = ("//a[" + " or ".join(f'contains(@href, "/{part}")' for part in (
    "author/", "authors/", "autor/", "autoren/", "auteur/", "profile/", "staff/", "journalist",
    "reporter", "columnist", "contributor")) + "][not(ancestor::p)]"  # not a name mentioned in the story
    '[not(@role="menuitem" or ancestor::nav or ancestor::*[contains(@class, "menu") or contains(@class, "nav")])]')
_BY_RE = re.compile(
    r"^(?:(?:written|words|story|text|reporting|posted|published|analysis|opinion|commentary|review|column|"
    r"interview|report|compiled)\s+)?(?:by|from)\b[:\s]*"
    r"|^(?:автор|текст|texto|text|autor|autorin|auteur|author|authors|written|redacción|redaktion)\s*[:\s]\s*"
    # "by" in other languages is also a name particle (Von Miller, Di Maria): only before two more words
    r"|^(?:von|por|par|di|door|av|af)\s+(?=\S+\s+\S)",
    re.IGNORECASE)
_NOT_AUTHORSHIP_RE = re.compile(
    r"^(?:photo(?:graph)?s?|pictures?|images?|illustrat\w*|video|graphics?|edited|reviewed|medically reviewed|"
    r"fact[- ]checked|translated|produced|updated|additional reporting)\b", re.IGNORECASE)
# "and" in a few languages; lowercase only where an initial could be read as one ("Sarah E. Needleman").
_SPLIT_RE = re.compile(r"\s*(?:,|;|\||•|·|/|&|\+|\s[-–—]\s|\s(?:[Aa]nd|AND|und|UND|y|e|et|og|och|en|i)\s)\s*")
# Where a byline's names end: a date, a time, "Updated", "Published"...
_STOP_RE = re.compile(
    r"\s*(?:\b(?:on|updated|published|posted|last updated|modified)\b.*|(?:Updated|UPDATED|Published|PUBLISHED).*"
    r"|\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun)\.?,?\s+"
    r"(?:\d|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec).*"
    r"|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d.*"
    r"|\d.*)$", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"(?<=[a-z]{2})\.\s+(?=[A-Z])")
AGENCIES = frozenset(match_key(a) for a in (
    "Reuters", "Thomson Reuters", "AP", "The AP", "Associated Press", "The Associated Press", "AFP", "Agence France-Presse",
    "Agence France Presse", "Bloomberg", "Bloomberg News", "dpa", "PTI", "IANS", "ANI", "UNI", "Xinhua", "Kyodo",
    "Yonhap", "EFE", "ANSA", "TASS", "UPI", "AAP", "CNA", "Press Association", "PA", "PA Media", "WENN", "NNA",
    "APA", "Anadolu", "Anadolu Agency", "KUNA", "WAM", "SPA", "QNA", "BNA", "ONA", "Trend", "Interfax",
))
# Words that make a byline segment a role, a desk or an organisation rather than a person.
ROLE_WORDS = frozenset("""
writer writers reporter reporters correspondent correspondents editor editors editorial columnist columnists
contributor contributors contributing staff producer analyst photographer journalist journalists author authors
critic anchor host intern fellow freelance freelancer special senior chief associate deputy managing desk team
bureau newsroom wire wires services service press media agency digital online news newspaper magazine times post
journal daily weekly radio tv television network group inc llc ltd gmbh company corp corporation publishing
publications foundation institute university association council ministry department office government
international sport sports business politics political national security auto entertainment science tech
technology health opinion world local metro lifestyle culture travel food video videos blog admin administrator
webmaster guest contributed partner sponsored content report reports edition reading
""".split())
# Words no one is named: what menus and share bars put beside a byline ("About Jane Doe", "Share This Article").
_NOT_NAME_WORDS = frozenset("""
this that these the a an of to for from with in at on is are was be by about follow share article articles
more read view all posts profile email print comments comment contact subscribe sign see our your my latest
here now new how what why who when where you we us it its his her their via
""".split())
_PARTICLES = frozenset("van von der den de del della di da dos das du la le al el bin ibn ben mac st y e".split())
_PAGE_TYPES = frozenset({"webpage", "itempage"})
_CREDENTIAL_RE = re.compile(r"^(?:[A-Z]{2,5}|Ph\.?D\.?|M\.?D\.?|Jr\.?|Sr\.?|I{1,3}|IV)$")
_HONORIFIC_RE = re.compile(r"^(?:dr|prof|mr|mrs|ms|mx|sir|dame)\.?\s+", re.IGNORECASE)


def _is_name_token(token: str) -> bool:
    if token.lower() in _PARTICLES:
        return True
    first = token[0]
    if not first.isalpha():
        return False
    return first.isupper() or first.lower() == first.upper()  # capitalised, or a script without case


def _title_case(name: str) -> str:
    """``TOM KRISHER`` -> ``Tom Krisher``; names not all in capitals stay as written."""
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 4 or not all(c.isupper() for c in letters if c.lower() != c.upper()):
        return name
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), name)


def person_name(text: str, site: SiteNames) -> str | None:
    """``text`` as a person's name, or None when it is a role, an organisation, a handle or a site."""
    text = normalize_space(re.sub(r"\s*\([^)]*\)", "", text)).strip(" .,:;-–—'\"“”")
    text = _HONORIFIC_RE.sub("", text)
    if not text or len(text) > 60 or "@" in text or "http" in text.lower() or "www." in text.lower():
        return None
    key = match_key(text)
    words = key.split()
    if not words or key in AGENCIES or site.is_site(text) or site.mentions_site(text):
        return None
    if any(w in ROLE_WORDS or (w in _NOT_NAME_WORDS and w not in _PARTICLES) for w in words) or re.search(
            r"\.(com|org|net|co)\b", text, re.I):
        return None
    tokens = text.split()
    if len(tokens) > 5 or any(c.isdigit() for c in text):
        return None
    if 2 <= len(tokens) <= 3 and all(t.isalpha() and t.islower() for t in tokens):
        tokens = [t.capitalize() for t in tokens]  # "jane doe" in a CMS's metadata
        text = " ".join(tokens)
    if not all(_is_name_token(t) for t in tokens) or all(t.lower() in _PARTICLES for t in tokens):
        return None
    if len(tokens) == 1 and (_CREDENTIAL_RE.match(text) or text.isupper() or len(text) < 3):
        return None  # "RDN", "AP", "KWCH": codes and credentials, not people
    return _title_case(text)


def byline_names(text: str | None, site: SiteNames) -> list[str]:
    """People named in a byline or author value, in order, without roles, dates and organisations."""
    text = normalize_space(clean_value(text) or "")
    if not text or _NOT_AUTHORSHIP_RE.match(text):
        return []
    text = _BY_RE.sub("", text, count=1)
    text = _STOP_RE.sub("", text)
    text = _SENTENCE_END_RE.sub(", ", text)  # "Finian Cunningham. Sputnik International"
    parts = [p for p in _SPLIT_RE.split(text) if p and p.strip()]
    names = [name for name in (person_name(_BY_RE.sub("", p.strip()), site) for p in parts) if name]
    if len(parts) > 1:  # "Victor Tangermann, Futurism", "Reuters, Washington": a lone word beside others is a credit
        names = [n for n in names if len(n.split()) > 1]
    return _unique(names)


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(match_key(name), name)
    return list(seen.values())


def _ld_people(value: Any, by_id: dict[str, dict], site: SiteNames, depth: int = 0) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names += byline_names(item, site)
        elif isinstance(item, dict) and depth < 3:
            if set(item) <= {"@id", "@type"} and item.get("@id") in by_id:  # a reference into the @graph
                names += _ld_people(by_id[item["@id"]], by_id, site, depth + 1)
                continue
            types = ld_types(item)
            if types and not types & {"person", "author"}:
                continue  # an Organization is not an author
            name = item.get("name") or " ".join(x for x in (item.get("givenName"), item.get("familyName")) if isinstance(x, str))
            names += byline_names(name if isinstance(name, str) else None, site)
    return names


def json_ld_authors(article_ld: dict, json_ld: list[dict], site: SiteNames) -> list[str]:
    """The article's JSON-LD authors; else its WebPage's (older Yoast graphs put the author there)."""
    by_id = {o["@id"]: o for o in json_ld if isinstance(o.get("@id"), str)}
    pages = [o for o in json_ld if ld_types(o) & _PAGE_TYPES]
    for obj in (article_ld, *pages):
        names = _ld_people(obj.get("author"), by_id, site) or _ld_people(obj.get("creator"), by_id, site)
        if not names and isinstance(obj.get("byline"), str):
            names = byline_names(obj["byline"], site)
        if names:
            return _unique(names)
    return []


def meta_authors(metas: dict[str, list[str]], site: SiteNames) -> list[str]:
    for key in AUTHOR_META:
        names = _unique(n for v in metas.get(key, ()) if not v.startswith("http") for n in byline_names(v, site))
        if names:
            return names
    return []


def _outside_story(node: Selector) -> bool:
    """True for elements in comments, related-story cards, author bios, share bars and the like."""
    attrs = " ".join(node.attrib.get(a, "") for a in ("class", "id"))
    ancestors = " ".join(f'{a.get("class", "")} {a.get("id", "")}' for a in node.root.iterancestors()
                         if a.tag not in ("body", "html"))  # page-wide classes say nothing of this element
    return bool(_NOT_BYLINE_RE.search(attrs) or _NOT_BYLINE_RE.search(ancestors))


def markup_authors(sel: Selector, site: SiteNames) -> list[str]:
    """``itemprop="author"`` (its ``name`` inside, else its text) and ``rel="author"`` links."""
    names: list[str] = []
    nodes = sel.xpath('//*[not(self::meta)][contains(concat(" ", @itemprop, " "), " author ")]')
    for node in [n for n in nodes if not _outside_story(n)][:6]:
        inner = node.xpath('.//*[@itemprop="name"]')
        value = (inner[0].attrib.get("content") or inner[0].xpath("string()").get()) if inner else (
            node.attrib.get("content") or node.xpath("string()").get())
        names += byline_names((value or "")[:200], site)
    links = [n for n in sel.xpath('//a[contains(concat(" ", @rel, " "), " author ")]') if not _outside_story(n)]
    for node in links[:6]:
        names += byline_names(node.xpath("string()").get(), site)
    return _unique(names)


def visible_authors(sel: Selector, site: SiteNames) -> list[str]:
    """Names in the page's visible byline: the first ``byline``/``author`` element, else a short "By ..." line.

    Only the first byline with text counts (later ones are related-story cards), read
    whole and through its own byline-classed parts; the reading naming most people wins.
    A part alone names only full names: "Washington" out of "Reuters, Washington" is no one.
    """
    nodes = [n for n in sel.xpath(_BYLINE_XPATH)[:30] if not _outside_story(n)]
    first = next((n for n in nodes if len(normalize_space(n.xpath("string()").get())) > 2), None)
    if first is not None:
        cluster = [n for n in nodes if n.root is first.root or first.root in n.root.iterancestors()]
        readings = [_unique(n for line in text_blocks(node.root)[:4] if len(line) <= 200 for n in byline_names(line, site)
                            if node is first or len(n.split()) > 1)  # a lone word out of its byline is a place or a credit
                    for node in cluster[:8]]
        return max(readings, key=len)
    for line in sel.xpath(_BY_LINE_XPATH).xpath("normalize-space(.)").getall()[:20]:
        if len(line) <= 120:
            names = byline_names(line, site)
            if names:
                return names
    return []


def link_authors(sel: Selector, site: SiteNames) -> list[str]:
    """Full names in links to author pages (``/author/jane-doe``), outside comments, menus and related stories."""
    links = [n for n in sel.xpath(_AUTHOR_LINK_XPATH)[:20] if not _outside_story(n)][:3]
    return _unique(n for node in links for n in byline_names(node.xpath("string()").get(), site) if len(n.split()) > 1)


def page_authors(sel: Selector, meta, site: SiteNames, markup: bool = True) -> tuple[list[str], str | None]:
    """(the story's authors, the source that named them: json-ld, meta, markup, byline or link).

    Without ``markup`` (a page a site's layout reads: it says where its bylines are), only the page's
    metadata: the visible-byline, markup and link readings search the whole page for an unknown layout.
    """
    metadata = (("json-ld", json_ld_authors(meta.article_ld or {}, meta.json_ld, site)),
                ("meta", meta_authors(meta.metas, site)))
    if not markup:
        return next(((names, source) for source, names in metadata if names), ([], None))
    visible = visible_authors(sel, site)
    for source, names in (*metadata, ("markup", markup_authors(sel, site))):
        if names:
            keys = {match_key(n) for n in names}
            if len(visible) > len(names) and keys <= {match_key(n) for n in visible}:
                return visible, "byline"
            return names, source
    if visible:
        return visible, "byline"
    linked = link_authors(sel, site)
    return (linked, "link") if linked else ([], None)
