"""One JSON record per line, to a file (atomically) or to stdout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from cleaner.writers.base import AtomicFile, dumps


class JsonlWriter:
    def __init__(self, path: Path | None):
        self.path = path
        self._file = AtomicFile(path) if path else None

    def write(self, record: dict[str, Any]) -> None:
        line = dumps(record) + "\n"
        if self._file:
            self._file.write(line)
        else:
            sys.stdout.write(line)

    def close(self, ok: bool = True) -> None:
        if self._file:
            self._file.commit() if ok else self._file.abort()
        else:
            sys.stdout.flush()


class ErrorWriter:
    """The errors file appears only when there are errors; a stale one from an earlier run goes."""

    def __init__(self, path: Path):
        self.path = path
        self.count = 0
        self._file: AtomicFile | None = None

    def write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self._file = AtomicFile(self.path)
        self._file.write(dumps(record) + "\n")
        self.count += 1

    def close(self, ok: bool = True) -> None:
        if self._file:
            self._file.commit() if ok else self._file.abort()
        elif ok and self.path.exists():
            self.path.unlink()
