"""A page served cut off never wins over the complete story (issue 16).

A story page that stops in mid-document (no closing body, the text stopping mid-sentence) is
fetched again once; cut off again, it is exported with ``truncated: true`` when no copy of the
story is known. Its complete copy, crawled later under the same id or under another one (a
syndicated copy), takes its place and says so (``replaces``), instead of being rejected as its
near-duplicate; every complete story is still delivered exactly once. Real crawls on loopback,
then the ledger's rule on its own, on both store backends: delivery, a killed run's recovery,
and the rebuild of a lost store from the feeds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest_twisted

from newscrawl.cleaning.neardup import fingerprint
from newscrawl.delivery import Delivery, new_run_id, rebuild, recover, truncated_key
from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.demo_site.templates import Story, story_html
from newscrawl.extraction import cut_off
from newscrawl.jsonl import dumps_line
from tests.fixtures.hostile.pages import PARAS, story
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)
from tests.in_process import crawl
from tests.site_server import data_lines
from tests.test_delivery import open_backend, text  # noqa: F401  (fixture)


def cut(s: Story) -> str:
    """The story's page stopped inside its third paragraph, mid-sentence, as a crashed server sends it."""
    html = story_html(s)
    return html[:html.index(PARAS[2]) + 30]


def test_a_page_that_stops_mid_document_is_cut_off_and_a_whole_one_is_not():
    s = story(601, "whole")
    assert cut_off(cut(s), "\n\n".join([*PARAS[:2], PARAS[2][:30]]))
    assert not cut_off(story_html(s), "\n\n".join(s.paragraphs))
    assert not cut_off(story_html(s).replace("</body>", "").replace("</html>", ""), "\n\n".join(s.paragraphs))


async def _crawl(server, workdir):
    result = await crawl([server.url("/listing")], workdir, NEWSCRAWL_HEALTH_MIN_PAGES=1000)
    assert result.failure is None, result.log[-3000:]
    return result


@pytest_twisted.ensureDeferred
async def test_a_cut_off_page_is_fetched_again_once_then_flagged_then_replaced_by_its_complete_copy(tmp_path):
    broken, fine = story(602, "cut_off"), story(603, "fine")
    with LoopbackSite() as server:
        server.pages.update({"/listing": Page(f'<a href="{broken.path}">a</a><a href="{fine.path}">b</a>'),
                             broken.path: Page(cut(broken)), fine.path: Page(story_html(fine))})
        first = await _crawl(server, tmp_path)
        assert server.count(broken.path) == 2 and server.count(fine.path) == 1  # fetched again once
        assert first.stats.get("newscrawl/stories/cut_off_retried") == 1
        assert first.stats.get("newscrawl/stories/truncated") == 1
        flagged = {i["story_id"]: i for i in first.items}
        assert flagged[broken.story_id]["truncated"] is True and PARAS[1] in flagged[broken.story_id]["body"]
        assert flagged[fine.story_id]["truncated"] is False and flagged[fine.story_id]["replaces"] is None

        second = await _crawl(server, tmp_path)  # still cut off: not exported again
        assert second.items == [] and second.stats.get("newscrawl/stories/cut_off_known") == 1
        assert second.stats.get("newscrawl/stories/skipped_handled") == 1  # the fine one

        server.pages[broken.path] = Page(story_html(broken))  # the site repaired
        third = await _crawl(server, tmp_path)
        assert [(i["story_id"], i["truncated"], i["replaces"]) for i in third.items] == [
            (broken.story_id, False, broken.story_id)]
        assert PARAS[3] in third.items[0]["body"]

        fourth = await _crawl(server, tmp_path)  # the complete story is done: exactly once
        assert fourth.items == [] and fourth.stats.get("newscrawl/stories/skipped_handled") == 2
    lines = data_lines(tmp_path / "data")
    assert [(line["story_id"], line["truncated"]) for line in lines].count((broken.story_id, False)) == 1


