"""Turn a rule's phrases and patterns into compiled matchers.

Phrases become escaped regexes whose spaces match any whitespace run and whose quotes match
every typographic variant, so ``Leave a Reply`` written once in a pack matches ``Leave  a Reply``
and ``It’s`` matches ``It's``.

Every phrase, and every pattern RE2 can express, runs on RE2 (``re2compat``): linear time, so no
line can stall a batch. The rest run on the `regex` module under static bounds (``safety``):
accepted only if their shape cannot backtrack catastrophically, and shown only lines of at most
``max_chars`` characters. Nothing here measures time: whether a pack loads and what a document
gives depend on the input, the rules and the versions alone.
"""

from __future__ import annotations

import functools
from typing import Any

import regex
from cssselect import GenericTranslator, SelectorError
from cssselect import parse as cssselect_parse

from cleaner.rules.re2compat import Re2Error, Re2Regex, S, split_edges, to_re2
from cleaner.rules.safety import BACKTRACKING_MAX_CHARS, backtracking_risk
from cleaner.rules.schema import Matcher
from cleaner.rules.shapes import NO_PAGE, PageContext, ShapeSet

_WORD = regex.compile(r"\w")

SQUOTES = "'‘’‚‛′`´"
DQUOTES = '"“”„‟″«»'
DASHES = "-‐‑‒–—―"
CHAR_CLASSES = {
    **{c: "[" + regex.escape(SQUOTES) + "]" for c in SQUOTES},
    **{c: "[" + regex.escape(DQUOTES) + "]" for c in DQUOTES},
    **{c: "[" + regex.escape(DASHES) + "]" for c in DASHES},
    "…": r"(?:…|\.\.\.)",
}
# Every quote or dash to one stand-in of its class: text a phrase's character classes cannot tell apart.
CANONICAL_CHARS = str.maketrans({**{c: "'" for c in SQUOTES}, **{c: '"' for c in DQUOTES}, **{c: "-" for c in DASHES}})

MAX_REPEAT = 10_000  # larger {m,n} counts make the compiled program huge (memory at load)
RE2_SIZE_BUDGET = 256 << 10  # about 14,000 RE2 instructions; the median bundled pattern needs 700
_REPEAT = regex.compile(r"\{(\d+)(?:,(\d*))?\}")


def _phrase(phrase: str, space: str, char) -> str:
    out: list[str] = []
    for word_i, word in enumerate(phrase.split()):
        if word_i:
            out.append(space)
        out.extend(char(ch) for ch in word)
    return "".join(out)


def _regex_char(ch: str) -> str:
    return CHAR_CLASSES.get(ch) or regex.escape(ch)


def phrase_to_regex(phrase: str) -> str:
    return _phrase(phrase, r"\s+", _regex_char)


_RE2_CHARS: dict[str, str] = {}


def _re2_char(ch: str) -> str:
    got = _RE2_CHARS.get(ch)
    if got is None:
        got = _RE2_CHARS[ch] = to_re2(_regex_char(ch)) or ""
        if not got:  # pragma: no cover - escaped characters and the quote classes translate
            raise Re2Error(f"character {ch!r} has no RE2 form")
    return got


def phrase_to_re2(phrase: str) -> str:
    """``phrase_to_regex`` in RE2's syntax, built directly (a phrase holds no other syntax)."""
    return _phrase(phrase, f"[{S}]+", _re2_char)


def _anchor(body: str, mode: str, first_is_word: bool, last_is_word: bool) -> str:
    """The `regex`-module form of an anchored matcher part (the backtracking engine's)."""
    lead = r"(?<!\w)" if first_is_word else ""
    trail = r"(?!\w)" if last_is_word else ""
    if mode == "line":
        return rf"^\s*(?:{body})\s*$"
    if mode == "start":
        return rf"^\s*(?:{body}){trail}"
    if mode == "end":
        return rf"{lead}(?:{body})\s*$"
    return f"{lead}(?:{body}){trail}"


_RE2_AFFIXES = {"line": (f"^[{S}]*", f"[{S}]*$"), "start": (f"^[{S}]*", ""), "end": ("", f"[{S}]*$"),
                "anywhere": ("", "")}


def _edges(mode: str, lead: bool, trail: bool) -> tuple[bool, bool]:
    # Next to the mode's own anchor (start of line and spaces, spaces and end) a boundary always holds.
    return lead and mode in ("end", "anywhere"), trail and mode in ("start", "anywhere")


