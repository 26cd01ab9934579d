"""The wire spiders (prnewswire, globenewswire, businesswire, einpresswire, accesswire, wire), crawled in process.

Each crawl serves fixture pages written from what is publicly known of the
service's markup (tests/fixtures/wires/<wire>/) on loopback and reads the
exported feed: the title, date, issuer and story text must be right and the
distributor's boilerplate (dateline, About, contacts, SOURCE, safe harbor,
media lines) gone from the body.
"""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted

from newscrawl.demo_site.server import LoopbackSite, Page
from tests.in_process import crawl
from tests.site_server import REPO, last_line, run_crawl

FIX = Path(__file__).parent / "fixtures" / "wires"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"


def html(wire: str, name: str) -> Page:
    return Page((FIX / wire / name).read_text(encoding="utf-8"))


def feed(wire: str, name: str, content_type: str = RSS) -> Page:
    return Page((FIX / wire / name).read_text(encoding="utf-8"), content_type=content_type)


PRN_A = "/news-releases/acme-robotics-opens-automated-warehouse-hub-in-ohio-302100001.html"
GNW_Q4 = "/news-release/2026/02/11/3100001/0/en/Northwind-Therapeutics-Reports-Fourth-Quarter-2025-Results.html"
GNW_CMO = "/news-release/2026/02/12/3100002/0/en/Northwind-Therapeutics-Appoints-Chief-Medical-Officer.html"
BW = "/news/home/20260209005001/en/Vela-Energy-Signs-20-Year-Power-Deal-for-Texas-Solar-Farm/"
EIN = "/article/880000001/harbor-family-clinic-opens-free-evening-pediatric-hours-in-tacoma"
AW = "/1040001/pinecrest-mining-reports-high-grade-gold-intercepts-at-red-lake-project"

WIRES = {
    "prnewswire": {
        "pages": {
            "/rss/news-releases-list.rss": feed("prnewswire", "news-releases-list.rss"),
            "/news-releases/news-releases-list/": html("prnewswire", "news-releases-list.html"),
            PRN_A: html("prnewswire", "acme-robotics.html"),
        },
        "start": ["/rss/news-releases-list.rss", "/news-releases/news-releases-list/"],
    },
    "globenewswire": {
        "pages": {"/feed.rss": feed("globenewswire", "feed.rss"), GNW_Q4: html("globenewswire", "northwind-q4.html"),
                  GNW_CMO: html("globenewswire", "northwind-redesign.html")},
        "start": ["/feed.rss"],
    },
    "businesswire": {"pages": {"/rss/home/": feed("businesswire", "feed.rss"), BW: html("businesswire", "vela-energy.html")},
                     "start": ["/rss/home/"]},
    "einpresswire": {"pages": {"/rss/all": feed("einpresswire", "feed.rss"), EIN: html("einpresswire", "harbor-clinic.html")},
                     "start": ["/rss/all"]},
    "accesswire": {"pages": {"/sitemap.xml": feed("accesswire", "sitemap.xml", XML),
                             AW: html("accesswire", "pinecrest-mining.html")},
                   "start": ["/sitemap.xml"]},
}

