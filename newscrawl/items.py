"""The story item every spider yields and every feed line holds.

A dataclass handled through ``itemadapter``. Fields after ``extraction`` are
private working data for the pipelines; they are not exported (see
``FEED_EXPORT_FIELDS`` in settings).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# Extraction paths, best first: the site's own selectors, page metadata
# (JSON-LD / Open Graph), generic main-text extraction.
EXTRACTION_SITE = "site"
EXTRACTION_METADATA = "metadata"
EXTRACTION_GENERIC = "generic"


@dataclass
class Article:
    url: str
    story_id: str | None = None
    title: str | None = None
    published: str | None = None  # ISO 8601 with the offset the page states, e.g. 2026-02-12T09:41:00+04:00
    modified: str | None = None  # last modification, where the page states one; same form
    provider: str | None = None
    author: str | None = None  # the first of ``authors``, for readers of older feeds
    authors: list[str] = field(default_factory=list)  # people only: no roles, agencies or the site's name
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    body: str = ""  # paragraphs separated by a blank line
    source: str = ""  # spider / site name, e.g. "menafn"
    crawled_at: str | None = None
    http_status: int | None = None
    extraction: str | None = None  # site | metadata | generic
    sources: dict[str, str] = field(default_factory=dict)  # where title, published, modified, author came from
    truncated: bool = False  # the page was served cut off (twice) and no complete copy is known (issue 16)
    replaces: str | None = None  # the story id of a truncated copy this complete one takes the place of
    # -- private, not exported -------------------------------------------
    html: str | None = field(default=None, repr=False)  # raw page, for shell detection; freed once cleaned
    too_costly: str | None = None  # why the page's extraction was stopped (over its time budget)


PRIVATE_FIELDS = {"html", "too_costly"}
EXPORT_FIELDS: list[str] = [f.name for f in fields(Article) if f.name not in PRIVATE_FIELDS]
