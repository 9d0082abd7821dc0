"""Batch input and output formats, and bad inputs: every input document yields exactly one
record or one error record, and the batch goes on.

Inputs are made here (compressed, WARC, Parquet, broken variants), small except the one
50 MB line, which is written and read in a streaming way.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner import Cleaner
from cleaner.batch import ProgressBar, Summary, run_batch
from cleaner.document import Document
from cleaner.readers import text as text_reader
from cleaner.readers.base import Failure, ReadStats
from cleaner.readers.discover import iter_documents, sniff, split_name
from cleaner.readers.jsonl import Fields
from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import ParquetWriter
from cleaner.writers.textdir import TextDirWriter, safe_name
from tests.conftest import ROOT, run_cli

_CLEANERS: dict = {}


def invoke(*args: str, stdin: bytes | None = None):
    """The CLI in this process (a subprocess pays ~2 s to start and compile the rules); bundled
    rule sets are compiled once per option set and reused."""
    from unittest import mock

    from typer.testing import CliRunner

    from cleaner import run as run_module
    from cleaner.cli import app as app_module

    real = run_module.load_cleaner

    def cached(rules, no_default, **kw):
        if rules or no_default:
            return real(rules, no_default, **kw)
        key = tuple(sorted(kw.items()))
        if key not in _CLEANERS:
            _CLEANERS[key] = real(rules, no_default, **kw)
        return _CLEANERS[key]

    with mock.patch.object(run_module, "load_cleaner", cached):
        return CliRunner().invoke(app_module.app, list(args), input=stdin, catch_exceptions=False)

HARBOUR = (ROOT / "fixtures" / "html" / "harbour.html").read_bytes()
NO_CONTENT = (ROOT / "fixtures" / "html" / "empty.html").read_bytes()
HARBOUR_URL = "https://www.example.com/news/harbour-reopens"
ARTICLE = "The harbour reopened on Monday after repairs that took most of the winter.\nShare Button\n"


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


class ListWriter:
    def __init__(self) -> None:
        self.records: list[dict] = []

    def write(self, record: dict) -> None:
        self.records.append(record)

    def checkpoint(self) -> dict:
        return {}

    def close(self, ok: bool = True) -> None:
        pass


def clean_all(inputs: list, cleaner: Cleaner, **kw) -> tuple[list[dict], list[dict], Summary]:
    out, errs = ListWriter(), ListWriter()
    items = iter_documents([str(i) for i in inputs], kw.pop("fields", Fields()), **kw)
    s = run_batch(items, cleaner, out, errs)
    assert s.documents == len(out.records) + len(errs.records)
    return out.records, errs.records, s


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    if path.suffix == ".zst":
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(path.read_bytes()), read_across_frames=True)
        return [json.loads(x) for x in data.read().decode().splitlines()]
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f]


def make_warc(records: list[tuple], gz: bool = True) -> tuple[bytes, list[int]]:
    """(kind, url, body, content type, status) records as a WARC; returns its bytes and record offsets."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    # Fixed record ids and dates: the bytes (and so what a truncated record looks like) never vary.
    ids = iter(range(1, 10_000))
    w._make_warc_id = lambda *a, **k: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>"
    w.curr_warc_date = lambda: "2026-01-02T03:04:05Z"
    offsets = []
    for kind, url, body, ctype, status in records:
        offsets.append(buf.tell())
        if kind == "warcinfo":
            w.write_record(w.create_warcinfo_record("test.warc.gz", {"software": "cleaner tests"}))
            continue
        if kind == "request":
            http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "www.example.com")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))
            continue
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return buf.getvalue(), offsets


CRAWL = [
    ("warcinfo", None, None, None, None),
    ("request", HARBOUR_URL, None, None, None),
    ("response", HARBOUR_URL, HARBOUR, "text/html; charset=utf-8", "200 OK"),
    ("response", "https://www.example.com/logo.png", b"\x89PNG\r\n\x1a\n....", "image/png", "200 OK"),
    ("response", "https://www.example.com/gone", b"<html><body>gone</body></html>", "text/html", "404 Not Found"),
    ("response", "https://www.example.com/news/2", HARBOUR.replace(b"harbour", b"port"), "text/html", "200 OK"),
    ("response", "https://www.example.com/news/3", HARBOUR.replace(b"harbour", b"quay"), "text/html", "200 OK"),
    ("response", "https://www.example.com/news/4", HARBOUR.replace(b"harbour", b"pier"), "text/html", "200 OK"),
]


