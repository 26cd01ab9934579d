"""What a site module declares: the one place a publisher's knowledge lives.

Modelled on Fundus' ``publishers/`` (one module per publisher: its domain, its
sources, its parser versions with selectors as class attributes). A ``Site``
says everything newscrawl knows of one publisher, as data where it can:

- **where**: ``hosts``; ``entry_points`` (feeds, listings, sitemaps a spider
  starts from); ``origin_hosts`` (absolute links a mirror keeps);
- **what a story is**: ``is_story_url``, its ``story_id_from_url``, its
  ``canonical_url`` (identity only: requests go to the link as found), the
  link patterns of its listings (``link_allow`` / ``link_deny``);
- **how to read it**: ``layouts`` (newest first, one class per markup
  version), ``noise`` (chrome that is never story text), ``site_names``
  (title suffixes), ``provider_from_body`` (a dateline naming the provider);
- **how to clean it**: ``rules`` (a ``RuleSet``: its disclaimers, labels,
  datelines, tracking tokens and the page checks that tell its error shells).

Spiders are built from these declarations (``newscrawl/spiders/sites.py``);
adding a site is one module in this package plus its fixture test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar
from urllib.parse import urlsplit

from newscrawl.cleaning.rules import RuleSet
from newscrawl.extraction.layout import SiteLayout


def host_of(url: str) -> str:
    try:
        return (urlsplit((url or "").strip()).hostname or "").lower().rstrip(".")
    except ValueError:  # an invalid IPv6 literal
        return ""


class Site:
    """A publisher. Subclasses set the class attributes and override what their URLs need."""

    name: ClassVar[str] = ""  # the rule set's name and the items' ``source``
    spider: ClassVar[str | None] = None  # the spider built from this site (None: no spider)
    hosts: ClassVar[tuple[str, ...]] = ()
    entry_points: ClassVar[tuple[str, ...]] = ()
    max_listing_pages: ClassVar[int] = 50  # listing pages or child sitemaps per entry point
    related_depth: ClassVar[int] = 0  # hops of story links followed from story pages
    start_urls_are_listings: ClassVar[bool] = False  # True: a start URL is never read as a story
    link_allow: ClassVar[tuple[str, ...]] = ()  # regexes of story links on listings (empty: any link)
    link_deny: ClassVar[tuple[str, ...]] = ()
    layouts: ClassVar[tuple[type[SiteLayout], ...]] = ()
    noise: ClassVar[tuple[str, ...]] = ()  # removed before metadata / generic fallbacks too
    site_names: ClassVar[tuple[str, ...]] = ()  # as they appear in "<title> | Site" suffixes
    rules: ClassVar[RuleSet | None] = None

    @property
    def origin_hosts(self) -> tuple[str, ...]:
        return self.hosts

    def serves(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return any(host == h or host.endswith("." + h) for h in self.hosts)

    # -- identity ----------------------------------------------------------------
    def is_story_url(self, url: str) -> bool:
        return self.story_id_from_url(url) is not None

    def is_feed_story(self, url: str) -> bool:
        """Whether an entry of one of its feeds or sitemaps is a story."""
        return self.is_story_url(url)

    def story_id_from_url(self, url: str) -> str | None:
        """The site's own id for the story at ``url``, if its URLs carry one."""
        return None

    def canonical_url(self, url: str) -> str:
        return (url or "").strip()

    def story_key(self, url: str) -> str:
        """What identifies a story across runs (the ledger's key, the item's ``story_id``): the
        site's id, else the canonical URL."""
        return self.story_id_from_url(url) or self.canonical_url(url)

    def story_id(self, url: str, candidates: Sequence[str | None], body: Sequence[str]) -> str | None:
        """The id from the page: its URL, else other URLs it states (canonical, og:url)."""
        for candidate in (url, *candidates):
            found = self.story_id_from_url(candidate or "")
            if found:
                return found
        return None

    # -- reading -----------------------------------------------------------------
    def provider_from_body(self, body: Sequence[str]) -> str | None:
        """The provider when the site names it in the text itself (a dateline)."""
        return None

    def __repr__(self) -> str:
        return f"<site {self.name or 'generic'}>"
