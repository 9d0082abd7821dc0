"""JSON Lines records: ``{"id": ..., "text": ..., ...}``; every other field passes through.

Optionally gzip- or zstd-compressed. A line longer than the document limit is an error record
and is skipped without being held in memory; so is a line that is not a JSON object.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import orjson

from cleaner.readers.base import MEASURE_LIMIT, Failure, Item
from cleaner.readers.compress import DecompressError
from cleaner.readers.records import RecordReader, loads_or_failure, record_item, utf8_stream

__all__ = ["JsonlReader"]


class JsonlReader(RecordReader):
    kind = "jsonl"

    def _records(self, fh: IO[bytes]) -> Iterator[Item]:
        where = self.where
        lineno = 0
        seen = False
        try:
            with utf8_stream(fh) as body:
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
