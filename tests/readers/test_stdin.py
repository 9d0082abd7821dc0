"""``-``: stdin read once, its format sniffed from the front (compressed or not)."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq

from tests.helpers import CRAWL, HARBOUR, clean_all, make_warc, read_jsonl, zst


def test_stdin_formats(monkeypatch, cleaner):
    def feed(data: bytes, **kw):
        monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": io.BufferedReader(io.BytesIO(data))})())
        return clean_all(["-"], cleaner, **kw)

    recs, _, _ = feed(gzip.compress(b'{"id": "g", "text": "Gz.\\nShare Button"}\n{"id": "h", "text": "H."}\n'))
    assert [(r["id"], r["text"]) for r in recs] == [("g", "Gz."), ("h", "H.")]
    recs, _, _ = feed(zst(HARBOUR))
    assert recs[0]["id"] == "stdin"
    assert recs[0]["text"].startswith("Harbour reopens after winter repairs\nThe harbour reopened")
    recs, _, _ = feed(b'[{"id": "a", "text": "A."}, {"id": "b", "text": "B."}]')
    assert [r["id"] for r in recs] == ["a", "b"]
    recs, _, _ = feed(make_warc(CRAWL)[0])
    assert len(recs) == 4
    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["Row."]}), buf)
    recs, _, _ = feed(buf.getvalue())
    assert recs[0]["text"] == "Row." and recs[0]["id"] == "stdin:1"
    recs, _, _ = feed(b'{"id": "x"}', input_format="text")
    assert recs[0]["text"] == '{"id": "x"}'


def test_stdin_end_to_end_with_compressed_jsonl(tmp_path):
    data = gzip.compress(b'{"id": "s1", "text": "Body.\\nScroll To Top"}\n{"id": "s2"}\n')
    proc = subprocess.run([sys.executable, "-m", "cleaner", "clean", "-", "-o", str(tmp_path / "o.jsonl")],
                          input=data, capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert [r["text"] for r in read_jsonl(tmp_path / "o.jsonl")] == ["Body."]
    assert [e["error"] for e in read_jsonl(tmp_path / "o.jsonl.errors.jsonl")] == ["missing-text"]
    assert b"check: 2 documents in = 1 record out + 1 error record" in proc.stderr
