"""Writers publish their file only when the run finishes: a killed run leaves ``NAME.tmp``,
never a truncated file that looks complete.

Every writer can ``checkpoint()``: flush what it has written and return the small state
``--resume`` needs to continue from exactly there (for a file, its byte size). A compressed
file ends its gzip member or zstd frame at each checkpoint, so the ``.tmp`` cut back to a
checkpoint's size is a valid compressed file, and what is appended after it is one too
(concatenated gzip members and zstd frames are one stream to every reader).
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import IO, Any, Protocol

import orjson
import zstandard

from cleaner import faults
from cleaner.readers.base import jsonable


class Writer(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def checkpoint(self) -> dict[str, Any]: ...
    def close(self, ok: bool = True) -> None: ...


class ResumeError(Exception):
    """What a checkpoint describes is not on disk any more: the run cannot continue from it."""


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def _stdlib_line(record: dict[str, Any]) -> bytes:
    """The reference encoding: what ``encode_line`` must produce, byte for byte."""
    try:
        return (dumps(record) + "\n").encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return (dumps(jsonable(record)) + "\n").encode("utf-8")


# orjson writes what json.dumps writes (UTF-8, same escapes, same key order) for plain
# values, with these exceptions, all found by comparing the two:
#   - floats of magnitude 1e-10 to 1e-4: json writes 1.5e-05 and 1e-07, orjson 0.000015 and
#     1e-7 (1e16, 1.5e300, 5e-324 and the shortest digits all agree); NaN and Infinity become null;
#   - enums, UUIDs, dataclasses, datetimes and orjson.Fragment are written by orjson but
#     refused by json (so today they go through ``jsonable``);
#   - it refuses ints beyond 64 bits, non-str keys (json writes 1 as "1"), lone surrogates,
#     and nesting deeper than about 255 levels.
# So orjson gets only records made of exact dicts, lists, tuples, str, int, bool and None,
# and floats whose orjson text is their repr (checked one by one: a few per record); anything
# else, and anything orjson refuses, is encoded as before. The passthrough options make
# orjson refuse subclasses, datetimes and dataclasses too, should one get past the scan.
_ORJSON_OPTS = (
    orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)
_LINE_OPTS = _ORJSON_OPTS | orjson.OPT_APPEND_NEWLINE
_LEAVES = frozenset({str, int, bool, type(None)})
_SCAN_LIMIT = 100_000  # containers: a cyclic record must not make the scan loop forever
_GOOD_FLOATS: dict[float, bool] = {}  # floats orjson writes as json does (0.8 and 0.1 in every record)


def _float_same(f: float) -> bool:
    if f in _GOOD_FLOATS:  # only 0.0 and -0.0 are equal and different, and both are written alike
        return True
    if orjson.dumps(f) != float.__repr__(f).encode("ascii"):  # json writes finite floats by repr
        return False
    if len(_GOOD_FLOATS) >= 1024:
        _GOOD_FLOATS.clear()
    _GOOD_FLOATS[f] = True
    return True


def _plain(obj: Any, fragment: Any = None) -> bool:
    """True if orjson encodes ``obj`` exactly as json.dumps does, or refuses it. ``fragment``
    is the one orjson.Fragment allowed in it (the writer's own, standing for a sub-object)."""
    if type(obj) is not dict:
        return False
    stack: list[Any] = [obj]
    budget = _SCAN_LIMIT
    leaves = _LEAVES
    while stack:
        budget -= 1
        if budget < 0:
            return False
        o = stack.pop()
        for v in o.values() if type(o) is dict else o:
            t = type(v)
            if t in leaves:
                continue
            if t is dict or t is list or t is tuple:
                stack.append(v)
            elif t is float:
                if not _float_same(v):
                    return False
            elif v is not fragment or fragment is None:
                return False
    return True


class _SharedEncodings:
    """Sub-objects that are the same object in every record of a run (the ``rules`` block of
    the provenance, ``Cleaner._rules_info``: 130-odd rule packs), encoded once as an
    orjson.Fragment and spliced into each record's encoding.

    Entries are keyed by ``id()`` and hold the object, so the id cannot be reused while the
    entry lives. Records cleaned in worker processes arrive unpickled: the records of one chunk
    share one copy (pickle keeps shared references), so a new copy is encoded once per chunk
    and the oldest entries go. A hit also checks that the object still has the same keys and
    the same value objects as when it was encoded; an edit deep inside it would not be seen,
    so such objects must not be changed once written (Cleaner never changes its own).
    """

    def __init__(self, size: int = 4):
        self.size = size
        self.entries: dict[int, tuple[Any, Any, tuple[Any, ...], tuple[Any, ...], tuple[int, ...]]] = {}

    def fragment(self, obj: dict[str, Any]) -> Any:
        """The orjson.Fragment of ``obj``, or None if orjson cannot encode it as json does."""
        key = id(obj)
        entry = self.entries.get(key)
        if (
            entry is not None
            and entry[0] is obj
            and tuple(obj) == entry[2]
            and tuple(map(id, obj.values())) == entry[4]
        ):
            return entry[1]
        frag = None
        if _plain(obj):
            try:
                frag = orjson.Fragment(orjson.dumps(obj, option=_ORJSON_OPTS))
            except orjson.JSONEncodeError:
                frag = None
        values = tuple(obj.values())  # held, so the ids compared on a hit stay unique
        while len(self.entries) >= self.size and key not in self.entries:
            self.entries.pop(next(iter(self.entries)), None)
        self.entries.pop(key, None)
        self.entries[key] = (obj, frag, tuple(obj), values, tuple(map(id, values)))
        return frag


_SHARED = _SharedEncodings()


def encode_line(record: dict[str, Any], provenance: str = "provenance") -> bytes:
    """One JSON line as UTF-8; values that cannot be (lone surrogates, odd types) are made JSON-safe.

    The bytes are json.dumps's (compact, ensure_ascii=False), written by orjson when that
    gives the same bytes. ``record[provenance]["rules"]`` is encoded once per run, not once
    per record (see ``_SharedEncodings``).
    """
    doc = record
    frag = None
    if type(record) is dict:
        prov = record.get(provenance)
        if type(prov) is dict:
            rules = prov.get("rules")
            if type(rules) is dict:
                frag = _SHARED.fragment(rules)
                if frag is not None:
                    prov = dict(prov)
                    prov["rules"] = frag
                    doc = dict(record)
                    doc[provenance] = prov
        if _plain(doc, frag):
            try:
                return orjson.dumps(doc, option=_LINE_OPTS)
            except orjson.JSONEncodeError:
                pass
    return _stdlib_line(record)


def compression_for(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in (".gz", ".gzip"):
        return "gzip"
    if suffix in (".zst", ".zstd"):
        return "zstd"
    return None


def tmp_path(path: Path) -> Path:
    return path.with_name(path.name + ".tmp")


class AtomicFile:
    """``path`` written as ``path.tmp`` (compressed by the final name's suffix), renamed by commit()."""

    def __init__(self, path: Path, resume_size: int | None = None):
        self.path = path
        self.tmp = tmp_path(path)
        self.compression = compression_for(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume_size is None:
            self.raw: IO[bytes] = open(self.tmp, "wb")
        else:
            if not self.tmp.exists() and path.exists() and path.stat().st_size >= resume_size:
                # The killed run had renamed this file into place but not all of its others: the
                # checkpoint still stands (it is removed last), so take the file back and go on.
                os.replace(path, self.tmp)
            try:
                actual = self.tmp.stat().st_size
            except OSError as e:
                raise ResumeError(f"{self.tmp} is missing") from e
            if actual < resume_size:
                raise ResumeError(f"{self.tmp} is shorter ({actual} bytes) than the checkpoint says ({resume_size})")
            self.raw = open(self.tmp, "r+b")
            self.raw.truncate(resume_size)
            self.raw.seek(resume_size)
        self._member: Any = None

    def write(self, data: bytes) -> None:
        if self.compression is None:
            self.raw.write(data)
            return
        if self._member is None:
            if self.compression == "gzip":
                self._member = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, compresslevel=6, mtime=0)
            else:
                self._member = zstandard.ZstdCompressor(level=3).stream_writer(self.raw, closefd=False)
        self._member.write(data)

    def checkpoint(self) -> int:
        """End the compressed member, flush; the file's size, a point a resumed run can cut back to."""
        if self._member is not None:
            self._member.close()
            self._member = None
        self.raw.flush()
        return self.raw.tell()

    def commit(self) -> None:
        self.checkpoint()
        self.raw.close()
        faults.point("rename")
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.checkpoint()
        finally:
            self.raw.close()
