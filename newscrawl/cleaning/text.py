"""Text normalisation shared by every cleaning step.

One place for: undoing cp1252 mojibake, the match key that ignores case,
whitespace and punctuation, and word tokens.
"""

from __future__ import annotations

import re
import unicodedata

_WORD_RE = re.compile(r"\w+")
_NON_WORD_RE = re.compile(r"[\W_]+")
_WS_RE = re.compile(r"\s+")
# Sequences that UTF-8 text takes on when decoded as cp1252 (â€œ, Ã©, Â ...).
_MOJIBAKE_LEAD_RE = re.compile("[\u00c2-\u00f4]")  # every run starts with one: a cheap first test
_MOJIBAKE_UNIT = r"[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+"
# One unit, then more: "(?:unit)+" would be the same language, but a pattern that starts
# with a group is scanned position by position; starting with a character class lets the
# engine skip to candidates (5x faster on accented text).
_MOJIBAKE_RE = re.compile(_MOJIBAKE_UNIT + "(?:" + _MOJIBAKE_UNIT + ")*")


# cp1252 character -> the latin-1 character of the same byte; the five bytes cp1252 leaves
# undefined stay themselves (they arrive as U+0081, U+008D, ...).
_TO_LATIN1 = str.maketrans({bytes([b]).decode("cp1252"): chr(b) for b in range(0x80, 0xA0)
                            if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)})


def _cp1252_bytes(s: str) -> bytes:
    """The bytes ``s`` came from, read as cp1252; UnicodeEncodeError if it holds other characters."""
    return s.translate(_TO_LATIN1).encode("latin-1")


def _repair(match: re.Match[str]) -> str:
    chunk = match.group(0)
    try:
        return _cp1252_bytes(chunk).decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return chunk


def fix_mojibake(text: str) -> str:
    """Undo UTF-8-read-as-cp1252 damage (``â€œas isâ€`` -> ``“as is”``).

    Only runs that decode cleanly as UTF-8 are replaced, so genuine accented
    text (``Ã`` followed by a space, say) is left alone.
    """
    if not text or not _MOJIBAKE_LEAD_RE.search(text) or not _MOJIBAKE_RE.search(text):
        return text
    text = _MOJIBAKE_RE.sub(_repair, text)
    # A right double quote (E2 80 9D) loses its last byte, undefined in cp1252,
    # and is left as a bare "â€": nothing else leaves that pair behind.
    return text.replace("\u00e2\u20ac", "\u201d")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (incl. NBSP) to one space and strip."""
    if _is_spaced(text):
        return text
    return _WS_RE.sub(" ", text).strip()


def _is_spaced(text: str) -> bool:
    """True when collapsing and stripping whitespace would leave ``text`` as it is: the common case.

    A printable string holds no whitespace but the ASCII space (tabs, NBSP and line
    breaks are not printable), so single inner spaces are all it can have.
    """
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def match_key(text: str) -> str:
    """Key for comparing passages: casefolded words, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD_RE.sub(" ", text).strip()


def word_tokens(text: str) -> list[str]:
    """``\\w+`` tokens, case kept: the unit of the benchmark's shingle metric."""
    return _WORD_RE.findall(text)


# A letter no text carries (CYRILLIC LETTER MULTIOCULAR O, thrice): joins lines into one text
# for a single regex pass while surviving the punctuation-to-space step as a word.
_SEP = " \ua66e\ua66e\ua66e "


# Typographic punctuation common in news: replaced before the bytes fast path of match_keys.
_COMMON_PUNCT = ("\u2019\u2018\u201c\u201d\u2014\u2013\u2026\u00ab\u00bb\u2022\u00b7\u00a9\u00ae\u2122\u00b0\u20ac"
                 "\u00a3\u2212\u2044\u2015\u00ad\u00a7\u201e\u201a\u2039\u203a\u00b6\u00b1")
_NON_ASCII_NON_WORD_RE = re.compile(r"[^\x00-\x7f\w]")
# ASCII bytes that are not [a-z0-9] (after casefold) become spaces; newlines and other bytes stay.
_ASCII_KEY_TABLE = bytes(
    b if (b >= 0x80 or b == 0x0A or chr(b).isalnum()) else 0x20 for b in range(256)
)


def match_keys(lines: list[str]) -> list[str]:
    """``match_key`` of each line, computed over the joined text at once (same results).

    Text whose only non-ASCII characters are letters and digits (most news, once its
    typographic punctuation is spaced out) takes a bytes translation, many times cheaper
    than the regex; other text takes the regex, once for all lines.
    """
    text = "\n".join(lines)
    if _SEP.strip() in text:
        return [match_key(line) for line in lines]
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = text.casefold()
    if text.count("\n") != len(lines) - 1:  # a line held a newline (or NFKC made one)
        return [match_key(line) for line in lines]
    for ch in _COMMON_PUNCT:
        if ch in text:
            text = text.replace(ch, " ")
    if not _NON_ASCII_NON_WORD_RE.search(text):
        raw = text.encode("utf-8").translate(_ASCII_KEY_TABLE)
        return [b" ".join(line.split()).decode("utf-8") for line in raw.split(b"\n")]
    keys = _NON_WORD_RE.sub(" ", _SEP.join(text.split("\n"))).split(_SEP.strip())
    keys = [k.strip() for k in keys]
    return keys if len(keys) == len(lines) else [match_key(line) for line in lines]


def repair_lines(lines: list[str]) -> list[str]:
    """``normalize_space(fix_mojibake(line))`` of each line, blank ones dropped.

    Text damaged twice is repaired twice (each repair shortens it, so this ends).
    """
    text = "\n".join(lines)
    fixed = fix_mojibake(text)
    while fixed != text:
        text, fixed = fixed, fix_mojibake(fixed)
    out = []
    for line in text.split("\n"):
        if not _is_spaced(line):
            line = " ".join(line.split())
        if line:
            out.append(line)
    return out