# ---- detection ----


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
    assert [(r["id"], r["text"][:5]) for r in recs] == [("r", "Body."), ("page", "The h")] and not errs
    # Forced: the same JSONL read as one text document.
    recs, _, _ = clean_all([tmp_path / "records.dat"], cleaner, input_format="text")
    assert recs[0]["id"] == "records" and recs[0]["text"].startswith('{"id"')


# ---- every input format, plain and compressed ----


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
    assert recs[0]["text"].startswith("The harbour reopened") and recs[0]["metadata"]["site"] == "example"
    assert [(e["id"], e["error"]) for e in errs] == [("other", "missing-text"), ("corrupt", "parquet")]


def test_warc_html_responses_with_provenance(tmp_path, cleaner):
    data, offsets = make_warc(CRAWL)
    (tmp_path / "crawl.warc.gz").write_bytes(data)
    stats = ReadStats()
    recs, errs, _ = clean_all([tmp_path / "crawl.warc.gz"], cleaner, stats=stats)
    assert not errs
    # The WARC record's URL (the page's own canonical URL may differ, and goes to metadata).
    assert [r["provenance"]["source"]["url"] for r in recs] == [HARBOUR_URL] + [f"https://www.example.com/news/{i}"
                                                                                for i in (2, 3, 4)]
    src = recs[0]["provenance"]["source"]
    assert src["url"] == HARBOUR_URL and src["offset"] == offsets[2] and src["http_status"] == 200
    assert src["warc_record_id"].startswith("<urn:uuid:") and src["warc_date"][:2] == "20"
    assert recs[0]["id"] == src["warc_record_id"].strip("<>")
    assert recs[0]["text"].startswith("The harbour reopened") and "Leave a Reply" not in recs[0]["text"]
    assert stats.skipped == {"WARC warcinfo records": 1, "WARC request records": 1,
                             "WARC responses that are not HTML": 1, "WARC HTML responses without a 2xx status": 1}
    # Plain WARC and zstd-compressed WARC read the same.
    plain, _ = make_warc(CRAWL, gz=False)
    (tmp_path / "plain.warc").write_bytes(plain)
    (tmp_path / "plain.warc.zst").write_bytes(zst(plain))
    for name in ("plain.warc", "plain.warc.zst"):
        again, errs, _ = clean_all([tmp_path / name], cleaner)
        assert not errs and [r["text"] for r in again] == [r["text"] for r in recs]


def test_broken_warc_record_is_an_error_and_reading_goes_on(tmp_path, cleaner):
    data, offsets = make_warc(CRAWL)
    bad = bytearray(data)
    mid = (offsets[5] + offsets[6]) // 2  # inside the compressed member of news/2
    bad[mid : mid + 40] = b"\x00" * 40
    (tmp_path / "broken.warc.gz").write_bytes(bytes(bad))
    recs, errs, _ = clean_all([tmp_path / "broken.warc.gz"], cleaner)
    assert [r["provenance"]["source"]["url"].rsplit("/", 1)[1] for r in recs] == ["harbour-reopens", "3", "4"]
    (e,) = errs
    assert e["error"] == "warc" and e["source"]["offset"] == offsets[5] and "reading went on" in e["message"]
    # Truncated in the last record: the records before it, then one error record.
    (tmp_path / "cut.warc.gz").write_bytes(data[: offsets[7] + 200])
    recs, errs, _ = clean_all([tmp_path / "cut.warc.gz"], cleaner)
    assert len(recs) == 3 and [e["error"] for e in errs] == ["warc"]
    assert "the rest of the file was not read" in errs[0]["message"]
    # Plain WARC with a mangled header: found again at the next "WARC/1." line.
    plain, poffsets = make_warc(CRAWL, gz=False)
    bad = plain[: poffsets[5]] + b"WARC/9.9 garbage\r\n" + plain[poffsets[5] + 10 :]
    (tmp_path / "broken.warc").write_bytes(bad)
    recs, errs, _ = clean_all([tmp_path / "broken.warc"], cleaner)
    assert len(recs) == 3 and [e["error"] for e in errs] == ["warc"]


