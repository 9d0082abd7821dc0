"""The state the cleaning steps share, and the step interface (the order is ``steps.pipeline``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from cleaner.document import Document, Line
from cleaner.rules.ruleset import CompiledRule
from cleaner.rules.shapes import PageContext


@dataclass
class PageState:
    """One document being cleaned: its lines, the rules that apply, and what was learnt."""

    doc: Document
    lines: list[Line]
    rules: list[CompiledRule]
    builtins: dict[str, bool]
    title: str | None = None  # the page's headline, when extraction found one
    # The in-line clean-ups find the lines to work on with one search of the whole text; False: they
    # look at every line (the reference the fast engine is tested against). The same edits either way.
    scan: bool = True
    captures: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    _groups: int = 0
    _starts: list[int] | None = None

    @property
    def context(self) -> PageContext:
        """The headline and description a shape may compare lines with: extraction's, else the record's."""
        meta = self.doc.metadata
        title = self.title or meta.get("title")
        desc = meta.get("description")
        return PageContext(title if isinstance(title, str) else None, desc if isinstance(desc, str) else None)

    def new_group(self, rule: str, action: str) -> tuple[str, str, int]:
        """A key shared by the lines one rule firing removes, so they become one record."""
        self._groups += 1
        return (rule, action, self._groups)

    @property
    def line_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [ln.start for ln in self.lines]
        return self._starts


@runtime_checkable
class Step(Protocol):
    """One job on a page, run in the order of ``steps.pipeline``; a built-in reads ``page.builtins``
    to know whether it is on."""

    def apply(self, page: PageState) -> None: ...
