"""The shared state store: Redis, for several crawl processes deduplicating against one index.

Keys live under ``newscrawl:<spider>:``: ``params`` (the recorded scheme and
the store's identity), ``stories`` (story key -> time indexed, shingle count,
signature), ``bands`` (LSH bucket -> story keys), ``times`` (story keys by
time, for expiry), ``pending`` (story key -> the run delivering it), ``done``
(story key -> when handled), ``runs`` (run id -> its record) and
``alive:<run>`` (a run's heartbeat).

Check-and-insert is atomic without a lock: Python reads the candidates and
verifies them, then one Lua script inserts the story only if no bucket has
gained a story Python did not verify; otherwise it verifies the newcomers and
tries again. Two workers racing with copies of one story therefore keep one.
Claims are one script too, so two workers never both deliver a story.

Every script that writes first checks that ``params`` still holds this
store's id: after a ``FLUSHALL`` or a restart without persistence the id is
gone, the write is refused (``StoreLost``) and the run stops, instead of
filling an empty store as if nothing had happened. The URL's password never
appears in errors, logs or ``describe()``.
"""

from __future__ import annotations

import json
import struct
import uuid
from datetime import datetime, timezone
from typing import Any, Iterable, Sequence

from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SchemeMismatch, SeenStore, SketchScheme,
                                  StoreError, StoreIdentity, StoreLost, best_match, check_params, cutoff,
                                  utc_now_iso)
from newscrawl.redact import mask_url

SCHEMA_VERSION = 1
DEFAULT_TIMEOUT = 30.0
_MAX_RETRIES = 20
_BATCH = 500
_TIME_LEN = len("2000-01-01T00:00:00")
_LOST = "NEWSCRAWL_STORE_LOST"

# Every writing script starts here: KEYS[1] is params, ARGV[1] this store's id.
_SAME_STORE = f"""
if redis.call('HGET', KEYS[1], 'store_id') ~= ARGV[1] then return redis.error_reply('{_LOST}') end
"""

# KEYS: params, stories, bands, times. ARGV: store id, key, entry, score, n_bands, bands..., verified keys...
# Returns 1 inserted, 0 key already indexed, -1 a bucket holds a story not yet verified.
_INSERT_LUA = _SAME_STORE + """
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 0 end
local n = tonumber(ARGV[5])
local verified = {}
for i = 6 + n, #ARGV do verified[ARGV[i]] = true end
local buckets = {}
for i = 1, n do
  local members = redis.call('HGET', KEYS[3], ARGV[5 + i])
  if members then
    for member in string.gmatch(members, '[^\\n]+') do
      if not verified[member] then return -1 end
    end
  end
  buckets[i] = members
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[4], ARGV[4], ARGV[2])
for i = 1, n do
  if buckets[i] then
    redis.call('HSET', KEYS[3], ARGV[5 + i], buckets[i] .. '\\n' .. ARGV[2])
  else
    redis.call('HSET', KEYS[3], ARGV[5 + i], ARGV[2])
  end
end
return 1
"""

# KEYS: params, stories, bands, times. ARGV: store id, key, bands... Removes one story from everything.
_REMOVE_LUA = _SAME_STORE + """
if redis.call('HDEL', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('ZREM', KEYS[4], ARGV[2])
for i = 3, #ARGV do
  local members = redis.call('HGET', KEYS[3], ARGV[i])
  if members then
    local kept = {}
    for member in string.gmatch(members, '[^\\n]+') do
      if member ~= ARGV[2] then table.insert(kept, member) end
    end
    if #kept == 0 then redis.call('HDEL', KEYS[3], ARGV[i])
    else redis.call('HSET', KEYS[3], ARGV[i], table.concat(kept, '\\n')) end
  end
end
return 1
"""

# KEYS: params, pending, done. ARGV: store id, run, flags ('d': a done key is claimed again, a refresh;
# 'r': a key pending for this very run is claimed again, a run resumed), keys...
# One 1/0 per key: claimed for the run, or already pending / done.
_CLAIM_LUA = _SAME_STORE + """
local out = {}
for i = 4, #ARGV do
  local key, ok = ARGV[i], 0
  local holder = redis.call('HGET', KEYS[2], key)
  if not holder then
    if redis.call('HEXISTS', KEYS[3], key) == 0 then ok = 1
    elseif string.find(ARGV[3], 'd', 1, true) then redis.call('HDEL', KEYS[3], key); ok = 1 end
  elseif holder == ARGV[2] and string.find(ARGV[3], 'r', 1, true) then ok = 1
  end
  if ok == 1 then redis.call('HSET', KEYS[2], key, ARGV[2]) end
  out[#out + 1] = ok
end
return out
"""

