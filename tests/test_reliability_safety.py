"""Safety (issue 6): the crawler is never steered at the machine it runs on or its network.

Pure checks of the URL/address guards, then a real crawl whose pages link and redirect to
internal names, ``file:``/``ftp:``/``data:``/``javascript:`` URLs. Names under ``.test``
resolve to 127.0.0.1 through ``HostsResolver`` (a hosts file for the crawler's resolver), so
a start host can be a *name* and an internal subdomain can resolve to loopback, as on a real
network where ``intranet.example.com`` points at ``10.0.0.5``.
"""

from __future__ import annotations

import json

import pytest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

from newscrawl.demo_site.server import LoopbackSite, Page, redirect
from newscrawl.demo_site.templates import Story, story_html
from newscrawl.paths import safe_join
from newscrawl.safety import address_refusal, ip_literal, url_refusal
from newscrawl.store import mask_url
from tests.site_server import run_crawl


class HostsResolver(CachingThreadedResolver):
    """The crawler's resolver with a hosts file: every ``*.test`` name is 127.0.0.1."""

    def getHostByName(self, name, timeout=()):  # noqa: N802 - Twisted's naming
        if name == "test" or name.endswith(".test"):
            return defer.succeed("127.0.0.1")
        return super().getHostByName(name, timeout)


@pytest.mark.parametrize("url, why", [
    ("file:///etc/passwd", "scheme_file"),
    ("ftp://example.org/1100000001/x", "scheme_ftp"),
    ("javascript:alert(1)", "scheme_javascript"),
    ("data:text/html,<p>1100000001</p>", "scheme_data"),
    ("gopher://example.org/", "scheme_gopher"),
    ("//example.org/1100000001/x", "scheme_none"),
    ("http:///1100000001/x", "no_host"),
    ("http://[::1/x", "unparsable"),
    ("https://menafn.com/1100000001/x", None),
    ("HTTP://Example.org/a", None),
])
def test_only_http_urls_with_a_host_may_be_fetched(url, why):
    assert url_refusal(url) == why


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("::1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("169.254.169.254", "link_local"), ("fe80::1", "link_local"),
    ("10.1.2.3", "private"), ("192.168.0.10", "private"), ("172.16.5.4", "private"), ("fd00::5", "private"),
    ("0.0.0.0", "private"), ("224.0.0.1", "multicast"), ("100.64.0.1", "not_global"), ("not an ip", "unreadable_address"),
    ("93.184.216.34", None), ("2606:4700::6810:84e5", None), ("8.8.8.8", None),
])
def test_private_loopback_and_link_local_addresses_are_refused(address, why):
    assert address_refusal(address) == why


def test_ip_literals_are_recognised_in_urls_hosts():
    assert str(ip_literal("[::1]")) == "::1"
    assert str(ip_literal("127.0.0.1")) == "127.0.0.1"
    assert ip_literal("menafn.com") is None


def test_paths_from_page_data_cannot_leave_the_data_directory(tmp_path):
    assert safe_join(tmp_path, "feeds", "menafn") == (tmp_path / "feeds" / "menafn").resolve()
    for hostile in ("../../etc/passwd", "/etc/passwd", "feeds/../../x"):
        with pytest.raises(ValueError, match="escapes"):
            safe_join(tmp_path, hostile)


def test_secrets_are_masked_in_urls():
    assert "s3cret" not in mask_url("redis://:s3cret@redis.internal:6379/0")
    assert "pw" not in mask_url("http://user:pw@proxy.internal:3128")
    assert mask_url("redis://redis.internal:6379/0") == "redis://redis.internal:6379/0"


def _story(n: int, title: str) -> Story:
    text = (f"Officials said on Tuesday that project number {n} would go ahead after a long review by the "
            "ministry, with the first phase due to start next spring and the second one a year later.")
    return Story(f"11099000{n:02d}", title.replace(" ", "-"), title, "2026-02-12T10:00:00", "MENAFN",
                 [text, "The ministry said the plan had the support of the regional government and of investors."])


