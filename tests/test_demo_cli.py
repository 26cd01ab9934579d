"""``newscrawl demo`` from the command line (issue 20): ``--keep DIR`` works, ``--help`` shows the
real options, and without ``--keep`` no path inside the deleted temporary directory is printed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from newscrawl.cli import main as cli_main

REPO = Path(__file__).resolve().parents[1]


def newscrawl(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180)


def test_demo_help_shows_its_options(capsys):
    try:
        cli_main(["demo", "--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: newscrawl demo [-h] [--keep DIR]")
    assert "--keep DIR" in out and "deleted on exit" in out
    assert "rest" not in out


def test_demo_keep_dir_from_the_command_line_keeps_the_feed_and_data(tmp_path):
    keep = tmp_path / "kept demo"
    result = newscrawl("demo", "--keep", str(keep), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    feed = keep / "demo.jsonl"
    items = [json.loads(line) for line in feed.read_text(encoding="utf-8").splitlines()]
    assert items
    assert f"stories exported: {len(items)} -> {feed}" in result.stdout
    assert list((keep / "data" / "runs" / "menafn").glob("*.json"))
    # The crawl's own outcome line names the kept feed (its log runs at WARNING when the feed is kept).
    assert "new stories exported" in result.stderr

    again = newscrawl("demo", "--keep", str(keep), cwd=tmp_path)  # the same DIR: its state is kept too
    assert again.returncode == 0, again.stderr[-2000:]
    assert "holds an earlier demo's state" in again.stdout
    assert "stories exported: 0 ->" in again.stdout


def test_demo_without_keep_prints_no_path_it_deletes(tmp_path, capfd):
    before = set(Path(tempfile.gettempdir()).glob("newscrawl-demo-*"))
    status = cli_main(["demo"])
    out, err = capfd.readouterr()  # the crawl subprocess's output too
    assert status == 0, err[-2000:]
    assert "stories exported: " in out and "--keep DIR keeps them" in out
    assert "newscrawl-demo-" not in out + err, [line for line in (out + err).splitlines() if "newscrawl-demo-" in line]
    assert set(Path(tempfile.gettempdir()).glob("newscrawl-demo-*")) <= before  # and it is gone
