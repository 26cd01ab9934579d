"""What ``scrapy parse`` and ``scrapy shell`` change so they work on one story URL of any site or mirror.

They look at a page; they deliver nothing. So, for these commands only:

- the URL given is the spider's start URL (``<SPIDER>_START_URLS``) and a trusted host, so a mirror
  on loopback is neither offsite nor refused, and links to the origin are read as the mirror's;
- the ledger, its pipeline and the run summary are off: no lock on the spider's state (a scheduled
  crawl may be running), no run record, no story claimed or marked done;
- no Redis frontier (requests must not land in a shared crawl's queue) and no cleaning workers.

A value given with ``-s`` wins over any of these.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.settings import SETTINGS_PRIORITIES

# Components off (set before the add-on, which only adds the ones not named yet).
DEFAULT_SETTINGS = {
    "EXTENSIONS": {"newscrawl.ledger.Ledger": None, "newscrawl.extensions.RunSummary": None},
    "ITEM_PIPELINES": {"newscrawl.ledger.LedgerPipeline": None},
}


def inspect_one_url(settings, spidercls, url: str | None) -> None:
    """Settings for looking at ``url`` with ``spidercls`` (see the module docstring)."""
    overrides = {"NEWSCRAWL_CLEANING_WORKERS": 0, "NEWSCRAWL_REDIS_URL": None}
    host = (urlsplit(url).hostname or "").lower() if url else ""
    if url and host and getattr(spidercls, "site", None) is not None and spidercls.name:
        overrides[f"{spidercls.name.upper()}_START_URLS"] = [url]
        overrides["NEWSCRAWL_TRUSTED_HOSTS"] = [*settings.getlist("NEWSCRAWL_TRUSTED_HOSTS"), host]
    for name, value in overrides.items():
        if (settings.getpriority(name) or 0) < SETTINGS_PRIORITIES["cmdline"]:
            settings.set(name, value, priority="cmdline")
