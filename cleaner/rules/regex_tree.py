"""Parse rule patterns into a tree the prefilter can reason about.

Rules are written for the `regex` module; the standard library's parser reads most of that
syntax. Unicode properties (``\\p{Lu}``) it does not know are replaced by a class that
matches any character, which only ever makes the analysis more generous, never wrong.
"""

from __future__ import annotations

try:  # Python 3.11+
    import re._constants as sre_c
    import re._parser as sre_p
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse as sre_p  # type: ignore[no-redef]

from collections.abc import Iterator

import regex

__all__ = ["parse_pattern", "pieces", "sre_c", "sre_p"]

_PROPERTY = regex.compile(r"\\[pP](?:\{[^{}\d,][^{}]*\}|[A-Za-z])")  # not \p{1,3}: a "p" repeated
_ESCAPE = regex.compile(rf"(?P<property>{_PROPERTY.pattern})|\\.", regex.DOTALL)
_COUNT = regex.compile(r"\{\d*,?\d*\}")


def pieces(pattern: str) -> Iterator[str]:
    """The pattern in pieces both rewrites below need kept whole: a character class, an escape
    (a Unicode property with its name), a repeat count, an atomic-group opening; else one character."""
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            m = _PROPERTY.match(pattern, i)
            j = m.end() if m else i + 2
        elif ch == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":  # a leading ] is a literal
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            j += 1
        elif ch == "{" and (m := _COUNT.match(pattern, i)):
            j = m.end()
        elif pattern.startswith("(?>", i):
            j = i + 3
        else:
            j = i + 1
        yield pattern[i:j]
        i = j


def _neutralise(pattern: str) -> str:
    r"""``\p{..}`` -> "any character": ``[\s\S]`` outside a class, ``\s\S`` inside one."""
    out: list[str] = []
    for piece in pieces(pattern):
        if piece.startswith("["):  # escapes taken pairwise, so "\\\\p" stays a backslash and a "p"
            piece = _ESCAPE.sub(lambda m: r"\s\S" if m.group("property") else m.group(), piece)
        elif _PROPERTY.fullmatch(piece):
            piece = r"[\s\S]"
        out.append(piece)
    return "".join(out)


def parse_pattern(pattern: str):
    """The standard-library parse tree of a pattern, or None if it uses syntax only `regex` knows."""
    try:
        return sre_p.parse(_neutralise(pattern) if "\\p" in pattern or "\\P" in pattern else pattern, 0)
    except Exception:  # noqa: BLE001 - e.g. fuzzy matching, \L<list>: no analysis, not an error
        return None


_BACKREF = regex.compile(r"\\[1-9]|\\g<|\(\?P=|\(\?P>|\(\?&|\(\?R\)|\(\?[+-]?\d")


def without_possessives(pattern: str) -> str | None:
    """The pattern with possessive quantifiers made greedy and atomic groups plain.

    Such a pattern matches every string the original matches (possessives only ever forbid
    matches), and unlike the original it means the same read right to left: fit for a
    reverse-search prefilter. None for backreferences and recursion, which do not reverse."""
    if _BACKREF.search(pattern):
        return None
    out: list[str] = []
    after_quantifier = False
    for piece in pieces(pattern):
        if piece == "+" and after_quantifier:
            after_quantifier = False  # possessive marker: drop it
            continue
        if piece == "(?>":
            piece = "(?:"
        # A lazy "?" completes its quantifier; a count or *, +, ? may be followed by a possessive "+".
        lazy = piece == "?" and after_quantifier
        after_quantifier = not lazy and (piece in ("*", "+", "?") or piece.startswith("{") and len(piece) > 1)
        out.append(piece)
    return "".join(out)
