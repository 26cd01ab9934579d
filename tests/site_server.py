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

import errno
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from scrapy import signals

from newscrawl.demo_site.server import LoopbackSite, Page
from newscrawl.feeds import DurableFileFeedStorage
from newscrawl.demo_site.templates import LISTING_PATH, RSS_PATH, Story, render_site, shell_html

REPO = Path(__file__).resolve().parents[1]
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
class Site:
    stories: list[Story]
    per_page: int = 10
    rss_items: int = 15
    rss_only: int = 3
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    listing_path = LISTING_PATH
    rss_path = RSS_PATH

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
        return render_site(self.stories, per_page=self.per_page, rss_items=self.rss_items, rss_only=self.rss_only)


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


# -- serving and crawling -------------------------------------------------------------
def serve(site: Site) -> LoopbackSite:
    """A started server for ``site`` (stop it, or use it as a context manager)."""
    server = LoopbackSite(site.render(), not_found=Page(shell_html(), status=404))
    return server.start()


# The project's add-on and the test-only stats dump (-s ADDONS replaces the project's ADDONS).
ADDONS = 'ADDONS={"newscrawl.addon.NewscrawlAddon": 0, "tests.site_server.StatsDumpAddon": 1}'
# Cleaning in the crawl's process unless a test asks for workers (spawning one costs every crawl a second).
FAST = ["AUTOTHROTTLE_ENABLED=0", "DOWNLOAD_DELAY=0", "NEWSCRAWL_CLEANING_WORKERS=0",
        "NEWSCRAWL_RETRY_BACKOFF_BASE=0.1", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "LOG_LEVEL=INFO"]


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
    """``python -m scrapy crawl`` in a subprocess with its data dir in ``workdir/data``; the run's feed (the
    project's: ``data/feeds/<spider>/<run>.jsonl``, named in the run's summary) and stats read back."""
    workdir.mkdir(parents=True, exist_ok=True)
    stats_file = workdir / "stats.json"
    stats_file.unlink(missing_ok=True)
    runs = workdir / "data" / "runs" / spider
    before = set(runs.glob("*.json")) if runs.exists() else set()
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, "-s", ADDONS]
    if start_urls:
        cmd += ["-a", "start_urls=" + ",".join(start_urls)]
    for item in [*(FAST if fast else []), *settings]:
        cmd += ["-s", item]
    env = {**os.environ, "NEWSCRAWL_DATA_DIR": str(workdir / "data"), "NEWSCRAWL_TEST_STATS": str(stats_file),
           "SCRAPY_SETTINGS_MODULE": "newscrawl.settings", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
    items = []
    for summary in sorted(set(runs.glob("*.json")) - before) if runs.exists() else ():
        for feed in json.loads(summary.read_text(encoding="utf-8")).get("feeds") or ():
            if Path(feed).is_file():
                items += [json.loads(line) for line in Path(feed).read_text(encoding="utf-8").splitlines()]
    stats = json.loads(stats_file.read_text(encoding="utf-8")) if stats_file.exists() else {}
    return CrawlResult(proc.returncode, proc.stderr, items, stats)


def data_lines(data: Path, kind: str = "feeds", spider: str = "menafn") -> list[dict]:
    """Every whole JSON line of a data directory's feeds (or rejects) of ``spider``, oldest run first."""
    out = []
    for path in sorted((data / kind / spider).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # a torn last line of a killed run is not a story
    return out


def start_crawl(start_urls: list[str], data: Path, *settings: str, spider: str = "menafn",
                args: tuple[str, ...] = (), env: dict[str, str] | None = None) -> subprocess.Popen:
    """``scrapy crawl`` in the background, its data directory ``data``, its feeds the project's (no ``-O``)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider, *args]
    if start_urls:
        cmd += ["-a", "start_urls=" + ",".join(start_urls)]
    for item in [*FAST, "LOG_LEVEL=WARNING", *settings]:
        cmd += ["-s", item]
    environ = {**os.environ, "NEWSCRAWL_DATA_DIR": str(data), "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.Popen(cmd, cwd=REPO, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen, timeout: float = 180) -> tuple[int, str]:
    """Wait for a ``start_crawl`` process: its exit status and stderr."""
    stderr = proc.communicate(timeout=timeout)[1].decode("utf-8", "replace")
    return proc.returncode, stderr


def wait_for_lines(data: Path, n: int, proc: subprocess.Popen | None = None, timeout: float = 60) -> int:
    """Wait until the data directory's feeds hold ``n`` lines (or ``proc`` ended); the lines there are."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and (proc is None or proc.poll() is None) and len(data_lines(data)) < n:
        time.sleep(0.02)
    return len(data_lines(data))


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


class FailingAfterFile:
    """A raw file whose writes fail with ENOSPC (a full disk) after ``lines`` writes."""

    def __init__(self, file, lines: int):
        self._file = file
        self.left = lines

    def write(self, data) -> int:
        if self.left <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.left -= 1
        return self._file.write(data)

    def __getattr__(self, name: str):
        return getattr(self._file, name)


class FillingFeedStorage(DurableFileFeedStorage):
    """Test-only feed storage, ``filling:///path``: a local feed whose disk fills after
    ``$NEWSCRAWL_TEST_FEED_LINES`` lines (register it with ``FEED_STORAGES={"filling": ...}``)."""

    def __init__(self, uri, *, feed_options=None):
        super().__init__("file://" + uri.split("://", 1)[1], feed_options=feed_options)

    def open(self, spider):
        file = super().open(spider)
        file._file = FailingAfterFile(file._file, int(os.environ["NEWSCRAWL_TEST_FEED_LINES"]))
        return file


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


class StatsDumpAddon:
    """Enables ``StatsDump`` next to whatever extensions the project settings enable (``-s ADDONS=...``)."""

    def update_settings(self, settings):
        settings.set_in_component_priority_dict("EXTENSIONS", StatsDump, 999)
