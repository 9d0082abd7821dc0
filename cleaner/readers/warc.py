"""WARC files (Common Crawl ``.warc.gz``, plain ``.warc``, or zstd-compressed) through warcio.

Only HTML responses with a 2xx status are documents; every other record (requests, metadata,
warcinfo, images, redirects) is counted as skipped, not as an error. Each document's source
block carries the record's URL, date and WARC-Record-ID, and its byte offset in the file.

A broken record (corrupt or truncated gzip member, bad headers) becomes one error record; in a
seekable file, reading resumes at the next record boundary found after it.
"""

from __future__ import annotations

import contextlib
import functools
import io
import zlib
from collections.abc import Iterator
from typing import IO, Any

from cleaner.document import Document
from cleaner.readers.base import BaseReader, Failure, Item, TooLarge, read_limited
from cleaner.readers.compress import GZIP_MAGIC, decompressed

HTML_TYPES = ("text/html", "application/xhtml+xml")


class _Truncated(Exception):
    pass


@functools.cache
def _quiet_iterator() -> type:
    """warcio's ArchiveIterator, made quiet: it writes a warning to stderr for a record not
    followed by blank lines, and the batch reports problems in error records instead. Built on
    first use because importing warcio pulls in fsspec, asyncio and ssl (some 35 MB), which a run
    that reads no WARC file, and each of its worker processes, should not pay for."""
    from warcio.archiveiterator import ArchiveIterator

    class QuietIterator(ArchiveIterator):
        def _consume_blanklines(self):  # type: ignore[no-untyped-def]
            with contextlib.redirect_stderr(io.StringIO()):
                return super()._consume_blanklines()

    return QuietIterator


class WarcReader(BaseReader):
    kind = "warc"
    _counted: int  # bytes of the file already added to stats.bytes_read (from 0 at each read())

    def _count(self, fh: IO[bytes]) -> None:
        try:
            pos = fh.tell()
        except (OSError, ValueError):
            return
        if pos > self._counted:
            self.stats.bytes_read += pos - self._counted
            self._counted = pos

    def read(self) -> Iterator[Item]:
        where = self.where
        self._counted = 0
        try:
            fh: IO[bytes] = self.stream if self.stream is not None else open(self.path, "rb")  # type: ignore[arg-type]
        except OSError as e:
            yield Failure(self.name, {"path": where}, "unreadable", f"cannot read {where}: {e.strerror or e}")
            return
        with fh:
            head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""  # type: ignore[attr-defined]
            if head.startswith(GZIP_MAGIC) or not head:
                stream, seekable, gz = fh, fh.seekable(), True
            else:
                stream, compression = decompressed(fh)  # type: ignore[arg-type]
                seekable, gz = compression is None and fh.seekable(), False
            if not head:
                yield Failure(self.name, {"path": where}, "empty", f"{where} is empty: no records")
                return
            yield from self._records(stream, where, seekable, gz)
        self._count(fh)

    def _records(self, fh: IO[bytes], where: str, seekable: bool, gz: bool) -> Iterator[Item]:
        start = fh.tell() if seekable else 0
        while True:
            it = _quiet_iterator()(fh)
            offset = start
            try:
                for record in it:
                    offset = it.offset
                    item = self._item(record, offset, where)
                    self._count(fh)
                    if item is not None:
                        yield item
                if not seekable:
                    return
                # warcio ends quietly at a record cut short inside its headers: look past the last record.
                offset = it.offset
                fh.seek(offset)
                if not fh.read(4096).strip():
                    return
                raise _Truncated("the file ends inside a record")
            except Exception as e:  # noqa: BLE001 - warcio raises many types for bad data
                why = _reason(e)
                offset = getattr(it, "offset", offset)
            src = {"path": where, "offset": offset}
            nxt = _next_record(fh, offset + 1, gz) if seekable else None
            after = f"reading went on at byte {nxt}" if nxt is not None else "the rest of the file was not read"
            yield Failure(f"{self.name}@{offset}", src, "warc", f"broken WARC record at byte {offset} ({why}); {after}")
            if nxt is None:
                return
            fh.seek(nxt)
            start = nxt

    def _item(self, record: Any, offset: int, where: str) -> Item | None:
        rh = record.rec_headers
        if record.rec_type != "response":
            self.stats.skipped[f"WARC {record.rec_type or 'unknown'} records"] += 1
            return None
        http = record.http_headers
        ctype = ((http.get_header("Content-Type") if http else None)
                 or rh.get_header("WARC-Identified-Payload-Type") or "").lower()
        if ctype.split(";")[0].strip() not in HTML_TYPES:
            self.stats.skipped["WARC responses that are not HTML"] += 1
            return None
        status = http.get_statuscode() if http else None
        if not status or not str(status).startswith("2"):
            self.stats.skipped["WARC HTML responses without a 2xx status"] += 1
            return None
        rid = rh.get_header("WARC-Record-ID") or ""
        url = rh.get_header("WARC-Target-URI")
        date = rh.get_header("WARC-Date")
        doc_id = rid.strip("<>") or f"{self.name}@{offset}"
        src: dict[str, Any] = {"path": where, "offset": offset, "warc_record_id": rid, "warc_date": date, "url": url,
                               "http_status": int(status), "content_type": ctype}
        try:
            body = read_limited(record.content_stream(), self.max_bytes)
        except TooLarge as e:
            return Failure(doc_id, {**src, "bytes": e.size}, "too-large", f"{where} at byte {offset}: {e}")
        while record.raw_stream.read(1 << 16):
            pass
        if getattr(record.raw_stream, "limit", 0) > 0:  # fewer bytes than its Content-Length: cut short
            raise _Truncated(f"the record ends {record.raw_stream.limit} bytes short of its Content-Length")
        if not body.strip():
            return Failure(doc_id, src, "empty", f"{where} at byte {offset}: the response has no body")
        return Document(id=doc_id, text="", html=body, url=url, source=src)


def _reason(e: BaseException) -> str:
    msg = " ".join(str(e).split()) or type(e).__name__
    if isinstance(e, (EOFError, zlib.error)):
        msg = f"truncated or corrupt gzip data: {msg}"
    return msg[:200]


def _next_record(fh: IO[bytes], pos: int, gz: bool) -> int | None:
    """The offset of the next record that starts after ``pos``, or None."""
    marker = GZIP_MAGIC + b"\x08" if gz else b"WARC/1."
    block = 1 << 20
    while True:
        fh.seek(pos)
        data = fh.read(block + len(marker))
        if not data:
            return None
        i = data.find(marker)
        while i != -1:
            cand = pos + i
            if _starts_record(fh, cand, gz):
                return cand
            i = data.find(marker, i + 1)
        if len(data) < block + len(marker):
            return None
        pos += block


def _starts_record(fh: IO[bytes], at: int, gz: bool) -> bool:
    fh.seek(at)
    head = fh.read(4096)
    if not gz:
        return head.startswith(b"WARC/1.") and b"\r\n" in head[:12]
    try:
        out = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 16)
    except zlib.error:
        return False
    return out.startswith(b"WARC/")
