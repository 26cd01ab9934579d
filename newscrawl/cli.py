"""The ``newscrawl`` command: ``clean`` files, inspect and maintain ``state``, run the ``demo``.

Crawling itself is ``scrapy crawl <spider>``; this command covers what happens
around it. It reads the project's settings (``scrapy.cfg`` / ``newscrawl.settings``,
``NEWSCRAWL_*`` from the environment) as the crawl does, so ``newscrawl state``
looks at the store the crawl uses, with the crawl's retention.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path


def _non_negative(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes (0 or more), got {value!r}")
    return n


def _host_list(value: str) -> list[str]:
    hosts = [h.strip().lower() for h in value.split(",") if h.strip()]
    if not hosts or any("/" in h or " " in h for h in hosts):
        raise argparse.ArgumentTypeError(f"expected host names separated by commas (menafn.com,prnewswire.com), "
                                         f"got {value!r}")
    return hosts


def project_settings():
    """The crawl's settings: the project's, with newscrawl's add-on applied (as a crawl applies it)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")
    from scrapy.addons import AddonManager
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    AddonManager(_NoCrawler(settings)).load_settings(settings)
    return settings


class _NoCrawler:
    """What Scrapy's add-on manager needs of a crawler, outside a crawl."""

    def __init__(self, settings):
        self.settings = settings


def _cmd_clean(args: argparse.Namespace) -> int:
    from newscrawl.clean_files import run_clean

    settings = project_settings()
    extra_rules = json.loads(Path(args.rules).read_text(encoding="utf-8")) if args.rules else None
    report = run_clean(args.inputs, Path(args.output), Path(args.rejects),
                       state_dir=Path(args.state) if args.state else None, extra_rules=extra_rules,
                       jobs=args.jobs, spider=args.spider, hosts=args.hosts,
                       retention_days=settings.getfloat("NEWSCRAWL_STATE_RETENTION_DAYS"))
    rejected = ", ".join(f"{k}={v}" for k, v in sorted(report.rejected.items())) or "none"
    print(f"clean: {report.read} records read, {report.kept} kept -> {args.output}, "
          f"rejected {rejected} -> {args.rejects}", file=sys.stderr)
    if report.skipped:
        print(f"clean: {report.skipped} inputs skipped (see messages above)", file=sys.stderr)
    return report.exit_status


def _open_state(args: argparse.Namespace, settings, rebuild_index: bool = False):
    from newscrawl.ledger import open_stores_from_settings

    if args.state_dir:
        settings.set("NEWSCRAWL_STATE_DIR", args.state_dir, priority="cmdline")
    if args.redis_url:
        settings.set("NEWSCRAWL_REDIS_URL", args.redis_url, priority="cmdline")
    return open_stores_from_settings(settings, args.spider, rebuild_index=rebuild_index)


def _lock(stores, action: str) -> None:
    """A command that writes the store takes it as a run does: never beside a running crawl."""
    stores.lock({"run": f"newscrawl state {action}", "pid": os.getpid()})


def _cmd_state(args: argparse.Namespace) -> int:
    from newscrawl.delivery import expire
    from newscrawl.ledger import identity_record_path

    settings = project_settings()
    # reset must work when the stored index was built with another scheme: that is its use.
    stores = _open_state(args, settings, rebuild_index=args.action == "reset" and args.yes)
    try:
        if args.action == "prune":
            return _prune(args, settings, stores, expire)
        if args.action == "reset":
            if not args.yes:
                print("state reset forgets every story and the near-duplicate index (the next run exports "
                      "everything again); add --yes to confirm", file=sys.stderr)
                return 2
            _lock(stores, "reset")
            stores.reset()
            _remember(settings, args.spider, stores, identity_record_path)
            print(f"state of {args.spider!r} reset")
        elif args.action == "adopt":
            _lock(stores, "adopt")
            counts = _adopt(settings, args.spider, stores)
            _remember(settings, args.spider, stores, identity_record_path)
            print(f"adopted {stores.identity.location} ({stores.identity.describe()}) for {args.spider!r}: "
                  f"{counts['stories']} stories from {counts['feeds']} feeds marked delivered "
                  f"({counts['indexed']} in the near-duplicate index), {counts['closed_by_rejects']} closed by "
                  "rejects")
        described = stores.describe()
        described["retention_days"] = settings.getfloat("NEWSCRAWL_STATE_RETENTION_DAYS")
        described["pending_by_run"] = {run or "(before run ids)": len(keys)
                                       for run, keys in stores.seen.pending().items()}
        print(json.dumps(described, indent=2, default=str))
    finally:
        stores.close()
    return 0


