"""Expand command-line inputs (files, folders, ``-``) into documents, in a stable order.

The format of each input comes from ``--input-format``, else from its name (compression
suffixes ``.gz``/``.zst`` aside), else from its first bytes. Compression is always found from
the magic bytes, whatever the name says. Folders are walked recursively in sorted order and
contribute the files whose name says a known format.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import zstandard

from cleaner import faults
from cleaner.readers.base import DEFAULT_MAX_BYTES, BaseReader, Failure, Item, ReadStats
from cleaner.readers.compress import COMPRESSION_SUFFIXES, DecompressError, compression_of, open_counted
from cleaner.readers.html import HtmlReader
from cleaner.readers.jsonarray import JsonReader
from cleaner.readers.jsonl import JsonlReader
from cleaner.readers.parquet import ParquetReader
from cleaner.readers.records import Fields
from cleaner.readers.text import MarkdownReader, TextReader
from cleaner.readers.warc import WarcReader

# Every input format, by its --input-format name: a new format is a BaseReader subclass added here.
READERS: dict[str, type[BaseReader]] = {
    cls.kind: cls
    for cls in (TextReader, MarkdownReader, HtmlReader, JsonlReader, JsonReader, WarcReader, ParquetReader)
}
FORMATS = tuple(READERS)
KINDS = ("auto", *FORMATS)
NAME_KINDS = {
    ".txt": "text", ".text": "text",
    ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".jsonl": "jsonl", ".ndjson": "jsonl",
    ".json": "json",
    ".warc": "warc",
    ".parquet": "parquet", ".pq": "parquet",
}  # fmt: skip
SINGLE = tuple(kind for kind, cls in READERS.items() if cls.single)  # one input, one document


class InputsChanged(Exception):
    """--resume found other inputs than the killed run's: fewer documents, other files or sizes,
    or other documents where the killed run had read its first ones."""


class InputDigest:
    """What a run has read, so that ``--resume`` can check it reads the same thing.

    ``listing`` hashes the inputs' paths and sizes; a hash chain runs over the items in
    order, each item keyed by its id, source block, content hash and metadata (an error
    record by its kind and message). A one-document file is keyed by its path, size and
    modification time instead, so a resumed run can skip it without opening it.
    ``expect`` is the checkpoint's ``state()``: reading stops with InputsChanged where the
    inputs differ from it, before anything new is written.
    """

    def __init__(self, expect: dict | None = None, track: bool = True):
        self.expect = expect if isinstance(expect, dict) else None
        self.track = track  # keep the chain at each item for state(): off when nothing checkpoints
        self.listing = ""
        self.n = 0
        self._chain = hashlib.sha256(b"cleaner inputs").digest()
        self._at: dict[int, bytes] = {}

    def list_sources(self, sources: list[Source]) -> None:
        rows = [[s.where, s.size if s.path is not None and not s.stream else None] for s in sources]
        self.listing = hashlib.sha256(json.dumps(rows).encode("utf-8", "surrogatepass")).hexdigest()
        if self.expect and self.expect.get("listing") not in (None, self.listing):
            raise InputsChanged("the input files, or their sizes, are not the ones the checkpoint was written for")

    def add(self, item: Item | None, src: Source, single: bool, keep: bool = True) -> None:
        """The next item (``None``: a one-document file skipped unopened)."""
        self.n += 1
        if not (self.track or self.expect):
            return  # nothing will ask: no hashing
        key = self.file_key(src) if single or item is None else self.item_key(item)
        self._chain = hashlib.sha256(self._chain + hashlib.sha256(key).digest()).digest()
        if keep and self.track:
            self._at[self.n] = self._chain

    def check(self) -> None:
        """At the end of the skipped items: are they the ones the killed run read?"""
        if self.expect and self.expect.get("done") == self.n and self.expect.get("read") not in (None, self.hex()):
            raise InputsChanged(f"the first {self.n:,} documents are not the ones the killed run read")

    def hex(self) -> str:
        return self._chain.hex()

    def state(self, done: int) -> dict:
        """The checkpoint's record of the first ``done`` items (older ones are forgotten)."""
        chain = self._at.get(done, self._chain if done == self.n else b"")
        for k in [k for k in self._at if k <= done]:
            del self._at[k]
        return {"listing": self.listing, "done": done, "read": chain.hex()}

    @staticmethod
    def item_key(item: Item) -> bytes:
        if isinstance(item, Failure):
            fields: list = ["failure", item.id, item.error, item.message, item.source]
        else:
            fields = ["document", item.id, item.source, item.metadata, item.url, item.language]
        return json.dumps(fields, sort_keys=True, default=str).encode("utf-8", "surrogatepass")

    @staticmethod
    def file_key(src: Source) -> bytes:
        assert src.path is not None, "only a one-document file is keyed by its file"
        try:
            st = os.stat(src.path)
            stat: list = [st.st_size, st.st_mtime_ns]
        except OSError as e:
            stat = [type(e).__name__]
        return json.dumps(["file", src.where, *stat]).encode("utf-8", "surrogatepass")