# KEYS: params, pending, done. ARGV: store id, time, keys... Done (and no longer pending).
_DONE_LUA = _SAME_STORE + """
for i = 3, #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[2])
end
return #ARGV - 2
"""

# KEYS: params, a hash, another hash... ARGV: store id, fields... Deletes the fields from every hash.
_HDEL_LUA = _SAME_STORE + """
for k = 2, #KEYS do
  for i = 2, #ARGV do redis.call('HDEL', KEYS[k], ARGV[i]) end
end
return #ARGV - 1
"""

# KEYS: params, runs. ARGV: store id, run, record.
_RECORD_RUN_LUA = _SAME_STORE + """
return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
"""


def _score(at: str) -> float:
    return datetime.fromisoformat(at).replace(tzinfo=timezone.utc).timestamp()


def _check_key(key: str) -> str:
    if not key or "\n" in key:
        raise ValueError(f"story key must be non-empty and on one line: {key!r}")
    return key


class _Namespace:
    def __init__(self, client: Any, spider: str, where: str):
        self.client = client
        self.where = where
        self.prefix = prefix = f"newscrawl:{spider}:"
        self.params, self.stories, self.bands, self.times = (prefix + n for n in ("params", "stories", "bands", "times"))
        self.pending, self.done, self.runs = prefix + "pending", prefix + "done", prefix + "runs"
        self.store_id = ""  # set once the params are checked

    def call(self, fn, *args, **kw):
        """Run a client call, turning connection problems into a StoreError without the password."""
        import redis as redis_lib

        try:
            return fn(*args, **kw)
        except redis_lib.exceptions.ResponseError as exc:
            if _LOST in str(exc):
                raise self.lost() from None
            raise StoreError(f"redis at {self.where}: {exc}") from None
        except redis_lib.exceptions.RedisError as exc:
            raise StoreError(f"cannot use redis at {self.where}: {type(exc).__name__}: {mask_url(str(exc))}") from None

    def lost(self) -> StoreLost:
        return StoreLost(f"the redis state at {self.where} ({self.prefix}*) lost its data during the run "
                         f"(its identity {self.store_id} is gone: a FLUSHALL, or a restart without persistence)")

    def script(self, script, keys: list[str], args: list[Any]):
        """Run a registered writing script (``_SAME_STORE`` first) with this store's id."""
        return self.call(script, keys=[self.params, *keys], args=[self.store_id, *args])

    def alive_key(self, run: str) -> str:
        return f"{self.prefix}alive:{run}"


