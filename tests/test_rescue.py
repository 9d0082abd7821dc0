"""The readability rescue of truncated extractions (cleaner.rescue): when it runs, what it records."""

from __future__ import annotations

import gzip
import json

import pytest
from lxml import html as lxml_html

from cleaner import Cleaner, NoContent
from cleaner.arrow import provenance_dict, provenance_row
from cleaner.evaluation.metrics import word_bag_prf
from cleaner.extract import extract_html, parse_html
from cleaner.options import CleanOptions
from cleaner.provenance import compact_provenance
from cleaner.rescue import block_text, missed_chars, rescue
from tests.conftest import ROOT, run_cli

# Self-made: an unclosed newsletter <aside> wraps the whole page (a broken theme, as on WCXB page
# 4111), so trafilatura, which drops asides and headers, finds no main content at all.
WRAPPED = ROOT / "fixtures" / "html" / "popup-wrapped.html"
HARBOUR = ROOT / "fixtures" / "html" / "harbour.html"
WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev"


def test_trafilatura_alone_finds_nothing_and_the_rescue_finds_the_article():
    page = WRAPPED.read_text(encoding="utf-8")
    with pytest.raises(NoContent):
        extract_html(page)
    r = Cleaner().clean_html(page, id="mill")
    lines = r.text.splitlines()
    assert lines[0].startswith("For ninety years the flour mill on Quay Street")
    assert lines[-1].startswith("The trust still owes a last instalment") and len(lines) == 9
    assert "Sign up" not in r.text and "Home" not in r.text and "© 2026" not in r.text
    rescue_info = r.provenance["extraction"]["rescue"]
    assert rescue_info["by"] == "readability-lxml" and rescue_info["words"][0] == 0
    assert rescue_info["words"][1] == len(r.input_text.split()) and rescue_info["version"]
    assert (rescue_info["missed"], rescue_info["ratio"]) == (0.3, 1.5)
    # The page's metadata is read although trafilatura found no content.
    assert r.metadata["title"] == "How the old mill became a library" and r.metadata["date"] == "2026-03-14"


@pytest.mark.parametrize("options", [
    CleanOptions(rescue=False), CleanOptions(output="markdown"),
])
def test_without_the_rescue_the_page_has_no_content(options):
    with pytest.raises(NoContent):
        Cleaner(options=options).clean_html(WRAPPED.read_text(encoding="utf-8"))


def test_a_page_trafilatura_extracts_fully_is_never_handed_to_readability(monkeypatch):
    import cleaner.rescue as mod

    def fail(tree):
        raise AssertionError("readability ran")

    page = HARBOUR.read_text(encoding="utf-8")
    monkeypatch.setattr(mod, "readability_text", fail)
    r = Cleaner().clean_html(page, id="h")
    assert "rescue" not in r.provenance["extraction"]
    assert r.text == Cleaner(options=CleanOptions(rescue=False)).clean_html(page, id="h").text


def test_a_readability_failure_keeps_the_extraction_with_a_warning(monkeypatch):
    import cleaner.rescue as mod

    def boom(tree):
        raise ValueError("odd page")

    tree = parse_html(WRAPPED.read_text(encoding="utf-8"))
    monkeypatch.setattr(mod, "readability_text", boom)
    from cleaner.extract import Extraction

    out = rescue(tree, Extraction("", {}), CleanOptions())
    assert out.text == "" and out.rescue is None and "readability failed: ValueError: odd page" in out.warnings[0]


def test_rescue_runs_only_when_enough_prose_was_left_out():
    tree = parse_html(WRAPPED.read_text(encoding="utf-8"))
    everything = missed_chars(tree, "")
    assert everything > 1500
    from cleaner.extract import Extraction

    # Taking a prose run's opening words counts it as taken; short runs (labels, links) never count.
    first = "For ninety years the flour mill on Quay Street"
    assert missed_chars(tree, first) < everything
    assert missed_chars(tree, "Home Sign up") == everything
    long_enough = Extraction("x" * int(everything / 0.3 + 1), {})
    assert rescue(tree, long_enough, CleanOptions()) is long_enough  # not tried
    short = rescue(tree, Extraction("For ninety years the flour mill.", {}), CleanOptions())
    assert short.rescue is not None and short.rescue["words"][0] == 6
    # readability must find rescue_ratio times the words: 295 is not 1000 × 6.
    kept = rescue(tree, Extraction("For ninety years the flour mill.", {}), CleanOptions(rescue_ratio=1000))
    assert kept.rescue is None and kept.text == "For ninety years the flour mill."