def split_name(name: str) -> tuple[str, str | None]:
    """A file name's stem and the format it names: ``a.jsonl.gz`` -> (``a``, ``jsonl``)."""
    lower = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            name, lower = name[: -len(suffix)], lower[: -len(suffix)]
            break
    for suffix, kind in NAME_KINDS.items():
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return name[: -len(suffix)], kind
    stem = Path(name).stem if Path(name).suffix else name
    return stem, None


def kind_of(path: Path) -> str | None:
    return split_name(path.name)[1]


_HTML_START = re.compile(rb"\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)


def sniff(head: bytes) -> str:
    """The format of a (possibly compressed) input from its first bytes."""
    comp = compression_of(head)
    if comp is not None:
        head = _inflate(head, comp)
    if head.startswith(b"PAR1"):
        return "parquet"
    h = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if h.startswith(b"WARC/"):
        return "warc"
    if h.startswith(b"["):
        return "json"
    if h.startswith(b"{"):
        first, nl, _ = h.partition(b"\n")
        if nl:
            try:
                return "jsonl" if isinstance(json.loads(first), dict) else "json"
            except (ValueError, RecursionError):
                return "json"  # a pretty-printed record
        return "jsonl"
    if _HTML_START.match(h):
        return "html"
    return "text"


def _inflate(head: bytes, comp: str) -> bytes:
    try:
        if comp == "gzip":
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 8192)
        return zstandard.ZstdDecompressor().decompressobj().decompress(head)[:8192]
    except (zlib.error, zstandard.ZstdError):
        return b""


@dataclass
class Source:
    """One input to read: a file, or stdin (``path`` None)."""

    where: str
    path: Path | None
    ident: str  # the document id (one-document inputs) or the prefix of record ids
    kind: str | None
    size: int | None = None
    failure: Failure | None = None
    stream: bool = False  # a pipe, FIFO or device: opened once, its format found from what it sends


