"""Saved web pages (``.html``, ``.htm``, optionally gzip- or zstd-compressed): one file, one document.

The bytes are kept undecoded: extraction decodes them (UTF-8, then detection).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cleaner.document import Document
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure, Item, ReadStats
from cleaner.readers.text import load_whole


class HtmlReader:
    def __init__(
        self,
        path: Path | None,
        doc_id: str,
        *,
        stream: IO[bytes] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        stats: ReadStats | None = None,
    ):
        self.path = path
        self.doc_id = doc_id
        self.stream = stream
        self.max_bytes = max_bytes
        self.stats = stats

    def read(self) -> Iterator[Item]:
        loaded = load_whole(self.doc_id, self.path, self.stream, None, self.max_bytes, self.stats)
        if isinstance(loaded, Failure):
            yield loaded
            return
        raw, source = loaded
        if not raw.strip():
            yield Failure(self.doc_id, source, "empty", f"{source['path']} is empty")
            return
        if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            yield Failure(self.doc_id, source, "decode", f"{source['path']} looks like a binary file, not HTML")
            return
        yield Document(id=self.doc_id, text="", html=raw, source=source)
