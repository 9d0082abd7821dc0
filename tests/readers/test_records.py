"""Input records (readers/records.py): how a record's fields become a document."""

from __future__ import annotations

import json
import math

import pytest

from cleaner.document import Document
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure
from cleaner.readers.records import Fields, record_item
from tests.helpers import clean_all


def test_lone_surrogates_in_input_are_repaired_and_noted(tmp_path, cleaner):
    (tmp_path / "s.jsonl").write_text('{"id": "s", "text": "A \\ud800 B"}\n', encoding="utf-8")
    (r,), _, _ = clean_all([tmp_path / "s.jsonl"], cleaner)
    assert r["text"] == "A \ufffd B" and r["provenance"]["source"]["repaired"]


def test_input_record_fields_pass_through_unchanged_even_with_byline_captures(tmp_path, cleaner):
    rec = {"id": "b", "author": "Desk Editor", "date": "2020-03-04", "crawl": "CC",
           "text": "Harbour reopens\nBy John Smith | March 3, 2020\nThe harbour reopened on Monday.\nShips waited."}
    (tmp_path / "r.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    (r,), _, _ = clean_all([tmp_path / "r.jsonl"], cleaner)
    assert r["metadata"] == {"author": "Desk Editor", "date": "2020-03-04", "crawl": "CC"}


def test_spark_rows_become_documents_as_local_records_do():
    # cleaner.spark goes through record_item too: the size limit and the surrogate repair apply,
    # a null column is a field the row does not have, and the source block names the row's id.
    pd = pytest.importorskip("pandas")
    from cleaner.spark import _documents

    big = "harbour " * (DEFAULT_MAX_BYTES // 8 + 1)
    pdf = pd.DataFrame({"id": ["a", "b", None, "d"], "text": ["A \ud800 B", big, "C.", None],
                        "site": ["s", "s", None, "s"], "n": [1.0, 2.0, math.nan, 4.0],
                        "format": [None, None, "markdown", None]})
    a, b, c, d = _documents(pdf, Fields(html=None))
    assert isinstance(a, Document) and a.text == "A \ufffd B" and a.metadata == {"site": "s", "n": 1.0}
    assert a.source["record_id"] == "a" and a.source["repaired"] and a.source["bytes"] == len("A \ufffd B".encode())
    assert isinstance(b, Failure) and b.error == "too-large" and b.id == "b"
    assert isinstance(c, Document) and (c.id, c.kind, c.metadata) == ("", "markdown", {"format": "markdown"})
    assert list(c.source) == ["record_id", "bytes", "sha256"] and c.source["record_id"] is None
    assert isinstance(d, Failure) and d.error == "missing-text" and d.source == {"record_id": "d"}
    local = record_item({"id": "a", "text": "A \ud800 B", "site": "s", "n": 1.0}, Fields(), "x", {"record_id": "a"},
                        DEFAULT_MAX_BYTES)
    assert local == a
