"""The library entry point: ``Cleaner`` runs the steps over one document at a time."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner import __version__
from cleaner.document import Document, Removal, rebuild, split_lines
from cleaner.extract import Extraction, NotHtml, parse_html
from cleaner.language import contradicts
from cleaner.options import CleanOptions
from cleaner.provenance import PROVENANCE_FORMS, build_provenance, record_provenance, removals_of
from cleaner.readers.base import fingerprint
from cleaner.readers.decode import DecodeError, decode_bytes
from cleaner.rescue import extract_with_rescue
from cleaner.rules.candidates import CandidateSelector, FastSelector, ReferenceSelector
from cleaner.rules.ruleset import CompiledRule, RuleSet
from cleaner.rules.schema import KINDS
from cleaner.steps.base import PageState
from cleaner.steps.pipeline import ApplyRules, run_steps
from cleaner.steps.prune import PruneElements

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
    form: str = "full"  # the provenance form of ``to_record``: the Cleaner's ``provenance`` option

    def to_record(self, provenance: str | None = None) -> dict[str, Any]:
        """The output record. ``provenance`` ("full", "compact" or "none"; default: the Cleaner's)
        picks how much of ``self.provenance`` (always full) it carries; see ``record_provenance``."""
        rec: dict[str, Any] = {"id": self.id, "text": self.text, "metadata": self.metadata}
        prov = record_provenance(self.provenance, provenance or self.form)
        if prov is not None:
            rec["provenance"] = prov
        return rec


def as_document(doc: Any) -> Document:
    """A ``Document`` from an object of datatrove's shape (``text``, ``id``, ``metadata``)."""
    text, meta = getattr(doc, "text", None), getattr(doc, "metadata", None)
    if not isinstance(text, str) or not isinstance(meta, dict | None):
        raise TypeError(
            f"Cleaner.clean takes a cleaner.Document, or a document with a str .text, an .id and a dict "
            f".metadata (datatrove's Document), not {type(doc).__name__}; for HTML use clean_html"
        )
    meta = dict(meta or {})
    url, lang = meta.get("url"), meta.get("language")
    return Document(
        id=str(getattr(doc, "id", "") or ""),
        text=text,
        url=url if isinstance(url, str) else None,
        language=lang if isinstance(lang, str) else None,
        metadata=meta,
    )


def _check_fields(**fields: Any) -> None:
    """A clear TypeError for a wrong argument type, instead of an internal error deep inside."""
    for name, value in fields.items():
        want = dict if name == "metadata" else str
        if value is not None and not isinstance(value, want):
            raise TypeError(f"{name} must be a {want.__name__} or None, not {type(value).__name__}")


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
        provenance: str = "full",
        domain_field: str | None = None,
        options: CleanOptions | None = None,
    ):
        self.clean_options = (options or CleanOptions()).replace(max_removed_share=max_removed_share)
        if provenance not in PROVENANCE_FORMS:
            raise ValueError(f"provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {provenance!r}")
        self.provenance = provenance
        # Site packs select by the URL's host, or by this metadata field (a host name), as `mine` does.
        self.domain_field = domain_field or None
        self.ruleset = (ruleset if ruleset is not None
                        else RuleSet.load(rules, default_rules, self.clean_options.cache_entries))
        self._rules_info = self.ruleset.describe()
        self.use_prefilter = prefilter
        self._selector: CandidateSelector | None = None

    def with_ruleset(self, ruleset: RuleSet) -> Cleaner:
        """This cleaner, every option kept, with another rule set (``learn`` adds learned packs)."""
        other = copy.copy(self)
        other.ruleset = ruleset
        other._rules_info = ruleset.describe()
        other._selector = None
        return other

    @property
    def selector(self) -> CandidateSelector:
        """The fast engine, or with ``prefilter=False`` the reference: the same removals either way."""
        if self._selector is None:
            self._selector = (FastSelector(self.ruleset.rules, self.clean_options.cache_entries)
                              if self.use_prefilter else REFERENCE)
        return self._selector

    def __getstate__(self) -> dict[str, Any]:
        # The automaton is rebuilt on arrival, like the compiled rules.
        return {**self.__dict__, "_selector": None}

    @property
    def max_removed_share(self) -> float:
        return self.clean_options.max_removed_share

    @property
    def options(self) -> dict[str, Any]:
        """What, besides the rules and the version, decides the output (recorded in provenance;
        extraction's options go in ``extraction``)."""
        opts: dict[str, Any] = self.clean_options.guard_provenance()
        if self.domain_field:
            opts["domain_field"] = self.domain_field
        return opts

    def _site(self, doc: Document, url: str | None) -> str | None:
        """What site packs are selected by: ``domain_field`` of the record (a host name or a URL)
        when set and present, else the URL."""
        if self.domain_field:
            value = doc.metadata.get(self.domain_field)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return url

    def manifest(self, counts: dict[str, Any] | None = None, run: dict[str, Any] | None = None) -> dict[str, Any]:
        """The run manifest of this Cleaner: what compact records leave out (see cleaner.manifest)."""
        from cleaner.manifest import build_manifest

        return build_manifest(self, counts=counts, run=run)

    def clean_text(
        self,
        text: str,
        url: str | None = None,
        id: str | None = None,
        language: str | None = None,
        metadata: dict[str, Any] | None = None,
        kind: str = "text",
    ) -> CleanResult:
        """Clean extracted text; ``kind="markdown"`` also applies the Markdown packs (link syntax, link lists).

        Raises TypeError for a text that is not a ``str`` (bytes included: decode them first). Lone
        surrogates are kept as they are (offsets index into ``text``)."""
        if not isinstance(text, str):
            hint = "; decode bytes first (or pass a page to clean_html)" if isinstance(text, (bytes, bytearray)) else ""
            raise TypeError(f"clean_text() needs the text as a str, not {type(text).__name__}{hint}")
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        _check_fields(url=url, id=id, language=language, metadata=metadata)
        doc = Document(id=id or "", text=text, url=url, language=language, metadata=dict(metadata or {}), kind=kind)
        return self.clean(doc)

    def clean_html(
        self,
        html: str | bytes,
        url: str | None = None,
        id: str | None = None,
        language: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> CleanResult:
        """HTML rules prune the page, trafilatura extracts it (readability rescues a truncated
        extraction, ``cleaner.rescue``), then the text rules run.

        Raises ``NoContent`` when the page has no main content, ``NotHtml`` (a ``ValueError``) when it is not HTML.
        """
        if not isinstance(html, (str, bytes)):
            raise TypeError(f"clean_html() needs the page as str or bytes, not {type(html).__name__}")
        _check_fields(url=url, id=id, language=language, metadata=metadata)
        doc = Document(id=id or "", text="", url=url, language=language, metadata=dict(metadata or {}), html=html)
        return self.clean(doc)

    def clean(self, doc: Document | Any) -> CleanResult:
        """Clean a ``cleaner.Document``, or a datatrove ``Document`` (its text, id and metadata;
        ``url`` and ``language`` are read from the metadata), as text."""
        if not isinstance(doc, Document):
            doc = as_document(doc)
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
            self._site(doc, doc.url), doc.language, html_text, not self.use_prefilter, html_only=True
        )
        pruned = PruneElements(sel.html_rules, skip_absent=self.use_prefilter).apply(tree)
        extraction = extract_with_rescue(tree, url=doc.url, options=self.clean_options)
        meta = {**extraction.metadata, **doc.metadata}
        url = doc.url or meta.get("url")
        # The page's own <html lang> chooses language packs unless its text plainly says otherwise.
        declared = meta.get("language") if isinstance(meta.get("language"), str) else None
        ignored = doc.language is None and declared is not None and contradicts(declared, extraction.text)
        text_doc = Document(
            id=doc.id,
            text=extraction.text,
            url=url,
            language=doc.language or (None if ignored else declared),
            metadata=meta,
            source={**doc.source, **fingerprint(raw)} if "sha256" not in doc.source else doc.source,
            # Markdown extraction is cleaned as Markdown: the Markdown packs take its link syntax.
            kind="markdown" if self.clean_options.output == "markdown" else "text",
        )
        result = self._clean(text_doc, only=None, title=meta.get("title"), extracted=True)
        prov = result.provenance
        prov["extraction"] = {
            **Extraction.provenance(self.clean_options),
            "chars": len(extraction.text),
            "sha256": hashlib.sha256(extraction.text.encode("utf-8", "surrogatepass")).hexdigest(),
        }
        if extraction.rescue is not None:  # readability's text, not trafilatura's: said in the record
            prov["extraction"]["rescue"] = extraction.rescue
        prov["html_removals"] = pruned
        prov["warnings"].extend(f"extraction: {w}" for w in extraction.warnings)
        if ignored:
            prov["warnings"].append(f"language: the page declares {declared!r} but its text is not in it; "
                                    "language packs were chosen as for unlabelled text")
        return result

    def learn(
        self,
        documents: Any,
        options: Any = None,
        *,
        domain_field: str | None = None,
        learned_packs: str | Path | None = None,
    ) -> Cleaner:
        """A cleaner that also knows the chrome of the sites in ``documents``: they are mined
        (``cleaner.mining``, with ``MineOptions``) and the learned site packs are added to this
        cleaner's rules. See ``cleaner.learn.learn`` for the mining report as well."""
        from cleaner.learn import learn

        return learn(self, documents, options, domain_field=domain_field, learned_packs=learned_packs)[0]

    def clean_only(self, doc: Document, rule: CompiledRule) -> CleanResult:
        """Clean with one rule (if it applies to the document) and the built-ins: for examples."""
        return self._clean(doc, only=rule)

    def _clean(
        self, doc: Document, only: CompiledRule | None, title: str | None = None, extracted: bool = False
    ) -> CleanResult:
        text = doc.text
        sel = self.ruleset.selection(self._site(doc, doc.url), doc.language, text, not self.use_prefilter,
                                     kind=doc.kind)
        rules = sel.text_rules if only is None else [r for r in sel.text_rules if r is only]
        # Text extracted from HTML holds no markup: a "<table>" in it is a code sample to keep.
        builtins = {**sel.builtins, "html": False} if extracted else sel.builtins
        page = PageState(doc, split_lines(text), rules, builtins, title=title, scan=self.use_prefilter)
        # One rule (an example under test) runs everywhere its conditions allow: nothing to index.
        selector = self.selector if only is None else REFERENCE
        run_steps(page, ApplyRules(selector, self.max_removed_share, self.clean_options.match_budget))
        removed = removals_of(page, text)
        clean = rebuild(text, removed)
        metadata = dict(doc.metadata)
        if doc.url and "url" not in metadata:
            metadata["url"] = doc.url
        for key, value in page.captures.items():
            metadata.setdefault(key, value)  # a record's own fields win over what rules captured
        prov = build_provenance(page, text, clean, removed, __version__, self._rules_info, self.options)
        if doc.kind != "text":
            prov["kind"] = doc.kind
        doc_id = doc.id or prov["source"]["sha256"][:16]
        return CleanResult(doc_id, clean, metadata, prov, removed, text, self.provenance)
