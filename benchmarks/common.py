"""Shared bits of the benchmarks: where the data is, reading real articles, writing results."""

from __future__ import annotations

import gzip
import json
import os
import platform
import time
from pathlib import Path
from typing import Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def default_benchmark_dir() -> Path:
    shared = Path(os.environ.get("NEWSCRAWL_SHARED") or ROOT.parent / "shared")
    return shared / "data" / "article-extraction-benchmark"


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
    print(f"results: {path.relative_to(ROOT)}")
    return path