def _prune(args, settings, stores, expire) -> int:
    days = settings.getfloat("NEWSCRAWL_STATE_RETENTION_DAYS") if args.days is None else args.days
    if days <= 0:
        print("newscrawl state prune: the retention must be a positive number of days", file=sys.stderr)
        return 2
    before = (datetime.now(timezone.utc) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")
    if not args.yes:
        counts = expire(stores, days, dry_run=True)
        print(f"would forget what was handled before {before} ({days:g} days, NEWSCRAWL_STATE_RETENTION_DAYS): "
              f"{counts['index_expired']} near-duplicate index entries, {counts['handled_expired']} handled "
              "stories; add --yes to do it")
        return 0
    _lock(stores, "prune")
    counts = expire(stores, days)
    print(f"forgot what was handled before {before} ({days:g} days): {counts['index_expired']} index entries, "
          f"{counts['handled_expired']} handled stories")
    return 0


def _remember(settings, spider: str, stores, identity_record_path) -> None:
    from newscrawl.delivery import IdentityRecord

    IdentityRecord(identity_record_path(settings, spider)).save(stores.identity)


def _adopt(settings, spider: str, stores) -> dict[str, int]:
    """Rebuild the handled stories and the index from this data directory's feeds and rejects."""
    from newscrawl.delivery import rebuild
    from newscrawl.paths import data_dir

    runs_dir = Path(settings.get("NEWSCRAWL_RUNS_DIR")) / spider
    feeds: set[Path] = set()
    rejects: set[Path] = set()
    for summary in sorted(runs_dir.glob("*.json")) if runs_dir.is_dir() else ():
        try:
            info = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        feeds.update(Path(f) for f in info.get("feeds") or () if isinstance(f, str) and "://" not in f)
        if isinstance(info.get("rejects"), str):
            rejects.add(Path(info["rejects"]))
    for kind, found in (("feeds", feeds), ("rejects", rejects)):  # runs older than their summaries' lists
        folder = data_dir() / kind / spider
        if folder.is_dir():
            found.update(folder / name for name in os.listdir(folder) if name.endswith(".jsonl"))
    return rebuild(stores, [p for p in feeds if p.is_file()], [p for p in rejects if p.is_file()])


def _cmd_demo(args: argparse.Namespace) -> int:
    from newscrawl.demo import run

    return run(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    clean = sub.add_parser("clean", help="clean JSONL records, page captures or web archives with the crawl's "
                                         "cleaning chain")
    clean.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="JSONL files (.jsonl, also .jsonl.gz / .jsonl.zst), text or HTML captures, WARC archives "
                            "(.warc, .warc.gz: their HTML pages with status 200), or directories of them")
    clean.add_argument("--output", "-o", required=True, help="kept records (JSONL; replaced at the end of the run)")
    clean.add_argument("--rejects", "-r", required=True,
                       help="rejected records with their reason (JSONL; replaced at the end of the run)")
    clean.add_argument("--state", metavar="DIR|FILE",
                       help="store to dedup against and extend: a state directory (with --spider) or a .sqlite3 file")
    clean.add_argument("--spider", metavar="NAME",
                       help="with --state DIR: whose store (a crawl's, e.g. menafn; default: clean)")
    clean.add_argument("--rules", metavar="FILE", help="JSON file of extra cleaning rules")
    clean.add_argument("--hosts", type=_host_list, metavar="HOST,...",
                       help="archives: only pages of these hosts and their subdomains (menafn.com,prnewswire.com)")
    clean.add_argument("--jobs", "-j", type=_non_negative, metavar="N",
                       help="worker processes for the cleaning steps (default: one per core, none for inputs "
                            "under 8 MB; 0: none)")
    clean.set_defaults(func=_cmd_clean)

    state = sub.add_parser("state", help="show, prune, reset or adopt what outlives a crawl")
    state.add_argument("action", nargs="?", choices=["show", "prune", "reset", "adopt"], default="show",
                       help="show (default); prune: forget what is past retention; reset: forget everything; "
                            "adopt: take a store that lost its data, rebuilt from this data directory's feeds")
    state.add_argument("--spider", default="menafn")
    state.add_argument("--state-dir", help="embedded store directory (default: NEWSCRAWL_STATE_DIR, <data>/state)")
    state.add_argument("--redis-url", help="shared store (default: NEWSCRAWL_REDIS_URL)")
    state.add_argument("--days", type=float,
                       help="prune: retention in days (default: NEWSCRAWL_STATE_RETENTION_DAYS, as the crawl)")
    state.add_argument("--yes", action="store_true", help="prune, reset: do it (without: say what would happen)")
    state.set_defaults(func=_cmd_state)

    from newscrawl import demo as demo_module

    demo = sub.add_parser("demo", help="crawl the bundled sample site on loopback and summarise",
                          description=demo_module.__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo_module.add_arguments(demo)
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        status = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        return status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except (OSError, ValueError) as exc:
        print(f"newscrawl {args.command}: {exc}", file=sys.stderr)
        return 2


def _reader_gone() -> int:
    """The reader of our output left (``newscrawl state | head``): nothing is wrong, end quietly.

    What is still buffered for stdout can no longer be written: it goes to /dev/null, so that the
    interpreter's own flush at exit does not complain either (Python's documented recipe)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
