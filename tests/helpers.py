"""What the reader, writer and CLI tests share: the CLI run in this process, inputs made on the
spot (compressed, WARC), and reading the outputs back.

Inputs are small and made here, so the tests need no data files but the two fixtures pages.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import zstandard
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner import Cleaner
from cleaner.batch import Summary, run_batch
from cleaner.readers.discover import iter_documents
from cleaner.readers.records import Fields
from tests.conftest import ROOT

_CLEANERS: dict = {}


def invoke(*args: str, stdin: bytes | None = None):
    """The CLI in this process (a subprocess pays ~2 s to start and compile the rules); bundled
    rule sets are compiled once per option set and reused."""
    from unittest import mock

    from typer.testing import CliRunner

    from cleaner import run as run_module
    from cleaner.cli import app as app_module

    real = run_module.load_cleaner

    def cached(rules, no_default, **kw):
        if rules or no_default:
            return real(rules, no_default, **kw)
        key = tuple(sorted(kw.items()))
        if key not in _CLEANERS:
            _CLEANERS[key] = real(rules, no_default, **kw)
        return _CLEANERS[key]

    with mock.patch.object(run_module, "load_cleaner", cached):
        return CliRunner().invoke(app_module.app, list(args), input=stdin, catch_exceptions=False)


HARBOUR = (ROOT / "fixtures" / "html" / "harbour.html").read_bytes()
NO_CONTENT = (ROOT / "fixtures" / "html" / "empty.html").read_bytes()
HARBOUR_URL = "https://www.example.com/news/harbour-reopens"
ARTICLE = "The harbour reopened on Monday after repairs that took most of the winter.\nShare Button\n"

def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


class ListWriter:
    def __init__(self) -> None:
        self.records: list[dict] = []

    def write(self, record: dict) -> None:
        self.records.append(record)

    def checkpoint(self) -> dict:
        return {}

    def close(self, ok: bool = True) -> None:
        pass


def clean_all(inputs: list, cleaner: Cleaner, **kw) -> tuple[list[dict], list[dict], Summary]:
    out, errs = ListWriter(), ListWriter()
    items = iter_documents([str(i) for i in inputs], kw.pop("fields", Fields()), **kw)
    s = run_batch(items, cleaner, out, errs)
    assert s.documents == len(out.records) + len(errs.records)
    return out.records, errs.records, s


def read_jsonl(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    if path.suffix == ".zst":
        data = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(path.read_bytes()), read_across_frames=True)
        return [json.loads(x) for x in data.read().decode().splitlines()]
    with opener(path, "rt", encoding="utf-8") as f:
        return [json.loads(x) for x in f]


def make_warc(records: list[tuple], gz: bool = True) -> tuple[bytes, list[int]]:
    """(kind, url, body, content type, status) records as a WARC; returns its bytes and record offsets."""
    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    # Fixed record ids and dates: the bytes (and so what a truncated record looks like) never vary.
    ids = iter(range(1, 10_000))
    w._make_warc_id = lambda *a, **k: f"<urn:uuid:00000000-0000-4000-8000-{next(ids):012d}>"
    w.curr_warc_date = lambda: "2026-01-02T03:04:05Z"
    offsets = []
    for kind, url, body, ctype, status in records:
        offsets.append(buf.tell())
        if kind == "warcinfo":
            w.write_record(w.create_warcinfo_record("test.warc.gz", {"software": "cleaner tests"}))
            continue
        if kind == "request":
            http = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "www.example.com")], is_http_request=True)
            w.write_record(w.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=http))
            continue
        http = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))
    return buf.getvalue(), offsets


CRAWL = [
    ("warcinfo", None, None, None, None),
    ("request", HARBOUR_URL, None, None, None),
    ("response", HARBOUR_URL, HARBOUR, "text/html; charset=utf-8", "200 OK"),
    ("response", "https://www.example.com/logo.png", b"\x89PNG\r\n\x1a\n....", "image/png", "200 OK"),
    ("response", "https://www.example.com/gone", b"<html><body>gone</body></html>", "text/html", "404 Not Found"),
    ("response", "https://www.example.com/news/2", HARBOUR.replace(b"harbour", b"port"), "text/html", "200 OK"),
    ("response", "https://www.example.com/news/3", HARBOUR.replace(b"harbour", b"quay"), "text/html", "200 OK"),
    ("response", "https://www.example.com/news/4", HARBOUR.replace(b"harbour", b"pier"), "text/html", "200 OK"),
]
