"""Plain-text and Markdown files (optionally gzip- or zstd-compressed): one file, one document."""

from __future__ import annotations

import os
from abc import abstractmethod
from collections.abc import Iterator
from typing import IO, Any

from cleaner.document import Document
from cleaner.readers.base import BaseReader, Failure, Item, TooLarge, fingerprint, read_limited
from cleaner.readers.compress import DecompressError, decompressed, open_counted
from cleaner.readers.decode import DecodeError, decode_bytes


class WholeFileReader(BaseReader):
    """A one-document input (text, Markdown, HTML): its bytes are read whole, within the limit."""

    single = True

    def read(self) -> Iterator[Item]:
        loaded = self._load()
        yield loaded if isinstance(loaded, Failure) else self._document(*loaded)

    @abstractmethod
    def _document(self, data: bytes, source: dict[str, Any]) -> Item:
        """The input's whole bytes as its document, or the Failure saying why they are none."""

    def _load(self) -> tuple[bytes, dict[str, Any]] | Failure:
        """The (decompressed) bytes of the input and its source block, or why not."""
        where = self.where
        src: dict[str, Any] = {"path": where}
        fh: IO[bytes]
        try:
            if self.stream is None:
                assert self.path is not None
                size: int | None = os.stat(self.path).st_size
                fh = open_counted(self.path, self.stats)
            else:
                size, fh = None, self.stream
            with fh:
                body, compression = decompressed(fh)  # type: ignore[arg-type]
                if compression:
                    src["compression"] = compression
                elif size is not None and size > self.max_bytes:
                    raise TooLarge(size, self.max_bytes)
                with body:
                    data = read_limited(body, self.max_bytes)
        except TooLarge as e:
            measured = {"bytes": e.size} if e.size is not None else {}
            return Failure(self.name, {**src, **measured}, "too-large", f"{where}: {e}")
        except DecompressError as e:
            why = f"{where} is not a complete {src.get('compression', '')} file: {e}"
            return Failure(self.name, src, "decompress", why)
        except OSError as e:
            return Failure(self.name, src, "unreadable", f"cannot read {where}: {e.strerror or e}")
        src.update(fingerprint(data))
        return data, src


class TextReader(WholeFileReader):
    kind = "text"  # also the Document's kind: "markdown" (MarkdownReader) selects the Markdown packs

    def _document(self, data: bytes, source: dict[str, Any]) -> Item:
        try:
            text, encoding = decode_bytes(data)
        except DecodeError as e:
            return Failure(self.name, source, "decode", f"{source['path']}: {e}")
        if encoding != "utf-8":
            source["encoding"] = encoding
        return Document(id=self.name, text=text, source=source, kind=self.kind)


class MarkdownReader(TextReader):
    kind = "markdown"
