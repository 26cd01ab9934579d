"""What MENAFN URLs mean: which are stories, their ids, and one canonical form.

The spider de-duplicates on the story id and the canonical URL, so both must
come out the same for ``/<id>/<slug>``, its ``?src=RSS`` twin and (for the id)
the legacy ``qn_news_story_s.aspx?storyid=<id>`` link. Only the path is judged,
never the host, so a loopback mirror of the site behaves like the real one.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

STORY_ID_RE = re.compile(r"^/(\d{10})(?:/[^/?#]*)?/?$")
"""A story path: ``/<10-digit id>`` optionally followed by ``/<slug>``."""

_LEGACY_RE = re.compile(r"^/(?:menafn/)?qn_news_story_s\.aspx$", re.IGNORECASE)
_GUID_RE = re.compile(r"^/menafn/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:/[^/]*)?/?$", re.I)
_LEGACY_ID_RE = re.compile(r"^\d{10}$")
_BLOCKED_PATHS = frozenset({"/nl_sub.aspx"})


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
    if m:
        return m.group(1)
    return _legacy_id(parts)


def is_story_url(url: str) -> bool:
    """True for story pages: ``/<id>[/<slug>]``, legacy aspx with a story id, or ``/menafn/<GUID>/<slug>``.

    The GUID form has no id in it; it redirects to the new form, whose id is
    then read from the redirect target.
    """
    parts = _split(url)
    if parts is None or is_blocked_path(url):
        return False
    return bool(story_id_from_url(url) or _GUID_RE.match(parts.path))


def canonical_story_url(url: str) -> str:
    """One spelling per story: scheme, host and path; query (``?src=RSS``) and fragment dropped.

    Legacy aspx links are returned unchanged: their id lives in the query and
    they redirect to the new form, which is canonicalised in turn. A URL that
    cannot be parsed is returned stripped, so the caller still has a key.
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


def is_blocked_path(url: str) -> bool:
    """Pages never to crawl (the newsletter sign-up form)."""
    parts = _split(url)
    return parts is not None and parts.path.lower().rstrip("/") in _BLOCKED_PATHS
