"""extract_article on the read-only MENAFN fixtures in ../shared (skipped without them)."""

from __future__ import annotations

from newscrawl.items import EXTRACTION_SITE
from tests.conftest import extract_by_host
from tests.shared_data import SHARED, needs_shared

pytestmark = needs_shared
MENAFN = SHARED / "fixtures" / "menafn"
URL = "https://menafn.com/1109876543/NATO-Chief-Calls-for-Support-of-All-Efforts-to-End-Ukraine-War-Faster?src=RSS"


def extract(name: str, url: str = URL):
    return extract_by_host(url, (MENAFN / name).read_text(encoding="utf-8"))


def test_article_fixture():
    a = extract("article.html")
    assert a.extraction == EXTRACTION_SITE
    assert a.story_id == "1109876543"
    assert a.url == URL.split("?")[0]
    assert a.title == "NATO Chief Calls for Support of All Efforts to End Ukraine War Faster"
    assert a.published == "2026-02-12T09:41:00"
    assert a.provider == "MENAFN"
    assert a.author is None
    assert a.category == "Politics"
    assert a.tags == ["NATO", "Ukraine"]
    assert a.language == "en"
    body = a.body.split("\n\n")
    assert body[0].startswith("(MENAFN) NATO Secretary General Mark Rutte said Wednesday")
    assert body[-1] == "MENAFN12022026000045017640ID1109876543"
    assert body[1:8] == body[8:15]  # the page repeats paragraphs 2..8; cleaning removes them
    assert '"It\'s not up to me to advise allies," he said' in body[2]  # entities decoded
    for chrome in ("403", "Sorry!!", "Error!", "Legal Disclaimer", "No comment", "More Stories", "Market Research",
                   "Rutte: Every Initiative", "Subscribe", "Copyright"):
        assert chrome not in a.body, chrome


def test_syndicated_copy_names_its_provider():
    a = extract("article-syndicated-copy.html", "https://menafn.com/1109876611/Rutte-Every-Initiative")
    assert a.story_id == "1109876611"
    assert a.provider == "Trend News Agency"
    assert a.title == "Rutte: Every Initiative To End Ukraine War Faster Should Be Encouraged"
    assert a.body.split("\n\n")[-2] == "Rutte is due to meet defence ministers again next month."


def test_soft_404_has_no_story():
    a = extract("soft404.html")
    assert a.body == ""
    assert a.extraction is None
    assert a.title is None  # "MENAFN.COM" is the site, not a headline
    assert a.html and "ErrorTextStyle" in a.html  # the raw page stays for shell detection


def test_challenge_page_has_no_story_fields():
    a = extract("challenge-403.html")
    assert a.published is None and a.provider is None and a.tags == []
    assert "NATO" not in a.body