EXPECTED = {  # story id -> what the feed line must say
    "302100001": dict(spider="prnewswire", path=PRN_A, title="Acme Robotics Opens Automated Warehouse Hub in Ohio",
                      published="2026-02-10T08:30:00-05:00", provider="Acme Robotics, Inc.", extraction="site",
                      first="Acme Robotics, Inc. (NASDAQ: ACRB) today opened a 400,000-square-foot automated warehouse hub",
                      last="The company expects the hub to reach full capacity by the third quarter of 2026.",
                      gone=["/PRNewswire/", "About Acme", "designs warehouse automation systems", "Forward-Looking",
                            "forward-looking", "Media Contact", "press@acmerobotics", "555-0142", "SOURCE Acme",
                            "View original content", "mma.prnewswire.com", "PRNewsfoto", "Share this article"]),
    "3100001": dict(spider="globenewswire", path=GNW_Q4, title="Northwind Therapeutics Reports Fourth Quarter 2025 Results",
                    published="2026-02-11T16:05:00Z", provider="Northwind Therapeutics, Inc.", extraction="site",
                    first="Northwind Therapeutics, Inc. (Nasdaq: NWTX) reported revenue of $48.2 million",
                    last="Northwind will host a conference call today at 4:30 p.m. Eastern Time to discuss the results.",
                    gone=["GLOBE NEWSWIRE", "About Northwind", "biopharmaceutical company developing", "Cautionary Note",
                          "forward-looking", "Investor Contact", "ir@northwind", "accompanying this announcement"]),
    # A redesign none of the selectors know: title and date from metadata, body from generic text.
    "3100002": dict(spider="globenewswire", path=GNW_CMO, title="Northwind Therapeutics Appoints Chief Medical Officer",
                    published="2026-02-12T07:00:00Z", provider=None, extraction="generic",
                    first="Northwind Therapeutics, Inc. (Nasdaq: NWTX) today appointed Dr. Samuel Ortiz",
                    last="options to buy 400,000 shares as an inducement grant",
                    gone=["GLOBE NEWSWIRE", "About Northwind", "biopharmaceutical company developing", "Media Contact",
                          "media@northwind", "Newsroom"]),
    "20260209005001": dict(spider="businesswire", path=BW, title="Vela Energy Signs 20-Year Power Deal for Texas Solar Farm",
                           published="2026-02-09T13:00:00Z", provider="Vela Energy", extraction="site",
                           first="Vela Energy, a developer of utility-scale solar plants, has agreed to sell all the power",
                           last="had sought new supply after two winter storms strained its grid.",
                           gone=["BUSINESS WIRE", "About Vela", "develops, builds and operates", "Contacts",
                                 "jordan.pike@", "713-555-0117", "Graphic: Business Wire", "Pecos Flats site plan"]),
    "880000001": dict(spider="einpresswire", path=EIN, title="Harbor Family Clinic Opens Free Evening Pediatric Hours in Tacoma",
                      published="2026-02-08T14:20:00-05:00", provider="Harbor Family Clinic", extraction="site",
                      first="Harbor Family Clinic will offer free walk-in pediatric visits on weekday evenings",
                      last="The program is funded for two years by a grant from a regional health foundation.",
                      gone=["EINPresswire", "email us here", "Visit us on social media", "Facebook", "253-555-0188",
                            "Legal Disclaimer", "as is", "kindly contact the author"]),
    "1040001": dict(spider="accesswire", path=AW, title="Pinecrest Mining Reports High-Grade Gold Intercepts at Red Lake Project",
                    published="2026-02-06T09:15:00-05:00", provider="Pinecrest Mining Corp.", extraction="site",
                    first="Pinecrest Mining Corp. (TSXV:PNC) reported drill results from its Red Lake project",
                    last="a qualified person under National Instrument 43-101.",
                    gone=["ACCESS Newswire", "About Pinecrest", "Canadian exploration company", "For further information",
                          "604-555-0163", "info@pinecrest", "Cautionary Statement", "forward-looking", "SOURCE:",
                          "View the original press release"]),
}


@pytest_twisted.async_fixture(scope="module")
async def crawls(tmp_path_factory):
    """One crawl per wire spider, each against its own loopback site."""
    out = {}
    for spider, site in WIRES.items():
        with LoopbackSite(site["pages"]) as server:
            result = await crawl([server.url(p) for p in site["start"]], tmp_path_factory.mktemp(spider), spider=spider)
            out[spider] = (server, server.base_url, result)
    return out


@pytest.mark.parametrize("spider", list(WIRES))
def test_wire_crawl_succeeds_and_exports_each_story_once(crawls, spider):
    _, base, result = crawls[spider]
    assert result.failure is None, result.log[-3000:]
    want = sorted(sid for sid, e in EXPECTED.items() if e["spider"] == spider)
    assert sorted(result.ids) == want
    for item in result.items:
        assert item["source"] == spider
        assert item["url"] == base + EXPECTED[item["story_id"]]["path"]  # canonical: no ?tc=, ?feedref=, #gallery


@pytest.mark.parametrize("story_id", list(EXPECTED))
def test_title_date_issuer_and_story_text_are_right(crawls, story_id):
    want = EXPECTED[story_id]
    item = next(i for i in crawls[want["spider"]][2].items if i["story_id"] == story_id)
    assert (item["title"], item["published"], item["extraction"]) == (want["title"], want["published"], want["extraction"])
    if want["provider"]:
        assert item["provider"] == want["provider"]
    paragraphs = item["body"].split("\n\n")
    assert paragraphs[0].startswith(want["first"])
    assert want["last"] in paragraphs[-1]


@pytest.mark.parametrize("story_id", list(EXPECTED))
def test_distributor_boilerplate_is_gone_from_the_body(crawls, story_id):
    want = EXPECTED[story_id]
    item = next(i for i in crawls[want["spider"]][2].items if i["story_id"] == story_id)
    assert [g for g in want["gone"] if g in item["body"]] == []