class RedisIndex(NearDupIndex):
    def __init__(self, ns: _Namespace, scheme: SketchScheme):
        self.ns = ns
        self.scheme = scheme
        self._insert = ns.client.register_script(_INSERT_LUA)
        self._remove = ns.client.register_script(_REMOVE_LUA)

    @staticmethod
    def _band_fields(bands: list[int]) -> list[bytes]:
        return [struct.pack("<Q", band) for band in bands]

    def _verify(self, fp: Fingerprint, keys: set[str]) -> list[Match]:
        if not keys:
            return []
        ordered = sorted(keys)
        entries = self.ns.call(self.ns.client.hmget, self.ns.stories, ordered)
        matches = []
        for key, entry in zip(ordered, entries):
            if entry is None:  # removed meanwhile
                continue
            shingles = struct.unpack_from("<I", entry, _TIME_LEN)[0]
            verdict = self.scheme.judge(fp, Fingerprint.from_bytes(entry[_TIME_LEN + 4:], shingles))
            if verdict is not None:
                matches.append(Match(key, *verdict))
        return matches

    def _candidates(self, fields: list[bytes]) -> set[str]:
        found: set[str] = set()
        for members in self.ns.call(self.ns.client.hmget, self.ns.bands, fields):
            if members:
                found.update(members.decode("utf-8").split("\n"))
        return found

    def check_and_insert(self, key: str, fp: Fingerprint) -> Match | None:
        _check_key(key)
        fields = self._band_fields(self._bands_of(fp))
        at = utc_now_iso()
        entry = at.encode("ascii") + struct.pack("<I", fp.shingles) + fp.to_bytes()
        verified: set[str] = set()
        for _ in range(_MAX_RETRIES):
            if self.ns.call(self.ns.client.hexists, self.ns.stories, key):
                return None
            fresh = self._candidates(fields) - verified - {key}
            match = best_match(self._verify(fp, fresh))
            if match is not None:
                return match
            verified |= fresh
            done = self.ns.script(self._insert, [self.ns.stories, self.ns.bands, self.ns.times],
                                  [key, entry, _score(at), len(fields), *fields, *sorted(verified)])
            if done >= 0:
                return None
        raise StoreError(f"redis at {self.ns.where}: index kept changing under story {key!r}; "
                         f"gave up after {_MAX_RETRIES} attempts")

    def query(self, fp: Fingerprint) -> list[Match]:
        fields = self._band_fields(self._bands_of(fp))
        matches = self._verify(fp, self._candidates(fields))
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))

    def remove_many(self, keys: Iterable[str]) -> int:
        keys = list(keys)
        entries = self.ns.call(self.ns.client.hmget, self.ns.stories, keys) if keys else []
        removed = 0
        for key, entry in zip(keys, entries):
            if entry is None:
                self.ns.call(self.ns.client.zrem, self.ns.times, key)
                continue
            signature = Fingerprint.from_bytes(entry[_TIME_LEN + 4:], 0).signature
            fields = self._band_fields(self.scheme.band_keys(signature))
            removed += self.ns.script(self._remove, [self.ns.stories, self.ns.bands, self.ns.times], [key, *fields])
        return removed

    def remove(self, key: str) -> bool:
        return self.remove_many([key]) == 1

    def expire(self, before_iso: str, dry_run: bool = False) -> int:
        limit = _score(cutoff(before_iso))
        if dry_run:
            return int(self.ns.call(self.ns.client.zcount, self.ns.times, "-inf", f"({limit}"))
        removed = 0
        while True:
            keys = [k.decode("utf-8") for k in self.ns.call(
                self.ns.client.zrangebyscore, self.ns.times, "-inf", f"({limit}", start=0, num=_BATCH)]
            if not keys:
                return removed
            removed += self.remove_many(keys)

    def reset(self) -> None:
        self.ns.call(self.ns.client.delete, self.ns.stories, self.ns.bands, self.ns.times)

    def __len__(self) -> int:
        return int(self.ns.call(self.ns.client.hlen, self.ns.stories))

    def __contains__(self, key: object) -> bool:
        return bool(self.ns.call(self.ns.client.hexists, self.ns.stories, key))

    def __repr__(self) -> str:
        return f"RedisIndex({self.ns.where} {self.ns.stories})"


