"""Clean text as one ``.txt`` file per document, named safely from its id.

Files go to ``FOLDER.tmp/`` while the run lasts and move into ``FOLDER`` when it ends. A
manifest there lists the names written, in order: it is what a checkpoint measures, and on
``--resume`` the files written after the last checkpoint are removed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path
from typing import Any

from cleaner import faults
from cleaner.writers.base import ResumeError, tmp_path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MANIFEST = ".manifest"


def safe_name(doc_id: str, max_len: int = 120) -> str:
    """A file name that cannot climb out of the folder, whatever the id holds.

    Only ``A-Z a-z 0-9 . _ -`` survive, never at the start (no hidden files, no ``..``);
    an id that had to change gets a short hash of itself, so distinct ids stay distinct.
    """
    name = _UNSAFE.sub("_", doc_id).strip("._-") or "doc"
    if name.split(".")[0].lower() in _RESERVED:
        name = f"_{name}"
    if len(name) > max_len or name != doc_id.replace("/", "_"):
        digest = hashlib.sha256(doc_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        name = f"{name[:max_len]}-{digest}"
    return name


class TextDirWriter:
    def __init__(self, folder: Path, resume: dict[str, Any] | None = None):
        self.folder = folder
        self.tmp = tmp_path(folder)
        self.count = 0
        self._used: set[str] = set()
        manifest = self.tmp / MANIFEST
        if resume is None:
            if self.tmp.exists():
                shutil.rmtree(self.tmp)
            self.tmp.mkdir(parents=True)
            self._manifest = open(manifest, "wb")
        else:
            size = resume["manifest"]
            if not manifest.exists() or manifest.stat().st_size < size:
                raise ResumeError(f"{manifest} is missing or shorter than the checkpoint says")
            self._manifest = open(manifest, "r+b")
            self._manifest.truncate(size)
            self._manifest.seek(0)
            names = set(self._manifest.read().decode("utf-8").split())
            self._used = {n.lower() for n in names}
            for f in self.tmp.iterdir():
                if f.name != MANIFEST and f.name.removesuffix(".txt") not in names:
                    f.unlink()  # written after the checkpoint: it will be written again
            self._manifest.seek(size)

    def write(self, record: dict[str, Any]) -> None:
        name = safe_name(str(record["id"]))
        base, n = name, 1
        while name.lower() in self._used:  # lower: case-insensitive file systems
            n += 1
            name = f"{base}-{n}"
        self._used.add(name.lower())
        text = record["text"]
        data = (text if text.endswith("\n") or not text else text + "\n").encode("utf-8", "replace")
        part = self.tmp / f"{name}.txt.part"
        part.write_bytes(data)
        os.replace(part, self.tmp / f"{name}.txt")
        self._manifest.write(name.encode() + b"\n")
        self.count += 1

    def checkpoint(self) -> dict[str, Any]:
        self._manifest.flush()
        return {"manifest": self._manifest.tell()}

    def close(self, ok: bool = True) -> None:
        self._manifest.close()
        if not ok:
            return
        faults.point("rename")
        (self.tmp / MANIFEST).unlink()
        if not self.folder.exists():
            os.replace(self.tmp, self.folder)
            return
        for f in sorted(self.tmp.iterdir()):
            os.replace(f, self.folder / f.name)
        self.tmp.rmdir()
