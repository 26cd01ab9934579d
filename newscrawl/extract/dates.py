"""Publication dates in one form: ``YYYY-MM-DDTHH:MM:SS``, the site's wall-clock time.

Pages and feeds write dates many ways (``2026-02-12 09:41:00``, ISO 8601 with
an offset, RSS's ``Thu, 12 Feb 2026 09:41:00 GMT``, ``Feb 12, 2026 9:41 AM``).
The feed keeps the time as the site printed it and drops any zone suffix, so
the same story reads the same from every source; a value that is not a real
calendar date gives None rather than a guess.
"""

from __future__ import annotations

import re
from datetime import datetime

_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:[.,]\d+)?)?"
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
_TIME = r"(?:\D{0,6}?(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?"
_WORDY_RES = (
    re.compile(rf"\b{_MONTH}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}}){_TIME}"),  # Feb 12, 2026
    re.compile(rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+(?P<y>\d{{4}}){_TIME}"),  # (Thu,) 12 Feb 2026
)
# ASP.NET's en-US default, M/D/YYYY h:mm:ss AM; read as D/M when the first number cannot be a month.
_SLASH_RE = re.compile(rf"\b(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})[/.](?P<y>\d{{4}}){_TIME}")


def _build(y, m, d, hh=None, mm=None, ss=None, ampm=None) -> str | None:
    try:
        hour = int(hh or 0)
        if ampm:
            pm = ampm[0].lower() == "p"
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if pm else 0)
        return datetime(int(y), int(m), int(d), hour, int(mm or 0), int(ss or 0)).strftime("%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError):
        return None


def normalize_date(text: str | None) -> str | None:
    """``YYYY-MM-DDTHH:MM:SS`` for a date string in any common form, else None.

    Date-only values get ``T00:00:00``. Zone offsets are dropped, never
    applied: ``2026-02-12T09:41:00+04:00`` gives ``2026-02-12T09:41:00``.
    """
    if not text or not isinstance(text, str):
        return None
    text = text.strip()
    m = _ISO_RE.search(text)
    if m:
        return _build(m["y"], m["m"], m["d"], m["H"], m["M"], m["S"])
    for regex in _WORDY_RES:
        m = regex.search(text)
        if m and m["mon"].lower() in _MONTHS:
            return _build(m["y"], _MONTHS[m["mon"].lower()], m["d"], m["H"], m["M"], m["S"], m["ampm"])
    m = _SLASH_RE.search(text)
    if m:
        a, b = int(m["a"]), int(m["b"])
        month, day = (b, a) if a > 12 else (a, b)
        return _build(m["y"], month, day, m["H"], m["M"], m["S"], m["ampm"])
    return None
