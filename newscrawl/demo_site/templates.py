"""MENAFN-like pages from story data: story pages, listings, an RSS feed, robots.txt.

Pages follow ../shared/design/menafn.md (ASP.NET ids, hidden error block,
legal disclaimer, right column) so the real extractor and cleaning chain meet
what they meet on the site. A story's ``kind`` says how its URL misbehaves
(``gone404``, ``gone410``, ``challenge403``, ``soft404``, ``flaky503``,
``throttled429``, ``legacy_redirect``, ``guid_redirect``, ``changed_layout``,
``robots_blocked``, ``related_only``); ``render_site`` turns stories into
paths for ``LoopbackSite``. The demo and the tests share these templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape

from newscrawl.demo_site.server import BASE_TOKEN, RSS, TEXT, Page, redirect

# Kinds whose story a correct crawl exports (soft404 reaches the spider as a
# 200 page and is dropped later by the cleaning pipelines).
EXPORTED_KINDS = frozenset(
    {"ok", "flaky503", "throttled429", "legacy_redirect", "guid_redirect", "changed_layout", "related_only"}
)
LISTING_PATH = "/listing/latest?page=1"
RSS_PATH = "/rss/latest.xml"


@dataclass
class Story:
    story_id: str
    slug: str
    title: str
    published: str  # ISO 8601 without zone, as the feed carries it
    provider: str
    paragraphs: list[str] = field(default_factory=list)
    kind: str = "ok"
    guid: str = ""

    @property
    def path(self) -> str:
        return f"/{self.story_id}/{self.slug}"

    @property
    def link_path(self) -> str:
        """The path listings use (the legacy or GUID form for the redirect kinds)."""
        if self.kind == "legacy_redirect":
            return f"/qn_news_story_s.aspx?storyid={self.story_id}&title={self.slug}"
        if self.kind == "guid_redirect":
            return f"/menafn/{self.guid}/{self.slug}"
        return self.path

    @property
    def exported(self) -> bool:
        return self.kind in EXPORTED_KINDS


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
CHALLENGE_HTML = ('<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title></head><body>'
                  '<h1>menafn.com</h1><h2 id="challenge-running">Checking if the site connection is secure</h2>'
                  '<div class="footer">Performance &amp; security by Cloudflare</div></body></html>')


def dateline(story: Story) -> str:
    return "(MENAFN)" if story.provider == "MENAFN" else f"(MENAFN- {story.provider})"


def tracking_token(story: Story) -> str:
    when = datetime.fromisoformat(story.published)
    return f"MENAFN{when:%d%m%Y}{int(story.story_id) % 10**12:012d}ID{story.story_id}"


def _right_column(others: list[Story]) -> str:
    items = "".join(f'<li><a href="{o.link_path}">{escape(o.title)}</a></li>' for o in others)
    return (f'<div id="ContentPlaceHolder1_Rightcol" class="col-sm-3"><h3 class="heading-large-left">Market Research'
            f'</h3><ul class="popular-news-list">{items}</ul><div id="RColNewslatter"><form action="/nl_sub.aspx">'
            '<input name="email"/></form></div></div>')


def story_html(story: Story, others: list[Story] = ()) -> str:
    """The ASP.NET story page: hidden error block, dateline, tracking token, disclaimer, right column."""
    paras = [f"{dateline(story)} {story.paragraphs[0]}", *story.paragraphs[1:], tracking_token(story)]
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
            f'<h3 class="heading-large-left">More Stories</h3></div>{_right_column(others)}</div></form>' + _FOOT)


def changed_layout_html(story: Story) -> str:
    """A redesigned page: no ASP.NET ids; an ``<article>``, Open Graph and JSON-LD instead."""
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": story.title,
          "datePublished": story.published, "publisher": {"@type": "Organization", "name": "MENAFN"}}
    paras = [f"{dateline(story)} {story.paragraphs[0]}", *story.paragraphs[1:]]
    meta = (f'<meta property="og:title" content="{escape(story.title)}"/><meta property="article:published_time" '
            f'content="{story.published}"/><script type="application/ld+json">{json.dumps(ld)}</script>')
    return (_HEAD.format(title=f"{escape(story.title)} | MENAFN.COM", meta=meta)
            + f'<main class="page"><article class="story-v2"><header><h1 class="headline">{escape(story.title)}</h1>'
            f'<div class="byline"><time datetime="{story.published}">{story.published[:10]}</time></div></header>'
            f'<section class="story-body">{"".join(f"<p>{escape(p)}</p>" for p in paras)}</section></article>'
            '<aside class="sidebar"><h3>Most Read</h3></aside></main>' + _FOOT)


def shell_html() -> str:
    """The "not found" page: error block shown, story wrapper hidden (a soft 404 when served with 200)."""
    return (_HEAD.format(title="MENAFN.COM", meta="") + '<form method="post" action="./" id="form1">'
            + _ERROR_BLOCK.format(hidden="") + '<div id="HiddenMainDiv" hidden><h1 class="main-entry-title"></h1>'
            f'<div class="entry-summary tit "></div>{_DISCLAIMER}</div></form>' + _FOOT)


def story_pages(story: Story, others: list[Story] = ()) -> dict[str, Page]:
    """The story's path (and its legacy/GUID path for the redirect kinds) as its kind answers."""
    kind = story.kind
    pages: dict[str, Page] = {}
    page = Page(story_html(story, others))
    if kind in ("gone404", "gone410"):
        page = Page(shell_html(), status=int(kind[-3:]))
    elif kind == "challenge403":
        page = Page(CHALLENGE_HTML, status=403)
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


