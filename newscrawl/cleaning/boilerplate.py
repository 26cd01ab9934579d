"""Strip what surrounds a story: disclaimers, labels, tracking tokens, FLS blocks, dateline, title.

Why one step: these are all *the page's* text rather than the story's, and
they are found the same way (rules.py data matched line by line, or across
lines for disclaimers). The dateline and the title are not thrown away: they
fill ``doc.provider`` / ``doc.title``, and a date label fills ``doc.published``.
Every removal is counted in ``doc.removed[rule]``.
"""

from __future__ import annotations

import re
from collections import Counter

from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.rules import DEFAULT_RULES, CompiledRules, Rules
from newscrawl.cleaning.text import fix_mojibake, match_key, normalize_space

TITLE_MAX_WORDS = 30  # a title line is short...
_SENTENCE_END = (".", ";", ",")  # ...and does not end like a sentence (titles may end in ? or !)


def repair(paragraphs: list[str]) -> list[str]:
    """Undo mojibake and collapse spacing; drop paragraphs left blank."""
    out = []
    for p in paragraphs:
        fixed = fix_mojibake(p)
        while fixed != p:  # text damaged twice needs two passes; each pass shortens it, so this ends
            p, fixed = fixed, fix_mojibake(fixed)
        p = normalize_space(p)
        if p:
            out.append(p)
    return out


def remove_spans(paragraphs: list[str], rules: CompiledRules, removed: Counter) -> list[str]:
    """Remove disclaimers and tracking tokens, which may span or sit inside paragraphs.

    Runs on the paragraphs joined by newlines so a disclaimer broken over
    several lines is one match; a removed span leaves a paragraph break, never
    glues the text on either side into a new line.
    """
    if not paragraphs:
        return paragraphs
    text = "\n".join(paragraphs)
    lowered = text.lower()
    changed = False
    for span in rules.spans:
        if span.anchor is not None and span.anchor not in lowered:
            continue  # the cheap test first: most texts lack most disclaimers
        text, n = span.regex.subn("\n", text)
        if n:
            removed[span.rule] += n
            changed = True
    if not changed:
        return paragraphs
    original = set(paragraphs)
    # Left-over punctuation (the "." after a removed token) is not a paragraph.
    return [q for q in (normalize_space(line) for line in text.split("\n"))
            if q and (q in original or any(ch.isalnum() for ch in q))]


def remove_label_lines(paragraphs: list[str], rules: CompiledRules, removed: Counter,
                       doc: Document | None = None) -> tuple[list[str], bool]:
    """Drop label and date lines; return the rest and whether the lines before the first kept one were labels."""
    out: list[str] = []
    lead = False
    for p in paragraphs:
        if len(p) <= rules.max_line_chars:
            m = _first_match(rules.date_lines, p, full=True)
            if m:
                removed["date_line"] += 1
                lead = lead or not out
                if doc is not None and not doc.published and m.groupdict().get("date"):
                    time = m.groupdict().get("time")
                    doc.published = m.group("date") + (f"T{time}" if time else "")
                continue
            if rules.label_lines is not None and rules.label_lines.fullmatch(p):
                removed["label"] += 1
                continue
        out.append(p)
    return out, lead


def remove_fls_blocks(paragraphs: list[str], rules: CompiledRules, removed: Counter) -> list[str]:
    """Drop forward-looking-statement / safe-harbor blocks of press releases.

    A block opens with a heading (alone, or leading its paragraph) or with a
    paragraph carrying two distinct FLS phrases, and runs on while the next
    paragraphs carry at least one. A news story that mentions "forward-looking
    statements" once keeps its sentence.
    """
    if rules.fls_markers is None or not any("forward" in p.lower() or "harbor" in p.lower() for p in paragraphs):
        return paragraphs
    out: list[str] = []
    in_block = False
    for p in paragraphs:
        markers = {m.group(0).lower() for m in rules.fls_markers.finditer(p)}
        heading = rules.fls_headings.match(p) if rules.fls_headings is not None else None
        is_heading = heading is not None and (heading.end() == len(p) or (len(markers) >= 1 and heading.end() < 80))
        if is_heading or len(markers) >= 2 or (in_block and markers):
            in_block = True
            removed["fls"] += 1
            continue
        in_block = False
        out.append(p)
    return out


