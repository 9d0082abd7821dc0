"""Match the rules against a page and turn their hits into removals.

Matching and applying are separate so the guard can look at the plan, and veto
it, before any line is touched. Every rule sees the page as it was before any
rule ran: the result does not depend on the order of the packs.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from cleaner.document import Line
from cleaner.rules.folding import fold
from cleaner.rules.leadchars import first_char
from cleaner.rules.ruleset import CompiledRule
from cleaner.steps.base import Page


@dataclass
class Plan:
    cut_before: tuple[str, int] | None = None  # (rule, last line index removed)
    cut_after: tuple[str, int] | None = None  # (rule, first line index removed)
    blocks: list[tuple[str, int, int]] = field(default_factory=list)
    drop_lines: dict[int, str] = field(default_factory=dict)
    spans: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)
    captures: dict[str, Any] = field(default_factory=dict)

    def removed_lines(self, n: int) -> dict[int, tuple[str, str]]:
        """Line index -> (rule, action) for every line the plan removes, by precedence."""
        out: dict[int, tuple[str, str]] = {}
        if self.cut_before:
            for i in range(0, self.cut_before[1] + 1):
                out[i] = (self.cut_before[0], "cut-before")
        if self.cut_after:
            for i in range(self.cut_after[1], n):
                out.setdefault(i, (self.cut_after[0], "cut-after"))
        for rule, s, e in self.blocks:
            for i in range(s, e + 1):
                out.setdefault(i, (rule, "drop-block"))
        for i, rule in self.drop_lines.items():
            out.setdefault(i, (rule, "drop-line"))
        return out


WORD_CAP = 64


def _too_many_words(text: str, limit: int) -> bool:
    # Split at most limit times: a long article line costs no more than a short one.
    return len(text.split(None, limit)) > limit


def _in_position(cr: CompiledRule, nb_index: int, nb_total: int) -> bool:
    pos = cr.rule.position
    if pos is None:
        return True
    from_end = nb_total - 1 - nb_index
    return (
        (pos.first_lines is not None and nb_index < pos.first_lines)
        or (pos.last_lines is not None and from_end < pos.last_lines)
        or (pos.first_fraction is not None and nb_index < pos.first_fraction * nb_total)
        or (pos.last_fraction is not None and from_end < pos.last_fraction * nb_total)
    )


def _position_ranges(cr: CompiledRule, nb_total: int) -> list[tuple[int, int]]:
    """The [lo, hi) runs of non-blank line numbers where ``_in_position`` holds, found at their edges."""
    pos = cr.rule.position
    assert pos is not None
    inside = lambda i: _in_position(cr, i, nb_total)  # noqa: E731
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


def _restrict(where: list[tuple[int, Line]], runs: list[tuple[int, int]]) -> list[tuple[int, Line]]:
    """The items of ``where`` (sorted by non-blank line number) inside any of the runs."""
    if len(runs) == 2 and runs[0][1] >= runs[1][0]:
        runs = [(runs[0][0], max(runs[0][1], runs[1][1]))]
    out: list[tuple[int, Line]] = []
    for lo, hi in runs:
        a = bisect.bisect_left(where, lo, key=_first)
        b = bisect.bisect_left(where, hi, key=_first)
        out.extend(where[a:b])
    return out


def _by_first_char(lines: list[tuple[int, Line]]) -> dict[str, list[tuple[int, Line]]]:
    """Lines grouped by their first non-space character, each group in document order."""
    out: dict[str, list[tuple[int, Line]]] = {}
    for item in lines:
        out.setdefault(first_char(item[1].text), []).append(item)
    return out


def _first(item: tuple[int, Line]) -> int:
    return item[0]


class MatchRules:
    """Find where each applicable rule fires; return a Plan, change nothing."""

    def plan(self, page: Page) -> Plan:
        plan = Plan()
        nonblank = [ln for ln in page.lines if not ln.blank]
        nb_total = len(nonblank)
        nb_of = {ln.index: i for i, ln in enumerate(nonblank)}
        # Word counts once per line (capped: only "at most N words" is ever asked).
        nwords = [len(ln.text.split(None, WORD_CAP)) for ln in nonblank]
        everywhere = list(enumerate(nonblank))
        pf = page.prefilter
        exact = page.exact
        gated: list[tuple[int, Line]] | None = None
        by_lead: dict[str, list[tuple[int, Line]]] | None = None
        short: dict[tuple[int, bool], list[tuple[int, Line]]] = {}
        for cr in page.rules:
            limit = cr.rule.max_words
            if page.hits is not None and cr.id in page.anchored:
                where = [(nb_of[i], nonblank[nb_of[i]]) for i in sorted(page.hits.get(cr.id, ())) if i in nb_of]
                if limit is not None:
                    where = [(i, ln) for i, ln in where if nwords[i] <= limit]
            elif pf is not None and cr.id in pf.exact_ids:
                where = [(nb_of[i], nonblank[nb_of[i]]) for i in exact.get(cr.id, ())]
            elif pf is not None and cr.id in pf.lead:
                by_lead = by_lead or _by_first_char(everywhere)
                lead = pf.lead[cr.id]
                runs = [v for c, v in by_lead.items() if lead.admits(c)]
                where = sorted(x for run in runs for x in run) if len(runs) > 1 else runs[0] if runs else []
                if limit is not None:
                    where = [(i, ln) for i, ln in where if nwords[i] <= limit]
            else:
                base = everywhere
                is_gated = pf is not None and cr.id in pf.gated_ids
                if is_gated:
                    if gated is None:
                        by_lead = by_lead or _by_first_char(everywhere)
                        gated = sorted(
                            x for c, run in by_lead.items() if fold(c)[:1] in pf.gate_first
                            for x in run if pf.gate(x[1].text)
                        )
                    base = gated
                if limit is not None and limit < WORD_CAP:
                    key = (limit, is_gated)
                    if key not in short:
                        short[key] = [(i, ln) for i, ln in base if nwords[i] <= limit]
                    where = short[key]
                else:
                    where = base
            if where and pf is not None and cr.id in pf.contains:
                lits = pf.contains[cr.id]
                if len(lits) == 1:
                    where = [x for x in where if lits[0] in x[1].text]
                else:
                    where = [x for x in where if any(a in x[1].text for a in lits)]
            if where and cr.rule.position is not None and not page.exhaustive:
                where = _restrict(where, _position_ranges(cr, nb_total))
            if not where:
                continue
            self._run_rule(page, cr, where, nonblank, plan)
        return plan

    def _run_rule(
        self, page: Page, cr: CompiledRule, where: list[tuple[int, Line]], nonblank: list[Line], plan: Plan
    ) -> None:
        r = cr.rule
        block_until = -1
        nb_total = len(nonblank)
        for nb_index, line in where:
            if line.index <= block_until:
                continue
            if r.max_chars is not None and len(line.text) > r.max_chars:
                continue
            if r.max_words is not None and r.max_words >= WORD_CAP and _too_many_words(line.text, r.max_words):
                continue  # lines within smaller limits were picked from the word counts already
            if page.exhaustive and not _in_position(cr, nb_index, nb_total):
                continue  # otherwise ``where`` holds only lines in position
            if r.action == "drop-span":
                spans = [(s, e, cr.id) for s, e in cr.start.finditer(line.text)]
                if spans:
                    plan.spans.setdefault(line.index, []).extend(spans)
                continue
            m = cr.start.search(line.text)
            if m is None:
                continue
            self._capture(cr, m, plan)
            if r.action == "drop-line":
                plan.drop_lines.setdefault(line.index, cr.id)
            elif r.action == "cut-after":
                if plan.cut_after is None or line.index < plan.cut_after[1]:
                    plan.cut_after = (cr.id, line.index)
                return  # later hits of this rule are inside its own cut
            elif r.action == "cut-before":
                if plan.cut_before is None or line.index > plan.cut_before[1]:
                    plan.cut_before = (cr.id, line.index)
            elif r.action == "drop-block":
                end = self._block_end(cr, nonblank, nb_index)
                if end is not None:
                    plan.blocks.append((cr.id, line.index, end))
                    block_until = end

    @staticmethod
    def _block_end(cr: CompiledRule, nonblank: list[Line], nb_index: int) -> int | None:
        assert cr.end is not None
        for line in nonblank[nb_index + 1 : nb_index + 1 + cr.rule.max_block_lines]:
            if cr.end.search(line.text) is not None:
                return line.index
        return None

    @staticmethod
    def _capture(cr: CompiledRule, m: Any, plan: Plan) -> None:
        if not cr.rule.captures:
            return
        groups = m.groupdict()
        for name in cr.rule.captures:
            value = groups.get(name)
            if value and value.strip() and name not in plan.captures:
                plan.captures[name] = value.strip()


def plan_word_share(page: Page, plan: Plan) -> tuple[float, list[str]]:
    """Share of the page's words the plan removes, and the rules responsible."""
    if not (plan.cut_before or plan.cut_after or plan.blocks or plan.drop_lines or plan.spans):
        return 0.0, []
    total = sum(len(ln.text.split()) for ln in page.lines)
    if total == 0:
        return 0.0, []
    removed = 0
    rules: list[str] = []
    for i, (rule, _) in plan.removed_lines(len(page.lines)).items():
        removed += len(page.lines[i].text.split())
        if rule not in rules:
            rules.append(rule)
    for i, spans in plan.spans.items():
        for s, e, rule in spans:
            removed += len(page.lines[i].text[s:e].split())
            if rule not in rules:
                rules.append(rule)
    return removed / total, rules


