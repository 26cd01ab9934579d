"""Press-release wires: PR Newswire, GlobeNewswire, Business Wire, EIN Presswire, ACCESSWIRE.

One ``WireSite`` per service: its hosts, the URL form that carries its
release id, and a layout per known markup version. ``provider`` is the issuer
(the company that sent the release), not the wire. Bodies are read as the page
has them; the distributor's boilerplate (datelines, contacts, "SOURCE ...",
media lines, safe-harbor blocks) is for the cleaning chain
(``newscrawl/cleaning/wire_rules.py``) to remove and count. Structural chrome
(images, captions, share bars) and the "About <Company>" section, which the
page's own headings delimit, are ``noise``: never body, on any extraction path.

NOT VERIFIED against the live sites (no web access here): the selectors come
from public scrapers of these services and their documented URL forms. Every
field falls back on its own to the page's JSON-LD / Open Graph metadata and
then to generic text extraction, so a wrong selector degrades, never fails.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from newscrawl.extract.site import Site, SiteLayout

_SOURCE_LINE_RE = re.compile(r"^SOURCE:?\s+(?P<issuer>[A-Z0-9][^\n]{0,100}?)[\s.;,]*$")
# A release's section heading: an h2-h5, or a paragraph that is all bold ("<p><b>About Acme</b></p>").
_HEADING = ("(self::p and normalize-space(.) != '' and (normalize-space(.) = normalize-space(b) or "
            "normalize-space(.) = normalize-space(strong))) or self::h2 or self::h3 or self::h4 or self::h5")
_ABOUT = "starts-with(normalize-space(.), 'About ')"
# "About <Company>" sections: the heading and everything up to the next heading (FLS, contacts...).
ABOUT_SECTION = (
    f"//*[{_HEADING}][{_ABOUT}]",
    f"//*[self::p or self::ul or self::ol or self::div or self::table][not({_HEADING})]"
    f"[preceding-sibling::*[{_HEADING}][1][{_ABOUT}]]",
)
_CHROME = ("figure", "figcaption", "picture", "video", "//*[contains(@class, 'social-share')]", *ABOUT_SECTION)


class WireSite(Site):
    """A wire service: story URLs carry its release id (``story_path`` group ``id``)."""

    story_path: ClassVar[re.Pattern[str]] = re.compile(r"(?!)")

    def story_id_from_url(self, url: str) -> str | None:
        try:
            path = urlsplit((url or "").strip()).path
        except ValueError:
            return None
        m = self.story_path.match(path)
        return m.group("id") if m else None

    def is_story_url(self, url: str) -> bool:
        return self.story_id_from_url(url) is not None

    def canonical_url(self, url: str) -> str:
        """Scheme, lower-case host and path: tracking queries (``?tc=eml_cleartime``, ``utm_*``) and fragments go."""
        url = (url or "").strip()
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        if not parts.scheme or not parts.netloc:
            return url
        return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None:
        """From the URL, else the page's canonical / og:url."""
        for candidate in (url, *candidates):
            story_id = self.story_id_from_url(candidate or "")
            if story_id:
                return story_id
        return None

    def provider_from_body(self, body: Sequence[str]) -> str | None:
        """The issuer from the closing ``SOURCE Acme Corp`` / ``SOURCE: Acme Corp`` line."""
        for paragraph in reversed(body[-8:]):
            m = _SOURCE_LINE_RE.match(paragraph)
            if m:
                return m["issuer"]
        return None


