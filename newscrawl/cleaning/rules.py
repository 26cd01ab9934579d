"""Cleaning rules as data: shell signatures, boilerplate patterns, label lines.

Why data: signatures change per site and per distributor faster than code, so
a new disclaimer or challenge page is one line here (or in the
``NEWSCRAWL_EXTRA_RULES`` setting), not a patch to a step. A ``RuleSet`` holds
plain strings; ``Rules.for_source`` compiles the sets that apply to a source
once and caches the result.

A pattern is a *phrase* unless it starts with ``re:``. A phrase matches
case-insensitively with any spacing between its words (none, several, line
breaks), any run of punctuation where it has punctuation (so straight, curly or
missing quotes and apostrophes all match), and a standalone ``…`` stands for a
gap of up to 800 characters. ``re:`` patterns are Python regexes, compiled with
IGNORECASE.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any, Iterable, Mapping

from newscrawl.cleaning.wire_rules import WIRE_RULES

GAP = 800  # longest text a "…" in a phrase may skip


@dataclass(frozen=True)
class RuleSet:
    """The rules of one source. Every field is a tuple of patterns (see module doc)."""

    name: str
    # Whole paragraph is error-page text (fullmatch). Stripped when leaked into a story.
    shell_lines: tuple[str, ...] = ()
    # Inside a paragraph: evidence of an error page; never stripped (a story may quote it).
    shell_phrases: tuple[str, ...] = ()
    # The same two for bot challenges / WAF blocks (reason "blocked").
    blocked_lines: tuple[str, ...] = ()
    blocked_phrases: tuple[str, ...] = ()
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


PATTERN_FIELDS = tuple(f.name for f in fields(RuleSet) if f.name != "name")

# --- the built-in sets -------------------------------------------------------

GENERIC = RuleSet(
    name="generic",
    shell_lines=(
        "403 Forbidden", "Forbidden", "404 Not Found", "Not Found", "410 Gone",
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
        "Site Maintenance", "Temporarily Unavailable", "Error", "Oops! Something went wrong.",
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
        "include what you were doing when this page came up and the Cloudflare Ray ID",
        "enable cookies and reload the page", "Please make sure your browser supports JavaScript and cookies",
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

MENAFN = RuleSet(
    name="menafn",
    # The error block every MENAFN page carries (hidden on good pages, leaked by flattening).
    shell_lines=(
        "403", "404", "Sorry!!", "Error! We’re sorry, but the page you were looking for doesn’t exist.",
        "Error!", "re:403\\s*Sorry!!\\s*(?:Error!.{0,90})?",
    ),
    label_lines=(
        "Legal Disclaimer:", "Date", "More Stories", "Market Research", "Most Popular", "Comments No comment",
        "Get the latest news delivered to your inbox.", "re:(?:#\\w+\\s*){1,12}",
    ),
    date_lines=(
        "re:date\\s*(?P<date>\\d{4}-\\d{2}-\\d{2})(?:\\s+(?P<time>\\d{1,2}:\\d{2}(?::\\d{2})?))?(?:\\s*(?:403|404))?",
    ),
    # "(MENAFN- Kuwait News Agency (KUNA))": a provider name may hold one bracketed part.
    datelines=("re:\\(\\s*(?P<site>MENAFN)\\s*(?:[-–—]\\s*(?P<provider>(?:[^()]|\\([^()]*\\)){1,80}?)\\s*)?\\)\\s*",),
    disclaimers=(
        "Legal Disclaimer: MENAFN provides the information “as is” without warranty of any kind. "
        "… kindly contact the provider above.",
        "MENAFN provides the information “as is” without warranty of any kind.",
        "We do not accept any responsibility or liability for the accuracy, content, images, videos, "
        "licenses, completeness, legality, or reliability of the information contained in this article.",
        "If you have any complaints or copyright issues related to this article, kindly contact the provider above.",
    ),
    tracking=("re:MENAFN\\s?\\d{8}\\s?\\d{12}\\s?ID\\s?\\d{4,12}",),
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
        "re:The above press release was provided courtesy of [^\\n]{0,300}?do not necessarily (?:state or )?"
        "reflect those of [^\\n.]{0,80}\\.?",
        "This content was issued through the press release distribution service at Newswire.com.",
        "re:(?m:^)\\s*Disclaimer\\s*:[^\\n]*",
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

BUILTIN: tuple[RuleSet, ...] = (GENERIC, MENAFN, PRESS_RELEASE, *(RuleSet(**spec) for spec in WIRE_RULES))
ALWAYS = ("generic", "press_release")  # sets that apply to every source

# --- compiling ---------------------------------------------------------------

_PUNCT_RUN = re.compile(r"([^\w\s]+)")


def phrase_regex(pattern: str) -> str:
    """Regex source for one pattern (a phrase, or ``re:`` + regex)."""
    if pattern.startswith("re:"):
        return pattern[3:]
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


def _anchor(pattern: str) -> str | None:
    """A lowercase word every match must contain, for a cheap ``in`` test first."""
    if pattern.startswith("re:"):
        m = re.match(r"[A-Za-z]{4,}", pattern[3:])
        return m.group(0).lower() if m else None
    words = [w for w in re.findall(r"\w+", pattern) if not w.isdigit()]
    return max(words, key=len).lower() if words else None


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


@dataclass(frozen=True)
class Anchored:
    """One searched pattern with a cheap pre-check (most texts lack the anchor word)."""

    rule: str  # the name counted in doc.removed / shown in a rejection
    regex: re.Pattern[str]
    anchor: str | None  # lowercase word every match contains; None: always run

    def finditer(self, text: str, lowered: str):
        if self.anchor is not None and self.anchor not in lowered:
            return iter(())
        return self.regex.finditer(text)


def _anchored(rule: str, patterns: list[str]) -> tuple[Anchored, ...]:
    return tuple(Anchored(rule, regex, _anchor(p)) for p, regex in zip(patterns, _each(patterns, rule)))


class CompiledRules:
    """The union of some rule sets, compiled once: what the steps actually run."""

    def __init__(self, sets: Iterable[RuleSet]):
        sets = list(sets)
        self.names = tuple(s.name for s in sets)

        def all_of(field: str) -> list[str]:
            return [p for s in sets for p in getattr(s, field)]

        self.shell_lines = _union(all_of("shell_lines"), "shell_lines")
        self.shell_phrases = _anchored("shell_phrases", all_of("shell_phrases"))
        self.blocked_lines = _union(all_of("blocked_lines"), "blocked_lines")
        self.blocked_phrases = _anchored("blocked_phrases", all_of("blocked_phrases"))
        self.blocked_markup = tuple(dict.fromkeys(all_of("blocked_markup")))
        self.label_lines = _union(all_of("label_lines"), "label_lines")
        # Kept apart (not one union) because each carries the same named groups.
        self.date_lines = _each(all_of("date_lines"), "date_lines")
        self.datelines = _each(all_of("datelines"), "datelines")
        self.fls_headings = _union(all_of("fls_headings"), "fls_headings")
        self.fls_markers = _union(all_of("fls_markers"), "fls_markers")
        self.spans = _anchored("disclaimer", all_of("disclaimers")) + _anchored("tracking", all_of("tracking"))
        # Lines longer than this cannot be a label/shell line: skip the regex.
        self.max_line_chars = 160


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
        if key in PATTERN_FIELDS:
            source, patterns = "generic", {key: value}
        elif isinstance(value, Mapping):
            source, patterns = str(key), value
        else:
            raise ValueError(f"extra rules: {key!r} is neither a rule field ({', '.join(PATTERN_FIELDS)}) "
                             f"nor a source name mapping to rule fields")
        for field, items in patterns.items():
            if field not in PATTERN_FIELDS:
                raise ValueError(f"extra rules for {source!r}: unknown field {field!r}")
            if isinstance(items, str) or not all(isinstance(i, str) for i in items):
                raise ValueError(f"extra rules for {source!r}.{field}: expected a list of strings")
            out.setdefault(source, {}).setdefault(field, []).extend(items)
    return out


DEFAULT_RULES = Rules()


def rules_from_settings(extra: Mapping[str, Any] | None = None) -> Rules:
    """The built-in rules plus ``extra`` (the ``NEWSCRAWL_EXTRA_RULES`` setting or ``--rules`` file)."""
    return DEFAULT_RULES.merged(extra) if extra else DEFAULT_RULES
