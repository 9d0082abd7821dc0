"""Which lines each rule is tried on: one interface, a plain reference and the fast engine.

A selector turns a document (its lines after the in-line clean-ups) and the rules that apply to
it into ``(rule, lines, heads)`` triples, in rule order. It promises only this: every returned line
meets the rule's ``position``, ``max_chars`` and ``max_words``, and no line it leaves out could
match; ``heads`` (for a ``drop-run`` rule with a header) are the non-blank line numbers that may be
its header, None meaning any line may be, and no line left out of them could match the header.
``MatchRules`` then runs the rule's matcher on exactly those lines, so the two selectors must
give the same removals; ``tests/rules/test_prefilter.py`` checks it on the seeds, every rule example,
random documents and dev pages, text and HTML.

``ReferenceSelector`` is the definition, to be read in one sitting: every rule on every line.
``FastSelector`` reaches the same answer with the prefilter (``prefilter.py``): one Aho-Corasick
pass over the whole document finds the anchor literals, whole-line phrases are a dictionary
lookup, line-start gates and required literals rule lines out before any regex runs, and
position ranges are cut out of the line list by bisection.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterator
from operator import attrgetter
from typing import Protocol

from cleaner.document import Line
from cleaner.options import DEFAULT_CACHE_ENTRIES
from cleaner.rules.folding import fold
from cleaner.rules.leadchars import first_char
from cleaner.rules.prefilter import DIGIT_COVER, Prefilter
from cleaner.rules.ruleset import CompiledRule
from cleaner.rules.schema import Position, Rule
from cleaner.rules.shapes import has_cjk

WORD_CAP = 64  # word counts are capped here: only "at most N words" is ever asked
Where = list[tuple[int, Line]]  # (non-blank line number, line)
Heads = list[int] | None  # non-blank line numbers that may be a run's header; None: any line
_order = attrgetter("order")


class DocumentLines:
    """The non-blank lines of a document as every selector counts them: those no built-in has
    removed before the rules run (a repeated paragraph is not counted twice)."""

    def __init__(self, text: str, lines: list[Line], line_starts: list[int]):
        self.text = text
        self.lines = lines
        self.line_starts = line_starts
        self.nonblank = [ln for ln in lines if not ln.blank and ln.removed_by is None]
        self.total = len(self.nonblank)


def in_position(rule: Rule, nb_index: int, nb_total: int) -> bool:
    """Whether the ``nb_index``-th of ``nb_total`` non-blank lines is where the rule may fire."""
    return position_allows(rule.position, nb_index, nb_total)


def position_allows(pos: Position | None, nb_index: int, nb_total: int) -> bool:
    """The position test itself (mining checks the packs it writes with it too)."""
    if pos is None:
        return True
    from_end = nb_total - 1 - nb_index
    return (
        (pos.first_lines is not None and nb_index < pos.first_lines)
        or (pos.last_lines is not None and from_end < pos.last_lines)
        or (pos.first_fraction is not None and nb_index < pos.first_fraction * nb_total)
        or (pos.last_fraction is not None and from_end < pos.last_fraction * nb_total)
    )


def too_many_words(text: str, limit: int) -> bool:
    # Split at most limit times: a long article line costs no more than a short one.
    return len(text.split(None, limit)) > limit


def fits(rule: Rule, text: str) -> bool:
    """The rule's length conditions on one line."""
    if rule.max_chars is not None and len(text) > rule.max_chars:
        return False
    return rule.max_words is None or not too_many_words(text, rule.max_words)


class CandidateSelector(Protocol):
    def select(self, doc: DocumentLines, rules: list[CompiledRule]) -> Iterator[tuple[CompiledRule, Where, Heads]]: ...


class ReferenceSelector:
    """Every rule on every non-blank line its position and length conditions allow."""

    def select(self, doc: DocumentLines, rules: list[CompiledRule]) -> Iterator[tuple[CompiledRule, Where, Heads]]:
        for cr in rules:
            where = [
                (i, ln) for i, ln in enumerate(doc.nonblank)
                if in_position(cr.rule, i, doc.total) and fits(cr.rule, ln.text)
            ]
            yield cr, where, None


