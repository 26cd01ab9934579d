"""Extraction vs trafilatura: bodies, titles, dates and authors (issues 7 and 18).

    python -m benchmarks.extraction [BENCHMARK_DIR] [--limit N] [--systems ...] [--annotated FILE ...]

Three measures, each beside trafilatura 2.3.1:

- **Bodies** on Zyte's article-extraction benchmark (181 real pages, hand-checked
  ``articleBody``): newscrawl's generic path (``generic_paragraphs`` with the
  page's own headlines), the full ``extract_article`` fallback chain for an
  unknown site (JSON-LD body, then generic), and trafilatura with its defaults
  and with ``favor_precision``, comments off (as the benchmark's runner calls it)
  and on, scored with ``benchmarks.metric``.
- **Dates against the URL** on the same pages: their ground truth has no date,
  but about half their URLs name the day (``/2019/11/18/``), the site's local
  day of publication. Share of those pages whose published day is that day
  (or within one day: a UTC time may fall on the next).
- **Fields on annotated pages** (``--annotated``, default: the hand-written
  pages of ``tests/fixtures/extraction/truth.json`` and the hand annotations of
  real benchmark pages in ``benchmarks/data/article-extraction-annotations.json``
  when the benchmark data is present): exact title, published day, published
  time with the stated offset, author set (names compared case- and
  punctuation-blind), author recall, and body F1. trafilatura's date is asked of
  htmldate with time and offset (its ``+0000`` written ``+00:00``), its author
  string split at ``;``.

Writes ``benchmarks/results/extraction.json``. Without the benchmark data only the
hand-written pages are scored.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import trafilatura
from parsel import Selector

from benchmarks.common import ROOT, Progress, default_benchmark_dir, print_table, shown, write_result
from benchmarks.metric import aggregate, page_scores
from newscrawl.cleaning.text import match_key
from newscrawl.extraction import extract_article
from newscrawl.extraction.dates import normalize_date, parse_date, zone_offset
from newscrawl.extraction.generic import generic_paragraphs, page_headlines
from newscrawl.extraction.published import url_date
from newscrawl.sites import site_for

Extractor = Callable[[str, str], str]
HAND_WRITTEN = ROOT / "tests" / "fixtures" / "extraction" / "truth.json"
REAL_ANNOTATIONS = ROOT / "benchmarks" / "data" / "article-extraction-annotations.json"


def _generic(url: str, html: str) -> str:
    return "\n".join(generic_paragraphs(html, url, page_headlines(Selector(text=html))))


def _trafilatura(**options) -> Extractor:
    return lambda url, html: trafilatura.extract(html, **options) or ""


SYSTEMS: dict[str, Extractor] = {
    "newscrawl-generic": _generic,
    "newscrawl-extract_article": lambda url, html: extract_article(url, html, site=site_for(url)).body,
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


# --- fields: titles, dates, authors --------------------------------------------------------------


def newscrawl_fields(url: str, html: str) -> dict:
    a = extract_article(url, html, site=site_for(url))
    return {"title": a.title, "published": a.published, "authors": a.authors, "body": a.body}


def trafilatura_fields(url: str, html: str) -> dict:
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      date_extraction_params={"original_date": True,
                                                              "outputformat": "%Y-%m-%dT%H:%M:%S%z"})
    authors = [a.strip() for a in (getattr(doc, "author", None) or "").split(";") if a.strip()]
    return {"title": getattr(doc, "title", None), "published": normalize_date(getattr(doc, "date", None)),
            "authors": authors, "body": getattr(doc, "text", None) or ""}


FIELD_SYSTEMS = {"newscrawl": newscrawl_fields, "trafilatura": trafilatura_fields}


def _names(names) -> set[str]:
    return {match_key(n) for n in names or () if match_key(n)}


def _same_statement(found, stated) -> bool:
    """The same wall clock and the same offset ("Z" and "+00:00" are one offset; no zone is not one)."""
    return (found is not None and found.zone is not None and found.wall == stated.wall
            and zone_offset(found.zone) == zone_offset(stated.zone))


def field_scores(truth: dict, found: dict) -> dict[str, float | None]:
    """One page's scores (None where its annotation says nothing about a field)."""
    scores: dict[str, float | None] = {}
    title = truth.get("title")
    scores["title_exact"] = None if title is None else float(" ".join((found["title"] or "").split()) == title)
    day = truth.get("day") or (truth.get("published") or "")[:10] or None
    scores["date_same_day"] = None if day is None else float((found["published"] or "")[:10] == day)
    stated = parse_date(truth.get("published"))
    exact = stated is not None and stated.zone is not None  # only where the truth states an offset
    scores["date_exact_offset"] = float(_same_statement(parse_date(found["published"]), stated)) if exact else None
    authors = truth.get("authors")
    scores["authors_exact"] = None if authors is None else float(_names(found["authors"]) == _names(authors))
    if authors:
        scores["author_recall"] = len(_names(found["authors"]) & _names(authors)) / len(_names(authors))
    if truth.get("body"):
        tp, fp, fn = page_scores("\n".join(truth["body"]), found["body"])
        scores["body_f1"] = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return scores


