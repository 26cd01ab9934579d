"""When a story was published (and last modified), as the page states it.

Candidates come in this order, the first trusted most:

1. JSON-LD ``datePublished`` (then ``dateCreated``) of the article object;
2. ``<meta>``: Open Graph / article (``article:published_time``...), Dublin Core, Parse.ly,
   Sailthru..., then any other meta whose name says "published date";
3. microdata: an element with ``itemprop="datePublished"``;
4. a ``<time>`` or a short label marked as the publication time (``pubdate``, a class
   such as ``published``, ``dateline``, ``timestamp``: "Published 10:02 AM EST Nov 19, 2025");
5. any other ``<time>`` (not in the comments), then a short label classed ``date``;
6. htmldate's reading of the whole page (markup and text patterns);
7. the date in the URL (``/2026/02/12/``).

Cross-checks: a date in the future or before news sites existed (``EARLIEST``, unless the
URL says the same) is rejected; a candidate more than a day away from the URL's date
gives way to one that agrees with it; and a moment no other candidate confirms gives way
to one that two other sources state (a CMS writing UTC wall clocks with a local offset:
04:31-06:00 against 04:31+00:00 and a visible "10:31 pm CST"). The one chosen is then completed from the others
where they state the same moment more fully: a date-only value takes the time a candidate
gives for that day, a time without a zone takes the zone of a candidate with the same wall
clock, and a UTC time takes the local offset of a candidate naming the same instant (pages
often give UTC to machines and their own offset to readers; the local one keeps the day
the site printed). No zone is ever invented.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from htmldate import find_date
from parsel import Selector

from newscrawl.extraction.dates import StatedDate, parse_date

logger = logging.getLogger(__name__)
# htmldate reports every page it cannot parse (an empty or garbage body) as an error: expected here.
logging.getLogger("htmldate.utils").setLevel(logging.CRITICAL)

EARLIEST = datetime(1994, 1, 1)  # before this no news site was online: placeholders such as 0001-01-01 or 1970-01-01
MAX_LABEL_CHARS = 100  # a date label ("Published 10:02 AM EST Nov 19, 2019"), not a whole story card
_LATE_MARGIN = timedelta(days=1)  # a page's local clock may run up to 14 hours ahead of UTC

PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "article:published", "og:published_time",
    "datepublished", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dc.date",
    "dcterms.date", "dcterms.created", "citation_publication_date", "citation_date", "pubdate", "publishdate",
    "publish-date", "publish_date", "article.published", "og:pubdate", "date",
)
MODIFIED_META = (
    "article:modified_time", "og:article:modified_time", "article:modified", "og:updated_time", "datemodified",
    "dcterms.modified", "dc.date.modified", "article.updated", "last-modified", "lastmod",
)
_OTHER_PUBLISHED_KEY_RE = re.compile(r"(publish|pub_?date|posted|release|issued|created).*(date|time)|date.*(publish|issued)")
_NOT_PUBLISHED_KEY_RE = re.compile(r"modif|updat|expir|copyright|lastmod|edit")
_URL_DATE_RES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})[/-](?P<m>0?[1-9]|1[0-2])[/-](?P<d>0?[1-9]|[12]\d|3[01])(?:[/._-]|$)"),
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<mon>[a-z]{3})/(?P<d>0?[1-9]|[12]\d|3[01])/"),  # /2019/nov/18/
    re.compile(r"[/_-](?P<y>20\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:[/._-]|$)"),  # -20191115/
)
_MONTH_ABBR = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
_PUBLISHED_TIME_XPATH = ('//time[@pubdate or @itemprop="datePublished" or contains(@class, "publish") '
                         'or contains(@class, "posted") or contains(@class, "created")]')
_ANY_TIME_XPATH = '//time[not(ancestor::*[contains(@class, "comment") or contains(@id, "comment")])]'
_DATE_TEXT_XPATH = ('//body//*[not(self::script or self::style or self::time)][contains(@class, "date") '
                    'and not(contains(@class, "updat")) and not(contains(@class, "modif"))]')
_PUBLISHED_TEXT_XPATH = ('//*[not(self::script or self::style or self::time or self::meta)][contains(@class, "publish") '
                         'or contains(@class, "dateline") or contains(@class, "timestamp") or contains(@class, "post-date") '
                         'or contains(@class, "article-date") or contains(@class, "entry-date")]')


@dataclass(frozen=True)
class Candidate:
    when: StatedDate
    source: str  # json-ld | meta | microdata | time | text | htmldate | url


@dataclass
class PageDates:
    published: str | None = None
    published_source: str | None = None
    modified: str | None = None
    modified_source: str | None = None


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [v for v in items if isinstance(v, str)]


def _candidates(texts: Iterable[str], source: str) -> list[Candidate]:
    return [Candidate(d, source) for d in map(parse_date, texts) if d]


def published_candidates(sel: Selector, ld: dict, metas: dict[str, list[str]]) -> list[Candidate]:
    """What the markup says about the publication time, in the documented order (1-5)."""
    found = _candidates([*_values(ld.get("datePublished")), *_values(ld.get("dateCreated"))], "json-ld")
    found += _candidates((v for key in PUBLISHED_META for v in metas.get(key, ())), "meta")
    found += _candidates((v for key, values in metas.items() if key not in PUBLISHED_META
                          and _OTHER_PUBLISHED_KEY_RE.search(key) and not _NOT_PUBLISHED_KEY_RE.search(key)
                          for v in values), "meta")
    found += _candidates((n.attrib.get("content") or n.attrib.get("datetime") or n.xpath("string()").get()
                          for n in sel.xpath('//*[not(self::meta)][@itemprop="datePublished"]')), "microdata")
    found += _candidates((n.attrib.get("datetime") or n.xpath("string()").get() for n in sel.xpath(_PUBLISHED_TIME_XPATH)), "time")
    labels = (" ".join(n.xpath("string()").get().split()) for n in sel.xpath(_PUBLISHED_TEXT_XPATH)[:8])
    found += _candidates((text for text in labels if len(text) <= MAX_LABEL_CHARS), "text")
    times = sel.xpath(_ANY_TIME_XPATH)[:3]
    found += _candidates((n.attrib.get("datetime") or n.xpath("string()").get() for n in times), "time")
    labels = (" ".join(n.xpath("string()").get().split()) for n in sel.xpath(_DATE_TEXT_XPATH)[:8])
    found += _candidates((text for text in labels if len(text) <= MAX_LABEL_CHARS), "text")
    return found


def modified_candidates(ld: dict, metas: dict[str, list[str]]) -> list[Candidate]:
    found = _candidates(_values(ld.get("dateModified")), "json-ld")
    return found + _candidates((v for key in MODIFIED_META for v in metas.get(key, ())), "meta")


def url_date(url: str | None) -> date | None:
    """The day a URL path names (``/2026/02/12/``, ``/2019/nov/18/``, ``-20191115/``), else None."""
    path = re.sub(r"^[a-z]+://[^/]+", "", (url or "").lower()).split("?", 1)[0]
    for regex in _URL_DATE_RES:
        m = regex.search(path)
        if not m:
            continue
        month = int(m["m"]) if "m" in m.groupdict() else _MONTH_ABBR.get(m["mon"])
        try:
            return date(int(m["y"]), month or 0, int(m["d"]))
        except ValueError:
            continue
    return None


def _htmldate(html: str | None, url: str | None) -> list[Candidate]:
    if not html or "<" not in html:  # a bare URL would make htmldate fetch it
        return []
    try:
        # Not given the URL: the URL is a candidate of its own, last.
        found = find_date(html, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S%z")
    except Exception as exc:  # htmldate on hostile markup: report, never crash the crawl
        logger.debug("htmldate failed for %s: %r", url, exc)
        return []
    when = parse_date(found)
    if when and when.zone is None and when.wall.time() == datetime.min.time():
        when = StatedDate(when.wall, None, has_time=False)  # htmldate's midnight means "date only"
    return [Candidate(when, "htmldate")] if when else []


def plausible(when: StatedDate, now: datetime, day_in_url: date | None = None) -> bool:
    """Not in the future, and not before news sites existed unless the URL agrees."""
    utc = when.instant()
    if (utc.replace(tzinfo=None) if utc else when.wall) > now + _LATE_MARGIN:
        return False
    return when.wall >= EARLIEST or day_in_url == when.wall.date()


def _same_wall(a: StatedDate, b: StatedDate) -> bool:
    return a.wall.replace(second=0) == b.wall.replace(second=0)


def _same_instant(a: StatedDate, b: StatedDate) -> bool:
    ia, ib = a.instant(), b.instant()
    return ia is not None and ib is not None and abs(ia - ib) < timedelta(minutes=1)


def _completed(best: Candidate, others: list[Candidate]) -> Candidate:
    """``best`` or another candidate that states the same moment more fully (see the module's docstring)."""
    if not best.when.has_time:
        timed = [c for c in others if c.when.has_time and c.when.wall.date() == best.when.wall.date()]
        if not timed:
            return best
        best = timed[0]
    if best.when.zone is None:
        zoned = [c for c in others if c.when.zone and _same_wall(c.when, best.when)]
        if not zoned:
            return best
        best = zoned[0]
    if best.when.zone in ("Z", "+00:00", "-00:00"):
        local = [c for c in others if c.when.zone not in (None, "Z", "+00:00", "-00:00") and _same_instant(c.when, best.when)]
        if local:
            best = local[0]
    return best


def _confirmed(best: Candidate, others: list[Candidate]) -> Candidate:
    """``best``, or the first candidate of a moment two other sources state when none states ``best``'s."""
    if best.when.zone is None:
        return best
    zoned = [c for c in others if c.when.zone is not None]
    if any(_same_instant(c.when, best.when) for c in zoned):
        return best
    for c in zoned:
        sources = {o.source for o in zoned if _same_instant(o.when, c.when)}
        if len(sources) >= 2:
            return c
    return best


def choose(candidates: list[Candidate], day_in_url: date | None, now: datetime) -> Candidate | None:
    """The first plausible candidate that agrees with the URL's day (when it names one), confirmed, completed."""
    valid = [c for c in candidates if plausible(c.when, now, day_in_url)]
    if day_in_url:
        agree = [c for c in valid if abs((c.when.wall.date() - day_in_url).days) <= 1]
        valid = agree + [c for c in valid if c not in agree]
    if not valid:
        return None
    best = _confirmed(valid[0], valid[1:])
    return _completed(best, [c for c in valid if c is not best])


def page_dates(meta, url: str | None, html: str | None, now: datetime | None = None,
               published_known: bool = False) -> PageDates:
    """Publication and modification times of a page (``meta`` is its ``PageMetadata``); with
    ``published_known`` (a site's selectors gave it) the modification time only."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    published = None
    if not published_known:
        day_in_url = url_date(url)
        candidates = list(meta.date_candidates)
        if not any(plausible(c.when, now, day_in_url) for c in candidates):
            candidates += _htmldate(html, url)
        if day_in_url:
            candidates.append(Candidate(StatedDate(datetime.combine(day_in_url, datetime.min.time()), None, False),
                                        "url"))
        published = choose(candidates, day_in_url, now)
    modified = choose(modified_candidates(meta.article_ld, meta.metas), None, now)
    return PageDates(
        published=published.when.iso() if published else None,
        published_source=published.source if published else None,
        modified=modified.when.iso() if modified else None,
        modified_source=modified.source if modified else None,
    )
