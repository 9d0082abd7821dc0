"""The characters a line can start with (after its leading whitespace) if a line-anchored rule matches it.

Many rules have no literal to anchor on ("Jan 5, 2020", "AFP / Getty Images", "Von Max
Mustermann") but are anchored at the line start: from the pattern's parse tree we know which
characters the first non-space character of a matching line can be (a digit, a month's
initial, a bullet). A line whose first character is not among them is skipped without
running the regex. The sets err on the generous side (case variants, every character of a
range, anything unclear means "any"), so a skipped line is one the rule cannot match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import regex

from cleaner.rules.regex_tree import parse_pattern, sre_c

_WS = regex.compile(r"\s")
_LEAD_WS = regex.compile(r"\s*")
_WS_POINTS = tuple(o for o in range(0x3001) if _WS.match(chr(o)))  # \s has nothing above U+3000
# The only characters the regex engine's case-insensitive matching ties to ASCII letters.
_KIN = {"İ": "iI", "ſ": "sS", "\u212a": "kK", "i": "İ", "I": "İ", "s": "ſ", "S": "ſ", "k": "\u212a", "K": "\u212a"}


class _Any(Exception):
    """The pattern can start with (almost) any character: no gate."""


def _variants(c: str) -> set[str]:
    out = {c, *_KIN.get(c, "")}
    for v in (c.lower(), c.upper(), c.casefold()):
        if len(v) == 1:
            out.add(v)
    return out


def _is_word(c: str) -> bool:
    return c.isalnum() or c == "_" or unicodedata.category(c) in ("Mn", "Mc", "Me", "Pc") or c in "\u200c\u200d"


@dataclass
class LeadChars:
    """Which first non-space characters a matching line may have; ``admits`` answers per character."""

    chars: set[str] = field(default_factory=set)
    ranges: list[tuple[int, int]] = field(default_factory=list)
    digit: bool = False
    word: bool = False
    _seen: dict[str, bool] = field(default_factory=dict)

    def admits(self, c: str) -> bool:
        got = self._seen.get(c)
        if got is None:
            got = self._seen[c] = self._admits(c)
        return got

    def _admits(self, c: str) -> bool:
        vs = _variants(c)
        if vs & self.chars:
            return True
        if not c.isascii() and any(hi > 127 for _, hi in self.ranges):
            return True  # case relations of non-ASCII letters are too varied to rule out
        if any(lo <= ord(v) <= hi for v in vs for lo, hi in self.ranges):
            return True
        if self.digit and (c.isdigit() or unicodedata.category(c) == "Nd"):
            return True
        return self.word and _is_word(c)

    def merge(self, other: LeadChars) -> None:
        self.chars |= other.chars
        self.ranges += other.ranges
        self.digit |= other.digit
        self.word |= other.word


def first_char(text: str) -> str:
    """The first character after leading whitespace (as the regex engine's ``\\s`` sees it), or ''."""
    return text[_LEAD_WS.match(text).end() :][:1]  # type: ignore[union-attr]


def _in(items: list, acc: LeadChars) -> bool:
    ws = False
    for op, av in items:
        if op is sre_c.LITERAL:
            ch = chr(av)
            if _WS.match(ch):
                ws = True
            else:
                acc.chars.add(ch)
        elif op is sre_c.RANGE:
            lo, hi = av
            acc.ranges.append((lo, hi))
            ws = ws or any(lo <= o <= hi for o in _WS_POINTS)
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_SPACE:
            ws = True
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_DIGIT:
            acc.digit = True
        elif op is sre_c.CATEGORY and av is sre_c.CATEGORY_WORD:
            acc.word = True
        else:  # NEGATE, \D, \W, \S...: nearly anything
            raise _Any
    return ws


def _item(op, av, acc: LeadChars) -> bool:
    """Add what this item can start with; True if it can match only whitespace (or nothing)."""
    if op is sre_c.LITERAL:
        ch = chr(av)
        if _WS.match(ch):
            return True
        acc.chars.add(ch)
        return False
    if op is sre_c.IN:
        return _in(av, acc)
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT):
        lo, _hi, body = av
        return _seq(body, acc) or lo == 0
    if op is sre_c.SUBPATTERN:
        return _seq(av[-1], acc)
    if op is sre_c.ATOMIC_GROUP:
        return _seq(av, acc)
    if op is sre_c.BRANCH:
        return any([_seq(b, acc) for b in av[1]])  # a list: every branch adds its characters
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return True  # zero-width
    raise _Any


def _seq(items, acc: LeadChars) -> bool:
    return all(_item(op, av, acc) for op, av in items)


def pattern_lead(pattern: str) -> LeadChars | None:
    """Lead characters of a pattern, or None when it can start with anything (or only whitespace)."""
    parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    acc = LeadChars()
    try:
        if _seq(parsed, acc):
            return None  # can match whitespace only: any line could hold such a match
    except _Any:
        return None
    acc.chars = {v for c in acc.chars for v in _variants(c)}
    return acc
