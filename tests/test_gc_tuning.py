"""Garbage collection during a crawl: start-up objects frozen, garbage still collected, the
process given back as it was (tools and tests run several crawls in one process)."""

from __future__ import annotations

import gc
import weakref

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured

from newscrawl import gc_tuning
from newscrawl.gc_tuning import GcTuning
from tests.conftest import newscrawl_crawler
from tests.site_server import build_site, run_crawl, serve


@pytest.fixture
def pristine_gc():
    """Each test starts from Python's own collector settings and leaves them so."""
    threshold = gc.get_threshold()
    gc.unfreeze()
    yield threshold
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gc_tuning._running, gc_tuning._saved_threshold = 0, None  # a failed test must not leak into the next


def started(**settings):
    crawler = newscrawl_crawler(MEMUSAGE_ENABLED=False, **settings)
    extension = GcTuning.from_crawler(crawler)
    crawler.signals.send_catch_log(signals.engine_started)
    return crawler, extension


def test_the_crawl_runs_with_start_up_objects_frozen_and_the_process_is_given_back(pristine_gc):
    crawler, extension = started(NEWSCRAWL_GC_FREEZE=True, NEWSCRAWL_GC_THRESHOLD=10_000)
    assert gc.get_freeze_count() > 1000  # Scrapy, Twisted and the project are out of every collection
    assert gc.get_threshold() == (10_000, *pristine_gc[1:])
    assert crawler.stats.get_value("newscrawl/gc/frozen_objects") > 1000
    gc.collect(0)
    # the extension alone: the signal would also reach the feed exporter and the ledger of a crawler
    # that never crawled (the real crawl below sends it to all)
    extension.spider_closed()
    assert crawler.stats.get_value("newscrawl/gc/collections/0") >= 1
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == pristine_gc


def test_garbage_made_during_the_crawl_is_collected_without_being_asked(pristine_gc):
    """The threshold is raised, never disabled: past it, the collector runs by itself and frees cycles."""
    crawler, extension = started(NEWSCRAWL_GC_FREEZE=True, NEWSCRAWL_GC_THRESHOLD=10_000)

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    gone = weakref.ref(a)
    del a, b
    before = gc.get_stats()[0]["collections"]
    churn = [[] for _ in range(25_000)]  # allocations past the young generation's threshold, twice over
    assert gc.get_stats()[0]["collections"] >= before + 2
    assert gone() is None
    del churn
    crawler.signals.send_catch_log(signals.engine_stopped)


def test_two_crawlers_in_one_process_restore_only_when_the_last_stops(pristine_gc):
    # Signals hold their receivers weakly; Scrapy's extension manager holds ours, here the test does.
    first, first_extension = started(NEWSCRAWL_GC_THRESHOLD=10_000)
    second, second_extension = started(NEWSCRAWL_GC_THRESHOLD=10_000)
    first.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold()[0] == 10_000 and gc.get_freeze_count() > 0  # the second still crawls
    second.signals.send_catch_log(signals.engine_stopped)
    assert gc.get_threshold() == pristine_gc and gc.get_freeze_count() == 0


def test_both_settings_off_leave_the_collector_alone(pristine_gc):
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(newscrawl_crawler(NEWSCRAWL_GC_FREEZE=False, NEWSCRAWL_GC_THRESHOLD=0))


def test_a_real_crawl_is_tuned_and_complete(tmp_path):
    site = build_site(12, per_page=12, rss_items=4, rss_only=0)
    with serve(site) as server:
        tuned = run_crawl([server.url(site.listing_path)], tmp_path / "tuned", "MENAFN_RELATED_DEPTH=0")
        plain = run_crawl([server.url(site.listing_path)], tmp_path / "plain", "MENAFN_RELATED_DEPTH=0",
                          "NEWSCRAWL_GC_FREEZE=0", "NEWSCRAWL_GC_THRESHOLD=0")
    assert tuned.returncode == 0, tuned.stderr[-2000:]
    assert tuned.stats.get("newscrawl/gc/frozen_objects", 0) > 10_000
    assert "newscrawl/gc/frozen_objects" not in plain.stats
    assert sorted(tuned.ids) == sorted(plain.ids) == sorted(s.story_id for s in site.stories)
