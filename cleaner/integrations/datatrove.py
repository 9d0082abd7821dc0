"""datatrove pipeline steps: ``CleanerFormatter`` (text) and ``CleanerExtractor`` (HTML).

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerFormatter

    LocalPipelineExecutor([JsonlReader("in/"), CleanerFormatter(rules=["my_rules/"]), JsonlWriter("out/")]).run()

Both take ``Cleaner``'s keyword options (``rules``, ``default_rules``, ``max_removed_share``,
``domain_field``, ``provenance``, ...) or a ready ``cleaner=``. The rule packs are loaded and
checked when the step is made (a rule mistake fails the pipeline before any task starts); a
task that receives the step pickled compiles them once on arrival, so rules compile once per
task, never per document. Each document's record (text, metadata, provenance) is the one
``cleaner clean`` writes for the same input; the provenance goes into
``doc.metadata[provenance_key]`` (compact by default: pair it with ``Cleaner.manifest()``).

Stats (datatrove's ``stat_update``, in the task's stats file and the run summary): ``total``,
``forwarded``, ``dropped``, ``removals`` and ``chars_removed``, one ``rule/<rule id>`` count per
removal (HTML elements pruned included) and ``guard_kept`` for documents the guard kept whole;
the extractor also counts ``no_content``, ``not_html`` and, for a bug, ``clean_error``.

There is no per-document timeout (datatrove's extractors run trafilatura in a sandbox process
with one): cleaner's matching is linear-time by construction, and an output that depended on the
clock would not be reproducible.
"""

from __future__ import annotations

from typing import Any

from datatrove.data import Document as DatatroveDocument
from datatrove.data import DocumentsPipeline
from datatrove.pipeline.base import PipelineStep
from datatrove.utils.logging import logger
from datatrove.utils.typeshelper import StatHints

from cleaner.api import Cleaner, CleanResult
from cleaner.document import Document
from cleaner.extract import NoContent, NotHtml

__all__ = ["CleanerExtractor", "CleanerFormatter"]


class _CleanerStep(PipelineStep):
    html = False  # the step's input: extracted text, or pages (HTML in doc.text)
    # Exceptions that mean "this page has nothing to keep", each counted under its own stat.
    expected: tuple[tuple[type[Exception], str], ...] = ()

    def __init__(
        self,
        cleaner: Cleaner | None = None,
        *,
        provenance_key: str = "provenance",
        url_key: str = "url",
        language_key: str = "language",
        **options: Any,
    ):
        super().__init__()
        options.setdefault("provenance", "compact")
        self.cleaner = cleaner if cleaner is not None else Cleaner(**options)
        self.provenance_key = provenance_key
        self.url_key = url_key
        self.language_key = language_key
        self._warned = False

    def _document(self, doc: DatatroveDocument, html: bool) -> Document:
        meta = dict(doc.metadata or {})
        url, lang = meta.get(self.url_key), meta.get(self.language_key)
        return Document(
            id=str(doc.id or ""),
            text="" if html else doc.text,
            html=doc.text if html else None,
            url=url if isinstance(url, str) else None,
            language=lang if isinstance(lang, str) else None,
            metadata=meta,
        )

    def _apply(self, doc: DatatroveDocument, result: CleanResult) -> None:
        doc.text = result.text
        meta = dict(result.metadata)
        rec = result.to_record()
        if "provenance" in rec:
            meta[self.provenance_key] = rec["provenance"]
        doc.metadata = meta
        prov = result.provenance
        removed = [r.rule for r in result.removed] + [h["rule"] for h in prov.get("html_removals", [])]
        self.stat_update("removals", value=len(removed))
        self.stat_update("chars_removed", value=len(result.input_text) - len(result.text))
        for rule in removed:
            self.stat_update(f"rule/{rule}")
        if prov["warnings"]:
            self.stat_update("guard_kept")

    def _failed(self, kind: str, doc: DatatroveDocument, e: Exception) -> None:
        self.stat_update(kind)
        self.stat_update(StatHints.dropped)
        if kind == "clean_error" and not self._warned:
            logger.warning(f"cleaner: {type(e).__name__}: {e} on document {doc.id!r}; dropped "
                           "(this message appears once)")
            self._warned = True

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        for doc in data:
            self.stat_update(StatHints.total)
            with self.track_time():
                try:
                    result = self.cleaner.clean(self._document(doc, html=self.html))
                except Exception as e:  # noqa: BLE001 - a bug drops one document, not the task
                    kind = next((k for t, k in self.expected if isinstance(e, t)), "clean_error")
                    self._failed(kind, doc, e)
                    continue
                self._apply(doc, result)
            self.stat_update(StatHints.forwarded)
            self.update_doc_stats(doc)
            yield doc


class CleanerFormatter(_CleanerStep):
    """Text mode: ``doc.text`` is replaced by the clean text, the provenance goes into the metadata."""

    name = "🧹 cleaner"
    type = "✂️ - FORMAT"


class CleanerExtractor(_CleanerStep):
    """HTML mode: ``doc.text`` holds the page, the URL is ``doc.metadata[url_key]``. The page is
    pruned by the HTML rules, extracted by trafilatura and cleaned by the text rules; a page with
    no main content (or that is not HTML) is dropped and counted."""

    name = "🧹 cleaner (HTML)"
    type = "🛢 - EXTRAC"
    html = True
    expected = ((NoContent, "no_content"), (NotHtml, "not_html"))