def test_stdin_formats(monkeypatch, cleaner):
    def feed(data: bytes, **kw):
        monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": io.BufferedReader(io.BytesIO(data))})())
        return clean_all(["-"], cleaner, **kw)

    recs, _, _ = feed(gzip.compress(b'{"id": "g", "text": "Gz.\\nShare Button"}\n{"id": "h", "text": "H."}\n'))
    assert [(r["id"], r["text"]) for r in recs] == [("g", "Gz."), ("h", "H.")]
    recs, _, _ = feed(zst(HARBOUR))
    assert recs[0]["id"] == "stdin" and recs[0]["text"].startswith("The harbour reopened")
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


# ---- bad inputs ----


def write_50mb_line(path: Path, prefix: bytes = b"", suffix: bytes = b"") -> None:
    with open(path, "wb") as f:
        f.write(prefix)
        chunk = b"harbour words " * 71_429  # ~1 MB, no line break
        for _ in range(50):
            f.write(chunk)
        f.write(suffix)


def test_bad_inputs_become_error_records_and_the_batch_goes_on(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    good = json.dumps({"id": "good", "text": ARTICLE}).encode()
    (d / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 4)
    (d / "invalid.txt").write_bytes(bytes(range(0x80, 0x100)) * 3)
    (d / "mixed.txt").write_bytes("Café “quoted” and ".encode() + b"\x93smart\x94 quotes.\n")
    (d / "empty.txt").write_bytes(b"")
    (d / "empty.jsonl").write_bytes(b"")
    (d / "empty.html").write_bytes(b"  \n")
    (d / "empty.warc.gz").write_bytes(b"")
    write_50mb_line(d / "huge.txt")
    write_50mb_line(d / "huge.jsonl", b'{"id": "first", "text": "First."}\n{"id": "huge", "text": "',
                    b'"}\n' + good + b"\n")
    (d / "trunc.txt.gz").write_bytes(gzip.compress(ARTICLE.encode() * 50)[:-30])
    (d / "trunc.txt.zst").write_bytes(zst(ARTICLE.encode() * 50)[:-30])
    lines = b"".join(json.dumps({"id": f"t{i}", "text": f"{i} {ARTICLE}"}).encode() + b"\n" for i in range(300))
    (d / "trunc.jsonl.gz").write_bytes(gzip.compress(lines)[:-30])
    (d / "malformed.jsonl").write_bytes(good + b'\n{"id": "x", "text": \n' + b"\xff\xfe{}\n" + b'"just a string"\n'
                                        + json.dumps({"id": "deep", "text": [[[["x"]]]]}).encode() + b"\n")
    (d / "notext.jsonl").write_bytes(b'{"id": "nt", "body": "no text field"}\n{"id": 5, "text": null}\n')
    data, offsets = make_warc(CRAWL[:4])
    (d / "broken.warc.gz").write_bytes(data[: offsets[2]] + data[offsets[2] : offsets[3]][:-50] + data[offsets[3] :])
    (d / "nocontent.html").write_bytes(NO_CONTENT)
    (d / "corrupt.parquet").write_bytes(b"PAR1" + b"\x00" * 64)
    out = tmp_path / "out.jsonl"
    proc = run_cli("clean", str(d), "-o", str(out), "-w", "1")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr.replace("error", "")
    recs = {r["id"]: r for r in read_jsonl(out)}
    errs = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    kinds = {}
    for e in errs:
        kinds.setdefault(e["id"], []).append(e["error"])
        assert set(e) >= {"id", "source", "error", "message"} and e["message"]
    assert kinds["binary"] == ["decode"]
    assert kinds["empty"] == ["empty", "empty", "empty"]  # .html, .jsonl, .warc.gz; an empty .txt is a document
    assert recs["empty"]["text"] == ""
    assert kinds["huge"] == ["too-large"] and kinds["huge:2"] == ["too-large"]
    assert {"first", "good"} <= set(recs)  # the lines around the 50 MB line
    assert kinds["trunc"] == ["decompress", "decompress"]  # .txt.gz and .txt.zst
    assert [v for k, v in kinds.items() if k.startswith("trunc:")] == [["decompress"]]  # after the last whole line
    assert kinds["malformed:2"] == ["json"] and kinds["malformed:3"] == ["decode"]
    assert kinds["malformed:4"] == ["json"] and kinds["deep"] == ["missing-text"]
    assert kinds["nt"] == ["missing-text"] and kinds["5"] == ["missing-text"]
    assert [k for k, v in kinds.items() if v == ["warc"]] and kinds["nocontent"] == ["no-content"]
    assert kinds["corrupt"] == ["parquet"]
    assert recs["mixed"]["text"] == "Café “quoted” and “smart” quotes.\n"
    assert recs["mixed"]["provenance"]["source"]["encoding"] == "utf-8+cp1252"
    assert kinds["invalid"] == ["decode"]  # bytes no text encoding explains
    # Exactly one outcome per input document, and the summary says so.
    n_out = len(out.read_text(encoding="utf-8").splitlines())
    n_in = n_out + len(errs)
    assert n_out > 250  # trunc.jsonl.gz: the records before the truncation point are kept
    assert f"check: {n_in} documents in = {n_out} records out + {len(errs)} error records" in proc.stderr


def test_unreadable_files_are_error_records(tmp_path, cleaner, monkeypatch):
    for name in ("locked.txt", "locked.jsonl", "ok.txt"):
        (tmp_path / name).write_text("Text.\n" if name == "ok.txt" else '{"text": "x"}\n', encoding="utf-8")
    real = text_reader.open_counted

    def deny(path, stats=None):
        if "locked" in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, stats)

    monkeypatch.setattr(text_reader, "open_counted", deny)
    monkeypatch.setattr("cleaner.readers.jsonl.open_counted", deny)
    recs, errs, _ = clean_all([tmp_path], cleaner)
    assert [r["id"] for r in recs] == ["ok"]
    assert [(e["id"], e["error"]) for e in errs] == [("locked", "unreadable"), ("locked", "unreadable")]
    assert all("Permission denied" in e["message"] for e in errs)


