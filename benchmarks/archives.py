"""From archive to clean, deduplicated JSONL: `newscrawl clean` over WARC files vs `trafilatura.extract` (issue 17).

    python -m benchmarks.archives [--copies 5] [--menafn 300] [--repeat 2] [--no-jobs]

Two WARC.gz files (WARC/1.1, one gzip member per record, newscrawl's own writer) of real-size pages:

- unknown sites: the article-extraction benchmark's 181 pages (170 KB on average), each
  ``--copies`` times under its own URL (905 pages by default), read by the generic path;
- known sites: the loopback MENAFN site's story pages and the six wire fixtures (each ``--copies``
  times), every page wrapped in ~150 KB of page chrome (a mega-menu, scripts and styles, a
  "more stories" rail, a footer: what real MENAFN and wire pages carry around the story), read by
  the site's selectors.

In one run, on the same pages: ``trafilatura.extract`` alone on the decoded HTML (pages in
memory), and ``newscrawl clean --jobs 0`` (one process: reading the archive, extraction, the
cleaning chain, near-duplicates, writing), both as CPU seconds of this process (per core; the
machine is shared, wall time is not a fair clock for one process). Then ``--jobs 2`` against
``--jobs 0`` on the unknown-sites archive as wall time (``--no-jobs`` skips it). F1 is the
extraction metric of ``benchmarks.extraction`` on the kept stories (the first copy of each page;
a page rejected or missing scores as empty). Last, where newscrawl's time goes on the generic path,
step by step, and what one structural change would save (the ``breakdown`` rows).
Writes ``benchmarks/results/archives.json``.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, Progress, default_benchmark_dir, print_table, shown, write_result
from benchmarks.metric import aggregate, page_scores

WIRES = {  # fixture page -> a story URL of its wire (the host picks the site's selectors)
    "prnewswire/acme-robotics.html":
        "https://www.prnewswire.com/news-releases/acme-robotics-opens-automated-warehouse-hub-{n}-30210{n:04d}.html",
    "globenewswire/northwind-q4.html":
        "https://www.globenewswire.com/news-release/2026/02/11/31{n:05d}/0/en/Northwind-Therapeutics-Q4.html",
    "businesswire/vela-energy.html":
        "https://www.businesswire.com/news/home/2026020900{n:04d}/en/Vela-Energy-Signs-Power-Deal/",
    "einpresswire/harbor-clinic.html":
        "https://www.einpresswire.com/article/8800{n:05d}/harbor-family-clinic-opens-evening-hours",
    "accesswire/pinecrest-mining.html":
        "https://www.accesswire.com/10{n:05d}/pinecrest-mining-reports-high-grade-gold-intercepts",
    "newsfile/maple-ridge.html": "https://www.newsfilecorp.com/release/24{n:04d}/Maple-Ridge-Foods-Opens-Plant",
}


def chrome(rng: random.Random, size: int = 150_000) -> tuple[str, str, str]:
    """(head, top, bottom): page chrome around a story, about ``size`` characters in all."""
    words = ("markets energy business world sports technology health travel opinion video gulf economy "
             "banking property aviation oil gas shipping crypto jobs events press releases research").split()
    link = lambda: (f'<li><a href="/{rng.choice(words)}/{rng.randrange(10**9)}">'
                    f'{" ".join(rng.choice(words).title() for _ in range(rng.randint(2, 9)))}</a></li>')
    script = "".join(f"var w{i}=function(a,b){{return a*{i}+b;}};" for i in range(size // 120))
    style = "".join(f".c{i}{{margin:{i % 9}px;padding:{i % 7}px;color:#{i:06x}}}" for i in range(size // 160))
    head = f"<script>{script}</script><style>{style}</style>"
    menu = "".join(f'<li class="dropdown"><a href="#">{w.title()}</a><ul>{"".join(link() for _ in range(12))}</ul></li>'
                   for w in words)
    top = f'<header><nav class="mega-menu"><ul>{menu}</ul></nav></header>'
    teasers = "".join(f'<div class="teaser"><a href="/{rng.randrange(10**9)}">{" ".join(rng.choice(words) for _ in range(12))}'
                      f'</a><span>{" ".join(rng.choice(words) for _ in range(20))}</span></div>' for _ in range(40))
    bottom = (f'<aside class="more-stories">{teasers}</aside><footer><ul>'
              f'{"".join(link() for _ in range(150))}</ul><p>Copyright 2026. All rights reserved.</p></footer>')
    return head, top, bottom


def dress(html: str, parts: tuple[str, str, str]) -> str:
    head, top, bottom = parts
    html = html.replace("</head>", head + "</head>", 1)
    html = html.replace("<body>", "<body>" + top, 1) if "<body>" in html else html
    return html.replace("</body>", bottom + "</body>", 1)


def known_pages(copies: int, menafn: int, seed: int = 3) -> list[tuple[str, str]]:
    """(url, html) of the known sites' story pages, each in full chrome."""
    sys.path.insert(0, str(ROOT))
    from tests.site_server import build_site

    rng = random.Random(seed)
    parts = chrome(rng)
    site = build_site(menafn + 20)
    rendered = site.render()
    pages = []
    for story in site.stories[:menafn]:
        body = rendered[story.path].body
        html = body if isinstance(body, str) else body.decode("utf-8")
        pages.append((f"https://menafn.com{story.path}", dress(html, parts)))
    wires = ROOT / "tests" / "fixtures" / "wires"
    for name, pattern in WIRES.items():
        html = (wires / name).read_text(encoding="utf-8")
        pages += [(pattern.format(n=n + 1), dress(html, parts)) for n in range(copies)]
    return pages


