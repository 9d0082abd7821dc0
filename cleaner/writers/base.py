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

import zstandard

from cleaner.readers.base import jsonable


class Writer(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def checkpoint(self) -> dict[str, Any]: ...
    def close(self, ok: bool = True) -> None: ...


class ResumeError(Exception):
    """What a checkpoint describes is not on disk any more: the run cannot continue from it."""


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


def encode_line(record: dict[str, Any]) -> bytes:
    """One JSON line as UTF-8; values that cannot be (lone surrogates, odd types) are made JSON-safe."""
    try:
        return (dumps(record) + "\n").encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError):
        return (dumps(jsonable(record)) + "\n").encode("utf-8")


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
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        try:
            self.checkpoint()
        finally:
            self.raw.close()
