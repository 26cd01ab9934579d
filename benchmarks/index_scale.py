"""Index scale: per-story cost and memory of the near-duplicate index at 10k / 100k / 1M stories,
for the embedded store (SQLite) and the shared store (Redis).

For each store and each size N, in fresh processes:

1. fill: N stories go in one at a time through the store's ``check_and_insert``
   (synthetic signatures: random uint32 values, as unrelated stories'
   MinHashes are; the same stories for both stores);
2. measure: a new process opens the store (as the next crawl would: the SQLite
   file, or ``open_redis_stores`` on the server), makes a first ``query``
   (for SQLite it loads the bucket table: "load s"), then times windows of
   2,000 ``check_and_insert`` of new stories, 2,000 ``query`` calls and 2,000
   near-duplicate hits (best of 3 windows each: the machine is shared).

Memory: "RSS B/story" is the measuring process's resident memory growth (RSS
after minus RSS before opening) per indexed story. For SQLite that is the
whole index in memory ("table B/story" is the bucket table alone, "disk
B/story" the file); the embedded store's goal is <= 1 KB per story. For Redis
the client holds nothing and the index lives in the server: "server B/story"
is the growth of ``INFO memory`` ``used_memory`` from the opened, empty
namespace to the end of the measurement, divided by the stories indexed
(reported, no goal; the JSON also has the server's ``used_memory_rss``).

Redis runs in a redis-server this benchmark starts on a free loopback port
(one per size, ``--save ''``, killed at the end, also on errors), through
``tests/redis_server.py``. Without the redis-server binary or the redis
client the Redis rows are skipped, saying why, and SQLite still runs.

The 1M case takes about 5 minutes to fill SQLite (one transaction per story)
and about 11 for Redis (three round trips per story, fast enough that no bulk
path is needed), with ~4 GB in the redis-server: it runs only with ``--full``
(about 20 minutes in all).

Usage: python -m benchmarks.index_scale [--full] [--sizes 10000,100000] [--stores sqlite,redis]
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
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
STORES = ["sqlite", "redis"]
REDIS_NAMESPACE = "index-scale"


def _rss() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * 4096


def _signatures(seed: int, n: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield rng.integers(0, 2**32, 128, dtype=np.uint64).astype(np.uint32)


def _fill_index(index, n: int) -> dict:
    from newscrawl.store import Fingerprint

    start = time.perf_counter()
    for i, sig in enumerate(_signatures(1, n)):
        index.check_and_insert(f"story-{i}", Fingerprint(sig, 900))
    elapsed = time.perf_counter() - start
    return {"fill_s": elapsed, "fill_us_per_story": elapsed / n * 1e6, "fill_via": "check_and_insert"}


def _workload():
    """New stories, unrelated probes, and near-copies of the first stories of the fill."""
    import numpy as np

    from newscrawl.store import Fingerprint

    new = [Fingerprint(s, 900) for s in _signatures(2, WINDOW * REPEATS)]
    probes = [Fingerprint(s, 900) for s in _signatures(3, WINDOW)]
    copies = []
    for sig in _signatures(1, WINDOW):  # the first stories of the fill, a fifth of the values changed
        changed = sig.copy()
        changed[::5] ^= np.uint32(0x5A5A5A5A)
        copies.append(Fingerprint(changed, 900))
    return new, probes, copies


def _time_index(index, new, probes, copies) -> dict:
    start = time.perf_counter()
    index.query(probes[0])  # first use: SQLite loads the bucket table
    load_s = time.perf_counter() - start

    def per_call(calls) -> float:
        start = time.perf_counter()
        for call in calls:
            call()
        return (time.perf_counter() - start) / WINDOW * 1e6

    # Each cost is the best of a few windows: the machine is shared, the store is not.
    insert_us = min(per_call([lambda i=i, fp=fp: index.check_and_insert(f"new-{i}", fp)
                              for i, fp in enumerate(new[r * WINDOW:(r + 1) * WINDOW], r * WINDOW)])
                    for r in range(REPEATS))
    query_us = min(per_call([lambda fp=fp: index.query(fp) for fp in probes]) for _ in range(REPEATS))
    hits = sum(index.check_and_insert(f"copy-{i}", fp) is not None for i, fp in enumerate(copies))
    duplicate_us = min(per_call([lambda i=i, fp=fp: index.check_and_insert(f"copy-{i}", fp)
                                 for i, fp in enumerate(copies)]) for _ in range(REPEATS))
    return {"load_s": load_s, "check_and_insert_us": insert_us, "query_us": query_us,
            "duplicate_check_us": duplicate_us, "duplicates_found": hits}


# --- SQLite (embedded) ---------------------------------------------------------


def fill(path: Path, n: int) -> dict:
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store.sqlite import SQLiteIndex

    index = SQLiteIndex.open(path, DEFAULT_SCHEME)
    try:
        return _fill_index(index, n)
    finally:
        index.close()


def measure(path: Path, n: int) -> dict:
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store.sqlite import SQLiteIndex

    new, probes, copies = _workload()
    before = _rss()
    index = SQLiteIndex.open(path, DEFAULT_SCHEME)
    timings = _time_index(index, new, probes, copies)
    rss_growth = _rss() - before
    stories = len(index)
    table_bytes = index.memory_bytes
    index.close()
    disk = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return {
        "stories": stories, **timings, "rss_growth_bytes": rss_growth, "rss_bytes_per_story": rss_growth / stories,
        "table_bytes_per_story": table_bytes / stories, "disk_bytes_per_story": disk / stories,
    }


# --- Redis (shared) ------------------------------------------------------------


def _redis_memory(url: str) -> dict:
    import redis

    client = redis.Redis.from_url(url)
    try:
        info = client.info("memory")
    finally:
        client.close()
    return {"used_memory": int(info["used_memory"]), "used_memory_rss": int(info["used_memory_rss"])}


def redis_fill(url: str, n: int) -> dict:
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store.redis import open_redis_stores

    stores = open_redis_stores(REDIS_NAMESPACE, url, DEFAULT_SCHEME)
    try:
        before = _redis_memory(url)  # the opened namespace (its params), no story yet
        return {**_fill_index(stores.index, n), "server_memory_before": before}
    finally:
        stores.close()


def redis_measure(url: str, n: int) -> dict:
    import redis  # noqa: F401  (imported before the RSS baseline, as SQLite's module is)

    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store.redis import open_redis_stores

    new, probes, copies = _workload()
    before = _rss()
    stores = open_redis_stores(REDIS_NAMESPACE, url, DEFAULT_SCHEME)
    try:
        timings = _time_index(stores.index, new, probes, copies)
        rss_growth = _rss() - before
        stories = len(stores.index)
    finally:
        stores.close()
    return {"stories": stories, **timings, "rss_growth_bytes": rss_growth,
            "rss_bytes_per_story": rss_growth / stories, "server_memory_after": _redis_memory(url)}


def _redis_unavailable() -> str | None:
    """Why the Redis rows cannot run here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server binary not found on PATH (apt-get install redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        return f"the redis client is not installed ({exc})"
    return None


def _redis_row(n: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from tests.redis_server import start_redis, stop_redis

    server = start_redis()
    try:
        url = server.url(0)
        row = {"store": "redis", "n": n, **_in_subprocess("redis-fill", url, n),
               **_in_subprocess("redis-measure", url, n)}
    finally:
        stop_redis(server.process)
    before, after = row.pop("server_memory_before"), row.pop("server_memory_after")
    row["server_memory_growth_bytes"] = after["used_memory"] - before["used_memory"]
    row["server_bytes_per_story"] = row["server_memory_growth_bytes"] / row["stories"]
    row["server_rss_bytes_per_story"] = (after["used_memory_rss"] - before["used_memory_rss"]) / row["stories"]
    return row


def _redis_version() -> str | None:
    out = subprocess.run(["redis-server", "--version"], capture_output=True, text=True)
    return out.stdout.strip() or None


# --- running -------------------------------------------------------------------

WORKERS = {"fill": fill, "measure": measure, "redis-fill": redis_fill, "redis-measure": redis_measure}


def _in_subprocess(step: str, where: Path | str, n: int) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.index_scale", "--worker", step, str(where), str(n)],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"index_scale worker {step} {n} failed (exit {out.returncode}):\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sqlite_row(n: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="newscrawl-index-scale-"))
    try:
        path = tmp / "index.sqlite3"
        return {"store": "sqlite", "n": n, **_in_subprocess("fill", path, n), **_in_subprocess("measure", path, n)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fmt(row: dict, name: str, spec: str) -> str:
    return "-" if row.get(name) is None else format(row[name], spec)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="include 1M stories (about 20 minutes)")
    parser.add_argument("--sizes", help="comma-separated sizes instead of the defaults")
    parser.add_argument("--stores", default=",".join(STORES), help="comma-separated, of: sqlite, redis")
    parser.add_argument("--worker", nargs=3, metavar=("STEP", "WHERE", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        step, where, n = args.worker
        print(json.dumps(WORKERS[step](Path(where) if step in ("fill", "measure") else where, int(n))))
        return 0
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else (FULL_SIZES if args.full else DEFAULT_SIZES)
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if unknown := set(stores) - set(STORES):
        parser.error(f"unknown store(s): {', '.join(sorted(unknown))}")
    # A SIGTERM (timeout, CI) unwinds like an error: the worker and the redis-server are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.full and not args.sizes:
        print("1M stories skipped (takes about 20 minutes for both stores): add --full")
    redis_skipped = _redis_unavailable() if "redis" in stores else "not asked for (--stores)"
    if "redis" in stores and redis_skipped:
        print(f"Redis rows skipped: {redis_skipped}")
    run = [s for s in stores if s == "sqlite" or not redis_skipped]
    results = []
    for store in run:
        for n in sizes:
            results.append(_sqlite_row(n) if store == "sqlite" else _redis_row(n))
            print(f"  {store:>6} {n:>9,} stories done", flush=True)
    print_table(
        ("store", "stories", "fill us/story", "check+insert us", "query us", "dup check us", "load s",
         "RSS B/story", "table B/story", "disk B/story", "server B/story"),
        [(r["store"], f"{r['n']:,}", f"{r['fill_us_per_story']:.0f}", f"{r['check_and_insert_us']:.0f}",
          f"{r['query_us']:.0f}", f"{r['duplicate_check_us']:.0f}", f"{r['load_s']:.2f}",
          f"{r['rss_bytes_per_story']:.0f}", _fmt(r, "table_bytes_per_story", ".0f"),
          _fmt(r, "disk_bytes_per_story", ".0f"), _fmt(r, "server_bytes_per_story", ".0f")) for r in results])
    for store in run:
        rows = [r for r in results if r["store"] == store]
        base = rows[0]
        for r in rows[1:]:
            ratio = r["check_and_insert_us"] / base["check_and_insert_us"]
            print(f"{store}: check+insert cost at {r['n']:,} vs {base['n']:,}: {ratio:.2f}x (goal <= 1.5x); "
                  f"query {r['query_us'] / base['query_us']:.2f}x, "
                  f"dup check {r['duplicate_check_us'] / base['duplicate_check_us']:.2f}x")
        last = rows[-1]
        if store == "sqlite":
            print(f"sqlite: memory at {last['n']:,}: {last['rss_bytes_per_story']:.0f} B RSS per indexed story "
                  f"({last['table_bytes_per_story']:.0f} B bucket table) (goal <= 1 KB)")
        else:
            print(f"redis: memory at {last['n']:,}: {last['server_bytes_per_story']:.0f} B used_memory per indexed "
                  f"story in redis-server ({last['server_rss_bytes_per_story']:.0f} B its RSS), "
                  f"{last['rss_bytes_per_story']:.0f} B client RSS (reported, no goal)")
    write_result("index_scale", {
        "window": WINDOW, "repeats": REPEATS, "stores": run,
        "redis": {"server": _redis_version() if "redis" in run else None, "skipped": redis_skipped,
                  "fill": "one check_and_insert per story (no bulk path)" if "redis" in run else None},
        "results": results,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