def annotated_pages(path: Path, data: Path | None) -> list[tuple[str, str, str, dict]]:
    """``(name, url, html, truth)``: hand-written pages beside the file, or benchmark pages by id."""
    notes = json.loads(path.read_text(encoding="utf-8"))
    pages = []
    for name, truth in sorted(notes.items()):
        if name.startswith("_"):
            continue
        page = path.parent / name
        if page.is_file():
            html = page.read_text(encoding="utf-8")
        elif data is not None and (data / "html" / f"{name}.html.gz").is_file():
            html = gzip.decompress((data / "html" / f"{name}.html.gz").read_bytes()).decode("utf-8")
        else:
            continue
        pages.append((name, truth["url"], html, truth))
    return pages


def run_fields(pages) -> dict[str, dict]:
    results = {}
    for system, extract in FIELD_SYSTEMS.items():
        per_page = {name: field_scores(truth, extract(url, html)) for name, url, html, truth in pages}
        totals: dict[str, dict] = {}
        for scores in per_page.values():
            for measure, value in scores.items():
                if value is not None:
                    totals.setdefault(measure, []).append(value)
        results[system] = {"pages": len(pages),
                           **{m: {"score": round(sum(v) / len(v), 4), "pages": len(v)} for m, v in totals.items()},
                           "per_page": per_page}
    return results


def url_day_check(pages) -> dict[str, dict]:
    """Published day vs the day the URL names, on the pages whose URL names one."""
    dated = [(page_id, url, html, url_date(url)) for page_id, url, html, _ in pages if url_date(url)]
    results = {}
    for system, extract in FIELD_SYSTEMS.items():
        same = near = found = 0
        for _, url, html, day in dated:
            published = (extract(url, html)["published"] or "")[:10]
            found += bool(published)
            same += published == day.isoformat()
            near += bool(published) and abs((day - date.fromisoformat(published)).days) <= 1
        results[system] = {"pages": len(dated), "with_date": found, "same_day": round(same / len(dated), 4),
                           "within_a_day": round(near / len(dated), 4)} if dated else {"pages": 0}
    return results


def _print_fields(title: str, results: dict[str, dict]) -> None:
    measures = ["title_exact", "date_same_day", "date_exact_offset", "authors_exact", "author_recall", "body_f1"]
    print(f"\n{title}")
    print_table(("system", *measures), [
        (system, *(f"{r[m]['score']:.3f} ({r[m]['pages']})" if m in r else "-" for m in measures))
        for system, r in results.items()])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.extraction", description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=default_benchmark_dir(), help="benchmark directory")
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages (by id)")
    parser.add_argument("--systems", nargs="*", choices=sorted(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--worst", type=int, default=10, help="list the N worst pages of newscrawl-generic")
    parser.add_argument("--annotated", nargs="*", type=Path, default=None,
                        help="annotation files for titles, dates and authors (default: the hand-written pages, "
                             "and the annotated benchmark pages when the benchmark is present)")
    args = parser.parse_args(argv)
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    have_data = (args.data / "ground-truth.json").is_file()
    payload: dict = {}
    if have_data:
        pages = load_pages(args.data, args.limit)
        body_results = run(pages, {name: SYSTEMS[name] for name in args.systems})
        print_table(
            ("system", "F1", "precision", "recall", "pages", "seconds"),
            [(name, f"{r['f1']:.4f}", f"{r['precision']:.4f}", f"{r['recall']:.4f}", r["pages"], r["seconds"])
             for name, r in body_results.items()],
        )
        generic = body_results.get("newscrawl-generic")
        if generic and args.worst:
            worst = sorted(generic["per_page"].items(), key=lambda kv: kv[1][0])[: args.worst]
            print("\nworst newscrawl-generic pages (tp, fp, fn):")
            for page_id, (tp, fp, fn) in worst:
                print(f"  {page_id[:16]}  tp={tp:.3f} fp={fp:.3f} fn={fn:.3f}")
        url_days = url_day_check(pages)
        print("\npublished day vs the day in the URL (benchmark pages whose URL names one):")
        print_table(("system", "pages", "with a date", "same day", "within a day"),
                    [(s, r["pages"], r.get("with_date", 0), r.get("same_day", "-"), r.get("within_a_day", "-"))
                     for s, r in url_days.items()])
        payload.update({
            "data": shown(args.data),
            "pages": len(pages),
            "metric": "article-extraction-benchmark: \\w+ tokens, word 4-gram multiset shingles, per-page normalised",
            "systems": {name: {k: v for k, v in r.items() if k != "per_page"} for name, r in body_results.items()},
            "url_day": url_days,
        })
    else:
        print(f"skipped bodies: benchmark data not found at {args.data}")
    files = args.annotated if args.annotated is not None else [HAND_WRITTEN, *([REAL_ANNOTATIONS] if have_data else [])]
    fields = {}
    for path in files:
        annotated = annotated_pages(path, args.data if have_data else None)
        if not annotated:
            continue
        results = run_fields(annotated)
        _print_fields(f"fields on {shown(path)} ({len(annotated)} pages; score (pages scored)):", results)
        fields[shown(path)] = {system: {k: v for k, v in r.items() if k != "per_page"} for system, r in results.items()}
        fields[shown(path)]["per_page"] = {system: r["per_page"] for system, r in results.items()}
    payload["fields"] = fields
    if have_data:
        payload["per_page"] = {name: r["per_page"] for name, r in body_results.items()}
    write_result("extraction", payload)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
