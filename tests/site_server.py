"""A MENAFN-like site on loopback for the spider tests and the crawl benchmarks.

``build_site(n_stories, ...)`` generates story pages from templates (titles,
dates, providers and bodies vary; bodies read like wire copy), section
listings with ``rel=next`` / "Next" pagination, an RSS feed with ``?src=RSS``
links and a robots.txt, plus stories that misbehave on purpose (404, 410, a
403 challenge, a 503 that succeeds on retry, 429s, legacy and GUID redirects,
a changed layout, a soft 404, one blocked by robots.txt). ``Site.stories``
says what a correct crawl exports. Serve it with ``serve(site)`` (a
``newscrawl.demo_site.server.LoopbackSite``) and crawl it with ``run_crawl``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path

from scrapy import signals

from newscrawl.demo_site.server import BASE_TOKEN, RSS, TEXT, LoopbackSite, Page, redirect

REPO = Path(__file__).resolve().parents[1]
# Kinds whose story a correct crawl exports; the others are never in the feed
# (soft404 is dropped by the cleaning pipelines, not by the spider).
EXPORTED_KINDS = {"ok", "flaky503", "throttled429", "legacy_redirect", "guid_redirect", "changed_layout", "related_only"}
MIXED_KINDS = {
    "gone404": 1, "gone410": 1, "challenge403": 1, "flaky503": 1, "throttled429": 1, "legacy_redirect": 1,
    "guid_redirect": 1, "changed_layout": 2, "soft404": 1, "robots_blocked": 1, "related_only": 1,
}

PROVIDERS = [
    "Trend News Agency", "Jordan News Agency (Petra)", "Kuwait News Agency (KUNA)", "Emirates News Agency (WAM)",
    "Saudi Press Agency", "GlobeNewswire", "PR Newswire", "Business Wire", "MENAFN", "IANS", "Newsfile Corp",
    "Qatar Tribune", "Oman Observer", "Azernews", "Anadolu Agency",
]
CITIES = ["Baku", "Amman", "Kuwait City", "Abu Dhabi", "Riyadh", "Doha", "Muscat", "Cairo", "Dubai", "Manama",
          "Istanbul", "Beirut", "Tashkent", "Astana", "Tbilisi", "New Delhi", "Karachi", "Casablanca"]
ORGS = ["the central bank", "the ministry of energy", "the national oil company", "the stock exchange",
        "the chamber of commerce", "the port authority", "the statistics committee", "the tourism board",
        "the investment fund", "the civil aviation authority", "the health ministry", "the water utility"]
TOPICS = ["renewable energy", "non-oil exports", "foreign direct investment", "logistics corridors",
          "digital payments", "food security", "green hydrogen", "small business lending", "desalination",
          "rail freight", "tourist arrivals", "housing finance", "semiconductor supply", "wheat imports"]
VERBS = ["reported", "announced", "confirmed", "outlined", "unveiled", "signed off on", "projected", "reviewed"]
TRENDS = ["rose", "fell", "climbed", "slipped", "edged up", "jumped", "declined", "recovered"]
HEADLINES = [
    "{city} {verb_cap} New Plan to Boost {topic_cap}", "{org_cap} Says {topic_cap} {trend_cap} {pct}% in {month}",
    "{company} Signs {amount} Deal on {topic_cap} in {city}", "{topic_cap} Talks Open in {city} as {org_cap} Sets Targets",
    "{company} Reports {trend_cap} Quarterly Revenue Amid {topic_cap} Push", "Officials in {city} Review {topic_cap} Strategy",
]
SENTENCES = [
    "Officials in {city} said {topic} {trend} by {pct} percent in {month}, according to figures released by {org}.",
    "{org_cap} {verb} a {amount} programme aimed at {topic}, with the first phase due to start in {month}.",
    "{company} said the agreement would create about {jobs} jobs and expand its presence beyond {city}.",
    "Analysts at {company} expect {topic} to remain a priority for {org} through the end of the year.",
    "The figures follow a {pct}-percent change in {topic2} recorded over the same period last year.",
    "Speaking to reporters in {city}, a senior official said talks with partners on {topic2} were progressing.",
    "{org_cap} noted that spending on {topic} reached {amount} in the first {n} months of the year.",
    "Under the plan, {company} will work with {org} on {topic2} projects in {city} and {city2}.",
    "Market participants said the decision on {topic} was broadly in line with expectations in {city2}.",
    "The report also pointed to growing demand for {topic2}, which {trend} for a {nth} consecutive quarter.",
    "{company} shares {trend} {pct} percent in {city} trading after the announcement on {topic}.",
    "A delegation from {city2} is expected to visit {city} in {month} to discuss {topic2} and {topic}.",
]
COMPANY_A = ["Azer", "Gulf", "Nile", "Caspian", "Desert", "Crescent", "Harbor", "Silk", "Falcon", "Oasis", "Cedar", "Delta"]
COMPANY_B = ["Holdings", "Energy", "Logistics", "Capital", "Telecom", "Petroleum", "Foods", "Steel", "Airways", "Bank"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


@dataclass
class Story:
    story_id: str
    slug: str
    title: str
    published: str  # ISO, as the feed carries it
    provider: str
    paragraphs: list[str]
    kind: str = "ok"
    guid: str = ""

    @property
    def path(self) -> str:
        return f"/{self.story_id}/{self.slug}"

    @property
    def link_path(self) -> str:
        """The path listings use for this story (legacy/GUID forms for the redirect kinds)."""
        if self.kind == "legacy_redirect":
            return f"/qn_news_story_s.aspx?storyid={self.story_id}&title={self.slug}"
        if self.kind == "guid_redirect":
            return f"/menafn/{self.guid}/{self.slug}"
        return self.path

    @property
    def exported(self) -> bool:
        return self.kind in EXPORTED_KINDS


@dataclass
class Site:
    stories: list[Story]
    per_page: int = 10
    rss_items: int = 15
    rss_only: int = 3
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    listing_path = "/listing/latest?page=1"
    rss_path = "/rss/latest.xml"

    @property
    def expected(self) -> list[Story]:
        return [s for s in self.stories if s.exported]

    def by_id(self, story_id: str) -> Story:
        return next(s for s in self.stories if s.story_id == story_id)

    def add_stories(self, n: int) -> list[Story]:
        """Publish ``n`` newer ordinary stories (they go on top of the listing and the feed)."""
        start = max(int(s.story_id) for s in self.stories) + 1
        newest = max(datetime.fromisoformat(s.published) for s in self.stories)
        new = [_make_story(self._rng, start + i, newest + timedelta(minutes=7 * (i + 1)), set()) for i in range(n)]
        self.stories[:0] = list(reversed(new))
        return new

    def render(self) -> dict[str, Page]:
        """Every path of the site and how it answers."""
        pages: dict[str, Page] = {"/robots.txt": Page(_robots(self.stories), content_type=TEXT)}
        related = [s for s in self.stories if s.kind == "related_only"]
        listed = [s for s in self.stories if s.kind != "related_only"]
        plain = [s for s in listed if s.kind == "ok"]
        # Stories linked only from another story's right column hang off ordinary listed stories.
        hosts = {host.story_id: story for host, story in zip(plain[len(plain) // 2:], related)}
        for i, story in enumerate(self.stories):
            others = [o for o in listed[max(0, i - 3):i + 3] if o is not story][:3]
            extra = hosts.get(story.story_id)
            pages.update(_story_pages(story, others + ([extra] if extra else [])))
        on_listing = listed[self.rss_only:]
        n_pages = max(1, -(-len(on_listing) // self.per_page))
        for p in range(1, n_pages + 1):
            chunk = on_listing[(p - 1) * self.per_page:p * self.per_page]
            pages[f"/listing/latest?page={p}"] = Page(_listing(chunk, p, n_pages))
        pages[self.rss_path] = Page(_rss(listed[:self.rss_items]), content_type=RSS)
        return pages


def build_site(n_stories: int, *, seed: int = 0, kinds: dict[str, int] | None = None, per_page: int = 10,
               rss_items: int = 15, rss_only: int = 3, first_id: int = 1100000000) -> Site:
    """A site of ``n_stories`` stories, newest first; ``kinds`` says how many of each misbehaving kind."""
    rng = random.Random(seed)
    start = datetime(2026, 2, 12, 9, 41, 0)
    titles: set[str] = set()
    stories = [_make_story(rng, first_id + n_stories - i, start - timedelta(minutes=37 * i), titles)
               for i in range(n_stories)]
    special = [k for k, n in sorted((kinds or {}).items()) for _ in range(n)]
    if len(special) > n_stories - rss_items:
        raise ValueError(f"{len(special)} special stories do not fit in {n_stories} stories")
    # Specials sit below the feed, spread over the listing pages.
    slots = rng.sample(range(rss_items, n_stories), len(special))
    for slot, kind in zip(sorted(slots), special):
        stories[slot].kind = kind
    return Site(stories, per_page=per_page, rss_items=rss_items, rss_only=rss_only, seed=seed, _rng=rng)


def _fill(rng: random.Random, template: str, company: str, city: str, topic: str) -> str:
    city2 = rng.choice([c for c in CITIES if c != city])
    topic2 = rng.choice([t for t in TOPICS if t != topic])
    org = rng.choice(ORGS)
    values = dict(
        city=city, city2=city2, topic=topic, topic2=topic2, org=org, org_cap=org[0].upper() + org[1:],
        company=company, verb=rng.choice(VERBS), trend=rng.choice(TRENDS), pct=f"{rng.uniform(0.4, 18):.1f}",
        month=rng.choice(MONTHS), amount=f"${rng.randint(12, 940)} million", jobs=rng.randint(40, 5000),
        n=rng.randint(2, 11), nth=rng.choice(["second", "third", "fourth", "fifth"]),
    )
    values.update(topic_cap=topic.title(), verb_cap=values["verb"].title(), trend_cap=values["trend"].title())
    return template.format(**values)


def _make_story(rng: random.Random, story_id: int, when: datetime, titles: set[str]) -> Story:
    company = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"
    city, topic = rng.choice(CITIES), rng.choice(TOPICS)
    title = _fill(rng, rng.choice(HEADLINES), company, city, topic)
    while title in titles:
        title = f"{title} ({rng.randint(2, 99)})"
    titles.add(title)
    provider = rng.choice(PROVIDERS)
    paragraphs = []
    for _ in range(rng.randint(4, 7)):
        sentences = rng.sample(SENTENCES, rng.randint(2, 3))
        paragraphs.append(" ".join(_fill(rng, s, company, city, topic) for s in sentences))
    slug = "-".join("".join(ch for ch in word if ch.isalnum()) for word in title.split())[:90].strip("-")
    guid = "%08x-%04x-%04x-%04x-%012x" % tuple(rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
    return Story(str(story_id), slug, title, when.strftime("%Y-%m-%dT%H:%M:%S"), provider, paragraphs, guid=guid)


# -- page templates -------------------------------------------------------------------
_HEAD = ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>{title}</title>{meta}</head><body>'
         '<header class="header"><nav class="navbar"><ul class="nav"><li><a href="/">Home</a></li>'
         '<li><a href="/listing/latest?page=1">Latest</a></li><li><a href="/nl_sub.aspx?lang=en">Newsletter</a></li>'
         '</ul></nav></header>')
_FOOT = ('<footer class="footer"><p>Copyright &copy; 2026 MENAFN. All rights reserved.</p>'
         '<a href="/contact">Contact Us</a></footer></body></html>')
_ERROR_BLOCK = ('<div id="HiddenErrorDiv" class="container"{hidden}><div class="Style403">403</div>'
                '<div class="SorryStyle text-left">Sorry!!</div><div class="ErrorTextStyle">Error! We\'re sorry, '
                'but the page you were looking for doesn\'t exist.</div></div>')
_DISCLAIMER = ('<div class="entry-summary"><p><b>Legal Disclaimer:</b><br/> <a href="https://menafn.com/">MENAFN</a> '
               'provides the information \u201cas is\u201d without warranty of any kind. We do not accept any '
               'responsibility or liability for the accuracy, content, images, videos, licenses, completeness, '
               'legality, or reliability of the information contained in this article. If you have any complaints '
               'or copyright issues related to this article, kindly contact the provider above.</p></div>')
_CHALLENGE = ('<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>'
              '<h1>menafn.com</h1><h2 id="challenge-running">Checking if the site connection is secure</h2>'
              '<div class="footer">Performance &amp; security by Cloudflare</div></body></html>')


def _dateline(story: Story) -> str:
    return "(MENAFN)" if story.provider == "MENAFN" else f"(MENAFN- {story.provider})"


def _token(story: Story) -> str:
    when = datetime.fromisoformat(story.published)
    return f"MENAFN{when:%d%m%Y}{int(story.story_id) % 10**12:012d}ID{story.story_id}"


def _related(others: list[Story]) -> str:
    items = "".join(f'<li><a href="{o.link_path}">{escape(o.title)}</a></li>' for o in others)
    return (f'<div id="ContentPlaceHolder1_Rightcol" class="col-sm-3"><h3 class="heading-large-left">Market Research'
            f'</h3><ul class="popular-news-list">{items}</ul><div id="RColNewslatter"><form action="/nl_sub.aspx">'
            '<input name="email"/></form></div></div>')


def story_html(story: Story, others: list[Story] = ()) -> str:
    """The ASP.NET story page of design/menafn.md (hidden error block, disclaimer, right column)."""
    paras = [f"{_dateline(story)} {story.paragraphs[0]}", *story.paragraphs[1:], _token(story)]
    body = "".join(f"<p>{escape(p)}</p>" for p in paras)
    on_page = story.published.replace("T", " ")
    meta = (f'<meta property="og:title" content="{escape(story.title)}"/>'
            f'<link rel="canonical" href="{BASE_TOKEN}{story.path}"/>')
    return (_HEAD.format(title=escape(story.title), meta=meta) + '<form method="post" action="./" id="form1">'
            + _ERROR_BLOCK.format(hidden=" hidden") + '<div id="HiddenMainDiv"><div id="ContentPlaceHolder1_div_story"'
            f' class="col-sm-9"><h1 class="main-entry-title classfont38">{escape(story.title)}</h1>'
            f'<div class="entry-blog-meta"><span class="entry-date">{on_page[:10]}</span></div>'
            f'<time class="entry-date"><span id="ContentPlaceHolder1_lbl_date_story">{on_page}</span></time>'
            '<p id="ContentPlaceHolder1_author_section"></p>'
            f'<h2 class="main-entry-title">{escape(story.provider)}</h2>'
            '<div id="ContentPlaceHolder1_social_edg"><a href="#">Share</a></div><div class="entry-summary"></div>'
            f'<div class="entry-summary tit ">{body}</div>{_DISCLAIMER}'
            '<div class="post-meta-info-list comments"><p>Comments</p><span class="leave-reply">No comment</span></div>'
            f'<h3 class="heading-large-left">More Stories</h3></div>{_related(others)}</div></form>' + _FOOT)


def changed_layout_html(story: Story) -> str:
    """A redesigned page: no ASP.NET ids, an ``<article>`` and JSON-LD instead."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
          "datePublished": story.published, "publisher": {"@type": "Organization", "name": "MENAFN"},
          "author": {"@type": "Organization", "name": story.provider}}
    paras = [f"{_dateline(story)} {story.paragraphs[0]}", *story.paragraphs[1:]]
    meta = (f'<meta property="og:title" content="{escape(story.title)}"/><meta property="article:published_time" '
            f'content="{story.published}"/><script type="application/ld+json">{json.dumps(ld)}</script>')
    return (_HEAD.format(title=f"{escape(story.title)} | MENAFN.COM", meta=meta)
            + f'<main class="page"><article class="story-v2"><header><h1 class="headline">{escape(story.title)}</h1>'
            f'<div class="byline"><time datetime="{story.published}">{story.published[:10]}</time></div></header>'
            f'<section class="story-body">{"".join(f"<p>{escape(p)}</p>" for p in paras)}</section></article>'
            '<aside class="sidebar"><h3>Most Read</h3></aside></main>' + _FOOT)


