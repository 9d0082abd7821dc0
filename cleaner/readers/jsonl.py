"""JSON Lines records: ``{"id": ..., "text": ..., ...}``; every other field passes through."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from cleaner.document import Document
from cleaner.readers.base import Failure, Item, fingerprint


@dataclass(frozen=True)
class Fields:
    """Names of the record fields cleaner reads (configurable from the CLI)."""

    text: str = "text"
    html: str = "html"
    id: str = "id"
    url: str = "url"
    language: str = "language"


class JsonlReader:
    def __init__(self, path: Path | None, name: str, fields: Fields, stream: IO[bytes] | None = None):
        self.path = path
        self.name = name
        self.fields = fields
        self.stream = stream

    def _open(self) -> IO[bytes]:
        if self.stream is not None:
            return self.stream
        assert self.path is not None
        if self.path.suffix == ".gz":
            return gzip.open(self.path, "rb")
        return open(self.path, "rb")

    def read(self) -> Iterator[Item]:
        where = str(self.path) if self.path else "-"
        try:
            fh = self._open()
        except OSError as e:
            yield Failure(self.name, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")
            return
        lineno = 0
        try:
            with fh:
                for lineno, raw in enumerate(fh, 1):
                    if not raw.strip():
                        continue
                    yield self._record(raw, lineno, where)
        except (OSError, EOFError) as e:
            yield Failure(f"{self.name}:{lineno + 1}", {"path": where, "line": lineno + 1}, "unreadable",
                          f"reading {where} stopped after line {lineno}: {e}")

    def _record(self, raw: bytes, lineno: int, where: str) -> Item:
        f = self.fields
        fallback_id = f"{self.name}:{lineno}"
        src = {"path": where, "line": lineno}
        try:
            rec = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            return Failure(fallback_id, src, "json", f"line {lineno} is not valid JSON: {e}")
        if not isinstance(rec, dict):
            return Failure(fallback_id, src, "json", f"line {lineno} is a JSON {type(rec).__name__}, not an object")
        rid = rec.get(f.id)
        doc_id = str(rid) if rid not in (None, "") else fallback_id
        text = rec.get(f.text)
        html = rec.get(f.html) if text is None else None
        if not isinstance(text, str) and not isinstance(html, str):
            what = "has no" if text is None else "has a non-string"
            return Failure(doc_id, src, "missing-text", f"record {what} {f.text!r} (or {f.html!r}) field")
        body = text if isinstance(text, str) else html
        src.update(fingerprint(body.encode("utf-8", "surrogatepass")))  # type: ignore[union-attr]
        if rid not in (None, ""):
            src["record_id"] = doc_id
        meta = {k: v for k, v in rec.items() if k not in (f.text, f.id, f.html)}
        url = rec.get(f.url)
        lang = rec.get(f.language)
        return Document(
            id=doc_id,
            text=text if isinstance(text, str) else "",
            html=html if isinstance(html, str) else None,
            url=url if isinstance(url, str) else None,
            language=lang if isinstance(lang, str) else None,
            metadata=meta,
            source=src,
        )
