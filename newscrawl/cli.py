"""The ``newscrawl`` command: ``clean`` files, inspect ``state``, run the ``demo``.

Crawling itself is ``scrapy crawl <spider>``; this command covers what happens
around it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from newscrawl.paths import data_dir


def _non_negative(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes (0 or more), got {value!r}")
    return n


def _cmd_clean(args: argparse.Namespace) -> int:
    from newscrawl.clean_files import run_clean

    extra_rules = json.loads(Path(args.rules).read_text(encoding="utf-8")) if args.rules else None
    report = run_clean(args.inputs, Path(args.output), Path(args.rejects),
                       state_dir=Path(args.state) if args.state else None, extra_rules=extra_rules,
                       jobs=args.jobs)
    rejected = ", ".join(f"{k}={v}" for k, v in sorted(report.rejected.items())) or "none"
    print(f"clean: {report.read} records read, {report.kept} kept -> {args.output}, "
          f"rejected {rejected} -> {args.rejects}", file=sys.stderr)
    if report.skipped:
        print(f"clean: {report.skipped} inputs skipped (see messages above)", file=sys.stderr)
    return report.exit_status


def _open_state(args: argparse.Namespace):
    from newscrawl.cleaning.neardup import DEFAULT_SCHEME
    from newscrawl.store import open_stores

    redis_url = args.redis_url or os.environ.get("NEWSCRAWL_REDIS_URL")
    state_dir = Path(args.state_dir) if args.state_dir else data_dir() / "state"
    # reset must work when the stored index was built with another scheme: that is its use.
    return open_stores(args.spider, state_dir=state_dir, redis_url=redis_url, scheme=DEFAULT_SCHEME,
                       rebuild_index=args.action == "reset" and args.yes)


def _cmd_state(args: argparse.Namespace) -> int:
    stores = _open_state(args)
    try:
        if args.action == "prune":
            before = args.before or (datetime.now(timezone.utc) - timedelta(days=args.window_days)).strftime("%Y-%m-%dT%H:%M:%S")
            removed_index = stores.index.expire(before)
            removed_seen = stores.seen.prune(before)
            print(f"pruned entries published before {before}: index {removed_index}, seen {removed_seen}")
        elif args.action == "reset":
            if not args.yes:
                print("state reset forgets every story and the near-duplicate index; add --yes to confirm", file=sys.stderr)
                return 2
            stores.reset()
            print(f"state of {args.spider!r} reset")
        print(json.dumps(stores.describe(), indent=2, default=str))
    finally:
        stores.close()
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from newscrawl.demo import main as demo_main

    return demo_main(args.rest)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean JSONL records or raw page captures with the crawl's cleaning chain")
    clean.add_argument("inputs", nargs="+", metavar="INPUT", help="JSONL files, text captures or directories of them")
    clean.add_argument("--output", "-o", required=True, help="kept records (JSONL)")
    clean.add_argument("--rejects", "-r", required=True, help="rejected records with their reason (JSONL)")
    clean.add_argument("--state", metavar="DIR", help="near-duplicate index to dedup against and extend")
    clean.add_argument("--rules", metavar="FILE", help="JSON file of extra cleaning rules")
    clean.add_argument("--jobs", "-j", type=_non_negative, metavar="N",
                       help="worker processes for the cleaning steps (default: one per core; 0: none)")
    clean.set_defaults(func=_cmd_clean)

    state = sub.add_parser("state", help="show, prune or reset what outlives a crawl")
    state.add_argument("action", nargs="?", choices=["show", "prune", "reset"], default="show")
    state.add_argument("--spider", default="menafn")
    state.add_argument("--state-dir", help="embedded store directory (default: <data>/state)")
    state.add_argument("--redis-url", help="shared store (default: $NEWSCRAWL_REDIS_URL)")
    state.add_argument("--before", help="prune: entries published before this ISO date")
    state.add_argument("--window-days", type=int, default=30, help="prune: keep this many days (default 30)")
    state.add_argument("--yes", action="store_true", help="reset: confirm")
    state.set_defaults(func=_cmd_state)

    demo = sub.add_parser("demo", help="crawl the bundled sample site on loopback and summarise")
    demo.add_argument("rest", nargs=argparse.REMAINDER)
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (OSError, ValueError) as exc:
        print(f"newscrawl {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
