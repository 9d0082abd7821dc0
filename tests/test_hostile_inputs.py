"""Hostile inputs (issue 15): every input document gives exactly one record or one error record
with a clear message, a bad record never takes its neighbours with it, and nothing hangs.

Inputs are small: limits are lowered (``max_bytes``) so that the code paths of a 120 MB
element or an endless device are taken with a few MB.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from cleaner import Cleaner
from cleaner.readers import base as readers_base
from cleaner.readers.discover import iter_documents
from cleaner.readers.records import Fields
from tests.helpers import clean_all, invoke, make_warc, read_jsonl

GOOD = "The harbour reopened on Monday after repairs that took most of the winter."


def line(i: int) -> str:
    return json.dumps({"id": f"d{i}", "text": f"{i}. {GOOD}"})


def ids(records: list[dict]) -> list[str]:
    return [r["id"] for r in records]


def kinds(errors: list[dict]) -> dict[str, str]:
    return {e["id"]: e["error"] for e in errors}


# ---- one bad record fails alone ----


BAD_VALUES = {
    "huge-int": '{"id": "bad", "text": "t", "n": ' + "9" * 5000 + "}",
    "deep-600": '{"id": "bad", "text": "t", "n": ' + "[" * 600 + "]" * 600 + "}",
    "deep-950": '{"id": "bad", "text": "t", "n": ' + "[" * 950 + "]" * 950 + "}",
    "nul": '{"id": "bad", "text": "a\x00b"}',
    "invalid": '{"id": "bad", "text": tru}',
}


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_a_bad_jsonl_line_fails_alone(tmp_path, cleaner, bad):
    lines = [line(i) for i in range(6)]
    lines[2] = BAD_VALUES[bad]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / "in.jsonl"], cleaner)
    assert ids(recs) == ["d0", "d1", "d3", "d4", "d5"]
    assert len(errs) == 1 and errs[0]["id"] == "in:3" and errs[0]["source"]["line"] == 3
    assert errs[0]["error"] in ("json", "decode") and "line 3" in errs[0]["message"]


@pytest.mark.parametrize("bad", sorted(BAD_VALUES))
def test_a_bad_json_array_element_fails_alone(tmp_path, cleaner, bad):
    elems = [line(i) for i in range(6)]
    elems[2] = BAD_VALUES[bad]
    (tmp_path / "in.json").write_text("[\n" + ",\n".join(elems) + "\n]", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / "in.json"], cleaner)
    assert ids(recs) == ["d0", "d1", "d3", "d4", "d5"]
    assert len(errs) == 1 and errs[0]["id"] == "in:2" and errs[0]["source"]["index"] == 2
    assert errs[0]["error"] in ("json", "decode")
    assert "record 2" in errs[0]["message"] or "index 2" in errs[0]["message"]


def test_a_huge_json_array_element_is_skipped_without_holding_it(tmp_path, cleaner):
    """The 120 MB element, scaled down: a limit of 10 kB and a 1 MB element (over 4x the limit,
    so it is skipped as it streams by); the five elements after it are read."""
    big = json.dumps({"id": "big", "text": "a" * 1_000_000, "more": ["[{" * 10]})
    elems = [line(0), big, *(line(i) for i in range(2, 7))]
    (tmp_path / "in.json").write_text("[" + ",".join(elems) + "]", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / "in.json"], cleaner, max_bytes=10_000)
    assert ids(recs) == ["d0", "d2", "d3", "d4", "d5", "d6"]
    assert [(e["id"], e["error"]) for e in errs] == [("in:1", "too-large")]


def test_a_json_array_cut_short_keeps_what_came_before(tmp_path, cleaner):
    (tmp_path / "a.json").write_text("[" + line(0) + ", " + line(1) + ', {"id": "x", "text": "cut', encoding="utf-8")
    (tmp_path / "b.json").write_text("[" + line(0) + " " + line(1) + "]", encoding="utf-8")
    (tmp_path / "c.json").write_text("[" + line(0) + ",", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / n for n in ("a.json", "b.json", "c.json")], cleaner)
    assert len(recs) == 4 and len(errs) == 3
    assert all(e["error"] == "json" and "stopped after" in e["message"] for e in errs)


def test_a_nul_early_in_a_jsonl_file_fails_only_its_line(tmp_path, cleaner):
    lines = [line(i).encode() for i in range(100)]
    lines[2] = b'{"id": "nul", "text": "a\x00b"}'
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    recs, errs, _ = clean_all([tmp_path / "in.jsonl"], cleaner)
    assert len(recs) == 99 and [(e["id"], e["error"]) for e in errs] == [("in:3", "decode")]
    assert "NUL" in errs[0]["message"]


def test_records_nested_past_the_limit_are_json_errors_and_within_it_are_kept(tmp_path, cleaner):
    ok = {"id": "ok", "text": GOOD, "n": json.loads("[" * 200 + "]" * 200)}
    deep = '{"id": "deep", "text": "t", "n": ' + "[" * 300 + "]" * 300 + "}"
    (tmp_path / "in.jsonl").write_text(json.dumps(ok) + "\n" + deep + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = invoke("clean", str(tmp_path / "in.jsonl"), "-o", str(out), "-w", "1", "-q")
    assert res.exit_code == 1
    assert ids(read_jsonl(out)) == ["ok"]
    err = read_jsonl(tmp_path / "out.jsonl.errors.jsonl")
    assert [e["error"] for e in err] == ["json"] and "256 levels" in err[0]["message"]


def test_a_reader_bug_on_one_record_does_not_end_the_file(tmp_path, cleaner, monkeypatch):
    from cleaner.readers import jsonl, records

    real = records.record_item

    def flaky(rec, *a, **k):
        if isinstance(rec, dict) and rec.get("id") == "d1":
            raise RuntimeError("a bug")
        return real(rec, *a, **k)

    for module in (records, jsonl):  # JSON arrays call it from records.py, JSON Lines from jsonl.py
        monkeypatch.setattr(module, "record_item", flaky)
    (tmp_path / "in.jsonl").write_text("\n".join(line(i) for i in range(4)) + "\n", encoding="utf-8")
    (tmp_path / "in.json").write_text("[" + ",".join(line(i) for i in range(4)) + "]", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / "in.jsonl", tmp_path / "in.json"], cleaner)
    assert ids(recs) == ["d0", "d2", "d3"] * 2
    assert [e["error"] for e in errs] == ["internal", "internal"] and "RuntimeError: a bug" in errs[0]["message"]


# ---- values JSON cannot hold ----


def test_nan_and_infinity_are_written_as_valid_json(tmp_path):
    (tmp_path / "in.jsonl").write_text('{"id": "n", "text": "Hello.", "v": NaN, "w": -Infinity, "x": [Infinity]}\n',
                                       encoding="utf-8")
    pq.write_table(pa.table({"id": ["p"], "text": ["Hi."], "f": [math.nan]}), tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    assert invoke("clean", str(tmp_path), "-o", str(out), "-w", "1", "-q").exit_code == 0
    raw = out.read_text(encoding="utf-8")
    assert "NaN" not in raw.replace('"NaN"', "") and "Infinity" not in raw.replace('"Infinity"', "").replace(
        '"-Infinity"', "")
    recs = [json.loads(x, parse_constant=lambda c: pytest.fail(f"invalid JSON constant {c}")) for x in raw.splitlines()]
    assert recs[0]["metadata"] == {"v": "NaN", "w": "-Infinity", "x": ["Infinity"]}
    assert recs[1]["metadata"] == {"f": "NaN"}


@pytest.mark.parametrize("target", ["out.jsonl", "out.jsonl.gz", "out.parquet"])
def test_lone_surrogates_in_keys_and_values_reach_every_writer(tmp_path, target):
    rec = r'{"id": "s\udc00", "text": "Hi \ud800.", "\ud800k": {"\udfffx": "\ud83d"}}'
    (tmp_path / "in.jsonl").write_text(rec + "\n",
                                       encoding="utf-8")
    out = tmp_path / target
    res = invoke("clean", str(tmp_path / "in.jsonl"), "-o", str(out), "-w", "1", "-q")
    assert res.exit_code == 0, res.stderr
    assert out.exists() and not (tmp_path / f"{target}.tmp").exists()
    if target.endswith(".parquet"):
        row = pq.read_table(out).to_pylist()[0]
        assert row["text"] == "Hi \ufffd." and json.loads(row["metadata"]) == {"\ufffdk": {"\ufffdx": "\ufffd"}}
    else:
        rec = read_jsonl(out)[0]
        assert rec["text"] == "Hi \ufffd." and rec["metadata"] == {"\ufffdk": {"\ufffdx": "\ufffd"}}


# ---- encodings ----


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-32-le", None)])
def test_utf16_and_utf32_with_a_bom_are_read(tmp_path, cleaner, codec, bom):
    bom = bom or b"\xff\xfe\x00\x00"
    text = f"{GOOD}\nZweite Zeile: Grüße."
    page = f'<html><head><meta charset="utf-16"></head><body><article><p>{GOOD} {GOOD}</p></article></body></html>'
    (tmp_path / "a.txt").write_bytes(bom + text.encode(codec))
    (tmp_path / "b.html").write_bytes(bom + page.encode(codec))
    recs, errs, _ = clean_all([tmp_path / "a.txt", tmp_path / "b.html"], cleaner)
    assert errs == []
    assert recs[0]["text"] == text and recs[0]["provenance"]["source"]["encoding"].startswith("utf-")
    assert recs[1]["text"].startswith(GOOD)


@pytest.mark.parametrize("codec,bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"),
                                       ("utf-32-le", b"\xff\xfe\x00\x00")])
def test_jsonl_and_json_in_utf16_or_utf32_with_a_bom(tmp_path, cleaner, codec, bom):
    lines = [json.dumps({"id": f"d{i}", "text": f"{i}. Grüße, {GOOD}"}, ensure_ascii=False) for i in range(300)]
    (tmp_path / "a.jsonl").write_bytes(bom + ("\n".join(lines) + "\n").encode(codec))
    (tmp_path / "b.json").write_bytes(bom + ("[" + ",".join(lines) + "]").encode(codec))
    bad = {"utf-16-le": b"\x00\xdc", "utf-16-be": b"\xdc\x00", "utf-32-le": b"\x00\x00\x11\x00"}[codec]
    (tmp_path / "c.jsonl").write_bytes(bom + (lines[0] + "\n").encode(codec) + bad * 3)  # a lone low surrogate
    recs, errs, _ = clean_all([tmp_path / n for n in ("a.jsonl", "b.json", "c.jsonl")], cleaner)
    assert [r["text"] for r in recs[:600]] == [json.loads(x)["text"] for x in lines] * 2
    assert ids(recs[600:]) == ["d0"] and [e["error"] for e in errs] == ["decode"]


# ---- pipes and devices ----


def test_a_pipe_is_read_once(tmp_path, cleaner):
    """``cleaner clean <(cat x)``: the format is found from the front of the pipe, not by
    reading it and opening it again (which lost what the first read took)."""
    data = "".join(line(i) + "\n" for i in range(2000)).encode()  # well over the 64 KiB sniffed
    r, w = os.pipe()
    t = threading.Thread(target=lambda: (os.write(w, data), os.close(w)))
    t.start()
    try:
        recs, errs, _ = clean_all([f"/dev/fd/{r}"], cleaner)
    finally:
        t.join()
        os.close(r)
    assert len(recs) == 2000 and errs == []


@pytest.mark.parametrize("name", ["fifo", "fifo.jsonl"])
def test_a_fifo_with_or_without_a_suffix(tmp_path, cleaner, name):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    data = "".join(line(i) + "\n" for i in range(300))

    def feed() -> None:
        with open(fifo, "w", encoding="utf-8") as f:
            f.write(data)

    t = threading.Thread(target=feed)
    t.start()
    recs, errs, _ = clean_all([fifo], cleaner)
    t.join()
    assert len(recs) == 300 and errs == []


def test_dev_zero_is_one_too_large_record_not_a_hang(cleaner, monkeypatch):
    monkeypatch.setattr(readers_base, "MEASURE_LIMIT", 4_000_000)
    recs, errs, _ = clean_all(["/dev/zero"], cleaner, max_bytes=100_000)
    assert recs == [] and [(e["id"], e["error"]) for e in errs] == [("zero", "too-large")]
    assert "more than 4,000,000 bytes" in errs[0]["message"]


def test_dev_zero_as_jsonl_ends_with_one_error(cleaner, monkeypatch):
    from cleaner.readers import jsonl

    monkeypatch.setattr(jsonl, "MEASURE_LIMIT", 4_000_000)
    recs, errs, _ = clean_all(["/dev/zero"], cleaner, max_bytes=100_000, input_format="jsonl")
    assert recs == [] and [e["error"] for e in errs] == ["too-large"] and "stopped there" in errs[0]["message"]


# ---- compression ----


def test_gzip_bomb_and_zstd_with_garbage_after_a_frame(tmp_path, cleaner):
    comp = zstandard.ZstdCompressor()
    with open(tmp_path / "bomb.txt.gz", "wb") as f, gzip.GzipFile(fileobj=f, mode="wb", compresslevel=1) as g:
        zeros = b"\0" * (1 << 20)
        for _ in range(64):  # 64 MB of zeros in 64 kB
            g.write(zeros)
    (tmp_path / "tail.jsonl.zst").write_bytes(comp.compress((line(0) + "\n").encode()) + b"garbage after the frame")
    recs, errs, _ = clean_all([tmp_path / "bomb.txt.gz", tmp_path / "tail.jsonl.zst"], cleaner, max_bytes=1_000_000)
    assert ids(recs) == ["d0"]
    assert [e["error"] for e in errs] == ["too-large", "decompress"]


# ---- size limits ----


def test_documents_just_under_and_just_over_the_limit(tmp_path, cleaner):
    limit = 100_000
    under, over = "a " * (limit // 2 - 100), "a " * (limit // 2 + 100)
    (tmp_path / "under.txt").write_text(under, encoding="utf-8")
    (tmp_path / "over.txt").write_text(over, encoding="utf-8")
    (tmp_path / "r.jsonl").write_text(json.dumps({"id": "u", "text": under}) + "\n"
                                      + json.dumps({"id": "o", "text": over}) + "\n", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / n for n in ("under.txt", "over.txt", "r.jsonl")], cleaner, max_bytes=limit)
    assert ids(recs) == ["under", "u"] and kinds(errs) == {"over": "too-large", "r:2": "too-large"}


# ---- HTML ----


def test_hostile_html_pages(tmp_path, cleaner):
    p = f"<p>{GOOD} {GOOD} {GOOD}</p>"
    (tmp_path / "attr.html").write_text(f'<html><body><article><p data-x="{"a" * 5_000_000}">x</p>{p}</article>'
                                        "</body></html>", encoding="utf-8")
    (tmp_path / "charset.html").write_text(f'<html><head><meta charset="x-no-such-charset"></head><body><article>{p}'
                                           "</article></body></html>", encoding="utf-8")
    (tmp_path / "nested.html").write_text("<html><body>" + "<div>" * 100_000 + p + "</div>" * 100_000
                                          + "</body></html>", encoding="utf-8")
    recs, errs, _ = clean_all([tmp_path / n for n in ("attr.html", "charset.html", "nested.html")], cleaner)
    assert ids(recs) == ["attr", "charset"] and all(r["text"].startswith(GOOD) for r in recs)
    assert kinds(errs) == {"nested": "no-content"} and "levels deep" in errs[0]["message"]


# ---- WARC ----


def test_warc_non_html_and_truncated_records(tmp_path, cleaner):
    from tests.helpers import CRAWL

    data, offsets = make_warc(CRAWL[:6])
    (tmp_path / "cut.warc.gz").write_bytes(data[: offsets[5] + 40])  # the last record cut short
    recs, errs, _ = clean_all([tmp_path / "cut.warc.gz"], cleaner)
    assert len(recs) == 1 and [e["error"] for e in errs] == ["warc"]


# ---- ids in --format text ----


def test_hostile_ids_in_a_text_folder(tmp_path):
    bad = ["../../etc/x", "/abs", "con", "a\x00b", "x" * 300, "dup", "dup", "café", "cafe\u0301", "CAFÉ", ""]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps({"id": i, "text": f"{n}. {GOOD}"}) + "\n"
                                               for n, i in enumerate(bad)), encoding="utf-8")
    out = tmp_path / "out"
    res = invoke("clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--format", "text", "-w", "1", "-q")
    assert res.exit_code == 0, res.stderr
    files = sorted(out.iterdir())
    assert len(files) == len(bad) and all(f.parent == out and f.suffix == ".txt" for f in files)
    assert all(len(f.name) < 160 and not f.name.startswith(".") for f in files)
    assert len({f.name.lower() for f in files}) == len(files)
    texts = sorted(f.read_text(encoding="utf-8") for f in files)
    assert texts == sorted(f"{n}. {GOOD}\n" for n in range(len(bad)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out", "out.manifest.json"]


# ---- files ----


def test_symlink_loops_and_dangling_links_in_a_folder(tmp_path, cleaner):
    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(GOOD, encoding="utf-8")
    os.symlink(d / "loop.txt", d / "loop.txt")
    os.symlink(d / "gone.txt", d / "dangling.txt")
    (d / "sub").mkdir()
    os.symlink(d, d / "sub" / "up")  # a folder loop: not followed
    recs, errs, _ = clean_all([d], cleaner)
    assert ids(recs) == ["a"]
    assert sorted((e["id"], e["error"]) for e in errs) == [("dangling", "unreadable"), ("loop", "unreadable")]


def test_a_file_that_disappears_mid_run(tmp_path, cleaner):
    d = tmp_path / "in"
    d.mkdir()
    for i in range(3):
        (d / f"{i}.txt").write_text(f"{i}. {GOOD}", encoding="utf-8")
    items = iter_documents([str(d)], Fields())
    first = next(items)
    (d / "1.txt").unlink()
    rest = list(items)
    assert first.id == "0" and [i.id for i in rest] == ["1", "2"]
    assert getattr(rest[0], "error", None) == "unreadable" and "No such file" in rest[0].message


# ---- library API ----


@pytest.mark.parametrize("value", [None, b"bytes", 5, ["x"]])
def test_clean_text_with_a_wrong_type_is_a_clear_type_error(cleaner, value):
    with pytest.raises(TypeError, match="clean_text\\(\\) needs the text as a str"):
        cleaner.clean_text(value)


def test_clean_text_edge_values_and_clean_html_types(cleaner):
    assert cleaner.clean_text("").text == ""
    r = cleaner.clean_text("a\ud800b")  # kept as given: offsets index into the caller's text
    assert r.text == "a\ud800b"
    with pytest.raises(TypeError, match="clean_html\\(\\) needs the page"):
        cleaner.clean_html(None)
    with pytest.raises(TypeError, match="url must be a str"):
        cleaner.clean_text("x", url=5)
    with pytest.raises(TypeError, match="metadata must be a dict"):
        cleaner.clean_text("x", metadata=["a"])
    with pytest.raises(TypeError, match="takes a cleaner.Document"):
        cleaner.clean("text")


def test_a_pickled_cleaner_works_after_its_rules_folder_is_gone(tmp_path):
    import pickle
    import shutil

    pack = tmp_path / "rules"
    pack.mkdir()
    (pack / "mine.yaml").write_text(
        "version: 1\nname: mine\ndescription: test\nrules:\n  - id: mine.drop\n    description: test\n"
        "    phrases: [Drop this line]\n    action: drop-line\n",
        encoding="utf-8")
    c = Cleaner(rules=[pack], default_rules=False)
    blob = pickle.dumps(c)
    shutil.rmtree(pack)
    again = pickle.loads(blob)
    assert again.clean_text(f"{GOOD}\nDrop this line\n").text == GOOD + "\n"  # the final line break stays


def test_closed_stdout_is_a_documented_exit_code_without_a_traceback(tmp_path):
    import subprocess
    import sys

    (tmp_path / "in.jsonl").write_text("".join(line(i) + "\n" for i in range(3000)), encoding="utf-8")
    cmd = f"{sys.executable} -m cleaner clean {tmp_path / 'in.jsonl'} -w 1 | head -c 100 > /dev/null; " \
          "echo rc=${PIPESTATUS[0]}"
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert "rc=141" in proc.stdout and "stdout was closed" in proc.stderr
    assert "--resume" not in proc.stderr


def test_truncated_stdin(monkeypatch, cleaner):
    """``head -c 1000 big.jsonl | cleaner clean -``: the lines before the cut, then one error."""
    import io
    import sys

    data = "".join(line(i) + "\n" for i in range(100)).encode()[:1000]
    monkeypatch.setattr(sys, "stdin", type("S", (), {"buffer": io.BufferedReader(io.BytesIO(data))})())
    recs, errs, _ = clean_all(["-"], cleaner)
    assert len(recs) == data.count(b"\n") and [(e["id"], e["error"]) for e in errs] == [(f"stdin:{len(recs) + 1}",
                                                                                          "json")]


def test_a_folder_of_many_tiny_files(tmp_path, cleaner):
    """The 20,000-file folder of the issue (which held), scaled to 2,000 to keep the suite
    fast: one item per file, in sorted order. ``docs/reliability.md`` gives the command for
    the full size."""
    d = tmp_path / "many"
    d.mkdir()
    for i in range(2000):
        (d / f"{i:05d}.txt").write_text(f"{i}.", encoding="utf-8")
    items = list(iter_documents([str(d)], Fields()))
    assert [i.id for i in items] == [f"{i:05d}" for i in range(2000)]


def test_a_folder_of_bad_inputs_with_default_workers(tmp_path):
    """The held-out check: a folder of bad inputs, cleaned with the default workers, exits 1
    with no traceback, and every input document is one record or one error record; the bytes
    are those of a one-worker run."""
    import subprocess
    import sys

    d = tmp_path / "bad"
    d.mkdir()
    expected = 0

    def put(name: str, data: bytes, docs: int) -> None:
        nonlocal expected
        (d / name).write_bytes(data)
        expected += docs

    good = [line(i) for i in range(150)]
    put("good.jsonl", ("\n".join(good) + "\n").encode(), 150)
    mixed = good[:20] + list(BAD_VALUES.values())
    put("mixed.jsonl", ("\n".join(mixed) + "\n").encode(), len(mixed))
    put("mixed.json", ("[" + ",".join(mixed) + "]").encode(), len(mixed))
    put("surrogate.jsonl", b'{"id": "s", "text": "x", "\\ud800": NaN}\n', 1)
    put("u16.txt", b"\xff\xfe" + GOOD.encode("utf-16-le"), 1)
    put("binary.txt", b"\x7fELF\x00\x01" * 100, 1)
    put("empty.jsonl", b"", 1)
    put("cut.jsonl.gz", gzip.compress(("\n".join(good[:50]) + "\n").encode())[:-20], 1)  # lines, then one error
    put("nested.html", ("<html><body>" + "<div>" * 3000 + f"<p>{GOOD}</p>" + "</div>" * 3000
                        + "</body></html>").encode(), 1)
    os.symlink(d / "missing.txt", d / "dangling.txt")
    expected += 1
    out1, out2 = tmp_path / "w1" / "o.jsonl", tmp_path / "w" / "o.jsonl"
    env = {**os.environ, "NO_COLOR": "1"}
    base = [sys.executable, "-m", "cleaner", "clean", str(d)]
    p1 = subprocess.run([*base, "-o", str(out1), "-w", "1"], capture_output=True, text=True, env=env)
    p2 = subprocess.run([*base, "-o", str(out2)], capture_output=True, text=True, env=env)  # default workers
    for proc in (p1, p2):
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    recs, errs = read_jsonl(out2), read_jsonl(out2.with_name("o.jsonl.errors.jsonl"))
    n_cut = sum(1 for r in recs if r["provenance"]["source"]["path"].endswith("cut.jsonl.gz"))
    assert len(recs) + len(errs) == expected + n_cut
    assert f"check: {expected + n_cut} documents in = {len(recs)} records out + {len(errs)} error records" in p2.stderr
    assert out1.read_bytes() == out2.read_bytes()
    assert out1.with_name("o.jsonl.errors.jsonl").read_bytes() == out2.with_name("o.jsonl.errors.jsonl").read_bytes()