def _ident(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root else Path(path.name)
    stem, _ = split_name(rel.name)
    return (rel.parent / stem).as_posix() if rel.parent != Path(".") else stem


def _sniff_file(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            return sniff(fh.read(1 << 16))
    except OSError:
        return "text"  # the reader reports why it cannot be read


def _walk(folder: Path, exclude: set[Path]) -> list[Path]:
    """A folder's input files: known formats, not cleaner's own outputs and work files."""
    found = []
    for p in folder.rglob("*"):
        broken_link = p.is_symlink() and not p.exists()  # dangling or looping: an error record, not a silent skip
        own = p.name.endswith((".checkpoint.json", ".manifest.json"))
        if not (p.is_file() or broken_link) or not kind_of(p) or own:
            continue
        if any(part.endswith(".tmp") for part in p.relative_to(folder).parts[:-1]):
            continue  # parts of an unfinished Parquet or text-folder output
        if exclude and not broken_link and p.resolve() in exclude:
            continue
        found.append(p)
    return sorted(found)


def discover(
    inputs: list[str], input_format: str = "auto", stats: ReadStats | None = None, exclude: set[Path] | None = None
) -> list[Source]:
    """Every input, in order, with its format; sizes add up to ``stats.total_bytes``.

    ``exclude``: resolved paths a folder walk leaves out (the run's own output and errors files).
    """
    forced = input_format if input_format != "auto" else None
    sources: list[Source] = []
    for raw in inputs:
        if raw == "-":
            sources.append(Source("-", None, "stdin", forced))
            continue
        path = Path(raw)
        if path.is_dir():
            for f in _walk(path, exclude or set()):
                sources.append(Source(str(f), f, _ident(f, path), forced or kind_of(f)))
        elif path.exists() and not path.is_file():  # <(cmd), a FIFO, /dev/stdin: it can be read only once
            sources.append(Source(raw, path, _ident(path, None), forced or kind_of(path), stream=True))
        elif path.exists():
            sources.append(Source(raw, path, _ident(path, None), forced or kind_of(path) or _sniff_file(path)))
        else:
            fail = Failure(raw, {"path": raw}, "not-found", f"no such file or folder: {raw}")
            sources.append(Source(raw, None, raw, None, failure=fail))
    if stats is not None:
        total: int | None = 0
        for s in sources:
            if s.stream:
                total = None  # a pipe's size is not known in advance
            elif s.path is not None:
                try:
                    s.size = s.path.stat().st_size
                except OSError:
                    s.size = 0
                if total is not None:
                    total += s.size
            elif s.failure is None:
                total = None  # stdin: no total, no ETA
        stats.total_bytes = total
    return sources


def iter_documents(
    inputs: list[str],
    fields: Fields | None = None,
    input_format: str = "auto",
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    stats: ReadStats | None = None,
    skip: int = 0,
    exclude: set[Path] | None = None,
    digest: InputDigest | None = None,
) -> Iterator[Item]:
    """Yield every document or failure from the inputs, in a stable order.

    ``skip`` drops that many items from the front (``--resume``); one-document files among
    them are not even opened. ``digest`` records what was read (and checks it, see InputDigest).
    """
    fields = fields or Fields()
    stats = stats if stats is not None else ReadStats()
    digest = digest if digest is not None else InputDigest(track=False)
    sources = discover(inputs, input_format, stats, exclude)
    digest.list_sources(sources)
    remaining = skip
    if not remaining:
        digest.check()
    for src in sources:
        single = src.kind in SINGLE and src.path is not None and not src.stream and src.failure is None
        if remaining and single:
            remaining -= 1
            digest.add(None, src, single, keep=False)
            stats.bytes_read += src.size or 0
            if not remaining:
                digest.check()
            continue
        reader = [src.failure] if src.failure is not None else _guarded(src, _read(src, fields, max_bytes, stats))
        for item in reader:
            if remaining:
                remaining -= 1
                digest.add(item, src, single, keep=False)
                if not remaining:
                    digest.check()
                continue
            digest.add(item, src, single)
            faults.point("read")
            yield item
    if remaining:
        raise InputsChanged(f"the inputs hold {skip - remaining} documents, but the checkpoint has {skip} done")


def _read(src: Source, fields: Fields, max_bytes: int, stats: ReadStats) -> Iterator[Item]:
    """The source's items, by the reader its kind names (a generator: opening fails inside _guarded)."""
    stream: io.BufferedReader | None = None
    kind = src.kind
    if src.path is None or src.stream:  # stdin, a pipe or a device: read once, sniffed from the front
        # (sys.stdin.buffer is typed BinaryIO, but is a BufferedReader: sniffing needs its peek())
        stream = cast(io.BufferedReader, sys.stdin.buffer) if src.path is None else open_counted(src.path, stats)
        if kind is None:
            kind = sniff(stream.peek(1 << 16)[: 1 << 16])
    reader = READERS.get(kind or "text", TextReader)  # an unknown kind reads as text, as it always did
    yield from reader(src.path, src.ident, fields, stream, max_bytes=max_bytes, stats=stats).read()


def _guarded(src: Source, items: Iterator[Item]) -> Iterator[Item]:
    """A reader bug ends that input with an error record, not the batch."""
    try:
        yield from items
    except (InputsChanged, KeyboardInterrupt):
        raise
    except DecompressError as e:
        yield Failure(src.ident, {"path": src.where}, "decompress", f"reading {src.where} failed: {e}")
    except OSError as e:
        yield Failure(src.ident, {"path": src.where}, "unreadable", f"reading {src.where} failed: {e.strerror or e}")
    except Exception as e:  # noqa: BLE001
        why = f"reading {src.where} failed: {type(e).__name__}: {e}"
        yield Failure(src.ident, {"path": src.where}, "internal", why)
