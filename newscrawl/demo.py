"""newscrawl demo: crawl the bundled sample site on loopback with the real spider, then summarise.

No network needed. The sample pages are served on a free 127.0.0.1 port, and
`scrapy crawl menafn` runs in a subprocess with the project's own settings
(pipelines included). Its data directory is a temporary folder deleted on exit,
or --keep DIR, so the project's data/ is never touched.
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


def summarise(out: Path, data: Path, kept: bool = True) -> list[str]:
    """Lines describing what the crawl exported and what the cleaning chain dropped, with reasons.

    ``kept``: the feed outlives the demo, so its path is worth printing."""
    items = read_jsonl(out)
    where = f" -> {out}" if kept else " (deleted on exit with the demo's data directory; --keep DIR keeps them)"
    lines = [f"stories exported: {len(items)}{where}"]
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The demo's options, on its own parser and on ``newscrawl demo``'s."""
    parser.add_argument("--keep", metavar="DIR",
                        help="write the feed (DIR/demo.jsonl) and the data directory (DIR/data: feeds, rejects, run "
                             "summaries, state) here and keep them; without it they go to a temporary directory "
                             "deleted on exit. A DIR kept from an earlier demo holds its state: only new stories "
                             "are exported again")


def build_parser(prog: str = "newscrawl demo") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    return parser


def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="newscrawl-demo-") as tmp:
        kept = bool(args.keep)
        work = Path(args.keep).resolve() if kept else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        out, data = work / "demo.jsonl", work / "data"
        if kept and (data / "state").is_dir():
            print(f"demo: {data} holds an earlier demo's state: only stories it has not handled are exported "
                  "(use an empty DIR to start afresh)", flush=True)
        with demo_site() as site:
            start_urls = [site.url(p) for p in ENTRY_PATHS]
            print(f"demo: serving the sample site at {site.base_url}; crawling {', '.join(start_urls)}", flush=True)
            env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "SCRAPY_SETTINGS_MODULE": "newscrawl.settings",
                   "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE_ROOT), os.environ.get("PYTHONPATH")]))}
            # The crawl's own outcome line names its feed: worth it only when the feed is kept.
            log_level = [] if kept else ["-s", "LOG_LEVEL=ERROR"]
            proc = subprocess.run(crawl_command(start_urls, out) + log_level, env=env, cwd=work)
        for line in summarise(out, data, kept=kept):
            print(line)
        if proc.returncode:
            print(f"demo: the crawl exited with status {proc.returncode}", file=sys.stderr)
        return proc.returncode


def main(argv: list[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
