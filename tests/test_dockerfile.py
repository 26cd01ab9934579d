"""The Dockerfile and .dockerignore (issue 20), checked without a Docker engine (this machine has none).

The build context is what ``.dockerignore`` lets through (Docker's matching rules: ``*`` and ``?``
within a path segment, ``**`` across them, a pattern that matches a directory excludes what is in
it, later ``!`` lines re-include); it must hold the sources and none of the host's ``.venv``,
``data/``, ``.git`` or caches. The Dockerfile is then replayed in a temporary directory: ``/app``
(the ``WORKDIR``) and ``/data`` (the volume) are mapped to folders there, ``COPY`` copies from
the context, ``RUN`` runs its command with ``/bin/sh -c`` and the image's ``ENV``, ``python`` is
this machine's Python 3.11 as in the ``python:3.11`` base image. Then the image's command runs:
``scrapy list``, and ``scrapy crawl menafn`` against a site on loopback, whose feed must land in
the volume. Only ``pip``'s cache is the host's (the image runs with ``PIP_NO_CACHE_DIR``), so
the install takes about 30-60 s with a warm cache, a few minutes from nothing (timeout 900 s), and
as in Docker a ``RUN`` whose inputs did not change since the last build is taken from the cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from newscrawl.spiders.sites import SPIDERS
from tests.site_server import build_site, serve

REPO = Path(__file__).resolve().parents[1]
IMAGE_DIRS = ("/app", "/data")  # the only absolute paths the Dockerfile may use (WORKDIR and the volume)
NEVER_IN_CONTEXT = (".venv", "data", ".git", "build", "tests", "benchmarks", ".pytest_cache", ".hypothesis")
REQUIRED_IN_CONTEXT = ("pyproject.toml", "README.md", "requirements.lock", "scrapy.cfg", "newscrawl/__init__.py",
                       "newscrawl/settings.py", "newscrawl/demo_site/stories.json")


# --- .dockerignore ------------------------------------------------------------------------------
def _pattern_regex(pattern: str) -> re.Pattern:
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1:end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore_rules(text: str) -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = os.path.normpath(line[1:].strip() if negate else line).lstrip("/")
        rules.append((negate, _pattern_regex(pattern)))
    return rules


def ignored(path: str, rules: list[tuple[bool, re.Pattern]]) -> bool:
    """Docker's rule: the last pattern matching the path, or one of its parent directories, decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    result = False
    for negate, regex in rules:
        if any(regex.fullmatch(p) for p in prefixes):
            result = not negate
    return result


def build_context(root: Path) -> list[str]:
    rules = dockerignore_rules((root / ".dockerignore").read_text(encoding="utf-8"))
    prune = not any(negate for negate, _ in rules)  # without '!' an ignored directory is ignored whole
    files = []
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        if prune:
            dirs[:] = [d for d in dirs if not ignored(rel + d, rules)]
        files += [rel + n for n in names if not ignored(rel + n, rules)]
    return sorted(files)


def test_dockerignore_follows_dockers_matching():
    rules = dockerignore_rules("data\n**/__pycache__\n*.egg-info\nnotes/*.txt\n!notes/keep.txt\n")
    assert ignored("data/feeds/menafn/x.jsonl", rules) and not ignored("newscrawl/data.py", rules)
    assert ignored("__pycache__/a.pyc", rules) and ignored("newscrawl/spiders/__pycache__/a.pyc", rules)
    assert ignored("newscrawl.egg-info/PKG-INFO", rules) and not ignored("newscrawl/x.egg-info", rules)
    assert ignored("notes/a.txt", rules) and not ignored("notes/keep.txt", rules)


def test_the_build_context_holds_the_sources_and_nothing_of_the_host():
    context = build_context(REPO)
    for name in REQUIRED_IN_CONTEXT:
        assert name in context
    leaked = [f for f in context if f.split("/")[0] in NEVER_IN_CONTEXT or "__pycache__" in f.split("/")
              or f.endswith((".pyc", ".egg-info")) or ".egg-info/" in f]
    assert leaked == []


