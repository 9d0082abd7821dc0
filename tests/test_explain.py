"""``cleaner explain``, ``rules list``, the run summary, counts and captured library warnings."""

from __future__ import annotations

import json
import warnings

from cleaner import Cleaner
from cleaner.batch import Summary
from cleaner.document import Removal
from cleaner.explain import classify, explain_items, header, hunks, plural, render_diff, render_plain
from cleaner.readers.discover import iter_documents
from cleaner.readers.records import Fields
from cleaner.summary import mb_per_s, summary_lines
from tests.conftest import ROOT, run_cli

SEEDS = ROOT / "fixtures" / "seeds" / "input"
HARBOUR = ROOT / "fixtures" / "html" / "harbour.html"


def test_counts_treat_the_final_line_break_the_same_in_and_out(cleaner):
    r = cleaner.clean_text("Gamma.\n")
    assert r.text == "Gamma.\n"
    assert r.provenance["counts"] == {"chars_in": 7, "chars_out": 7, "lines_in": 1, "lines_out": 1, "removals": 0}
    # Whether or not the last line goes, the output ends with a line break exactly when the input does.
    for text, want in (("Gamma.\nLeave a Reply\n", "Gamma.\n"), ("Gamma.\nLeave a Reply", "Gamma."),
                       ("Gamma.\nDelta.\n", "Gamma.\nDelta.\n"), ("Gamma.\nDelta.", "Gamma.\nDelta.")):
        r = cleaner.clean_text(text)
        assert r.text == want, text
        c = r.provenance["counts"]
        assert (c["lines_in"], c["lines_out"]) == (2, want.count("Delta") + 1)
    seed = (SEEDS / "002_473d04ef8c662b3f.txt").read_text(encoding="utf-8")
    c = cleaner.clean_text(seed).provenance["counts"]
    assert c["lines_in"] == len(seed.splitlines())


def test_plain_marker_closes_before_the_line_break():
    text = "Kept one.\nShare Button\nKept two.\n"
    removed = [Removal("share.button-labels", "drop-line", 10, 23, "Share Button")]
    assert render_plain(text, removed) == "Kept one.\n[-Share Button-]{share.button-labels}\nKept two.\n"


def test_diff_view_shows_changed_lines_with_context():
    lines = [f"Line {i}." for i in range(1, 11)]
    text = "\n".join(lines) + "\n"
    start = text.index("Line 5.")
    removed = [Removal("x.rule", "drop-line", start, start + len("Line 5.\n"), "Line 5.")]
    kinds = [ln.kind for ln in classify(text, removed)]
    assert kinds == [" "] * 4 + ["-"] + [" "] * 5
    assert [h if isinstance(h, int) else len(h) for h in hunks(classify(text, removed), 1)] == [3, 3, 4]
    out = render_diff(text, removed, context=1)
    assert out == "  ⋯ 3 kept lines\n  Line 4.\n- Line 5.  {x.rule}\n  Line 6.\n  ⋯ 4 kept lines\n"
    assert render_diff(text, [], context=1) == "  (nothing removed)\n"
    edit = [Removal("builtin.html", "drop-span", 0, 2, "Li", "")]
    assert render_diff(text, edit, context=0).startswith("~ [-Li-]{builtin.html}ne 1.\n  ⋯ 9 kept lines")


def test_header_counts_html_removals_and_uses_plurals(cleaner):
    page = cleaner.clean_html(HARBOUR.read_bytes(), id="harbour")
    html = page.provenance["html_removals"]
    assert html, "the fixture has share bars and a comment form"
    line = header("harbour", page)
    n = len(page.removed) + len(html)
    assert f"{plural(n, 'removal')} ({plural(len(html), 'HTML element')})" in line
    one = cleaner.clean_text("Body text here.\nShare Button\n")
    assert "1 removal," in header("d", one) and "removals" not in header("d", one)
    assert plural(1, "document") == "1 document" and plural(2, "document") == "2 documents"


def test_explain_by_id_rule_and_text_field(tmp_path):
    seed = (SEEDS / "002_473d04ef8c662b3f.txt").read_text(encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps({"key": k, "body": seed}) for k in ("a", "b")) + "\n", encoding="utf-8")
    proc = run_cli("explain", str(src), "--text-field", "body", "--id-field", "key", "--id", "b", "--no-color")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("══ ") == 1 and "══ b:" in proc.stdout
    proc = run_cli("explain", str(src), "--text-field", "body", "--id-field", "key", "--rule", "comments",
                   "--no-color")
    assert proc.stdout.count("══ ") == 2 and "{comments.leave-a-reply}" in proc.stdout
    assert "{share.button-labels}" not in proc.stdout and "by comments" in proc.stdout
    proc = run_cli("explain", str(src), "--text-field", "body", "--id", "nope", "--no-color")
    assert proc.returncode == 1 and "no document with id 'nope'" in proc.stderr


def test_explain_items_skips_documents_the_rule_did_not_touch(cleaner):
    docs = list(iter_documents([str(SEEDS)], Fields()))
    got = [s for s in explain_items(cleaner, docs, rule="globalresearch") if str(s.body).startswith("══")]
    assert [str(s.body).split(":")[0] for s in got] == ["══ 001_52692aa0463685be"]


def test_library_warnings_are_counted_not_printed():
    body = "<p>" + "The harbour reopened on Monday after repairs that took most of the winter. " * 4 + "</p>"
    html = (f'<html><head><title>T</title><meta name="date" content="2016-11-09 10:42 IST"></head>'
            f"<body><article><h1>Harbour</h1>{body}</article></body></html>")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = Cleaner().clean_html(html, id="w")
    assert not caught  # nothing reaches the caller's warnings (or the terminal)
    assert any(w.startswith("extraction: UnknownTimezoneWarning") for w in r.provenance["warnings"])


def test_summary_uses_input_bytes_and_plurals():
    s = Summary(documents=1, cleaned=1, chars_in=3_000_000, chars_out=2_000_000, warnings=1)
    lines = [str(x) for x in summary_lines(s, input_bytes=2_000_000, run_seconds=2.0)]
    assert lines[0].startswith("1 document: 1 cleaned, 0 failed in 2.00s (1.00 MB/s of input)")
    assert lines[1] == "check: 1 document in = 1 record out + 0 error records"
    assert "1 warning (see provenance.warnings)" in lines
    assert mb_per_s(5_000_000, 0) == 0.0


def test_rules_list_one_line_per_rule(cleaner):
    proc = run_cli("rules", "list")
    assert proc.returncode == 0
    rule_rows = [ln for ln in proc.stdout.splitlines() if not ln.startswith("# ")]
    assert len(rule_rows) == len(cleaner.ruleset.rules)
    assert any(ln.split()[:2] == ["comments.leave-a-reply", "cut-after"] for ln in rule_rows)
    assert f"{len(cleaner.ruleset.rules)} rules in {len(cleaner.ruleset.packs)} packs" in proc.stderr
