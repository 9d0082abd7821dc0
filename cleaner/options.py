"""The knobs of cleaning, in one place: the guard, the reader limit, the batch, and extraction.

``Cleaner(options=CleanOptions(...))`` takes them in the library; ``cleaner clean`` builds one from
its flags and the config file (``cleaner.toml`` or ``[tool.cleaner]``, see ``cleaner.config``).
The defaults are those cleaner has always used, so records made with defaults do not change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

OUTPUTS = ("text", "markdown")
DEFAULT_MATCH_BUDGET = 5_000_000
DEFAULT_CACHE_ENTRIES = 4096


@dataclass(frozen=True)
class CleanOptions:
    """How documents are cleaned. Defaults favour reproducibility and article text over brevity."""

    max_removed_share: float = 0.8
    """Guard: if the rules would remove more than this share of a document's words, keep its text."""
    max_document_bytes: int = 10_000_000
    """Larger documents become ``too-large`` error records: web articles are kilobytes."""
    match_budget: int = DEFAULT_MATCH_BUDGET
    """Characters of lines one document may show to backtracking patterns, all rules together; a
    rule that would overrun it is skipped with a warning naming it (a count, never seconds)."""
    favor_precision: bool = False
    """trafilatura keeps less text it is unsure of (FineWeb's extractor sets this)."""
    favor_recall: bool = False
    """trafilatura keeps more text when unsure; excludes ``favor_precision``."""
    include_links: bool = False
    """Keep link targets in the extracted text (as Markdown links when ``output`` is markdown)."""
    include_tables: bool = True
    """Keep the text of ``<table>`` elements: they are often article content."""
    include_formatting: bool = False
    """Keep emphasis and structure marks (trafilatura renders them as Markdown); implied by markdown."""
    include_images: bool = False
    """Keep images (their source and alt text) in the extracted text."""
    output: str = "text"
    """Extracted text as plain ``text``, or ``markdown`` that keeps headings and lists (for RAG)."""
    rescue: bool = True
    """HTML, plain text output: a truncated extraction is rescued by readability-lxml (``cleaner.rescue``)."""
    rescue_missed: float = 0.3
    """The rescue is tried when the page's prose that trafilatura's text leaves out is at least this
    share of that text (``cleaner.rescue.missed_chars``)."""
    rescue_ratio: float = 1.5
    """readability's text replaces trafilatura's when it has at least this many times the words."""
    chunk_size: int = 16
    """Documents sent to a worker process at a time; at most ``2 × workers`` chunks are in flight.
    Records with their removals are large Python objects: 16 keeps the parent under 80 MB
    (32 was as fast and cost 12 MB more)."""
    checkpoint_every: int = 100
    """A batch flushes its outputs and saves a checkpoint every this many documents (``--resume``)."""
    workers: int = 1
    """Worker processes of a batch (``run_batch``); ``cleaner clean --workers`` defaults to the
    machine's cores. The output is the same for any number."""
    cache_entries: int = DEFAULT_CACHE_ENTRIES
    """Entries in each per-process memo (site scopes and rule selections of the rule set, the fast
    selector's per-selection lists). A full memo is emptied and refilled: this bounds memory on a
    crawl of many sites and never changes an output."""

    def __post_init__(self) -> None:
        if not 0 < self.max_removed_share <= 1:
            raise ValueError("max_removed_share must be in (0, 1]")
        if self.max_document_bytes < 1 or self.match_budget < 1:
            raise ValueError("max_document_bytes and match_budget must be positive")
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall exclude each other: choose one")
        if not self.rescue_missed > 0 or self.rescue_ratio < 1:
            raise ValueError("rescue_missed must be positive and rescue_ratio at least 1")
        if self.output not in OUTPUTS:
            raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {self.output!r}")
        if min(self.chunk_size, self.checkpoint_every, self.workers, self.cache_entries) < 1:
            raise ValueError("chunk_size, checkpoint_every, workers and cache_entries must be positive")
        for f in dataclasses.fields(self):
            if f.type == "bool" and not isinstance(getattr(self, f.name), bool):
                raise ValueError(f"{f.name} must be true or false, not {getattr(self, f.name)!r}")

    def replace(self, **changes: Any) -> CleanOptions:
        """A copy with some fields changed (validated again); ``None`` values are ignored."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def trafilatura_options(self) -> dict[str, Any]:
        """Keyword arguments for ``trafilatura.bare_extraction``.

        Fixed here: no comments (dropping them is cleaner's job) and no cross-document
        deduplication, so a page's text never depends on what else is in the batch.
        """
        return {
            "include_comments": False,
            "include_tables": self.include_tables,
            "include_images": self.include_images,
            "include_links": self.include_links,
            "include_formatting": self.include_formatting or self.output == "markdown",
            "favor_precision": self.favor_precision,
            "favor_recall": self.favor_recall,
            "deduplicate": False,
        }

    def extraction_provenance(self) -> dict[str, Any]:
        """The options recorded in ``provenance.extraction.options``: exactly what trafilatura got,
        plus ``output`` and ``rescue`` when they are not the defaults (so default records stay as they were)."""
        opts: dict[str, Any] = self.trafilatura_options()
        if self.output != "text":
            opts["output"] = self.output
        thresholds = (self.rescue_missed, self.rescue_ratio)
        if not self.rescue or thresholds != (CleanOptions.rescue_missed, CleanOptions.rescue_ratio):
            opts["rescue"] = self._rescue_thresholds() if self.rescue else False
        return opts

    def rescue_settings(self) -> dict[str, float] | None:
        """The rescue's thresholds, or None when it is off (or cannot apply: Markdown output)."""
        if not self.rescue or self.output != "text":
            return None
        return self._rescue_thresholds()

    def _rescue_thresholds(self) -> dict[str, float]:
        return {"missed": self.rescue_missed, "ratio": self.rescue_ratio}

    def guard_provenance(self) -> dict[str, Any]:
        """What ``provenance.cleaner.options`` records: the options that change the text-rule step."""
        opts: dict[str, Any] = {"max_removed_share": self.max_removed_share}
        if self.match_budget != DEFAULT_MATCH_BUDGET:  # default records stay as they were
            opts["match_budget"] = self.match_budget
        return opts

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


DEFAULT_OPTIONS = CleanOptions()