@pytest_twisted.ensureDeferred
async def test_a_complete_copy_under_another_id_replaces_the_truncated_one_instead_of_being_its_duplicate(tmp_path):
    paragraphs = story(604, "x").paragraphs
    original = story(604, "syndicated_original", paragraphs)
    copy = Story("1109000605", "Copy-Of-The-Story", original.title, original.published, "MENAFN", paragraphs)
    with LoopbackSite() as server:
        server.pages.update({"/listing": Page(f'<a href="{original.path}">a</a>'), original.path: Page(cut(original))})
        first = await _crawl(server, tmp_path)
        assert [(i["story_id"], i["truncated"]) for i in first.items] == [(original.story_id, True)]

        server.pages.update({"/listing": Page(f'<a href="{original.path}">a</a><a href="{copy.path}">b</a>'),
                             copy.path: Page(story_html(copy))})
        second = await _crawl(server, tmp_path)
        assert [(i["story_id"], i["replaces"]) for i in second.items] == [(copy.story_id, original.story_id)]
        assert second.stats.get("newscrawl/dropped/near_duplicate") is None

        server.pages[original.path] = Page(story_html(original))  # the first id, complete at last
        third = await _crawl(server, tmp_path)
    assert third.items == []  # a near-duplicate of the copy that replaced it
    rejects = data_lines(tmp_path / "data", "rejects")
    assert [(r["story_id"], r["reason"], r["duplicate_of"]) for r in rejects] == [
        (original.story_id, "near_duplicate", copy.story_id)]


# -- the ledger's rule, on both backends --------------------------------------------------
def _delivery(stores, tmp_path, run=None) -> Delivery:
    return Delivery(stores, run or new_run_id(), kind="crawl", spider="menafn",
                    identity_record=tmp_path / "state" / "menafn.identity.json", retention_days=365)


def test_a_story_delivered_truncated_marks_its_mark_done_and_can_be_claimed_once_more(open_backend, tmp_path):
    stores = open_backend()
    first = _delivery(stores, tmp_path)
    first.start(feeds=[], rejects=None, handled_reasons=[])
    assert first.claim(["a", "b"]) == [True, True]
    first.done(["a", "b"], truncated={"a"})
    assert not stores.seen.is_handled("a") and stores.seen.is_handled(truncated_key("a"))
    assert stores.seen.is_handled("b")
    first.finish()
    stores.close()

    stores = open_backend()
    second = _delivery(stores, tmp_path)
    second.start(feeds=[], rejects=None, handled_reasons=[])
    assert second.claim(["a", "b"]) == [True, False]  # the complete copy once; a done story never
    second.done(["a"])
    assert second.claim(["a"]) == [False]


def test_a_killed_run_that_delivered_a_truncated_story_is_settled_from_its_feed(open_backend, tmp_path):
    stores = open_backend()
    feed = tmp_path / "feed.jsonl"
    feed.write_bytes(dumps_line({"story_id": "cut", "body": "x", "truncated": True})
                     + dumps_line({"story_id": "whole", "body": "y", "truncated": False}))
    dead = _delivery(stores, tmp_path)
    dead.start(feeds=[str(feed)], rejects=None, handled_reasons=[])
    assert dead.claim(["cut", "whole", "lost"]) == [True] * 3
    stores.index.check_and_insert(truncated_key("cut"), fingerprint(text("oil-reuters")))
    stores.index.check_and_insert(truncated_key("lost"), fingerprint(text("emirates-cnbc")))
    stores.end(dead.run)  # killed: its claims stay pending
    stores.close()

    stores = open_backend()
    report = recover(stores, host=dead.record.host)
    assert (report.done, report.refetch) == (2, 1)
    assert stores.seen.pending() == {}
    assert stores.seen.is_handled("whole") and stores.seen.is_handled(truncated_key("cut"))
    assert not stores.seen.is_handled("cut") and not stores.seen.is_handled("lost")  # both fetched again
    assert truncated_key("cut") in stores.index and truncated_key("lost") not in stores.index


def test_a_lost_store_is_rebuilt_with_the_truncated_mark_and_its_replacement(open_backend, tmp_path):
    stores = open_backend()
    body = text("oil-reuters")
    old, new = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    old.write_bytes(dumps_line({"story_id": "s1", "body": body[:len(body) * 3 // 4], "truncated": True}))
    new.write_bytes(dumps_line({"story_id": "s2", "body": body, "truncated": False, "replaces": "s1"}))
    counts = rebuild(stores, [old, new], [])
    assert counts["stories"] == 2 and counts["indexed"] == 2
    assert stores.seen.is_handled(truncated_key("s1")) and not stores.seen.is_handled("s1")
    assert stores.seen.is_handled("s2")
    assert truncated_key("s1") not in stores.index and "s2" in stores.index


@pytest_twisted.ensureDeferred
async def test_feed_lines_say_truncated_and_replaces_for_every_story(tmp_path):
    s = story(606, "plain")
    with LoopbackSite() as server:
        server.pages.update({"/listing": Page(f'<a href="{s.path}">a</a>'), s.path: Page(story_html(s))})
        result = await _crawl(server, tmp_path)
    line = json.loads(Path(next((tmp_path / "data" / "feeds" / "menafn").glob("*.jsonl"))).read_text().splitlines()[0])
    assert (line["truncated"], line["replaces"]) == (False, None)
    assert result.ids == [s.story_id]
