"""One JSON record per line, to a file (atomically, gzip or zstd by suffix) or to stdout."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cleaner.writers.base import AtomicFile, ResumeError, encode_line, tmp_path


@dataclass(frozen=True)
class OutputFields:
    """Names of the output record's fields. ``metadata=""`` puts the metadata fields (every
    field of an input record but its text and id) at the top level, next to id and text."""

    id: str = "id"
    text: str = "text"
    metadata: str = "metadata"
    provenance: str = "provenance"

    def is_default(self) -> bool:
        return self == OutputFields()

    def apply(self, record: dict[str, Any]) -> dict[str, Any]:
        if self.is_default():
            return record
        out: dict[str, Any] = {self.id: record["id"], self.text: record["text"]}
        meta = record.get("metadata") or {}
        if self.metadata:
            out[self.metadata] = meta
        else:
            clashes = {k: v for k, v in meta.items() if k in (self.id, self.text, self.provenance)}
            out.update((k, v) for k, v in meta.items() if k not in clashes)
            if clashes:
                out["metadata"] = clashes
        if "provenance" in record:  # not with --provenance none
            out[self.provenance] = record["provenance"]
        return out


class JsonlWriter:
    def __init__(self, path: Path | None, resume: dict[str, Any] | None = None, fields: OutputFields | None = None):
        self.path = path
        self.fields = fields or OutputFields()
        self.count = 0
        if path is None and resume:
            raise ResumeError("stdout cannot be resumed")
        self._file = AtomicFile(path, resume["size"] if resume else None) if path else None

    def write(self, record: dict[str, Any]) -> None:
        line = encode_line(self.fields.apply(record), self.fields.provenance)
        if self._file:
            self._file.write(line)
        else:
            sys.stdout.buffer.write(line)
        self.count += 1

    def checkpoint(self) -> dict[str, Any]:
        if self._file:
            return {"size": self._file.checkpoint()}
        sys.stdout.flush()
        return {}

    def close(self, ok: bool = True) -> None:
        if self._file:
            self._file.commit() if ok else self._file.abort()
        else:
            sys.stdout.buffer.flush()


class ErrorWriter:
    """The errors file appears only when there are errors; a stale one from an earlier run goes."""

    def __init__(self, path: Path, resume: dict[str, Any] | None = None):
        self.path = path
        self.count = 0
        self._file: AtomicFile | None = None
        if resume and resume.get("size"):
            self._file = AtomicFile(path, resume["size"])

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self._file = AtomicFile(self.path)
        self._file.write(encode_line(record))
        self.count += 1

    def checkpoint(self) -> dict[str, Any]:
        return {"size": self._file.checkpoint() if self._file else 0}

    def close(self, ok: bool = True) -> None:
        if self._file:
            self._file.commit() if ok else self._file.abort()
        elif ok:
            for stale in (self.path, tmp_path(self.path)):
                if stale.exists():
                    stale.unlink()