class BacktrackingRegex:
    """A pattern only the `regex` module can run: shown lines of at most ``max_chars`` characters."""

    __slots__ = ("rx", "max_chars", "pattern")

    def __init__(self, pattern: str, flags: int, max_chars: int):
        self.rx = regex.compile(pattern, flags)
        self.pattern = pattern
        self.max_chars = max_chars

    def search(self, text: str, pos: int = 0):
        if len(text) > self.max_chars:
            return None
        return self.rx.search(text, pos)

    scan_from = search

    def matches(self, text: str) -> bool:
        return self.search(text) is not None


class PhraseSet:
    """A matcher's phrases as one alternation with word boundaries would find them, on RE2.

    One RE2 program holds every phrase, each in its own group; the boundaries (``(?<!\\w)`` before a
    phrase that starts with a letter or digit, ``(?!\\w)`` after one that ends with one) are
    checked on the characters around a match, with the `regex` module's ``\\w``. A match that fails
    them gives way to the phrases listed after it at the same place, then to the next place:
    exactly the match the lookaround alternation would give, without compiling Unicode word
    classes into every program (which cost 4 ms a phrase set at start-up)."""

    def __init__(self, phrases: list[str], mode: str, case_sensitive: bool):
        self.bodies: list[str] = []
        self.lead: list[bool] = []
        self.trail: list[bool] = []
        for phrase in phrases:
            p = phrase.strip()
            body = phrase_to_re2(p)
            lead, trail = _edges(mode, p[0].isalnum(), p[-1].isalnum())
            self.bodies.append(body)
            self.lead.append(lead)
            self.trail.append(trail)
        self.affixes = _RE2_AFFIXES[mode]
        self.case_sensitive = case_sensitive
        prefix, suffix = self.affixes
        # Escaped literals always compile: the program is made when a line first reaches it.
        self.program = Re2Regex("|".join(f"({b})" for b in self.bodies), case_sensitive, prefix=prefix,
                                suffix=suffix, alternatives=len(self.bodies), lazy=True)
        self._one: dict[int, Re2Regex] = {}  # phrase -> its own program, made when first needed
        self.any_edges = any(self.lead) or any(self.trail)

    def _fits(self, text: str, k: int, s: int, e: int) -> bool:
        if self.lead[k] and s > 0 and _WORD.match(text, s - 1):
            return False
        return not (self.trail[k] and e < len(text) and _WORD.match(text, e))

    def _alone(self, k: int) -> Re2Regex:
        rx = self._one.get(k)
        if rx is None:
            prefix, suffix = self.affixes
            rx = self._one[k] = Re2Regex(self.bodies[k], self.case_sensitive, prefix=prefix, suffix=suffix, lazy=True)
        return rx

    def scan_from(self, text: str, pos: int):
        while pos <= len(text):
            m = self.program.search(text, pos)
            if m is None:
                return None
            s, e = m.span()
            if self._fits(text, m.alt, s, e):
                return m
            for k in range(m.alt + 1, len(self.bodies)):  # earlier phrases do not match here at all
                mk = self._alone(k).search(text, m.begin, anchored=True)
                if mk is not None and self._fits(text, k, *mk.span()):
                    mk.alt = k
                    return mk
            pos = s + 1
        return None

    def search(self, text: str, pos: int = 0):
        return self.scan_from(text, pos)

    def matches(self, text: str) -> bool:
        if not self.program.matches(text):
            return False  # no phrase at all, boundaries aside
        return not self.any_edges or self.scan_from(text, 0) is not None


def _pattern_engine(pattern: str, mode: str, case_sensitive: bool, max_chars: int | None):
    """RE2 where it can express the pattern; else the backtracking engine, bounded.

    A ``\\b`` at an end of the pattern next to the mode's own anchor (``^\\s*``, ``\\s*$``) always
    holds and is dropped; elsewhere it is the one-sided lookaround ``Re2Regex`` emulates."""
    lead, core, trail = split_edges(pattern)
    lead, trail = _edges(mode, lead, trail)
    body = to_re2(core)
    if body is not None:
        prefix, suffix = _RE2_AFFIXES[mode]
        rx = Re2Regex(body, case_sensitive, lead, trail, prefix, suffix, lazy=True)
        # A counted repeat of a Unicode class ([\w ,&]{1,60}) is copied out in full by RE2, at
        # several MB a pattern; the backtracking engine runs such a pattern in a few kB when its
        # shape is safe. Whether it fits is RE2's own answer for a fixed budget: the same on every
        # machine.
        if rx.fits(RE2_SIZE_BUDGET) or backtracking_risk(pattern) is not None:
            try:
                rx._probe  # noqa: B018 - compiled now: a pattern RE2 refuses is known at once
                return rx
            except Re2Error:
                pass
    flags = regex.UNICODE | (0 if case_sensitive else regex.IGNORECASE)
    return BacktrackingRegex(_anchor(pattern, mode, False, False), flags,
                             min(max_chars or BACKTRACKING_MAX_CHARS, BACKTRACKING_MAX_CHARS))


