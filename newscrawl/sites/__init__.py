"""The sites newscrawl knows, one module each: the registry every layer asks.

Each module of this package defines ``SITE``, an instance of a ``Site``
subclass (``base.py``) declaring one publisher's hosts, entry points, story
URLs, markup versions and cleaning rules. Adding a site is adding a module
here (and its fixture test): the registry finds it, a spider is built from it
(``newscrawl/spiders/sites.py``) and its rules join the cleaning chain.
``generic`` is the site of every other host.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Any, Mapping

from newscrawl.cleaning.rules import BUILTIN, Rules
from newscrawl.sites.base import Site, host_of

__all__ = ["GENERIC", "SITES", "Site", "cleaning_rules", "site_for", "site_named"]

_NOT_SITES = {"base", "wire"}  # the shared parts, not sites


def _discover() -> dict[str, Site]:
    found: dict[str, Site] = {}
    for module in sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name not in _NOT_SITES):
        site = getattr(importlib.import_module(f"{__name__}.{module}"), "SITE", None)
        if isinstance(site, Site):
            found[site.name] = site
    return found


SITES: dict[str, Site] = _discover()
GENERIC: Site = SITES["generic"]


def site_named(name: str | None) -> Site:
    """The site of that name (a site's, or its spider's), else the generic one."""
    return SITES.get(name or "") or next((s for s in SITES.values() if s.spider == name), GENERIC)


def site_for(url: str) -> Site:
    """The site serving ``url``'s host, else the generic one."""
    host = host_of(url)
    return next((s for s in SITES.values() if s.hosts and s.serves(host)), GENERIC) if host else GENERIC


@lru_cache(maxsize=1)
def _default_rules() -> Rules:
    return Rules((*BUILTIN, *(s.rules for s in SITES.values() if s.rules is not None)))


def cleaning_rules(extra: Mapping[str, Any] | None = None) -> Rules:
    """The cleaning rules of every family and site, plus ``extra`` (the ``NEWSCRAWL_EXTRA_RULES``
    setting or ``newscrawl clean --rules``)."""
    return _default_rules().merged(extra) if extra else _default_rules()
