"""Saved web pages (``.html``, ``.htm``, optionally gzipped): one file, one document.

The bytes are kept undecoded: the page's own charset declaration is the best
guide, and extraction reads it (then falls back to detection).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path

from cleaner.document import Document
from cleaner.readers.base import Failure, Item, fingerprint


class HtmlReader:
    def __init__(self, path: Path, doc_id: str):
        self.path = path
        self.doc_id = doc_id

    def read(self) -> Iterator[Item]:
        where = str(self.path)
        try:
            raw = self.path.read_bytes()
        except OSError as e:
            yield Failure(self.doc_id, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")
            return
        source = {"path": where, **fingerprint(raw)}
        if self.path.suffix == ".gz":
            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError, zlib.error) as e:
                yield Failure(self.doc_id, source, "decompress", f"{where} is not a complete gzip file: {e}")
                return
        if not raw.strip():
            yield Failure(self.doc_id, source, "empty", f"{where} is empty")
            return
        yield Document(id=self.doc_id, text="", html=raw, source=source)
