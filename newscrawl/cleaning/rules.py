"""Cleaning rules as data: shell signatures, boilerplate patterns, label lines, page checks.

Why data: signatures change per site and per distributor faster than code, so
a new disclaimer or challenge page is one line in a site module
(``newscrawl/sites/``) or in the ``NEWSCRAWL_EXTRA_RULES`` setting, not a patch
to a step. A ``RuleSet`` holds plain strings; ``Rules.for_source`` compiles the
sets that apply to a source once and caches the result. This module holds the
machinery and the two families that apply to every source: ``GENERIC`` (error
pages, bot challenges and labels of the web at large) and ``PRESS_RELEASE``
(the safe-harbor and distribution notes every press release carries); each
site's own set lives in its module.

A pattern is a *phrase* unless it starts with ``re:``. A phrase matches
case-insensitively with any spacing between its words (none, several, line
breaks), any run of punctuation where it has punctuation (so straight, curly or
missing quotes and apostrophes all match), and a standalone ``…`` stands for a
gap of up to 800 characters. ``re:`` patterns are Python regexes, compiled with
IGNORECASE; ``re[find|locate]:`` gives words one of which every match holds, so
the regex only runs on texts that have one (searched patterns are the costly ones).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, fields, replace
from typing import Any, Iterable, Mapping

GAP = 800  # longest text a "…" in a phrase may skip


@dataclass(frozen=True)
class RuleSet:
    """The rules of one source. Every field is a tuple of patterns (see module doc)."""

    name: str
    # Whole paragraph is error-page text (fullmatch). Stripped when leaked into a story.
    shell_lines: tuple[str, ...] = ()
    # Lines of an error block that a site prints, hidden, on every page: stripped, and a shell
    # only when nothing but labels and boilerplate is left beside them.
    leak_lines: tuple[str, ...] = ()
    # Inside a paragraph: evidence of an error page; never stripped (a story may quote it).
    shell_phrases: tuple[str, ...] = ()
    # The same two for bot challenges / WAF blocks (reason "blocked").
    blocked_lines: tuple[str, ...] = ()
    blocked_phrases: tuple[str, ...] = ()
    # Words that hint at an error page / a block: evidence only when no story is left beside
    # them, and (unlike phrases) they never mark a paragraph as error text: stories use them.
    shell_hints: tuple[str, ...] = ()
    blocked_hints: tuple[str, ...] = ()
    # Literal substrings of a challenge page's HTML.
    blocked_markup: tuple[str, ...] = ()
    # Whole paragraph is a label: comments block, share buttons, section names.
    label_lines: tuple[str, ...] = ()
    # Whole paragraph is a date label; group "date" (and optional "time") fills doc.published.
    date_lines: tuple[str, ...] = ()
    # At the start of a paragraph: a wire dateline; group "provider" (else "site") fills doc.provider.
    datelines: tuple[str, ...] = ()
    # Removed wherever found, across line breaks: disclaimers, distributor notes.
    disclaimers: tuple[str, ...] = ()
    # Removed wherever found inside paragraphs: tracking tokens.
    tracking: tuple[str, ...] = ()
    # Start of a forward-looking-statements / safe-harbor block (a heading or an opening).
    fls_headings: tuple[str, ...] = ()
    # Phrases typical of such blocks; a paragraph with two of them is one.
    fls_markers: tuple[str, ...] = ()
    # Page checks (XPath), read from a page's HTML when no story is evident, and only when it holds
    # one of the ``page_markers`` substrings: an error block that is a shell when it is shown, the
    # story container that is a shell when it is empty, the story wrapper that is one when hidden.
    page_markers: tuple[str, ...] = ()
    error_blocks: tuple[str, ...] = ()
    story_containers: tuple[str, ...] = ()
    story_wrappers: tuple[str, ...] = ()


PAGE_FIELDS = ("page_markers", "error_blocks", "story_containers", "story_wrappers")
RULE_FIELDS = tuple(f.name for f in fields(RuleSet) if f.name != "name")
PATTERN_FIELDS = tuple(f for f in RULE_FIELDS if f not in PAGE_FIELDS)

# --- the built-in sets -------------------------------------------------------

GENERIC = RuleSet(
    name="generic",
    shell_lines=(
        "404", "403 Forbidden", "Forbidden", "404 Not Found", "Not Found", "410 Gone",
        "Error 404", "re:(?:error\\s*)?404\\s*[-:|–—]?\\s*(?:page\\s+)?not\\s+found[.!]?",
        "Page not found", "Page not found!", "Oops! That page can’t be found.",
        "This page doesn’t exist", "This page does not exist", "Sorry, this page isn’t available.",
        "500 Internal Server Error", "Internal Server Error",
        "502 Bad Gateway", "Bad Gateway", "503 Service Unavailable", "Service Unavailable",
        "Service Temporarily Unavailable", "504 Gateway Time-out", "504 Gateway Timeout", "Gateway Timeout",
        "re:nginx(?:/[\\d.]+)?(?:\\s*\\([\\w ]+\\))?",
        "re:Apache(?:/[\\d.]+)?(?:\\s*\\([^)]*\\))?\\s*Server at \\S+ Port \\d+",
        "re:Microsoft-IIS/[\\d.]+",
        "Site under maintenance", "Under maintenance", "Down for maintenance", "Scheduled maintenance",
        "We’ll be back soon!", "We will be back soon!", "Maintenance mode", "Website under maintenance",
        "Site Maintenance", "Temporarily Unavailable", "Error", "Oops! Something went wrong.", "Application error",
        "re:Server Error in\\s*'[^']*'\\s*Application\\.?",
    ),
    shell_phrases=(
        "was not found on this server", "You don’t have permission to access",
        "You do not have permission to access", "Access to this resource on the server is denied",
        "the page you were looking for doesn’t exist", "the page you were looking for does not exist",
        "the page you are looking for doesn’t exist", "the page you are looking for does not exist",
        "the page you are looking for could not be found", "the page you were looking for could not be found",
        "the page you requested could not be found", "the page you requested was not found",
        "the requested page could not be found", "page you are looking for might have been removed",
        "page you were looking for might have been removed", "we couldn’t find the page you",
        "we can’t find the page you", "we could not find the page you",
        "temporarily unable to service your request", "down for scheduled maintenance",
        "performing scheduled maintenance", "performing some maintenance", "undergoing scheduled maintenance",
        "currently undergoing maintenance", "The server encountered an internal error",
        "received an invalid response from the upstream server",
        # The many wordings of "not found": "we can't seem to find the page", "the article you
        # requested has been removed", "this page could not be found".
        "re[find|locate]:(?:can(?:no|['’])?t|could\\s*n(?:o|['’])?t|unable\\s+to|didn['’]?t)\\s+(?:seem\\s+to\\s+)?"
        "(?:find|locate)\\s+(?:the|this|that|any|your)?\\s*(?:page|article|content|story)",
        "re[looking|requested|tried]:(?:page|article|story|content|resource)\\s+(?:you(?:['’]re|\\s+are|\\s+were)?\\s+)?(?:looking\\s+for|requested|"
        "tried\\s+to\\s+(?:reach|access|open))\\s+(?:(?:could|can)\\s*(?:no|n['’])?t\\s+be\\s+found|"
        "(?:does|did)\\s*(?:no|n['’])?t\\s+exist|(?:is|was)\\s+(?:not|no\\s+longer)\\s+(?:found|available)|"
        "(?:has|may\\s+have|might\\s+have)\\s+been\\s+(?:removed|moved|deleted))",
        "no longer available on this server", "there is no forwarding address",
        "could have been removed, had its name changed, or is temporarily unavailable",  # ASP.NET 404
        "your page could not be served",
        "We can’t connect to the server for this app or website",
        "re[found]:(?:this|the)\\s+page\\s+(?:could|can)\\s*(?:no|n['’])?t\\s+be\\s+found",
    ),
    blocked_lines=(
        "Just a moment...", "Just a moment", "Attention Required! | Cloudflare", "Attention Required!",
        "Please Wait... | Cloudflare", "Access Denied", "Access denied | … used Cloudflare to restrict access",
        "Why have I been blocked?", "What can I do to resolve this?", "Please enable cookies.",
        "Enable JavaScript and cookies to continue", "Performance & security by Cloudflare",
        "DDoS protection by Cloudflare", "re:(?:Cloudflare\\s+)?Ray\\s*ID\\s*:?\\s*[0-9a-f]{16}\\b.{0,80}",
        "re:Error\\s*10\\d\\d(?:\\s*Ray ID.*)?", "Sorry, you have been blocked", "You are unable to access …",
        "Pardon Our Interruption", "Are you a robot?", "Verify you are human",
        "re:Reference\\s*#\\s*\\d+\\.[0-9a-f]+\\.\\d+\\.[0-9a-f]+", "DDoS-Guard", "Checking your browser…",
    ),
    blocked_phrases=(
        "Checking if the site connection is secure", "Checking your browser before accessing",
        "needs to review the security of your connection before proceeding",
        "This website is using a security service to protect itself from online attacks",
        "The action you just performed triggered the security solution",
        "Verifying you are human", "Please complete the security check to access",
        "Please verify you are a human", "Press & Hold to confirm you are a human",
        "unusual traffic from your computer network", "Incapsula incident ID",
        "Request unsuccessful. Incapsula", "You don’t have permission to access … on this server. Reference #",
        "used Cloudflare to restrict access", "As you were browsing something about your browser made us think you were a bot",
        "You can email the site owner to let them know you were blocked",
        "The site owner may have set restrictions that prevent you from accessing the site",
        "include what you were doing when this page came up and the Cloudflare Ray ID",
        "enable cookies and reload the page", "Please make sure your browser supports JavaScript and cookies",
    ),
    shell_hints=(
        "re[http]:HTTP\\s*(?:Error\\s*)?[45]\\d\\d\\b", "re[error]:\\b(?:error|status)\\s*(?:code\\s*)?[45]\\d\\d\\b",
        "error occurred", "an error", "error code", "server error", "application error", "not found",
        "cannot be found", "could not be found", "no longer available", "temporarily unavailable",
        "try again later", "too many requests", "bad request", "bad gateway", "database connection",
        "could not be satisfied", "page not found", "doesn’t exist", "does not exist",
    ),
    blocked_hints=(
        "access denied", "access to this page has been denied", "been blocked", "request blocked",
        "has been limited", "captcha", "security check", "verify you are", "are you a robot",
        "unusual activity", "automation tools", "automated requests", "do not have access to",
    ),
    blocked_markup=(
        'id="challenge-running"', "cf-browser-verification", "cf_chl_opt", "/cdn-cgi/challenge-platform/h/",
        "_Incapsula_Resource", "px-captcha", 'id="cf-error-details"', "ddos-guard",
    ),
    label_lines=(
        "Advertisement", "Story continues below advertisement", "Comments", "No comment", "No comments",
        "Comments No comment", "re:Comments?\\s*\\(\\s*0\\s*\\)", "re:0\\s*Comments?", "Leave a comment",
    ),
)

PRESS_RELEASE = RuleSet(
    name="press_release",
    label_lines=(
        "re:View original content(?: to download multimedia)?\\s*:\\s*\\S+",
        "re:View source version on \\S*businesswire\\.com\\s*:\\s*\\S+",
        "re:(?-i:SOURCE)\\s+[A-Z][^.!?]{0,80}",
        "re:(?:Copyright|©|\\(c\\))\\s*(?:©\\s*)?\\d{4}\\s*(?:GlobeNewswire|PR Newswire|Business Wire|ACCESSWIRE|"
        "EIN Presswire|Newsfile|Cision)[^\\n]{0,60}",
    ),
    disclaimers=(
        "Legal Disclaimer: EIN Presswire provides this news content “as is” without warranty of any kind. "
        "… kindly contact the author above.",
        "EIN Presswire does not exercise editorial control over third-party content … kindly contact the author above.",
        "Disclaimer: The above press release comes to you under an arrangement with … "
        "takes no editorial responsibility for the same.",
        "re[courtesy]:The above press release was provided courtesy of [^\\n]{0,300}?do not necessarily (?:state or )?"
        "reflect those of [^\\n.]{0,80}\\.?",
        "This content was issued through the press release distribution service at Newswire.com.",
        "re[disclaimer]:(?m:^)\\s*Disclaimer\\s*:[^\\n]*",
    ),
    fls_headings=(
        "re:(?:Cautionary\\s+(?:Note|Statement|Language)\\s+(?:Regarding|Concerning|About|on)\\s+)?"
        "Forward[\\s-]*Looking\\s+(?:Statements?|Information)(?:\\s+Disclaimer)?",
        "re:(?:Private Securities Litigation Reform Act of 1995\\s*[-:]?\\s*)?Safe\\s+Harbou?r"
        "(?:\\s+Statement)?(?:\\s+Under the Private Securities Litigation Reform Act of 1995)?",
        "Cautionary Statement", "Cautionary Note", "Notice Regarding Forward-Looking Statements",
    ),
    fls_markers=(
        "forward-looking statement", "forward-looking information", "within the meaning of",
        "Private Securities Litigation Reform Act", "safe harbor", "risks and uncertainties",
        "actual results", "differ materially", "undertakes no obligation", "assumes no obligation",
        "disclaims any obligation", "no obligation to update", "except as required by", "undue reliance",
        "Section 27A", "Section 21E", "Form 10-K", "Form 10-Q", "Securities and Exchange Commission",
        "words such as", "expressly qualified", "speak only as of",
    ),
)

BUILTIN: tuple[RuleSet, ...] = (GENERIC, PRESS_RELEASE)  # the sites add their own (newscrawl.sites.cleaning_rules)
ALWAYS = ("generic", "press_release")  # sets that apply to every source

# --- compiling ---------------------------------------------------------------

_PUNCT_RUN = re.compile(r"([^\w\s]+)")


_ANCHORED_RE = re.compile(r"re\[([^\]:]+)\]:")


def phrase_regex(pattern: str) -> str:
    """Regex source for one pattern (a phrase, ``re:`` + regex, or ``re[w1|w2]:`` + regex)."""
    if pattern.startswith("re:"):
        return pattern[3:]
    m = _ANCHORED_RE.match(pattern)
    if m:
        return pattern[m.end():]
    parts = []
    for token in pattern.split():
        if token == "…":
            parts.append(r"[\s\S]{0,%d}?" % GAP)
            continue
        pieces = []
        for chunk in _PUNCT_RUN.split(token):
            if not chunk:
                continue
            if _PUNCT_RUN.fullmatch(chunk):
                pieces.append(r"[^\w\s]{0,%d}" % (len(chunk) + 2))
            else:
                pieces.append(re.escape(chunk))
        parts.append("".join(pieces))
    return r"\s*".join(parts)


def _anchor(pattern: str) -> tuple[str, ...] | None:
    """Lowercase words one of which every match contains, for a cheap ``in`` test first."""
    m = _ANCHORED_RE.match(pattern)
    if m:
        return tuple(w.strip().lower() for w in m.group(1).split("|") if w.strip()) or None
    if pattern.startswith("re:"):
        word = _required_literal(pattern[3:])
        return (word,) if word else None
    words = [w for w in re.findall(r"\w+", pattern) if not w.isdigit()]
    return (max(words, key=len).lower(),) if words else None


def _required_literal(source: str) -> str | None:
    """The longest run of literal letters every match of a regex must contain (lowercased), if any.

    Read from the regex parser's tree, top-level sequence and plain groups only (branches,
    optional and repeated parts are skipped), so the run is really required. Any doubt: None.
    """
    try:
        from re import _parser as parser  # Python 3.11+
    except ImportError:  # pragma: no cover - older Pythons
        import sre_parse as parser  # type: ignore[no-redef]
    try:
        tree = parser.parse(source, re.IGNORECASE)
    except Exception:
        return None
    best, run = "", []

    def walk(items) -> None:
        nonlocal best, run
        for op, arg in items:
            name = str(op)
            if name == "LITERAL" and chr(arg).isalnum():
                run.append(chr(arg))
                continue
            if name == "SUBPATTERN" and arg[-1] is not None:
                walk(arg[-1])
                continue
            if len(run) > len(best):
                best = "".join(run)
            run = []

    walk(list(tree))
    if len(run) > len(best):
        best = "".join(run)
    return best.lower() if len(best) >= 4 and not best.isdigit() else None


def _union(patterns: Iterable[str], what: str) -> re.Pattern[str] | None:
    sources = []
    for p in patterns:
        src = phrase_regex(p)
        try:
            re.compile(src)
        except re.error as exc:
            raise ValueError(f"bad {what} pattern {p!r}: {exc}") from None
        sources.append(f"(?:{src})")
    if not sources:
        return None
    return re.compile("|".join(sources), re.IGNORECASE)


def _each(patterns: Iterable[str], what: str) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        regex = _union([p], what)
        assert regex is not None
        out.append(regex)
    return tuple(out)


REQUIRED_WORDS = 3  # words of a phrase checked before its regex runs: the longest ones


def _required_words(pattern: str) -> tuple[str, ...]:
    """Lowercase words every match of a phrase pattern contains (each of its words is a literal);
    none for regex patterns."""
    if pattern.startswith("re:") or _ANCHORED_RE.match(pattern):
        return ()
    words = sorted({w.lower() for w in re.findall(r"\w+", pattern)}, key=lambda w: (-len(w), w))
    return tuple(words[:REQUIRED_WORDS])


def fold_traps(patterns: Iterable[str]) -> re.Pattern[str] | None:
    """What a lowercased text may hold where IGNORECASE finds more than a lowercase match of these
    patterns would: the characters Python's regexes equate with a pattern's letters beyond
    ``str.lower`` (long s for ``s``, dotless i for ``i``: ``re._casefix``), as they are once lowercased
    (a capital lowers to one of them). None: there are none."""
    chars = {ch for p in patterns for ch in p.lower()}
    try:
        from re._casefix import _EXTRA_CASES  # Python 3.11+
    except ImportError:  # pragma: no cover - another Python: every text takes the IGNORECASE path
        return re.compile(r"[\s\S]")
    traps = {low for c in chars for other in map(chr, _EXTRA_CASES.get(ord(c), ())) if (low := other.lower()) != c}
    return re.compile("[" + "".join(re.escape(c) for c in sorted(traps)) + "]") if traps else None


def folds_simply(text: str, lowered: str, traps: re.Pattern[str] | None) -> bool:
    """Whether ``lowered`` (``text.lower()``) lines up with ``text`` character for character and holds
    none of ``traps`` (``fold_traps``): then a lowercase phrase matched in it case-sensitively finds
    exactly what IGNORECASE finds in ``text``."""
    return len(lowered) == len(text) and (traps is None or not traps.search(lowered))


@dataclass(frozen=True)
class Anchored:
    """One searched pattern with a cheap pre-check (most texts lack the anchor word)."""

    rule: str  # the name counted in doc.removed / shown in a rejection
    regex: re.Pattern[str]
    anchor: tuple[str, ...] | None  # lowercase words, one of which every match contains; None: always run
    required: tuple[str, ...] = ()  # lowercase words every match contains, all of them
    # A phrase's own regex for lowercased text, case-sensitive: Python's IGNORECASE search is about six
    # times slower over a long paragraph (a 1 MB story paragraph: 0.35 s for the shell phrases, 0.06 s).
    folded: re.Pattern[str] | None = None

    def spans(self, text: str, lowered: str, simple: bool):
        """Where the pattern matches ``text`` (``lowered``: its ``lower()``; ``simple``: ``folds_simply``)."""
        if simple and self.folded is not None:
            return (m.span() for m in self.folded.finditer(lowered))
        return (m.span() for m in self.regex.finditer(text))

    def wanted(self, lowered: str) -> bool:
        return self.anchor is None or any(a in lowered for a in self.anchor)

    def holds_required(self, lowered: str) -> bool:
        """Whether a match may be in ``lowered`` (a lowercased part of a text): its words are all there."""
        return all(w in lowered for w in self.required)

    def lines_with_anchor(self, lowered_lines: str, starts: list[int]) -> list[int]:
        """Indices of the lines (joined by newlines, lowercased; ``starts``: offsets) holding an anchor."""
        if self.anchor is None:
            return list(range(len(starts)))
        hits = set()
        for a in self.anchor:
            at = lowered_lines.find(a)
            while at >= 0:
                i = bisect_right(starts, at) - 1
                hits.add(i)
                at = lowered_lines.find(a, starts[i + 1] if i + 1 < len(starts) else len(lowered_lines))
        return sorted(hits)


def _anchored(rule: str, patterns: list[str]) -> tuple[Anchored, ...]:
    return tuple(Anchored(rule, regex, _anchor(p), _required_words(p), _folded(p))
                 for p, regex in zip(patterns, _each(patterns, rule)))


def _folded(pattern: str) -> re.Pattern[str] | None:
    """A phrase's regex for lowercased text (case-sensitive); none for ``re:`` patterns."""
    lowered = pattern.lower()
    if len(lowered) != len(pattern) or any(p.startswith("re:") or _ANCHORED_RE.match(p) for p in (pattern, lowered)):
        return None  # a regex, or a phrase that would read as one once lowercased ("RE: Your order")
    return re.compile(phrase_regex(lowered))


