"""A ``.json`` file: an array of records (or one record), read element by element.

The file is parsed as a stream, so a large array never sits in memory whole; each element
becomes one document (or one error record). A syntax error ends the file with an error
record saying how many elements were read.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from cleaner.readers.base import Failure, Item
from cleaner.readers.compress import DecompressError, decompressed, peek_head
from cleaner.readers.jsonl import RecordReader, record_item

_WS = " \t\r\n"


class _Stream:
    """Text decoded incrementally from a byte stream, consumed from the front."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False

    def fill(self, at_least: int = 1 << 16) -> bool:
        if self.eof:
            return False
        if self.pos > (1 << 20):
            self.buf, self.pos = self.buf[self.pos :], 0
        raw = self.fh.read(max(at_least, 1 << 16))
        self.buf += self.dec.decode(raw, final=not raw)
        if not raw:
            self.eof = True
        return True

    def skip_ws(self) -> str:
        """The next non-blank character ('' at the end), not consumed."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""


class JsonReader(RecordReader):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._decoder = json.JSONDecoder()

    def read(self) -> Iterator[Item]:
        where = str(self.path) if self.path else "-"
        fh, failure = self._open()
        if fh is None:
            yield failure  # type: ignore[misc]
            return
        index = 0
        try:
            with fh:
                body, _ = decompressed(fh)  # type: ignore[arg-type]
                with body:
                    if b"\x00" in peek_head(body, 8192):
                        yield Failure(self.name, {"path": where}, "decode",
                                      f"{where} has NUL bytes: a binary file, or not UTF-8 (JSON must be UTF-8)")
                        return
                    for item in self._elements(_Stream(body), where):
                        index += 1
                        yield item
        except DecompressError as e:
            yield self._stop(where, index, "decompress", str(e))
        except UnicodeDecodeError as e:
            yield self._stop(where, index, "decode", f"not UTF-8 ({e.reason} at byte {e.start} of a chunk)")
        except OSError as e:
            yield self._stop(where, index, "unreadable", str(e.strerror or e))

    def _stop(self, where: str, index: int, kind: str, why: str) -> Failure:
        src = {"path": where, "index": index}
        return Failure(f"{self.name}:{index}", src, kind, f"reading {where} stopped after {index} records: {why}")

    def _elements(self, s: _Stream, where: str) -> Iterator[Item]:
        first = s.skip_ws()
        if first == "":
            yield Failure(self.name, {"path": where}, "empty", f"{where} is empty: no records")
            return
        if first == "{":  # one record
            ok, value, err = self._value(s)
            if not ok:
                yield Failure(self.name, {"path": where}, err[0], f"{where}: {err[1]}")
                return
            yield record_item(value, self.fields, self.name, {"path": where}, self.max_bytes)
            if s.skip_ws() != "":
                yield self._stop(where, 1, "json", "unexpected data after the record")
            return
        if first != "[":
            yield Failure(self.name, {"path": where}, "json", f"{where} is not a JSON array of records or a record")
            return
        s.pos += 1
        index = 0
        while True:
            c = s.skip_ws()
            if c == "]":
                s.pos += 1
                if s.skip_ws() != "":
                    yield self._stop(where, index, "json", "unexpected data after the closing ]")
                return
            if index:
                if c != ",":
                    yield self._stop(where, index, "json", f"expected , or ] after record {index - 1}")
                    return
                s.pos += 1
                s.skip_ws()
            ok, value, err = self._value(s)
            if not ok:
                yield self._stop(where, index, *err)
                return
            src = {"path": where, "index": index}
            yield record_item(value, self.fields, f"{self.name}:{index}", src, self.max_bytes)
            index += 1

    def _value(self, s: _Stream) -> tuple[bool, Any, tuple[str, str]]:
        """Decode the JSON value at the stream's position, reading more as needed."""
        while True:
            try:
                value, end = self._decoder.raw_decode(s.buf, s.pos)
            except json.JSONDecodeError as e:
                if len(s.buf) - s.pos > 4 * self.max_bytes:
                    return False, None, ("too-large", f"a record is over the limit of {self.max_bytes:,} bytes")
                if s.fill(len(s.buf) - s.pos):
                    continue
                return False, None, ("json", f"invalid JSON: {e.msg} (line {e.lineno} column {e.colno})")
            except RecursionError:
                return False, None, ("json", "a record is nested too deeply to parse")
            if end == len(s.buf) and s.fill():
                continue  # a number cut at the buffer's end: read on and decode again
            s.pos = end
            return True, value, ("", "")
