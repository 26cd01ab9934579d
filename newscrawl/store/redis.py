"""The shared state store: Redis, for several crawl processes deduplicating against one index.

Keys live under ``newscrawl:<spider>:``: ``params`` (the recorded scheme),
``stories`` (story key -> time, shingle count, signature), ``bands`` (LSH bucket
-> story keys), ``times`` (story keys by time, for expiry), ``pending`` and
``done`` (the seen-story store).

Check-and-insert is atomic without a lock: Python reads the candidates and
verifies them, then one Lua script inserts the story only if no bucket has
gained a story Python did not verify; otherwise it verifies the newcomers and
tries again. Two workers racing with copies of one story therefore keep one.
The URL's password never appears in errors, logs or ``describe()``.
"""

from __future__ import annotations

import json
import struct
from datetime import datetime, timezone
from typing import Any, Iterable

from newscrawl.store.base import (Fingerprint, Match, NearDupIndex, SchemeMismatch, SeenStore, SketchScheme,
                                  StoreError, best_match, check_params, cutoff, mask_url, normalize_time,
                                  utc_now_iso)

SCHEMA_VERSION = 1
DEFAULT_TIMEOUT = 30.0
_MAX_RETRIES = 20
_BATCH = 500
_TIME_LEN = len("2000-01-01T00:00:00")

# KEYS: stories, bands, times. ARGV: key, entry, score, n_bands, bands..., verified keys...
# Returns 1 inserted, 0 key already indexed, -1 a bucket holds a story not yet verified.
_INSERT_LUA = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
local n = tonumber(ARGV[4])
local verified = {}
for i = 5 + n, #ARGV do verified[ARGV[i]] = true end
local buckets = {}
for i = 1, n do
  local members = redis.call('HGET', KEYS[2], ARGV[4 + i])
  if members then
    for member in string.gmatch(members, '[^\\n]+') do
      if not verified[member] then return -1 end
    end
  end
  buckets[i] = members
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
for i = 1, n do
  if buckets[i] then
    redis.call('HSET', KEYS[2], ARGV[4 + i], buckets[i] .. '\\n' .. ARGV[1])
  else
    redis.call('HSET', KEYS[2], ARGV[4 + i], ARGV[1])
  end
end
return 1
"""

# KEYS: stories, bands, times. ARGV: key, bands... Removes one story from everything.
_REMOVE_LUA = """
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZREM', KEYS[3], ARGV[1])
for i = 2, #ARGV do
  local members = redis.call('HGET', KEYS[2], ARGV[i])
  if members then
    local kept = {}
    for member in string.gmatch(members, '[^\\n]+') do
      if member ~= ARGV[1] then table.insert(kept, member) end
    end
    if #kept == 0 then redis.call('HDEL', KEYS[2], ARGV[i])
    else redis.call('HSET', KEYS[2], ARGV[i], table.concat(kept, '\\n')) end
  end