class PatternPart:
    """One pattern of a matcher, its engine chosen and compiled when a line first reaches it.

    The choice is ``_pattern_engine``'s, made from the pattern alone, so it is the same whenever
    it is made; deferring it keeps start-up short (most patterns never see a line of a small job)."""

    __slots__ = ("pattern", "mode", "case_sensitive", "max_chars", "_engine")

    def __init__(self, pattern: str, mode: str, case_sensitive: bool, max_chars: int | None):
        self.pattern, self.mode, self.case_sensitive, self.max_chars = pattern, mode, case_sensitive, max_chars
        self._engine = None

    @property
    def engine(self):
        if self._engine is None:
            self._engine = _pattern_engine(self.pattern, self.mode, self.case_sensitive, self.max_chars)
        return self._engine

    def search(self, text: str, pos: int = 0):
        return self.engine.search(text, pos)

    def scan_from(self, text: str, pos: int):
        return self.engine.scan_from(text, pos)

    def matches(self, text: str) -> bool:
        return self.engine.matches(text)


def _test_of(part):
    """The cheapest callable that says whether a part matches a line (called for every candidate)."""
    if isinstance(part, PatternPart):
        part = part.engine
    if isinstance(part, PhraseSet) and not part.any_edges:
        return part.program.matches
    return part.matches


class CompiledMatcher:
    """One matcher (a rule's start condition, or a block's end) ready to search lines.

    Its parts, in order: the phrases (one ``PhraseSet``), then each pattern on its own engine;
    any part may match. A shape, when the matcher has one, must hold as well."""

    def __init__(self, parts: list, patterns: list[str], shape: ShapeSet | None = None):
        self.parts = parts
        self.patterns = patterns
        self.shape = shape
        self._tests: list | None = None  # each part's bound match test, made on first use
        self._bt_cost: int | None = None

    @classmethod
    def build(cls, matcher: Matcher, max_chars: int | None = None) -> CompiledMatcher:
        parts: list = []
        if matcher.phrases:
            parts.append(PhraseSet(list(matcher.phrases), matcher.match, matcher.case_sensitive))
        for pattern in matcher.patterns:
            parts.append(PatternPart(pattern, matcher.match, matcher.case_sensitive, max_chars))
        shapes = matcher.shapes
        return cls(parts, list(matcher.patterns), ShapeSet(shapes) if shapes else None)

    @property
    def backtracking(self) -> list[str]:
        """The patterns that run on the backtracking engine."""
        return [p.pattern for p in self.parts if isinstance(p, PatternPart) and isinstance(p.engine, BacktrackingRegex)]

    @property
    def backtracking_cost(self) -> int:
        """How many backtracking patterns each line tried costs (a count, decided by the patterns)."""
        if self._bt_cost is None:
            self._bt_cost = len(self.backtracking)
        return self._bt_cost

    def matches(self, text: str, page: PageContext = NO_PAGE) -> bool:
        """Whether any part matches (and the shape holds): what most actions need, without a match object."""
        if self.shape is not None and not self.shape(text, page):
            return False
        tests = self._tests
        if tests is None:
            tests = self._tests = [_test_of(p) for p in self.parts]
        if not tests:
            return True  # a shape alone
        for test in tests:
            if test(text):
                return True
        return False

    def search(self, text: str, page: PageContext = NO_PAGE):
        """The first part's first match: what a rule captures from."""
        if self.shape is not None and not self.shape(text, page):
            return None
        for part in self.parts:
            m = part.search(text)
            if m is not None:
                return m
        return None

    def finditer(self, text: str, page: PageContext = NO_PAGE, keep: str | None = None) -> list[tuple[int, int]]:
        """Every part's non-overlapping, non-empty matches, overlapping ones merged into one span.

        With ``keep`` (a group name) each match gives the spans around that group instead: a
        Markdown link ``[text](url)`` loses its brackets and URL and keeps its text."""
        if self.shape is not None and not self.shape(text, page):
            return []
        spans: list[tuple[int, int]] = []
        for part in self.parts:
            pos = 0
            while pos <= len(text):
                m = part.scan_from(text, pos)
                if m is None:
                    break
                s, e = m.span()
                if e > s:
                    if keep is None:
                        spans.append((s, e))
                    else:
                        gs, ge = m.span(keep)
                        if gs < 0:
                            spans.append((s, e))
                        else:
                            spans.extend(x for x in ((s, gs), (ge, e)) if x[1] > x[0])
                    pos = e
                else:
                    pos = s + 1
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s <= merged[-1][1] and (keep is None or s < merged[-1][1]):
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        return [(s, e) for s, e in merged]


