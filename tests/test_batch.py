"""The batch around the readers and writers: one outcome an item, the progress bar, the summary."""

from __future__ import annotations

import io

from cleaner.batch import ProgressBar, Summary
from cleaner.document import Document
from cleaner.readers.base import Failure, ReadStats
from tests.helpers import ARTICLE, invoke


def test_progress_bar_on_a_terminal_and_quiet_in_a_pipe(tmp_path):
    from rich.console import Console

    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=150, color_system=None)
    stats = ReadStats(total_bytes=4_000_000)
    s = Summary()
    with ProgressBar(console, stats, s) as bar:
        for _ in range(4):
            stats.bytes_read += 1_000_000
            s.documents += 10
            s.failed += 1
            bar.update(s, force=True)
    last = buf.getvalue().replace("\r", "\n").strip().splitlines()[-2:]
    assert any("40 docs" in x and "4 errors" in x and "B/s" in x and "eta" in x for x in last), last
    # Not a terminal (tests run the CLI in a pipe): no bar, only the summary.
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    res = invoke("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"))
    assert "━" not in res.stderr and "eta" not in res.stderr
    assert "1 document: 1 cleaned, 0 failed" in res.stderr and "removals by rule family: share 1" in res.stderr
    assert invoke("clean", str(tmp_path / "a.txt"), "-o", str(tmp_path / "o.jsonl"), "-q").stderr == ""


def test_document_roundtrip_through_process(cleaner):
    from cleaner.batch import process

    o = process(cleaner, Document(id="x", text="", html=b"\x00\x01binary"))
    assert o.record is None and o.error["error"] == "not-html"
    o = process(cleaner, Failure("f", {"path": "p"}, "decode", "why"))
    assert o.error == {"id": "f", "source": {"path": "p"}, "error": "decode", "message": "why"}


def test_a_bug_is_an_internal_error_record_not_a_mislabelled_kind(cleaner, monkeypatch):
    # Only input that is not HTML is "not-html"; any other ValueError is a bug and says so.
    from cleaner import NotHtml
    from cleaner.batch import process

    assert issubclass(NotHtml, ValueError)
    o = process(cleaner, Document(id="x", text="", html=b"\xff\xfe\x00\x00\x00"))
    assert o.error is not None and o.error["error"] in ("not-html", "no-content")

    def broken(*a, **k):
        raise ValueError("overlapping removals at offset 3")

    monkeypatch.setattr("cleaner.api.rebuild", broken)
    o = process(cleaner, Document(id="y", text="Hello.\n"))
    assert o.error["error"] == "internal" and "ValueError: overlapping removals" in o.error["message"]