end
return 1
"""

# KEYS: pending, done. ARGV: key, time. Pending unless already done.
_PENDING_LUA = """
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
return redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2])
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
        prefix = f"newscrawl:{spider}:"
        self.params, self.stories, self.bands, self.times = (prefix + n for n in ("params", "stories", "bands", "times"))
        self.pending, self.done = prefix + "pending", prefix + "done"

    def call(self, fn, *args, **kw):
        """Run a client call, turning connection problems into a StoreError without the password."""
        import redis as redis_lib

        try:
            return fn(*args, **kw)
        except redis_lib.exceptions.ResponseError as exc:
            raise StoreError(f"redis at {self.where}: {exc}") from None
        except redis_lib.exceptions.RedisError as exc:
            raise StoreError(f"cannot use redis at {self.where}: {type(exc).__name__}: {mask_url(str(exc))}") from None


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

    def check_and_insert(self, key: str, fp: Fingerprint, published: str | None = None) -> Match | None:
        _check_key(key)
        fields = self._band_fields(self._bands_of(fp))
        at = normalize_time(published) or utc_now_iso()
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
            done = self.ns.call(self._insert, keys=[self.ns.stories, self.ns.bands, self.ns.times],
                                args=[key, entry, _score(at), len(fields), *fields, *sorted(verified)])
            if done >= 0:
                return None
        raise StoreError(f"redis at {self.ns.where}: index kept changing under story {key!r}; "
                         f"gave up after {_MAX_RETRIES} attempts")

    def query(self, fp: Fingerprint) -> list[Match]:
        fields = self._band_fields(self._bands_of(fp))
        matches = self._verify(fp, self._candidates(fields))
        return sorted(matches, key=lambda m: (-m.containment, -m.jaccard, m.key))

    def _remove_keys(self, keys: list[str]) -> int:
        entries = self.ns.call(self.ns.client.hmget, self.ns.stories, keys) if keys else []
        removed = 0
        for key, entry in zip(keys, entries):
            if entry is None:
                self.ns.call(self.ns.client.zrem, self.ns.times, key)
                continue
            signature = Fingerprint.from_bytes(entry[_TIME_LEN + 4:], 0).signature
            fields = self._band_fields(self.scheme.band_keys(signature))
            removed += self.ns.call(self._remove, keys=[self.ns.stories, self.ns.bands, self.ns.times],
                                    args=[key, *fields])
        return removed

    def remove(self, key: str) -> bool:
        return self._remove_keys([key]) == 1

    def expire(self, before_iso: str) -> int:
        limit = _score(cutoff(before_iso))
        removed = 0
        while True:
            keys = [k.decode("utf-8") for k in self.ns.call(
                self.ns.client.zrangebyscore, self.ns.times, "-inf", f"({limit}", start=0, num=_BATCH)]
            if not keys:
                return removed
            removed += self._remove_keys(keys)

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
        self._pending = ns.client.register_script(_PENDING_LUA)

    def is_handled(self, key: str) -> bool:
        pipe = self.ns.client.pipeline(transaction=False)
        pipe.hexists(self.ns.done, key).hexists(self.ns.pending, key)
        return any(self.ns.call(pipe.execute))

    def mark_pending(self, key: str) -> None:
        self.mark_pending_many([key])

    def mark_pending_many(self, keys: Iterable[str]) -> None:
        keys = [_check_key(k) for k in keys]
        if not keys:
            return
        now = utc_now_iso()
        pipe = self.ns.client.pipeline(transaction=False)  # one round trip
        for key in keys:
            self._pending(keys=[self.ns.pending, self.ns.done], args=[key, now], client=pipe)
        self.ns.call(pipe.execute)

    def mark_done(self, keys: Iterable[str]) -> None:
        keys = [_check_key(k) for k in keys]
        if not keys:
            return
        now = utc_now_iso()
        pipe = self.ns.client.pipeline(transaction=True)
        pipe.hset(self.ns.done, mapping={k: now for k in keys}).hdel(self.ns.pending, *keys)
        self.ns.call(pipe.execute)

    def pending(self) -> list[str]:
        return sorted(k.decode("utf-8") for k in self.ns.call(self.ns.client.hkeys, self.ns.pending))

    def forget(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            pipe = self.ns.client.pipeline(transaction=True)
            pipe.hdel(self.ns.pending, *keys).hdel(self.ns.done, *keys)
            self.ns.call(pipe.execute)

    def counts(self) -> dict[str, int]:
        pipe = self.ns.client.pipeline(transaction=False)
        pending, done = self.ns.call(pipe.hlen(self.ns.pending).hlen(self.ns.done).execute)
        return {"pending": int(pending), "done": int(done)}

    def prune(self, before_iso: str) -> int:
        limit = cutoff(before_iso).encode("ascii")
        entries = self.ns.call(lambda: list(self.ns.client.hscan_iter(self.ns.done, count=1000)))
        old = [k for k, at in entries if at < limit]
        for start in range(0, len(old), _BATCH):
            self.ns.call(self.ns.client.hdel, self.ns.done, *old[start:start + _BATCH])
        return len(old)

    def reset(self) -> None:
        self.ns.call(self.ns.client.delete, self.ns.pending, self.ns.done)


def _check_params(ns: _Namespace, scheme: SketchScheme, rebuild_index: bool) -> None:
    current = json.dumps(scheme.as_dict(), sort_keys=True)
    ns.call(ns.client.hsetnx, ns.params, "created", utc_now_iso())
    ns.call(ns.client.hsetnx, ns.params, "schema_version", str(SCHEMA_VERSION))
    ns.call(ns.client.hsetnx, ns.params, "scheme", current)
    recorded = {k.decode(): v.decode() for k, v in ns.call(ns.client.hgetall, ns.params).items()}
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
    _check_params(ns, scheme, rebuild_index)
    index, seen = RedisIndex(ns, scheme), RedisSeenStore(ns)

    def describe() -> dict[str, Any]:
        created = ns.call(client.hget, ns.params, "created")
        return {"backend": "redis", "url": where, "namespace": f"newscrawl:{spider}:",
                "created": created.decode() if created else None,
                "index": {"stories": len(index), "scheme": scheme.as_dict()}, "seen": seen.counts()}

    return Stores(seen=seen, index=index, _describe=describe, _close=client.close)
