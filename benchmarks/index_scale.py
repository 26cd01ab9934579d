"""Index scale: per-story cost and memory of the embedded (SQLite) index at 10k / 100k / 1M stories.

For each size N, in fresh processes:

1. fill: N stories go in through ``check_and_insert`` (synthetic signatures:
   random uint32 values, as unrelated stories' MinHashes are);
2. measure: a new process opens the file (as the next crawl would), loads the
   bucket table on first use, then times windows of 2,000 ``check_and_insert``
   of new stories, 2,000 ``query`` calls and 2,000 near-duplicate hits (best
   of 3 windows each: the machine is shared), and reports its resident
   memory growth (RSS after minus RSS before opening) per indexed story.

The 1M case takes several minutes to fill (one transaction per story): it
runs only with ``--full``.

Usage: python -m benchmarks.index_scale [--full] [--sizes 10000,100000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, print_table, write_result

WINDOW = 2000
REPEATS = 3
DEFAULT_SIZES = [10_000, 100_000]
FULL_SIZES = [10_000, 100_000, 1_000_000]


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


def _signatures(seed: int, n: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)


def fill(path: Path, n: int) -> dict:
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import Fingerprint
    from newscrawl.store.sqlite import SQLiteIndex

    index = SQLiteIndex.open(path, DEFAULT_SCHEME)
    start = time.perf_counter()
    for i, sig in enumerate(_signatures(1, n)):
        index.check_and_insert(f"story-{i}", Fingerprint(sig, 900), None)
    elapsed = time.perf_counter() - start
    index.close()
    return {"fill_s": elapsed, "fill_us_per_story": elapsed / n * 1e6}


def measure(path: Path, n: int) -> dict:
    import numpy as np

    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import Fingerprint
    from newscrawl.store.sqlite import SQLiteIndex

    new = [Fingerprint(s, 900) for s in _signatures(2, WINDOW * REPEATS)]
    probes = [Fingerprint(s, 900) for s in _signatures(3, WINDOW)]
    copies = []
    for sig in _signatures(1, WINDOW):  # the first stories of the fill, a fifth of the values changed
        changed = sig.copy()
        changed[::5] ^= np.uint32(0x5A5A5A5A)
        copies.append(Fingerprint(changed, 900))
    before = _rss()
    index = SQLiteIndex.open(path, DEFAULT_SCHEME)
    start = time.perf_counter()
    index.query(probes[0])  # first use: loads the bucket table
    load_s = time.perf_counter() - start

    def per_call(calls) -> float:
        start = time.perf_counter()
        for call in calls:
            call()
        return (time.perf_counter() - start) / WINDOW * 1e6

    # Each cost is the best of a few windows: the machine is shared, the store is not.
    insert_us = min(per_call([lambda i=i, fp=fp: index.check_and_insert(f"new-{i}", fp, None)
                              for i, fp in enumerate(new[r * WINDOW:(r + 1) * WINDOW], r * WINDOW)])
                    for r in range(REPEATS))
    query_us = min(per_call([lambda fp=fp: index.query(fp) for fp in probes]) for _ in range(REPEATS))
    hits = sum(index.check_and_insert(f"copy-{i}", fp, None) is not None for i, fp in enumerate(copies))
    duplicate_us = min(per_call([lambda i=i, fp=fp: index.check_and_insert(f"copy-{i}", fp, None)
                                 for i, fp in enumerate(copies)]) for _ in range(REPEATS))
    rss_growth = _rss() - before
    stories = len(index)
    table_bytes = index.memory_bytes
    index.close()
    disk = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {
        "stories": stories, "load_s": load_s, "check_and_insert_us": insert_us, "query_us": query_us,
        "duplicate_check_us": duplicate_us, "duplicates_found": hits, "rss_growth_bytes": rss_growth,
        "rss_bytes_per_story": rss_growth / stories, "table_bytes_per_story": table_bytes / stories,
        "disk_bytes_per_story": disk / stories,
    }


def _in_subprocess(step: str, path: Path, n: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.index_scale", "--worker", step, str(path), str(n)],
                         cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="include 1M stories (several minutes)")
    parser.add_argument("--sizes", help="comma-separated sizes instead of the defaults")
    parser.add_argument("--worker", nargs=3, metavar=("STEP", "PATH", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        step, path, n = args.worker
        print(json.dumps((fill if step == "fill" else measure)(Path(path), int(n))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (FULL_SIZES if args.full else DEFAULT_SIZES)
    if not args.full and not args.sizes:
        print("1M stories skipped (takes several minutes): add --full")
    results = []
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="newscrawl-index-scale-"))
        try:
            path = tmp / "index.sqlite3"
            row = {"n": n, **_in_subprocess("fill", path, n), **_in_subprocess("measure", path, n)}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results.append(row)
        print(f"  {n:>9,} stories done", flush=True)
    print_table(
        ("stories", "fill us/story", "check+insert us", "query us", "dup check us", "load s", "RSS B/story",
         "table B/story", "disk B/story"),
        [(f"{r['n']:,}", f"{r['fill_us_per_story']:.0f}", f"{r['check_and_insert_us']:.0f}", f"{r['query_us']:.0f}",
          f"{r['duplicate_check_us']:.0f}", f"{r['load_s']:.2f}", f"{r['rss_bytes_per_story']:.0f}",
          f"{r['table_bytes_per_story']:.0f}", f"{r['disk_bytes_per_story']:.0f}") for r in results])
    base = results[0]
    for r in results[1:]:
        ratio = r["check_and_insert_us"] / base["check_and_insert_us"]
        print(f"check+insert cost at {r['n']:,} vs {base['n']:,}: {ratio:.2f}x (goal <= 1.5x)")
    write_result("index_scale", {"window": WINDOW, "results": results})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