@pytest.fixture(scope="module")
def hostile_links_crawl(tmp_path_factory):
    good, internal, redirected, via_file = (_story(1, "Public Story"), _story(2, "Internal Story"),
                                           _story(3, "Redirected Story"), _story(4, "File Story"))
    metadata = _story(5, "Metadata Story")
    with LoopbackSite() as server:
        port = server.base_url.rsplit(":", 1)[1]
        pages = {good.path: Page(story_html(good)), internal.path: Page(story_html(internal)),
                 redirected.path: redirect(f"http://metadata.news.test:{port}{metadata.path}"),
                 metadata.path: Page(story_html(metadata)),
                 via_file.path: Page(story_html(via_file))}
        links = [good.path, f"http://intranet.news.test:{port}{internal.path}", redirected.path,
                 f"file:///tmp{via_file.path}", f"ftp://news.test:{port}{via_file.path}",
                 f"javascript:location='{via_file.path}'", f"data:text/html,<a href='{via_file.path}'>x</a>"]
        anchors = " ".join(f'<a href="{href}">story</a>' for href in links)
        pages["/listing"] = Page(f"<html><body><h1>Latest</h1>{anchors}</body></html>")
        server.pages.update(pages)
        result = run_crawl([f"http://news.test:{port}/listing"], tmp_path_factory.mktemp("safety"),
                           "DNS_RESOLVER=tests.test_reliability_safety.HostsResolver")
        hits = [(h.headers.get("Host"), h.path) for h in server.hits]
    return result, hits, port, (good, internal, redirected, via_file, metadata)


def test_a_named_start_host_is_crawled_and_its_public_story_exported(hostile_links_crawl):
    result, _, _, (good, *_rest) = hostile_links_crawl
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.ids == [good.story_id]


def test_links_and_redirects_to_internal_addresses_are_refused_and_counted(hostile_links_crawl):
    result, hits, port, (_, internal, redirected, _, metadata) = hostile_links_crawl
    assert (f"intranet.news.test:{port}", internal.path) not in hits
    assert [h for h in hits if h[1] == metadata.path] == []
    assert (f"news.test:{port}", redirected.path) in hits  # the redirect itself came from the start host
    assert result.stats.get("newscrawl/safety/refused/resolves_to_loopback") == 2


def test_file_ftp_javascript_and_data_links_are_never_fetched(hostile_links_crawl):
    result, hits, _, (*_, via_file, _) = hostile_links_crawl
    assert [h for h in hits if h[1] == via_file.path] == []
    refused = {k: v for k, v in result.stats.items() if k.startswith("newscrawl/safety/refused/scheme_")}
    assert set(refused) <= {"newscrawl/safety/refused/scheme_file", "newscrawl/safety/refused/scheme_ftp",
                            "newscrawl/safety/refused/scheme_data"}
    assert refused.get("newscrawl/safety/refused/scheme_ftp") == 1
    assert via_file.story_id not in result.ids


def test_feed_lines_are_safe_json(tmp_path):
    """Page text with quotes, newlines, NULs, lone surrogates and HTML is one valid JSON line."""
    from newscrawl.jsonl import JsonlWriter

    hostile = 'a "quote"\nnew line\u2028sep\x00nul </script><script>alert(1)</script> \ud800 lone'
    with JsonlWriter(tmp_path / "f.jsonl") as out:
        out.write({"body": hostile, "n": float("inf")})
    lines = (tmp_path / "f.jsonl").read_bytes().split(b"\n")
    assert len(lines) == 2 and lines[1] == b""
    record = json.loads(lines[0])
    assert record["body"].startswith('a "quote"\nnew line')


@pytest.mark.parametrize("enabled", [False, True])
def test_no_code_execution_endpoint_runs_unless_asked_for(enabled):
    # Scrapy 2.19 starts an HTTP remote control and a telnet console by default; a scheduled crawler
    # listens on nothing unless its operator asks (and the unused extension is not even loaded).
    from scrapy.extension import ExtensionManager

    from tests.conftest import newscrawl_crawler

    crawler = newscrawl_crawler(REMOTE_CONTROL_ENABLED=enabled, TELNETCONSOLE_ENABLED=enabled)
    loaded = {type(e).__name__ for e in ExtensionManager.from_crawler(crawler).middlewares}
    assert ("RemoteControl" in loaded) is enabled
    assert ("TelnetConsole" in loaded) is enabled
