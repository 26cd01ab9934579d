"""Near-duplicate quality: recall and precision of `near_duplicate` drops on syndicated copies.

From the article-extraction benchmark's 181 real bodies, each article is cleaned once (the
original), then copies are made the way syndication makes them: another provider's dateline,
a sentence edited, the last paragraphs cut (down to 60%), a paragraph dropped, press-release
the MENAFN disclaimer added (one to three edits a copy). Every
copy must be dropped as `near_duplicate` of its original; no original (different stories,
several on the same event) may be. The whole cleaning chain runs, as `newscrawl clean` does.

Usage: python -m benchmarks.neardup_quality [--data PATH] [--copies 3]
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from benchmarks.common import Progress, default_benchmark_dir, print_table, real_articles, write_result

TARGETS = {"recall": 0.95, "precision": 0.98}
EDITS = ["dateline", "sentence", "truncate", "drop_paragraph", "boilerplate"]


def make_copy(paragraphs: list[str], rng: random.Random, edits: list[str]) -> list[str]:
    paras = list(paragraphs)
    if "truncate" in edits and len(paras) > 3:
        paras = paras[: max(2, int(len(paras) * rng.uniform(0.6, 0.9)))]
    if "drop_paragraph" in edits and len(paras) > 4:
        del paras[rng.randrange(1, len(paras))]
    if "sentence" in edits:
        i = rng.randrange(len(paras))
        words = paras[i].split()
        if len(words) > 6:
            j = rng.randrange(len(words))
            words[j] = rng.choice(["reportedly", "also", "Tuesday", "officials", "new"])
            paras[i] = " ".join(words)
    if "dateline" in edits:
        paras[0] = f"(MENAFN- {rng.choice(['Azernews', 'Trend News Agency', 'Gulf Times'])}) {paras[0]}"
    if "boilerplate" in edits:
        paras.append("Legal Disclaimer:")
        paras.append("MENAFN provides the information “as is” without warranty of any kind. We do not accept any "
                     "responsibility or liability for the accuracy, content, images, videos, licenses, completeness, "
                     "legality, or reliability of the information contained in this article. If you have any "
                     "complaints or copyright issues related to this article, kindly contact the provider above.")
    return paras


def run(data: Path, copies: int, seed: int) -> dict:
    from newscrawl.steps import DEFAULT_STEPS, build_chain
    from newscrawl.cleaning.document import Document, split_paragraphs
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import MemoryIndex

    rng = random.Random(seed)
    articles = [a for a in real_articles(data) if len(a["body"].split()) >= 60]
    chain = build_chain(DEFAULT_STEPS, index=MemoryIndex(DEFAULT_SCHEME))
    docs = []  # (key, truth_original_key or None, paragraphs)
    for a in articles:
        docs.append((a["id"], None, split_paragraphs(a["body"])))
    for a in articles:
        for c in range(copies):
            edits = rng.sample(EDITS, rng.randint(1, 3))
            docs.append((f"{a['id']}~{c}", a["id"], make_copy(split_paragraphs(a["body"]), rng, edits)))
    originals, copies_list = docs[: len(articles)], docs[len(articles):]
    rng.shuffle(copies_list)
    tp = fp = fn = 0
    wrong_target = 0
    misses, false = [], []
    progress = Progress("originals, then copies, through the cleaning chain", len(originals) + len(copies_list))
    for key, truth, paras in originals + copies_list:
        progress.step()
        outcome = chain.clean(Document(paragraphs=list(paras), id=key))
        dropped = outcome.rejection is not None and outcome.rejection.reason == "near_duplicate"
        if truth is None:
            if dropped:
                fp += 1
                false.append((key, outcome.rejection.duplicate_of, outcome.rejection.detail))
        elif dropped:
            if outcome.rejection.duplicate_of == truth or outcome.rejection.duplicate_of.startswith(truth + "~"):
                tp += 1
            else:
                fp += 1
                wrong_target += 1
        else:
            fn += 1
            misses.append((key, outcome.rejection.reason if outcome.rejection else "kept"))
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return {"originals": len(originals), "copies": len(copies_list), "tp": tp, "fp": fp, "fn": fn,
            "wrong_target": wrong_target, "recall": recall, "precision": precision,
            "misses": misses[:20], "false_positives": false[:20]}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_benchmark_dir())
    parser.add_argument("--copies", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not (args.data / "ground-truth.json").exists():
        print(f"skipped: article-extraction benchmark not found at {args.data} (pass --data PATH)")
        return 0
    result = run(args.data, args.copies, args.seed)
    print_table(("originals", "copies", "recall", "precision", "false drops", "missed"),
                [(result["originals"], result["copies"], f"{result['recall']:.3f}", f"{result['precision']:.3f}",
                  result["fp"], result["fn"])])
    print(f"targets: recall >= {TARGETS['recall']}, precision >= {TARGETS['precision']}")
    for m in result["misses"][:10]:
        print("missed:", m)
    for f in result["false_positives"][:10]:
        print("false drop:", f)
    write_result("neardup_quality", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
