"""JSON lines written by orjson and read by orjson are the bytes and values json gives.

``encode_line`` must write exactly what ``json.dumps(record, ensure_ascii=False,
separators=(",", ":"))`` wrote before (with the ``jsonable`` fallback for what json refuses),
and the JSONL reader must yield exactly the documents and error records that ``json.loads``
gave. The references below are the previous implementations, copied here.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import decimal
import enum
import io
import json
import math
import pickle
import uuid
from typing import Any

import orjson
import pytest

from cleaner.readers.base import Failure, jsonable
from cleaner.readers.jsonl import JsonlReader
from cleaner.readers.records import Fields, record_item
from cleaner.writers import base as writer_base
from cleaner.writers.base import encode_line
from cleaner.writers.jsonl import JsonlWriter, OutputFields


def outcome(encode: Any, record: Any) -> Any:
    """The line, or the exception raised (a lone surrogate in a key gets past jsonable)."""
    try:
        return encode(record)
    except Exception as e:  # noqa: BLE001
        return type(e)


def reference_line(record: Any) -> bytes:
    """encode_line as it was: json.dumps, or json.dumps of jsonable(record) when that fails."""
    try:
        return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return (json.dumps(jsonable(record), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class Color(enum.Enum):
    RED = 1


class Mode(str, enum.Enum):
    FAST = "fast"


class Level(enum.IntEnum):
    HIGH = 3


class Text(str):
    pass


class Number(int):
    pass


class Real(float):
    pass


class Mapping(dict):
    pass


class Items(list):
    pass


@dataclasses.dataclass
class Point:
    x: int = 1


def nested(depth: int) -> list:
    out: list = []
    inner = out
    for _ in range(depth - 1):
        inner.append([])
        inner = inner[0]
    return out


FLOATS = [1e16, 1e15, 1e17, 1e22, 1e-4, 1e-5, 1e-7, 1.5e-9, 0.1, 0.8, -0.0, 0.0, 1.5e300, 5e-324, 2.5, -3.75,
          1.7976931348623157e308, 123456789012345.6, math.nan, math.inf, -math.inf]
INTS = [0, -1, 2**53, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**30, -(10**40)]
STRINGS = ["plain", "é ü ß 中文 😀", "\u2028\u2029", "\x00\x01\x1f\x7f", "\b\f\n\r\t", '"\\/', "\ufeff", "\ud800",
           "a\udfffb", "\U0010ffff", ""]
ODD = [(1, "a"), ((1, 2), [3, (4,)]), {1: "int key"}, {True: 1, None: 2, 1.5: 3}, {"\ud800": 1}, Color.RED, Mode.FAST,
       Level.HIGH, Text("sub"), Number(5), Real(1.5), Real(1e-5), Mapping(a=1), Items([1]), {Text("k"): 1},
       collections.OrderedDict(a=1), uuid.UUID(int=12345), dt.datetime(2024, 1, 2, 3, 4, 5), dt.date(2024, 1, 2),
       decimal.Decimal("1.10"), b"bytes", bytearray(b"ab"), {1, 2}, Point(), orjson.Fragment(b"[1,2]"),
       nested(100), nested(300), [1, [2.5, {"a": [None, True, False, 1e-6]}]]]
BATTERY = FLOATS + INTS + STRINGS + ODD


def test_the_battery_holds_values_orjson_writes_differently():
    """The battery is worth something only if plain orjson gets some of it wrong."""
    def differs(v: Any) -> bool:
        try:
            return orjson.dumps({"v": v}) + b"\n" != reference_line({"v": v})
        except orjson.JSONEncodeError:
            return True
    for v in (1e-5, 1e-7, math.nan, math.inf, 2**64, -(2**63) - 1, "\ud800", {1: "int key"}, Color.RED,
              Point(), orjson.Fragment(b"[1,2]"), nested(300)):
        assert differs(v), v
    assert sum(map(differs, BATTERY)) >= 25


@pytest.mark.parametrize("value", BATTERY, ids=lambda v: repr(v)[:40])
def test_encode_line_is_byte_identical_to_json_dumps(value):
    for record in (
        {"v": value},
        {"id": "x", "text": "t", "metadata": {"k": [value, value]}, "provenance": {"counts": {"n": value}}},
        {"id": "x", "provenance": {"rules": {"sha256": "s", "packs": [{"v": value}]}, "other": value}},
        {"id": "x", "provenance": {"rules": {"sha256": "s", "packs": []}}, "text": value},
    ):
        assert outcome(encode_line, record) == outcome(reference_line, record)


def test_every_float_decade_and_many_reprs_are_identical():
    values = [float(f"{m}e{e}") * s for e in range(-325, 309) for m in (1, 1.5, 4.9, 9.999999) for s in (1, -1)]
    record = {"floats": values}
    assert encode_line(record) == reference_line(record)
    for v in values:
        assert encode_line({"f": v}) == reference_line({"f": v})


def test_every_code_point_is_escaped_as_json_does():
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    record = {"s": chars, chars[:3000]: chars[-3000:]}
    assert encode_line(record) == reference_line(record)


def test_a_cyclic_record_still_fails_as_before():
    record: dict[str, Any] = {"a": []}
    record["a"].append(record)
    with pytest.raises(RecursionError):
        reference_line(record)
    with pytest.raises(RecursionError):
        encode_line(record)


def test_ordinary_records_do_not_go_through_json(monkeypatch):
    record = {"id": "a", "text": "Body é\n", "metadata": {"url": "https://x.org", "n": 3, "tags": ["x", None, True]},
              "provenance": {"cleaner": {"options": {"max_removed_share": 0.8, "match_timeout": 0.1}}}}
    expected = reference_line(record)

    def refuse(*a: Any, **k: Any) -> str:
        raise AssertionError("json.dumps used for a plain record")

    monkeypatch.setattr(writer_base, "dumps", refuse)
    assert encode_line(record) == expected


def rules_block(n: int = 130) -> dict[str, Any]:
    return {"sha256": "ab" * 32, "packs": [
        {"name": f"pack-{i}", "version": 1, "path": f"bundled:generic/p{i}.yaml", "sha256": f"{i:064x}", "rules": i % 9}
        for i in range(n)]}


def record_with(rules: dict[str, Any], i: int, text: str = "Body text.") -> dict[str, Any]:
    return {
        "id": f"doc-{i}", "text": f"{text} {i}", "metadata": {"n": i},
        "provenance": {
            "source": {"line": i, "sha256": f"{i:064x}"},
            "cleaner": {"version": "0.1.0", "options": {"max_removed_share": 0.8}},
            "rules": rules,
            "removals": [{"rule": "ads.x", "action": "drop_line", "start": 0, "end": 4, "preview": "Ad é"}],
            "counts": {"chars_in": 10, "chars_out": 6},
            "warnings": [],
        },
    }


def test_shared_rules_block_is_encoded_once_and_identically():
    rules = rules_block()
    records = [record_with(rules, i) for i in range(3)]
    for r in records:
        assert encode_line(r) == reference_line(r)
    entry = writer_base._SHARED.entries[id(rules)]
    assert entry[0] is rules and isinstance(entry[1], orjson.Fragment)
    # Library users keep plain dicts: the record itself is not changed.
    assert all(r["provenance"]["rules"] is rules for r in records)
    assert json.loads(encode_line(records[0]))["provenance"]["rules"] == rules


def test_shared_rules_with_values_orjson_gets_wrong_fall_back_to_json():
    for odd in (1e-5, math.nan, 2**70, "\ud800", (1, 2), {1: 2}, Color.RED):
        rules = rules_block(3)
        rules["packs"][1]["odd"] = odd
        for i in range(2):
            r = record_with(rules, i)
            assert encode_line(r) == reference_line(r), odd


def test_a_record_orjson_refuses_is_encoded_without_the_fragment():
    """A lone surrogate in the text: the fallback must get the record, not the spliced copy."""
    rules = rules_block(5)
    good, bad = record_with(rules, 1), record_with(rules, 2, text="broken \udc80 text")
    assert encode_line(good) == reference_line(good)
    line = encode_line(bad)
    assert line == reference_line(bad)
    assert "Fragment" not in line.decode("utf-8")
    assert json.loads(line)["provenance"]["rules"] == rules


def test_rules_copies_from_worker_processes_encode_identically():
    """Workers return chunks of records pickled together: one copy of the rules per chunk."""
    rules = rules_block()
    records = [record_with(rules, i) for i in range(70)]
    arrived = []
    for k in range(0, len(records), 32):
        arrived += pickle.loads(pickle.dumps(records[k:k + 32]))
    assert arrived[0]["provenance"]["rules"] is arrived[31]["provenance"]["rules"]
    assert arrived[0]["provenance"]["rules"] is not arrived[32]["provenance"]["rules"]
    assert [encode_line(r) for r in arrived] == [reference_line(r) for r in records]
    separate = [pickle.loads(pickle.dumps(r)) for r in records[:5]]
    assert [encode_line(r) for r in separate] == [reference_line(r) for r in records[:5]]


def test_a_replaced_entry_of_the_shared_rules_is_seen():
    rules = rules_block(4)
    r = record_with(rules, 1)
    assert encode_line(r) == reference_line(r)
    rules["sha256"] = "changed"
    assert encode_line(r) == reference_line(r)
    rules["packs"] = [{"name": "only"}]
    assert encode_line(r) == reference_line(r)
    rules["extra"] = 1e-7
    assert encode_line(r) == reference_line(r)


def test_many_distinct_rules_objects_keep_the_cache_small():
    for i in range(20):
        rules = rules_block(2)
        r = record_with(rules, i)
        assert encode_line(r) == reference_line(r)
    assert len(writer_base._SHARED.entries) <= writer_base._SHARED.size


def test_jsonl_writer_with_renamed_provenance_field(tmp_path):
    rules = rules_block(10)
    fields = OutputFields(id="doc_id", text="body", metadata="", provenance="prov")
    records = [record_with(rules, i) for i in range(3)]
    records[1]["text"] = "x\ud800y"
    w = JsonlWriter(tmp_path / "out.jsonl", fields=fields)
    for r in records:
        w.write(r)
    w.close()
    expected = b"".join(reference_line(fields.apply(r)) for r in records)
    assert (tmp_path / "out.jsonl").read_bytes() == expected


def test_real_cleaner_records_encode_identically(cleaner):
    texts = ["A real article body.\nLeave a Reply\nShare this:\nFacebook", "Title\n\nSome text here é.\n"]
    records = [cleaner.clean_text(t, id=f"r{i}", url="https://example.org/a").to_record() for i, t in enumerate(texts)]
    assert records[0]["provenance"]["rules"] is records[1]["provenance"]["rules"]
    for r in records + pickle.loads(pickle.dumps(records)):
        assert encode_line(r) == reference_line(r)


# Reading


def reference_record(reader: JsonlReader, raw: bytes, lineno: int, where: str) -> Any:
    """JsonlReader._record as it was: decode, json.loads, record_item."""
    fallback_id = f"{reader.name}:{lineno}"
    src: dict[str, Any] = {"path": where, "line": lineno}
    if lineno == 1:
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return Failure(fallback_id, src, "decode", f"line {lineno} is not UTF-8: {e}")
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        return Failure(fallback_id, src, "json", f"line {lineno} is not valid JSON: {e}")
    except RecursionError:
        return Failure(fallback_id, src, "json", f"line {lineno} is nested too deeply to parse")
    return record_item(rec, reader.fields, fallback_id, src, reader.max_bytes)


def reference_item(rec: Any, f: Fields, fallback_id: str, src: dict[str, Any], max_bytes: int) -> Any:
    """record_item as it was (the surrogate check by regex before encoding)."""
    from cleaner.readers.base import fingerprint, has_surrogates, scrub_surrogates
    from cleaner.readers.records import Document, _json_type, _where

    if not isinstance(rec, dict):
        return Failure(fallback_id, src, "json", f"{_where(src)} is a JSON {_json_type(rec)}, not an object")
    rid = rec.get(f.id)
    doc_id = str(jsonable(rid)) if rid not in (None, "") else fallback_id
    text = rec.get(f.text)
    html = rec.get(f.html) if text is None else None
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as e:
            return Failure(doc_id, src, "decode", f"{_where(src)}: field {f.text!r} is not UTF-8: {e}")
    if isinstance(html, bytearray):
        html = bytes(html)
    if not isinstance(text, str) and not isinstance(html, (str, bytes)):
        what = "has no" if text is None else "has a non-string"
        return Failure(doc_id, src, "missing-text", f"{_where(src)} {what} {f.text!r} (or {f.html!r}) field")
    body = text if isinstance(text, str) else html
    if isinstance(body, str) and has_surrogates(body):
        body = scrub_surrogates(body)
        src["repaired"] = "lone surrogates replaced by U+FFFD"
    raw = body.encode("utf-8") if isinstance(body, str) else body
    if len(raw) > max_bytes:
        return Failure(doc_id, {**src, "bytes": len(raw)}, "too-large",
                       f"{_where(src)}: document is {len(raw):,} bytes, over the limit of {max_bytes:,}")
    src.update(fingerprint(raw))
    if rid not in (None, ""):
        src["record_id"] = doc_id
    meta = {k: jsonable(v) for k, v in rec.items() if k not in (f.text, f.id, f.html)}
    url = rec.get(f.url)
    lang = rec.get(f.language)
    return Document(
        id=doc_id,
        text=body if isinstance(text, str) else "",
        html=body if not isinstance(text, str) else None,
        url=url if isinstance(url, str) else None,
        language=lang if isinstance(lang, str) else None,
        metadata=meta,
        source=src,
    )


RECORDS = [
    {"id": "a", "text": "plain", "url": "https://x.org", "language": "en", "n": 1.5},
    {"id": 7, "text": "lone \ud800 and \udfff surrogates", "meta": "\udc80"},
    {"text": "\ud83d\ude00 escaped pair, é, \U0010ffff"},
    {"text": b"bytes text \xc3\xa9"}, {"text": bytearray(b"bad \xff")}, {"html": "<p>\ud800</p>"},
    {"html": bytearray(b"<p>x</p>")}, {"html": b"<p>x</p>"}, {"text": 5}, {}, {"id": "", "text": "t"},
    {"id": ["x", 1], "text": "t"}, {"text": "x" * 101}, {"text": "\ud800" * 40}, {"text": "é" * 51},
    {"text": "ok", "html": "<p>ignored</p>"}, [1], "s", None, 2.5,
]


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: repr(r)[:40])
def test_record_item_is_unchanged(rec):
    for limit in (100, 10_000):
        got = record_item(rec, Fields(), "f:1", {"path": "p", "line": 1}, limit)
        want = reference_item(rec, Fields(), "f:1", {"path": "p", "line": 1}, limit)
        assert strict(got) == strict(want)


def strict(v: Any) -> Any:
    """A value with its types spelled out, so 1, 1.0 and True, 0.0 and -0.0, NaN and NaN compare as they should."""
    if isinstance(v, dict):
        return ("dict", [(strict(k), strict(x)) for k, x in v.items()])
    if isinstance(v, (list, tuple)):
        return (type(v).__name__, [strict(x) for x in v])
    if dataclasses.is_dataclass(v):
        return (type(v).__name__, strict(vars(v)))
    return (type(v).__name__, repr(v))


def body(extra: bytes) -> bytes:
    return b'{"text":"Body \xc3\xa9."' + extra + b"}"


def deep(levels: int) -> bytes:
    """json.loads reads 300 levels, stops before 1000 (RecursionError); orjson reads 1024."""
    return b'{"text":"t","deep":' + b"[" * levels + b"]" * levels + b"}"


LINES = [
    body(b',"id":"a","n":1'), body(b',"v":NaN'), body(b',"v":Infinity'), body(b',"v":-Infinity'),
    body(b',"v":18446744073709551615'), body(b',"v":18446744073709551616'), body(b',"v":-9223372036854775809'),
    body(b',"v":123456789012345678901234567890'), body(b',"id":18446744073709551617'),
    body(b',"v":[1e400,-1e400,1e-400]'), body(b',"v":[1e-7,1e16,-0.0,0.1,1.5e300,-0,1E2,2.2250738585072011e-308]'),
    body(b',"v":0.1000000000000000055511151231257827'),
    b'{"text":"lone \\ud800 surrogate","meta":"\\udc00"}', b'{"text":"pair \\ud83d\\ude00","m":"\\uDFFF\\uD800"}',
    b'{"text":"a","text":"b","id":"x","id":"y"}', b'{"text":"raw \x01 control"}', b'{"text":"x\x7fy\xe2\x80\xa8"}',
    b'{"text":"t"} trailing', b'{"text":"t",}', b'[1,]', b'{"text":"t"}\r\n', b'\x0c{"text":"t"}',
    b'\xef\xbb\xbf{"text":"after a BOM"}', b'{"text":"bad \xff utf8"}', b'{"text":"cesu \xed\xa0\x80"}',
    b'{"text":"overlong \xc0\xaf"}', b'{"text":"\\u00e9\\/\\u0000"}', b'[1,2]', b'"just a string"', b'1.5', b'null',
    b'true', b'1e400', b'18446744073709551616', b'NaN', b'{}', b'{"text":null}', b'{"text":5}', b'{"html":"<p>x</p>"}',
    deep(300), deep(1010), deep(5000),
    b'{"text":"t","deep":' + b'{"a":' * 300 + b"1" + b"}" * 300 + b'}',
    b'{"text":"t","big":' + b"[18446744073709551616]" * 1 + b',"nest":[[[[{"x":[-9223372036854775809]}]]]]}',
]


def test_orjson_alone_would_read_some_lines_differently():
    assert type(orjson.loads(b"18446744073709551616")) is float  # json gives the exact int
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(b'{"v":NaN}')
    deep = b"[" * 1000 + b"]" * 1000
    assert orjson.loads(deep)  # json.loads raises RecursionError on this
    with pytest.raises(RecursionError):
        json.loads(deep.decode())


@pytest.mark.parametrize("lineno", [1, 2])
@pytest.mark.parametrize("raw", LINES, ids=lambda b: repr(b)[:50])
def test_reader_gives_the_records_json_gives(raw, lineno):
    reader = JsonlReader(None, "in.jsonl", Fields())
    for line in (raw, raw + b"\n"):
        assert strict(reader._record(line, lineno, "in.jsonl")) == strict(
            reference_record(reader, line, lineno, "in.jsonl")
        )


def test_a_line_json_cannot_convert_is_an_error_record_not_a_lost_file(tmp_path):
    # A 5,000-digit integer is valid JSON that json refuses to convert (ValueError, not
    # JSONDecodeError): that line becomes an error record and the records after it are read.
    from cleaner.readers.base import Failure

    reader = JsonlReader(None, "in.jsonl", Fields())
    raw = b'{"text":"t","v":' + b"9" * 5000 + b"}"
    with pytest.raises(ValueError, match="4300"):
        reference_record(reader, raw, 1, "in.jsonl")
    got = reader._record(raw, 2, "in.jsonl")
    assert isinstance(got, Failure) and got.error == "json" and "line 2" in got.message
    path = tmp_path / "in.jsonl"
    path.write_bytes(b'{"id":"a","text":"one"}\n' + raw + b'\n{"id":"c","text":"three"}\n{"id":"d","text":"four"}\n')
    items = list(JsonlReader(path, "in.jsonl", Fields()).read())
    assert [type(i).__name__ for i in items] == ["Document", "Failure", "Document", "Document"]


def test_whole_file_reads_as_before():
    lines = [raw if raw.endswith(b"\n") else raw + b"\n" for raw in LINES]
    data = b"".join(lines) + b"\n   \n"
    items = list(JsonlReader(None, "in.jsonl", Fields(), stream=io.BufferedReader(io.BytesIO(data))).read())
    reader = JsonlReader(None, "in.jsonl", Fields())
    expected = [reference_record(reader, raw, n, "-") for n, raw in enumerate(lines, 1)]
    assert len(items) == len(LINES)
    assert strict(items) == strict(expected)


def test_ordinary_lines_do_not_go_through_json(monkeypatch):
    reader = JsonlReader(None, "in.jsonl", Fields())
    raw = b'{"id":"a","text":"Body \xc3\xa9.","url":"https://x.org","n":3,"f":0.5,"tags":["a",null,true]}\n'
    expected = reference_record(reader, raw, 1, "in.jsonl")

    def refuse(*a: Any, **k: Any) -> Any:
        raise AssertionError("json.loads used for a plain line")

    monkeypatch.setattr(json, "loads", refuse)
    assert strict(reader._record(raw, 1, "in.jsonl")) == strict(expected)


def test_a_lone_surrogate_in_a_key_is_scrubbed_not_a_crash():
    # Seen in the field: a record whose metadata key holds "\ud800" killed the writer.
    line = encode_line({"id": "x", "text": "t", "metadata": {"k\ud800": "v\udfff"}, "provenance": {}})
    back = json.loads(line)
    assert line.endswith(b"\n") and list(back["metadata"]) == ["k\ufffd"] and back["metadata"]["k\ufffd"] == "v\ufffd"
