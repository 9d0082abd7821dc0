"""Expand command-line inputs (files, folders, ``-``) into readers, in a stable order."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

from cleaner.document import Document
from cleaner.readers.base import Failure, Item, fingerprint
from cleaner.readers.html import HtmlReader
from cleaner.readers.jsonl import Fields, JsonlReader
from cleaner.readers.text import TextReader

TEXT_SUFFIXES = (".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
KINDS = ("auto", "text", "jsonl", "html")


def kind_of(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if name.endswith(HTML_SUFFIXES):
        return "html"
    return None


def _text_id(path: Path, root: Path | None) -> str:
    rel = path.relative_to(root) if root else Path(path.name)
    name = rel.name
    for suffix in HTML_SUFFIXES + JSONL_SUFFIXES + TEXT_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        name = rel.with_suffix("").name
    return (rel.parent / name).as_posix() if rel.parent != Path(".") else name


def iter_documents(inputs: list[str], fields: Fields, input_format: str = "auto") -> Iterator[Item]:
    """Yield every document or failure from the inputs; folders are walked recursively."""
    for raw in inputs:
        if raw == "-":
            yield from _stdin(fields, input_format)
            continue
        path = Path(raw)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p))
            for f in files:
                yield from _read_file(f, path, fields, input_format)
        elif path.exists():
            yield from _read_file(path, None, fields, input_format, explicit=True)
        else:
            yield Failure(raw, {"path": raw}, "not-found", f"no such file or folder: {raw}")


def _read_file(
    path: Path, root: Path | None, fields: Fields, input_format: str, explicit: bool = False
) -> Iterator[Item]:
    kind = input_format if input_format != "auto" else kind_of(path)
    if kind is None:
        # A file named on the command line is read as text whatever its suffix.
        kind = "text" if explicit else None
    if kind == "jsonl":
        yield from JsonlReader(path, _text_id(path, root), fields).read()
    elif kind == "html":
        yield from HtmlReader(path, _text_id(path, root)).read()
    elif kind == "text":
        yield from TextReader(path, _text_id(path, root)).read()


def _stdin(fields: Fields, input_format: str) -> Iterator[Item]:
    data = sys.stdin.buffer.read()
    kind = input_format
    if kind == "auto":
        kind = "jsonl" if data.lstrip()[:1] == b"{" else "text"
    if kind == "jsonl":
        yield from JsonlReader(None, "stdin", fields, stream=io.BytesIO(data)).read()
    elif kind == "html":
        yield Document(id="stdin", text="", html=data, source={"path": "-", **fingerprint(data)})
    else:
        yield from TextReader(None, "stdin", raw=data).read()
