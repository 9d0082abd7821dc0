"""Bad inputs: every input document yields exactly one record or one error record, and the
batch goes on. The one 50 MB line is written and read in a streaming way."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from cleaner.readers import text as text_reader
from tests.conftest import run_cli
from tests.helpers import ARTICLE, CRAWL, NO_CONTENT, clean_all, make_warc, read_jsonl, zst


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
    monkeypatch.setattr("cleaner.readers.records.open_counted", deny)
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
