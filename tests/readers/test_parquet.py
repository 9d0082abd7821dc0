"""Parquet files: one row, one record; every other column passes through."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import ARTICLE, HARBOUR, HARBOUR_URL, clean_all


def test_parquet_input_passes_every_column_through(tmp_path, cleaner):
    import datetime as dt

    table = pa.table({
        "id": ["p1", "p2", "p3"],
        "text": [ARTICLE, None, "Third.\nScroll To Top"],
        "url": [HARBOUR_URL, None, None],
        "fetched": pa.array([dt.datetime(2024, 3, 4, 5, 6, 7)] * 3, pa.timestamp("s")),
        "score": [0.5, 1.0, None],
        "raw": [b"\x00\xff", b"ok", None],
    })
    pq.write_table(table, tmp_path / "rows.parquet")
    recs, errs, _ = clean_all([tmp_path / "rows.parquet"], cleaner)
    assert [r["id"] for r in recs] == ["p1", "p3"]
    assert recs[0]["text"] == ARTICLE.split("\n")[0] + "\n"  # the final line break stays
    assert recs[0]["metadata"] == {"url": HARBOUR_URL, "fetched": "2024-03-04T05:06:07", "score": 0.5,
                                   "raw": "base64:AP8="}
    assert recs[0]["provenance"]["source"]["row"] == 1
    assert [(e["id"], e["error"]) for e in errs] == [("p2", "missing-text")]
    # HTML in a binary column; a file without a text or html column; a corrupt file.
    pq.write_table(pa.table({"html": [HARBOUR], "site": ["example"]}), tmp_path / "pages.parquet")
    pq.write_table(pa.table({"body": ["x"]}), tmp_path / "other.parquet")
    (tmp_path / "corrupt.parquet").write_bytes((tmp_path / "rows.parquet").read_bytes()[:300])
    recs, errs, _ = clean_all([tmp_path / "pages.parquet", tmp_path / "other.parquet", tmp_path / "corrupt.parquet"],
                              cleaner)
    assert recs[0]["text"].startswith("Harbour reopens after winter repairs\nThe harbour reopened")  # headline kept
    assert recs[0]["metadata"]["site"] == "example"
    assert [(e["id"], e["error"]) for e in errs] == [("other", "missing-text"), ("corrupt", "parquet")]
