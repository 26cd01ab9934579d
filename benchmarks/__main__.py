"""`make bench`: run every benchmark in turn (each can also run alone: python -m benchmarks.<name>).

The data-driven ones read the article-extraction benchmark kept in benchmarks/data/ (or --data PATH
when run alone); each prints progress while it works, then its table, and writes
benchmarks/results/<name>.json. No plots: each result is a handful of numbers, which the tables say.
"""

from __future__ import annotations

import importlib
import sys
import time

BENCHMARKS = [
    "extraction",          # generic extraction F1 vs trafilatura (issue 7)
    "cleaning_quality",    # body F1 / shell recall on MENAFN-style captures (issue 3)
    "neardup_quality",     # near-duplicate recall / precision on syndicated copies (issue 3)
    "cleaning_throughput", # captures/s of the chain vs plain datasketch (issue 5)
    "crawl_overhead",      # pages/s with and without pipelines (issue 5)
    "index_scale",         # per-story cost and memory at 10k/100k/1M (issue 5)
    "archives",            # WARC to clean JSONL vs trafilatura.extract, known and unknown sites, --jobs (issue 17)
    "adversarial",         # the chain on the worst 1 MB inputs vs a normal one (issue 16)
]


def main(argv: list[str]) -> int:
    names = argv or BENCHMARKS
    failed = []
    for name in names:
        print(f"\n=== benchmarks.{name}", flush=True)
        start = time.monotonic()
        try:
            module = importlib.import_module(f"benchmarks.{name}")
        except ModuleNotFoundError as exc:
            print(f"skipped: {exc}")
            continue
        status = module.main([])
        print(f"--- {name}: exit {status} in {time.monotonic() - start:.1f}s", flush=True)
        if status:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
