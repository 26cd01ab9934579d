"""Crawl overhead: `scrapy crawl menafn` over a loopback site with all pipelines vs none.

The same generated site (>= 2,000 story pages) is crawled three ways in this run, each in a fresh
data directory: once with the project's pipelines (the ledger's claim, cleaning, near-duplicates),
once with the cleaning pipeline off (the ledger still claims and delivers: delivery is not what is
measured here), and once with the pipelines but no cleaning worker processes
(NEWSCRAWL_CLEANING_WORKERS=0). CPU per page comes from each run's summary (the crawl's own
process, and its cleaning workers). Politeness is off (loopback), so the crawl is as fast as Scrapy
goes and the pipelines' share of the wall time is as large as it can be.

The rounds are paired: each round crawls all three ways back to back, and the overhead of a round
is its pipelines crawl over its no-pipelines crawl. The median of those per-round ratios is the
figure to read on a shared machine: a slow spell hits both crawls of a round alike, while best-of
and median-of-each compare crawls run minutes apart.

Usage: python -m benchmarks.crawl_overhead [--stories 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, Progress, print_table, write_result


def run_cpu(workdir: Path) -> dict[str, float]:
    """The CPU seconds the run summary recorded (crawl process, cleaning workers)."""
    found = sorted((workdir / "data" / "runs").glob("*/*.json"))
    return json.loads(found[-1].read_text(encoding="utf-8")).get("cpu_seconds", {}) if found else {}


# The add-on adds its pipelines to ITEM_PIPELINES unless they are named there: the cleaning one is
# turned off by name (the ledger's claim stays: delivery is not what is measured).
NO_PIPELINES = 'ITEM_PIPELINES={"newscrawl.pipeline.CleaningPipeline": null}'


def crawl_once(starts: list[str], workdir: Path, *settings: str) -> tuple[float, int, int, dict[str, float]]:
    sys.path.insert(0, str(ROOT))
    from tests.site_server import run_crawl

    t0 = time.perf_counter()
    result = run_crawl(starts, workdir, "LOG_LEVEL=WARNING", "CONCURRENT_REQUESTS=32",
                       "CONCURRENT_REQUESTS_PER_DOMAIN=32", "MENAFN_MAX_LISTING_PAGES=1000", *settings, timeout=1800)
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        print(result.stderr[-2000:])
    pages = sum(v for k, v in result.stats.items() if k.startswith("downloader/response_status_count/"))
    return elapsed, pages, len(result.items), run_cpu(workdir)


def _cpu(run: tuple) -> float:
    """CPU seconds of a run: the crawl's process and its cleaning workers."""
    cpu = run[3]
    return cpu.get("crawl", 0) + cpu.get("workers", 0)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5, help="paired rounds; their median is the overhead to read")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.site_server import build_site, serve

    site = build_site(args.stories, per_page=20, rss_items=20, rss_only=0)
    runs = {"pipelines": [], "pipelines, no workers": [], "no pipelines": []}
    ways = {"pipelines": ("NEWSCRAWL_CLEANING_WORKERS=1",), "pipelines, no workers": ("NEWSCRAWL_CLEANING_WORKERS=0",),
            "no pipelines": (NO_PIPELINES,)}
    progress = Progress("crawls", 1 + len(ways) * args.repeat, every=0)
    with serve(site) as server, tempfile.TemporaryDirectory() as tmp:
        starts = [server.url(site.listing_path), server.url(site.rss_path)]
        # Warm-up (bytecode compiled, files cached), not counted.
        warmup = crawl_once(starts, Path(tmp) / "warmup", "MENAFN_MAX_LISTING_PAGES=2")
        progress.step(note=f"warm-up {warmup[0]:.1f} s")
        for i in range(args.repeat):  # alternate so drift on the machine hits both alike
            for n, (name, settings) in enumerate(ways.items()):
                runs[name].append(crawl_once(starts, Path(tmp) / f"{'pwn'[n]}{i}", *settings))
                elapsed, pages = runs[name][-1][:2]
                progress.step(note=f"round {i + 1}/{args.repeat}: {name} {elapsed:.1f} s, {pages:,} pages")
    best = {name: min(r, key=lambda x: x[0]) for name, r in runs.items()}
    rows = [(name, f"{t:.2f}", pages, items, f"{pages / t:,.0f}",
             f"{cpu.get('crawl', 0) / pages * 1e3:.2f}", f"{cpu.get('workers', 0) / pages * 1e3:.2f}")
            for name, (t, pages, items, cpu) in best.items()]
    print(f"{args.stories} stories, best of {args.repeat} runs each (wall time includes Scrapy start-up)")
    print_table(("crawl", "seconds", "pages", "items", "pages/s", "crawl CPU ms/page", "worker CPU ms/page"), rows)
    median = {name: statistics.median(x[0] for x in r) for name, r in runs.items()}
    overhead = best["pipelines"][0] / best["no pipelines"][0] - 1
    in_process = best["pipelines, no workers"][0] / best["no pipelines"][0] - 1
    overhead_median = median["pipelines"] / median["no pipelines"] - 1
    paired = sorted(p[0] / n[0] - 1 for p, n in zip(runs["pipelines"], runs["no pipelines"]))
    paired_cpu = sorted(_cpu(p) / _cpu(n) - 1 for p, n in zip(runs["pipelines"], runs["no pipelines"]) if _cpu(n))
    print(f"pipeline overhead: {overhead:+.1%} of wall time (goal <= +10%); "
          f"{in_process:+.1%} with the cleaning in the crawl's process (NEWSCRAWL_CLEANING_WORKERS=0)")
    print(f"medians: {', '.join(f'{k} {v:.2f} s' for k, v in median.items())}; overhead {overhead_median:+.1%}")
    cpu_note = f"; CPU (crawl process + workers) {statistics.median(paired_cpu):+.1%}" if paired_cpu else ""
    print(f"paired rounds: median overhead {statistics.median(paired):+.1%} of wall time "
          f"(rounds {', '.join(f'{x:+.1%}' for x in paired)}){cpu_note}")
    write_result("crawl_overhead", {
        "stories": args.stories, "runs": {k: [list(x) for x in v] for k, v in runs.items()},
        "seconds": {k: v[0] for k, v in best.items()}, "median_seconds": median,
        "overhead": overhead, "overhead_median": overhead_median, "overhead_no_workers": in_process,
        "overhead_paired_rounds": paired, "overhead_paired_median": statistics.median(paired),
        "cpu_overhead_paired_median": statistics.median(paired_cpu) if paired_cpu else None,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
