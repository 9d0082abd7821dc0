"""Each rule action has exactly one handler, and the pipeline order is data."""

from __future__ import annotations

from typing import get_args

from cleaner.rules.candidates import ReferenceSelector
from cleaner.rules.schema import ACTIONS as SCHEMA_ACTIONS
from cleaner.rules.schema import Action
from cleaner.steps import prune
from cleaner.steps.base import Step
from cleaner.steps.pipeline import AFTER_RULES, BEFORE_RULES, ApplyRules
from cleaner.steps.rules import ACTIONS


def test_every_action_the_schema_allows_has_one_handler():
    assert set(get_args(Action)) == set(SCHEMA_ACTIONS)
    assert prune.ACTION not in ACTIONS  # elements are pruned before extraction, never matched as lines
    assert set(ACTIONS) | {prune.ACTION} == set(SCHEMA_ACTIONS)
    assert all(callable(h) for h in ACTIONS.values())


def test_the_steps_share_one_interface_in_a_fixed_order():
    names = [type(s).__name__ for s in (*BEFORE_RULES, *AFTER_RULES)]
    assert names == ["StripHtml", "NormalizeWhitespace", "DropDuplicateParagraphs",
                     "DropLeadingTitle", "DropRepeatedLines", "CollapseBlankLines"]
    assert all(isinstance(s, Step) for s in (*BEFORE_RULES, ApplyRules(ReferenceSelector(), 0.5), *AFTER_RULES))
