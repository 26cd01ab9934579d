"""Publication dates in one form: ``YYYY-MM-DDTHH:MM:SS`` plus the zone the page states.

Pages and feeds write dates many ways (``2026-02-12 09:41:00``, ISO 8601 with
an offset, RSS's ``Thu, 12 Feb 2026 09:41:00 GMT``, ``Feb 12, 2026 9:41 AM EST``).
The feed keeps the wall-clock time the site printed and the offset exactly as
stated, never converted: ``+04:00`` stays ``+04:00`` (``+0400`` is written
``+04:00``), ``Z``, ``GMT`` and ``UTC`` give ``Z``, a zone name gives its
offset (``ET`` the one in force on that date), and a time without a zone gets none (inventing one would shift the
day of half the world's stories). Date-only values get ``T00:00:00``. A value
that is not a real calendar date gives None rather than a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_ZONE = (r"(?:\s*(?P<z>Z)(?![A-Za-z])"
         r"|\s*(?:(?:GMT|UTC)\s*)?(?P<sign>[+\-\u2212])(?P<oh>\d{2}):?(?P<om>\d{2})(?!\d)"
         r"|\s*\(?(?P<abbr>[A-Z]{2,5})\b\)?)?")
_ISO_RE = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?!\d)"
    rf"(?:[T ]+(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?(?:[.,]\d+)?{_ZONE})?"
)
_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
         "aug august", "sep sept september", "oct october", "nov november", "dec december")
    )
    for name in names.split()
}
_MONTH = r"(?P<mon>[A-Za-z]{3,9})\.?"
_TIME = (r"(?:\D{0,6}?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?"
         rf"{_ZONE})?")
_WORDY_RES = (
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}"),  # Feb 12, 2026
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}}){_TIME}"),  # (Thu,) 12 Feb 2026
)
# "Published 10:02 AM EST Nov 19, 2019": the time first (US newspaper sites).
_TIME_FIRST_RE = re.compile(
    rf"\b(?P<H>\d{{1,2}}):(?P<M>\d{{2}})(?::(?P<S>\d{{2}}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?{_ZONE}"
    rf"[\s,]+(?:on\s+)?(?:[A-Za-z]+,?\s+)?{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b")
# ASP.NET's en-US default, M/D/YYYY h:mm:ss AM; read as D/M when the first number cannot be a month.
# With dots (12.02.2026, 09:41 Uhr) the day always comes first.
_SLASH_RE = re.compile(rf"\b(?P<a>\d{{1,2}})(?P<sep>[/.])(?P<b>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_TIME}")
# Zone names news pages print, with their offsets. Ambiguous ones (IST is also Irish and
# Israeli time, but on news pages it is India's) are read the way news sites use them.
ZONE_NAMES = {
    "UTC": "Z", "GMT": "Z", "UT": "Z",
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00", "MDT": "-06:00",
    "PST": "-08:00", "PDT": "-07:00", "AKST": "-09:00", "AKDT": "-08:00", "HST": "-10:00",
    "WET": "+00:00", "WEST": "+01:00", "BST": "+01:00", "CET": "+01:00", "CEST": "+02:00", "EET": "+02:00",
    "EEST": "+03:00", "MSK": "+03:00", "IST": "+05:30", "PKT": "+05:00", "SGT": "+08:00", "HKT": "+08:00",
    "JST": "+09:00", "KST": "+09:00", "AEST": "+10:00", "AEDT": "+11:00", "ACST": "+09:30", "AWST": "+08:00",
    "NZST": "+12:00", "NZDT": "+13:00",
}

US_GENERIC_ZONES = {"ET": 5, "CT": 6, "MT": 7, "PT": 8}  # hours behind UTC in winter


@dataclass(frozen=True)
class StatedDate:
    """A date as a page states it: wall-clock time, the zone if one was given, and whether a time was."""

    wall: datetime  # naive: the time printed on the page
    zone: str | None = None  # "Z", "+04:00", or None when the page gave none
    has_time: bool = True

    def iso(self) -> str:
        return self.wall.isoformat(timespec="seconds") + (self.zone or "")

    def instant(self) -> datetime | None:
        """The moment in UTC, when the zone is known."""
        if self.zone is None:
            return None
        return (self.wall - zone_offset(self.zone)).replace(tzinfo=timezone.utc)


def zone_offset(zone: str) -> timedelta:
    """``"+05:30"`` -> 5h30; ``"Z"`` -> 0."""
    if zone == "Z":
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))


def _zone(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    if groups.get("z"):
        return "Z"
    if groups.get("sign"):
        hours, minutes = int(m["oh"]), int(m["om"])
        if hours > 14 or minutes % 15:
            return None  # not a real offset: a number that happened to follow the time
        sign = "-" if m["sign"] in "-\u2212" else "+"
        return f"{sign}{hours:02d}:{minutes:02d}"
    return ZONE_NAMES.get(groups.get("abbr") or "")


def _us_daylight(wall: datetime) -> bool:
    """US daylight saving time (since 2007): second Sunday of March to first Sunday of November, 2 a.m."""
    march = datetime(wall.year, 3, 8)
    start = march + timedelta(days=(6 - march.weekday()) % 7, hours=2)
    november = datetime(wall.year, 11, 1)
    end = november + timedelta(days=(6 - november.weekday()) % 7, hours=2)
    return start <= wall < end


def _build(m: re.Match[str], y, mo, d) -> StatedDate | None:
    hh, mm, ss = m["H"], m["M"], m["S"]
    ampm = m.groupdict().get("ampm")
    try:
        hour = int(hh or 0)
        if ampm:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if ampm[0].lower() == "p" else 0)
        wall = datetime(int(y), int(mo), int(d), hour, int(mm or 0), int(ss or 0))
    except (TypeError, ValueError):
        return None
    has_time = hh is not None
    zone = _zone(m) if has_time else None
    abbr = m.groupdict().get("abbr")
    if has_time and zone is None and abbr in US_GENERIC_ZONES:  # "ET": EST or EDT, as the date says
        standard = US_GENERIC_ZONES[abbr]
        zone = f"-{standard - _us_daylight(wall):02d}:00"
    return StatedDate(wall, zone, has_time)


def parse_date(text: str | None) -> StatedDate | None:
    """The date ``text`` states, in any common form, else None."""
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    m = _ISO_RE.search(text)
    if m:
        return _build(m, m["y"], m["m"], m["d"])
    for regex in (_TIME_FIRST_RE, *_WORDY_RES):
        m = regex.search(text)
        if m and m["mon"].lower() in _MONTHS:
            return _build(m, m["y"], _MONTHS[m["mon"].lower()], m["d"])
    m = _SLASH_RE.search(text)
    if m:
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if a > 12 or m["sep"] == "." else (a, b)
        return _build(m, m["y"], month, day)
    return None


def normalize_date(text: str | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS`` plus the stated zone for a date string in any common form, else None.

    ``2026-02-12T09:41:00+04:00`` stays as it is; ``Thu, 12 Feb 2026 09:41:00 GMT``
    gives ``2026-02-12T09:41:00Z``; ``2026-02-12`` gives ``2026-02-12T00:00:00``.
    """
    stated = parse_date(text)
    return stated.iso() if stated else None
