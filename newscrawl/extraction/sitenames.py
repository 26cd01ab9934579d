"""The names a site goes by, to tell them from headlines and bylines.

Titles carry them as decoration (``Story - The Daily Example``) and bylines
as credits (``By Staff | The Daily Example``); neither is the story's. The
page names itself in ``og:site_name``, ``application-name``, its JSON-LD
publisher and ``WebSite`` objects and its Twitter handle, and always in its
host: ``www.macrumors.com`` is "MacRumors", ``news.sky.com`` is "Sky".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from newscrawl.cleaning.text import match_key
from newscrawl.extraction.metadata import ld_types

_SITE_META = ("og:site_name", "application-name", "apple-mobile-web-app-title", "twitter:site", "publisher")
_SITE_TYPES = {"organization", "newsmediaorganization", "website", "corporation"}
MAX_NAME_WORDS = 8
# Second-level labels under a country code: the site's own label is the one before them.
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "ne", "or", "go", "gv", "nic", "ltd", "plc"}


def _squash(text: str) -> str:
    return match_key(text).replace(" ", "")


def host_labels(url: str | None) -> tuple[str, str]:
    """(the site's own host label, its suffix): ``www.bbc.co.uk`` -> ("bbc", "couk")."""
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        return "", ""
    labels = [x for x in host.split(".") if x]
    if len(labels) < 2 or re.fullmatch(r"[\d.]+", host):
        return "", ""
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3], labels[-2] + labels[-1]
    return labels[-2], labels[-1]


@dataclass
class SiteNames:
    names: list[str] = field(default_factory=list)
    host: str = ""  # the host's own label, "macrumors"
    suffix: str = ""  # its public suffix squashed, "com", "couk"

    def __post_init__(self) -> None:
        self._keys = {_squash(n) for n in self.names if _squash(n)}

    def is_site(self, text: str | None) -> bool:
        """True when ``text`` is one of the site's names or its host (``MacRumors``, ``Sportsnet.ca``)."""
        key = _squash(text or "")
        if not key:
            return False
        if key in self._keys:
            return True
        host = self.host
        return bool(host) and key in (host, host + self.suffix, "www" + host + self.suffix)

    def mentions_site(self, text: str | None) -> bool:
        """Looser: the site's name or host label is part of ``text`` or ``text`` is part of it."""
        key = _squash(text or "")
        if len(key) < 3:
            return False
        if self.is_site(text):
            return True
        keys = [k for k in (*self._keys, self.host) if len(k) >= 4]
        return any(k in key or (len(key) >= 5 and key in k) for k in keys)


def _clean_handle(value: str) -> str:
    value = value.strip()
    return value[1:] if value.startswith("@") else value


def site_names(metas: dict[str, list[str]], json_ld: Iterable[dict], article_ld: dict, url: str | None,
               extra: Iterable[str | None] = ()) -> SiteNames:
    """Every name the page gives its site, plus ``extra`` (a site extractor's own names)."""
    names: list[str] = [n for n in extra if n]
    for key in _SITE_META:
        names += [_clean_handle(v) for v in metas.get(key, ()) if not v.startswith("http")]
    publishers = article_ld.get("publisher") if isinstance(article_ld, dict) else None
    publishers = [p for p in (publishers if isinstance(publishers, list) else [publishers]) if isinstance(p, dict)]
    for obj in [*publishers, *(o for o in json_ld if ld_types(o) & _SITE_TYPES)]:
        for key in ("name", "alternateName"):
            value = obj.get(key)
            names += [v for v in (value if isinstance(value, list) else [value]) if isinstance(v, str) and v.strip()]
    host, suffix = host_labels(url)
    headlines = {_squash(v) for key in ("og:title", "twitter:title") for v in metas.get(key, ())}
    if isinstance(article_ld, dict) and isinstance(article_ld.get("headline"), str):
        headlines.add(_squash(article_ld["headline"]))
    # A "site name" as long as a headline, or equal to one, is a mislabelled headline.
    names = [n.strip() for n in names if n.strip() and len(n.split()) <= MAX_NAME_WORDS and _squash(n) not in headlines]
    return SiteNames(names=list(dict.fromkeys(names)), host=host, suffix=suffix)