def shell_html() -> str:
    """MENAFN's "not found" page: error block shown, story wrapper hidden (served with 200 for a soft 404)."""
    return (_HEAD.format(title="MENAFN.COM", meta="") + '<form method="post" action="./" id="form1">'
            + _ERROR_BLOCK.format(hidden="") + '<div id="HiddenMainDiv" hidden><h1 class="main-entry-title"></h1>'
            f'<div class="entry-summary tit "></div>{_DISCLAIMER}</div></form>' + _FOOT)


def _story_pages(story: Story, others: list[Story]) -> dict[str, Page]:
    kind = story.kind
    pages: dict[str, Page] = {}
    page = Page(story_html(story, others))
    if kind == "gone404":
        page = Page(shell_html(), status=404)
    elif kind == "gone410":
        page = Page(shell_html(), status=410)
    elif kind == "challenge403":
        page = Page(_CHALLENGE, status=403)
    elif kind == "soft404":
        page = Page(shell_html())
    elif kind == "changed_layout":
        page = Page(changed_layout_html(story))
    elif kind == "flaky503":
        page.fail_first, page.fail_status, page.fail_headers = 1, 503, {"Retry-After": "1"}
    elif kind == "throttled429":
        page.fail_first, page.fail_status = 2, 429
    elif kind in ("legacy_redirect", "guid_redirect"):
        pages[story.link_path] = redirect(f"{BASE_TOKEN}{story.path}", 301 if kind == "legacy_redirect" else 302)
    pages[story.path] = page
    return pages


