"""JSON Lines records: ``{"id": ..., "text": ..., ...}``; every other field passes through.

Optionally gzip- or zstd-compressed. A line longer than the document limit is an error record
and is skipped without being held in memory; so is a line that is not a JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from cleaner.document import Document
from cleaner.readers.base import (
    DEFAULT_MAX_BYTES,
    MAX_DEPTH,
    MEASURE_LIMIT,
    Failure,
    Item,
    ReadStats,
    depth_over,
    fingerprint,
    jsonable,
    scrub_surrogates,
)
from cleaner.readers.compress import DecompressError, as_utf8, decompressed, open_counted

MARKDOWN_NAMES = ("markdown", "md", "text/markdown")


@dataclass(frozen=True)
class Fields:
    """Names of the record fields cleaner reads (configurable from the CLI)."""

    text: str = "text"
    html: str = "html"
    id: str = "id"
    url: str = "url"
    language: str = "language"


def record_item(rec: Any, fields: Fields, fallback_id: str, src: dict[str, Any], max_bytes: int) -> Item:
    """One input record (JSON object, Parquet row) as a Document, or a Failure saying why not.

    The text (or HTML) field is what gets cleaned; every other field goes to ``metadata`` as it is.
    """
    f = fields
    if not isinstance(rec, dict):
        return Failure(fallback_id, src, "json", f"{_where(src)} is a JSON {_json_type(rec)}, not an object")
    if depth_over(rec):
        return Failure(fallback_id, src, "json", f"{_where(src)} is nested more than {MAX_DEPTH} levels deep")
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
    assert body is not None
    if isinstance(body, str):
        try:  # lone surrogates are the only code points UTF-8 cannot hold; encoding finds them fastest
            raw = body.encode("utf-8")
        except UnicodeEncodeError:
            body = scrub_surrogates(body)
            src["repaired"] = "lone surrogates replaced by U+FFFD"
            raw = body.encode("utf-8")
    else:
        raw = body
    if len(raw) > max_bytes:
        return Failure(doc_id, {**src, "bytes": len(raw)}, "too-large",
                       f"{_where(src)}: document is {len(raw):,} bytes, over the limit of {max_bytes:,}")
    src.update(fingerprint(raw))
    if rid not in (None, ""):
        src["record_id"] = doc_id
    meta = {k: jsonable(v) for k, v in rec.items() if k not in (f.text, f.id, f.html)}
    url = rec.get(f.url)
    lang = rec.get(f.language)
    declared = rec.get("format")  # a record may say its text is Markdown: {"format": "markdown"}
    return Document(
        kind="markdown" if isinstance(declared, str) and declared.lower() in MARKDOWN_NAMES else "text",
        id=doc_id,
        text=body if isinstance(text, str) else "",  # type: ignore[arg-type]
        html=body if not isinstance(text, str) else None,
        url=url if isinstance(url, str) else None,
        language=lang if isinstance(lang, str) else None,
        metadata=meta,
        source=src,
    )


def guarded_item(rec: Any, fields: Fields, fallback_id: str, src: dict[str, Any], max_bytes: int) -> Item:
    """``record_item``, with a bug failing this record only, never the records after it."""
    try:
        return record_item(rec, fields, fallback_id, src, max_bytes)
    except Exception as e:  # noqa: BLE001
        return Failure(fallback_id, src, "internal", f"{_where(src)}: {type(e).__name__}: {e}")


def _json_type(v: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(v), "null")


def _where(src: dict[str, Any]) -> str:
    for key in ("line", "row", "index"):
        if key in src:
            return f"{key} {src[key]}"
    return "the record"


class RecordReader:
    """What the record formats (JSONL, JSON, Parquet) share: a source, its name and field names."""

    def __init__(
        self,
        path: Path | None,
        name: str,
        fields: Fields,
        stream: IO[bytes] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        stats: ReadStats | None = None,
    ):
        self.path = path
        self.name = name
        self.fields = fields
        self.stream = stream
        self.max_bytes = max_bytes
        self.stats = stats

    def _open(self) -> tuple[IO[bytes] | None, Failure | None]:
        """The byte stream to read, or the error record saying why there is none."""
        try:
            return (self.stream if self.stream is not None else open_counted(self.path, self.stats)), None
        except OSError as e:
            where = str(self.path) if self.path else "-"
            return None, Failure(self.name, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")


class JsonlReader(RecordReader):

    def read(self) -> Iterator[Item]:
        where = str(self.path) if self.path else "-"
        fh, failure = self._open()
        if fh is None:
            yield failure  # type: ignore[misc]
            return
        lineno = 0
        seen = False
        try:
            with fh:
                body, compression = decompressed(fh)  # type: ignore[arg-type]
                body = as_utf8(body)
                with body:
                    limit = self.max_bytes
                    while True:
                        raw = body.readline(limit + 1)
                        if not raw:
                            break
                        lineno += 1
                        if len(raw) > limit and not raw.endswith(b"\n"):
                            rest = _skip_line(body)
                            src = {"path": where, "line": lineno}
                            if rest is None:  # no end in sight (/dev/zero, a bomb): the file ends here
                                yield Failure(f"{self.name}:{lineno}", src, "too-large",
                                              f"line {lineno} is over {MEASURE_LIMIT:,} bytes long; "
                                              f"reading {where} stopped there")
                                return
                            size = len(raw) + rest
                            yield Failure(f"{self.name}:{lineno}", {**src, "bytes": size}, "too-large",
                                          f"line {lineno} is {size:,} bytes, over the limit of {limit:,}")
                            continue
                        if not raw.strip():
                            continue
                        seen = True
                        yield self._guarded_record(raw, lineno, where)
        except DecompressError as e:
            yield Failure(f"{self.name}:{lineno + 1}", {"path": where, "line": lineno + 1}, "decompress",
                          f"reading {where} stopped after line {lineno}: {e}")
            return
        except OSError as e:
            yield Failure(f"{self.name}:{lineno + 1}", {"path": where, "line": lineno + 1}, "unreadable",
                          f"reading {where} stopped after line {lineno}: {e.strerror or e}")
            return
        except UnicodeDecodeError as e:  # a UTF-16 or UTF-32 file (by its byte-order mark) that is not
            yield Failure(f"{self.name}:{lineno + 1}", {"path": where, "line": lineno + 1}, "decode",
                          f"reading {where} stopped after line {lineno}: {e}")
            return
        if not seen:
            yield Failure(self.name, {"path": where}, "empty", f"{where} is empty: no records")

    def _guarded_record(self, raw: bytes, lineno: int, where: str) -> Item:
        """One line's item; a bug on one line fails that line only, never its neighbours."""
        try:
            return self._record(raw, lineno, where)
        except Exception as e:  # noqa: BLE001
            src = {"path": where, "line": lineno}
            return Failure(f"{self.name}:{lineno}", src, "internal", f"line {lineno}: {type(e).__name__}: {e}")

    def _record(self, raw: bytes, lineno: int, where: str) -> Item:
        fallback_id = f"{self.name}:{lineno}"
        src: dict[str, Any] = {"path": where, "line": lineno}
        if lineno == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        rec = _fast_loads(raw)
        if rec is not _SLOW:
            return record_item(rec, self.fields, fallback_id, src, self.max_bytes)
        if b"\x00" in raw:
            return Failure(fallback_id, src, "decode", f"line {lineno} has NUL bytes: binary data, or not UTF-8")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            return Failure(fallback_id, src, "decode", f"line {lineno} is not UTF-8: {e}")
        rec = loads_or_failure(line, f"line {lineno}", fallback_id, src, str)
        if isinstance(rec, Failure):
            return rec
        return record_item(rec, self.fields, fallback_id, src, self.max_bytes)


