"""Plain-text files: one file, one document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cleaner.document import Document
from cleaner.readers.base import Failure, Item, fingerprint
from cleaner.readers.decode import DecodeError, decode_bytes


class TextReader:
    def __init__(self, path: Path | None, doc_id: str, raw: bytes | None = None):
        self.path = path
        self.doc_id = doc_id
        self.raw = raw

    def read(self) -> Iterator[Item]:
        where = str(self.path) if self.path else "-"
        try:
            raw = self.raw if self.raw is not None else self.path.read_bytes()  # type: ignore[union-attr]
        except OSError as e:
            yield Failure(self.doc_id, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")
            return
        source = {"path": where, **fingerprint(raw)}
        try:
            text, encoding = decode_bytes(raw)
        except DecodeError as e:
            yield Failure(self.doc_id, source, "decode", str(e))
            return
        if encoding != "utf-8":
            source["encoding"] = encoding
        yield Document(id=self.doc_id, text=text, source=source)
