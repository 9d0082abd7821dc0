"""The document-level guard: rules may trim an article, never eat it."""

from __future__ import annotations

from cleaner.steps.base import PageState
from cleaner.steps.rules import Plan, plan_word_share


class RemovalGuard:
    """Veto a plan that would remove more than ``max_share`` of the page's words."""

    def __init__(self, max_share: float):
        self.max_share = max_share

    def allows(self, page: PageState, plan: Plan) -> bool:
        share, rules = plan_word_share(page, plan)
        if share <= self.max_share:
            return True
        page.warnings.append(
            f"guard: the rules would remove {share:.0%} of the words (limit {self.max_share:.0%}); "
            f"text kept, rule removals skipped. Rules involved: {', '.join(rules)}"
        )
        return False
