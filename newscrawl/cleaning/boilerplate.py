"""The page's own text around a story, one step per rule family: disclaimers, labels, safe-harbor blocks, headlines.

These steps remove text that is *the page's* rather than the story's, each
family found by the source's rules (``rules.py`` data, a site's set in its
``newscrawl/sites`` module) and counted under its rule name in
``doc.removed``. What they remove is not always thrown away: a date label
fills ``doc.published``, a dateline ``doc.provider``, a headline ``doc.title``.

Where the rules come from: the disclaimers, labels and datelines of each site
are cited in its module (MENAFN's from the project's notes on its pages, the
wires' from their public pages and scrapers); safe-harbor wording is the U.S.
Private Securities Litigation Reform Act of 1995 boilerplate that press
releases of listed companies carry (``rules.PRESS_RELEASE``).
"""

from __future__ import annotations

import re

from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.rules import DEFAULT_RULES, CompiledRules, Rules
from newscrawl.cleaning.strip import (LowerCase, lowered_with_offsets, remove_fls_blocks, remove_label_lines,
                                      remove_spans, repair)
from newscrawl.cleaning.text import match_key, match_keys, normalize_space


class _RuleStep:
    """A step that applies one family of its source's rules."""

    name = ""

    def __init__(self, rules: Rules | None = None):
        self.rules = rules or DEFAULT_RULES

    def _paragraphs(self, doc: Document) -> list[str]:
        if doc.repaired:
            return doc.paragraphs
        doc.repaired = True
        return repair(doc.paragraphs)


class DisclaimerFilter(_RuleStep):
    """Step "disclaimers": disclaimers, distributor notes and contact blocks (``disclaimers``), and
    tracking tokens (``tracking``), wherever they stand, across line breaks."""

    name = "disclaimers"

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        doc.paragraphs = remove_spans(self._paragraphs(doc), rules, doc.removed)
        return None


class LabelFilter(_RuleStep):
    """Step "labels": whole lines that are labels (comment counts, section names, share buttons) and
    date labels (which fill ``doc.published``); labels leading the page mark ``doc.lead_removed``."""

    name = "labels"

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        doc.paragraphs, lead = remove_label_lines(self._paragraphs(doc), rules, doc.removed, doc)
        doc.lead_removed = doc.lead_removed or lead
        return None


class ForwardLookingFilter(_RuleStep):
    """Step "forward_looking": forward-looking-statement / safe-harbor blocks of press releases (a
    heading, or a paragraph with two of their phrases, and the paragraphs after it that carry one)."""

    name = "forward_looking"

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        doc.paragraphs = remove_fls_blocks(self._paragraphs(doc), rules, doc.removed)
        return None


class HeadlineFilter(_RuleStep):
    """Step "headline": the dateline (``(MENAFN- Trend)``, ``NEW YORK /PRNewswire/ --``), which fills
    ``doc.provider``, and the headline printed above the story: lines equal to the known title, else
    the short line just before the dateline or first after the page's leading labels.

    ``title_max_words``: a longer line is never taken for a headline by its position.
    """

    name = "headline"

    def __init__(self, rules: Rules | None = None, title_max_words: int = 30):
        super().__init__(rules)
        self.title_max_words = title_max_words

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        paras = self._paragraphs(doc)
        titled = self._drop_title_lines(paras, doc)
        title_seen = len(titled) != len(paras)
        paras, dateline_at = self._strip_datelines(titled, rules, doc)
        if not title_seen:
            paras = self._strip_title_line(paras, doc, dateline_at, doc.lead_removed)
        doc.paragraphs = paras
        return None

    @staticmethod
    def _drop_title_lines(paras: list[str], doc: Document) -> list[str]:
        """Drop lines equal to a known title (case, spacing and punctuation ignored)."""
        key = match_key(doc.title) if doc.title else ""
        if not key:
            return paras
        kept = [p for p, k in zip(paras, match_keys(paras)) if k != key]
        if len(kept) != len(paras):
            doc.removed["title"] += len(paras) - len(kept)
        return kept

    @staticmethod
    def _strip_datelines(paras: list[str], rules: CompiledRules, doc: Document) -> tuple[list[str], int | None]:
        """Cut a dateline from the start of paragraphs; the first fills ``doc.provider``."""
        lowered, starts = lowered_with_offsets(paras, LowerCase())
        candidates = sorted({i for rule in rules.datelines if rule.wanted(lowered)
                             for i in rule.lines_with_anchor(lowered, starts)})
        first = None
        out = list(paras)
        for i in candidates:  # a dateline holds its anchor word, so only those lines can start with one
            p = paras[i]
            m = _first_dateline(rules, p)
            while m is not None and m.end() > 0:
                if first is None:
                    first = i
                    groups = m.groupdict()
                    provider = normalize_space(groups.get("provider") or groups.get("site") or "")
                    if provider and not doc.provider:
                        doc.provider = provider
                doc.removed["dateline"] += 1
                p = p[m.end():].strip()
                m = _first_dateline(rules, p)
            out[i] = p
        kept = [p for p in out if p]
        if first is not None:
            first -= sum(1 for p in out[:first] if not p)  # its index among the lines kept
        return kept, first

    def _strip_title_line(self, paras: list[str], doc: Document, dateline_at: int | None,
                          lead_removed: bool) -> list[str]:
        """Drop the headline found by position: the short line before the dateline or after the date line."""
        at = None
        if dateline_at is not None and 1 <= dateline_at <= 3:
            at = dateline_at - 1  # the line just before "(MENAFN- ...)" is the headline
        elif not doc.title and lead_removed and len(paras) >= 2:
            at = 0  # the first line after the page's date / error lines
        if at is None or not _looks_like_title(paras[at], strict=dateline_at is None, max_words=self.title_max_words):
            return paras
        if not doc.title:
            doc.title = paras[at]
        doc.removed["title"] += 1
        return paras[:at] + paras[at + 1:]


_SENTENCE_END = (".", ";", ",")  # a headline does not end like a sentence (it may end in ? or !)


def _first_dateline(rules: CompiledRules, text: str) -> re.Match[str] | None:
    for rule in rules.datelines:
        m = rule.regex.match(text)
        if m:
            return m
    return None


def _looks_like_title(p: str, strict: bool, max_words: int) -> bool:
    words = len(p.split())
    if words > max_words or p.endswith(_SENTENCE_END):
        return False
    # Without a dateline to confirm it, ask for a headline-length line.
    return not strict or (words <= 20 and not p.endswith(("!", "?", ":", '"', "”")))

