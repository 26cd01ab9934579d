"""A reader that leaves early (``newscrawl state | head``) ends the command quietly, exit 0 (issue 16).

The pipe's reading end is closed before the command writes anything, so every write fails
as it does once ``head`` has exited: deterministic, with no timing involved.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.site_server import REPO


def _run_into_a_closed_pipe(*args: str, cwd, env) -> subprocess.CompletedProcess:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line
    try:
        return subprocess.run([sys.executable, "-m", "newscrawl", *args], cwd=cwd, env=env, stdout=write,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)


def test_state_into_a_pipe_closed_early_ends_quietly_with_exit_0(tmp_path):
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    shown = subprocess.run([sys.executable, "-m", "newscrawl", "state"], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0 and '"pending_by_run"' in shown.stdout  # it has something to print

    closed = _run_into_a_closed_pipe("state", cwd=REPO, env=env)
    assert closed.returncode == 0
    assert closed.stderr == ""  # neither "[Errno 32] Broken pipe" nor "Exception ignored ... BrokenPipeError"


def test_prune_into_a_pipe_closed_early_ends_quietly_too(tmp_path):
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    closed = _run_into_a_closed_pipe("state", "prune", cwd=REPO, env=env)
    assert (closed.returncode, closed.stderr) == (0, "")
