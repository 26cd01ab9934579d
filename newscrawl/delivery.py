"""Delivery: every story exactly once, whatever happens to the run that carries it.

A story goes through these states, in a crawl and in ``newscrawl clean`` alike::

    not handled --claim--> pending (run R) --in every feed, or a handled reject--> done
                               |                                                    |
                               +-- dropped to retry, feed failed, R killed ---------+-- retention over
                               v                                                    v
                          not handled (fetched again)                          not handled

- **claim** is atomic in the store: a story pending for one run, or done, is
  not claimed again (a repeat is dropped as ``duplicate``), so two runs sharing
  a store never both deliver it.
- **done** means durably written: the line is in every feed of the run (or
  the record in the rejects file, for the reasons that close a story).
- a run that dies leaves its claims pending; the next run **recovers** them
  from what the dead run recorded of itself (``RunRecord``): a story found in
  its feeds (or rejects) is done, any other is forgotten and taken out of the
  near-duplicate index, so it is fetched and delivered again.
- the store carries an identity; the data directory remembers the identity of
  each store it used (``IdentityRecord``), so a store that lost its data is
  noticed instead of every story being exported again.
- **delivered truncated, may be replaced once**: a story whose page was served
  cut off (twice) and exported with ``truncated: true`` marks not its key but
  its *truncated mark* (``truncated_key``: the key and ``#truncated``) done,
  and its key is let go: later runs fetch it again, and its complete copy is
  claimed and delivered like any story (with ``replaces``), exactly once; a
  second cut-off copy meets the mark and is not exported again. In the
  near-duplicate index the truncated copy is held under its mark, so a complete
  copy under another key takes its place instead of being its duplicate
  (``newscrawl.pipeline``). A complete story is done under its own key only,
  so every complete story is still delivered exactly once.

This module is the ledger's core, without Scrapy: ``newscrawl.ledger`` drives it
from a crawl's signals, ``newscrawl.clean_files`` from ``newscrawl clean``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter, is_item

from newscrawl.store import Stores, StoreIdentity, StoreLost

logger = logging.getLogger(__name__)

# Reject reasons after which a story is done: a copy stays a copy, a not-found page stays gone, a
# page too costly to read stays so (fetching it every run would stall every run on it again).
# Other drops (blocked, empty, error...) leave the story to be fetched again by a later run.
HANDLED_REASONS = ("near_duplicate", "error_shell", "gone", "too_costly")

TRUNCATED_MARK = "#truncated"  # never part of a story key: canonical URLs carry no fragment


def truncated_key(key: str) -> str:
    """The mark of a story delivered truncated (see the module doc): done in the store, its index key."""
    return key + TRUNCATED_MARK


def truncated_of(key: str | None) -> str | None:
    """The story key a truncated mark stands for, else None."""
    return key[:-len(TRUNCATED_MARK)] if key and key.endswith(TRUNCATED_MARK) else None


def delivered_key(record: Mapping[str, Any]) -> str | None:
    """What a feed line delivered: its story key, or the key's truncated mark for a ``truncated`` line."""
    key = story_key(record)
    return truncated_key(key) if key and record.get("truncated") is True else key


def story_key(record: Any) -> str | None:
    """What identifies a story everywhere: the site's story id (``story_id``, or ``id`` in a
    user's record), else its URL."""
    fields = ItemAdapter(record) if is_item(record) else record
    if not isinstance(fields, Mapping) and not isinstance(fields, ItemAdapter):
        return None
    for name in ("story_id", "id", "url"):
        value = fields.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def new_run_id(now: datetime | None = None) -> str:
    """A run's id: its start time (sortable, like Scrapy's ``%(time)s``) and a random suffix, so
    two runs started in the same second never share a feed, rejects or summary file."""
    now = (now or datetime.now(tz=timezone.utc)).replace(microsecond=0)
    return f"{now.strftime('%Y-%m-%dT%H-%M-%S')}-{secrets.token_hex(3)}"


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def run_alive(stores: Stores, run: str, record: "RunRecord | None", host: str) -> bool:
    """Whether ``run`` may still be delivering: its heartbeat is alive and, when it ran on this
    machine, its process too (a killed run's heartbeat outlives it by up to its time to live)."""
    if not run or not stores.alive(run):
        return False
    return record is None or record.host != host or process_alive(record.pid)