class CompiledRules:
    """The union of some rule sets, compiled once: what the steps actually run."""

    def __init__(self, sets: Iterable[RuleSet]):
        sets = list(sets)
        self.names = tuple(s.name for s in sets)

        def all_of(field: str) -> list[str]:
            # Once each: sets share patterns (every wire set carries the same contact block).
            return list(dict.fromkeys(p for s in sets for p in getattr(s, field)))

        self.shell_lines = _union(all_of("shell_lines"), "shell_lines")
        self.leak_lines = _union(all_of("leak_lines"), "leak_lines")
        self.shell_phrases = _anchored("shell_phrases", all_of("shell_phrases"))
        self.blocked_lines = _union(all_of("blocked_lines"), "blocked_lines")
        self.blocked_phrases = _anchored("blocked_phrases", all_of("blocked_phrases"))
        self.shell_hints = _anchored("shell_hints", all_of("shell_hints"))
        self.blocked_hints = _anchored("blocked_hints", all_of("blocked_hints"))
        # where a phrase's lowercase regex over lowercased text would differ (Anchored.spans); the
        # regexes' letters count too, which only ever adds traps (a trapped text takes the exact path)
        self.fold_traps = fold_traps(p for f in ("shell_phrases", "blocked_phrases", "shell_hints", "blocked_hints")
                                     for p in all_of(f))
        self.blocked_markup = tuple(dict.fromkeys(all_of("blocked_markup")))
        self.label_lines = _union(all_of("label_lines"), "label_lines")
        # Kept apart (not one union) because each carries the same named groups.
        self.date_lines = _each(all_of("date_lines"), "date_lines")
        self.datelines = _anchored("dateline", all_of("datelines"))
        self.fls_headings = _union(all_of("fls_headings"), "fls_headings")
        self.fls_markers = _union(all_of("fls_markers"), "fls_markers")
        # Words one of which each marker holds; a paragraph with none skips the marker regex.
        self.fls_anchor_words = tuple(sorted({w for p in all_of("fls_markers") for w in (_anchor(p) or ("",))}))
        self.spans = _anchored("disclaimer", all_of("disclaimers")) + _anchored("tracking", all_of("tracking"))
        # Words one of which a paragraph must hold to be (part of) a disclaimer or an error
        # phrase; None when some pattern has no anchor, so nothing can be ruled out cheaply.
        searched = self.spans + self.shell_phrases + self.blocked_phrases
        self.blocker_words: tuple[str, ...] | None = (
            None if any(r.anchor is None for r in searched)
            else tuple(sorted({w for r in searched for w in r.anchor})))
        # Lines longer than this cannot be a label/shell line: skip the regex.
        self.max_line_chars = 160
        # Page checks stay XPath strings (compiled where they run: compiled XPaths do not pickle).
        self.page_markers = tuple(dict.fromkeys(all_of("page_markers")))
        self.error_blocks = tuple(dict.fromkeys(all_of("error_blocks")))
        self.story_containers = tuple(dict.fromkeys(all_of("story_containers")))
        self.story_wrappers = tuple(dict.fromkeys(all_of("story_wrappers")))


