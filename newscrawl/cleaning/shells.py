"""Drop error shells and bot challenges; strip shell lines that leak into real stories.

Why evidence *and* absence of a story: error-page text leaks into good pages
(MENAFN prints a hidden "403 / Sorry!! / Error!" block on every page) and
stories quote error messages, so a signature alone proves nothing. A record is
a shell when something says so (a shell line or phrase, a challenge title or
markup, MENAFN's visible error block or empty story container, an HTTP error
status) and no story is left once boilerplate and those signatures are set
aside. Otherwise the story is kept and whole shell lines are stripped from it.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field

from newscrawl.cleaning.boilerplate import repair, story_paragraphs
from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.rules import DEFAULT_RULES, CompiledRules, Rules
from newscrawl.cleaning.text import match_key, word_tokens

STORY_MIN_WORDS = 20  # prose words a page needs, beside any error signature, to count as a story
PROSE_MIN_WORDS = 8  # a paragraph shorter than this (menu item, headline link) is not prose
_PROSE_END = tuple('.!?…"”’)\'')
EMPTY_MAX_WORDS = 4  # fewer words than this left after cleaning: nothing of a story
SMALL_DOC_CHARS = 2000  # only pages this small are checked for "labels and disclaimer only"
BLOCKED_STATUS = frozenset({401, 403, 429})
LEAD_LINES = 4  # MENAFN captures open with date, "403", "Sorry!!", "Error! ..." before the title

_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TITLE_SEP = re.compile(r"\s+(?:\||-|–|—|::|·)\s+")


@dataclass
class Evidence:
    """What marks a record as a shell, by kind; the rejection's detail lists it."""

    blocked: list[str] = field(default_factory=list)
    error: list[str] = field(default_factory=list)
    status: list[tuple[str, str]] = field(default_factory=list)  # (reason, detail)

    def __bool__(self) -> bool:
        return bool(self.blocked or self.error or self.status)

    def rejection(self) -> Rejection:
        if self.blocked:
            reason = "blocked"
        elif self.error:
            reason = "error_shell"
        else:
            reason = self.status[0][0]
        details = self.blocked + self.error + [d for _, d in self.status]
        return Rejection(reason, "; ".join(dict.fromkeys(details)))


def has_story(paragraphs: list[str]) -> bool:
    """At least a few words of text: the bar below which nothing of a story is left."""
    n = 0
    for p in paragraphs:
        n += len(word_tokens(p))
        if n >= EMPTY_MAX_WORDS:
            return True
    return False


def html_evidence(page: str, rules: CompiledRules, ev: Evidence) -> None:
    """Read a page's title, challenge markup and MENAFN's error/story containers."""
    m = _TITLE_RE.search(page)
    if m:
        title = " ".join(htmllib.unescape(m.group(1)).split())
        parts = _TITLE_SEP.split(title)
        for candidate in dict.fromkeys([title, parts[0], parts[-1]]):
            if rules.blocked_lines is not None and rules.blocked_lines.fullmatch(candidate):
                ev.blocked.append(f"title: {title}")
                break
            if rules.shell_lines is not None and rules.shell_lines.fullmatch(candidate):
                ev.error.append(f"title: {title}")
                break
    for marker in rules.blocked_markup:
        if marker in page:
            ev.blocked.append(f"markup: {marker}")
    if "HiddenErrorDiv" in page or "entry-summary" in page:
        _menafn_structure(page, ev)


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    classes = (el.get("class") or "").split()
    return el.get("hidden") is not None or "display:none" in style or "hidden" in classes or "d-none" in classes