def utc_iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass
class RunRecord:
    """What a run says of itself in the store, so that another run can settle its claims."""

    run: str
    kind: str  # crawl | clean
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started: str = field(default_factory=utc_iso)
    feeds: list[str | None] = field(default_factory=list)  # local files; None for a remote feed
    rejects: str | None = None
    handled_reasons: list[str] | None = None  # None: every reject closes its story
    status: str = "running"  # running | finished | recovered

    @classmethod
    def from_dict(cls, run: str, info: Mapping[str, Any]) -> "RunRecord":
        known = {f for f in cls.__dataclass_fields__ if f != "run"}
        return cls(run=run, **{k: v for k, v in info.items() if k in known})

    def as_dict(self) -> dict[str, Any]:
        info = asdict(self)
        info.pop("run")
        return info

    def delivered(self) -> set[str]:
        """Keys this run durably delivered: in every one of its feeds, or closed by its rejects."""
        found: set[str] = set()
        if self.feeds and all(self.feeds):
            per_feed = [{delivered_key(r) for r in read_records(Path(p))} - {None} for p in self.feeds if p]
            found = set.intersection(*per_feed)
        if self.rejects:
            found |= {k for k, reason in read_keys(Path(self.rejects)).items()
                      if self.handled_reasons is None or reason in self.handled_reasons}
        return found