class ApplyPlan:
    """Mark removed lines with their rule and cut spans out of the lines that stay."""

    def apply(self, page: Page, plan: Plan) -> None:
        groups: dict[tuple[str, str, int], tuple[str, str, int]] = {}
        for i, (rule, action) in sorted(plan.removed_lines(len(page.lines)).items()):
            # One record per firing: a cut or block is a single run of lines.
            gkey = (rule, action, i if action == "drop-line" else -1)
            if gkey not in groups:
                groups[gkey] = page.new_group(rule, action)
            page.lines[i].removed_by = groups[gkey]
        for i, spans in plan.spans.items():
            line = page.lines[i]
            if line.removed_by is not None:
                continue
            text = line.text
            # Spans of different rules may overlap: merge, crediting the first rule.
            merged: list[list[Any]] = []
            for s, e, rule in sorted(spans):
                if merged and s <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], e)
                else:
                    merged.append([s, e, rule])
            for s, e, rule in reversed(merged):
                s, e = _eat_one_space(text, s, e)
                line.view.replace(s, e, "", rule, "drop-span")
                text = line.view.text
            if line.blank:
                line.removed_by = page.new_group(merged[0][2], "drop-span")
        page.captures.update(plan.captures)


def _eat_one_space(text: str, s: int, e: int) -> tuple[int, int]:
    """Widen a cut so 'a [cut] b' leaves 'a b', not 'a  b'."""
    if s > 0 and text[s - 1] == " " and (e == len(text) or text[e] == " "):
        return s - 1, e
    if s == 0 and e < len(text) and text[e] == " ":
        return s, e + 1
    return s, e
