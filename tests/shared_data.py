"""Locate ``../shared`` (read-only material beside the repo) and skip cleanly without it.

The core suite never needs it; extra tests that read it use ``needs_shared``
and are skipped, saying why, on a clone that lacks it. ``$NEWSCRAWL_SHARED``
points elsewhere.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NEWSCRAWL_SHARED") or REPO.parent / "shared")
# The article-extraction benchmark (MIT) is in the repo, with its licence: no ../shared needed.
BENCHMARK = REPO / "benchmarks" / "data" / "article-extraction-benchmark"

needs_shared = pytest.mark.skipif(
    not (SHARED / "design").is_dir(),
    reason=f"../shared not found at {SHARED} (set NEWSCRAWL_SHARED to its path)",
)


def benchmark_pages(limit: int | None = None):
    """Yield ``(id, url, html, article_body)`` from the article-extraction benchmark."""
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    for i, (page_id, rec) in enumerate(sorted(truth.items())):
        if limit is not None and i >= limit:
            break
        html = gzip.decompress((BENCHMARK / "html" / f"{page_id}.html.gz").read_bytes()).decode("utf-8")
        yield page_id, rec["url"], html, rec["articleBody"]