def read_records(path: Path) -> Iterable[dict[str, Any]]:
    """The JSON objects of ``path``, one a line; a torn last line (written in part when a run died)
    is not a record. Only a regular file is read (never a device or a pipe)."""
    try:
        if not path.is_file():
            return
        with path.open("rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    return
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(record, dict):
                    yield record
    except OSError as exc:
        logger.warning("cannot read %s: %s", path, exc)


def read_keys(path: Path) -> dict[str, str | None]:
    """Story keys delivered to ``path``, each with its ``reason`` if the line has one."""
    keys: dict[str, str | None] = {}
    for record in read_records(path):
        key = story_key(record)
        if key:
            keys[key] = record.get("reason")
    return keys


class IdentityRecord:
    """The identity of each store a data directory has used (``<state dir>/<spider>.identity.json``)."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def load(self) -> dict[str, dict[str, str]]:
        try:
            found = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreLost(f"cannot read {self.path} (which store this data directory used): {exc}") from None
        return found if isinstance(found, dict) else {}

    def check(self, identity: StoreIdentity, spider: str) -> None:
        """``StoreLost`` when this data directory used another store at the same place."""
        known = self.load().get(identity.location)
        if not known or known.get("id") == identity.id:
            return
        now = " (just created)" if identity.fresh else ""
        raise StoreLost(
            f"the state store at {identity.location} is not the one this data directory used: that was "
            f"store {known.get('id')} created {known.get('created')}; this is store {identity.id} created "
            f"{identity.created}{now}. It lost its data (a Redis restarted without persistence or flushed, "
            f"a deleted state file) or is another store; nothing was fetched. Rebuild it from this data "
            f"directory's feeds with `newscrawl state adopt --spider {spider}`, or start afresh (every story "
            f"exported again) with `newscrawl state reset --spider {spider} --yes`")

    def save(self, identity: StoreIdentity) -> None:
        known = self.load()
        known[identity.location] = {"id": identity.id, "created": identity.created}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(known, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


@dataclass
class Recovery:
    """What a run found of the runs before it."""

    done: int = 0  # pending stories found delivered
    refetch: int = 0  # pending stories not delivered: forgotten, so fetched again
    elsewhere: dict[str, tuple[str, int]] = field(default_factory=dict)  # run -> (host, pending) left alone

    def describe(self) -> str:
        text = (f"{self.done + self.refetch} stories pending from interrupted runs: {self.done} were delivered, "
                f"{self.refetch} will be fetched again")
        for run, (host, n) in self.elsewhere.items():
            text += f"; {n} pending from run {run} on {host}, left for that host to settle"
        return text


class Delivery:
    """One run's side of the ledger: its claims, what it delivered, what it lets go.

    ``start`` takes the store (the lock of an embedded one), checks it is the store this
    data directory used, settles the claims of dead runs and records this run. Every
    later call moves this run's stories from one state to the next.
    """

    def __init__(self, stores: Stores, run: str, *, kind: str, spider: str, identity_record: Path | None,
                 redeliver: bool = False, retention_days: float, heartbeat_ttl: float = 30.0):
        self.stores = stores
        self.run = run
        self.spider = spider
        self.record = RunRecord(run, kind)
        self.identity_record = IdentityRecord(identity_record) if identity_record else None
        self.redeliver = redeliver
        self.retention_days = retention_days
        self.heartbeat_ttl = heartbeat_ttl  # a run of a shared store silent this long is over
        self.claimed: set[str] = set()  # keys this run holds pending
        self.delivered = 0
        self.released = 0

    @property
    def seen(self):
        return self.stores.seen

    @property
    def index(self):
        return self.stores.index

    def start(self, *, feeds: list[str | None], rejects: str | None, handled_reasons: Iterable[str] | None,
              lock_wait: float = 0.0) -> Recovery:
        """Lock, check the identity, recover dead runs, then record this run."""
        self.stores.lock({"run": self.run, "pid": self.record.pid, "host": self.record.host}, lock_wait)
        identity = self.stores.identity
        if self.identity_record is not None:
            self.identity_record.check(identity, self.spider)
            self.identity_record.save(identity)
        recovery = recover(self.stores, self.record.host)
        self.record.feeds = list(feeds)
        self.record.rejects = rejects
        self.record.handled_reasons = list(handled_reasons) if handled_reasons is not None else None
        self.seen.record_run(self.run, self.record.as_dict())
        self.beat()
        return recovery

    def claim(self, keys: list[str]) -> list[bool]:
        claimed = self.seen.claim(keys, self.run, self.redeliver)
        self.claimed.update(k for k, ok in zip(keys, claimed) if ok)
        return claimed

    def done(self, keys: Iterable[str], truncated: Iterable[str] = ()) -> None:
        """The stories are delivered; those in ``truncated`` were delivered cut off: their mark is done and
        their key let go, to be claimed again by a complete copy (see the module doc)."""
        keys, truncated = list(keys), set(truncated)
        whole = [k for k in keys if k not in truncated]
        if whole:
            self.seen.mark_done(whole)
        cut = [k for k in keys if k in truncated]
        if cut:
            self.seen.mark_done([truncated_key(k) for k in cut])
            self.seen.forget(cut)
        for key in keys:
            if key in self.claimed:
                self.claimed.discard(key)
                self.delivered += 1

    def release(self, keys: Iterable[str]) -> None:
        """Let stories go: not handled any more, and out of the index if this run put them there."""
        keys = [k for k in keys if k in self.claimed]
        if keys:
            forget(self.stores, keys)
            self.claimed.difference_update(keys)
            self.released += len(keys)

    def beat(self) -> None:
        """Say this run is alive (shared stores), and check the store still has its data."""
        self.stores.check_identity()
        self.stores.beat(self.run, self.heartbeat_ttl)

    def finish(self, status: str = "finished") -> dict[str, int]:
        """Expire what is past retention and close the run's record. What the run still claims stays
        pending (delivered but not marked, when the store failed): the next run settles it."""
        expired = expire(self.stores, self.retention_days)
        self.record.status = status
        self.seen.record_run(self.run, self.record.as_dict())
        self.stores.end(self.run)
        return expired


def forget(stores: Stores, keys: list[str]) -> None:
    """Not handled, and not in the near-duplicate index: a later run delivers them afresh. A truncated copy
    indexed under its mark goes too, unless the mark is done (delivered by an earlier run)."""
    stores.seen.forget(keys)
    marks = [truncated_key(k) for k in keys]
    stores.index.remove_many(keys + [m for m in marks if m in stores.index and not stores.seen.is_handled(m)])


def recover(stores: Stores, host: str) -> Recovery:
    """Settle the claims of runs that are over: delivered ones are done, the rest forgotten.

    A run on another host (a shared store) is left for that host, which can read its feeds;
    a run still alive (a shared store's other worker) is left alone.
    """
    report = Recovery()
    records = stores.seen.runs()
    for run, keys in stores.seen.pending().items():
        record = RunRecord.from_dict(run, records[run]) if run in records else None
        if run_alive(stores, run, record, host):
            continue
        if record is not None and record.host != host:
            report.elsewhere[run] = (record.host, len(keys))
            continue
        delivered = record.delivered() if record is not None else set()
        done = [k for k in keys if k in delivered]
        cut = [truncated_key(k) for k in keys if k not in delivered and truncated_key(k) in delivered]
        lost = [k for k in keys if k not in delivered]  # a story delivered truncated is fetched again too
        if done or cut:
            stores.seen.mark_done(done + cut)
        if lost:
            forget(stores, lost)
        report.done += len(done) + len(cut)
        report.refetch += len(lost) - len(cut)
        if record is not None:
            record.status = "recovered"
            stores.seen.record_run(run, record.as_dict())
    return report


def expire(stores: Stores, retention_days: float, dry_run: bool = False) -> dict[str, int]:
    """Forget what was handled more than ``retention_days`` ago: index entries, handled stories, run
    records. Both expire by the time a story was handled, so a syndicated copy published months
    after its original is still caught within the retention."""
    before = utc_iso(datetime.now(timezone.utc) - timedelta(days=retention_days))
    counts = {"index_expired": stores.index.expire(before, dry_run=dry_run),
              "handled_expired": stores.seen.prune(before, dry_run=dry_run)}
    if not dry_run:
        pending = {run for run in stores.seen.pending()}
        old = [run for run, info in stores.seen.runs().items()
               if run not in pending and str(info.get("started", "")) < before]
        stores.seen.forget_runs(old)
    return counts


def rebuild(stores: Stores, feeds: Iterable[Path], rejects: Iterable[Path], batch: int = 500) -> dict[str, int]:
    """Fill a store that lost its data from what a data directory delivered: every story in its feeds
    is done and back in the near-duplicate index, every story its rejects closed is done.

    Feeds are read in order (oldest first, by name), so the first copy of a story keeps its place
    in the index, as it did when it was crawled; a truncated copy is held under its mark until a
    complete one ``replaces`` it, as in the crawl.
    """
    from newscrawl.cleaning.neardup import fingerprint

    counts = {"feeds": 0, "stories": 0, "indexed": 0, "closed_by_rejects": 0}
    keys: list[str] = []
    entries: list[tuple[str, Any]] = []

    def flush() -> None:
        if keys:
            stores.seen.mark_done(keys)
        if entries:
            counts["indexed"] += sum(m is None for m in stores.index.check_and_insert_many(entries))
        keys.clear()
        entries.clear()

    for path in sorted(feeds, key=lambda p: p.name):
        counts["feeds"] += 1
        for record in read_records(path):
            key = delivered_key(record)
            if not key:
                continue
            if isinstance(record.get("replaces"), str):  # a complete copy took the truncated one's place
                flush()
                stores.index.remove(truncated_key(record["replaces"]))
            keys.append(key)
            body = record.get("body")
            if isinstance(body, str) and body.strip():
                entries.append((key, fingerprint(body, stores.index.scheme)))
            counts["stories"] += 1
            if len(keys) >= batch:
                flush()
    for path in sorted(rejects, key=lambda p: p.name):
        closed = [k for k, reason in read_keys(path).items() if reason in HANDLED_REASONS]
        keys.extend(closed)
        counts["closed_by_rejects"] += len(closed)
        flush()
    flush()
    return counts

