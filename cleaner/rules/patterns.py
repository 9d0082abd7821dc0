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

import regex

__all__ = ["parse_pattern", "sre_c"]

_PROPERTY = regex.compile(r"\\[pP](?:\{[^{}]*\}|[A-Za-z])")


def _neutralise(pattern: str) -> str:
    r"""``\p{..}`` -> "any character": ``[\s\S]`` outside a class, ``\s\S`` inside one."""
    out: list[str] = []
    i, n, in_class = 0, len(pattern), False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            m = _PROPERTY.match(pattern, i)
            if m:
                out.append(r"\s\S" if in_class else r"[\s\S]")
                i = m.end()
                continue
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # a leading ] is a literal
                out.append("]")
                i += 1
            continue
        if ch == "]" and in_class:
            in_class = False
        out.append(ch)
        i += 1
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
    i, n, in_class, after_quantifier = 0, len(pattern), False, False
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            out.append(pattern[i : i + 2])
            i += 2
            after_quantifier = False
            continue
        if in_class:
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":
                out.append("]")
                i += 1
            after_quantifier = False
            continue
        if ch == "+" and after_quantifier:
            i += 1  # possessive marker: drop it
            after_quantifier = False
            continue
        if pattern.startswith("(?>", i):
            out.append("(?:")
            i += 3
            after_quantifier = False
            continue
        if ch == "{":
            m = _COUNT.match(pattern, i)
            if m:
                out.append(m.group())
                i = m.end()
                after_quantifier = True
                continue
        out.append(ch)
        i += 1
        after_quantifier = ch in "*+?"
        if ch == "?" and out[-2:-1] and out[-2] in "*+?}":  # lazy marker: the quantifier is complete
            after_quantifier = False
    return "".join(out)


_COUNT = regex.compile(r"\{\d*,?\d*\}")
