"""Text normalisation shared by every cleaning step.

One place for: undoing cp1252 mojibake, the match key that ignores case,
whitespace and punctuation, and word tokens.
"""

from __future__ import annotations

import functools
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
    return _repaired(match.group(0))


@functools.lru_cache(maxsize=1 << 14)  # damaged runs are the same few sequences (â€™, Ã©...) again and again
def _repaired(chunk: str) -> str:
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


# --- match keys in bulk ------------------------------------------------------
# match_key is NFKC, casefold, then [\W_]+ as separators. On ASCII that is: letters lowered,
# every other non-alphanumeric byte a separator (a newline stays: it ends a line's key).
_ASCII_FOLD = bytes(
    b if b >= 128 or b == 0x0A or chr(b).isdigit() or chr(b).islower() else
    (b + 32 if chr(b).isupper() else 0x20) for b in range(256))
# Punctuation and symbols frequent in news (curly quotes, dashes, NBSP-like spaces, currency,
# degree, guillemets) whose NFKC form holds no word character: blanked in the UTF-8 bytes,
# so most texts never leave ASCII.
_SEPARATOR_BLOCKS = [(0x00A0, 0x00BF), (0x00D7, 0x00D7), (0x00F7, 0x00F7), (0x2000, 0x206F), (0x20A0, 0x20CF)]
_HIGH_BYTES = bytes(range(128, 256))


def _is_separator(ch: str) -> bool:
    return not any(c.isalnum() or c == "_" for c in unicodedata.normalize("NFKC", ch).casefold())


def _separator_bytes_res() -> list[re.Pattern[bytes]]:
    """One pattern per UTF-8 lead byte: a literal first byte lets the regex engine skip ahead fast."""
    by_lead: dict[int, dict[bytes, list[int]]] = {}
    for lo, hi in _SEPARATOR_BLOCKS:
        for cp in range(lo, hi + 1):
            if _is_separator(chr(cp)):
                raw = chr(cp).encode("utf-8")
                by_lead.setdefault(raw[0], {}).setdefault(raw[:-1], []).append(raw[-1])
    patterns = []
    for lead, groups in sorted(by_lead.items()):
        alternatives = []
        for prefix, lasts in sorted(groups.items()):
            lasts.sort()
            ranges = [[lasts[0], lasts[0]]]
            for b in lasts[1:]:
                if b == ranges[-1][1] + 1:
                    ranges[-1][1] = b
                else:
                    ranges.append([b, b])
            cls = b"".join(b"\\x%02x-\\x%02x" % (lo, hi) for lo, hi in ranges)
            alternatives.append(b"".join(b"\\x%02x" % c for c in prefix[1:]) + b"[" + cls + b"]")
        patterns.append(re.compile(b"\\x%02x(?:" % lead + b"|".join(alternatives) + b")"))
    return patterns


_SEPARATOR_BYTES_RES = _separator_bytes_res()


@functools.lru_cache(maxsize=1 << 16)  # names and accented words recur across stories
def _fold_word(word: bytes) -> bytes:
    """match_key of one non-ASCII word (a name with accents, a word of another script)."""
    folded = unicodedata.normalize("NFKC", word.decode("utf-8", "surrogatepass")).casefold()
    if folded.isalnum():  # no [\W_] inside: one word
        return folded.encode("utf-8", "surrogatepass")
    return " ".join(_NON_WORD_RE.sub(" ", folded).split()).encode("utf-8", "surrogatepass")


def _folded(text: str) -> bytes:
    """``text`` as UTF-8 with ``match_key`` applied word by word, newlines kept, spacing not yet
    collapsed.

    ASCII is folded with one byte table; common punctuation is blanked in the bytes; then the
    words left with other characters are normalised one by one, or, in text mostly in another
    script, all at once (``_folded_script``).
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_FOLD)
    data = text.encode("utf-8", "surrogatepass")
    for pattern in _SEPARATOR_BYTES_RES:
        if data.isascii():
            break
        data = pattern.sub(b" ", data)
    data = data.translate(_ASCII_FOLD)
    if data.isascii():
        return data
    if 4 * (len(data) - len(data.translate(None, _HIGH_BYTES))) > len(data):
        return _folded_script(data)
    return b"\n".join(line if line.isascii() else b" ".join([w if w.isascii() else _fold_word(w) for w in line.split()])
                      for line in data.split(b"\n"))


_LEFT_OVER_RE = re.compile(r"[^\w\n ]+")  # what NFKC and casefold leave that is not a word character


def _folded_script(data: bytes) -> bytes:
    """``_folded`` of text mostly in another script (Cyrillic, Greek, CJK...): almost every word
    would need ``_fold_word``, so the whole text is normalised at once. Its punctuation is
    already blanked, so few separators are left for the regex (a regex substitution per space
    costs more than the rest of the key)."""
    text = data.decode("utf-8", "surrogatepass")
    if not unicodedata.is_normalized("NFKC", text):  # most text already is: a check is cheaper
        text = unicodedata.normalize("NFKC", text)
    text = _LEFT_OVER_RE.sub(" ", text.casefold())
    if "_" in text:
        text = text.replace("_", " ")
    return text.encode("utf-8", "surrogatepass")


_SPACE_RUN_RE = re.compile(b"  +")


def match_keys(lines: list[str]) -> list[str]:
    """``match_key`` of each line, computed over the joined text at once (same results)."""
    text = "\n".join(lines)
    data = _folded(text)
    if data.count(b"\n") != len(lines) - 1:  # a line held a newline
        return [match_key(line) for line in lines]
    # Spaces collapsed in the bytes, ends stripped per line: faster than replacing " \n" and "\n ".
    return [key.strip(" ") for key in _SPACE_RUN_RE.sub(b" ", data).decode("utf-8", "surrogatepass").split("\n")]


def key_words(text: str) -> list[bytes]:
    """``match_key(text).split()`` as UTF-8 bytes: the words near-duplicate shingles are made of."""
    return _folded(text).split()


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
