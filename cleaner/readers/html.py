"""Saved web pages (``.html``, ``.htm``, optionally gzip- or zstd-compressed): one file, one document.

The bytes are kept undecoded: extraction decodes them (UTF-8, then detection).
"""

from __future__ import annotations

from typing import Any

from cleaner.document import Document
from cleaner.readers.base import Failure, Item
from cleaner.readers.text import WholeFileReader


class HtmlReader(WholeFileReader):
    kind = "html"

    def _document(self, data: bytes, source: dict[str, Any]) -> Item:
        if not data.strip():
            return Failure(self.name, source, "empty", f"{source['path']} is empty")
        if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return Failure(self.name, source, "decode", f"{source['path']} looks like a binary file, not HTML")
        return Document(id=self.name, text="", html=data, source=source)
