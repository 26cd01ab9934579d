"""Cleaning throughput: `newscrawl clean` over seed-style captures vs the plain datasketch recipe.

Both run in this process over the same captures (>= 5,000, ~1,000 words each, built from the
article-extraction benchmark's real bodies plus MENAFN-style noise):

- plain: MinHash(num_perm=128) + update_batch over word 5-grams + MinHashLSH(threshold=0.8)
  query and insert, nothing else;
- newscrawl: the whole chain (shells, boilerplate, repeated passages, near-duplicates) as
  `newscrawl clean` runs it, reading a JSONL file and writing output and rejects: once in one
  process (`--jobs 0`), once with its default worker processes (one per core).

Each of the three runs ``--repeat`` times, alternated, and the best run of each counts (wall
times on this shared machine vary by 10-15% from run to run).

Usage: python -m benchmarks.cleaning_throughput [--n 5000] [--repeat 3] [--data PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Progress, default_benchmark_dir, print_table, real_articles, shown, write_result


def build_captures(n: int, data: Path, seed: int = 7, words: int = 1000) -> list[dict]:
    """``n`` distinct captures of about ``words`` words: real paragraphs mixed from several
    benchmark articles (so each story is new), wrapped in the quality benchmark's noise."""
    from benchmarks.cleaning_quality import make_capture  # the noise model of the quality benchmark

    rng = random.Random(seed)
    articles = real_articles(data)
    paragraphs = [p.strip() for a in articles for p in a["body"].split("\n") if len(p.split()) >= 12]
    titles = [a["title"] for a in articles if a["title"]]
    captures = []
    for i in range(n):
        body, count = [], 0
        while count < words * 0.6:  # the noise (repeats, disclaimer, shell lines) brings it to ~words
            para = rng.choice(paragraphs)
            body.append(para)
            count += len(para.split())
        capture = make_capture(rng.choice(titles), "\n".join(body), rng, story_id=str(1100000000 + i))
        captures.append({"id": f"c{i}", "text": capture["text"]})
    return captures


def plain_recipe(captures: list[dict]) -> float:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    start = time.perf_counter()
    for rec in captures:
        words = rec["text"].split()
        shingles = [" ".join(words[i:i + 5]).encode("utf-8") for i in range(max(len(words) - 4, 1))]
        m = MinHash(num_perm=128)
        m.update_batch(shingles)
        lsh.query(m)
        lsh.insert(rec["id"], m)
    return time.perf_counter() - start


def newscrawl_clean(captures: list[dict], jobs: int | None = None) -> tuple[float, dict]:
    from newscrawl.clean_files import run_clean

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with src.open("w", encoding="utf-8") as fh:
            for rec in captures:
                fh.write(json.dumps(rec) + "\n")
        cpu0 = _cpu_seconds()
        start = time.perf_counter()
        report = run_clean([str(src)], Path(tmp) / "out.jsonl", Path(tmp) / "rej.jsonl", stderr=sys.stderr, jobs=jobs)
        elapsed = time.perf_counter() - start
        cpu = _cpu_seconds() - cpu0
    return elapsed, {"kept": report.kept, "rejected": dict(report.rejected), "cpu_ms_per_capture": cpu / len(captures) * 1e3}


def _cpu_seconds() -> float:
    """CPU time of this process and of its ended children (the worker processes, once closed)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--data", type=Path, default=default_benchmark_dir())
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternated; the best counts")
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"skipped: article-extraction benchmark not found at {args.data} (pass --data PATH)")
        return 0
    print(f"  building {args.n:,} captures from {shown(args.data)}", flush=True)
    captures = build_captures(args.n, args.data)
    words = sum(len(c["text"].split()) for c in captures) / len(captures)
    from newscrawl.cleaning.workers import default_workers

    workers = default_workers()
    runs: dict[str, list[float]] = {"plain": [], "one": [], "workers": []}
    cpu: dict[str, list[float]] = {"one": [], "workers": []}
    progress = Progress("runs", 3 * args.repeat, every=0)
    for i in range(args.repeat):  # alternated, best of each: the machine is shared
        runs["plain"].append(plain_recipe(captures))
        progress.step(note=f"round {i + 1}: plain recipe {runs['plain'][-1]:.2f} s")
        elapsed, outcome = newscrawl_clean(captures, jobs=0)
        runs["one"].append(elapsed)
        cpu["one"].append(outcome["cpu_ms_per_capture"])
        progress.step(note=f"round {i + 1}: newscrawl clean, one process {elapsed:.2f} s")
        elapsed, outcome = newscrawl_clean(captures)
        runs["workers"].append(elapsed)
        cpu["workers"].append(outcome["cpu_ms_per_capture"])
        progress.step(note=f"round {i + 1}: newscrawl clean, {workers} workers {elapsed:.2f} s")
    t_plain, t_one, t_ours = (min(runs[k]) for k in ("plain", "one", "workers"))
    rows = [
        ("plain datasketch recipe (one process)", f"{len(captures) / t_plain:,.0f}", f"{t_plain:.2f}"),
        ("newscrawl clean, one process (--jobs 0)", f"{len(captures) / t_one:,.0f}", f"{t_one:.2f}"),
        (f"newscrawl clean, {workers} workers (default)", f"{len(captures) / t_ours:,.0f}", f"{t_ours:.2f}"),
    ]
    from datasketch import __version__ as datasketch_version

    print(f"{len(captures)} captures, {words:.0f} words each on average; best of {args.repeat} runs each; "
          f"datasketch {datasketch_version}")
    print_table(("pipeline", "captures/s", "seconds"), rows)
    ratio = t_plain / t_ours
    print(f"speed-up: {ratio:.2f}x with the default workers, {t_plain / t_one:.2f}x in one process (goal >= 5x)")
    print(f"CPU per capture (all processes, best run): {min(cpu['one']):.2f} ms in one process, "
          f"{min(cpu['workers']):.2f} ms with {workers} workers against {t_ours / len(captures) * 1e3 * workers:.2f} ms "
          f"of {workers} cores' wall time")
    write_result("cleaning_throughput", {
        "captures": len(captures), "mean_words": round(words), "workers": workers,
        "plain_per_s": len(captures) / t_plain, "newscrawl_one_process_per_s": len(captures) / t_one,
        "newscrawl_per_s": len(captures) / t_ours, "ratio": ratio, "ratio_one_process": t_plain / t_one,
        "newscrawl_outcome": outcome, "repeat": args.repeat,
        "runs_per_s": {k: [round(len(captures) / t) for t in v] for k, v in runs.items()},
        "cpu_ms_per_capture": {k: [round(c, 3) for c in v] for k, v in cpu.items()},
        "datasketch": datasketch_version,
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