def unknown_pages(data: Path, copies: int, limit: int | None) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(url, html) of the benchmark's pages, ``copies`` times each; and each first copy's URL -> true body."""
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    originals, bodies = [], {}
    for page_id, rec in sorted(truth.items())[:limit]:
        html = gzip.decompress((data / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        url = f"https://{page_id[:12]}.example.com/news/2026/02/{page_id}"
        originals.append((url, html))
        bodies[url] = rec.get("articleBody") or ""
    pages = [(f"{url}-{n}" if n else url, html) for n in range(copies) for url, html in originals]
    return pages, bodies


def write_warc(path: Path, pages: list[tuple[str, str]]) -> None:
    from newscrawl.archives.writer import WarcFileWriter, http_request, http_response, run_info

    writer = WarcFileWriter(path.parent, path.name.removesuffix(".warc.gz"), run_info("benchmark", "", "", {}),
                            10 ** 12)
    for url, html in pages:
        body = html.encode("utf-8")
        writer.write_exchange(url, http_request("GET", "/", [("Host", "example.com")]),
                              http_response(200, "OK", [("Content-Type", "text/html; charset=utf-8")], body), body)
    writer.close()


def cpu() -> float:
    return time.process_time()


def run_trafilatura(pages: list[tuple[str, str]], label: str) -> float:
    import trafilatura

    progress = Progress(f"trafilatura.extract, {label}", len(pages), unit="pages")
    start = cpu()
    for _, html in pages:
        trafilatura.extract(html)
        progress.step()
    return cpu() - start


def run_newscrawl(warc: Path, workdir: Path, jobs: int) -> tuple[float, float, list[dict], list[dict]]:
    """(cpu seconds of this process, wall seconds, kept, rejected) of one `newscrawl clean` run."""
    import io

    from newscrawl.clean_files import run_clean

    out, rej = workdir / f"out-{jobs}.jsonl", workdir / f"rej-{jobs}.jsonl"
    start, wall = cpu(), time.perf_counter()
    run_clean([str(warc)], out, rej, jobs=jobs, stderr=io.StringIO())
    took, wall = cpu() - start, time.perf_counter() - wall
    read = lambda p: [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines()]
    return took, wall, read(out), read(rej)


def breakdown(pages: list[tuple[str, str]], limit: int = 60) -> dict[str, float]:
    """Milliseconds per page of each part of the generic path, and of the proposed single-parse one."""
    import copy

    import lxml.html
    import trafilatura
    from parsel import Selector

    from newscrawl.extraction import extract_article
    from newscrawl.extraction.generic import MIN_WORDS, _words, generic_paragraphs
    from newscrawl.extraction.metadata import page_metadata

    pages = pages[:limit]
    parts: dict[str, float] = {}

    def timed(name, fn):
        start = cpu()
        out = [fn(url, html) for url, html in pages]
        parts[name] = round((cpu() - start) * 1000 / len(pages), 2)
        return out

    sels = timed("parse (parsel/lxml)", lambda u, h: Selector(text=h, type="html"))
    it = iter(sels)
    timed("page metadata", lambda u, h: page_metadata(next(it)))
    it = iter(sels)
    strings = timed("serialise the tree again (tostring)", lambda u, h: lxml.html.tostring(next(it).root, encoding="unicode"))
    it = iter(strings)
    timed("generic_paragraphs (trafilatura, twice when short)", lambda u, h: generic_paragraphs(next(it), u, []))
    options = dict(favor_precision=True, include_comments=False, include_tables=True, include_links=True,
                   with_metadata=False, deduplicate=False)
    short = [0]

    def precise(u, h):
        doc = trafilatura.bare_extraction(h, url=u, **options)
        short[0] += _words(getattr(doc, "body", None)) < MIN_WORDS
    timed("  of which one trafilatura.bare_extraction (precision)", precise)
    parts["  pages retried with trafilatura's defaults (share)"] = round(short[0] / len(pages), 2)
    timed("extract_article (all of the above)", lambda u, h: extract_article(u, h))
    timed("trafilatura.extract alone", lambda u, h: trafilatura.extract(h))
    it = iter(sels)
    timed("proposal: bare_extraction on a copy of the parsed tree", lambda u, h: trafilatura.bare_extraction(
        copy.deepcopy(next(it).root), url=u, **options))
    return parts


def f1_of(kept: list[dict], bodies: dict[str, str]) -> dict[str, float]:
    by_url = {}
    for record in kept:
        by_url.setdefault(record.get("url"), record.get("body") or "")
    return aggregate(page_scores(true, by_url.get(url, "")) for url, true in bodies.items())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.archives", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_benchmark_dir())
    parser.add_argument("--copies", type=int, default=5, help="copies of each page (default 5: 905 benchmark pages)")
    parser.add_argument("--menafn", type=int, default=1000, help="MENAFN story pages (known sites)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N benchmark pages")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each system; the best counts")
    parser.add_argument("--no-jobs", action="store_true", help="skip the --jobs 2 run")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").is_file():
        print(f"skipped: benchmark data not found at {args.data}")
        return 0
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    # The machine is shared: its load says how far wall times (the --jobs comparison) can be trusted.
    rows, result = [], {"data": shown(args.data), "copies": args.copies, "load_average_at_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="newscrawl-bench-archives-") as tmp:
        work = Path(tmp)
        unknown, bodies = unknown_pages(args.data, args.copies, args.limit)
        known = known_pages(args.copies, args.menafn)
        for label, pages in (("unknown sites", unknown), ("known sites", known)):
            warc = work / f"{label.split()[0]}.warc.gz"
            write_warc(warc, pages)
            mb = sum(len(h.encode()) for _, h in pages) / len(pages) / 1024
            print(f"{label}: {len(pages)} pages, {mb:.0f} KB a page, archive {warc.stat().st_size / 1e6:.1f} MB",
                  flush=True)
            rounds = []  # (trafilatura, newscrawl) CPU seconds, run back to back: the same machine load
            for n in range(args.repeat):
                traf = run_trafilatura(pages, label)
                print(f"  newscrawl clean --jobs 0, {label}, round {n + 1}/{args.repeat} ...", flush=True)
                took, _, kept, rejected = run_newscrawl(warc, work, 0)
                rounds.append((traf, took))
            traf, newscrawl = min(r[0] for r in rounds), min(r[1] for r in rounds)
            entry = {"pages": len(pages), "kb_per_page": round(mb, 1), "kept": len(kept), "rejected": len(rejected),
                     "trafilatura_pages_per_cpu_s": round(len(pages) / traf, 1),
                     "newscrawl_pages_per_cpu_s": round(len(pages) / newscrawl, 1),
                     "ratio": 0.0, "ratio_per_round": [round(t / n, 2) for t, n in rounds]}
            entry["ratio"] = round(entry["newscrawl_pages_per_cpu_s"] / entry["trafilatura_pages_per_cpu_s"], 2)
            entry["median_round_ratio"] = round(statistics.median(entry["ratio_per_round"]), 2)
            if label == "unknown sites":
                entry["f1"] = round(f1_of(kept, bodies)["f1"], 4)
            else:
                read = kept + rejected
                entry["extraction_site_share"] = round(sum(r.get("extraction") == "site" for r in read) / len(read), 3)
            result[label] = entry
            rows.append((label, len(pages), entry["trafilatura_pages_per_cpu_s"], entry["newscrawl_pages_per_cpu_s"],
                         f"{entry['ratio']:.2f}x", f"{entry['median_round_ratio']:.2f}x", entry.get("f1", "")))
        if not args.no_jobs:
            warc = work / "unknown.warc.gz"
            print("  newscrawl clean --jobs 0 and --jobs 2, unknown sites (wall time) ...", flush=True)
            rounds = [(run_newscrawl(warc, work, 0)[1], run_newscrawl(warc, work, 2)[1]) for _ in range(args.repeat)]
            one, two = min(r[0] for r in rounds), min(r[1] for r in rounds)
            result["jobs"] = {"pages": len(unknown), "jobs0_pages_per_s": round(len(unknown) / one, 1),
                              "jobs2_pages_per_s": round(len(unknown) / two, 1), "speedup": round(one / two, 2),
                              "speedup_per_round": [round(a / b, 2) for a, b in rounds]}
            result["jobs"]["median_round_speedup"] = round(statistics.median(result["jobs"]["speedup_per_round"]), 2)
        print("  where the time goes on the generic path ...", flush=True)
        result["breakdown_ms_per_page"] = breakdown(unknown[:len(bodies)])
    print()
    print_table(("pages", "count", "trafilatura pages/CPU-s", "newscrawl pages/CPU-s", "newscrawl/trafilatura",
                 "median of rounds", "F1"), rows)
    if "jobs" in result:
        j = result["jobs"]
        print(f"\n--jobs 2 vs --jobs 0 (wall, unknown sites, best of {args.repeat}): {j['jobs2_pages_per_s']} vs "
              f"{j['jobs0_pages_per_s']} pages/s = {j['speedup']:.2f}x; median of paired rounds "
              f"{j['median_round_speedup']:.2f}x")
    print("\nms per page on the generic path (CPU):")
    for name, value in result["breakdown_ms_per_page"].items():
        print(f"  {name}: {value}")
    write_result("archives", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
