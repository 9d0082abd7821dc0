"""Match the rules against a page and turn their hits into removals.

Matching and applying are separate so the guard can look at the plan, and veto
it, before any line is touched. Every rule sees the page as it was before any
rule ran: the result does not depend on the order of the packs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cleaner.document import Line
from cleaner.options import DEFAULT_MATCH_BUDGET
from cleaner.rules.candidates import CandidateSelector, DocumentLines, Heads, Where
from cleaner.rules.ruleset import CompiledRule
from cleaner.rules.shapes import PageContext
from cleaner.steps.base import PageState


@dataclass
class Plan:
    cut_before: tuple[str, int] | None = None  # (rule, last line index removed)
    cut_after: tuple[str, int] | None = None  # (rule, first line index removed)
    blocks: list[tuple[str, int, int]] = field(default_factory=list)
    runs: list[tuple[str, int, int]] = field(default_factory=list)  # drop-run: (rule, first, last line index)
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
        for rule, s, e in self.runs:
            for i in range(s, e + 1):
                out.setdefault(i, (rule, "drop-run"))
        for i, rule in self.drop_lines.items():
            out.setdefault(i, (rule, "drop-line"))
        return out


@dataclass(frozen=True, slots=True)
class Candidates:
    """One rule's share of a document, as its selector picked it."""

    where: Where  # the lines the rule may fire on
    nonblank: list[Line]  # every non-blank line (a block's end or a run's header may lie outside ``where``)
    heads: Heads = None  # drop-run: the non-blank line numbers that may be its header; None: any line


class MatchRules:
    """Run each rule's matcher on the lines its selector picked; return a Plan, change nothing."""

    def __init__(self, selector: CandidateSelector, budget: int = DEFAULT_MATCH_BUDGET):
        # RE2 is linear whatever the pattern; a backtracking pattern is bounded per line by its
        # static shape and max_chars, and ``budget`` bounds the sum per document (CleanOptions).
        self.selector = selector
        self.budget = budget

    def plan(self, page: PageState) -> Plan:
        plan = Plan()
        doc = DocumentLines(page.doc.text, page.lines, page.line_starts)
        ctx = page.context
        left = self.budget
        for cr, where, heads in self.selector.select(doc, page.rules):
            if not where:
                continue
            cost = cr.start.backtracking_cost
            if cost:
                spend = cost * sum(len(ln.text) for _, ln in where)
                if spend > left:
                    # The same lines, rules and order give the same cut on every machine.
                    page.warnings.append(
                        f"matching budget: rule '{cr.id}' was skipped, its backtracking patterns would read "
                        f"{spend:,} characters and {left:,} of the document's {self.budget:,} are left")
                    continue
                left -= spend
            ACTIONS[cr.rule.action](cr, Candidates(where, doc.nonblank, heads), plan, ctx)
        return plan


# One handler per text action: (rule, the lines its selector picked, the plan being built, the
# page's headline and description). The HTML action is ``steps.prune``'s.
ActionHandler = Callable[[CompiledRule, Candidates, Plan, PageContext], None]


def _fires(cr: CompiledRule, line: Line, plan: Plan, ctx: PageContext) -> bool:
    """Whether the rule's matcher matches the line; what its named groups caught goes into the plan."""
    if cr.rule.captures:
        m = cr.start.search(line.text, ctx)
        if m is None:
            return False
        _capture(cr, m, plan)
        return True
    return cr.start.matches(line.text, ctx)


