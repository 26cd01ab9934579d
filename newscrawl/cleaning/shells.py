"""Drop error shells and bot challenges; strip shell lines that leak into real stories.

Why evidence *and* absence of a story: error-page text leaks into good pages
(MENAFN prints a hidden "403 / Sorry!! / Error!" block on every page) and
stories quote error messages, so a signature alone proves nothing. A record is
a shell when something says so (a shell line or phrase, a challenge title or
markup, MENAFN's visible error block or empty story container, an HTTP error
status) and no story is left once boilerplate and those signatures are set
aside. Otherwise the story is kept and whole shell lines are stripped from it.
Signatures are looked for only when no plain prose paragraph already shows a
story (the common case costs one pass over a few paragraphs).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field

from newscrawl.cleaning.boilerplate import FLS_OPENERS, repair, story_paragraphs
from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.rules import DEFAULT_RULES, CompiledRules, Rules
from newscrawl.cleaning.text import match_key, word_tokens

# Measured in characters, not words, so unspaced scripts (Japanese, Chinese) measure the same.
STORY_MIN_CHARS = 120  # prose a page needs, beside an error signature, to count as a story
PROSE_MIN_CHARS = 40  # shorter lines (menu items) are not prose...
PROSE_LONG_CHARS = 200  # ...nor are lines without a sentence end (headline links), unless this long
_PROSE_END = tuple('.!?…"”’)\'。！？」』）')
EMPTY_MAX_WORDS = 4  # fewer words than this (and under EMPTY_MAX_CHARS of them) left: nothing of a story
EMPTY_MAX_CHARS = 12
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
    n = chars = 0
    for p in paragraphs:
        tokens = word_tokens(p)
        n += len(tokens)
        chars += sum(map(len, tokens))
        if n >= EMPTY_MAX_WORDS or chars >= EMPTY_MAX_CHARS:
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
        kept, leaked, lead = self._strip_lines(paras, rules, ev)
        if self._plain_story(kept, rules):
            return self._keep(doc, paras, kept, lead)  # a story is there: no evidence can make this a shell
        if doc.html:
            html_evidence(doc.html, rules, ev)
        if doc.http_status and doc.http_status >= 400:
            reason = "blocked" if doc.http_status in BLOCKED_STATUS else "error_shell"
            ev.status.append((reason, f"http {doc.http_status}"))

        self._phrase_evidence(kept, rules, ev)
        if not ev and sum(map(len, kept)) <= SMALL_DOC_CHARS:
            self._phrase_evidence(kept, rules, ev, hints=True)  # short pages only: hints are common words

        if ev:
            if self._story_chars(kept, rules) < STORY_MIN_CHARS:
                ev.error.extend(leaked)
                return ev.rejection()
        elif sum(map(len, kept)) <= SMALL_DOC_CHARS:
            # Leaked lines are on every page of their site: a shell only if nothing else is there.
            story = story_paragraphs(kept, rules, repaired=True)
            if not has_story(story) and (leaked or story != kept):
                return Rejection("error_shell", "; ".join(leaked) if leaked else "only labels and disclaimer")

        return self._keep(doc, paras, kept, lead)

    @staticmethod
    def _keep(doc: Document, paras: list[str], kept: list[str], lead: bool) -> None:
        doc.extra["repaired"] = True  # mojibake and spacing: the boilerplate step need not redo them
        stripped = len(paras) - len(kept)
        if stripped:
            doc.removed["shell_line"] += stripped
            doc.extra["lead_shell_lines"] = lead
        doc.paragraphs = kept
        return None

    def _strip_lines(self, paras: list[str], rules: CompiledRules, ev: Evidence) -> tuple[list[str], list[str], bool]:
        """Set whole shell lines apart: (the rest, the leaked lines, whether some led the capture)."""
        kept: list[str] = []
        leaked: list[str] = []
        lead = False  # shell lines at the head of a capture: the title line follows them
        for i, p in enumerate(paras):
            kind = self._line_kind(p, rules)
            if kind is None:
                kept.append(p)
                continue
            if kind == "leak":
                leaked.append(f"line: {p}")
            else:
                (ev.blocked if kind == "blocked" else ev.error).append(f"line: {p}")
            lead = lead or i < LEAD_LINES
        return kept, leaked, lead

    @staticmethod
    def _plain_story(paras: list[str], rules: CompiledRules, tries: int = 12) -> bool:
        """A prose paragraph long enough for a story on its own that no boilerplate or error
        pattern can touch (it holds none of their anchor words): then nothing is a shell."""
        if rules.blocker_words is None:
            return False
        for p in paras:
            if len(p) < STORY_MIN_CHARS or (len(p) < PROSE_LONG_CHARS and not p.endswith(_PROSE_END)):
                continue
            low = p.lower()
            if (not any(w in low for w in rules.blocker_words) and not any(w in low for w in FLS_OPENERS)
                    and (len(p) > rules.max_line_chars or rules.label_lines is None
                         or not rules.label_lines.fullmatch(p))):
                return True
            tries -= 1
            if not tries:
                break
        return False

    @staticmethod
    def _line_kind(p: str, rules: CompiledRules) -> str | None:
        if len(p) > rules.max_line_chars:
            return None
        if rules.blocked_lines is not None and rules.blocked_lines.fullmatch(p):
            return "blocked"
        if rules.shell_lines is not None and rules.shell_lines.fullmatch(p):
            return "error"
        if rules.leak_lines is not None and rules.leak_lines.fullmatch(p):
            return "leak"
        return None

    @staticmethod
    def _phrase_evidence(paras: list[str], rules: CompiledRules, ev: Evidence, hints: bool = False) -> None:
        """Record shell phrases found inside paragraphs.

        A phrase's regex runs only on the paragraphs holding one of its anchor words:
        a case-insensitive regex over a whole page costs more than the rest of the step.
        """
        if not paras:
            return
        lowered = "\n".join(paras).lower()
        starts, at = [], 0
        for p in paras:
            starts.append(at)
            at += len(p) + 1
        groups = (((rules.blocked_hints, ev.blocked), (rules.shell_hints, ev.error)) if hints else
                  ((rules.blocked_phrases, ev.blocked), (rules.shell_phrases, ev.error)))
        for group, sink in groups:
            for rule in group:
                for i in rule.lines_with_anchor(lowered, starts):
                    for m in rule.regex.finditer(paras[i]):
                        sink.append(f"{'hint' if hints else 'phrase'}: {' '.join(m.group(0).split())}")

    @staticmethod
    def _story_chars(paras: list[str], rules: CompiledRules) -> int:
        """Length of distinct prose paragraphs that are neither boilerplate nor error text."""
        seen: set[str] = set()
        chars = 0
        for p in story_paragraphs(paras, rules, repaired=True):
            n = len(p)
            if n < PROSE_MIN_CHARS or (n < PROSE_LONG_CHARS and not p.endswith(_PROSE_END)):
                continue
            lowered = p.lower()
            if any(next(rule.finditer(p, lowered), None) for rule in rules.blocked_phrases + rules.shell_phrases):
                continue
            key = match_key(p)
            if key not in seen:
                seen.add(key)
                chars += n
        return chars


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
