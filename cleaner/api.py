"""The library entry point: ``Cleaner`` runs the steps over one document at a time."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.document import Document, Removal, rebuild, split_lines
from cleaner.extract import Extraction, NotHtml, extract_html, parse_html
from cleaner.options import CleanOptions
from cleaner.provenance import build_provenance, removals_of
from cleaner.readers.base import fingerprint
from cleaner.readers.decode import DecodeError, decode_bytes
from cleaner.rules.candidates import CandidateSelector, FastSelector, ReferenceSelector
from cleaner.rules.ruleset import CompiledRule, RuleSet
from cleaner.steps.base import Page
from cleaner.steps.guard import RemovalGuard
from cleaner.steps.inline import NormalizeWhitespace, StripHtml
from cleaner.steps.lines import CollapseBlankLines, DropLeadingTitle, DropRepeatedLines
from cleaner.steps.prune import PruneElements
from cleaner.steps.rules import ApplyPlan, MatchRules

REFERENCE = ReferenceSelector()
DEFAULT_MAX_REMOVED_SHARE = CleanOptions.max_removed_share


@dataclass
class CleanResult:
    id: str
    text: str
    metadata: dict[str, Any]
    provenance: dict[str, Any]
    removed: list[Removal] = field(default_factory=list)
    input_text: str = ""  # the text the removals index into (the extracted text, for HTML)

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "metadata": self.metadata, "provenance": self.provenance}


class Cleaner:
    """Load rule packs once, then clean any number of documents.

    Picklable (the rule set travels as its YAML sources and recompiles on
    arrival), so one instance can be shipped to worker processes.

    ``options`` (a ``CleanOptions``) holds every knob; ``max_removed_share``, kept as a
    keyword for existing callers, overrides the one in ``options`` when given.
    """

    def __init__(
        self,
        rules: list[str | Path] | None = None,
        default_rules: bool = True,
        max_removed_share: float | None = None,
        ruleset: RuleSet | None = None,
        prefilter: bool = True,
        options: CleanOptions | None = None,
    ):
        self.clean_options = (options or CleanOptions()).replace(max_removed_share=max_removed_share)
        self.ruleset = ruleset if ruleset is not None else RuleSet.load(rules, default_rules)
        self._rules_info = self.ruleset.describe()
        self.use_prefilter = prefilter
        self._selector: CandidateSelector | None = None

    @property
    def selector(self) -> CandidateSelector:
        """The fast engine, or with ``prefilter=False`` the reference: the same removals either way."""
        if self._selector is None:
            self._selector = FastSelector(self.ruleset.rules) if self.use_prefilter else REFERENCE
        return self._selector

    def __getstate__(self) -> dict[str, Any]:
        # The automaton is rebuilt on arrival, like the compiled rules.
        return {**self.__dict__, "_selector": None}

    @property
    def max_removed_share(self) -> float:
        return self.clean_options.max_removed_share

    @property
    def options(self) -> dict[str, Any]:
        """The options recorded in ``provenance.cleaner.options`` (extraction's go in ``extraction``)."""
        return self.clean_options.guard_provenance()

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

    def clean_html(
        self,
        html: str | bytes,
        url: str | None = None,
        id: str | None = None,
        language: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CleanResult:
        """HTML rules prune the page, trafilatura extracts it, then the text rules run.

        Raises ``NoContent`` when the page has no main content, ``NotHtml`` (a ``ValueError``) when it is not HTML.
        """
        doc = Document(id=id or "", text="", url=url, language=language, metadata=dict(metadata or {}), html=html)
        return self.clean(doc)

    def clean(self, doc: Document) -> CleanResult:
        if doc.html is not None:
            return self._clean_html(doc)
        return self._clean(doc, only=None)

    def _clean_html(self, doc: Document) -> CleanResult:
        assert doc.html is not None
        raw = doc.html if isinstance(doc.html, bytes) else doc.html.encode("utf-8", "surrogatepass")
        # Decoded once (charset detection included): parsed, and searched for pack signatures.
        try:
            html_text = doc.html if isinstance(doc.html, str) else decode_bytes(doc.html)[0]
        except DecodeError as e:
            raise NotHtml(str(e)) from None
        tree = parse_html(html_text)
        sel = self.ruleset.selection(
            doc.url, doc.language, html_text, not self.use_prefilter, html_only=True
        )
        pruned = PruneElements(sel.html_rules, skip_absent=self.use_prefilter).apply(tree)
        extraction = extract_html(tree, url=doc.url, options=self.clean_options)
        meta = {**extraction.metadata, **doc.metadata}
        url = doc.url or meta.get("url")
        text_doc = Document(
            id=doc.id,
            text=extraction.text,
            url=url,
            language=doc.language or meta.get("language"),
            metadata=meta,
            source={**doc.source, **fingerprint(raw)} if "sha256" not in doc.source else doc.source,
        )
        result = self._clean(text_doc, only=None, title=meta.get("title"), extracted=True)
        prov = result.provenance
        prov["extraction"] = {
            **Extraction.provenance(self.clean_options),
            "chars": len(extraction.text),
            "sha256": hashlib.sha256(extraction.text.encode("utf-8", "surrogatepass")).hexdigest(),
        }
        prov["html_removals"] = pruned
        prov["warnings"].extend(f"extraction: {w}" for w in extraction.warnings)
        return result

    def clean_only(self, doc: Document, rule: CompiledRule) -> CleanResult:
        """Clean with one rule (if it applies to the document) and the built-ins: for examples."""
        return self._clean(doc, only=rule)

    def _clean(
        self, doc: Document, only: CompiledRule | None, title: str | None = None, extracted: bool = False
    ) -> CleanResult:
        text = doc.text
        sel = self.ruleset.selection(doc.url, doc.language, text, not self.use_prefilter)
        rules = sel.text_rules if only is None else [r for r in sel.text_rules if r is only]
        # Text extracted from HTML holds no markup: a "<table>" in it is a code sample to keep.
        builtins = {**sel.builtins, "html": False} if extracted else sel.builtins
        page = Page(doc, split_lines(text), rules, builtins, title=title)
        scan = self.use_prefilter
        for step in (StripHtml(scan), NormalizeWhitespace(scan)):
            step.apply(page)
        # One rule (an example under test) runs everywhere its conditions allow: nothing to index.
        selector = self.selector if only is None else REFERENCE
        plan = MatchRules(selector).plan(page)
        if RemovalGuard(self.max_removed_share).allows(page, plan):
            ApplyPlan().apply(page, plan)
        for step in (DropLeadingTitle(), DropRepeatedLines(), CollapseBlankLines()):
            step.apply(page)
        removed = removals_of(page, text)
        clean = rebuild(text, removed)
        metadata = dict(doc.metadata)
        if doc.url and "url" not in metadata:
            metadata["url"] = doc.url
        for key, value in page.captures.items():
            metadata.setdefault(key, value)  # a record's own fields win over what rules captured
        prov = build_provenance(page, text, clean, removed, __version__, self._rules_info, self.options)
        doc_id = doc.id or prov["source"]["sha256"][:16]
        return CleanResult(doc_id, clean, metadata, prov, removed, text)