def test_prnewswire_feed_links_to_the_origin_are_followed_on_the_mirror_and_counted(crawls):
    server, _, result = crawls["prnewswire"]
    # The feed's absolute www.prnewswire.com links were fetched from the mirror; the one it lacks is a counted 404.
    assert server.count(PRN_A) == 1
    assert result.stats.get("prnewswire/story_404") == 1
    assert result.stats.get("newscrawl/stories/skipped_duplicate", 0) >= 2  # listing repeats and the #gallery twin


def test_globenewswire_missing_release_is_counted_not_exported(crawls):
    _, _, result = crawls["globenewswire"]
    assert result.stats.get("globenewswire/story_404") == 1
    assert "3100000" not in result.ids


@pytest_twisted.ensureDeferred
async def test_a_second_run_skips_stories_an_earlier_run_exported(tmp_path):
    site = WIRES["einpresswire"]
    with LoopbackSite(site["pages"]) as server:
        urls = [server.url(p) for p in site["start"]]
        first = await crawl(urls, tmp_path, spider="einpresswire")
        second = await crawl(urls, tmp_path, spider="einpresswire")
        assert first.ids == ["880000001"] and second.failure is None
        assert second.ids == [] and second.stats.get("newscrawl/stories/skipped_handled") == 1
        assert server.count(EIN) == 1


@pytest_twisted.ensureDeferred
async def test_generic_wire_spider_reads_a_gzipped_sitemap_index_a_listing_and_canonical_urls(tmp_path):
    g = FIX / "generic"
    article = "/2026/02/05/city-council-approves-new-river-bridge/"
    pages = {"/sitemap-index.xml": Page((g / "sitemap-index.xml").read_text(), content_type=XML),
             "/local/": Page((g / "listing.html").read_text()), article: Page((g / "river-bridge.html").read_text())}
    with LoopbackSite(pages) as server:
        news = (g / "sitemap-news.xml").read_text().replace("__BASE__", server.base_url)
        server.pages["/sitemaps/news-2026-02.xml.gz"] = Page(gzip.compress(news.encode()), content_type="application/x-gzip")
        result = await crawl([server.url("/sitemap-index.xml"), server.url("/local/")], tmp_path, spider="wire")
        assert result.failure is None, result.log[-3000:]
        assert [i["url"] for i in result.items] == [server.url(article)]  # ?utm_source dropped: one story
        item = result.items[0]
        assert item["story_id"] == server.url(article)  # an unknown site's story is known by its canonical URL
        assert (item["title"], item["published"], item["source"]) == (
            "City Council Approves New River Bridge After Two-Year Review", "2026-02-05T18:40:00-06:00", "wire")
        assert item["body"].startswith("The city council voted 7-2 on Thursday")
        assert "old Mill Road bridge will stay open" in item["body"]
        assert "School board delays" not in item["body"] and "Privacy" not in item["body"]
        assert result.stats.get("newscrawl/listings/sitemaps") == 2
        assert result.stats.get("wire/story_404") == 1  # the listing's other story, not on the server
        for path in ("/tag/city-hall/", "/author/rosa-linden/", "/subscribe/", "/images/bridge-map.png"):
            assert server.count(path) == 0  # index pages and assets are not stories


def test_generic_wire_spider_without_start_urls_is_a_usage_error_before_the_engine_starts(tmp_path):
    result = run_crawl([], tmp_path, spider="wire")
    assert result.returncode == 2  # Scrapy's status for a usage error
    assert "scrapy crawl [options] <spider>" in result.stderr  # the usage line
    assert last_line(result.stderr).endswith("wire has no entry points of its own: give -a start_urls=URL[,URL...] "
                                             "(a news site's home page, section, feed or sitemap)")
    assert "Spider opened" not in result.stderr and not (tmp_path / "data").exists()  # no engine, no state


def test_generic_wire_spider_with_only_bad_start_urls_fails_with_one_line(tmp_path):
    result = run_crawl(["ftp://example.invalid/"], tmp_path, spider="wire")
    assert result.returncode == 1
    assert last_line(result.stderr) == "newscrawl: wire: no usable start URL ('ftp://example.invalid/')"


def test_scrapy_list_shows_every_spider():
    proc = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={"SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(REPO),
                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert set(proc.stdout.split()) >= {"menafn", "prnewswire", "globenewswire", "businesswire", "einpresswire",
                                        "accesswire", "wire"}
