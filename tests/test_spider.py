"""The real ``menafn`` spider, crawling in process, against a generated MENAFN-like site on loopback.

One crawl of a 60-story site with every kind of misbehaving page; each test
checks one thing a user relies on in its feed, stats or request log.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest_twisted

from newscrawl.demo_site.templates import alias_path
from tests import in_process
from tests.site_server import MIXED_KINDS, build_site, serve

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


@pytest_twisted.async_yield_fixture(scope="module")
async def crawl(tmp_path_factory):
    site = build_site(60, kinds=MIXED_KINDS, seed=7)
    with serve(site) as server:
        result = await in_process.crawl([server.url(site.listing_path), server.url(site.rss_path)],
                                        tmp_path_factory.mktemp("crawl"))
        yield site, server, result


def test_crawl_succeeds(crawl):
    _, _, result = crawl
    assert result.failure is None, result.log[-3000:]


def test_every_reachable_story_is_exported_exactly_once(crawl):
    site, _, result = crawl
    counts = Counter(result.ids)
    assert [sid for sid, n in counts.items() if n > 1] == []
    missing = [(s.story_id, s.kind) for s in site.expected if s.story_id not in counts]
    assert missing == []


def test_error_pages_are_never_exported(crawl):
    site, _, result = crawl
    never = {s.story_id for s in site.stories if s.kind in ("gone404", "gone410", "challenge403", "robots_blocked")}
    assert never and not never & set(result.ids)


def test_error_pages_are_counted_by_kind(crawl):
    _, _, result = crawl
    stats = result.stats
    assert stats.get("menafn/story_404") == MIXED_KINDS["gone404"]
    assert stats.get("menafn/story_410") == MIXED_KINDS["gone410"]
    assert stats.get("menafn/story_403") == MIXED_KINDS["challenge403"]
    assert stats.get("menafn/story_403_challenge") == MIXED_KINDS["challenge403"]


def test_titles_dates_and_providers_match_the_pages(crawl):
    site, _, result = crawl
    expected = {s.story_id: s for s in site.expected}
    wrong = [
        (item["story_id"], name, item.get(name), getattr(expected[item["story_id"]], name))
        for item in result.items if item["story_id"] in expected
        for name in ("title", "published", "provider")
        if item.get(name) != getattr(expected[item["story_id"]], name)
    ]
    assert wrong == []


def test_items_carry_canonical_url_source_crawl_time_and_status(crawl):
    site, server, result = crawl
    expected = {s.story_id: s for s in site.expected}
    for item in result.items:
        if item["story_id"] not in expected:
            continue
        assert item["url"] == server.url(expected[item["story_id"]].path)  # no ?src=RSS, no fragment, no legacy form
        assert item["source"] == "menafn"
        assert item["http_status"] == 200
        assert ISO_UTC.match(item["crawled_at"]), item["crawled_at"]
        assert item["body"]
        assert "html" not in item  # private working field, never exported


def test_each_story_is_requested_once(crawl):
    site, server, _ = crawl
    wrong = {}
    for story in site.stories:
        expected = {"flaky503": 2, "throttled429": 3, "robots_blocked": 0}.get(story.kind, 1)
        if server.served(story.path) != expected:  # fetched as linked (?src=RSS...), once
            wrong[story.story_id] = (story.kind, server.served(story.path), expected)
        if story.link_path != story.path and server.count(story.link_path) != 1:
            wrong[story.link_path] = (story.kind, server.count(story.link_path), 1)
        if story.path != alias_path(story) and server.count(alias_path(story)):  # same id, other URL
            wrong[alias_path(story)] = (story.kind, server.count(alias_path(story)), 0)
    assert wrong == {}
    assert any(alias_path(s) in site.render() for s in site.stories)  # the site does offer aliases


def test_duplicate_links_are_skipped_and_counted(crawl):
    _, _, result = crawl
    # Feed and listing overlap, listings repeat a story as ?src=home#top, right columns link around.
    assert result.stats.get("newscrawl/stories/skipped_duplicate", 0) > 0
    assert result.stats.get("newscrawl/stories/requested") == result.stats.get("newscrawl/stories/discovered")


def test_retry_waits_for_retry_after(crawl):
    site, server, result = crawl
    story = next(s for s in site.stories if s.kind == "flaky503")
    first, second = server.hits_for(story.path)
    assert (first.status, second.status) == (503, 200)
    assert second.at - first.at >= 0.9  # the page said Retry-After: 1
    assert result.stats.get("newscrawl/retry/retry_after_honoured") == 1


def test_throttled_story_is_retried_until_it_answers(crawl):
    site, server, result = crawl
    story = next(s for s in site.stories if s.kind == "throttled429")
    assert [h.status for h in server.hits_for(story.path)] == [429, 429, 200]
    assert story.story_id in result.ids


def test_both_pagination_styles_are_followed_to_the_last_page(crawl):
    site, server, _ = crawl
    listing_pages = [p for p in site.render() if p.startswith("/listing/latest?page=")]
    assert len(listing_pages) >= 4
    assert {p: server.count(p) for p in listing_pages} == {p: 1 for p in listing_pages}


def test_feed_only_and_related_only_stories_are_found(crawl):
    site, _, result = crawl
    feed_only = site.stories[: site.rss_only]
    related_only = [s for s in site.stories if s.kind == "related_only"]
    assert related_only
    assert {s.story_id for s in feed_only + related_only} <= set(result.ids)


def test_redirected_legacy_and_guid_links_yield_the_new_story_url(crawl):
    site, server, result = crawl
    by_id = {i["story_id"]: i for i in result.items}
    for story in (s for s in site.stories if s.kind in ("legacy_redirect", "guid_redirect")):
        assert by_id[story.story_id]["url"] == server.url(story.path)
        assert by_id[story.story_id]["title"] == story.title


def test_changed_layout_still_yields_its_story(crawl):
    site, _, result = crawl
    by_id = {i["story_id"]: i for i in result.items}
    for story in (s for s in site.stories if s.kind == "changed_layout"):
        item = by_id[story.story_id]
        assert item["extraction"] != "site"
        assert (item["title"], item["published"], item["provider"]) == (story.title, story.published, story.provider)
        assert story.paragraphs[-1] in item["body"]


def test_robots_txt_is_obeyed_and_the_newsletter_never_fetched(crawl):
    site, server, _ = crawl
    assert server.count("/robots.txt") == 1
    blocked = [s for s in site.stories if s.kind == "robots_blocked"]
    assert blocked and all(server.count(s.path) == 0 for s in blocked)
    assert not [h for h in server.hits if h.path.startswith("/nl_sub.aspx")]


def test_requests_identify_the_crawler(crawl):
    _, server, _ = crawl
    agents = {h.headers.get("User-Agent") for h in server.hits}
    assert len(agents) == 1 and agents.pop().startswith("newscrawl/")
