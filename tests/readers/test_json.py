"""JSON files (readers/jsonarray.py): an array of records, or one record, read element by element."""

from __future__ import annotations

import json

from tests.helpers import clean_all


def test_json_array_is_streamed_record_by_record(tmp_path, cleaner):
    big = "The harbour reopened on Monday. " * 8000  # 256 KB: crosses the reader's 64 KB buffer
    doc = [{"id": "big", "text": big + "\nShare Button"}, {"id": "n", "text": "A.", "score": 1.5e300},
           7, {"title": "no text"}, {"id": 3, "text": "Three.", "tags": ["x", {"y": None}]}]
    (tmp_path / "list.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    recs, errs, s = clean_all([tmp_path / "list.json"], cleaner)
    assert [r["id"] for r in recs] == ["big", "n", "3"]
    assert recs[0]["text"] == big.strip()
    assert recs[2]["metadata"] == {"tags": ["x", {"y": None}]} and recs[1]["metadata"] == {"score": 1.5e300}
    assert [(e["id"], e["error"], e["source"]["index"]) for e in errs] == [("list:2", "json", 2),
                                                                          ("list:3", "missing-text", 3)]
    # One record, not in an array.
    (tmp_path / "one.json").write_text('{"id": "solo", "text": "Solo."}', encoding="utf-8")
    # Broken in the middle: the records before it, then one error record.
    (tmp_path / "cut.json").write_text('[{"id": "ok", "text": "Fine."}, {"id": "bad", "text": "unterminated',
                                       encoding="utf-8")
    (tmp_path / "junk.json").write_text('[{"id": "j", "text": "J."}] trailing', encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / "one.json", tmp_path / "cut.json", tmp_path / "junk.json"], cleaner)
    assert [r["id"] for r in recs] == ["solo", "ok", "j"]
    assert [e["error"] for e in errs] == ["json", "json"]
    assert "stopped after 1 records" in errs[0]["message"] and "after the closing ]" in errs[1]["message"]
