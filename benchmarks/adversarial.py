"""Adversarial inputs (issue 16): the whole chain on the worst generated 1 MB stories, beside a normal one.

Goal: no input of 1 MB costs more than 3x the time and memory of a normal 1 MB page.

Two tables, each case measured in a fresh process (after a warm-up on a small story, so imports
and caches do not count): the best wall time of ``--repeat`` runs, the peak of memory Python
allocated (``tracemalloc``, on one more run) and the growth of the process's resident peak
(``resource``: lxml's trees are not Python allocations).

- **chain**: the eight steps of ``NEWSCRAWL_STEPS`` (the near-duplicate decision on an in-memory
  index included) on a 1 MB story text, as ``newscrawl clean`` reads a record. Normal: real
  paragraphs of the article-extraction benchmark, each once (then real words reshuffled). The
  shapes that hurt: one short paragraph again and again (223 KB of it took the repeated-passage
  step 10 s and 1.7 GB before), a few paragraphs alternating, one giant paragraph, two giant
  near-copies, hundreds of thousands of tiny lines, one long paragraph again and again with a
  word changed each time.
- **page**: extraction, then the chain, on a 1 MB page, as the crawl reads a story page, each
  read up to its 10,000th element (``NEWSCRAWL_STORY_MAX_ELEMENTS``) and within the crawl's story
  budget (``NEWSCRAWL_STORY_TIME_BUDGET``, 10 s; past it the story is dropped as ``too_costly``).
  Normal: 1 MB of the same real paragraphs as ``<p>`` elements (a long article: as much text as
  the adversarial pages hold); real: the benchmark's real page nearest 1 MB, for reference (mostly
  markup and scripts around little text, so it costs a fraction of either). The shapes that hurt
  as ``<p>`` elements, and deep nesting (250 divs, lxml's limit).

Usage: python -m benchmarks.adversarial [--size 1048576] [--repeat 3] [--budget 10] [--data PATH]
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

from benchmarks.common import ROOT, Progress, default_benchmark_dir, print_table, shown, write_result

TEXT_KINDS = ["normal", "identical", "alternating", "giant", "giant_twins", "tiny", "near_copies"]
PAGE_KINDS = ["normal", "real", "identical", "alternating", "giant", "tiny", "nested"]
GOAL = 3.0


def _vocabulary(data: Path) -> tuple[list[str], list[str]]:
    truth = json.loads((data / "ground-truth.json").read_text(encoding="utf-8"))
    paragraphs = [p.strip() for r in truth.values() for p in r["articleBody"].split("\n") if len(p.split()) >= 8]
    return paragraphs, [w for p in paragraphs for w in p.split()]


def paragraphs_of(kind: str, size: int, data: Path, seed: int = 16) -> list[str]:
    """About ``size`` characters of story text in the shape ``kind``."""
    rng = random.Random(seed)
    real, words = _vocabulary(data)
    short = "Buy now at the store today."
    if kind == "normal":
        out, n = [], 0
        pool = list(dict.fromkeys(real))
        while n < size:
            p = pool.pop(0) if pool else " ".join(rng.choice(words) for _ in range(60))
            out.append(p)
            n += len(p) + 1
        return out
    if kind == "identical":
        return [short] * (size // (len(short) + 1))
    if kind == "alternating":
        cycle = ["Photo", short, "Read more about it on the company's website.", "Advertisement"]
        n = size // (sum(len(p) + 1 for p in cycle) // len(cycle))
        return [cycle[i % len(cycle)] for i in range(n)]
    if kind == "giant":
        return [" ".join(rng.choice(words) for _ in range(size // 6))]
    if kind == "giant_twins":
        half = [rng.choice(words) for _ in range(size // 12)]
        return [" ".join(half), " ".join(half[:5] + rng.sample(half[5:], len(half) - 5))]
    if kind == "tiny":
        return [rng.choice("ab") * rng.randint(1, 2) for _ in range(size // 3)]
    if kind == "near_copies":
        base = rng.sample(words, 40)
        out, n = [], 0
        while n < size:
            copy = list(base)
            copy[rng.randrange(len(copy))] = rng.choice(words)
            out.append(" ".join(copy))
            n += len(out[-1]) + 1
        return out
    raise ValueError(kind)


def page_of(kind: str, size: int, data: Path) -> str:
    """A story page of about ``size`` bytes in the shape ``kind`` (real: the benchmark's page nearest it)."""
    if kind == "real":
        pages = sorted(data.glob("html/*.html.gz"), key=lambda p: abs(len(gzip.decompress(p.read_bytes())) - size))
        return gzip.decompress(pages[0].read_bytes()).decode("utf-8", errors="replace")
    if kind == "nested":
        unit = "<div>" * 250 + "<p>The ministry said the plan would go ahead after a long review.</p>" + "</div>" * 250
        body = unit * (size // len(unit))
    else:
        body = "".join(f"<p>{p}</p>" for p in paragraphs_of(kind, size - 200, data))
    return f"<!DOCTYPE html><html><head><title>A story</title></head><body><article>{body}</article></body></html>"


# -- one case, in its own process -------------------------------------------------------------
def _run_case(what: str, kind: str, size: int, repeat: int, budget: float, data: Path) -> dict:
    from newscrawl.cleaning.chain import Caps
    from newscrawl.cleaning.document import Document
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.cleaning.workers import OverBudget, within_budget
    from newscrawl.extraction import extract_article
    from newscrawl.steps import DEFAULT_STEPS, build_chain
    from newscrawl.store import memory_stores

    def chain():
        return build_chain(DEFAULT_STEPS, index=memory_stores(DEFAULT_SCHEME).index)

    if what == "chain":
        paragraphs = paragraphs_of(kind, size, data)

        def once(c):
            return c.clean(Document(paragraphs=list(paragraphs), url="https://example.org/story"))
    else:
        page = page_of(kind, size, data)

        def once(c):
            html, _ = Caps().cut_page(page)  # as the spider reads a story page (NEWSCRAWL_STORY_MAX_ELEMENTS)
            article = within_budget(budget, "extraction", lambda h: extract_article("https://example.org/story", h),
                                    html)
            if isinstance(article, OverBudget):
                return article
            doc = Document.from_text(article.body, url=article.url, html=html)
            return within_budget(budget, "cleaning", c.clean, doc)

    # warm-up on a small normal story (and page): imports, compiled rules, caches
    warm = extract_article("https://example.org/warm", page_of("normal", 20_000, data))
    chain().clean(Document.from_text(warm.body, url="https://example.org/warm"))
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    best, result = float("inf"), None
    for _ in range(repeat):
        c = chain()
        start = time.perf_counter()
        result = once(c)
        best = min(best, time.perf_counter() - start)
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    c = chain()
    tracemalloc.start()
    once(c)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    if isinstance(result, OverBudget):
        verdict = f"too_costly ({result.describe()})"
    else:
        verdict = "kept" if result.kept else result.rejection.reason
        removed = {k: v for k, v in result.removed().items() if k.startswith("capped_") or k == "repeated_passage"}
        verdict += "".join(f", {k} {v:,}" for k, v in sorted(removed.items()))
    return {"what": what, "kind": kind, "seconds": round(best, 4), "traced_mb": round(peak / 2**20, 1),
            "rss_growth_mb": round(max(0, rss_after - rss_before) / 1024, 1), "outcome": verdict}


def _measure(what: str, kind: str, args) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.adversarial", "--one", what, kind, "--size", str(args.size),
           "--repeat", str(args.repeat), "--budget", str(args.budget), "--data", str(args.data)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1024 * 1024, help="bytes of each input (default 1 MB)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each case; the best counts")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds a page's extraction or cleaning may take")
    parser.add_argument("--data", type=Path, default=default_benchmark_dir())
    parser.add_argument("--only", metavar="KIND[,KIND...]",
                        help="only these inputs beside the normal one (e.g. identical,tiny); default: all")
    parser.add_argument("--one", nargs=2, metavar=("WHAT", "KIND"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(_run_case(*args.one, args.size, args.repeat, args.budget, args.data)))
        return 0

    only = {"normal", *args.only.split(",")} if args.only else None
    cases = [(what, k) for what, kinds in (("chain", TEXT_KINDS), ("page", PAGE_KINDS)) for k in kinds
             if only is None or k in only]
    progress = Progress("cases", total=len(cases), every=0)
    results = []
    for what, kind in cases:
        results.append(_measure(what, kind, args))
        progress.step(note=f"{what}/{kind}: {results[-1]['seconds']:.2f} s, {results[-1]['traced_mb']} MB")
    failed = []
    tables = {}
    for what in ("chain", "page"):
        rows = [r for r in results if r["what"] == what]
        normal = next(r for r in rows if r["kind"] == "normal")
        table = []
        for r in rows:
            r["time_x"] = round(r["seconds"] / normal["seconds"], 2) if normal["seconds"] else None
            r["memory_x"] = round(r["traced_mb"] / normal["traced_mb"], 2) if normal["traced_mb"] else None
            r["within_goal"] = bool(r["time_x"] is not None and r["time_x"] <= GOAL
                                    and r["memory_x"] is not None and r["memory_x"] <= GOAL)
            if not r["within_goal"]:
                failed.append(f"{what}/{r['kind']}")
            table.append((r["kind"], f"{r['seconds']:.3f}", f"{r['time_x']}x", r["traced_mb"], f"{r['memory_x']}x",
                          r["rss_growth_mb"], "yes" if r["within_goal"] else "NO", r["outcome"]))
        tables[what] = rows
        print(f"\n{what}: {'the chain on a 1 MB story text' if what == 'chain' else 'extraction + chain on a 1 MB page'}")
        print_table(("input", "seconds", "time", "traced MB", "memory", "RSS growth MB", f"<= {GOAL:g}x", "outcome"),
                    table)
    print(f"\ngoal (every input within {GOAL:g}x the normal one's time and memory): "
          + ("met" if not failed else f"not met by {', '.join(failed)}"))
    write_result("adversarial", {"size": args.size, "repeat": args.repeat, "budget_seconds": args.budget,
                                 "data": shown(args.data), "goal_x": GOAL, "not_within_goal": failed, **tables})
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
