"""Drop error shells and bot challenges; strip shell lines that leak into real stories.

Why evidence *and* absence of a story: error-page text leaks into good pages
(a site may print a hidden "403 / Sorry!! / Error!" block on every page) and
stories quote error messages, so a signature alone proves nothing. A record is
a shell when something says so (a shell line or phrase, a challenge title or
markup, a site's page check: its error block shown, its story container empty,
an HTTP error status) and no story is left once boilerplate and those
signatures are set aside. Otherwise the story is kept and whole shell lines are stripped from it.
Signatures are looked for only when no plain prose paragraph already shows a
story (the common case costs one pass over a few paragraphs).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field

from newscrawl.cleaning.document import Document, Rejection
from newscrawl.cleaning.rules import DEFAULT_RULES, CompiledRules, Rules, folds_simply
from newscrawl.cleaning.strip import FLS_OPENERS, repair, story_paragraphs
from newscrawl.cleaning.text import match_key, word_tokens

_PROSE_END = tuple('.!?…"”’)\'。！？」』）')
BLOCKED_STATUS = frozenset({401, 403, 429})

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


def has_story(paragraphs: list[str], min_words: int = 4, min_chars: int = 12) -> bool:
    """At least ``min_words`` words, or ``min_chars`` characters of words (unspaced scripts): the
    bar below which nothing of a story is left."""
    n = chars = 0
    for p in paragraphs:
        tokens = word_tokens(p)
        n += len(tokens)
        chars += sum(map(len, tokens))
        if n >= min_words or chars >= min_chars:
            return True
    return False


def html_evidence(page: str, rules: CompiledRules, ev: Evidence) -> None:
    """Read a page's title, challenge markup and the site's page checks (its error and story containers)."""
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
    if any(marker in page for marker in rules.page_markers):
        _page_checks(page, rules, ev)


def _hidden(el) -> bool:
    style = (el.get("style") or "").replace(" ", "").lower()
    classes = (el.get("class") or "").split()
    return el.get("hidden") is not None or "display:none" in style or "hidden" in classes or "d-none" in classes


_ID_QUERY = re.compile(r"""^//\*\[@id=["']([\w-]+)["']\]$""")


def _label(query: str, otherwise: str) -> str:
    """``#HiddenErrorDiv`` for ``//*[@id="HiddenErrorDiv"]``: how the rejection names an element."""
    m = _ID_QUERY.match(query)
    return f"#{m.group(1)}" if m else otherwise


def _page_checks(page: str, rules: CompiledRules, ev: Evidence) -> None:
    """A page with a site's chrome whose error block shows, whose story container is empty, or
    (with neither) whose story wrapper is hidden: a not-found shell dressed as a story."""
    import lxml.html  # only pages with a site's markers pay for a parse

    try:
        root = lxml.html.document_fromstring(page.encode("utf-8"))
    except (ValueError, lxml.etree.ParserError):
        return
    parts = []
    for query in rules.error_blocks:
        found = root.xpath(query)
        if found and not _hidden(found[0]):
            parts.append(f"visible {_label(query, 'error block')}")
    for query in rules.story_containers:
        found = root.xpath(query)
        if found and not "".join(found[0].itertext()).strip():
            parts.append("empty story container")
    for query in rules.story_wrappers:
        found = root.xpath(query)
        if found and _hidden(found[0]) and not parts:
            parts.append(f"hidden {_label(query, 'story wrapper')}")
    if parts:
        ev.error.append(", ".join(parts))