class FastSelector:
    """The prefilter's shortcuts; only ever leaves out lines on which a rule cannot match."""

    def __init__(self, rules: list[CompiledRule], cache_entries: int = DEFAULT_CACHE_ENTRIES):
        self.prefilter = Prefilter(rules)
        self.cache_entries = cache_entries
        # Per rule list (a selection, cached by the rule set): its rules the prefilter cannot rule
        # out by anchors, and its rules by id. Kept with the list, so an id is never reused.
        self._lists: dict[int, tuple[list[CompiledRule], list[CompiledRule], dict[str, CompiledRule]]] = {}

    def _for(self, rules: list[CompiledRule]) -> tuple[list[CompiledRule], dict[str, CompiledRule]]:
        got = self._lists.get(id(rules))
        if got is None or got[0] is not rules:
            if len(self._lists) >= self.cache_entries:
                self._lists.clear()
            indexed = self.prefilter.indexed_ids
            got = self._lists[id(rules)] = (rules, [r for r in rules if r.id not in indexed], {r.id: r for r in rules})
        return got[1], got[2]

    def select(self, doc: DocumentLines, rules: list[CompiledRule]) -> Iterator[tuple[CompiledRule, Where, Heads]]:
        if not rules:
            return
        pf = self.prefilter
        always, by_id = self._for(rules)
        # Rules found by anchors or whole-line lookups run only where found; the rest always.
        changed = [(ln.index, ln.text) for ln in doc.lines if ln.view.edits]  # an anchor may appear only now
        hits = pf.candidates(doc.text, doc.line_starts, changed)
        exact, heads = pf.exact_hits(list(enumerate(ln.text for ln in doc.nonblank))) if pf.keyed else ({}, {})
        found = sorted((by_id[rid] for rid in (*hits, *exact) if rid in by_id), key=_order)
        # Without CJK text a shape's word count is a whitespace split, which is counted once a line.
        plain = not has_cjk(doc.text) and not any(has_cjk(t) for _, t in changed)
        yield from _Shortcuts(pf, doc, hits, exact, heads, plain).run(heapq.merge(always, found, key=_order))


