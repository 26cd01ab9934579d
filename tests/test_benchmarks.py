"""`make bench` from the repo alone (issue 20): the benchmark data is in the repo with its licence,
and the benchmarks print progress while they work, then their table and results file.

Short runs (a few pages, one round) in subprocesses, their results written to a temporary
directory (``NEWSCRAWL_BENCH_RESULTS``) so the committed figures stay as they are.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from benchmarks.common import default_benchmark_dir

REPO = Path(__file__).resolve().parents[1]


def bench(name: str, *args: str, results: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSCRAWL_BENCH_RESULTS": str(results), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", f"benchmarks.{name}", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=240)


def test_the_extraction_benchmark_data_is_in_the_repo_with_its_licence():
    data = default_benchmark_dir()
    assert data.is_relative_to(REPO)
    assert "MIT License" in (data / "LICENSE").read_text(encoding="utf-8")
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = sorted(p.name.removesuffix(".html.gz") for p in (data / "html").glob("*.html.gz"))
    assert len(truth) == len(pages) == 181 and sorted(truth) == pages
    html = gzip.decompress((data / "html" / f"{pages[0]}.html.gz").read_bytes()).decode("utf-8")
    assert "<html" in html.lower()


def test_benchmarks_run_on_the_repo_data_and_say_how_far_they_are(tmp_path):
    run = bench("extraction", "--limit", "12", "--systems", "newscrawl-generic", results=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "skipped" not in run.stdout
    assert "  newscrawl-generic: 12/12 pages (" in run.stdout  # progress, then the table
    assert run.stdout.index("pages (") < run.stdout.index("F1")
    result = json.loads((tmp_path / "extraction.json").read_text(encoding="utf-8"))
    assert result["pages"] == 12 and result["data"] == "benchmarks/data/article-extraction-benchmark"

    run = bench("neardup_quality", "--copies", "1", results=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "originals, then copies, through the cleaning chain: 358/358" in run.stdout
    assert json.loads((tmp_path / "neardup_quality.json").read_text(encoding="utf-8"))["copies"] == 179


def test_crawl_overhead_reports_each_crawl_as_it_ends(tmp_path):
    run = bench("crawl_overhead", "--stories", "30", "--repeat", "1", results=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("  crawls: ")]
    assert [line.split(" (")[0] for line in lines] == [f"  crawls: {i}/4" for i in range(1, 5)]
    assert "warm-up" in lines[0] and "round 1/1: no pipelines" in lines[-1]
    assert "pipeline overhead:" in run.stdout
    assert json.loads((tmp_path / "crawl_overhead.json").read_text(encoding="utf-8"))["stories"] == 30
