"""Shared pytest fixtures. Servers live in their own modules (site_server, redis_server)."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


def extract_by_host(url: str, html, **kwargs):
    """``extract_article`` with the site its URL's host says (as the spiders and ``newscrawl clean`` read pages)."""
    from newscrawl.extraction import extract_article
    from newscrawl.sites import site_for

    return extract_article(url, html, site=kwargs.pop("site", None) or site_for(url), **kwargs)


def newscrawl_crawler(spidercls=None, **settings):
    """A crawler (not crawling) with newscrawl's settings, as a crawl has them once its add-on ran,
    for testing one component in process (Scrapy's ``get_crawler``)."""
    from scrapy.settings import BaseSettings
    from scrapy.utils.test import get_crawler

    from newscrawl.addon import NewscrawlAddon

    merged = BaseSettings(settings, priority="cmdline")
    NewscrawlAddon().update_settings(merged)
    return get_crawler(spidercls, settings_dict=merged.copy_to_dict())