class RedisSeenStore(SeenStore):
    def __init__(self, ns: _Namespace):
        self.ns = ns
        self._claim = ns.client.register_script(_CLAIM_LUA)
        self._done = ns.client.register_script(_DONE_LUA)
        self._hdel = ns.client.register_script(_HDEL_LUA)
        self._record_run = ns.client.register_script(_RECORD_RUN_LUA)

    def is_handled(self, key: str) -> bool:
        pipe = self.ns.client.pipeline(transaction=False)
        pipe.hexists(self.ns.done, key).hexists(self.ns.pending, key)
        return any(self.ns.call(pipe.execute))

    def claim(self, keys: Sequence[str], run: str, redeliver: bool = False, resume: bool = False) -> list[bool]:
        keys = [_check_key(k) for k in keys]
        if not keys:
            return []
        flags = ("d" if redeliver else "") + ("r" if resume else "") or "-"
        found = self.ns.script(self._claim, [self.ns.pending, self.ns.done], [run, flags, *keys])
        return [bool(x) for x in found]

    def mark_done(self, keys: Iterable[str]) -> None:
        keys = [_check_key(k) for k in keys]
        if keys:
            self.ns.script(self._done, [self.ns.pending, self.ns.done], [utc_now_iso(), *keys])

    def pending(self) -> dict[str, list[str]]:
        by_run: dict[str, list[str]] = {}
        for key, run in sorted(self.ns.call(self.ns.client.hgetall, self.ns.pending).items()):
            by_run.setdefault(run.decode("utf-8"), []).append(key.decode("utf-8"))
        return by_run

    def forget(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        for start in range(0, len(keys), _BATCH):
            self.ns.script(self._hdel, [self.ns.pending, self.ns.done], keys[start:start + _BATCH])

    def counts(self) -> dict[str, int]:
        pipe = self.ns.client.pipeline(transaction=False)
        pending, done = self.ns.call(pipe.hlen(self.ns.pending).hlen(self.ns.done).execute)
        return {"pending": int(pending), "done": int(done)}

    def prune(self, before_iso: str, dry_run: bool = False) -> int:
        limit = cutoff(before_iso).encode("ascii")
        entries = self.ns.call(lambda: list(self.ns.client.hscan_iter(self.ns.done, count=1000)))
        old = [k.decode("utf-8") for k, at in entries if at < limit]
        if not dry_run:
            for start in range(0, len(old), _BATCH):
                self.ns.script(self._hdel, [self.ns.done], old[start:start + _BATCH])
        return len(old)

    def reset(self) -> None:
        self.ns.call(self.ns.client.delete, self.ns.pending, self.ns.done, self.ns.runs)

    def record_run(self, run: str, info: dict[str, Any]) -> None:
        self.ns.script(self._record_run, [self.ns.runs], [run, json.dumps(info, sort_keys=True)])

    def runs(self) -> dict[str, dict[str, Any]]:
        found = self.ns.call(self.ns.client.hgetall, self.ns.runs)
        return {run.decode("utf-8"): json.loads(info) for run, info in sorted(found.items())}

    def forget_runs(self, runs: Iterable[str]) -> None:
        runs = list(runs)
        if runs:
            self.ns.script(self._hdel, [self.ns.runs], runs)


def _check_params(ns: _Namespace, scheme: SketchScheme, rebuild_index: bool) -> StoreIdentity:
    current = json.dumps(scheme.as_dict(), sort_keys=True)
    fresh = bool(ns.call(ns.client.hsetnx, ns.params, "created", utc_now_iso()))
    ns.call(ns.client.hsetnx, ns.params, "schema_version", str(SCHEMA_VERSION))
    ns.call(ns.client.hsetnx, ns.params, "scheme", current)
    ns.call(ns.client.hsetnx, ns.params, "store_id", uuid.uuid4().hex)
    recorded = {k.decode(): v.decode() for k, v in ns.call(ns.client.hgetall, ns.params).items()}
    ns.store_id = recorded["store_id"]
    identity = StoreIdentity(recorded["store_id"], recorded["created"], f"{ns.where} {ns.prefix}*", fresh)
    if recorded.get("schema_version") != str(SCHEMA_VERSION):
        raise StoreError(f"redis at {ns.where} ({ns.params}) has schema version {recorded.get('schema_version')}, "
                         f"this newscrawl reads version {SCHEMA_VERSION}")
    try:
        check_params(json.loads(recorded["scheme"]), scheme.as_dict(), f"the redis state at {ns.where} ({ns.params})")
    except SchemeMismatch:
        if not rebuild_index:
            raise
        ns.call(ns.client.delete, ns.stories, ns.bands, ns.times)
        ns.call(ns.client.hset, ns.params, "scheme", current)
    return identity


def open_redis_stores(spider: str, url: str, scheme: SketchScheme, lock_timeout: float | None = None,
                      rebuild_index: bool = False):
    """The stores of ``spider`` in the Redis at ``url`` (see ``newscrawl.store.open_stores``)."""
    import redis as redis_lib

    from newscrawl.store import Stores

    where = mask_url(url)
    timeout = DEFAULT_TIMEOUT if lock_timeout is None else lock_timeout
    try:
        client = redis_lib.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
    except ValueError as exc:
        raise StoreError(f"not a usable redis URL {where}: {mask_url(str(exc))}") from None
    ns = _Namespace(client, spider, where)
    ns.call(client.ping)
    identity = _check_params(ns, scheme, rebuild_index)
    index, seen = RedisIndex(ns, scheme), RedisSeenStore(ns)

    def check_identity() -> None:
        found = ns.call(client.hget, ns.params, "store_id")
        if found is None or found.decode() != identity.id:
            raise ns.lost()

    def describe() -> dict[str, Any]:
        return {"backend": "redis", "url": where, "namespace": ns.prefix, "store_id": identity.id,
                "created": identity.created, "index": {"stories": len(index), "scheme": scheme.as_dict()},
                "seen": seen.counts()}

    return Stores(seen=seen, index=index, identity=identity, shared=True, _describe=describe, _close=client.close,
                  _check_identity=check_identity,
                  _beat=lambda run, ttl: ns.call(client.set, ns.alive_key(run), "1", ex=max(1, int(ttl))),
                  _alive=lambda run: bool(ns.call(client.exists, ns.alive_key(run))),
                  _end=lambda run: ns.call(client.delete, ns.alive_key(run)))