# --- Dockerfile ---------------------------------------------------------------------------------
def dockerfile_steps(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments), comments dropped and continuation lines joined."""
    steps, pending = [], ""
    for line in text.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        instruction, _, args = (pending + line).strip().partition(" ")
        steps.append((instruction.upper(), args.strip()))
        pending = ""
    return steps


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


class Replay:
    """The Dockerfile's steps, run in ``root`` with ``/app`` and ``/data`` mapped into it.

    As Docker's build cache does, a ``RUN`` whose instruction and everything before it (the
    instructions, and the content of every file copied) are unchanged is not run again: ``/app`` is
    restored as that ``RUN`` left it (``layers``: hard-linked snapshots, kept for the last few
    builds). The installed dependencies are rebuilt when ``requirements.lock`` or the steps before
    change, the project's own install every time its sources do. ``root`` must be the same
    directory from build to build: a virtualenv records its own path.
    """

    KEEP_LAYERS = 4

    def __init__(self, root: Path, context: list[str], layers: Path | None = None):
        self.root, self.context, self.layers = root, context, layers
        for name in ("app", "volume", "base-bin"):
            shutil.rmtree(root / name, ignore_errors=True)
        self.dirs = {"/app": root / "app", "/data": root / "volume"}
        self.key = hashlib.sha256(f"replay-1 {sys.version} {sys.platform}".encode()).hexdigest()
        self.cached_runs = 0
        bin_dir = root / "base-bin"
        bin_dir.mkdir(parents=True)
        base_python = Path(getattr(sys, "_base_executable", sys.executable))
        (bin_dir / "python").symlink_to(base_python)  # the base image's python
        self.env = {"PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(root)),
                    "LANG": "C.UTF-8"}
        self.workdir = root
        self.entrypoint: list[str] = []
        self.cmd: list[str] = []
        self.volumes: list[str] = []

    def map(self, text: str) -> str:
        for image_dir, here in self.dirs.items():
            text = re.sub(rf"(?<![\w/.]){re.escape(image_dir)}(?=/|:|$|\s)", str(here), text)
        return text

    def expand(self, value: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.env.get(m.group(1), ""), value)

    def _layer_key(self, instruction: str, args: str) -> str:
        digest = hashlib.sha256(f"{self.key}\0{instruction}\0{args}".encode())
        if instruction == "COPY":
            for name in self._copied(args):
                digest.update(name.encode() + b"\0" + (REPO / name).read_bytes())
        return digest.hexdigest()

    def _copied(self, args: str) -> list[str]:
        *sources, _ = shlex.split(args)
        return [f for source in sources for f in (self.context if source == "." else [c for c in self.context
                                                                                      if c == source])]

    def _restore(self) -> bool:
        """``/app`` as the cached ``RUN`` of this key left it, if there is one."""
        snapshot = self.layers / self.key if self.layers else None
        if snapshot is None or not (snapshot / "done").exists():
            return False
        shutil.rmtree(self.dirs["/app"], ignore_errors=True)
        subprocess.run(["cp", "-al", str(snapshot / "app"), str(self.dirs["/app"])], check=True)
        os.utime(snapshot)  # recently used
        self.cached_runs += 1
        return True

    def _snapshot(self) -> None:
        if self.layers is None:
            return
        snapshot = self.layers / self.key
        shutil.rmtree(snapshot, ignore_errors=True)
        snapshot.mkdir(parents=True)
        subprocess.run(["cp", "-al", str(self.dirs["/app"]), str(snapshot / "app")], check=True)
        (snapshot / "done").touch()
        for old in sorted(self.layers.iterdir(), key=lambda p: p.stat().st_mtime)[:-self.KEEP_LAYERS]:
            shutil.rmtree(old, ignore_errors=True)

    def step(self, instruction: str, args: str) -> None:
        self.key = self._layer_key(instruction, args)
        if instruction == "FROM":
            assert re.fullmatch(r"python:3\.11(-slim|-bookworm|-slim-bookworm)?", args), args
            assert sys.version_info[:2] == (3, 11), "the replay stands in Python 3.11 for the base image"
        elif instruction == "ENV":
            for pair in shlex.split(args):
                name, _, value = pair.partition("=")
                self.env[name] = self.map(self.expand(value))
        elif instruction == "WORKDIR":
            assert args in self.dirs, f"WORKDIR {args}: the replay maps only {IMAGE_DIRS}"
            self.workdir = self.dirs[args]
            self.workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, dest = shlex.split(args)
            assert not any(s.startswith("--") for s in sources), f"COPY options are not replayed: {args}"
            target = self.workdir / dest if not dest.startswith("/") else Path(self.map(dest))
            for source in sources:
                chosen = self.context if source == "." else [f for f in self.context if f == source]
                assert chosen, f"COPY {source}: not in the build context"
                for name in chosen:
                    (target / name).parent.mkdir(parents=True, exist_ok=True)
                    (target / name).unlink(missing_ok=True)  # replaced, never written through a cached layer's link
                    shutil.copy2(REPO / name, target / name)
        elif instruction == "RUN":
            if self._restore():
                return
            env = {k: v for k, v in self.env.items() if k != "PIP_NO_CACHE_DIR"}  # reuse the host's pip cache
            done = subprocess.run(["/bin/sh", "-c", self.map(args)], cwd=self.workdir, env=env,
                                  capture_output=True, text=True, timeout=800)
            assert done.returncode == 0, f"RUN {args}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            self._snapshot()
        elif instruction == "VOLUME":
            self.volumes += exec_form(args) if args.startswith("[") else args.split()
        elif instruction == "ENTRYPOINT":
            self.entrypoint = exec_form(args)
        elif instruction == "CMD":
            self.cmd = exec_form(args)
        else:
            pytest.fail(f"the replay does not know {instruction} (teach tests/test_dockerfile.py)")

    def run(self, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
        """``docker run IMAGE [args]``: the entrypoint with ``args`` (or the CMD), in the WORKDIR."""
        command = [*self.entrypoint, *(args or self.cmd)]
        executable = shutil.which(command[0], path=self.env["PATH"])
        assert executable, f"{command[0]} not on the image's PATH {self.env['PATH']}"
        return subprocess.run([executable, *command[1:]], cwd=self.workdir, env=self.env, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture
def build_root():
    """Where the replay builds: the same directory every time (its cached layers hold virtualenvs),
    in the user's cache, one build at a time."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newscrawl-tests" / "dockerfile"
    base.mkdir(parents=True, exist_ok=True)
    with open(base / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield base


@pytest.mark.timeout(900)
def test_the_dockerfile_installs_the_project_and_crawls_into_the_volume(build_root):
    steps = dockerfile_steps((REPO / "Dockerfile").read_text(encoding="utf-8"))
    assert [i for i, _ in steps].count("FROM") == 1
    replay = Replay(build_root / "root", build_context(REPO), layers=build_root / "layers")
    for instruction, args in steps:
        replay.step(instruction, args)
    assert replay.volumes == ["/data"] and replay.env["NEWSCRAWL_DATA_DIR"] == str(replay.dirs["/data"])
    assert (replay.entrypoint, replay.cmd) == (["scrapy"], ["crawl", "menafn"])

    # The image's newscrawl is the installed one, not a checkout's.
    where = subprocess.run(["python", "-c", "import newscrawl; print(newscrawl.__file__)"], cwd="/",
                           env=replay.env, capture_output=True, text=True)
    assert where.stdout.startswith(str(replay.dirs["/app"] / ".venv")), where.stdout + where.stderr

    listed = replay.run("list")
    assert listed.returncode == 0, listed.stderr[-2000:]
    assert listed.stdout.split() == sorted(SPIDERS)  # every site of the registry, from the installed package

    site = build_site(15, seed=9)
    with serve(site) as server:
        starts = ",".join([server.url(site.listing_path), server.url(site.rss_path)])
        crawled = replay.run(*replay.cmd, "-a", f"start_urls={starts}", "-s", "AUTOTHROTTLE_ENABLED=0",
                             "-s", "LOG_LEVEL=WARNING")
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    [feed] = (replay.dirs["/data"] / "feeds" / "menafn").glob("*.jsonl")
    ids = [json.loads(line)["story_id"] for line in feed.read_text(encoding="utf-8").splitlines()]
    assert sorted(ids) == sorted(s.story_id for s in site.expected)
    assert list((replay.dirs["/data"] / "state").iterdir())
    assert not (replay.dirs["/app"] / "data").exists()  # nothing written beside the code
