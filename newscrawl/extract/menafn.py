"""MENAFN (menafn.com) story pages.

Selectors follow /work/shared/design/menafn.md (ASP.NET ids). The body is read
as the page has it: the ``(MENAFN- X)`` dateline, the tracking token and any
repeated paragraphs stay, because the cleaning chain removes and counts them.
What is never story text on any version of the page (the hidden error block,
the legal disclaimer, share/comments/tags blocks, the right column and
"More Stories") is ``noise``: skipped in the body and removed before the
metadata and generic fallbacks read the page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newscrawl.extract.site import Site, SiteLayout
from newscrawl.extract.urls import canonical_story_url, story_id_from_url

_DATELINE_RE = re.compile(r"^\(\s*MENAFN\s*(?:[-\u2013\u2014:]\s*(?P<provider>[^()]{1,120}?)\s*)?\)")
_TOKEN_ID_RE = re.compile(r"MENAFN\d{8}\d{12}ID(\d{10})")
_LEGAL_DISCLAIMER = (
    "//*[self::p or self::div][starts-with(normalize-space(.), 'Legal Disclaimer')]"
    "[not(.//p[not(starts-with(normalize-space(.), 'Legal Disclaimer'))])]"
)


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


class Menafn(Site):
    name = "menafn"
    hosts = ("menafn.com",)
    layouts = (MenafnV1,)
    noise = (
        "#HiddenErrorDiv", "div.Style403", "div.SorryStyle", "div.ErrorTextStyle",
        _LEGAL_DISCLAIMER,
        "div.post-meta-info-list",  # comments, tags, category
        "//h3[normalize-space(.)='More Stories']", "//*[contains(@class, 'newedge-social-share')]",
    )
    site_names = ("MENAFN.COM", "MENAFN")

    def canonical_url(self, url: str) -> str:
        return canonical_story_url(url)

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None:
        """From the URL, else the page's canonical/og:url, else the tracking token in the body."""
        for candidate in (url, *candidates):
            story_id = story_id_from_url(candidate or "")
            if story_id:
                return story_id
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