def alias_path(story: Story) -> str:
    """Another spelling of the story's URL (the slug in lower case), served like the story."""
    return story.path.lower()


def listing_html(stories: list[Story], page: int, n_pages: int) -> str:
    """A listing page; odd pages paginate with ``rel=next``, even ones with a plain "Next" link."""
    cards = "".join(
        f'<div class="col-sm-6 news-card"><a href="{s.link_path}" class="news-title">{escape(s.title)}</a>'
        f'<span class="entry-date">{s.published[:10]}</span><p class="summary">{escape(s.paragraphs[0][:140])}...</p></div>'
        for s in stories
    )
    if stories and stories[0].kind == "ok":  # the same story again: another URL, the same story id
        cards += f'<div class="teaser"><a href="{alias_path(stories[0])}?src=home#top">{escape(stories[0].title)}</a></div>'
    nav = ""
    if page < n_pages:
        nxt = f"/listing/latest?page={page + 1}"
        nav = f'<a rel="next" href="{nxt}">Next &raquo;</a>' if page % 2 else f'<a class="page-link" href="{nxt}">Next</a>'
    return (_HEAD.format(title=f"Latest News - Page {page} | MENAFN.COM", meta="")
            + f'<div class="container"><h1>Latest</h1><div class="row">{cards}</div>'
            f'<ul class="pagination"><li>{nav}</li></ul></div>' + _FOOT)


def rss_xml(stories: list[Story]) -> str:
    """RSS 2.0 with absolute ``?src=RSS`` links, as MENAFN's feeds have them."""
    items = "".join(
        f"<item><title>{escape(s.title)}</title><link>{BASE_TOKEN}{escape(s.link_path)}"
        f"{'&amp;' if '?' in s.link_path else '?'}src=RSS</link>"
        f"<description>{escape(s.paragraphs[0][:200])}</description><author>marketing@menafn.com (MENAFN)</author>"
        f"<pubDate>{format_datetime(datetime.fromisoformat(s.published))}</pubDate></item>"
        for s in stories
    )
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>MENAFN - Latest</title>'
            f"<link>{BASE_TOKEN}/</link><description>Latest news</description>{items}</channel></rss>")


def robots_txt(stories: list[Story]) -> str:
    lines = ["User-agent: *", "Disallow: /nl_sub.aspx"]
    lines += [f"Disallow: /{s.story_id}/" for s in stories if s.kind == "robots_blocked"]
    return "\n".join(lines) + "\n"


def render_site(stories: list[Story], *, per_page: int = 10, rss_items: int = 15, rss_only: int = 3) -> dict[str, Page]:
    """Every path of a site of ``stories`` (newest first): story pages, paginated listing, RSS, robots.txt.

    The first ``rss_only`` stories are in the feed only; ``related_only``
    stories are linked only from another story's right column.
    """
    pages: dict[str, Page] = {"/robots.txt": Page(robots_txt(stories), content_type=TEXT)}
    related = [s for s in stories if s.kind == "related_only"]
    listed = [s for s in stories if s.kind != "related_only"]
    plain = [s for s in listed if s.kind == "ok"]
    hosts = {host.story_id: story for host, story in zip(plain[len(plain) // 2:], related)}
    for i, story in enumerate(listed):
        others = [o for o in listed[max(0, i - 3):i + 3] if o is not story][:3]
        extra = hosts.get(story.story_id)
        pages.update(story_pages(story, others + ([extra] if extra else [])))
    for story in related:
        pages.update(story_pages(story))
    on_listing = listed[rss_only:]
    n_pages = max(1, -(-len(on_listing) // per_page))
    for p in range(1, n_pages + 1):
        chunk = on_listing[(p - 1) * per_page:p * per_page]
        pages[f"/listing/latest?page={p}"] = Page(listing_html(chunk, p, n_pages))
        if chunk and chunk[0].kind == "ok":
            pages[alias_path(chunk[0])] = pages[chunk[0].path]
    pages[RSS_PATH] = Page(rss_xml(listed[:rss_items]), content_type=RSS)
    return pages
