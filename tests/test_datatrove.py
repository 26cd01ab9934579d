"""newscrawl's steps in a real datatrove pipeline (issue 17): the same stories and rejects as `newscrawl clean`.

datatrove's ``LocalPipelineExecutor`` runs 2 tasks on 2 worker processes over a directory of WARC
files; the near-duplicate step of both tasks shares one index and one seen store in a real Redis.
The archives hold a MENAFN-like site's story pages (newscrawl's own writer, as a crawl leaves them),
an error shell, a near-duplicate of a story in the same file, and a story captured twice in two
files (one task keeps it, the other finds it claimed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("datatrove", reason="the datatrove extra is not installed (pip install newscrawl[datatrove])")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.base import PipelineStep  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from newscrawl.archives.writer import WarcFileWriter, http_request, http_response, run_info  # noqa: E402
from newscrawl.datatrove import (CleanStories, Delivered, ExtractStories, NearDuplicates, StoryPages,  # noqa: E402
                                 reject_line, story_line)
from tests.redis_server import redis_server, redis_url  # noqa: E402,F401  (fixtures)
from tests.site_server import REPO, build_site  # noqa: E402

HOST = "http://127.0.0.1:8080"


def write_archives(folder: Path) -> None:
    site = build_site(24, kinds={"soft404": 1, "changed_layout": 1}, rss_items=4)
    pages = site.render()
    stories = [s for s in site.stories if s.path in pages and pages[s.path].status == 200]
    files = [WarcFileWriter(folder, f"part-{i}", run_info("newscrawl-test", "menafn", f"part-{i}", {}), 10 ** 9)
             for i in range(4)]

    def archive(writer: WarcFileWriter, path: str, html: str) -> None:
        body = html.encode("utf-8")
        writer.write_exchange(HOST + path, http_request("GET", path, [("Host", "127.0.0.1:8080")]),
                              http_response(200, "OK", [("Content-Type", "text/html; charset=utf-8")], body), body)

    for n, story in enumerate(stories):
        writer = files[n % 4]
        html = pages[story.path].body
        html = html if isinstance(html, str) else html.decode("utf-8")
        archive(writer, story.path, html)
        if n == 5:  # syndicated again under another id, lightly edited, later in the same file
            copy = html.replace(story.paragraphs[-1], "")
            archive(writer, story.path.replace(story.story_id, str(int(story.story_id) + 500000)), copy)
        if n == 6:  # the very same page captured again, in another file (another task's)
            archive(files[(n + 1) % 4], story.path, html)
    for writer in files:
        writer.close()


def read_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl")) for line in path.read_text().splitlines()]


class CrashOnce(PipelineStep):
    """After the writer: the task of ``rank`` dies at its ``after``-th story, the first time only (a
    killed worker, a lost node), its output file written in part and never closed."""

    name = "crash once"

    def __init__(self, rank: int, after: int, marker: str):
        super().__init__()
        self.rank, self.after, self.marker = rank, after, marker

    def run(self, data, rank: int = 0, world_size: int = 1):
        for n, document in enumerate(data or (), start=1):
            if rank == self.rank and n == self.after and not Path(self.marker).exists():
                Path(self.marker).touch()
                raise RuntimeError("the task's worker died")
            yield document


def _pipeline(warcs: Path, out: Path, redis_url: str, namespace: str, *extra, delivered: bool = True) -> list:
    near = NearDuplicates(redis_url=redis_url, namespace=namespace, job="backlog-1",
                          exclusion_writer=JsonlWriter(str(out / "rejects"), "${rank}-dup.jsonl", adapter=reject_line,
                                                       compression=None))
    return [StoryPages(str(warcs)), ExtractStories(),
            CleanStories(exclusion_writer=JsonlWriter(str(out / "rejects"), "${rank}-clean.jsonl", adapter=reject_line,
                                                      compression=None)),
            near, JsonlWriter(str(out / "stories"), "${rank}.jsonl", adapter=story_line, compression=None),
            *extra, *([Delivered(near)] if delivered else [])]


def test_a_datatrove_pipeline_keeps_and_rejects_what_newscrawl_clean_does(tmp_path, redis_url):
    warcs = tmp_path / "warcs"
    write_archives(warcs)
    assert len(list(warcs.glob("*.warc.gz"))) == 4

    out, rej = tmp_path / "clean.jsonl", tmp_path / "clean-rejects.jsonl"
    proc = subprocess.run([sys.executable, "-m", "newscrawl", "clean", str(warcs), "-o", str(out), "-r", str(rej)],
                          cwd=REPO, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    clean_kept = [json.loads(line) for line in out.read_text().splitlines()]
    clean_rejects = [json.loads(line) for line in rej.read_text().splitlines()]

    stories, rejects = tmp_path / "stories", tmp_path / "rejects"
    executor = LocalPipelineExecutor(pipeline=_pipeline(warcs, tmp_path, redis_url, "dt-test"), tasks=2, workers=2,
                                     logging_dir=str(tmp_path / "logs"), start_method="spawn")
    executor.run()
    kept, rejected = read_lines(stories), read_lines(rejects)
    assert len(list(stories.glob("*.jsonl"))) == 2  # both tasks wrote stories

    fields = ("story_id", "url", "title", "published", "provider", "body", "source", "extraction", "crawled_at")
    as_stories = lambda lines: {r["story_id"]: tuple(r.get(f) for f in fields) for r in lines}
    assert as_stories(kept) == as_stories(clean_kept) and len(kept) == len(clean_kept) >= 18
    reasons = lambda lines: sorted((r["story_id"], r["reason"], r["duplicate_of"]) for r in lines)
    assert reasons(rejected) == reasons(clean_rejects)
    assert {r[1] for r in reasons(rejected)} == {"duplicate", "near_duplicate", "error_shell"}
    assert all(r["body"] and "warc_record_id" in r for r in kept)


def test_a_task_that_dies_and_is_run_again_delivers_its_stories_once_and_loses_none(tmp_path, redis_url):
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import open_stores

    warcs = tmp_path / "warcs"
    write_archives(warcs)
    run = lambda pipeline, logs: LocalPipelineExecutor(pipeline=pipeline, tasks=2, workers=1, logging_dir=str(logs)).run()
    run(_pipeline(warcs, tmp_path / "ref", redis_url, "dt-ref"), tmp_path / "ref-logs")  # undisturbed

    crashing = _pipeline(warcs, tmp_path / "out", redis_url, "dt-crash",
                         CrashOnce(rank=0, after=3, marker=str(tmp_path / "crashed")))
    with pytest.raises(Exception):
        run(crashing, tmp_path / "logs")  # rank 0 dies after writing 2 stories; rank 1 completes
    stores = open_stores("dt-crash", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    try:
        assert stores.seen.counts()["pending"] > 0  # rank 0's stories: claimed, not delivered
    finally:
        stores.close()
    run(crashing, tmp_path / "logs")  # datatrove's skip_completed: only rank 0 runs again

    stories = lambda where: sorted(r["story_id"] for r in read_lines(where / "stories"))
    reasons = lambda where: sorted((r["story_id"], r["reason"], r["duplicate_of"]) for r in read_lines(where / "rejects"))
    assert stories(tmp_path / "out") == stories(tmp_path / "ref") and len(stories(tmp_path / "ref")) >= 18
    assert len(set(stories(tmp_path / "out"))) == len(stories(tmp_path / "out"))  # none twice
    assert reasons(tmp_path / "out") == reasons(tmp_path / "ref")
    stores = open_stores("dt-crash", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    try:
        assert stores.seen.counts()["pending"] == 0  # every story done once its files were closed
    finally:
        stores.close()


def test_without_a_delivered_step_the_stories_are_done_when_the_near_duplicate_step_ends(tmp_path, redis_url):
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import open_stores

    warcs = tmp_path / "warcs"
    write_archives(warcs)
    pipeline = _pipeline(warcs, tmp_path, redis_url, "dt-plain", delivered=False)  # an older pipeline
    LocalPipelineExecutor(pipeline=pipeline, tasks=1, workers=1, logging_dir=str(tmp_path / "logs")).run()
    stores = open_stores("dt-plain", redis_url=redis_url, scheme=DEFAULT_SCHEME)
    try:
        counts = stores.seen.counts()
    finally:
        stores.close()
    assert counts["pending"] == 0 and counts["done"] >= len(read_lines(tmp_path / "stories")) >= 18