class ShellFilter:
    """Step "shells": reject error shells ("error_shell") and bot challenges ("blocked").

    Thresholds (characters, not words, so that unspaced scripts measure the same):
    ``story_min_chars`` of prose beside an error signature make a story; shorter lines than
    ``prose_min_chars`` (menu items) are not prose, nor are lines without a sentence end
    (headline links) unless ``prose_long_chars`` long; only pages up to ``small_doc_chars`` are
    checked for "labels and disclaimer only"; shell lines among the first ``lead_lines`` lead the
    capture (a MENAFN capture opens with its date, "403", "Sorry!!", "Error! ..." before the title).
    Signatures: the web's error pages and challenge pages (Cloudflare, Akamai, Incapsula,
    DDoS-Guard, nginx, Apache, IIS, ASP.NET), in ``rules.GENERIC``; a site's own in its module.
    """

    name = "shells"

    def __init__(self, rules: Rules | None = None, story_min_chars: int = 120, prose_min_chars: int = 40,
                 prose_long_chars: int = 200, small_doc_chars: int = 2000, lead_lines: int = 4):
        self.rules = rules or DEFAULT_RULES
        self.story_min_chars = story_min_chars
        self.prose_min_chars = prose_min_chars
        self.prose_long_chars = prose_long_chars
        self.small_doc_chars = small_doc_chars
        self.lead_lines = lead_lines

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
        if not ev and sum(map(len, kept)) <= self.small_doc_chars:
            self._phrase_evidence(kept, rules, ev, hints=True)  # short pages only: hints are common words

        if ev:
            if self._story_chars(kept, rules) < self.story_min_chars:
                ev.error.extend(leaked)
                return ev.rejection()
        elif sum(map(len, kept)) <= self.small_doc_chars:
            # Leaked lines are on every page of their site: a shell only if nothing else is there.
            story = story_paragraphs(kept, rules, repaired=True)
            if not has_story(story) and (leaked or story != kept):
                return Rejection("error_shell", "; ".join(leaked) if leaked else "only labels and disclaimer")

        return self._keep(doc, paras, kept, lead)

    @staticmethod
    def _keep(doc: Document, paras: list[str], kept: list[str], lead: bool) -> None:
        doc.repaired = True  # mojibake and spacing: the boilerplate steps need not redo them
        stripped = len(paras) - len(kept)
        if stripped:
            doc.removed["shell_line"] += stripped
            doc.lead_removed = doc.lead_removed or lead
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
            lead = lead or i < self.lead_lines
        return kept, leaked, lead

    def _plain_story(self, paras: list[str], rules: CompiledRules, tries: int = 12) -> bool:
        """A prose paragraph long enough for a story on its own that no boilerplate or error
        pattern can touch (it holds none of their anchor words): then nothing is a shell."""
        if rules.blocker_words is None:
            return False
        for p in paras:
            if len(p) < self.story_min_chars or (len(p) < self.prose_long_chars and not p.endswith(_PROSE_END)):
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
        folded: dict[int, tuple[str, bool]] = {}  # a paragraph's lower case, and whether it folds simply
        for group, sink in groups:
            for rule in group:
                for i in rule.lines_with_anchor(lowered, starts):
                    p = paras[i]
                    if i not in folded:
                        low = p.lower()
                        folded[i] = low, folds_simply(p, low, rules.fold_traps)
                    for start, end in rule.spans(p, *folded[i]):
                        sink.append(f"{'hint' if hints else 'phrase'}: {' '.join(p[start:end].split())}")

    def _story_chars(self, paras: list[str], rules: CompiledRules) -> int:
        """Length of distinct prose paragraphs that are neither boilerplate nor error text."""
        seen: set[str] = set()
        chars = 0
        for p in story_paragraphs(paras, rules, repaired=True):
            n = len(p)
            if n < self.prose_min_chars or (n < self.prose_long_chars and not p.endswith(_PROSE_END)):
                continue
            lowered = p.lower()
            simple = folds_simply(p, lowered, rules.fold_traps)
            if any(rule.wanted(lowered) and next(rule.spans(p, lowered, simple), None)
                   for rule in rules.blocked_phrases + rules.shell_phrases):
                continue
            key = match_key(p)
            if key not in seen:
                seen.add(key)
                chars += n
        return chars


class EmptyBodyFilter:
    """Step "empty": nothing of a story left after the steps before it (fewer than ``min_words``
    words and ``min_chars`` characters of words)."""

    name = "empty"

    def __init__(self, min_words: int = 4, min_chars: int = 12):
        self.min_words = min_words
        self.min_chars = min_chars

    def __call__(self, doc: Document) -> Rejection | None:
        if has_story(doc.paragraphs, self.min_words, self.min_chars):
            return None
        if doc.removed:
            return Rejection("error_shell", "only labels/boilerplate: " + ", ".join(sorted(doc.removed)))
        words = sum(len(word_tokens(p)) for p in doc.paragraphs)
        return Rejection("empty", f"{words} words" if words else "no text")