def check_pattern(pattern: str, case_sensitive: bool, mode: str = "anywhere") -> str | None:
    """Return why a pattern is unusable (syntax, size, or a backtracking risk), else None.

    Decided from the pattern alone: the same answer on every machine and under any load."""
    flags = regex.UNICODE | (0 if case_sensitive else regex.IGNORECASE)
    for m in _REPEAT.finditer(pattern):
        if max(int(x) for x in m.groups() if x) > MAX_REPEAT:
            return f"pattern {pattern!r} has a repeat count above {MAX_REPEAT:,} ({m.group()}); use + or * instead"
    try:
        regex.compile(pattern, flags)
    except regex.error as e:
        return f"invalid regex {pattern!r}: {e}"
    except (OverflowError, MemoryError, RecursionError) as e:
        return f"regex {pattern[:80]!r} is too large to compile: {type(e).__name__}"
    engine = _pattern_engine(pattern, mode, case_sensitive, None)  # decided as the rule will decide it
    if isinstance(engine, BacktrackingRegex):
        why = backtracking_risk(pattern)
        if why:
            return (
                f"pattern {pattern[:200]!r} needs the backtracking engine (lookaround, a \\b inside it, "
                f"backreferences, possessive or atomic groups) and {why}; rewrite it without nested "
                "or overlapping repeats, or in syntax RE2 runs"
            )
    return None


def selector_to_xpath(selector: str) -> str:
    """CSS to XPath, matching class and id tokens the way browsers do."""
    return GenericTranslator().css_to_xpath(selector)


def compile_xpaths(selectors: list[str], xpaths: list[str]) -> list[Any]:
    """lxml ``XPath`` objects. lxml is imported here, not with the module: a process that
    cleans only text never loads it (some 8 MB in each worker)."""
    from lxml import etree

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


_CONTAINS_ATTR = r"contains\(\s*@(?:class|id)\s*,\s*'([^'\[\]]*)'\s*\)"
_ANY_CONTAINS_ATTR = regex.compile(rf"\s*{_CONTAINS_ATTR}(?:\s+or\s+{_CONTAINS_ATTR})*\s*")


def xpath_substrings(xpath: str) -> frozenset[str] | None:
    """Literals one of which a page's class or id values must contain for the XPath to select
    anything: read from a top-level predicate that is only ``contains(@class, 'x') or
    contains(@id, 'y') ...``. None when the expression has no such predicate (or a union, or a
    quoted bracket), so it is always queried."""
    if "|" in xpath or '"' in xpath or regex.search(r"'[^']*[\[\]][^']*'", xpath):
        return None
    depth, start = 0, 0
    for i, ch in enumerate(xpath):
        if ch == "[":
            depth += 1
            start = i + 1 if depth == 1 else start
        elif ch == "]":
            if depth == 1 and _ANY_CONTAINS_ATTR.fullmatch(xpath[start:i]):
                found = frozenset(regex.findall(_CONTAINS_ATTR, xpath[start:i]))
                if found and all(found):
                    return found
            depth -= 1
    return None


def check_selector(selector: str, is_css: bool) -> str | None:
    """Return why a CSS selector or XPath expression is unusable, else None."""
    from lxml import etree

    try:
        xp = etree.XPath(selector_to_xpath(selector) if is_css else selector)
        result = xp(_probe_page())
    except SelectorError as e:
        return f"invalid CSS selector {selector!r}: {e}"
    except etree.XPathError as e:
        return f"invalid XPath {selector!r}: {e}"
    if not isinstance(result, list):
        return f"XPath {selector!r} must select elements, but gives a {type(result).__name__}"
    return None


@functools.cache
def _probe_page() -> Any:
    from lxml import html as lxml_html

    return lxml_html.document_fromstring("<html><body><div><p>probe</p></div></body></html>")