def drop_line(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    # Every line within the rule's position and length limits; with max_matches, more hits than
    # that mean the form is the page's own structure, and none goes.
    hits = [line.index for _, line in sel.where if _fires(cr, line, plan, ctx)]
    if cr.rule.max_matches is None or len(hits) <= cr.rule.max_matches:
        for index in hits:
            plan.drop_lines.setdefault(index, cr.id)


def drop_span(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    """Every match in the line (or its ``keep_group``'s complement) goes; the line stays."""
    for _, line in sel.where:
        spans = [(s, e, cr.id) for s, e in cr.start.finditer(line.text, ctx, cr.rule.keep_group)]
        if spans:
            plan.spans.setdefault(line.index, []).extend(spans)


def cut_after(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    for _, line in sel.where:
        if _fires(cr, line, plan, ctx):
            if plan.cut_after is None or line.index < plan.cut_after[1]:
                plan.cut_after = (cr.id, line.index)
            return  # later hits of this rule are inside its own cut


def cut_before(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    for _, line in sel.where:
        if _fires(cr, line, plan, ctx) and (plan.cut_before is None or line.index > plan.cut_before[1]):
            plan.cut_before = (cr.id, line.index)


def drop_block(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    """From a matching line to the first line its ``end`` matches, within ``max_block_lines``."""
    block_until = -1
    for nb_index, line in sel.where:
        if line.index <= block_until or not _fires(cr, line, plan, ctx):
            continue  # a start inside a block already taken is part of that block
        end = _block_end(cr, sel.nonblank, nb_index)
        if end is not None:
            plan.blocks.append((cr.id, line.index, end))
            block_until = end


def drop_run(cr: CompiledRule, sel: Candidates, plan: Plan, ctx: PageContext) -> None:
    """Runs of consecutive non-blank lines that each match: dropped when long enough, with the
    header line that names them ("Related stories") when there is one."""
    run = cr.rule.run
    assert run is not None
    header, nonblank = cr.header, sel.nonblank
    may_head = None if sel.heads is None else set(sel.heads)

    def is_header(nb: int) -> bool:
        return header is not None and (may_head is None or nb in may_head) and header.matches(nonblank[nb].text, ctx)

    if run.require_header and header is not None:
        # Only lines after a header can be in a run: the shape is tried on those alone (the same
        # runs as the general walk below, at a fraction of its cost).
        allowed = {nb for nb, _ in sel.where}
        heads = {nb for nb in (range(len(nonblank)) if sel.heads is None else sel.heads)
                 if header.matches(nonblank[nb].text, ctx)}
        for h in sorted(heads):
            last = h
            while (last - h <= run.max_lines and last + 1 in allowed and last + 1 not in heads
                   and cr.start.matches(nonblank[last + 1].text, ctx)):
                last += 1
            if run.min_lines <= last - h <= run.max_lines:
                plan.runs.append((cr.id, nonblank[h].index, nonblank[last].index))
        return
    # [header line or None, first, last] per run; a header line inside a run starts a new one.
    runs: list[list] = []
    for nb in _long_stretches(sel.where, lambda line: cr.start.matches(line.text, ctx), run.min_lines):
        if runs and nb == runs[-1][2] + 1 and not is_header(nb):
            runs[-1][2] = nb
        elif is_header(nb):
            runs.append([nb, nb + 1, nb])
        else:
            runs.append([nb - 1 if nb > 0 and is_header(nb - 1) else None, nb, nb])
    for head, first, last in runs:
        if run.require_header and head is None:
            continue
        if not run.min_lines <= last - first + 1 <= run.max_lines:
            continue
        start = nonblank[head if head is not None else first].index
        plan.runs.append((cr.id, start, nonblank[last].index))


def _long_stretches(where: Where, matches: Callable[[Line], bool], m: int) -> list[int]:
    """The matching lines of ``where`` that lie in a stretch of at least ``m`` consecutive matching
    lines, in order: no shorter stretch can hold a run of ``m`` lines.

    Any ``m`` consecutive line numbers hold one that is a multiple of ``m``, so only those lines are
    tried first, and the lines around one that matches after it: on text with no run, about one
    line in ``m`` is tried instead of every line."""
    out: list[int] = []
    known: dict[int, bool] = {}  # position in ``where`` -> whether its line matches

    def ok(k: int) -> bool:
        got = known.get(k)
        if got is None:
            got = known[k] = matches(where[k][1])
        return got

    n, i = len(where), 0
    while i < n:
        j = i  # [i, j]: a stretch of consecutive line numbers in ``where``
        while j + 1 < n and where[j + 1][0] == where[j][0] + 1:
            j += 1
        k = i + (-where[i][0]) % m  # the stretch's first line whose number is a multiple of m
        while k <= j:
            if not ok(k):
                k += m
                continue
            lo = hi = k
            while lo > i and ok(lo - 1):
                lo -= 1
            while hi < j and ok(hi + 1):
                hi += 1
            if hi - lo + 1 >= m:
                out.extend(where[x][0] for x in range(lo, hi + 1))
            k = hi + 1 + (-(where[hi][0] + 1)) % m
        i = j + 1
    return out


ACTIONS: dict[str, ActionHandler] = {
    "drop-line": drop_line,
    "drop-span": drop_span,
    "cut-after": cut_after,
    "cut-before": cut_before,
    "drop-block": drop_block,
    "drop-run": drop_run,
}


def _block_end(cr: CompiledRule, nonblank: list[Line], nb_index: int) -> int | None:
    assert cr.end is not None
    for line in nonblank[nb_index + 1 : nb_index + 1 + cr.rule.max_block_lines]:
        if cr.end.matches(line.text):
            return line.index
    return None


def _capture(cr: CompiledRule, m: Any, plan: Plan) -> None:
    if not cr.rule.captures:
        return
    groups = m.groupdict()
    for name in cr.rule.captures:
        value = groups.get(name)
        if value and value.strip() and name not in plan.captures:
            plan.captures[name] = value.strip()


def plan_word_share(page: PageState, plan: Plan) -> tuple[float, list[str]]:
    """Share of the page's words the plan removes, and the rules responsible."""
    if not (plan.cut_before or plan.cut_after or plan.blocks or plan.runs or plan.drop_lines or plan.spans):
        return 0.0, []
    total = sum(len(ln.text.split()) for ln in page.lines)
    if total == 0:
        return 0.0, []
    removed = 0
    rules: list[str] = []
    gone = plan.removed_lines(len(page.lines))
    for i, (rule, _) in gone.items():
        removed += len(page.lines[i].text.split())
        if rule not in rules:
            rules.append(rule)
    for i, spans in plan.spans.items():
        if i in gone:
            continue  # the whole line goes: its words are counted once, above
        for s, e, rule in spans:
            # Link syntax ("[", "](https://…)") is not words of the page: only tokens with a letter or digit count.
            removed += sum(1 for w in page.lines[i].text[s:e].split() if any(c.isalnum() for c in w))
            if rule not in rules:
                rules.append(rule)
    return removed / total, rules


class ApplyPlan:
    """Mark removed lines with their rule and cut spans out of the lines that stay."""

    def apply(self, page: PageState, plan: Plan) -> None:
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