class _Shortcuts:
    """One document's candidate lines per rule, with what is shared between rules computed once."""

    def __init__(self, pf: Prefilter, doc: DocumentLines, hits: dict[str, set[int]], exact: dict[str, list[int]],
                 heads: dict[str, list[int]], plain: bool):
        self.pf, self.doc, self.hits, self.exact, self.heads, self.plain = pf, doc, hits, exact, heads, plain
        self.nonblank = doc.nonblank
        self.nb_of = {ln.index: i for i, ln in enumerate(doc.nonblank)}
        self.nwords = [len(ln.text.split(None, WORD_CAP)) for ln in doc.nonblank]
        self.everywhere: Where = list(enumerate(doc.nonblank))
        self._by_lead: dict[str, Where] | None = None
        self._gated: Where | None = None
        self._digits: list[bool] | None = None
        self._short: dict[tuple[int, int, bool], Where] = {}

    def by_lead(self) -> dict[str, Where]:
        if self._by_lead is None:
            self._by_lead = {}
            for item in self.everywhere:
                self._by_lead.setdefault(first_char(item[1].text), []).append(item)
        return self._by_lead

    def digits(self) -> list[bool]:
        """Per non-blank line: whether it may hold a digit (``DIGIT_COVER``)."""
        if self._digits is None:
            found = DIGIT_COVER.search
            self._digits = [found(ln.text) is not None for ln in self.nonblank]
        return self._digits

    def gated(self) -> Where:
        if self._gated is None:
            pf = self.pf
            self._gated = sorted(
                x for c, run in self.by_lead().items() if fold(c)[:1] in pf.gate_first
                for x in run if pf.gate(x[1].text)
            )
        return self._gated

    def _short_lines(self, base: Where, lo: int, hi: int, key: bool) -> Where:
        k = (lo, hi, key)
        if k not in self._short:
            nwords = self.nwords
            self._short[k] = [(i, ln) for i, ln in base if lo <= nwords[i] <= hi]
        return self._short[k]

    def _word_range(self, cr: CompiledRule) -> tuple[int, int]:
        """The word counts (capped at ``WORD_CAP``) a line may have: the rule's ``max_words`` and,
        without CJK text, its shape's."""
        lo, hi = 0, cr.rule.max_words if cr.rule.max_words is not None else WORD_CAP
        shape = cr.start.shape
        if shape is not None and self.plain:
            lo = min(shape.min_words, WORD_CAP)
            if shape.max_words is not None:
                hi = min(hi, shape.max_words)
        return lo, min(hi, WORD_CAP)

    def _where(self, cr: CompiledRule) -> Where:
        pf, nb_of, nonblank, nwords = self.pf, self.nb_of, self.nonblank, self.nwords
        lo, hi = self._word_range(cr)
        bounded = lo > 0 or hi < WORD_CAP
        if cr.id in pf.anchored_ids:
            where = [(nb_of[i], nonblank[nb_of[i]]) for i in sorted(self.hits.get(cr.id, ())) if i in nb_of]
            if bounded:
                where = [(i, ln) for i, ln in where if lo <= nwords[i] <= hi]
        elif cr.id in pf.exact_ids:
            where = [(i, nonblank[i]) for i in self.exact.get(cr.id, ())]
            if bounded:  # a phrase longer than max_words never matches a whole line
                where = [(i, ln) for i, ln in where if lo <= nwords[i] <= hi]
        elif cr.id in pf.lead:
            lead = pf.lead[cr.id]
            runs = [v for c, v in self.by_lead().items() if lead.admits(c)]
            where = sorted(x for run in runs for x in run) if len(runs) > 1 else runs[0] if runs else []
            if bounded:
                where = [(i, ln) for i, ln in where if lo <= nwords[i] <= hi]
        else:
            is_gated = cr.id in pf.gated_ids
            base = self.gated() if is_gated else self.everywhere
            where = self._short_lines(base, lo, hi, is_gated) if bounded else base
        if where and cr.id in pf.contains:
            lits = pf.contains[cr.id]
            if len(lits) == 1:
                where = [x for x in where if lits[0] in x[1].text]
            else:
                found = pf.contains_any[cr.id]
                where = [x for x in where if found(x[1].text)]
        if where and cr.id in pf.digit_ids:
            digits = self.digits()
            where = [x for x in where if digits[x[0]]]
        if where and cr.rule.position is not None:
            where = _restrict(where, _position_ranges(cr.rule, self.doc.total))
        r = cr.rule
        if where and (r.max_chars is not None or (r.max_words is not None and r.max_words >= WORD_CAP)):
            # Limits the word counts above could not settle (counts are capped at WORD_CAP).
            where = [x for x in where if fits(r, x[1].text)]
        return where

    def run(self, rules: Iterator[CompiledRule]) -> Iterator[tuple[CompiledRule, Where, Heads]]:
        header_ids = self.pf.header_ids
        for cr in rules:
            if cr.id not in header_ids:
                yield cr, self._where(cr), None
                continue
            heads = self.heads.get(cr.id, [])
            run = cr.rule.run
            if not heads and run is not None and run.require_header:
                yield cr, [], heads  # no header line: no run can be dropped
            else:
                yield cr, self._where(cr), heads


def _position_ranges(rule: Rule, nb_total: int) -> list[tuple[int, int]]:
    """The [lo, hi) runs of non-blank line numbers where ``in_position`` holds, found at their edges."""
    pos = rule.position
    assert pos is not None
    inside = lambda i: in_position(rule, i, nb_total)  # noqa: E731
    runs: list[tuple[int, int]] = []
    n = nb_total
    if pos.first_lines is not None or pos.first_fraction is not None:
        # Start just past the last line the bounds allow, then step back to the edge.
        hi = min(max(pos.first_lines or 0, int((pos.first_fraction or 0) * n) + 1), n)
        while hi > 0 and not inside(hi - 1):
            hi -= 1
        runs.append((0, hi))
    if pos.last_lines is not None or pos.last_fraction is not None:
        lo = n
        if pos.last_lines is not None:
            lo = min(lo, n - pos.last_lines)
        if pos.last_fraction is not None:
            lo = min(lo, int(n - 1 - pos.last_fraction * n))
        lo = max(lo, 0)
        while lo < n and not inside(lo):
            lo += 1
        runs.append((lo, n))
    return runs


def _first(item: tuple[int, Line]) -> int:
    return item[0]


def _restrict(where: Where, runs: list[tuple[int, int]]) -> Where:
    """The items of ``where`` (sorted by non-blank line number) inside any of the runs."""
    if len(runs) == 2 and runs[0][1] >= runs[1][0]:
        runs = [(runs[0][0], max(runs[0][1], runs[1][1]))]
    out: Where = []
    for lo, hi in runs:
        a = bisect.bisect_left(where, lo, key=_first)
        b = bisect.bisect_left(where, hi, key=_first)
        out.extend(where[a:b])
    return out
