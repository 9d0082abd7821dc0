"""The reader registry: every input format is a BaseReader in READERS under its kind, found from
a file's name and from --input-format, and read here from a sample."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cleaner.document import Document
from cleaner.readers.base import BaseReader, ReadStats
from cleaner.readers.discover import FORMATS, KINDS, NAME_KINDS, READERS, SINGLE, iter_documents, split_name
from tests.helpers import CRAWL, HARBOUR, invoke, make_warc, read_jsonl


def _parquet() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": ["r"], "text": ["Body words."]}), buf)
    return buf.getvalue()


# A file of each kind (its name says the kind), with one document in it. A new reader needs one.
SAMPLES: dict[str, tuple[str, bytes]] = {
    "text": ("a.txt", b"Plain words.\n"),
    "markdown": ("a.md", b"# Title\n\nSome [linked](https://x.org) words.\n"),
    "html": ("a.html", HARBOUR),
    "jsonl": ("a.jsonl", b'{"id": "r", "text": "Body words."}\n'),
    "json": ("a.json", b'[{"id": "r", "text": "Body words."}]'),
    "warc": ("a.warc.gz", make_warc(CRAWL[:3])[0]),
    "parquet": ("a.parquet", _parquet()),
}


def test_every_reader_is_registered_under_its_kind():
    assert FORMATS == ("text", "markdown", "html", "jsonl", "json", "warc", "parquet")
    assert KINDS == ("auto", *FORMATS)
    for kind, cls in READERS.items():
        assert issubclass(cls, BaseReader) and cls.kind == kind
    assert SINGLE == ("text", "markdown", "html")  # one input, one document: skipped unopened on --resume
    assert set(NAME_KINDS.values()) == set(READERS)  # every kind has a file name that says it
    assert set(SAMPLES) == set(READERS)


def _key(item) -> tuple:
    return type(item).__name__, item.id, getattr(item, "kind", None), item.source


@pytest.mark.parametrize("kind", list(READERS))
def test_every_kind_is_read_by_name_by_input_format_and_by_its_class(tmp_path, kind):
    name, data = SAMPLES[kind]
    path = tmp_path / name
    path.write_bytes(data)
    assert split_name(name) == ("a", kind)
    by_name = list(iter_documents([str(path)]))
    assert [type(i) for i in by_name] == [Document]
    assert by_name[0].kind == ("markdown" if kind == "markdown" else "text")
    assert by_name[0].text or by_name[0].html
    forced = list(iter_documents([str(path)], input_format=kind))
    direct = list(READERS[kind](path, "a", stats=ReadStats()).read())  # the one constructor, defaults for the rest
    assert [_key(i) for i in forced] == [_key(i) for i in direct] == [_key(i) for i in by_name]
    # And from the CLI, with the name saying nothing.
    (tmp_path / "in.dat").write_bytes(data)
    out = tmp_path / "out.jsonl"
    res = invoke("clean", str(tmp_path / "in.dat"), "--input-format", kind, "-o", str(out), "-q")
    assert res.exit_code == 0, res.stderr
    assert len(read_jsonl(out)) == 1
