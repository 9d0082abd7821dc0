"""gzip- and zstd-compressed inputs read like plain ones (compression is found from the magic bytes)."""

from __future__ import annotations

import gzip
import json

from tests.helpers import ARTICLE, HARBOUR, clean_all, zst


def test_compressed_inputs_read_like_plain_ones(tmp_path, cleaner):
    jsonl = (json.dumps({"id": "j", "text": ARTICLE, "crawl": "CC-2024"}) + "\n").encode()
    array = json.dumps([{"id": "a", "text": ARTICLE}]).encode()
    for name, data in [("t.txt", ARTICLE.encode()), ("h.html", HARBOUR), ("r.jsonl", jsonl), ("l.json", array)]:
        d = tmp_path / name.split(".")[0]
        d.mkdir()
        (d / name).write_bytes(data)
        (d / f"gz-{name}.gz").write_bytes(gzip.compress(data))
        (d / f"zst-{name}.zst").write_bytes(zst(data))
        recs, errs, s = clean_all([d], cleaner)
        assert not errs and s.documents == 3, errs
        assert len({r["text"] for r in recs}) == 1, name
        assert len({r["provenance"]["source"]["sha256"] for r in recs}) == 1  # the content, not the container
        if name.endswith((".txt", ".html")):  # one-file documents say how the file was compressed
            assert sorted(r["provenance"]["source"].get("compression", "") for r in recs) == ["", "gzip", "zstd"]
    assert recs[0]["metadata"] == {}
    j = clean_all([tmp_path / "r"], cleaner)[0]
    assert all(r["metadata"] == {"crawl": "CC-2024"} for r in j)