def test_a_long_single_line_within_the_limit_is_cleaned(cleaner):
    line = "harbour words " * 150_000  # 2.1 MB, one line
    recs, errs, _ = clean_all([], cleaner)
    r = cleaner.clean_text(line + "\nShare Button\n")
    assert r.text == line.strip() + "\n" and not errs and not recs  # the final line break stays


def test_reader_bug_becomes_an_error_record(tmp_path, cleaner, monkeypatch):
    (tmp_path / "a.txt").write_text("A.", encoding="utf-8")
    (tmp_path / "b.txt").write_text("B.", encoding="utf-8")

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr("cleaner.readers.text.decode_bytes", broken)
    recs, errs, _ = clean_all([tmp_path], cleaner)
    assert not recs and [(e["id"], e["error"]) for e in errs] == [("a", "internal"), ("b", "internal")]


# ---- outputs ----


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


def test_text_folder_names_are_safe_from_hostile_ids(tmp_path):
    hostile = ["../../etc/passwd", "/abs/path", "..", ".", "", "CON", "a/b", "a_b", "https://x.org/../y?q=1",
               "x" * 300, "ünïcode", "dup", "dup", "Dup", ".hidden", "nul.txt"]
    folder = tmp_path / "out"
    w = TextDirWriter(folder)
    for i, h in enumerate(hostile):
        w.write({"id": h, "text": f"text {i}"})
    w.close()
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(hostile) and len({n.lower() for n in names}) == len(names)
    for n in names:
        assert n.endswith(".txt") and "/" not in n and not n.startswith(".") and len(n) < 140
        assert (folder / n).resolve().parent == folder.resolve()
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "etc" / "passwd.txt").exists()
    assert safe_name("plain-id_1.2") == "plain-id_1.2"
    assert safe_name("a/b") == "a_b" and safe_name("a b") != "a_b"  # "/" reads as "_"; the writer numbers clashes
    assert not list(tmp_path.glob("*.tmp"))


