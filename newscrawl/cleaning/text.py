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
_MOJIBAKE_RE = re.compile(r"(?:[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]+)+")


def _cp1252_bytes(s: str) -> bytes:
    out = bytearray()
    for ch in s:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            code = ord(ch)
            if code < 256:  # the five bytes cp1252 leaves undefined map to themselves
                out.append(code)
            else:
                raise
    return bytes(out)


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
    if not text or not _MOJIBAKE_RE.search(text):
        return text
    text = _MOJIBAKE_RE.sub(_repair, text)
    # A right double quote (E2 80 9D) loses its last byte, undefined in cp1252,
    # and is left as a bare "â€": nothing else leaves that pair behind.
    return text.replace("\u00e2\u20ac", "\u201d")


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace (incl. NBSP) to one space and strip."""
    return _WS_RE.sub(" ", text).strip()


def match_key(text: str) -> str:
    """Key for comparing passages: casefolded words, punctuation and spacing ignored."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD_RE.sub(" ", text).strip()


def word_tokens(text: str) -> list[str]:
    """``\\w+`` tokens, case kept: the unit of the benchmark's shingle metric."""
    return _WORD_RE.findall(text)
