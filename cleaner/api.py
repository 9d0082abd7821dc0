"""The library entry point: ``Cleaner`` runs the steps over one document at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.document import Document, Removal, rebuild, split_lines
from cleaner.provenance import build_provenance, removals_of
from cleaner.rules.ruleset import CompiledRule, RuleSet
from cleaner.steps.base import Page
from cleaner.steps.guard import RemovalGuard
from cleaner.steps.inline import NormalizeWhitespace, StripHtml
from cleaner.steps.lines import CollapseBlankLines, DropRepeatedLines
from cleaner.steps.rules import ApplyPlan, MatchRules

DEFAULT_MAX_REMOVED_SHARE = 0.8
DEFAULT_MATCH_TIMEOUT = 0.1


@dataclass
class CleanResult:
    id: str
    text: str
    metadata: dict[str, Any]
    provenance: dict[str, Any]
    removed: list[Removal] = field(default_factory=list)
    timed_out: list[str] = field(default_factory=list)

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "metadata": self.metadata, "provenance": self.provenance}


class Cleaner:
    """Load rule packs once, then clean any number of documents.

    Picklable (the rule set travels as its YAML sources and recompiles on
    arrival), so one instance can be shipped to worker processes.
    """

    def __init__(
        self,
        rules: list[str | Path] | None = None,
        default_rules: bool = True,
        max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE,
        match_timeout: float = DEFAULT_MATCH_TIMEOUT,
        ruleset: RuleSet | None = None,
    ):
        if not 0 < max_removed_share <= 1:
            raise ValueError("max_removed_share must be in (0, 1]")
        self.ruleset = ruleset if ruleset is not None else RuleSet.load(rules, default_rules)
        self.max_removed_share = max_removed_share
        self.match_timeout = match_timeout
        self._rules_info = self.ruleset.describe()

    @property
    def options(self) -> dict[str, Any]:
        return {"max_removed_share": self.max_removed_share, "match_timeout": self.match_timeout}

    def clean_text(
        self,
        text: str,
        url: str | None = None,
        id: str | None = None,
        language: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CleanResult:
        doc = Document(id=id or "", text=text, url=url, language=language, metadata=dict(metadata or {}))
        return self.clean(doc)

    def clean(self, doc: Document) -> CleanResult:
        return self._clean(doc, only=None)

    def clean_only(self, doc: Document, rule: CompiledRule) -> CleanResult:
        """Clean with one rule (if it applies to the document) and the built-ins: for examples."""
        return self._clean(doc, only=rule)

    def _clean(self, doc: Document, only: CompiledRule | None) -> CleanResult:
        text = doc.text
        rules, builtins = self.ruleset.select(doc.url, doc.language, text, self.match_timeout)
        if only is not None:
            rules = [r for r in rules if r is only]
        page = Page(doc, split_lines(text), rules, builtins, self.match_timeout)
        for step in (StripHtml(), NormalizeWhitespace()):
            step.apply(page)
        plan = MatchRules().plan(page)
        if RemovalGuard(self.max_removed_share).allows(page, plan):
            ApplyPlan().apply(page, plan)
        for step in (DropRepeatedLines(), CollapseBlankLines()):
            step.apply(page)
        removed = removals_of(page, text)
        clean = rebuild(text, removed)
        metadata = dict(doc.metadata)
        if doc.url and "url" not in metadata:
            metadata["url"] = doc.url
        metadata.update(page.captures)
        prov = build_provenance(page, text, clean, removed, __version__, self._rules_info, self.options)
        doc_id = doc.id or prov["source"]["sha256"][:16]
        return CleanResult(doc_id, clean, metadata, prov, removed, list(page.timed_out))
