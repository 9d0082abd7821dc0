"""What a document that fails becomes: only input that is not HTML is "not-html"."""

from __future__ import annotations

import pytest

from cleaner import Document
from cleaner.batch import process


@pytest.mark.parametrize("where", ["cleaner.steps.rules.MatchRules.plan",
                                   "cleaner.steps.lines.DropRepeatedLines.apply"])
def test_a_step_raising_value_error_is_an_internal_error_with_its_type(cleaner, monkeypatch, where):
    def broken(*a, **k):
        raise ValueError("a bug in a step")

    monkeypatch.setattr(where, broken)
    page = "<html><body><p>Hi</p></body></html>"
    for doc in (Document(id="t", text="Hello.\n"), Document(id="h", text="", html=page)):
        o = process(cleaner, doc)
        assert o.record is None and o.error is not None
        assert o.error["error"] == "internal", o.error
        assert o.error["message"] == "ValueError: a bug in a step"


def test_undecodable_bytes_are_not_html(cleaner):
    o = process(cleaner, Document(id="b", text="", html=b"\x00\x01binary"))
    assert o.error is not None and o.error["error"] == "not-html"