def _listing(stories: list[Story], page: int, n_pages: int) -> str:
    cards = "".join(
        f'<div class="col-sm-6 news-card"><a href="{s.link_path}" class="news-title">{escape(s.title)}</a>'
        f'<span class="entry-date">{s.published[:10]}</span><p class="summary">{escape(s.paragraphs[0][:140])}...</p></div>'
        for s in stories
    )
    if stories and stories[0].kind == "ok":  # the same story again, spelled differently
        cards += f'<div class="teaser"><a href="{stories[0].path}?src=home#top">{escape(stories[0].title)}</a></div>'
    nav = ""
    if page < n_pages:  # alternate the two pagination styles the spider must follow
        nxt = f"/listing/latest?page={page + 1}"
        nav = (f'<a rel="next" href="{nxt}">Next &raquo;</a>' if page % 2 else f'<a class="page-link" href="{nxt}">Next</a>')
    return (_HEAD.format(title=f"Latest News - Page {page} | MENAFN.COM", meta="")
            + f'<div class="container"><h1>Latest</h1><div class="row">{cards}</div>'
            f'<ul class="pagination"><li>{nav}</li></ul></div>' + _FOOT)


def _rss(stories: list[Story]) -> str:
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>{BASE_TOKEN}{s.link_path.replace('&', '&amp;')}"
        f"{'&amp;' if '?' in s.link_path else '?'}src=RSS</link>"
        f"<description>{escape(s.paragraphs[0][:200])}</description><author>marketing@menafn.com (MENAFN)</author>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(s.published))}</pubDate></item>"
        for s in stories
    )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>MENAFN - Latest</title>'
            f"<link>{BASE_TOKEN}/</link><description>Latest news</description>{items}</channel></rss>")


