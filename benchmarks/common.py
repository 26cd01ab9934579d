"""Shared bits of the benchmarks: where the data is, reading real articles, progress, writing results."""

from __future__ import annotations

import gzip
import json
import os
import platform
import time
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("NEWSCRAWL_BENCH_RESULTS") or ROOT / "benchmarks" / "results")  # env: for tests


# Zyte's article-extraction benchmark (MIT, see its LICENSE and README.md): 181 pages and their
# hand-checked bodies, kept in the repo so that `make bench` needs nothing else.
BENCHMARK_DATA = ROOT / "benchmarks" / "data" / "article-extraction-benchmark"


def default_benchmark_dir() -> Path:
    return BENCHMARK_DATA


def shown(path: Path) -> str:
    """A path as results files record it: relative to the repo when inside it (no machine's absolute paths)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


class Progress:
    """A line now and then while a benchmark works, so a long run is never silent for minutes.

    ``step()`` after each unit of work prints ``what: done/total (rate, elapsed, time left)`` at most
    every ``every`` seconds (``every=0``: after each step, with its ``note``), and at the last step.
    """

    def __init__(self, what: str, total: int | None = None, every: float = 5.0, unit: str = ""):
        self.what, self.total, self.every, self.unit = what, total, every, unit
        self.done = 0
        self.start = self.last = time.monotonic()

    def step(self, n: int = 1, note: str = "") -> None:
        self.done += n
        now = time.monotonic()
        if now - self.last >= self.every or (self.total is not None and self.done >= self.total):
            self.last = now
            elapsed = now - self.start
            rate = self.done / elapsed if elapsed > 0 else 0.0
            of = f"/{self.total:,}" if self.total is not None else ""
            left = (f", ~{(self.total - self.done) / rate:.0f} s left"
                    if self.total is not None and rate and self.done < self.total else "")
            unit = f" {self.unit}" if self.unit else ""
            print(f"  {self.what}: {self.done:,}{of}{unit} ({rate:,.1f}/s, {elapsed:.0f} s{left})"
                  + (f" {note}" if note else ""), flush=True)


def real_articles(data: Path) -> list[dict]:
    """The benchmark's hand-checked bodies (and titles where the page has one)."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    out = []
    for page_id, rec in sorted(truth.items()):
        body = rec["articleBody"].strip()
        title = None
        html_path = data / "html" / f"{page_id}.html.gz"
        if html_path.exists():
            from parsel import Selector

            html = gzip.decompress(html_path.read_bytes()).decode("utf-8", errors="replace")
            title = (Selector(text=html).css("title::text").get() or "").strip().split(" | ")[0] or None
        out.append({"id": page_id, "url": rec.get("url"), "title": title, "body": body})
    return out


def print_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    rows = [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(header, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))


def write_result(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": name,
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        **payload,
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: {shown(path)}")
    return path
