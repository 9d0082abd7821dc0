"""Lines as the rules see them, and the normalised keys under which recurring lines are counted.

A line's *key* folds away what varies between pages of one site but is not what makes a line
chrome: case, digits (``Posted 3 hours ago`` and ``Posted 5 hours ago`` share a key), English
month and weekday names, punctuation and whitespace. The tokens of a key line up one to one with
the tokens of the raw line (both come from ``TOKEN``), which is what lets ``generalise.py`` turn the
variants of one key back into a regex that matches every one of them.
"""

from __future__ import annotations

import re

import regex

# A mined phrase is the text the rules will see, not the raw markup: the engine's own clean-up.
from cleaner.steps.inline import clean_line

_SPACE = regex.compile(r"\s+")

# The stdlib engine: several times faster than `regex` on these simple classes, and lines are many.
TOKEN = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")
_LETTER = re.compile(r"[^\W\d_]")
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_SENTENCE_END = regex.compile(r"[.!?。！？…][\"'”’»)\]]*$")

MONTH = "\x00m"
WEEKDAY = "\x00d"
MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat sun".split()
_CLASS_OF = {**{m: MONTH for m in MONTHS}, **{d: WEEKDAY for d in WEEKDAYS}}
_CLASS_WORDS = frozenset(_CLASS_OF)
_ANY_DIGIT = re.compile(r"\d")
PREFIX = "\x01"  # marks a prefix key ("first N tokens, then anything") apart from whole-line keys


def clean_lines(text: str) -> list[str]:
    """The non-blank lines of a text, cleaned; positions in rules count exactly these lines."""
    out = []
    for raw in text.split("\n"):
        if raw.strip():
            line = clean_line(raw)
            if line:
                out.append(line)
    return out


def norm_token(token: str) -> str:
    t = token.casefold()
    if _DIGITS.search(t):
        return _DIGITS.sub("0", t)
    return _CLASS_OF.get(t, t)


def key_tokens(line: str) -> list[str]:
    """The normalised tokens of a line (case, digits, month and weekday names folded); the same as
    ``norm_token`` on each token of ``TOKEN.findall(line)``, computed for the whole line at once."""
    low = line.casefold()
    if _ANY_DIGIT.search(low):
        low = _DIGITS.sub("0", low)
    toks = TOKEN.findall(low)
    if _CLASS_WORDS.isdisjoint(toks):
        return toks
    return [_CLASS_OF.get(t, t) for t in toks]


def recurrence_key(tokens: list[str]) -> str | None:
    """A whole-line key, or None for lines without a letter (prices, counts, bare dates)."""
    key = " ".join(tokens)
    return key if _LETTER.search(key) else None


def prefix_keys(tokens: list[str]) -> list[str]:
    """Keys for "a line that starts with these 2 (or 3) tokens": bylines and credits whose names vary."""
    n = len(tokens)
    if n < 4:
        return []
    out = []
    two = tokens[0] + " " + tokens[1]
    if len(two) >= 7 and _LETTER.search(two):
        out.append(PREFIX + two)
    if n >= 5:
        three = two + " " + tokens[2]
        if _LETTER.search(three):
            out.append(PREFIX + three)
    return out


def cjk_chars(line: str) -> int:
    return len(_CJK.findall(line))


def word_count(line: str) -> int:
    """Words as the rules' ``max_words`` counts them (whitespace-separated)."""
    return len(line.split())


def looks_like_prose(line: str, prose_words: int = 12) -> bool:
    """Long or sentence-like: the kind of line an article is made of.

    Such a line is mined only when it recurs in nearly every page of a site; a disclaimer does,
    a quoted sentence that several articles share does not.
    """
    words = line.split()
    cjk = cjk_chars(line)
    if len(words) > prose_words or cjk > 2 * prose_words:
        return True
    if _SENTENCE_END.search(line):
        lower = sum(1 for w in words if w[:1].islower())
        return lower >= 3 or cjk >= 10
    return False


def has_letter(text: str) -> bool:
    return _LETTER.search(text) is not None


def fold_spaces(text: str) -> str:
    return _SPACE.sub(" ", text).strip()