def story_paragraphs(paragraphs: list[str], rules: CompiledRules) -> list[str]:
    """What is left of a page once boilerplate is gone (used by the shell check, edits nothing)."""
    scratch: Counter = Counter()
    paras = remove_spans(repair(paragraphs), rules, scratch)
    paras, _ = remove_label_lines(paras, rules, scratch)
    return remove_fls_blocks(paras, rules, scratch)


class BoilerplateStripper:
    """Step "boilerplate": remove the page's own text around the story, keep the story."""

    name = "boilerplate"

    def __init__(self, rules: Rules | None = None):
        self.rules = rules or DEFAULT_RULES

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        removed = doc.removed
        paras = remove_spans(repair(doc.paragraphs), rules, removed)
        paras, lead = remove_label_lines(paras, rules, removed, doc)
        paras = remove_fls_blocks(paras, rules, removed)
        titled = self._drop_title_lines(paras, doc)
        title_seen = len(titled) != len(paras)
        paras, dateline_at = self._strip_datelines(titled, rules, doc)
        if not title_seen:
            paras = self._strip_title_line(paras, doc, dateline_at, lead or bool(doc.extra.get("lead_shell_lines")))
        doc.paragraphs = paras
        return None

    @staticmethod
    def _drop_title_lines(paras: list[str], doc: Document) -> list[str]:
        """Drop lines equal to a known title (case, spacing and punctuation ignored)."""
        key = match_key(doc.title) if doc.title else ""
        if not key:
            return paras
        kept = [p for p in paras if match_key(p) != key]
        if len(kept) != len(paras):
            doc.removed["title"] += len(paras) - len(kept)
        return kept

    @staticmethod
    def _strip_datelines(paras: list[str], rules: CompiledRules, doc: Document) -> tuple[list[str], int | None]:
        """Cut ``(MENAFN- Provider)`` from the start of paragraphs; the first fills ``doc.provider``."""
        if not rules.datelines:
            return paras, None
        first = None
        out = []
        for p in paras:
            m = _first_match(rules.datelines, p)
            while m is not None and m.end() > 0:
                if first is None:
                    first = len(out)
                    groups = m.groupdict()
                    provider = normalize_space(groups.get("provider") or groups.get("site") or "")
                    if provider and not doc.provider:
                        doc.provider = provider
                doc.removed["dateline"] += 1
                p = p[m.end():].strip()
                m = _first_match(rules.datelines, p)
            if p:
                out.append(p)
        return out, first

    @staticmethod
    def _strip_title_line(paras: list[str], doc: Document, dateline_at: int | None, lead_removed: bool) -> list[str]:
        """Drop the headline found by position: the short line before the dateline or after the date line."""
        at = None
        if dateline_at is not None and 1 <= dateline_at <= 3:
            at = dateline_at - 1  # the line just before "(MENAFN- ...)" is the headline
        elif not doc.title and lead_removed and len(paras) >= 2:
            at = 0  # the first line after the page's date / error lines
        if at is None or not _looks_like_title(paras[at], strict=dateline_at is None):
            return paras
        if not doc.title:
            doc.title = paras[at]
        doc.removed["title"] += 1
        return paras[:at] + paras[at + 1:]


def _first_match(regexes, text: str, full: bool = False) -> re.Match[str] | None:
    for regex in regexes:
        m = regex.fullmatch(text) if full else regex.match(text)
        if m:
            return m
    return None


def _looks_like_title(p: str, strict: bool) -> bool:
    words = len(p.split())
    if words > TITLE_MAX_WORDS or p.endswith(_SENTENCE_END):
        return False
    # Without a dateline to confirm it, ask for a headline-length line.
    return not strict or (words <= 20 and not p.endswith(("!", "?", ":", '"', "”")))

