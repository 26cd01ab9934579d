"""The adversarial-input benchmark (issue 16) runs from the repo alone and says what it measured.

A short run (64 KB inputs, one timed run each, two of the shapes beside the normal input), its results written to a temporary directory
(``NEWSCRAWL_BENCH_RESULTS``) so the committed figures stay as they are.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.site_server import REPO


def test_the_adversarial_benchmark_reports_every_input_beside_the_normal_one(tmp_path):
    env = {**os.environ, "NEWSCRAWL_BENCH_RESULTS": str(tmp_path), "PYTHONPATH": str(REPO)}
    run = subprocess.run([sys.executable, "-m", "benchmarks.adversarial", "--size", "65536", "--repeat", "1",
                          "--only", "identical,tiny"], cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "  cases: 6/6" in run.stdout and "goal (every input within 3x" in run.stdout
    result = json.loads((tmp_path / "adversarial.json").read_text(encoding="utf-8"))
    assert [r["kind"] for r in result["chain"]] == ["normal", "identical", "tiny"]
    assert [r["kind"] for r in result["page"]] == ["normal", "identical", "tiny"]
    for row in result["chain"] + result["page"]:
        assert row["seconds"] > 0 and row["traced_mb"] > 0 and row["outcome"]
    identical = next(r for r in result["chain"] if r["kind"] == "identical")
    assert "repeated_passage" in identical["outcome"]
