"""``newscrawl demo``: crawl the bundled sample site on loopback with the real spider, then summarise.

No network needed. The sample pages (``newscrawl/demo_site``) are served from a
thread on a free 127.0.0.1 port; ``scrapy crawl menafn`` runs in a subprocess
with the project's own settings (pipelines included) and its data directory
in a temporary folder, so the user's ``data/`` is never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from newscrawl.demo_site import ENTRY_PATHS, demo_site

PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # so the subprocess imports this very newscrawl

FAST_SETTINGS = ("AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.2",
                 "LOG_LEVEL=WARNING", "TELNETCONSOLE_ENABLED=0")


def read_jsonl(path: Path) -> list[dict]:
    records = []
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                records.append(json.loads(line))
    return records


def crawl_command(start_urls: list[str], out: Path) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "menafn", "-a", "start_urls=" + ",".join(start_urls), "-O", str(out)]
    for setting in FAST_SETTINGS:
        cmd += ["-s", setting]
    return cmd


def summarise(out: Path, data: Path) -> list[str]:
    """Lines describing what the crawl exported and what the cleaning chain dropped, with reasons."""
    items = read_jsonl(out)
    lines = [f"stories exported: {len(items)} -> {out}"]
    for item in items:
        words = len((item.get("body") or "").split())
        lines.append(f"  {item.get('story_id')}  {item.get('title')}  [{item.get('provider')}, {words} words, "
                     f"{item.get('extraction')}]")
    rejects = [r for f in sorted((data / "rejects").rglob("*.jsonl")) for r in read_jsonl(f)]
    if rejects:
        by_reason = Counter(r.get("reason") or "?" for r in rejects)
        lines.append("dropped by reason: " + ", ".join(f"{k}={v}" for k, v in sorted(by_reason.items())))
        for r in rejects:
            dup = f" (duplicate of {r['duplicate_of']})" if r.get("duplicate_of") else ""
            lines.append(f"  {r.get('story_id') or r.get('url')}: {r.get('reason')}{dup}")
    runs = sorted((data / "runs").rglob("*.json"))
    if runs:
        summary = json.loads(runs[-1].read_text(encoding="utf-8"))
        statuses = summary.get("pages_by_status") or {}
        lines.append("pages by status: " + (", ".join(f"{k}={v}" for k, v in sorted(statuses.items())) or "none"))
        if summary.get("failure"):
            lines.append(f"run health: {summary['failure']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newscrawl demo", description=__doc__)
    parser.add_argument("--keep", metavar="DIR", help="write the feed and data directory here instead of a temp dir")
    args = parser.parse_args(argv or [])
    with tempfile.TemporaryDirectory(prefix="newscrawl-demo-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        out, data = work / "demo.jsonl", work / "data"
        with demo_site() as site:
            start_urls = [site.url(p) for p in ENTRY_PATHS]
            print(f"demo: serving the sample site at {site.base_url}; crawling {', '.join(start_urls)}", flush=True)
            env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "SCRAPY_SETTINGS_MODULE": "newscrawl.settings",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
            proc = subprocess.run(crawl_command(start_urls, out), env=env, cwd=work)
        for line in summarise(out, data):
            print(line)
        if proc.returncode:
            print(f"demo: the crawl exited with status {proc.returncode}", file=sys.stderr)
        return proc.returncode


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
