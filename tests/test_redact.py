"""Secrets never printed (issue 16): one function masks every URL before a log, a summary, an
error or ``newscrawl state`` shows it.

Generated URLs check the rule itself (the userinfo whole, whatever it holds; the values of query
parameters named like a secret; nothing else touched); a real crawl and a real ``newscrawl state``
against a real redis-server whose password is given as ``?password=`` check that no caller
prints it, nor a password holding an unencoded ``@``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newscrawl.redact import mask_url
from tests.redis_server import redis_server  # noqa: F401  (fixture)
from tests.site_server import REPO, build_site, run_crawl, serve

# Secrets are drawn from an alphabet the rest of a generated URL never uses (but for the
# characters that structure URLs, which they may hold too).
SECRET_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs", "Zs", "Zl", "Zp", "Cc"),
                             exclude_characters="abcdefghijklmnop0123456789.-_").filter(lambda c: not c.isspace())
PLAIN = st.text(alphabet="abcdefghijklmnop0123456789", min_size=1, max_size=8)
SECRET_PARAMS = ["password", "passwd", "pass", "token", "secret", "key", "auth", "api_key", "Access_Token",
                 "clientSecret", "AUTH", "pass%77ord"]


@st.composite
def urls(draw, userinfo: bool, secrets: bool):
    scheme = draw(st.sampled_from(["redis", "rediss", "postgresql", "https", "s3", "ftp", "mongodb+srv"]))
    host = draw(PLAIN) + draw(st.sampled_from([".example", ".internal", ""]))
    port = draw(st.sampled_from(["", ":6379", ":8080"]))
    path = draw(st.sampled_from(["", "/", "/0", "/feeds/x.jsonl"]))
    hidden = []
    info = ""
    if userinfo:
        user = draw(st.sampled_from(["", "user", "default"]))
        password = draw(st.text(SECRET_CHARS, min_size=2, max_size=20))  # may hold @ : / ? # = & as they come
        hidden.append(password)
        info = f"{user}:{password}@"
    params = [(f"{name}={value}", f"{name}={value}") for name, value in draw(st.lists(st.tuples(PLAIN, PLAIN),
                                                                                      max_size=3))]
    if secrets:
        for name in draw(st.lists(st.sampled_from(SECRET_PARAMS), min_size=1, max_size=3)):
            # A value ends at & ; # (the next parameter); an @ in it masks the URL up to there instead.
            value = draw(st.text(SECRET_CHARS.filter(lambda c: c not in "&;#@"), min_size=2, max_size=20))
            hidden.append(value)
            params.insert(draw(st.integers(0, len(params))), (f"{name}={value}", f"{name}=***"))
    query = ("?" + "&".join(p for p, _ in params)) if params else ""
    expected_query = ("?" + "&".join(e for _, e in params)) if params else ""
    url = f"{scheme}://{info}{host}{port}{path}{query}"
    expected = f"{scheme}://{':***@' if userinfo else ''}{host}{port}{path}{expected_query}"
    return url, expected, hidden


def _leaked(masked: str, expected: str, hidden: list[str]) -> list[str]:
    return [secret for secret in hidden if secret in masked and secret not in expected]


@settings(max_examples=400, deadline=None)
@given(st.booleans().flatmap(lambda secrets: urls(userinfo=True, secrets=secrets)) | urls(userinfo=False, secrets=True))
def test_userinfo_and_secret_parameters_are_masked_whatever_they_hold(case):
    url, expected, hidden = case
    masked = mask_url(url)
    assert masked == expected
    assert not _leaked(masked, expected, hidden)
    assert mask_url(masked) == masked  # masking twice changes nothing


@settings(max_examples=200, deadline=None)
@given(urls(userinfo=False, secrets=False))
def test_a_url_without_secrets_is_shown_as_given(case):
    url, _, _ = case
    assert mask_url(url) == url


@settings(max_examples=200, deadline=None)
@given(urls(userinfo=True, secrets=True), st.text(alphabet="abcdefghijklmnop ,:'()", max_size=30))
def test_urls_inside_a_message_are_masked_too(case, words):
    url, expected, hidden = case
    message = f"cannot use redis at {url} : ConnectionError({words!r}) [{url} ]"
    masked = mask_url(message)
    assert masked == message.replace(url, expected)
    assert not _leaked(masked, message.replace(url, expected), hidden)


@pytest.mark.parametrize("url, shown", [
    ("redis://:s3cret@10.0.0.1:6379/2", "redis://:***@10.0.0.1:6379/2"),
    ("redis://user:p@ss@127.0.0.1:6379/0", "redis://:***@127.0.0.1:6379/0"),  # an unencoded @ in the password
    ("redis://127.0.0.1:6379/0?password=s3cret&db=2", "redis://127.0.0.1:6379/0?password=***&db=2"),
    ("https://token-ghp123@github.com/x.git", "https://:***@github.com/x.git"),
    ("s3://bucket/feed.jsonl?AWS_SECRET=abc;region=eu", "s3://bucket/feed.jsonl?AWS_SECRET=***;region=eu"),
    ("", ""),
])
def test_masked_examples(url, shown):
    assert mask_url(url) == shown


def test_a_password_given_as_a_query_parameter_is_never_printed(redis_server, tmp_path):
    """The INFO log, the run summary and ``newscrawl state``: a real crawl and the real command, the
    password given as ``?password=`` (which redis-py accepts)."""
    password = redis_server.password
    url = f"redis://127.0.0.1:{redis_server.port}/40?password={password}"
    site = build_site(15, seed=3)
    with serve(site) as server:
        result = run_crawl([server.url(site.listing_path)], tmp_path, "NEWSCRAWL_REDIS_URL=" + url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.items) == len(site.expected)
    assert "state: redis://127.0.0.1:" in result.stderr and "?password=***" in result.stderr  # the INFO line
    assert password not in result.stderr
    summaries = list((tmp_path / "data" / "runs" / "menafn").glob("*.json"))
    assert summaries and all(password not in p.read_text(encoding="utf-8") for p in summaries)
    assert json.loads(summaries[0].read_text(encoding="utf-8"))["state"]["store"].endswith("?password=***")

    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    state = subprocess.run([sys.executable, "-m", "newscrawl", "state", "--redis-url", url], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=60)
    assert state.returncode == 0, state.stderr
    assert json.loads(state.stdout)["url"].endswith("/40?password=***")
    assert password not in state.stdout + state.stderr


def test_a_password_holding_an_at_sign_is_masked_whole_in_the_failure_line(tmp_path):
    site = build_site(15, seed=2)
    with serve(site) as server:
        result = run_crawl([server.url(site.listing_path)], tmp_path,
                           "NEWSCRAWL_REDIS_URL=redis://user:hun@ter2@127.0.0.1:1/0")
    assert result.returncode != 0
    last = [line for line in result.stderr.splitlines() if line.strip()][-1]
    assert last.startswith("newscrawl: cannot use redis at redis://:***@127.0.0.1:1/0")
    assert "hun" not in result.stderr and "ter2" not in result.stderr
