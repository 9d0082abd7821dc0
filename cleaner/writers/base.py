"""Writers publish their file only when the run finishes: a killed run leaves a ``.tmp``,
never a truncated file that looks complete."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import IO, Any


def dumps(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class AtomicFile:
    def __init__(self, path: Path):
        self.path = path
        self.tmp = path.with_name(path.name + ".tmp")
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = open(self.tmp, "wb")
        self.fh: IO[str]
        if path.suffix == ".gz":
            self.fh = gzip.open(raw, "wt", encoding="utf-8")  # type: ignore[assignment]
            self._raw: IO[bytes] | None = raw
        else:
            raw.close()
            self.fh = open(self.tmp, "w", encoding="utf-8", newline="\n")
            self._raw = None

    def write(self, s: str) -> None:
        self.fh.write(s)

    def commit(self) -> None:
        self.fh.close()
        if self._raw is not None:
            self._raw.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        if self._raw is not None:
            self._raw.close()
