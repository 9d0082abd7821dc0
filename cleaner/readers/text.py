"""Plain-text and Markdown files (optionally gzip- or zstd-compressed): one file, one document."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cleaner.document import Document
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure, Item, ReadStats, TooLarge, fingerprint, read_limited
from cleaner.readers.compress import DecompressError, decompressed, open_counted
from cleaner.readers.decode import DecodeError, decode_bytes


def load_whole(
    doc_id: str,
    path: Path | None,
    stream: IO[bytes] | None,
    raw: bytes | None,
    max_bytes: int,
    stats: ReadStats | None,
) -> tuple[bytes, dict[str, Any]] | Failure:
    """The (decompressed) bytes of a one-document input and its source block, or why not."""
    where = str(path) if path is not None else "-"
    src: dict[str, Any] = {"path": where}
    if raw is not None:
        stream = io.BufferedReader(io.BytesIO(raw))  # type: ignore[arg-type]
    try:
        if stream is None:
            assert path is not None
            size = os.stat(path).st_size
            fh = open_counted(path, stats)
        else:
            size, fh = None, stream
        with fh:
            body, compression = decompressed(fh)  # type: ignore[arg-type]
            if compression:
                src["compression"] = compression
            elif size is not None and size > max_bytes:
                raise TooLarge(size, max_bytes)
            with body:
                data = read_limited(body, max_bytes)
    except TooLarge as e:
        size = {"bytes": e.size} if e.size is not None else {}
        return Failure(doc_id, {**src, **size}, "too-large", f"{where}: {e}")
    except DecompressError as e:
        return Failure(doc_id, src, "decompress", f"{where} is not a complete {src.get('compression', '')} file: {e}")
    except OSError as e:
        return Failure(doc_id, src, "unreadable", f"cannot read {where}: {e.strerror or e}")
    src.update(fingerprint(data))
    return data, src


class TextReader:
    def __init__(
        self,
        path: Path | None,
        doc_id: str,
        raw: bytes | None = None,
        *,
        stream: IO[bytes] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        stats: ReadStats | None = None,
        kind: str = "text",
    ):
        self.path = path
        self.kind = kind  # "markdown" for .md files: the Markdown packs apply
        self.doc_id = doc_id
        self.raw = raw
        self.stream = stream
        self.max_bytes = max_bytes
        self.stats = stats

    def read(self) -> Iterator[Item]:
        loaded = load_whole(self.doc_id, self.path, self.stream, self.raw, self.max_bytes, self.stats)
        if isinstance(loaded, Failure):
            yield loaded
            return
        data, source = loaded
        try:
            text, encoding = decode_bytes(data)
        except DecodeError as e:
            yield Failure(self.doc_id, source, "decode", f"{source['path']}: {e}")
            return
        if encoding != "utf-8":
            source["encoding"] = encoding
        yield Document(id=self.doc_id, text=text, source=source, kind=self.kind)
