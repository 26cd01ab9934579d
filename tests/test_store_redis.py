"""The shared Redis store against a real redis-server on loopback: namespaces, scheme, secrets."""

from __future__ import annotations

import pytest
import redis

from newscrawl.cleaning.neardup import DEFAULT_SCHEME, MinHashScheme, fingerprint
from newscrawl.store import SchemeMismatch, StoreError, open_stores
from tests.conftest import FIXTURES
from tests.redis_server import redis_server, redis_url  # noqa: F401  (fixtures)


def text(name: str) -> str:
    return (FIXTURES / "articles" / f"{name}.txt").read_text(encoding="utf-8")


def test_keys_live_under_the_spider_namespace(redis_url):
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
        stores.seen.claim(["oil"], "run-1")
    with open_stores("wires", redis_url=redis_url, scheme=DEFAULT_SCHEME) as other:
        assert other.index.check_and_insert("oil-elsewhere", fingerprint(text("oil-reuters"))) is None
    client = redis.Redis.from_url(redis_url)
    try:
        keys = sorted(k.decode() for k in client.keys("*"))
    finally:
        client.close()
    assert keys and all(k.startswith(("newscrawl:menafn:", "newscrawl:wires:")) for k in keys)
    assert "newscrawl:menafn:stories" in keys and "newscrawl:menafn:pending" in keys


def test_state_outlives_the_connection(redis_url):
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("emirates", fingerprint(text("emirates-cnbc")))
        stores.seen.mark_done(["emirates"])
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        words = text("emirates-cnbc").split(" ")
        match = stores.index.check_and_insert("copy", fingerprint(" ".join(words[: len(words) * 2 // 3])))
        assert match is not None and match.key == "emirates"
        assert stores.seen.is_handled("emirates")
        assert stores.describe()["index"]["stories"] == 1


def test_the_password_never_appears_in_errors_or_descriptions(redis_server, redis_url):
    password = redis_server.password
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        described = stores.describe()
    assert password not in repr(described) and described["url"].startswith("redis://:***@127.0.0.1:")
    wrong = redis_url.replace(password, "not-the-" + password)
    with pytest.raises(StoreError) as err:
        open_stores("menafn", redis_url=wrong, scheme=DEFAULT_SCHEME)
    assert password not in str(err.value) and "***" in str(err.value)


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreError, match="cannot use redis at redis://:\\*\\*\\*@127.0.0.1:1/0"):
        open_stores("menafn", redis_url="redis://:pw@127.0.0.1:1/0", scheme=DEFAULT_SCHEME, lock_timeout=2)


def test_another_scheme_is_refused_then_rebuilt_on_request(redis_url):
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        stores.index.check_and_insert("oil", fingerprint(text("oil-reuters")))
        stores.seen.mark_done(["oil"])
    other = MinHashScheme(threshold=0.9)
    with pytest.raises(SchemeMismatch, match="threshold 0.8 \\(stored\\) vs 0.9 \\(now\\)"):
        open_stores("menafn", redis_url=redis_url, scheme=other)
    with open_stores("menafn", redis_url=redis_url, scheme=other, rebuild_index=True) as stores:
        assert len(stores.index) == 0 and stores.seen.is_handled("oil")


def test_story_keys_must_be_one_line(redis_url):
    with open_stores("menafn", redis_url=redis_url, scheme=DEFAULT_SCHEME) as stores:
        with pytest.raises(ValueError, match="one line"):
            stores.index.check_and_insert("a\nb", fingerprint(text("oil-reuters")))
        assert len(stores.index) == 0
