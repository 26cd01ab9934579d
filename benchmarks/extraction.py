"""Generic extraction vs trafilatura on the article-extraction benchmark (issue 7).

    python -m benchmarks.extraction [BENCHMARK_DIR] [--limit N]

Runs newscrawl's generic path (``generic_paragraphs`` with the page's own
headlines), the full ``extract_article`` fallback chain for an unknown site
(JSON-LD body, then generic), and trafilatura with its defaults and with
``favor_precision`` (comments off, as the benchmark's runner calls it, and on,
trafilatura's default) on the same pages, scores them with
``benchmarks.metric`` and writes
``benchmarks/results/extraction.json``. Exits 0 with "skipped: ..." when the
benchmark data is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path

import trafilatura
from parsel import Selector

from benchmarks.common import Progress, default_benchmark_dir, print_table, shown, write_result
from benchmarks.metric import aggregate, page_scores
from newscrawl.extract import extract_article
from newscrawl.extract.generic import generic_paragraphs, page_headlines

Extractor = Callable[[str, str], str]

def _generic(url: str, html: str) -> str:
    return "\n".join(generic_paragraphs(html, url, page_headlines(Selector(text=html))))


def _trafilatura(**options) -> Extractor:
    return lambda url, html: trafilatura.extract(html, **options) or ""


SYSTEMS: dict[str, Extractor] = {
    "newscrawl-generic": _generic,
    "newscrawl-extract_article": lambda url, html: extract_article(url, html).body,
    # trafilatura as the benchmark's own runner calls it (comments off), and with its defaults.
    "trafilatura-default": _trafilatura(include_comments=False),
    "trafilatura-precision": _trafilatura(include_comments=False, favor_precision=True),
    "trafilatura-default+comments": _trafilatura(),
    "trafilatura-precision+comments": _trafilatura(favor_precision=True),
}


def load_pages(data: Path, limit: int | None = None) -> list[tuple[str, str, str, str]]:
    """``(id, url, html, true body)`` for each benchmark page, in id order."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, rec in sorted(truth.items())[:limit]:
        html = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        pages.append((page_id, rec.get("url") or "", html, rec.get("articleBody") or ""))
    return pages


def run(pages, systems: dict[str, Extractor]) -> dict[str, dict]:
    results = {}
    for name, extract in systems.items():
        progress = Progress(name, len(pages), unit="pages")
        per_page = {}
        start = time.perf_counter()
        for page_id, url, html, truth in pages:
            per_page[page_id] = page_scores(truth, extract(url, html))
            progress.step()
        seconds = time.perf_counter() - start
        results[name] = {**aggregate(per_page.values()), "seconds": round(seconds, 2), "per_page": per_page}
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=default_benchmark_dir(), help="benchmark directory")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--systems", nargs="*", choices=sorted(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages of newscrawl-generic")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").is_file():
        print(f"skipped: benchmark data not found at {args.data}")
        return 0
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    pages = load_pages(args.data, args.limit)
    results = run(pages, {name: SYSTEMS[name] for name in args.systems})
    print_table(
        ("system", "F1", "precision", "recall", "pages", "seconds"),
        [(name, f"{r['f1']:.4f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}", r["pages"], r["seconds"])
         for name, r in results.items()],
    )
    generic = results.get("newscrawl-generic")
    if generic and args.worst:
        worst = sorted(generic["per_page"].items(), key=lambda kv: kv[1][0])[: args.worst]
        print("\nworst newscrawl-generic pages (tp, fp, fn):")
        for page_id, (tp, fp, fn) in worst:
            print(f"  {page_id[:16]}  tp={tp:.3f} fp={fp:.3f} fn={fn:.3f}")
    write_result("extraction", {
        "data": shown(args.data),
        "pages": len(pages),
        "metric": "article-extraction-benchmark: \\w+ tokens, word 4-gram multiset shingles, per-page normalised",
        "systems": {name: {k: v for k, v in r.items() if k != "per_page"} for name, r in results.items()},
        "per_page": {name: r["per_page"] for name, r in results.items()},
    })
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
