"""A ``.json`` file: an array of records (or one record), read element by element.

The file is read as a stream, so a large array never sits in memory whole. Each element is
found by matching brackets, then parsed on its own: it becomes one document or one error
record (invalid, too deep, too large), and the elements after it are read. Only data that
breaks the array itself (a missing comma, a cut-short file) ends the file, with an error
record saying how many elements were read.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import IO, Any

from cleaner.readers.base import Failure, Item
from cleaner.readers.compress import DecompressError
from cleaner.readers.records import RecordReader, guarded_item, loads_or_failure, utf8_stream

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


_STRING_BODY = re.compile(r'[^"\\]*(?:\\.[^"\\]*)*', re.S)
_STRUCT = re.compile(r'[\[\]{}",]')


_DECODER = json.JSONDecoder()


class _TooLarge(Exception):
    pass


class _Unterminated(Exception):
    pass


def _span(s: _Stream, limit: int) -> int:
    """The end (in ``s.buf``) of the JSON value starting at ``s.pos``, found by matching
    brackets outside strings, without parsing: a value the parser would refuse (too deep, a
    huge integer, a stray NUL) still has an end, so the values after it are read.

    Raises _TooLarge, with the value skipped and ``s.pos`` after it, when the value is longer
    than ``limit`` characters (it is never held whole), and _Unterminated at the end of data.
    """
    rel = 0  # scan position, relative to s.pos (fill() may move the buffer's start)
    depth = 0
    in_str = False
    skipping = False
    while True:
        buf, base = s.buf, s.pos
        i, n = base + rel, len(s.buf)
        while i < n:
            if in_str:
                j = _STRING_BODY.match(buf, i).end()  # type: ignore[union-attr]
                if j >= n or buf[j] == "\\":  # the string (or an escape) goes on past the buffer
                    i = j
                    break
                in_str, i = False, j + 1
                if depth == 0:
                    return _ended(s, i, skipping)
                continue
            m = _STRUCT.search(buf, i)
            if m is None:
                i = n
                break
            c, j = m.group(), m.start()
            if c == '"':
                in_str, i = True, j + 1
            elif c in "[{":
                depth, i = depth + 1, j + 1
            elif depth == 0:  # , ] or } ends a bare value (a number, true, ...)
                return _ended(s, j, skipping)
            elif c in "]}":
                depth, i = depth - 1, j + 1
                if depth == 0:
                    return _ended(s, i, skipping)
            else:
                i = j + 1
        rel = i - base
        if not skipping and rel > limit:
            skipping = True
        if skipping:  # keep nothing of it
            s.pos, rel = i, 0
        if not s.fill(1 << 20):
            raise _Unterminated


def _ended(s: _Stream, end: int, skipped: bool) -> int:
    if skipped:
        s.pos = end
        raise _TooLarge
    return end


class JsonReader(RecordReader):
    kind = "json"

    def _records(self, fh: IO[bytes]) -> Iterator[Item]:
        where = self.where
        index = 0
        try:
            with utf8_stream(fh) as body:
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
            try:
                yield self._element(s, self.name, {"path": where})
            except _Unterminated:
                yield Failure(self.name, {"path": where}, "json", f"{where}: invalid JSON: the record is cut short")
                return
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
                c = s.skip_ws()
            if c == "":
                yield self._stop(where, index, "json", "invalid JSON: the array is cut short")
                return
            try:
                yield self._element(s, f"{self.name}:{index}", {"path": where, "index": index})
            except _Unterminated:
                yield self._stop(where, index, "json", "invalid JSON: the array is cut short")
                return
            index += 1

    def _element(self, s: _Stream, fallback_id: str, src: dict[str, Any]) -> Item:
        """The value at the stream's position as an item; its own failures are its own."""
        limit = 4 * self.max_bytes  # characters of JSON around a text of at most max_bytes
        what = f"record {src['index']}" if "index" in src else "the record"
        try:  # the fast way: the whole value is in the buffer and parses
            value, end = _DECODER.raw_decode(s.buf, s.pos)
            if end < len(s.buf):  # (a number at the buffer's end may go on past it)
                s.pos = end
                return guarded_item(value, self.fields, fallback_id, src, self.max_bytes)
        except (ValueError, RecursionError):
            pass  # cut by the buffer, or bad: found by its brackets, then parsed alone for the message
        try:
            end = _span(s, limit)
        except _TooLarge:
            return Failure(fallback_id, src, "too-large",
                           f"{what} is over {limit:,} characters of JSON, over the limit (--max-document-mb)")
        text, s.pos = s.buf[s.pos : end], end
        if "\x00" in text:
            return Failure(fallback_id, src, "decode", f"{what} has NUL bytes: binary data, or not UTF-8")
        value = loads_or_failure(text, what, fallback_id, src, lambda e: f"{e.msg} (column {e.colno})")
        if isinstance(value, Failure):
            return value
        return guarded_item(value, self.fields, fallback_id, src, self.max_bytes)
