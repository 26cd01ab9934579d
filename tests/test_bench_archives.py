"""The archive benchmark (issue 17) runs from the repo alone and reports each comparison it promises."""

from __future__ import annotations

import json

from tests.test_benchmarks import bench


def test_the_archive_benchmark_compares_with_trafilatura_on_known_and_unknown_sites(tmp_path):
    run = bench("archives", "--limit", "6", "--copies", "2", "--menafn", "6", results=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "unknown sites: 12 pages" in run.stdout and "known sites: 18 pages" in run.stdout
    assert "--jobs 2 vs --jobs 0" in run.stdout and "ms per page on the generic path" in run.stdout
    result = json.loads((tmp_path / "archives.json").read_text(encoding="utf-8"))
    unknown, known = result["unknown sites"], result["known sites"]
    assert unknown["kept"] == 6 and unknown["rejected"] == 6  # the second copy of each page is a near-duplicate
    assert known["kept"] >= 6 and known["extraction_site_share"] == 1.0  # every known page read by its selectors
    assert 0.9 <= unknown["f1"] <= 1.0
    for entry in (unknown, known):
        assert entry["ratio"] == round(entry["newscrawl_pages_per_cpu_s"] / entry["trafilatura_pages_per_cpu_s"], 2)
    assert result["jobs"]["speedup"] > 0
