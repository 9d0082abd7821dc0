"""The state the cleaning steps share, and the step interface."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from cleaner.document import Document, Line
from cleaner.rules.ruleset import CompiledRule


@dataclass
class Page:
    """One document being cleaned: its lines, the rules that apply, and what was learnt."""

    doc: Document
    lines: list[Line]
    rules: list[CompiledRule]
    builtins: dict[str, bool]
    match_timeout: float
    title: str | None = None  # the page's headline, when extraction found one
    # Rule id -> lines where its anchors occur; None runs every rule on every line.
    hits: dict[str, set[int]] | None = None
    anchored: frozenset[str] = frozenset()
    captures: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)
    _groups: int = 0

    def new_group(self, rule: str, action: str) -> tuple[str, str, int]:
        """A key shared by the lines one rule firing removes, so they become one record."""
        self._groups += 1
        return (rule, action, self._groups)

    def kept(self) -> list[Line]:
        return [ln for ln in self.lines if ln.removed_by is None]


class Step(Protocol):
    """One job on a page; a step reads ``page.builtins`` to know whether it is on."""

    def apply(self, page: Page) -> None: ...
