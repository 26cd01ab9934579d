"""Removing a page's own text from its paragraphs: the passes the boilerplate steps and the shell step share.

Each function takes the paragraphs and the compiled rules of the source
(``rules.CompiledRules``), removes one family of text and counts what it
removed in a ``Counter`` under the rule's name. ``story_paragraphs`` runs them
all on a copy: what is left of a page once its boilerplate is gone, which the
shell step weighs without editing anything.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter

from newscrawl.cleaning.document import Document
from newscrawl.cleaning.rules import Anchored, CompiledRules
from newscrawl.cleaning.text import repair_lines

def repair(paragraphs: list[str]) -> list[str]:
    """Undo mojibake and collapse spacing; drop paragraphs left blank."""
    return repair_lines(paragraphs)


def first_match(regexes, text: str, full: bool = False) -> re.Match[str] | None:
    for regex in regexes:
        m = regex.fullmatch(text) if full else regex.match(text)
        if m:
            return m
    return None


class LowerCase(dict):
    """Paragraph -> its lowercase, filled on first use: the span, FLS and dateline passes all
    look for anchor words in the lowercased text of mostly the same paragraphs (lowering each
    pass anew was a sixth of the step)."""

    def __missing__(self, paragraph: str) -> str:
        low = self[paragraph] = paragraph.lower()
        return low


def remove_spans(paragraphs: list[str], rules: CompiledRules, removed: Counter,
                 lower: LowerCase | None = None) -> list[str]:
    """Remove disclaimers and tracking tokens, which may span or sit inside paragraphs.

    Each pattern runs on the paragraphs around the lines holding its anchor word,
    joined by newlines, so a disclaimer broken over several lines is one match
    while the rest of the page is never scanned. A removed span leaves a
    paragraph break: it never glues the text on either side into a new line.
    """
    paras = paragraphs
    lower = LowerCase() if lower is None else lower
    lows = [lower[p] for p in paras]
    lowered, starts = _joined(lows)
    for span in rules.spans:
        if not paras or not span.wanted(lowered):
            continue  # the cheap test first: most texts lack most disclaimers
        windows = _merge_windows(_windows_holding(span, span.lines_with_anchor(lowered, starts), lowered, starts),
                                 len(paras))
        changed = False
        for lo, hi in reversed(windows):
            text, n = span.regex.subn("\n", "\n".join(paras[lo:hi]))
            if n:
                removed[span.rule] += n
                pieces = _pieces(text, paras[lo:hi])
                paras = paras[:lo] + pieces + paras[hi:]
                lows = lows[:lo] + [lower[q] for q in pieces] + lows[hi:]
                changed = True
        if changed:
            lowered, starts = _joined(lows)
    return paras


# Lines before / after an anchor's line that one match may cover: patterns start at or just
# before their anchor word, and run on for a disclaimer's sentences or a contact block's lines.
SPAN_BEFORE, SPAN_AFTER = 4, 16


def _joined(lines: list[str]) -> tuple[str, list[int]]:
    starts, at = [], 0
    for line in lines:
        starts.append(at)
        at += len(line) + 1
    return "\n".join(lines), starts


def lowered_with_offsets(paras: list[str], lower: LowerCase | None = None) -> tuple[str, list[int]]:
    return _joined([lower[p] for p in paras] if lower is not None else [p.lower() for p in paras])


def _windows_holding(span: Anchored, lines: list[int], lowered: str, starts: list[int]) -> list[int]:
    """The anchor lines whose window holds every word a match needs: a match holding the anchor
    at line i lies inside i's window, so the others cannot be part of one."""
    if not span.required:
        return lines
    n = len(starts)
    return [i for i in lines if span.holds_required(
        lowered[starts[max(0, i - SPAN_BEFORE)]:starts[i + SPAN_AFTER + 1] if i + SPAN_AFTER + 1 < n else None])]


def _merge_windows(lines: list[int], n: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in lines:
        lo, hi = max(0, i - SPAN_BEFORE), min(n, i + SPAN_AFTER + 1)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _pieces(text: str, original: list[str]) -> list[str]:
    """What is left of some lines after a removal; left-over punctuation is not a paragraph."""
    kept = set(original)
    out = []
    for line in text.split("\n"):
        if line in kept:
            out.append(line)
            continue
        line = " ".join(line.split())
        if line and any(ch.isalnum() for ch in line):
            out.append(line)
    return out


def remove_label_lines(paragraphs: list[str], rules: CompiledRules, removed: Counter,
                       doc: Document | None = None) -> tuple[list[str], bool]:
    """Drop label and date lines; return the rest and whether the lines before the first kept one were labels."""
    out: list[str] = []
    lead = False
    for p in paragraphs:
        if len(p) <= rules.max_line_chars:
            m = first_match(rules.date_lines, p, full=True)
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


FLS_OPENERS = ("forward-looking", "forward looking", "safe harbo", "cautionary")  # every block opens with one


def remove_fls_blocks(paragraphs: list[str], rules: CompiledRules, removed: Counter,
                      lower: LowerCase | None = None) -> list[str]:
    """Drop forward-looking-statement / safe-harbor blocks of press releases.

    A block opens with a heading (alone, or leading its paragraph) or with a
    paragraph carrying two distinct FLS phrases, one of them naming the block
    ("forward-looking", "safe harbor", "cautionary"), and runs on while the next
    paragraphs carry at least one. A news story that mentions "forward-looking
    statements" once keeps its sentence. Only paragraphs from an opener on are
    looked at, so most texts cost one ``in`` test per opener word.
    """
    if rules.fls_markers is None or not paragraphs:
        return paragraphs
    lowered, starts = lowered_with_offsets(paragraphs, lower)
    opens = set()
    for word in FLS_OPENERS:
        at = lowered.find(word)
        while at >= 0:
            opens.add(bisect_right(starts, at) - 1)
            at = lowered.find(word, at + len(word))
    if not opens:
        return paragraphs
    drop: set[int] = set()
    for i in sorted(opens):
        if i in drop or not _fls_opening(paragraphs[i], rules):
            continue
        j = i
        while j < len(paragraphs) and (j == i or _fls_markers(paragraphs[j], rules)):
            drop.add(j)
            j += 1
    removed["fls"] += len(drop)
    return [p for k, p in enumerate(paragraphs) if k not in drop]


def _fls_markers(p: str, rules: CompiledRules) -> set[str]:
    low = p.lower()
    if not any(w in low for w in rules.fls_anchor_words):
        return set()
    return {m.group(0).lower() for m in rules.fls_markers.finditer(p)}


def _fls_opening(p: str, rules: CompiledRules) -> bool:
    markers = _fls_markers(p, rules)
    heading = rules.fls_headings.match(p) if rules.fls_headings is not None else None
    if heading is not None and (heading.end() == len(p) or (markers and heading.end() < 80)):
        return True
    return len(markers) >= 2


def story_paragraphs(paragraphs: list[str], rules: CompiledRules, repaired: bool = False) -> list[str]:
    """What is left of a page once boilerplate is gone (used by the shell check, edits nothing)."""
    scratch: Counter = Counter()
    lower = LowerCase()
    paras = remove_spans(paragraphs if repaired else repair(paragraphs), rules, scratch, lower)
    paras, _ = remove_label_lines(paras, rules, scratch)
    return remove_fls_blocks(paras, rules, scratch, lower)
