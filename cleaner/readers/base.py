"""What every reader yields: a Document to clean, or a Failure that says why not."""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import hashlib
import math
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar

from cleaner.document import Document

if TYPE_CHECKING:  # records.py builds on this module
    from cleaner.readers.records import Fields

# A document (one file, one record, one WARC payload) larger than this is refused with a
# "too-large" error record: web articles are kilobytes, and a 50 MB line is not one.
DEFAULT_MAX_BYTES = 10_000_000


@dataclass
class Failure:
    """An input that could not become a document; written to the errors file, never dropped."""

    id: str
    source: dict[str, Any]
    error: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "error": self.error, "message": self.message, **self.extra}


Item = Document | Failure


@dataclass
class ReadStats:
    """What the readers have seen so far, for the progress bar and the run summary."""

    total_bytes: int | None = None  # sum of the input files' sizes; None while unknown (and for stdin)
    bytes_read: int = 0
    skipped: Counter = field(default_factory=Counter)  # inputs that are not documents, by reason


class BaseReader(ABC):
    """One input (a file, or a stream already open) read into items, after datatrove's
    ``BaseReader``: every format takes the same arguments and has the one method ``read()``, so
    that discovery picks a class from ``READERS`` by kind and needs to know nothing else."""

    kind: ClassVar[str]  # the --input-format name
    single: ClassVar[bool] = False  # one input, one document: --resume skips it without opening it

    def __init__(
        self,
        path: Path | None,
        name: str,
        fields: Fields | None = None,
        stream: IO[bytes] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        stats: ReadStats | None = None,
    ):
        if fields is None:
            from cleaner.readers.records import Fields

            fields = Fields()
        self.path = path
        self.name = name  # the document id (one-document inputs), else the prefix of record ids
        self.fields = fields  # read by the record formats; the others have no fields
        self.stream = stream  # read instead of ``path``: stdin, a pipe, a device
        self.max_bytes = max_bytes
        self.stats = stats if stats is not None else ReadStats()

    @property
    def where(self) -> str:
        """The input as error records name it (``-`` for a stream without a path)."""
        return str(self.path) if self.path is not None else "-"

    @abstractmethod
    def read(self) -> Iterator[Item]:
        """The input's documents in order. Bad data is a Failure item; an exception ends this
        input only (``discover`` files it as one error record)."""


class TooLarge(Exception):
    def __init__(self, size: int | None, limit: int, at_least: int | None = None):
        self.size = size
        self.limit = limit
        what = f"{size:,} bytes" if size is not None else f"more than {at_least or limit:,} bytes"
        super().__init__(f"document is {what}, over the limit of {limit:,} (--max-document-mb)")


# Past this many bytes an over-long document is not measured further: ``/dev/zero`` or a
# decompression bomb has no end worth reading to.
MEASURE_LIMIT = 1 << 26

# Records nested deeper than this are refused: every later step (metadata copying, the
# writers, pickling to workers) walks them, and Python's stack is not unbounded.
MAX_DEPTH = 256


def read_limited(fh: IO[bytes], limit: int) -> bytes:
    """Read a whole stream, or raise TooLarge without holding more than ``limit + 1`` bytes.

    The size reported is measured up to ``MEASURE_LIMIT``; past that it is "more than" it."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        size = len(data)
        while True:  # measure the rest without keeping it
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > MEASURE_LIMIT:
                raise TooLarge(None, limit, at_least=MEASURE_LIMIT)
        raise TooLarge(size, limit)
    return data


def depth_over(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True if containers nest more than ``limit`` levels deep (iterative: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        o, depth = stack.pop()
        children: Iterable[Any]
        if type(o) is dict:
            children = o.values()
        elif type(o) is list or type(o) is tuple:
            children = o
        else:
            continue
        if depth > limit:
            return True
        stack.extend((v, depth + 1) for v in children if type(v) in (dict, list, tuple))
    return False


def fingerprint(raw: bytes) -> dict[str, Any]:
    return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(s: str) -> str:
    """Lone surrogates (from JSON ``\\ud800`` escapes) cannot be written as UTF-8: each becomes
    U+FFFD, one code point for one, so character offsets stay valid."""
    return _SURROGATE.sub("\ufffd", s)


def has_surrogates(s: str) -> bool:
    return _SURROGATE.search(s) is not None


def jsonable(value: Any) -> Any:
    """Parquet and other typed values as JSON values: dates as ISO 8601 strings, decimals as
    strings (no precision lost), bytes as UTF-8 text or else base64, lone surrogates replaced,
    NaN and Infinity (which JSON has no literal for) as the strings ``"NaN"``, ``"Infinity"``."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, float):  # NaN and Infinity are not JSON: written as the strings JSON lacks
        if math.isfinite(value):
            return value
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, str):
        return scrub_surrogates(value) if has_surrogates(value) else value
    if isinstance(value, dict):
        return {jsonable(str(k)): jsonable(v) for k, v in value.items()}  # keys scrubbed too
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            return "base64:" + base64.b64encode(raw).decode("ascii")
    return str(value)
