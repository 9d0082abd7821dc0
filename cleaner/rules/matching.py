"""Turn a rule's phrases and patterns into compiled `regex` objects.

Phrases become escaped regexes whose spaces match any whitespace run and whose
quotes match every typographic variant, so ``Leave a Reply`` written once in a
pack matches ``Leave  a Reply`` and ``It’s`` matches ``It's``. Every search runs
under a time limit: a pattern that backtracks catastrophically costs one
``MatchTimeout``, never a stalled batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import regex
from cssselect import GenericTranslator, SelectorError
from cssselect import parse as cssselect_parse
from lxml import etree
from lxml import html as lxml_html

from cleaner.rules.patterns import without_possessives
from cleaner.rules.schema import Matcher

_SQUOTES = "'‘’‚‛′`´"
_DQUOTES = '"“”„‟″«»'
_DASHES = "-‐‑‒–—―"
_CHAR_CLASSES = {
    **{c: "[" + regex.escape(_SQUOTES) + "]" for c in _SQUOTES},
    **{c: "[" + regex.escape(_DQUOTES) + "]" for c in _DQUOTES},
    **{c: "[" + regex.escape(_DASHES) + "]" for c in _DASHES},
    "…": r"(?:…|\.\.\.)",
}

# Strings on which an exponential pattern stalls but a sane one answers in microseconds.
_PROBES = tuple(
    s * (1000 // len(s)) + "!" for s in ("a", "a ", "1", "aA", " ", "a1-", "word ", "\t")
)
PROBE_TIMEOUT = 0.1
MAX_REPEAT = 10_000  # larger {m,n} counts make the compiled program huge (memory at load)
_REPEAT = regex.compile(r"\{(\d+)(?:,(\d*))?\}")


class MatchTimeout(Exception):
    """A pattern took longer than the per-match time limit on one line."""


def phrase_to_regex(phrase: str) -> str:
    out: list[str] = []
    for word_i, word in enumerate(phrase.split()):
        if word_i:
            out.append(r"\s+")
        for ch in word:
            out.append(_CHAR_CLASSES.get(ch) or regex.escape(ch))
    return "".join(out)


def _anchor(body: str, mode: str, first_is_word: bool, last_is_word: bool) -> str:
    lead = r"(?<!\w)" if first_is_word else ""
    trail = r"(?!\w)" if last_is_word else ""
    if mode == "line":
        return rf"^\s*(?:{body})\s*$"
    if mode == "start":
        return rf"^\s*(?:{body}){trail}"
    if mode == "end":
        return rf"{lead}(?:{body})\s*$"
    return f"{lead}(?:{body}){trail}"


def _pattern_to_regex(pattern: str, mode: str) -> str:
    # Patterns are the author's own: anchor by mode, add no word boundaries.
    return _anchor(pattern, mode, False, False)


_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z]+\)")
_NUMBERED_REF = regex.compile(r"\\[1-9]|\\g<\d")


@dataclass
class CompiledMatcher:
    """One matcher (a rule's start condition, or a block's end) ready to search lines."""

    regexes: list[regex.Pattern]
    # All regexes as one alternation, when that finds a line the same way: one search, not several.
    single: regex.Pattern | None = None
    # For matchers anchored at the line end: a right-to-left search that fails fast on lines that
    # cannot match (a forward search tries every start position). Only ever a filter.
    reverse: regex.Pattern | None = None

    @classmethod
    def build(cls, matcher: Matcher) -> CompiledMatcher:
        flags = regex.UNICODE | (0 if matcher.case_sensitive else regex.IGNORECASE)
        compiled: list[regex.Pattern] = []
        if matcher.phrases:
            # Phrases of similar words are anchored one by one, then joined, so each
            # keeps its own word boundaries.
            parts = []
            for phrase in matcher.phrases:
                p = phrase.strip()
                parts.append(
                    _anchor(phrase_to_regex(p), matcher.match, p[0].isalnum(), p[-1].isalnum())
                )
            compiled.append(regex.compile("|".join(f"(?:{x})" for x in parts), flags))
        for pattern in matcher.patterns:
            compiled.append(regex.compile(_pattern_to_regex(pattern, matcher.match), flags))
        return cls(compiled, _combine(matcher, compiled, flags), _reverse(matcher, compiled, flags))

    def search(self, text: str, timeout: float, combined: bool = True) -> regex.Match | None:
        """The first match; ``combined=False`` runs the regexes one by one (the reference behaviour)."""
        try:
            if combined and self.reverse is not None and self.reverse.search(text, timeout=timeout) is None:
                return None
            if combined and self.single is not None:
                return self.single.search(text, timeout=timeout)
            for rx in self.regexes:
                m = rx.search(text, timeout=timeout)
                if m is not None:
                    return m
        except TimeoutError as e:
            raise MatchTimeout(str(e)) from None
        return None

    def finditer(self, text: str, timeout: float, combined: bool = True) -> Iterator[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        try:
            if combined and self.reverse is not None and self.reverse.search(text, timeout=timeout) is None:
                return iter(())
            for rx in self.regexes:
                spans.extend(m.span() for m in rx.finditer(text, timeout=timeout) if m.end() > m.start())
        except TimeoutError as e:
            raise MatchTimeout(str(e)) from None
        # Overlapping matches of different alternatives merge into one span.
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return iter((s, e) for s, e in merged)


def _combine(matcher: Matcher, compiled: list[regex.Pattern], flags: int) -> regex.Pattern | None:
    """One alternation of a matcher's regexes, where ``search`` then gives the same answer.

    Whether a line matches never changes. Which match is found can: only when the regexes are
    anchored at the line start (all try position 0, in order) is it the same match, so rules
    that capture groups combine only then, and drop-span rules (which cut every match) never."""
    if len(compiled) < 2 or getattr(matcher, "action", None) == "drop-span":
        return None
    if getattr(matcher, "captures", None) and matcher.match not in ("line", "start"):
        return None
    names = [n for rx in compiled for n in rx.groupindex]
    if len(names) != len(set(names)):
        return None
    if any(_GLOBAL_FLAGS.search(rx.pattern) or _NUMBERED_REF.search(rx.pattern) for rx in compiled):
        return None  # flags would apply to every part, numbered references would point elsewhere
    try:
        return regex.compile("|".join(f"(?:{rx.pattern})" for rx in compiled), flags)
    except regex.error:
        return None


def _reverse(matcher: Matcher, compiled: list[regex.Pattern], flags: int) -> regex.Pattern | None:
    if matcher.match != "end":
        return None
    parts = [without_possessives(rx.pattern) for rx in compiled]
    if any(p is None or _GLOBAL_FLAGS.search(p) for p in parts):
        return None
    try:
        return regex.compile("|".join(f"(?:{p})" for p in parts), flags | regex.REVERSE)
    except regex.error:
        return None


def check_pattern(pattern: str, case_sensitive: bool) -> str | None:
    """Return why a pattern is unusable (syntax, or catastrophic backtracking), else None."""
    flags = regex.UNICODE | (0 if case_sensitive else regex.IGNORECASE)
    for m in _REPEAT.finditer(pattern):
        if max(int(x) for x in m.groups() if x) > MAX_REPEAT:
            return f"pattern {pattern!r} has a repeat count above {MAX_REPEAT:,} ({m.group()}); use + or * instead"
    try:
        rx = regex.compile(pattern, flags)
    except regex.error as e:
        return f"invalid regex {pattern!r}: {e}"
    except (OverflowError, MemoryError, RecursionError) as e:
        return f"regex {pattern[:80]!r} is too large to compile: {type(e).__name__}"
    for probe in _PROBES:
        try:
            rx.search(probe, timeout=PROBE_TIMEOUT)
        except TimeoutError:
            return (
                f"pattern {pattern!r} backtracks catastrophically (no answer within "
                f"{PROBE_TIMEOUT}s on a 1,000-character probe line); rewrite it without "
                "nested or overlapping repeats such as (a+)+"
            )
    return None


def selector_to_xpath(selector: str) -> str:
    """CSS to XPath, matching class and id tokens the way browsers do."""
    return GenericTranslator().css_to_xpath(selector)


def compile_xpaths(selectors: list[str], xpaths: list[str]) -> list[etree.XPath]:
    return [etree.XPath(selector_to_xpath(s)) for s in selectors] + [etree.XPath(x) for x in xpaths]


SelectorKeys = tuple[frozenset[str], frozenset[str]]


def selector_keys(selector: str) -> SelectorKeys | None:
    """Class names and ids an element (or its ancestors) must carry for a CSS selector to match it.

    A page without one of them cannot match, so its XPath query is skipped. None when the
    selector has a part this does not understand (it is then always queried)."""
    try:
        parsed = cssselect_parse(selector)
    except SelectorError:
        return None
    if len(parsed) != 1:
        return None  # "a, b": either part may match
    classes: set[str] = set()
    ids: set[str] = set()

    def walk(node: object) -> bool:
        kind = type(node).__name__
        if kind == "Element":
            return True
        if kind == "Class":
            classes.add(node.class_name)  # type: ignore[attr-defined]
            return walk(node.selector)  # type: ignore[attr-defined]
        if kind == "Hash":
            ids.add(node.id)  # type: ignore[attr-defined]
            return walk(node.selector)  # type: ignore[attr-defined]
        if kind == "CombinedSelector":
            return walk(node.selector) and walk(node.subselector)  # type: ignore[attr-defined]
        if kind in ("Attrib", "Pseudo", "Function", "Negation"):  # their own condition is not required here
            return walk(node.selector)  # type: ignore[attr-defined]
        return False

    if not walk(parsed[0].parsed_tree) or not (classes or ids):
        return None
    return frozenset(classes), frozenset(ids)


def check_selector(selector: str, is_css: bool) -> str | None:
    """Return why a CSS selector or XPath expression is unusable, else None."""
    try:
        xp = etree.XPath(selector_to_xpath(selector) if is_css else selector)
        result = xp(_PROBE_PAGE)
    except SelectorError as e:
        return f"invalid CSS selector {selector!r}: {e}"
    except etree.XPathError as e:
        return f"invalid XPath {selector!r}: {e}"
    if not isinstance(result, list):
        return f"XPath {selector!r} must select elements, but gives a {type(result).__name__}"
    return None


_PROBE_PAGE = lxml_html.document_fromstring("<html><body><div><p>probe</p></div></body></html>")
