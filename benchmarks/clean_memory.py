"""Peak memory of ``newscrawl clean`` on a large generated JSONL input (issue 6): streamed, so bounded.

Writes N records of wire-style stories (some repeated as syndicated copies, some broken lines),
runs ``python -m newscrawl clean`` on it in a subprocess and reads the child's peak RSS
(``ru_maxrss``) at two sizes. Reading is streamed (one record in memory, at most
``MAX_RECORD_BYTES``), but what is kept per story for near-duplicate matching still grows with
the stories kept: measured 100 MB -> 296 MB peak for 5k -> 40k stories (17 -> 137 MB input).

    python -m benchmarks.clean_memory [--records 20000] [--paragraph-kb 3]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT

WORDS = ("ministry port bank exports growth percent quarter officials investors energy corridor agreement "
         "said announced expected project terminal capacity region tourism prices rates inflation market").split()


def write_input(path: Path, records: int, paragraph_kb: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(records):
            if i % 500 == 499:
                fh.write("{broken line\n")
                continue
            paragraphs = [" ".join(rng.choice(WORDS) for _ in range(paragraph_kb * 150 // 4)) for _ in range(4)]
            fh.write(json.dumps({"id": f"s{i}", "text": "\n\n".join(paragraphs)}) + "\n")
    return path.stat().st_size


def run(records: int, paragraph_kb: int, workdir: Path) -> dict:
    src = workdir / f"in-{records}.jsonl"
    size = write_input(src, records, paragraph_kb)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "newscrawl", "clean", str(src), "--output", str(workdir / "out.jsonl"),
                           "--rejects", str(workdir / "rej.jsonl")], cwd=ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux; the max over children so far
    src.unlink()
    return {"records": records, "input_mb": round(size / 2**20, 1), "exit": proc.returncode,
            "peak_rss_mb": round(max(peak, before) / 1024, 1), "seconds": round(elapsed, 1),
            "records_per_s": round(records / elapsed)}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--paragraph-kb", type=int, default=3)
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory(prefix="clean-memory-") as tmp:
        # Smallest first: ru_maxrss of children is a running maximum.
        for n in (args.records // 8, args.records):
            rows.append(run(n, args.paragraph_kb, Path(tmp)))
            print(json.dumps(rows[-1]), flush=True)
    out = ROOT / "benchmarks" / "results" / "clean_memory.json"
    out.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    ok = all(r["exit"] == 3 for r in rows)  # the broken lines were skipped and said so
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
