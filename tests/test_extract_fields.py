"""extract_article on pages shaped like real news CMS output, one failure each (see fixtures/extraction/truth.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.items import EXPORT_FIELDS, Article
from tests.conftest import extract_by_host

PAGES = Path(__file__).parent / "fixtures" / "extraction"
TRUTH = {name: t for name, t in json.loads((PAGES / "truth.json").read_text(encoding="utf-8")).items()
         if not name.startswith("_")}


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {name: extract_by_host(t["url"], (PAGES / name).read_text(encoding="utf-8")) for name, t in TRUTH.items()}


@pytest.mark.parametrize("name", sorted(TRUTH))
@pytest.mark.parametrize("field", ["title", "published", "modified", "authors"])
def test_fields(articles, name, field):
    assert getattr(articles[name], field) == TRUTH[name][field], TRUTH[name]["what"]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_body(articles, name):
    assert articles[name].body.split("\n\n") == TRUTH[name]["body"], TRUTH[name]["what"]


@pytest.mark.parametrize("name", sorted(TRUTH))
def test_author_is_the_first_of_authors_and_every_field_names_its_source(articles, name):
    a = articles[name]
    assert a.author == (a.authors[0] if a.authors else None)
    found = {"title": a.title, "published": a.published, "modified": a.modified, "author": a.author}
    assert set(a.sources) == {field for field, value in found.items() if value}


def test_sources_say_where_each_field_came_from(articles):
    assert articles["wp-yoast-offset.html"].sources == {"title": "h1", "published": "meta", "modified": "meta", "author": "json-ld"}
    assert articles["gannett-placeholder.html"].sources["published"] == "text"
    assert articles["logo-h1.html"].sources["title"] == "title"
    assert articles["jsonld-teaser.html"].sources["author"] == "byline"


def test_the_json_ld_body_is_used_only_when_it_is_the_whole_story(articles):
    assert articles["paywall-jsonld.html"].extraction == "metadata"
    assert articles["jsonld-teaser.html"].extraction == "generic"  # a teaser
    assert articles["jsonld-full-glued.html"].extraction == "metadata"  # whole, its glued paragraphs pulled apart


def test_new_fields_are_exported():
    assert {"modified", "authors", "sources"} <= set(EXPORT_FIELDS)
    assert EXPORT_FIELDS.index("modified") == EXPORT_FIELDS.index("published") + 1
