"""MENAFN (menafn.com): a republisher of wire and press-release stories from many providers.

Everything newscrawl knows of MENAFN is here: its URLs, its story page markup,
its boilerplate and its error shells. Source: the project's notes on MENAFN
(``../shared/design/menafn.md`` beside a checkout), gathered from public code
that scrapes or copies the site and not verified against the live site, which
is why every field falls back to page metadata and then generic extraction.

- Story URLs: ``/<10-digit id>/<Title-Slug>`` (feeds add ``?src=RSS``), the
  legacy ``qn_news_story_s.aspx?storyid=<id>`` and ``/menafn/<GUID>/<slug>``
  forms (which redirect to the new one). Only the path is judged, never the
  host, so a loopback mirror behaves like the real site.
- Every page carries an error block ("403" / "Sorry!!" / "Error! We're sorry,
  but the page you were looking for doesn't exist."), hidden on good pages:
  flattened, it leaks into the story (``leak_lines``); shown, or with the
  story container empty or the story wrapper hidden, the page is a
  not-found shell (the page checks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from newscrawl.cleaning.rules import RuleSet
from newscrawl.extraction.layout import SiteLayout
from newscrawl.sites.base import Site

STORY_ID_RE = re.compile(r"^/(\d{10})(?:/[^/?#]*)?/?$")
"""A story path: ``/<10-digit id>`` optionally followed by ``/<slug>``."""

_LEGACY_RE = re.compile(r"^/(?:menafn/)?qn_news_story_s\.aspx$", re.IGNORECASE)
_GUID_RE = re.compile(r"^/menafn/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:/[^/]*)?/?$", re.I)
_LEGACY_ID_RE = re.compile(r"^\d{10}$")
_BLOCKED_PATHS = frozenset({"/nl_sub.aspx"})  # the newsletter form: never crawled
_DATELINE_RE = re.compile(r"^\(\s*MENAFN\s*(?:[-\u2013\u2014:]\s*(?P<provider>[^()]{1,120}?)\s*)?\)")
_TOKEN_ID_RE = re.compile(r"MENAFN\d{8}\d{12}ID(\d{10})")
_LEGAL_DISCLAIMER = (
    "//*[self::p or self::div][starts-with(normalize-space(.), 'Legal Disclaimer')]"
    "[not(.//p[not(starts-with(normalize-space(.), 'Legal Disclaimer'))])]"
)


def _split(url: str):
    try:
        return urlsplit((url or "").strip())
    except ValueError:  # e.g. an invalid IPv6 host
        return None


def _legacy_id(parts) -> str | None:
    if not _LEGACY_RE.match(parts.path):
        return None
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "storyid":
            value = value.strip()
            return value if _LEGACY_ID_RE.match(value) else None
    return None


def story_id_from_url(url: str) -> str | None:
    """The 10-digit story id of a story URL (new or legacy aspx form), else None."""
    parts = _split(url)
    if parts is None:
        return None
    m = STORY_ID_RE.match(parts.path)
    return m.group(1) if m else _legacy_id(parts)


def is_blocked_path(url: str) -> bool:
    parts = _split(url)
    return parts is not None and parts.path.lower().rstrip("/") in _BLOCKED_PATHS


def is_story_url(url: str) -> bool:
    """``/<id>[/<slug>]``, legacy aspx with a story id, or ``/menafn/<GUID>/<slug>`` (whose id is
    read from the page it redirects to)."""
    parts = _split(url)
    if parts is None or is_blocked_path(url):
        return False
    return bool(story_id_from_url(url) or _GUID_RE.match(parts.path))


def canonical_story_url(url: str) -> str:
    """One spelling per story: scheme, host and path; query (``?src=RSS``) and fragment dropped.

    Legacy aspx links are returned unchanged: their id lives in the query and they redirect to
    the new form, which is canonicalised in turn. A URL that cannot be parsed is returned
    stripped, so the caller still has a key.
    """
    url = (url or "").strip()
    parts = _split(url)
    if parts is None or not parts.scheme or _LEGACY_RE.match(parts.path):
        return url
    try:
        canon = urlsplit(canonicalize_url(url, keep_fragments=False))
    except (ValueError, UnicodeError):
        return url
    path = canon.path or "/"
    if STORY_ID_RE.match(path):
        path = path.rstrip("/")  # "/<id>/<slug>/" and "/<id>/<slug>" are one story
    return urlunsplit((canon.scheme, canon.netloc.lower(), path, "", ""))


class MenafnV1(SiteLayout):
    """The ASP.NET story page (``ContentPlaceHolder1_*`` ids, ``div.entry-summary.tit`` body)."""

    detect = ("div.entry-summary.tit", "h1.main-entry-title", "#ContentPlaceHolder1_lbl_date_story")
    title = ("h1.main-entry-title", "img#ImgNews::attr(title)")
    published = ("#ContentPlaceHolder1_lbl_date_story", "div.entry-blog-meta span.entry-date", "time.entry-date")
    author = ("#ContentPlaceHolder1_author_section",)
    provider = ("h2.main-entry-title",)
    category = ("#ContentPlaceHolder1_lblb_cats",)
    tags = ("#ContentPlaceHolder1_lbl_hashtags",)
    body = ("div.entry-summary.tit",)
    noise = ("#ContentPlaceHolder1_social_edg", "#ContentPlaceHolder1_Rightcol", "#RColNewslatter")


RULES = RuleSet(
    name="menafn",
    # The error block every MENAFN page carries (hidden on good pages, leaked by flattening).
    leak_lines=(
        "403", "404", "Sorry!!", "Error! We’re sorry, but the page you were looking for doesn’t exist.",
        "Error!", "re:403\\s*Sorry!!\\s*(?:Error!.{0,90})?",
    ),
    label_lines=(
        "Legal Disclaimer:", "Date", "More Stories", "Market Research", "Most Popular", "Comments No comment",
        "Get the latest news delivered to your inbox.", "re:(?:#\\w+\\s*){1,12}",
    ),
    date_lines=(
        "re:date\\s*(?P<date>\\d{4}-\\d{2}-\\d{2})(?:\\s+(?P<time>\\d{1,2}:\\d{2}(?::\\d{2})?))?(?:\\s*(?:403|404))?",
    ),
    # "(MENAFN- Kuwait News Agency (KUNA))": a provider name may hold one bracketed part.
    datelines=("re[menafn]:\\(\\s*(?P<site>MENAFN)\\s*(?:[-–—]\\s*(?P<provider>(?:[^()]|\\([^()]*\\)){1,80}?)\\s*)?\\)\\s*",),
    disclaimers=(
        "Legal Disclaimer: MENAFN provides the information “as is” without warranty of any kind. "
        "… kindly contact the provider above.",
        "MENAFN provides the information “as is” without warranty of any kind.",
        "We do not accept any responsibility or liability for the accuracy, content, images, videos, "
        "licenses, completeness, legality, or reliability of the information contained in this article.",
        "If you have any complaints or copyright issues related to this article, kindly contact the provider above.",
    ),
    tracking=("re:MENAFN\\s?\\d{8}\\s?\\d{12}\\s?ID\\s?\\d{4,12}",),
    # A not-found page has the same chrome as a story: its error block shows, or its story
    # container is empty, or its story wrapper is hidden.
    page_markers=("HiddenErrorDiv", "entry-summary"),
    error_blocks=('//*[@id="HiddenErrorDiv"]',),
    story_containers=('//div[contains(concat(" ", normalize-space(@class), " "), " entry-summary ") '
                      'and contains(concat(" ", normalize-space(@class), " "), " tit ")]',),
    story_wrappers=('//*[@id="HiddenMainDiv"]',),
)


class Menafn(Site):
    name = "menafn"
    spider = "menafn"
    hosts = ("menafn.com",)
    entry_points = (
        "https://menafn.com/rss/rss.aspx",
        "https://menafn.com/rss/menafn_sa.xml",
        "https://menafn.com/rss/menafn_energy.xml",
        "https://menafn.com/Rss/RssFeeds.aspx?section=UAE",
        "https://menafn.com/",
    )
    max_listing_pages = 50
    related_depth = 1  # story pages link their neighbours ("More Stories", the right column)
    link_allow = (r"/\d{10}(?:[/?#]|$)", r"qn_news_story_s\.aspx", r"/menafn/[0-9a-fA-F-]{36}")
    link_deny = (r"/nl_sub\.aspx",)
    layouts = (MenafnV1,)
    noise = (
        "#HiddenErrorDiv", "div.Style403", "div.SorryStyle", "div.ErrorTextStyle",
        _LEGAL_DISCLAIMER,
        "div.post-meta-info-list",  # comments, tags, category
        "//h3[normalize-space(.)='More Stories']", "//*[contains(@class, 'newedge-social-share')]",
    )
    site_names = ("MENAFN.COM", "MENAFN")
    rules = RULES

    def is_story_url(self, url: str) -> bool:
        return is_story_url(url)

    def story_id_from_url(self, url: str) -> str | None:
        return story_id_from_url(url)

    def canonical_url(self, url: str) -> str:
        return canonical_story_url(url)

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None:
        """From the URL, else the page's canonical/og:url, else the tracking token in the body."""
        found = super().story_id(url, candidates, body)
        if found:
            return found
        for paragraph in body:
            m = _TOKEN_ID_RE.search(paragraph)
            if m:
                return m.group(1)
        return None

    def provider_from_body(self, body: Sequence[str]) -> str | None:
        """``(MENAFN- Trend News Agency)`` -> ``Trend News Agency``; ``(MENAFN)`` -> ``MENAFN``."""
        if not body:
            return None
        m = _DATELINE_RE.match(body[0])
        if not m:
            return None
        return (m["provider"] or "").strip() or "MENAFN"


SITE = Menafn()
