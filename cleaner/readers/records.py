"""Input records (JSON objects, Parquet rows, Spark rows) as documents: shared by every record
format, so that a record becomes the same Document, or the same error record, however it came."""

from __future__ import annotations

import json
from abc import abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from cleaner.document import Document
from cleaner.readers.base import (
    MAX_DEPTH,
    BaseReader,
    Failure,
    Item,
    depth_over,
    fingerprint,
    jsonable,
    scrub_surrogates,
)
from cleaner.readers.compress import as_utf8, decompressed, open_counted

MARKDOWN_NAMES = ("markdown", "md", "text/markdown")


@dataclass(frozen=True)
class Fields:
    """Names of the record fields cleaner reads (configurable from the CLI).

    None: the records have no such field (Spark: a column the DataFrame lacks)."""

    text: str | None = "text"
    html: str | None = "html"
    id: str | None = "id"
    url: str | None = "url"
    language: str | None = "language"


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
    if isinstance(text, str):
        text, raw = _encoded(text, src)
    elif isinstance(html, str):
        html, raw = _encoded(html, src)
    elif isinstance(html, bytes):
        raw = html
    else:
        what = "has no" if text is None else "has a non-string"
        return Failure(doc_id, src, "missing-text", f"{_where(src)} {what} {_body_fields(f)} field")
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
        text=text if isinstance(text, str) else "",
        html=html,
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


def _encoded(body: str, src: dict[str, Any]) -> tuple[str, bytes]:
    """The body and its UTF-8 bytes. Lone surrogates are the only code points UTF-8 cannot
    hold (encoding finds them fastest): they become U+FFFD, and the source block says so."""
    try:
        return body, body.encode("utf-8")
    except UnicodeEncodeError:
        body = scrub_surrogates(body)
        src["repaired"] = "lone surrogates replaced by U+FFFD"
        return body, body.encode("utf-8")


def _body_fields(f: Fields) -> str:
    """``'text' (or 'html')``: the fields a body is read from, as a missing-text error names them."""
    if f.text is None or f.html is None:
        return repr(f.html if f.text is None else f.text)
    return f"{f.text!r} (or {f.html!r})"


def _json_type(v: Any) -> str:
    return {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}.get(type(v), "null")


def _where(src: dict[str, Any]) -> str:
    for key in ("line", "row", "index"):
        if key in src:
            return f"{key} {src[key]}"
    return "the record"


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


@contextmanager
def utf8_stream(fh: IO[bytes]) -> Iterator[IO[bytes]]:
    """A record file's bytes decompressed, and re-encoded as UTF-8 if it is UTF-16 or UTF-32;
    the file is closed after."""
    with fh:
        body, _ = decompressed(fh)  # type: ignore[arg-type]
        body = as_utf8(body)
        with body:
            yield body


class RecordReader(BaseReader):
    """The streamed record formats (JSON Lines, JSON): the input is opened, then read in one pass
    by ``_records``. (Parquet needs random access, and opens its input itself.)"""

    def read(self) -> Iterator[Item]:
        fh = self._open()
        if isinstance(fh, Failure):
            yield fh
            return
        yield from self._records(fh)

    @abstractmethod
    def _records(self, fh: IO[bytes]) -> Iterator[Item]:
        """The open input's records in order (its text through ``utf8_stream``)."""

    def _open(self) -> IO[bytes] | Failure:
        """The byte stream to read, or the error record saying why there is none."""
        if self.stream is not None:
            return self.stream
        try:
            return open_counted(self.path, self.stats)
        except OSError as e:
            where = self.where
            return Failure(self.name, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")
