"""What every press-release wire shares: release-id URLs, the issuer as provider, the distributor's text.

A release on a wire is the issuer's story wrapped in the distributor's text:
the dateline (``NEW YORK, Dec. 12, 2024 /PRNewswire/ --``), the "About
<Company>" section, media contacts, ``SOURCE <Company>``, logo / photo lines
and "View original content" links. Each wire's module (``prnewswire.py``...)
declares its hosts, its release-id URL form, its feeds, its markup versions
and its dateline; this module holds what they share. Safe-harbor blocks are
handled for every source by ``cleaning.rules.PRESS_RELEASE``. "About
<Company>" sections are page chrome here (``CHROME``: the page's own headings
say where they end), so the cleaning rules below also run safely on sources
nobody wrote rules for, whose "About" sections the cleaning chain keeps.

Sources: the wires' documented URL forms and public scrapers of these
services; NOT verified against the live sites (no web access where this was
written): every field falls back to page metadata, then generic extraction.

The contact-block pattern is written to be safe on ordinary news (unknown
sources get every set): it needs a ``Contact:``-style heading, a mail address
or phone number within six lines, and only short or contact-like lines.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit, urlunsplit

from newscrawl.cleaning.rules import RuleSet
from newscrawl.sites.base import Site

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
CHROME = ("figure", "figcaption", "picture", "video", "//*[contains(@class, 'social-share')]", *ABOUT_SECTION)

CONTACT_BLOCK = (
    r"re[contact|inquiries|enquiries]:(?m:^)"
    r"(?=(?-i:For|Media|Press|Investor|Company|Corporate|Public|PR|News|MEDIA|INVESTOR|Contact|CONTACT|"
    r"Inquiries|Enquiries|INQUIRIES))(?=(?:[^\n]*\n){0,6}[^\n]*?(?:@|\+?\d[\d\s().-]{6,}\d))"
    r"(?-i:For (?:further|more) information,? (?:please )?contact|(?:(?:Media|Press|Investor|Investors|Company|Corporate|"
    r"Public Relations|PR|News Media|MEDIA|INVESTOR)(?:\s+(?:and|&)\s+\w+)?\s+)?"
    r"(?:Contacts?|CONTACTS?|Inquiries|Enquiries|INQUIRIES)(?:\s+(?:Information|Details|Us))?)"
    r"\s*(?::[^\n]{0,160})?(?=\n|$)"
    r"(?:\n(?:[^\n]{0,80}(?:@|\+?\d[\d\s().-]{6,}\d|https?://|www\.)[^\n]{0,80}|(?:[^\s]+[ \t]+){0,6}[^\s]+)"
    r"(?=\n|$)){0,14}"
)
MEDIA_LINES = (
    # PR Newswire's "Photo - https://mma.prnewswire.com/media/..." and "Logo - ..."
    r"re:(?:Photos?|Logos?|Videos?|Multimedia|Infographics?|Images?)\s*[-–—:]\s*https?://\S+",
    # Captions ending in a wire's credit: "(PRNewsfoto/Acme Corp.)", "(Photo: Business Wire)"
    r"re:[^\n]{0,140}\((?:PRNewsfoto\s*/[^)\n]{1,80}|(?:Photo|Graphic|Image|Video)s?\s*:\s*"
    r"(?:Business\s*Wire|GLOBE\s*NEWSWIRE|ACCESS\s*(?:WIRE|Newswire)|EIN\s*Presswire))\)",
    r"re:(?:A\s+)?(?:Photos?|Images?|Videos?|Multimedia|Graphics?)[^\n]{0,40}?accompanying this "
    r"(?:announcement|release|press release) (?:is|are) available at\s*:?\s*\S+",
    "Attachment", "Attachments", "Related Images", "Multimedia Files", "Media Files",
    r"re:(?:#\s*){3}|-\s*30\s*-|-?\s*ENDS?\s*-?",  # end-of-release markers
)


def wire_rules(name: str, datelines: tuple[str, ...], label_lines: tuple[str, ...] = (),
               disclaimers: tuple[str, ...] = ()) -> RuleSet:
    """A wire's ``RuleSet``: its own dateline and lines plus the blocks every wire has."""
    return RuleSet(name=name, datelines=datelines, label_lines=MEDIA_LINES + label_lines,
                   disclaimers=(CONTACT_BLOCK,) + disclaimers)


class WireSite(Site):
    """A press-release wire: story URLs carry its release id (``story_path`` group ``id``)."""

    story_path: ClassVar[re.Pattern[str]] = re.compile(r"(?!)")
    related_depth = 0  # wires publish complete feeds and sitemaps: "more news" links are not followed
    noise = CHROME

    def story_id_from_url(self, url: str) -> str | None:
        try:
            path = urlsplit((url or "").strip()).path
        except ValueError:
            return None
        m = self.story_path.match(path)
        return m.group("id") if m else None

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

    def provider_from_body(self, body: Sequence[str]) -> str | None:
        """The issuer from the closing ``SOURCE Acme Corp`` / ``SOURCE: Acme Corp`` line."""
        for paragraph in reversed(body[-8:]):
            m = _SOURCE_LINE_RE.match(paragraph)
            if m:
                return m["issuer"]
        return None
