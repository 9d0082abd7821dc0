"""The text steps in the order they run, as data: the built-ins before the rules, the rules, the
built-ins after. ``Cleaner`` runs ``BEFORE_RULES``, one ``ApplyRules`` and ``AFTER_RULES``.

The steps hold no state of their own (what a run needs is on ``PageState``), so one instance
of each serves every document."""

from __future__ import annotations

from cleaner.options import DEFAULT_MATCH_BUDGET
from cleaner.rules.candidates import CandidateSelector
from cleaner.steps.base import PageState, Step
from cleaner.steps.guard import RemovalGuard
from cleaner.steps.inline import NormalizeWhitespace, StripHtml
from cleaner.steps.lines import CollapseBlankLines, DropDuplicateParagraphs, DropLeadingTitle, DropRepeatedLines
from cleaner.steps.rules import ApplyPlan, MatchRules

# Duplicates go before the rules: rules then count positions over the lines that stay, so
# cleaning a cleaned text again changes nothing.
BEFORE_RULES: tuple[Step, ...] = (StripHtml(), NormalizeWhitespace(), DropDuplicateParagraphs())
AFTER_RULES: tuple[Step, ...] = (DropLeadingTitle(), DropRepeatedLines(), CollapseBlankLines())


class ApplyRules:
    """The rule packs as one step: match every rule (a ``Plan``, nothing changed yet), let the guard
    veto the plan, apply it. Planning first is what lets the guard see the whole effect."""

    def __init__(self, selector: CandidateSelector, max_share: float, budget: int = DEFAULT_MATCH_BUDGET):
        self.match = MatchRules(selector, budget)
        self.guard = RemovalGuard(max_share)

    def apply(self, page: PageState) -> None:
        plan = self.match.plan(page)
        if self.guard.allows(page, plan):
            ApplyPlan().apply(page, plan)


def run_steps(page: PageState, rules: ApplyRules) -> None:
    """Every text step on the page, in order."""
    for step in (*BEFORE_RULES, rules, *AFTER_RULES):
        step.apply(page)