class Rules:
    """The registry of rule sets by source, with a per-source compiled cache."""

    def __init__(self, sets: Iterable[RuleSet] = BUILTIN):
        self.sets: dict[str, RuleSet] = {s.name: s for s in sets}
        self._compiled: dict[str, CompiledRules] = {}

    def for_source(self, source: str | None) -> CompiledRules:
        """Rules for a source: the always-on sets plus its own; all of them when the source is unknown."""
        key = source if source in self.sets and source not in ALWAYS else "*"
        compiled = self._compiled.get(key)
        if compiled is None:
            if key == "*":
                chosen = list(self.sets.values())
            else:
                chosen = [self.sets[n] for n in ALWAYS if n in self.sets] + [self.sets[key]]
            compiled = self._compiled[key] = CompiledRules(chosen)
        return compiled

    def merged(self, extra: Mapping[str, Any] | None) -> "Rules":
        """A new registry with a user's extra patterns added (see ``rules_from_settings``)."""
        sets = dict(self.sets)
        for source, patterns in _normalise_extra(extra).items():
            base = sets.get(source, RuleSet(name=source))
            sets[source] = replace(base, **{f: getattr(base, f) + tuple(v) for f, v in patterns.items()})
        merged = Rules(sets.values())
        for name in merged.sets:  # compile now: a bad pattern is reported at start-up, not mid-crawl
            merged.for_source(name)
        merged.for_source(None)
        return merged


def _normalise_extra(extra: Mapping[str, Any] | None) -> dict[str, dict[str, list[str]]]:
    """``{"label_lines": [...]}`` extends "generic"; ``{"menafn": {"label_lines": [...]}}`` a source."""
    out: dict[str, dict[str, list[str]]] = {}
    for key, value in (extra or {}).items():
        if key in RULE_FIELDS:
            source, patterns = "generic", {key: value}
        elif isinstance(value, Mapping):
            source, patterns = str(key), value
        else:
            raise ValueError(f"extra rules: {key!r} is neither a rule field ({', '.join(RULE_FIELDS)}) "
                             f"nor a source name mapping to rule fields")
        for field, items in patterns.items():
            if field not in RULE_FIELDS:
                raise ValueError(f"extra rules for {source!r}: unknown field {field!r}")
            if isinstance(items, str) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"extra rules for {source!r}.{field}: expected a list of strings")
            out.setdefault(source, {}).setdefault(field, []).extend(items)
    return out


DEFAULT_RULES = Rules()  # the generic families only; every site's too: newscrawl.sites.cleaning_rules()
