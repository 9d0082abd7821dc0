"""Open inputs whatever their compression: gzip or zstd, recognised by their magic bytes.

Every decompression problem (a truncated gzip or zstd stream, corrupt data) surfaces as
``DecompressError``, so a reader can turn it into an error record; disk errors stay ``OSError``.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zlib
from typing import IO

import zstandard

from cleaner.readers.base import ReadStats

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
COMPRESSION_SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".zst": "zstd", ".zstd": "zstd"}


class DecompressError(Exception):
    pass


def compression_of(head: bytes) -> str | None:
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return None


class _Guard(io.RawIOBase):
    """Turns a decompressor's many error types into DecompressError."""

    def __init__(self, inner: IO[bytes], what: str, owner: IO[bytes] | None = None):
        self.inner = inner
        self.what = what
        self.owner = owner  # the file under the decompressor, closed with it

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        try:
            if isinstance(self.inner, gzip.GzipFile):
                # read1: what one step decompresses, so the data before a truncation is not lost
                # with a larger read that fails.
                data = self.inner.read1(len(b))
                b[: len(data)] = data
                return len(data)
            return self.inner.readinto(b)  # type: ignore[attr-defined]
        except (EOFError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError) as e:
            raise DecompressError(f"{self.what} data is truncated or corrupt ({e})") from None

    def close(self) -> None:
        self.inner.close()
        if self.owner is not None:
            self.owner.close()
        super().close()


class _ZstdRaw(io.RawIOBase):
    """zstd frames one after another; unlike zstandard's stream reader, a truncated last frame
    is an error, not a silent end of data."""

    def __init__(self, fh: IO[bytes]):
        self.fh = fh
        self._d = zstandard.ZstdDecompressor().decompressobj()
        self._in_frame = False
        self._buf = b""
        self._pos = 0
        self._eof = False
        self._error: Exception | None = None  # raised once the data decoded before it is read

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while self._pos >= len(self._buf):
            if self._error is not None:
                raise self._error
            if self._eof:
                return 0
            chunk = self.fh.read(16384)
            if not chunk:
                if self._in_frame:
                    raise EOFError("the last zstd frame is incomplete")
                self._eof = True
                return 0
            self._buf, self._pos = self._feed(chunk), 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n

    def _feed(self, data: bytes) -> bytes:
        out: list[bytes] = []
        while data:
            self._in_frame = True
            try:
                out.append(self._d.decompress(data))
            except zstandard.ZstdError as e:
                if not out:
                    raise
                self._error = e  # garbage after a whole frame: the frame's data is kept
                break
            if not self._d.eof:
                break
            data = self._d.unused_data
            self._d = zstandard.ZstdDecompressor().decompressobj()
            self._in_frame = False
        return b"".join(out)

    def close(self) -> None:
        self.fh.close()
        super().close()


class _Counting(io.RawIOBase):
    """Counts the (compressed) bytes read from disk, for the progress bar."""

    def __init__(self, raw: IO[bytes], stats: ReadStats | None):
        self.raw = raw
        self.stats = stats

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        n = self.raw.readinto(b)  # type: ignore[attr-defined]
        if n and self.stats is not None:
            self.stats.bytes_read += n
        return n

    def seekable(self) -> bool:
        return self.raw.seekable()

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.raw.seek(pos, whence)

    def tell(self) -> int:
        return self.raw.tell()

    def close(self) -> None:
        self.raw.close()
        super().close()


def open_counted(path, stats: ReadStats | None = None) -> io.BufferedReader:
    return io.BufferedReader(_Counting(open(path, "rb", buffering=0), stats), buffer_size=1 << 16)


def decompressed(fh: io.BufferedReader) -> tuple[IO[bytes], str | None]:
    """The stream's content, decompressed if it starts with a gzip or zstd header."""
    kind = compression_of(fh.peek(4)[:4])
    if kind == "gzip":
        return io.BufferedReader(_Guard(gzip.GzipFile(fileobj=fh, mode="rb"), "gzip", fh), 1 << 16), kind
    if kind == "zstd":
        return io.BufferedReader(_Guard(_ZstdRaw(fh), "zstd"), 1 << 16), kind  # type: ignore[arg-type]
    return fh, None


_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


class _Recoded(io.RawIOBase):
    """UTF-16 or UTF-32 text (after its byte-order mark) as UTF-8 bytes, read as it goes. Bytes
    that are not that encoding raise UnicodeDecodeError once the text before them is read."""

    def __init__(self, fh: IO[bytes], encoding: str):
        self.fh = fh
        self.dec = codecs.getincrementaldecoder(encoding)()
        self.encoding = encoding
        self._buf = b""
        self._error: UnicodeDecodeError | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        while not self._buf:
            if self._error is not None:
                raise self._error
            raw = self.fh.read(1 << 16)
            try:
                text = self.dec.decode(raw, final=not raw)
            except UnicodeDecodeError as e:
                text, self._error = e.object[: e.start].decode(self.encoding), e
            if not text and self._error is None:
                if not raw:
                    return 0
                continue
            self._buf = text.encode("utf-8", "surrogatepass")
        n = min(len(b), len(self._buf))
        b[:n], self._buf = self._buf[:n], self._buf[n:]
        return n

    def close(self) -> None:
        self.fh.close()
        super().close()


def as_utf8(fh: IO[bytes]) -> IO[bytes]:
    """A record stream (JSON Lines, JSON) as UTF-8: one that starts with a UTF-16 or UTF-32
    byte-order mark is re-encoded as it is read; any other is returned as it is."""
    head = peek_head(fh, 4)
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            fh.read(len(bom))
            return io.BufferedReader(_Recoded(fh, encoding), 1 << 16)
    return fh


def peek_head(fh: IO[bytes], n: int = 4096) -> bytes:
    """Up to ``n`` bytes from the front of a buffered stream, without consuming them."""
    try:
        return fh.peek(n)[:n]  # type: ignore[attr-defined]
    except (DecompressError, OSError):
        return b""