def loads_or_failure(
    text: str, what: str, fallback_id: str, src: dict[str, Any], detail: Callable[[json.JSONDecodeError], str]
) -> Any:
    """``json.loads(text)``, or the ``json`` Failure that says why not (``what`` names the record,
    ``detail`` words the syntax error): the one place a record's JSON errors are worded."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        return Failure(fallback_id, src, "json", f"{what} is not valid JSON: {detail(e)}")
    except RecursionError:
        return Failure(fallback_id, src, "json", f"{what} is nested too deeply to parse")
    except ValueError as e:  # valid JSON that json will not convert, e.g. an integer of 5,000 digits
        return Failure(fallback_id, src, "json", f"{what} cannot be read: {e}")


_SLOW = object()
_BIG = float(2**63)
_MAX_DEPTH = 256


def _fast_loads(raw: bytes) -> Any:
    """``json.loads(raw.decode("utf-8"))`` by orjson, or ``_SLOW`` where the two might differ.

    orjson refuses what json would refuse (and checks UTF-8 as strictly as ``bytes.decode``),
    but also some lines json reads: NaN and Infinity, numbers too large for a double, lone
    surrogate escapes such as ``"\\ud800"``. Those, and every line orjson refuses, go the
    json way, so they end as before (their error records and messages included). Two
    results differ silently, and are checked for in what orjson returns: an integer beyond
    64 bits comes back as a float (so a float of 2**63 or more is read again by json), and
    orjson reads 1024 levels of nesting where json stops at about 1000 less the caller's
    stack depth with a RecursionError (so anything deeper than 256 levels is read again).
    """
    try:
        rec = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return _SLOW
    t = type(rec)
    if t is float:
        return rec if -_BIG < rec < _BIG else _SLOW
    if t is not dict and t is not list:
        return rec
    stack: list[tuple[Any, int]] = [(rec, 1)]
    while stack:
        o, depth = stack.pop()
        for v in o.values() if type(o) is dict else o:
            t = type(v)
            if t is dict or t is list:
                if depth >= _MAX_DEPTH:
                    return _SLOW
                stack.append((v, depth + 1))
            elif t is float and not -_BIG < v < _BIG:
                return _SLOW
    return rec


def _skip_line(fh: IO[bytes]) -> int | None:
    """Read past the rest of an over-long line; return how many bytes that was, or None if it
    went on past ``MEASURE_LIMIT`` bytes (then the rest of the stream is not read)."""
    n = 0
    while True:
        chunk = fh.readline(1 << 20)
        n += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return n
        if n > MEASURE_LIMIT:
            return None