def _menafn_structure(page: str, ev: Evidence) -> None:
    """MENAFN pages carry both an error block and a story wrapper; which one shows decides."""
    import lxml.html  # only MENAFN-style pages pay for a parse

    try:
        root = lxml.html.document_fromstring(page.encode("utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return
    parts = []
    error = root.xpath('//*[@id="HiddenErrorDiv"]')
    if error and not _hidden(error[0]):
        parts.append("visible #HiddenErrorDiv")
    story = root.xpath('//div[contains(concat(" ", normalize-space(@class), " "), " entry-summary ")'
                       ' and contains(concat(" ", normalize-space(@class), " "), " tit ")]')
    if story and not "".join(story[0].itertext()).strip():
        parts.append("empty story container")
    main = root.xpath('//*[@id="HiddenMainDiv"]')
    if main and _hidden(main[0]) and not parts:
        parts.append("hidden #HiddenMainDiv")
    if parts:
        ev.error.append(", ".join(parts))


class ShellFilter:
    """Step "shells": reject error shells ("error_shell") and bot challenges ("blocked")."""

    name = "shells"

    def __init__(self, rules: Rules | None = None):
        self.rules = rules or DEFAULT_RULES

    def __call__(self, doc: Document) -> Rejection | None:
        rules = self.rules.for_source(doc.source)
        paras = repair(doc.paragraphs)
        ev = Evidence()
        if doc.html:
            html_evidence(doc.html, rules, ev)
        if doc.http_status and doc.http_status >= 400:
            reason = "blocked" if doc.http_status in BLOCKED_STATUS else "error_shell"
            ev.status.append((reason, f"http {doc.http_status}"))

        kept: list[str] = []
        lead = False  # shell lines at the head of a capture: the title line follows them
        for i, p in enumerate(paras):
            kind = self._line_kind(p, rules)
            if kind is None:
                kept.append(p)
                continue
            (ev.blocked if kind == "blocked" else ev.error).append(f"line: {p}")
            lead = lead or i < LEAD_LINES
        self._phrase_evidence(kept, rules, ev)

        if ev:
            if self._story_words(kept, rules) < STORY_MIN_WORDS:
                return ev.rejection()
        elif kept and sum(map(len, kept)) <= SMALL_DOC_CHARS:
            story = story_paragraphs(kept, rules)
            if story != kept and not has_story(story):
                return Rejection("error_shell", "only labels and disclaimer")

        stripped = len(paras) - len(kept)
        if stripped:
            doc.removed["shell_line"] += stripped
            doc.extra["lead_shell_lines"] = lead
        doc.paragraphs = kept
        return None

    @staticmethod
    def _line_kind(p: str, rules: CompiledRules) -> str | None:
        if len(p) > rules.max_line_chars:
            return None
        if rules.blocked_lines is not None and rules.blocked_lines.fullmatch(p):
            return "blocked"
        if rules.shell_lines is not None and rules.shell_lines.fullmatch(p):
            return "error"
        return None

    @staticmethod
    def _phrase_evidence(paras: list[str], rules: CompiledRules, ev: Evidence) -> None:
        """Record shell phrases found inside paragraphs (one search over the joined text)."""
        if not paras:
            return
        text = "\n".join(paras)
        lowered = text.lower()
        for group, sink in ((rules.blocked_phrases, ev.blocked), (rules.shell_phrases, ev.error)):
            for rule in group:
                for m in rule.finditer(text, lowered):
                    sink.append(f"phrase: {' '.join(m.group(0).split())}")

    @staticmethod
    def _story_words(paras: list[str], rules: CompiledRules) -> int:
        """Words of distinct prose paragraphs that are neither boilerplate nor error text."""
        seen: set[str] = set()
        words = 0
        for p in story_paragraphs(paras, rules):
            n = len(p.split())
            if n < PROSE_MIN_WORDS or not p.endswith(_PROSE_END):
                continue
            lowered = p.lower()
            if any(next(rule.finditer(p, lowered), None) for rule in rules.blocked_phrases + rules.shell_phrases):
                continue
            key = match_key(p)
            if key not in seen:
                seen.add(key)
                words += n
        return words


class EmptyBodyFilter:
    """Step "empty": nothing of a story left after the steps before it."""

    name = "empty"

    def __call__(self, doc: Document) -> Rejection | None:
        if has_story(doc.paragraphs):
            return None
        if doc.removed:
            return Rejection("error_shell", "only labels/boilerplate: " + ", ".join(sorted(doc.removed)))
        words = sum(len(word_tokens(p)) for p in doc.paragraphs)
        return Rejection("empty", f"{words} words" if words else "no text")
