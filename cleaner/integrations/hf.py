"""Hugging Face ``datasets``: a batched ``map`` function that cleans a text or an HTML column.

    from datasets import load_dataset
    from cleaner.integrations.hf import clean_batch

    ds = load_dataset("json", data_files="crawl.jsonl", split="train")
    ds = ds.map(clean_batch, batched=True, fn_kwargs={"rules": ["my_rules/"]})

Each row gets ``text`` (the clean text; null when the row could not be cleaned), ``error``
(null, or a struct ``{error, message}`` with the kinds of ``cleaner clean``'s error records)
and ``provenance``, a struct of the fixed type ``cleaner.arrow.PROVENANCE`` (compact by
default: pair it with ``Cleaner.manifest()``; ``cleaner.arrow.provenance_dict`` turns a row's
struct back into the record's provenance). The input columns stay as they are, so nothing of
the input's own fields is copied (``metadata`` is not a column; rules' captures and an HTML
page's title, author and date are in ``page``, a struct, when ``page=True``).

Keyword options (``fn_kwargs``): the fields of ``Columns``, ``text_column`` (default ``text``),
``html_column`` (used when the row has no text; default ``html``), ``id_column``, ``url_column``,
``language_column``, ``output_column`` (default ``text``, which replaces the input text) and
``page``; any of ``Cleaner``'s options (``rules``, ``default_rules``, ``max_removed_share``,
``domain_field``, ``provenance``); or ``cleaner=`` a ready Cleaner. The Cleaner is built once
per process and options (``num_proc`` workers each build their own), not once per batch.

The columns are returned with their Arrow types fixed (through pyarrow's ``__arrow_array__``
protocol), so every batch has the same features whatever it holds: a batch without a single
error or removal does not make the column ``null``-typed. ``features(...)`` gives the same
types as ``datasets.Features`` for ``map(features=...)``.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from cleaner.api import Cleaner
from cleaner.arrow import ERROR, PROVENANCE, provenance_row
from cleaner.batch import Outcome, process
from cleaner.document import Document
from cleaner.readers.base import jsonable

__all__ = ["PAGE", "Columns", "clean_batch", "features"]

PAGE_FIELDS = ("title", "author", "date", "sitename", "url", "hostname", "description", "categories", "tags",
               "language", "pagetype")
_LISTS = ("categories", "tags")
PAGE = pa.struct([*((k, pa.list_(pa.string()) if k in _LISTS else pa.string()) for k in PAGE_FIELDS),
                  ("other", pa.string())])
_CLEANERS: dict[str, Cleaner] = {}


class _Column(list):
    """A list of values that pyarrow turns into an array of one fixed type."""

    def __init__(self, values: list[Any], arrow_type: pa.DataType):
        super().__init__(values)
        self.arrow_type = arrow_type

    def __arrow_array__(self, type: pa.DataType | None = None) -> pa.Array:  # noqa: A002 - pyarrow's name
        return pa.array(list(self), type=self.arrow_type)


def _cleaner(cleaner: Cleaner | None, options: dict[str, Any]) -> Cleaner:
    if cleaner is not None:
        return cleaner
    options.setdefault("provenance", "compact")
    key = json.dumps(options, sort_keys=True, default=str)
    c = _CLEANERS.get(key)
    if c is None:
        c = _CLEANERS[key] = Cleaner(**options)
    return c


def _page(metadata: dict[str, Any], row_fields: set[str]) -> dict[str, Any]:
    """The page's and the rules' metadata (not the row's own fields, which stay columns)."""
    own = {k: v for k, v in metadata.items() if k not in row_fields}
    page: dict[str, Any] = {}
    for k in PAGE_FIELDS:
        v = own.pop(k, None)
        if k in _LISTS and v is not None:
            page[k] = [str(x) for x in v] if isinstance(v, list | tuple) else [str(v)]
        else:
            page[k] = None if v is None else (v if isinstance(v, str) else json.dumps(jsonable(v), ensure_ascii=False))
    page["other"] = json.dumps(jsonable(own), ensure_ascii=False, sort_keys=True) if own else None
    return page


@dataclass(frozen=True)
class Columns:
    """``clean_batch``'s own keyword options: the columns it reads and writes, and ``page``."""

    text_column: str = "text"
    html_column: str = "html"  # used when the row has no text
    id_column: str = "id"
    url_column: str = "url"
    language_column: str = "language"
    output_column: str = "text"  # the default replaces the input text
    page: bool = False  # add the ``page`` struct column


_COLUMN_OPTIONS = frozenset(f.name for f in dataclasses.fields(Columns))


def _document(row: dict[str, Any], cols: Columns) -> Document | None:
    """The row as a Document; None when it has neither text nor HTML."""
    text, html = row.get(cols.text_column), row.get(cols.html_column)
    if not isinstance(text, str) and not isinstance(html, str | bytes):
        return None
    rid, url, lang = row.get(cols.id_column), row.get(cols.url_column), row.get(cols.language_column)
    skip = (cols.text_column, cols.html_column, cols.id_column)
    meta = {k: v for k, v in row.items() if k not in skip and v is not None}
    return Document(
        id="" if rid is None else str(rid),
        text=text if isinstance(text, str) else "",
        html=None if isinstance(text, str) else html,
        url=url if isinstance(url, str) else None,
        language=lang if isinstance(lang, str) else None,
        metadata=meta,
    )


def clean_batch(batch: dict[str, list[Any]], *, cleaner: Cleaner | None = None, **options: Any) -> dict[str, list[Any]]:
    """Clean one batch of rows (``datasets.map(..., batched=True)``); see the module's docstring.

    ``options`` are ``Columns`` fields, and any other keyword is one of ``Cleaner``'s options.
    """
    cols = Columns(**{k: options.pop(k) for k in list(options) if k in _COLUMN_OPTIONS})
    c = _cleaner(cleaner, options)
    columns = list(batch)
    n = len(batch[columns[0]]) if columns else 0
    fields = set(columns)
    texts: list[str | None] = []
    errors: list[dict[str, str] | None] = []
    provs: list[dict[str, Any] | None] = []
    pages: list[dict[str, Any] | None] = []
    for i in range(n):
        row = {k: batch[k][i] for k in columns}
        doc = _document(row, cols)
        if doc is None:
            message = f"the row has no {cols.text_column!r} (or {cols.html_column!r})"
            o = Outcome(error={"error": "missing-text", "message": message})
        else:
            o = process(c, doc)
        if o.record is None:
            assert o.error is not None
            texts.append(None)
            errors.append({"error": o.error.get("error"), "message": o.error.get("message")})
            provs.append(None)
            pages.append(None)
            continue
        rec = o.record
        texts.append(rec["text"])
        errors.append(None)
        provs.append(provenance_row(rec.get("provenance")))
        pages.append(_page(rec["metadata"], fields) if cols.page else None)
    out: dict[str, list[Any]] = {cols.output_column: _Column(texts, pa.string()), "error": _Column(errors, ERROR)}
    if c.provenance != "none":
        out["provenance"] = _Column(provs, PROVENANCE)
    if cols.page:
        out["page"] = _Column(pages, PAGE)
    return out


def features(
    input_features: Any = None, output_column: str = "text", provenance: bool = True, page: bool = False
) -> Any:
    """The ``datasets.Features`` of the mapped dataset: the input's plus cleaner's columns."""
    from datasets import Features

    cols = {output_column: pa.string(), "error": ERROR}
    if provenance:
        cols["provenance"] = PROVENANCE
    if page:
        cols["page"] = PAGE
    mine = Features.from_arrow_schema(pa.schema(list(cols.items())))
    return Features({**(input_features or {}), **mine})
