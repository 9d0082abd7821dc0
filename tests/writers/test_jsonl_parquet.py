"""The record outputs: JSON Lines (plain, gzip, zstd), Parquet, the errors file, output field names."""

from __future__ import annotations

import gzip
import json

import pyarrow.parquet as pq

from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import ParquetWriter
from tests.helpers import invoke, read_jsonl


def test_compressed_jsonl_and_parquet_outputs(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Line {i}.\nShare Button", "n": i}) + "\n"
                           for i in range(5)), encoding="utf-8")
    outs = {}
    for name in ("o.jsonl", "o.jsonl.gz", "o.jsonl.zst", "o.parquet"):
        res = invoke("clean", str(src), "-o", str(tmp_path / name), "-q", "--checkpoint-every", "2")
        assert res.exit_code == 0, res.stderr
        outs[name] = tmp_path / name
    plain = read_jsonl(outs["o.jsonl"])
    assert read_jsonl(outs["o.jsonl.gz"]) == plain == read_jsonl(outs["o.jsonl.zst"])
    with gzip.open(outs["o.jsonl.gz"]) as f:  # several gzip members (one per checkpoint), one stream
        assert f.read().count(b"\n") == 5
    table = pq.read_table(outs["o.parquet"])
    assert table.column_names == ["id", "text", "metadata", "provenance"]
    rows = table.to_pylist()
    assert [r["id"] for r in rows] == [p["id"] for p in plain]
    assert [json.loads(r["metadata"]) for r in rows] == [p["metadata"] for p in plain]
    assert [json.loads(r["provenance"]) for r in rows] == [p["provenance"] for p in plain]
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob("*.checkpoint.json"))


def test_output_field_names(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"doc": "a", "body": "Body.\nShare Button", "url": "https://x.org/1", "crawl": 3})
                   + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = ["clean", str(src), "-o", str(out), "-q", "--id-field", "doc", "--text-field", "body"]
    assert invoke(*args, "--output-field", "text=clean_text", "--output-field", "id=doc").exit_code == 0
    (r,) = read_jsonl(out)
    assert list(r) == ["doc", "clean_text", "metadata", "provenance"]
    assert r["clean_text"] == "Body." and r["metadata"] == {"url": "https://x.org/1", "crawl": 3}
    # metadata= puts the input record's other fields back at the top level, unchanged.
    assert invoke(*args, "--output-field", "metadata=", "--output-field", "id=doc",
                  "--output-field", "text=body").exit_code == 0
    (r,) = read_jsonl(out)
    assert {k: v for k, v in r.items() if k != "provenance"} == {"doc": "a", "body": "Body.",
                                                                 "url": "https://x.org/1", "crawl": 3}
    assert invoke(*args, "--output-field", "colour=x").exit_code == 2
    assert invoke(*args, "--output-field", "text=id").exit_code == 2
    assert invoke(*args, "-o", str(tmp_path / "o.parquet"), "--output-field", "metadata=").exit_code == 2


def test_writers_never_lose_a_record_with_odd_values(tmp_path):
    rec = {"id": "s", "text": "lone \ud800 surrogate", "metadata": {"k": "\udfff", "when": object.__name__},
           "provenance": {}}
    w = JsonlWriter(tmp_path / "o.jsonl.zst")
    w.write(rec)
    w.close()
    (r,) = read_jsonl(tmp_path / "o.jsonl.zst")
    assert r["text"] == "lone \ufffd surrogate" and r["metadata"]["k"] == "\ufffd"
    p = ParquetWriter(tmp_path / "o.parquet", fields=OutputFields())
    p.write(rec)
    p.close()
    assert pq.read_table(tmp_path / "o.parquet").column("text").to_pylist() == ["lone \ufffd surrogate"]
    e = ErrorWriter(tmp_path / "e.jsonl")
    e.close()
    assert not (tmp_path / "e.jsonl").exists()
