"""Putting back the parts of an article that trafilatura leaves out, from the page's own markup.

trafilatura picks one container as the article, and in precision mode drops
short blocks it cannot judge. On news pages that loses real text:

- an article split by ad slots into sibling containers of one kind
  (``<div class="article-body">`` ... ad ... ``<div class="article-body">``):
  only the first is kept;
- subheadings (often anchor links: ``<h2><a href="#cost">``) between story
  paragraphs;
- lines that are only a link but belong to the story: a contact address
  (``mailto:``), a document ("read the full report here"), a jump link.

The extracted paragraphs are found again in the page (same match key, in
order); the container holding most of them is the article. Its siblings of
the same kind (tag and class) that hold story text are added, and inside the
article a heading that introduces a kept paragraph, or a content link line
next to one, is put back. Everything keeps page order. Navigation (a list of
links to other stories, "Related: ..." lines) is not story and stays out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from lxml import etree

from newscrawl.cleaning.text import match_key, word_tokens
from newscrawl.extraction.blocks import block_elements
from newscrawl.extraction.links import LINK_SHARE, NAVIGATION_LABEL_RE, content_link, link_share, story_link_line

HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
MAX_HEADING_WORDS = 20
ARTICLE_SHARE = 0.8  # the article's container holds at least this share of the extracted words
MIN_PARAGRAPH_WORDS = 12  # a sibling container adds story only with two paragraphs this long (not an author box)
_STOP_ANCESTORS = frozenset({"body", "html", "article", "main"})  # never look at the siblings of these
_NOT_STORY_RE = re.compile(r"\b(?:ad|ads|advert\w*|promo\w*|related|recommend\w*|newsletter|share|social|sidebar|"
                           r"comments?|footer|teaser|outbrain|taboola|sponsor\w*)\b", re.IGNORECASE)


def _signature(el: etree._Element) -> tuple[str, str]:
    """Tag and class (digits dropped: ``para-1``/``para-2`` are one kind), or id when there is no class."""
    label = el.get("class") or el.get("id") or ""
    return el.tag if isinstance(el.tag, str) else "", re.sub(r"\d+", "", " ".join(label.split()))


def _words(text: str) -> int:
    return len(word_tokens(text))


def _is_link_line(el: etree._Element) -> bool:
    return link_share(el, "a") >= LINK_SHARE


def _links_away(el: etree._Element) -> bool:
    """A heading that is (or sits in) a link to another page: a related story's title, not a subheading."""
    outer = next((a for a in el.iterancestors("a")), None)
    if outer is not None:
        return not content_link(outer.get("href"))
    return _is_link_line(el) and not story_link_line(el, "a")


def _ancestors(el: etree._Element) -> list[etree._Element]:
    return [el, *el.iterancestors()]


def _article_root(matched: list[tuple[etree._Element, int]]) -> etree._Element | None:
    """The deepest element holding ``ARTICLE_SHARE`` of the matched words."""
    total = sum(w for _, w in matched)
    weight: dict[etree._Element, int] = defaultdict(int)
    depth: dict[etree._Element, int] = {}
    for el, words in matched:
        chain = _ancestors(el)
        for d, anc in enumerate(reversed(chain)):
            weight[anc] += words
            depth[anc] = d
    holding = [el for el, w in weight.items() if w >= ARTICLE_SHARE * total]
    return max(holding, key=lambda el: depth[el]) if holding else None


def _story_siblings(root: etree._Element) -> list[etree._Element]:
    """Containers beside the article (or its wrapper, up to two levels) of the same kind, holding story text."""
    found: list[etree._Element] = []
    level = root
    for _ in range(3):
        parent = level.getparent()
        if parent is None or not isinstance(level.tag, str) or level.tag in _STOP_ANCESTORS:
            break
        signature = _signature(level)
        if signature[1]:
            for sibling in parent:
                if sibling is level or _signature(sibling) != signature or _NOT_STORY_RE.search(signature[1]):
                    continue
                paragraphs = [p for p in sibling.iter("p") if _words(" ".join(p.itertext())) >= MIN_PARAGRAPH_WORDS]
                if link_share(sibling, "a") < 0.3 and len(paragraphs) >= 2:
                    found.append(sibling)
        if found:
            break
        level = parent
    return found


def _inside(el: etree._Element, containers: list[etree._Element]) -> bool:
    return any(c is el or c in el.iterancestors() for c in containers)


def restore_blocks(paragraphs: list[str], root: etree._Element) -> list[str]:
    """``paragraphs`` (trafilatura's, in order) with the article's left-out blocks put back in page order."""
    if len(paragraphs) < 2 or root is None:
        return paragraphs
    blocks = block_elements(root)
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, (_, text) in enumerate(blocks):
        by_key[match_key(text)].append(index)
    position: list[float] = []
    anchors: dict[int, int] = {}  # block index -> paragraph index
    last = -1
    for i, paragraph in enumerate(paragraphs):
        index = next((b for b in by_key.get(match_key(paragraph), ()) if b > last), None)
        if index is None:
            position.append(last + 0.5)
            continue
        anchors[index] = i
        position.append(float(index))
        last = index
    if len(anchors) < 2:
        return paragraphs
    article = _article_root([(blocks[b][0], _words(blocks[b][1])) for b in anchors])
    if article is None:
        return paragraphs
    siblings = _story_siblings(article)
    containers = [article, *siblings]
    first, final = min(anchors), max(anchors)
    added: list[tuple[float, str]] = []
    for index, (el, text) in enumerate(blocks):
        if index in anchors or not _inside(el, containers):
            continue
        in_sibling = _inside(el, siblings) and not _inside(el, [article])
        if in_sibling and (not _is_link_line(el) or story_link_line(el, "a")) \
                and not NAVIGATION_LABEL_RE.match(text):
            added.append((index, text))
            continue
        if not first < index <= final + 2:
            continue
        next_anchor = min((b for b in anchors if b > index), default=None)
        if el.tag in HEADINGS and _words(text) <= MAX_HEADING_WORDS and not NAVIGATION_LABEL_RE.match(text) \
                and not _links_away(el) \
                and next_anchor is not None and all(b in anchors or b == index for b in range(index, next_anchor)):
            added.append((index, text))
        elif _is_link_line(el) and story_link_line(el, "a"):
            added.append((index, text))
    if not added:
        return paragraphs
    merged = sorted([*zip(position, paragraphs), *added], key=lambda item: item[0])
    return [text for _, text in merged]
