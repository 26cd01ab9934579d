"""``newscrawl demo``: the bundled sample site crawled by the real spider, summarised for the user."""

from __future__ import annotations

import json

from newscrawl.demo import main
from newscrawl.demo_site import demo_stories


def test_demo_crawls_the_sample_site_and_summarises(tmp_path, capsys):
    status = main(["--keep", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    items = [json.loads(line) for line in (tmp_path / "demo.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = {item["story_id"] for item in items}
    stories = demo_stories()
    # Every real story arrives (near-duplicate copies may be dropped by the cleaning chain, so one of each pair).
    real = {s.story_id for s in stories if s.exported} - {"1109900008", "1109900012"}
    assert real <= ids and ids & {"1109900008", "1109900012"}
    assert not ids & {s.story_id for s in stories if s.kind in ("gone404", "challenge403")}
    assert f"stories exported: {len(items)}" in out
    for item in items:
        if item.get("title"):
            assert item["title"] in out
    # The run's state and summary landed in the demo's own data directory, not in ./data.
    assert list((tmp_path / "data" / "runs" / "menafn").glob("*.json"))
    assert (tmp_path / "data" / "state" / "menafn.sqlite3").exists()


def test_demo_site_pages_render_every_story_state():
    kinds = {s.kind for s in demo_stories()}
    assert {"ok", "legacy_redirect", "changed_layout", "flaky503", "soft404", "challenge403", "gone404"} <= kinds
