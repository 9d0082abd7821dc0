"""Errors that point a rule author at the exact place to fix."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleProblem:
    path: str
    line: int | None
    rule_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        who = f" rule '{self.rule_id}':" if self.rule_id else ""
        return f"{where}:{who} {self.message}"


class RuleError(Exception):
    """One or more rule files are wrong; nothing runs until all are fixed."""

    def __init__(self, problems: list[RuleProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
