"""Distributor boilerplate of the press-release wires, as ``RuleSet`` data (see ``rules.py``).

A release on a wire is the issuer's story wrapped in the distributor's text:
the dateline (``NEW YORK, Dec. 12, 2024 /PRNewswire/ --``), the "About
<Company>" boilerplate, media contacts, ``SOURCE <Company>``, logo / photo
lines and "View original content" links. Safe-harbor blocks are already
handled for every source by ``PRESS_RELEASE``; "About <Company>" sections are
removed by the wire extractors (``extract/wires.py``), where the page's
headings mark where they end: the rules here also run on sources nobody wrote
rules for, whose "About" sections the cleaning chain keeps. Each set is named after its
spider (the item's ``source``), so ``Rules.for_source("prnewswire")`` gives
the always-on sets plus this one. The sets are plain field mappings, made into
``RuleSet``s where ``rules.BUILTIN`` lists them: this module imports nothing
from ``rules.py``, so neither module's import waits on the other's.

The patterns are written to be safe on ordinary news too (unknown sources get
every set): a contact block needs a ``Contact:``-style heading, a mail address
or phone number within six lines, and only short or contact-like lines.
"""

from __future__ import annotations

from typing import Any

# "Media Contact:" + short or contact-like lines, when a mail address or phone number follows within 6 lines.
# The first lookahead only names the heading's possible first words: it lets the costly
# look for a mail address or phone number run at heading lines instead of at every line
# (it was the largest single cost of the cleaning chain on MENAFN pages, whose disclaimer
# says "contact").
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


def wire_set(name: str, datelines: tuple[str, ...], label_lines: tuple[str, ...] = (),
             disclaimers: tuple[str, ...] = ()) -> dict[str, Any]:
    """A wire's ``RuleSet`` fields: its own dateline and lines plus the blocks every wire has."""
    return dict(
        name=name,
        datelines=datelines,
        label_lines=MEDIA_LINES + label_lines,
        disclaimers=(CONTACT_BLOCK,) + disclaimers,
    )


PRNEWSWIRE = wire_set(
    "prnewswire",
    # "NEW YORK, Dec. 12, 2024 /PRNewswire/ --", "/PRNewswire-HISPANIC PR WIRE/ --"
    datelines=(r"re:(?-i:[A-Z])[^\n/]{0,150}?/\s*PRNewswire(?:-[\w .]+)?\s*/\s*(?:--|[–—-])\s*",),
    label_lines=(r"re:To view the original version on PR Newswire,? visit\s*:?\s*\S+",),
)

GLOBENEWSWIRE = wire_set(
    "globenewswire",
    # "SAN DIEGO, Dec. 12, 2024 (GLOBE NEWSWIRE) --"
    datelines=(r"re:(?-i:[A-Z])[^\n()]{0,150}?\(\s*GLOBE\s*NEWSWIRE\s*\)\s*(?:--|[–—-])\s*",),
)

BUSINESSWIRE = wire_set(
    "businesswire",
    # "BOSTON--(BUSINESS WIRE)--"
    datelines=(r"re:(?-i:[A-Z])[^\n()]{0,120}?-{1,2}\s*\(\s*BUSINESS\s*WIRE\s*\)\s*-{1,2}\s*",),
)

EINPRESSWIRE = wire_set(
    "einpresswire",
    # "TALLINN, HARJU, ESTONIA, November 26, 2025 /EINPresswire.com/ --"
    datelines=(r"re:(?-i:[A-Z])[^\n/]{0,160}?/\s*EIN\s*Presswire(?:\.com)?\s*/\s*(?:--|[–—-])\s*",),
    label_lines=("email us here", "Visit us on social media:",
                 r"re:(?:Facebook|X|Twitter|LinkedIn|Instagram|YouTube|TikTok|Pinterest|Other)"),
    # The author block: name, company, phone just above "email us here".
    disclaimers=(r"re[email us here]:(?:(?m:^)[^\n]{1,60}\n){0,4}email us here[^\n]{0,40}",),
)

ACCESSWIRE = wire_set(
    "accesswire",
    # "NEW YORK, NY / ACCESSWIRE / December 12, 2024 /" (the issuer's name follows and stays)
    datelines=(r"re:(?-i:[A-Z])[^\n/]{0,120}?/\s*ACCESS\s*(?:WIRE|Newswire)\s*/\s*"
               r"(?:[A-Z][a-z]{2,8}\.?\s+\d{1,2},\s+\d{4}\s*/\s*)?",),
    label_lines=(r"re:(?-i:SOURCE):\s*[A-Z][^\n]{0,80}",
                 r"re:View (?:the )?(?:original|source) (?:press release|version|content)[^\n]{0,40}? on "
                 r"(?:ACCESS ?Newswire|accesswire\.com|newswire\.com)(?:\s*:\s*\S+)?\.?"),
)

WIRE_RULES: tuple[dict[str, Any], ...] = (PRNEWSWIRE, GLOBENEWSWIRE, BUSINESSWIRE, EINPRESSWIRE, ACCESSWIRE)
