"""Near-duplicate step speed: newscrawl's fingerprint and index vs the plain datasketch recipe.

Over the same ~1,000-word documents (real article paragraphs, shuffled into
distinct documents; the article-extraction benchmark's bodies when ../shared is
there, else tests/fixtures/articles):

- plain: ``MinHash(num_perm=128)`` + ``update_batch`` over word 5-grams +
  ``MinHashLSH(threshold=0.8)`` query and insert (the issue's baseline);
- datasketch, our scheme: the same with the recorded shingle hash (the
  reference the fast path must equal; checked here on every document);
- fingerprint: ``neardup.fingerprint`` alone;
- step (memory): ``NearDuplicateFilter`` over a ``MemoryIndex`` (what
  ``newscrawl clean`` runs);
- step (sqlite): the same over the embedded SQLite index (what a crawl runs).

Usage: python -m benchmarks.minhash_speed [--n 2000] [--data PATH]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, default_benchmark_dir, print_table, shown, write_result


def paragraphs(data: Path) -> tuple[list[str], str]:
    truth = data / "ground-truth.json"
    if truth.exists():
        import json

        bodies = [r["articleBody"] for r in json.loads(truth.read_text(encoding="utf-8")).values()]
        source = f"{shown(data)} ({len(bodies)} articles)"
    else:
        files = sorted((ROOT / "tests" / "fixtures" / "articles").glob("*.txt"))
        bodies = [f.read_text(encoding="utf-8") for f in files]
        source = f"tests/fixtures/articles ({len(bodies)} articles)"
    paras = [p.strip() for body in bodies for p in body.split("\n") if len(p.split()) >= 8]
    return paras, source


def documents(paras: list[str], n: int, words: int = 1000, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        chosen, count = [], 0
        while count < words:
            p = rng.choice(paras)
            chosen.append(p)
            count += len(p.split())
        docs.append("\n".join(chosen))
    return docs


def plain(docs: list[str]) -> float:
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    start = time.perf_counter()
    for i, text in enumerate(docs):
        w = text.split()
        m = MinHash(num_perm=128)
        m.update_batch([" ".join(w[j:j + 5]).encode("utf-8") for j in range(max(len(w) - 4, 1))])
        lsh.query(m)
        lsh.insert(str(i), m)
    return time.perf_counter() - start


def datasketch_our_scheme(docs: list[str]) -> float:
    import numpy as np
    from datasketch import MinHash

    from newscrawl.cleaning.neardup import DEFAULT_SCHEME, fingerprint, shingle_hash, shingles

    start = time.perf_counter()
    slow = []
    for text in docs:
        m = MinHash(num_perm=DEFAULT_SCHEME.num_perm, seed=DEFAULT_SCHEME.seed, hashfunc=shingle_hash)
        m.update_batch(shingles(text))
        slow.append(m.hashvalues)
    elapsed = time.perf_counter() - start
    for text, values in zip(docs, slow):
        if not np.array_equal(fingerprint(text).signature, values):
            raise AssertionError("fast path differs from datasketch")
    return elapsed


def fast_fingerprint(docs: list[str]) -> float:
    from newscrawl.cleaning.neardup import fingerprint

    start = time.perf_counter()
    for text in docs:
        fingerprint(text)
    return time.perf_counter() - start


def step(docs: list[str], index) -> tuple[float, int]:
    from newscrawl.cleaning.document import Document
    from newscrawl.cleaning.neardup import NearDuplicateFilter

    filt = NearDuplicateFilter(index)
    prepared = [Document.from_text(text, id=f"d{i}") for i, text in enumerate(docs)]
    start = time.perf_counter()
    rejected = sum(filt(d) is not None for d in prepared)
    return time.perf_counter() - start, rejected


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=default_benchmark_dir())
    args = parser.parse_args(argv)

    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import MemoryIndex
    from newscrawl.store.sqlite import SQLiteIndex

    paras, source = paragraphs(args.data)
    docs = documents(paras, args.n)
    mean_words = sum(len(d.split()) for d in docs) / len(docs)
    timings = {"plain datasketch recipe": plain(docs), "datasketch, our scheme (reference)": datasketch_our_scheme(docs),
               "fingerprint (fast path)": fast_fingerprint(docs)}
    timings["step, memory index"], rejected_memory = step(docs, MemoryIndex(DEFAULT_SCHEME))
    with tempfile.TemporaryDirectory() as tmp:
        index = SQLiteIndex.open(Path(tmp) / "speed.sqlite3", DEFAULT_SCHEME)
        timings["step, sqlite index"], rejected_sqlite = step(docs, index)
        index.close()
    base = timings["plain datasketch recipe"]
    print(f"{len(docs)} documents of {mean_words:.0f} words from {source}; "
          f"near-duplicates among them: {rejected_memory} (memory), {rejected_sqlite} (sqlite)")
    print_table(("path", "docs/s", "us/doc", "vs plain"),
                [(name, f"{len(docs) / t:,.0f}", f"{t / len(docs) * 1e6:,.0f}", f"{base / t:.1f}x")
                 for name, t in timings.items()])
    write_result("minhash_speed", {
        "documents": len(docs), "mean_words": round(mean_words), "source": source,
        "us_per_doc": {name: t / len(docs) * 1e6 for name, t in timings.items()},
        "speedup_vs_plain": {name: base / t for name, t in timings.items()},
        "near_duplicates": {"memory": rejected_memory, "sqlite": rejected_sqlite},
    })
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