def test_text_folder_output_from_the_cli(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "../escape", "text": "Body.\nShare Button"}) + "\n", encoding="utf-8")
    res = invoke("clean", str(src), "-o", str(tmp_path / "txt"), "--format", "text", "-q")
    assert res.exit_code == 0, res.stderr
    (f,) = (tmp_path / "txt").iterdir()
    assert f.read_text(encoding="utf-8") == "Body.\n" and f.name.startswith("escape-")


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


def test_lone_surrogates_in_input_are_repaired_and_noted(tmp_path, cleaner):
    (tmp_path / "s.jsonl").write_text('{"id": "s", "text": "A \\ud800 B"}\n', encoding="utf-8")
    (r,), _, _ = clean_all([tmp_path / "s.jsonl"], cleaner)
    assert r["text"] == "A \ufffd B" and r["provenance"]["source"]["repaired"]


# ---- progress and summary ----


def test_progress_bar_on_a_terminal_and_quiet_in_a_pipe(tmp_path):
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=150, color_system=None)
    stats = ReadStats(total_bytes=4_000_000)
    s = Summary()
    with ProgressBar(console, stats, s) as bar:
        for _ in range(4):
            stats.bytes_read += 1_000_000
            s.documents += 10
            s.failed += 1
            bar.update(s, force=True)
    last = buf.getvalue().replace("\r", "\n").strip().splitlines()[-2:]
    assert any("40 docs" in x and "4 errors" in x and "B/s" in x and "eta" in x for x in last), last
    # Not a terminal (tests run the CLI in a pipe): no bar, only the summary.
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    res = invoke("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert "━" not in res.stderr and "eta" not in res.stderr
    assert "1 document: 1 cleaned, 0 failed" in res.stderr and "removals by rule family: share 1" in res.stderr
    assert invoke("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"), "-q").stderr == ""


def test_document_roundtrip_through_process(cleaner):
    from cleaner.batch import process

    o = process(cleaner, Document(id="x", text="", html=b"\x00\x01binary"))
    assert o.record is None and o.error["error"] == "not-html"
    o = process(cleaner, Failure("f", {"path": "p"}, "decode", "why"))
    assert o.error == {"id": "f", "source": {"path": "p"}, "error": "decode", "message": "why"}


def test_input_record_fields_pass_through_unchanged_even_with_byline_captures(tmp_path, cleaner):
    rec = {"id": "b", "author": "Desk Editor", "date": "2020-03-04", "crawl": "CC",
           "text": "Harbour reopens\nBy John Smith | March 3, 2020\nThe harbour reopened on Monday.\nShips waited."}
    (tmp_path / "r.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    (r,), _, _ = clean_all([tmp_path / "r.jsonl"], cleaner)
    assert r["metadata"] == {"author": "Desk Editor", "date": "2020-03-04", "crawl": "CC"}


def test_a_bug_is_an_internal_error_record_not_a_mislabelled_kind(cleaner, monkeypatch):
    # Only input that is not HTML is "not-html"; any other ValueError is a bug and says so.
    from cleaner import NotHtml
    from cleaner.batch import process

    assert issubclass(NotHtml, ValueError)
    o = process(cleaner, Document(id="x", text="", html=b"\xff\xfe\x00\x00\x00"))
    assert o.error is not None and o.error["error"] in ("not-html", "no-content")

    def broken(*a, **k):
        raise ValueError("overlapping removals at offset 3")

    monkeypatch.setattr("cleaner.api.rebuild", broken)
    o = process(cleaner, Document(id="y", text="Hello.\n"))
    assert o.error["error"] == "internal" and "ValueError: overlapping removals" in o.error["message"]
