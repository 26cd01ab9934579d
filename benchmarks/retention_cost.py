"""Retention cost: what keeping a story for NEWSCRAWL_STATE_RETENTION_DAYS costs, per story and per year.

A delivered story leaves two things in the state store until its retention runs
out: its near-duplicate index entry (signature and LSH buckets) and its ledger
entry (key, time handled). This fills a store the way a crawl does (claim, index,
done; one run record per 100 stories, as scheduled runs of that size leave) with
N stories of 10-digit MENAFN-style ids, then measures:

- SQLite: bytes on disk (file and WAL), and the resident memory of a new process
  that opens the store and makes a first near-duplicate check (the index loads
  its bucket table, as the next crawl would);
- Redis: the growth of the server's ``used_memory``.

and projects one year at the daily volumes given (MENAFN's real volume is not
known from here: the rows bracket it; pass --per-day to add yours).

Usage: python -m benchmarks.retention_cost [--n 100000] [--per-day 2000,5000,20000] [--stores sqlite,redis]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, print_table, write_result

RUN_SIZE = 100  # stories per run record


def fill(stores, n: int, progress_every: int = 20000) -> float:
    import numpy as np

    from newscrawl.store import Fingerprint

    rng = np.random.default_rng(5)
    start = time.perf_counter()
    for first in range(0, n, RUN_SIZE):
        run = f"2026-12-06T00-00-{first // RUN_SIZE:06d}"
        keys = [str(1100000000 + i) for i in range(first, min(n, first + RUN_SIZE))]
        stores.seen.record_run(run, {"host": "bench", "pid": 1, "feeds": [f"/data/feeds/menafn/{run}.jsonl"],
                                     "rejects": f"/data/rejects/menafn/{run}.jsonl", "status": "finished"})
        stores.seen.claim(keys, run)
        stores.index.check_and_insert_many(
            [(k, Fingerprint(rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32), 700)) for k in keys])
        stores.seen.mark_done(keys)
        if (first + RUN_SIZE) % progress_every == 0:
            print(f"  filled {first + RUN_SIZE:,} stories ({time.perf_counter() - start:.0f}s)", flush=True)
    return time.perf_counter() - start


MEASURE = r"""
import json, sys
from pathlib import Path
import numpy as np
from newscrawl.cleaning.neardup import DEFAULT_SCHEME
from newscrawl.store import Fingerprint, open_stores
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
before = rss()
stores = open_stores("menafn", state_dir=Path(sys.argv[1]), scheme=DEFAULT_SCHEME)
stores.index.query(Fingerprint(np.zeros(128, dtype=np.uint32), 700))
stores.seen.is_handled("1100000000")
print(json.dumps({"rss_growth": rss() - before}))
"""


def measure_sqlite(n: int) -> dict:
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import open_stores

    with tempfile.TemporaryDirectory(prefix="retention-cost-") as tmp:
        with open_stores("menafn", state_dir=Path(tmp), scheme=DEFAULT_SCHEME) as stores:
            seconds = fill(stores, n)
        disk = sum(p.stat().st_size for p in Path(tmp).glob("menafn.sqlite3*"))
        opened = subprocess.run([sys.executable, "-c", MEASURE, tmp], cwd=ROOT, capture_output=True, text=True,
                                check=True)
        rss = json.loads(opened.stdout)["rss_growth"]
    return {"store": "sqlite", "n": n, "fill_s": seconds, "disk_bytes_per_story": disk / n,
            "ram_bytes_per_story": rss / n}


def measure_redis(n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.redis_server import REDIS_BINARY, start_redis, stop_redis

    if REDIS_BINARY is None:
        return {"store": "redis", "n": n, "skipped": "redis-server not found"}
    import redis

    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import open_stores

    server = start_redis()
    try:
        url = server.url(0)
        client = redis.Redis.from_url(url)
        with open_stores("menafn", redis_url=url, scheme=DEFAULT_SCHEME) as stores:
            before = client.info("memory")["used_memory"]
            seconds = fill(stores, n)
            after = client.info("memory")["used_memory"]
        client.close()
    finally:
        stop_redis(server.process)
    return {"store": "redis", "n": n, "fill_s": seconds, "server_bytes_per_story": (after - before) / n}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.retention_cost", description=__doc__)
    parser.add_argument("--n", type=int, default=100_000, help="stories to fill (default 100,000)")
    parser.add_argument("--per-day", default="2000,5000,20000", help="daily volumes to project a year for")
    parser.add_argument("--stores", default="sqlite,redis")
    args = parser.parse_args(argv)
    volumes = [int(v) for v in args.per_day.split(",") if v]
    results = []
    for store in args.stores.split(","):
        print(f"{store}: filling {args.n:,} stories...", flush=True)
        results.append(measure_sqlite(args.n) if store == "sqlite" else measure_redis(args.n))
    rows = []
    for r in results:
        if "skipped" in r:
            rows.append((r["store"], "skipped: " + r["skipped"], "", *[""] * len(volumes)))
            continue
        per_story = r.get("disk_bytes_per_story", 0), r.get("ram_bytes_per_story", r.get("server_bytes_per_story"))
        year = [f"{365 * v * per_story[0] / 1e9:.2f} GB disk, {365 * v * per_story[1] / 1e9:.2f} GB RAM"
                if r["store"] == "sqlite" else f"{365 * v * per_story[1] / 1e9:.2f} GB RAM (server)" for v in volumes]
        rows.append((r["store"], f"{per_story[0]:.0f}" if r["store"] == "sqlite" else "-", f"{per_story[1]:.0f}",
                     *year))
    print_table(["store", "disk B/story", "RAM B/story", *[f"a year at {v:,}/day" for v in volumes]], rows)
    write_result("retention_cost", {"n": args.n, "per_day": volumes, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
