"""Clean text as one ``.txt`` file per document, named safely from its id."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from cleaner.writers.base import AtomicFile

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(doc_id: str, max_len: int = 120) -> str:
    """A file name that cannot climb out of the folder, whatever the id holds."""
    name = _UNSAFE.sub("_", doc_id).strip("._") or "doc"
    if len(name) > max_len or name != doc_id.replace("/", "_"):
        # Keep distinct ids distinct once their unsafe characters are folded.
        digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = f"{name[:max_len]}-{digest}"
    return name


class TextDirWriter:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self._used: set[str] = set()

    def write(self, record: dict[str, Any]) -> None:
        name = safe_name(str(record["id"]))
        base, n = name, 1
        while name in self._used:
            n += 1
            name = f"{base}-{n}"
        self._used.add(name)
        f = AtomicFile(self.folder / f"{name}.txt")
        text = record["text"]
        f.write(text if text.endswith("\n") or not text else text + "\n")
        f.commit()

    def close(self, ok: bool = True) -> None:
        pass