def test_prose_runs_are_counted_outside_scripts_and_by_their_opening_words():
    tree = parse_html("<html><body><div>" + "An article sentence that runs well past sixty characters, "
                      "in a div. " * 2 + "<script>var x = 'a script string that runs well past sixty "
                      "characters too';</script><p>Short label</p><ul><li><b>Entry</b>: a list item whose "
                      "text runs on well past sixty characters, as a ranking's entries do.</li></ul>"
                      "</div></body></html>")
    div_run = len("An article sentence that runs well past sixty characters, in a div. " * 2) - 1
    li_run = len(": a list item whose text runs on well past sixty characters, as a ranking's entries do.")
    assert missed_chars(tree, "") == div_run + li_run
    assert missed_chars(tree, "An article sentence that runs well past sixty characters, in a div.") == li_run


def test_block_text_writes_one_line_per_block_and_tables_as_trafilatura_does():
    frag = lxml_html.fragment_fromstring(
        "<div><h2>Title</h2><p>One <b>bold</b>   para<br>next line</p><ul><li>a</li><li>b <i>c</i></li></ul>"
        "<table><tr><th>N</th><th>A</th></tr><tr><td>x</td><td>1</td></tr></table>tail<!-- note --> text</div>")
    assert block_text(frag).splitlines() == ["Title", "One bold para", "next line", "a", "b c", "| N | A |",
                                             "| x | 1 |", "tail text"]


def test_options_are_validated_and_recorded_when_not_the_defaults():
    for bad in ({"rescue_missed": 0}, {"rescue_missed": -0.1}, {"rescue_ratio": 0.5}):
        with pytest.raises(ValueError, match="rescue"):
            CleanOptions(**bad)
    assert "rescue" not in CleanOptions().extraction_provenance()
    assert CleanOptions(rescue=False).extraction_provenance()["rescue"] is False
    assert CleanOptions(rescue_ratio=2.0).extraction_provenance()["rescue"] == {"missed": 0.3, "ratio": 2.0}
    assert CleanOptions(output="markdown").rescue_settings() is None


def test_the_rescue_survives_compact_provenance_and_parquet_rows():
    prov = Cleaner().clean_html(WRAPPED.read_text(encoding="utf-8"), id="m").provenance
    assert compact_provenance(prov)["extraction"]["rescue"] == prov["extraction"]["rescue"]
    assert provenance_dict(provenance_row(prov))["extraction"]["rescue"] == prov["extraction"]["rescue"]


def test_cli_rescues_by_default_and_no_rescue_gives_an_error_record(tmp_path):
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(WRAPPED), "-o", str(out), "--provenance", "full")
    assert proc.returncode == 0, proc.stderr
    rec = json.loads(out.read_text(encoding="utf-8"))
    assert rec["provenance"]["extraction"]["rescue"]["by"] == "readability-lxml"
    manifest = json.loads((tmp_path / "o.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert "rescue" not in manifest["extraction"]["options"]  # the default: on, with 0.3 and 1.5
    assert manifest["counts"]["rescued"] == 1 and "rescued extractions: 1 HTML page" in proc.stderr
    out2 = tmp_path / "o2.jsonl"
    proc = run_cli("clean", str(WRAPPED), "-o", str(out2), "--no-rescue")
    assert proc.returncode == 1, proc.stderr
    assert "rescued extractions" not in proc.stderr
    err = json.loads((tmp_path / "o2.jsonl.errors.jsonl").read_text(encoding="utf-8"))
    assert err["error"]["error"] == "no-content" if isinstance(err["error"], dict) else err["error"] == "no-content"
    manifest = json.loads((tmp_path / "o2.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["extraction"]["options"]["rescue"] is False and manifest["counts"]["rescued"] == 0


def test_config_file_turns_the_rescue_off(tmp_path):
    (tmp_path / "cleaner.toml").write_text("rescue = false\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(WRAPPED), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 1 and out.read_text(encoding="utf-8") == ""


def test_a_real_page_trafilatura_truncates_is_rescued():
    path = WCXB / "html" / "4111.html.gz"
    if not path.exists():
        pytest.skip(f"{path} (the WCXB dev pages in ../shared) is not here")
    page = gzip.decompress(path.read_bytes())
    gold = json.loads((WCXB / "ground-truth" / "4111.json").read_text(encoding="utf-8"))["ground_truth"]
    with pytest.raises(NoContent):
        extract_html(page)
    r = Cleaner().clean_html(page, id="4111")
    assert r.provenance["extraction"]["rescue"]["words"][0] == 0
    assert word_bag_prf(r.text, gold["main_content"]).f1 > 0.95