# -- PR Newswire (Cision) ---------------------------------------------------------
class PRNewswireV1(SiteLayout):
    """``/news-releases/<slug>-<9-digit id>.html``: ``header.release-header`` + ``section.release-body``."""

    detect = ("section.release-body", "div.release-body", "header.release-header")
    title = ("header.release-header h1", "div.detail-headline h1", "h1")
    published = ("header.release-header p.mb-no", "meta[name='date']::attr(content)",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("//span[normalize-space()='News provided by']/following::a[1]", "meta[name='author']::attr(content)")
    body = ("section.release-body", "div.release-body")
    noise = ("section.release-body div.image", "section.release-body div.divOverflow + p.prntac")


class PRNewswire(WireSite):
    name = "prnewswire"
    hosts = ("prnewswire.com", "prnewswire.co.uk")
    story_path = re.compile(r"^/(?:[a-z]{2,5}/)?news-releases/(?:[\w-]+/)*[\w%.-]*?(?P<id>\d{6,})\.html?$", re.I)
    layouts = (PRNewswireV1,)
    noise = _CHROME
    site_names = ("PR Newswire", "PRNewswire")


# -- GlobeNewswire (Notified) -------------------------------------------------------
class GlobeNewswireV1(SiteLayout):
    """``/news-release/Y/M/D/<id>/<org>/<lang>/<slug>.html``: ``#main-body-container``."""

    detect = ("#main-body-container", "div.main-body-container", "span.article-published")
    title = ("h1.article-headline", "div.main-header-container h1", "h1")
    published = ("span.article-published time::attr(datetime)", "span.article-published time",
                 "meta[name='DC.date.issued']::attr(content)")
    provider = ("span.article-source a", "meta[name='author']::attr(content)")
    body = ("#main-body-container", "div.main-body-container")
    noise = ("#main-body-container div.main-logo", "#main-body-container div.attachment-section")


class GlobeNewswire(WireSite):
    name = "globenewswire"
    hosts = ("globenewswire.com",)
    story_path = re.compile(r"^/(?:[a-z]{2}/)?news-release/\d{4}/\d{2}/\d{2}/(?P<id>\d{5,})(?:/|$)", re.I)
    layouts = (GlobeNewswireV1,)
    noise = _CHROME
    site_names = ("GlobeNewswire", "GLOBE NEWSWIRE")


# -- Business Wire (Berkshire Hathaway) ------------------------------------------------
class BusinessWireV1(SiteLayout):
    """``/news/home/<14-digit id>/<lang>/<slug>``: ``div.bw-release-main`` + ``div.bw-release-story``."""

    detect = ("div.bw-release-story", "div.bw-release-main")
    title = ("div.bw-release-main h1", "h1.epi-fontLg", "h1")
    published = ("div.bw-release-timestamps time::attr(datetime)", "div.bw-release-timestamps time")
    provider = ("div.bw-release-main h3.bw-release-companyname", "meta[name='author']::attr(content)")
    body = ("div.bw-release-story",)
    noise = ("div.bw-release-story div.bw-release-media", "div.bw-release-contact")


class BusinessWire(WireSite):
    name = "businesswire"
    hosts = ("businesswire.com",)
    story_path = re.compile(r"^/news/[\w-]+/(?P<id>\d{14})(?:/|$)", re.I)
    layouts = (BusinessWireV1,)
    noise = _CHROME
    site_names = ("Business Wire", "BusinessWire")


# -- EIN Presswire (Newsmatics) ------------------------------------------------------
class EINPresswireV1(SiteLayout):
    """``/article/<id>/<slug>``: ``h1.title``, ``div.article_column`` with ``div.article-content``."""

    detect = ("div.article_column", "div.article-content")
    title = ("div.article_column h1", "h1.title", "h1")
    published = ("div.article_column time::attr(datetime)", "div.article_column span.date",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("div.article_column div.contact-block .company", "meta[name='author']::attr(content)")
    body = ("div.article_column div.article-content", "div.article-content")
    noise = ("div.article-content div.contact-block", "div.article-content div.social-links")


class EINPresswire(WireSite):
    name = "einpresswire"
    hosts = ("einpresswire.com", "einnews.com")
    story_path = re.compile(r"^/(?:[a-z]{2}/)?article/(?P<id>\d{5,})(?:/|$)", re.I)
    layouts = (EINPresswireV1,)
    noise = _CHROME
    site_names = ("EIN Presswire", "EINPresswire")


# -- ACCESSWIRE / ACCESS Newswire (Issuer Direct) ---------------------------------------
class AccesswireV1(SiteLayout):
    """``/<id>/<slug>`` and ``/newsroom/<lang>/<topic>/<slug>-<id>``: ``#articleBody``."""

    detect = ("#articleBody", "div.article-body")
    title = ("div.article-header h1", "h1.article-title", "h1")
    published = ("div.article-header time::attr(datetime)", "div.article-header span.article-date",
                 "meta[property='article:published_time']::attr(content)")
    provider = ("div.article-header a.article-company", "meta[name='author']::attr(content)")
    body = ("#articleBody", "div.article-body")
    noise = ("#articleBody div.article-image",)


class Accesswire(WireSite):
    name = "accesswire"
    hosts = ("accesswire.com", "accessnewswire.com")
    story_path = re.compile(r"^/(?:newsroom/[a-z]{2}/[\w-]+/[\w-]*?-)?(?P<id>\d{5,})(?:/[\w%.-]*)?/?$", re.I)
    layouts = (AccesswireV1,)
    noise = _CHROME
    site_names = ("ACCESSWIRE", "ACCESS Newswire", "Accesswire")


WIRE_SITES: tuple[WireSite, ...] = (PRNewswire(), GlobeNewswire(), BusinessWire(), EINPresswire(), Accesswire())
