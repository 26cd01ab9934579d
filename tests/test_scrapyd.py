"""Deploying to scrapyd (issue 20), as the README's "Scheduling" section says, against a real scrapyd.

A scrapyd host has the dependencies but not newscrawl itself: its code comes in the uploaded egg.
So scrapyd runs here under a bare venv that sees the test environment's installed packages
(through a ``.pth`` line; the editable ``newscrawl`` install among them is not processed) but
cannot import ``newscrawl`` from anywhere but the egg. It listens on a free loopback port, in
its own directory with a ``scrapyd.conf`` written here, with ``NEWSCRAWL_DATA_DIR`` in its
environment. ``make deploy`` builds the egg from a copy of the sources and uploads it with
``scrapyd-deploy``; ``schedule.json`` runs ``menafn`` against a site on loopback; the test polls
``listjobs.json`` until the job has finished and reads the feed from the data directory.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from newscrawl.spiders.sites import SPIDERS
from tests.site_server import build_site, serve

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOURCES = ("pyproject.toml", "README.md", "scrapy.cfg", "Makefile", "requirements.lock")

pytestmark = pytest.mark.skipif(shutil.which("make") is None or not (BIN / "scrapyd-deploy").exists(),
                                reason="needs make and scrapyd-client (pinned in requirements.lock: make install)")


def copy_sources(dest: Path) -> Path:
    """What the egg is built from: the project files and the package, without caches."""
    dest.mkdir(parents=True)
    for name in SOURCES:
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "newscrawl", dest / "newscrawl", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


def host_python(where: Path) -> Path:
    """A Python with the test environment's packages but no ``newscrawl``: a scrapyd host's."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "test-env-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def post_json(url: str, fields: list[tuple[str, str]]) -> dict:
    data = urllib.parse.urlencode(fields).encode()
    with urllib.request.urlopen(url, data=data, timeout=30) as response:
        return json.loads(response.read())


class Scrapyd:
    def __init__(self, python: Path, home: Path, env: dict[str, str]):
        self.home = home
        home.mkdir(parents=True)
        for _ in range(5):  # another process may take the port between probe and bind
            self.port = free_port()
            (home / "scrapyd.conf").write_text(
                "[scrapyd]\n"
                f"bind_address = 127.0.0.1\nhttp_port = {self.port}\n"
                "eggs_dir = eggs\nlogs_dir = logs\ndbs_dir = dbs\nitems_dir =\n"
                "poll_interval = 0.2\nmax_proc = 1\n", encoding="utf-8")
            self.log = (home / "scrapyd.out").open("wb")
            self.proc = subprocess.Popen([str(python), "-m", "scrapyd"], cwd=home, env=env, stdout=self.log,
                                         stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if get_json(self.url("daemonstatus.json"))["status"] == "ok":
                        return
                except OSError:
                    time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"scrapyd did not start: {self.output()[-3000:]}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def output(self) -> str:
        return (self.home / "scrapyd.out").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def test_make_deploy_to_a_real_scrapyd_then_schedule_menafn(tmp_path):
    python = host_python(tmp_path / "host")
    no_package = subprocess.run([str(python), "-c", "import scrapy, scrapyd; import newscrawl"], cwd=tmp_path,
                                capture_output=True, text=True)
    assert "No module named 'newscrawl'" in no_package.stderr, no_package.stderr  # only the egg will have it

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SCRAPY_SETTINGS_MODULE")}
    env["NEWSCRAWL_DATA_DIR"] = str(data)
    scrapyd = Scrapyd(python, tmp_path / "scrapyd", env)
    try:
        src = copy_sources(tmp_path / "src")
        with (src / "scrapy.cfg").open("a", encoding="utf-8") as cfg:
            cfg.write(f"\n[deploy:test]\nurl = {scrapyd.url('')}\nproject = newscrawl\n")
        # The README's `make deploy`, with the test environment's tools (STAMP= skips `make install`).
        deploy = subprocess.run(["make", "-C", str(src), "deploy", "DEPLOY_TARGET=test", "STAMP=", f"BIN={BIN}"],
                                capture_output=True, text=True, timeout=300)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert '"status": "ok"' in deploy.stdout and f'"spiders": {len(SPIDERS)}' in deploy.stdout, deploy.stdout + deploy.stderr
        assert not (src / "setup.py").exists()  # nothing left behind
        [egg] = (src / "build" / "egg").glob("*.egg")
        with zipfile.ZipFile(egg) as z:
            assert "settings = newscrawl.settings" in z.read("EGG-INFO/entry_points.txt").decode()
            assert not any(n.startswith(("tests/", "benchmarks/")) for n in z.namelist())
        assert "menafn" in get_json(scrapyd.url("listspiders.json?project=newscrawl"))["spiders"]
        # A bare scrapyd-deploy builds the same egg, through the setup.py it writes (and leaves).
        bare = subprocess.run([str(BIN / "scrapyd-deploy"), "--build-egg", str(tmp_path / "bare.egg")], cwd=src,
                              capture_output=True, text=True, timeout=300)
        assert bare.returncode == 0, bare.stderr
        with zipfile.ZipFile(tmp_path / "bare.egg") as z:
            assert "settings = newscrawl.settings" in z.read("EGG-INFO/entry_points.txt").decode()

        site = build_site(20, seed=7, kinds={"gone404": 1})
        with serve(site) as server:
            starts = ",".join([server.url(site.listing_path), server.url(site.rss_path)])
            job = post_json(scrapyd.url("schedule.json"), [
                ("project", "newscrawl"), ("spider", "menafn"), ("start_urls", starts),
                ("setting", "AUTOTHROTTLE_ENABLED=0"), ("setting", "DOWNLOAD_DELAY=0"),
                ("setting", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1")])
            assert job["status"] == "ok", job
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                jobs = get_json(scrapyd.url("listjobs.json?project=newscrawl"))
                if any(j["id"] == job["jobid"] for j in jobs["finished"]):
                    break
                assert scrapyd.proc.poll() is None, scrapyd.output()[-3000:]
                time.sleep(0.2)
            else:
                pytest.fail(f"job {job['jobid']} did not finish: {jobs}\n{scrapyd.output()[-3000:]}")
    finally:
        scrapyd.stop()

    log = (scrapyd.home / "logs" / "newscrawl" / "menafn" / f"{job['jobid']}.log").read_text(encoding="utf-8")
    assert "Process died" not in scrapyd.output(), scrapyd.output()[-3000:]
    assert "Traceback" not in log, log[-3000:]
    # The job (its newscrawl imported from the stored egg: the host has no other) exported every story.
    assert f"{len(site.expected)} new stories exported -> {data}" in log, log[-3000:]
    feeds = list((data / "feeds" / "menafn").glob("*.jsonl"))
    assert len(feeds) == 1
    ids = [json.loads(line)["story_id"] for line in feeds[0].read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)
    summary = json.loads(next((data / "runs" / "menafn").glob("*.json")).read_text(encoding="utf-8"))
    assert summary["stories_exported"] == len(site.expected) and summary["failure"] is None