def _robots(stories: list[Story]) -> str:
    lines = ["User-agent: *", "Disallow: /nl_sub.aspx"]
    lines += [f"Disallow: /{s.story_id}/" for s in stories if s.kind == "robots_blocked"]
    return "\n".join(lines) + "\n"


# -- serving and crawling -------------------------------------------------------------
def serve(site: Site) -> LoopbackSite:
    """A started server for ``site`` (stop it, or use it as a context manager)."""
    server = LoopbackSite(site.render(), not_found=Page(shell_html(), status=404))
    return server.start()


FAST = ["AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1",
        "CONCURRENT_REQUESTS_PER_DOMAIN=8", "LOG_LEVEL=INFO", "TELNETCONSOLE_ENABLED=0"]


@dataclass
class CrawlResult:
    returncode: int
    stderr: str
    items: list[dict]
    stats: dict

    @property
    def ids(self) -> list[str]:
        return [i.get("story_id") for i in self.items]


def run_crawl(start_urls: list[str], workdir: Path, *settings: str, spider: str = "menafn",
              timeout: float = 180, fast: bool = True) -> CrawlResult:
    """``python -m scrapy crawl`` in a subprocess with its data dir in ``workdir``; the feed and stats read back."""
    workdir.mkdir(parents=True, exist_ok=True)
    out, stats_file = workdir / "out.jsonl", workdir / "stats.json"
    for stale in (out, stats_file):
        stale.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-O", str(out),
           "-s", 'EXTENSIONS={"tests.site_server.StatsDump": 999}']
    if start_urls:
        cmd += ["-a", "start_urls=" + ",".join(start_urls)]
    for item in [*(FAST if fast else []), *settings]:
        cmd += ["-s", item]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data"), "NEWSCRAWL_TEST_STATS": str(stats_file),
           "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] if out.exists() else []
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return CrawlResult(proc.returncode, proc.stderr, items, stats)


class StatsDump:
    """Test-only extension: writes the crawl's stats as JSON to ``$NEWSCRAWL_TEST_STATS`` when the spider closes."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider, reason):
        path = os.environ.get("NEWSCRAWL_TEST_STATS")
        if path:
            Path(path).write_text(json.dumps(self.crawler.stats.get_stats(), default=str), encoding="utf-8")
