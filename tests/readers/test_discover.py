"""Which reader an input goes to: its format from the name, then from the first bytes, or as --input-format says."""

from __future__ import annotations

import gzip

from cleaner.readers.discover import sniff, split_name
from tests.helpers import CRAWL, HARBOUR, clean_all, make_warc, zst


def test_format_from_name_then_content():
    assert split_name("a.jsonl.gz") == ("a", "jsonl")
    assert split_name("crawl.warc.gz") == ("crawl", "warc")
    assert split_name("Page.HTM.zst") == ("Page", "html")
    assert split_name("data.parquet") == ("data", "parquet")
    assert split_name("notes.log") == ("notes", None)
    assert split_name(".gz") == (".gz", None)
    assert sniff(b'{"id": 1, "text": "x"}\n{"id": 2}') == "jsonl"
    assert sniff(b'{\n  "id": 1,\n  "text": "x"\n}') == "json"
    assert sniff(b'  [{"id": 1}]') == "json"
    assert sniff(b"<!DOCTYPE html><html>") == "html"
    assert sniff(b"\xef\xbb\xbf<!-- saved --><html lang=en>") == "html"
    assert sniff(b"<u>Underlined</u> text is text") == "text"
    assert sniff(b"WARC/1.1\r\nWARC-Type: warcinfo") == "warc"
    assert sniff(b"PAR1\x15\x04") == "parquet"
    assert sniff(gzip.compress(b'{"id": 1}\n')) == "jsonl"
    assert sniff(zst(b"<html><body>x</body></html>")) == "html"
    assert sniff(make_warc(CRAWL[:1])[0]) == "warc"
    assert sniff(b"Plain words.") == "text"


def test_input_format_option_and_content_sniffing(tmp_path, cleaner):
    (tmp_path / "records.dat").write_text('{"id": "r", "text": "Body.\\nShare Button"}\n', encoding="utf-8")
    (tmp_path / "page.bin").write_bytes(gzip.compress(HARBOUR))
    recs, errs, _ = clean_all([tmp_path / "records.dat", tmp_path / "page.bin"], cleaner)
    assert [(r["id"], r["text"][:5]) for r in recs] == [("r", "Body."), ("page", "Harbo")] and not errs
    # Forced: the same JSONL read as one text document.
    recs, _, _ = clean_all([tmp_path / "records.dat"], cleaner, input_format="text")
    assert recs[0]["id"] == "records" and recs[0]["text"].startswith('{"id"')
