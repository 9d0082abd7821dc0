"""The evaluation harness: metrics on hand-made cases with exact numbers, loaders, audit, and the
regression gate on a pinned WCXB subset (skipped when ../shared/data is absent)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from cleaner.evaluation.audit import harmful_rules, tally_html_removals, tally_text_removals
from cleaner.evaluation.datasets import decode_html, load_dataset, paragraphs_to_text
from cleaner.evaluation.extractors import cached_extract, justext_stoplist_name, run_extractor
from cleaner.evaluation.gate import MODES, GateResult, baseline, gate_pages, run_gate, subset_digest
from cleaner.evaluation.metadata_match import author_match, title_contains, title_match
from cleaner.evaluation.metrics import (
    PRF,
    SnippetCounts,
    mean_prf,
    shingle_counts,
    shingle_summary,
    shingles,
    snippet_counts,
    word_bag_prf,
)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


# --- word bag ----------------------------------------------------------------------------------------------------

def test_word_bag_is_a_multiset_overlap_of_lowercased_words() -> None:
    # pred: a a b c (4); gold: A b b d e (5); overlap = min(a:2,1) + min(b:1,2) = 2
    s = word_bag_prf("a a, b c", "A b b d e")
    assert s.precision == pytest.approx(2 / 4)
    assert s.recall == pytest.approx(2 / 5)
    assert s.f1 == pytest.approx(2 * 0.5 * 0.4 / 0.9)


def test_word_bag_empty_prediction_scores_zero_and_identity_scores_one() -> None:
    assert word_bag_prf("", "some gold") == PRF(0.0, 0.0, 0.0)
    assert word_bag_prf("Same words here.", "same WORDS here") == PRF(1.0, 1.0, 1.0)


def test_word_bag_mean_averages_each_measure_over_pages() -> None:
    m = mean_prf([PRF(1.0, 0.5, 2 / 3), PRF(0.5, 1.0, 2 / 3)])
    assert (m.precision, m.recall, m.f1) == pytest.approx((0.75, 0.75, 2 / 3))


# --- shingles ----------------------------------------------------------------------------------------------------

def test_shingles_are_case_sensitive_4grams_and_short_texts_are_one_shingle() -> None:
    assert shingles("a b c d e") == {("a", "b", "c", "d"): 1, ("b", "c", "d", "e"): 1}
    assert shingles("Two words") == {("Two", "words"): 1}
    assert shingles("") == {}


def test_shingle_counts_are_normalised_per_page() -> None:
    # gold shingles: abcd bcde; pred shingles: abcd bcdx cdxy -> tp 1, fp 2, fn 1 -> /4
    assert shingle_counts("a b c d x y", "a b c d e") == pytest.approx((0.25, 0.5, 0.25))
    assert shingle_counts("", "a b c d e") == (0.0, 0.0, 1.0)
    assert shingle_counts("", "") == (0.0, 0.0, 0.0)


def test_shingle_summary_follows_scrapinghub_averaging() -> None:
    # page 1: P = 0.25/0.75 = 1/3, R = 0.25/0.5 = 1/2; page 2 (empty prediction): recall 0, no precision term
    s = shingle_summary([(0.25, 0.5, 0.25), (0.0, 0.0, 1.0)])
    assert s.precision == pytest.approx(1 / 3)
    assert s.recall == pytest.approx(0.25)
    assert s.f1 == pytest.approx(2 * (1 / 3) * 0.25 / (1 / 3 + 0.25))
    assert shingle_summary([shingle_counts("x y z w", "x y z w")]) == PRF(1.0, 1.0, 1.0)


# --- snippets ----------------------------------------------------------------------------------------------------

def test_snippets_fold_whitespace_and_pool_counts() -> None:
    c = snippet_counts("The  harbour\nreopened on Monday. Share this", ["harbour reopened", "winter"],
                       ["Share this", "Leave a Reply"])
    assert (c.tp, c.fn, c.fp, c.tn) == (1, 1, 1, 1)
    c += snippet_counts("", ["x"], ["y"])
    assert (c.tp, c.fn, c.fp, c.tn) == (1, 2, 1, 2)
    assert c.with_rate == pytest.approx(1 / 3)
    assert c.without_rate == pytest.approx(1 / 3)
    assert c.prf() == PRF(0.5, pytest.approx(1 / 3), pytest.approx(0.4))
    assert c.accuracy == pytest.approx(3 / 6)
    assert SnippetCounts().prf() == PRF(0.0, 0.0, 0.0)


# --- metadata ----------------------------------------------------------------------------------------------------

def test_metadata_matching_is_normalised_and_skips_missing_gold() -> None:
    assert title_match("  Five  Trends ", "five trends") is True
    assert title_match("Five Trends | Site", "Five Trends") is False
    assert title_contains("Five Trends | Site", "Five Trends") is True
    assert author_match("Dylan Bailey; MS; RD", "dylan bailey") is True
    assert author_match("Bailey", "Dylan Bailey, MS") is True
    assert author_match(None, "Dylan Bailey") is False
    assert author_match("Anyone", "") is None


# --- audit -------------------------------------------------------------------------------------------------------

def _rm(rule: str, text: str, piece: str, replacement: str = "") -> SimpleNamespace:
    start = text.index(piece)
    return SimpleNamespace(rule=rule, start=start, end=start + len(piece), replacement=replacement)


def test_text_audit_splits_removed_words_into_gold_and_other() -> None:
    text = "Share this\nThe harbour reopened.\nThe end\nLeave a Reply"
    gold = "The harbour reopened. The end"
    removals = [_rm("share.x", text, "Share this\n"), _rm("bad.rule", text, "The end\n"),
                _rm("comments.y", text, "Leave a Reply")]
    out = "The harbour reopened.\n"
    t = tally_text_removals(text, removals, out, gold)
    assert (t["share.x"].harm, t["share.x"].benefit) == (0, 2)
    # "the" is in the output once, gold needs it twice: one copy was lost, and "end"
    assert (t["bad.rule"].harm, t["bad.rule"].benefit) == (2, 0)
    assert (t["comments.y"].harm, t["comments.y"].benefit) == (0, 3)
    assert harmful_rules(t) == ["bad.rule"]


def test_html_audit_counts_lost_and_gained_words_and_shares_by_chars() -> None:
    gold = "alpha beta gamma"
    before = "alpha beta menu menu"  # pruning drops the menus and a gold word, and lets "gamma" in
    after = "alpha gamma"
    records = [{"rule": "a", "chars": 30}, {"rule": "b", "chars": 10}]
    t = tally_html_removals(before, after, records, gold)
    # lost: beta (gold), menu x2 (other); gained: gamma (gold) -> harm 1, benefit 3
    assert (t["a"].harm, t["a"].benefit) == pytest.approx((0.75, 2.25))
    assert (t["b"].harm, t["b"].benefit) == pytest.approx((0.25, 0.75))
    assert tally_html_removals(before, after, [], gold) == {}


# --- loaders and extractors --------------------------------------------------------------------------------------

def test_decode_html_falls_back_to_detection() -> None:
    assert decode_html("héllo wörld".encode()) == "héllo wörld"
    latin = ("<html><body><p>Grüße aus Köln, schöne Straße, " * 20 + "</p></body></html>").encode("latin-1")
    assert "Grüße" in decode_html(latin)


def test_paragraphs_to_text_strips_tags_and_unescapes() -> None:
    assert paragraphs_to_text("<p>A &amp; B</p>\n<p> </p><p>C &lt;d&gt;</p>") == "A & B\nC <d>"


def test_folder_dataset(tmp_path: Path) -> None:
    (tmp_path / "html").mkdir()
    (tmp_path / "gold").mkdir()
    (tmp_path / "html" / "p1.html.gz").write_bytes(gzip.compress(b"<html><body><p>Hi</p></body></html>"))
    (tmp_path / "html" / "p2.html").write_bytes(b"<html><body><p>Yo</p></body></html>")
    (tmp_path / "html" / "p3.html").write_bytes(b"<html></html>")  # no gold: skipped
    (tmp_path / "gold" / "p1.txt").write_text("Hi", "utf-8")
    (tmp_path / "gold" / "p2.json").write_text(json.dumps({"with": ["Yo"], "url": "https://a.example/"}), "utf-8")
    pages = load_dataset(f"folder:{tmp_path}")
    assert [p.id for p in pages] == ["p1", "p2"]
    assert pages[0].gold_text == "Hi" and "<p>Hi</p>" in pages[0].html
    assert pages[1].gold_text is None and pages[1].with_ == ["Yo"] and pages[1].url == "https://a.example/"


def test_extractor_failure_is_empty_output_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cleaner.evaluation import extractors

    def boom(html: str, url: str | None, language: str | None) -> str:
        raise RuntimeError("kaput")

    monkeypatch.setitem(extractors.EXTRACTORS, "trafilatura", (boom, "trafilatura", True))
    out = run_extractor("trafilatura", "<html></html>")
    assert out.text == "" and out.error == "RuntimeError: kaput"
    cached_extract("trafilatura", "ds", "a/b", "<html></html>", cache_dir=tmp_path)
    assert (tmp_path / "ds" / "trafilatura" / "a_b.json").exists()


def test_justext_stoplist_from_language_or_html_lang() -> None:
    pytest.importorskip("justext")
    assert justext_stoplist_name("<html>", "Polish") == "Polish"
    assert justext_stoplist_name('<html lang="de-DE">', None) == "German"
    assert justext_stoplist_name("<html>", None) == "English"


def test_cli_help_documents_the_options() -> None:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "evaluate.py"), "--help"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for option in ("--dataset", "--mode", "--limit", "--extractors", "--audit", "--rules", "--workers"):
        assert option in out.stdout


# --- regression gate ---------------------------------------------------------------------------------------------

@pytest.mark.skipif(not (DATA / "wcxb-dev").is_dir(), reason="../shared/data/wcxb-dev not available")
def test_gate_subset_is_the_pinned_one() -> None:
    pages = gate_pages(DATA)
    spec = baseline()["subset"]
    assert len(pages) == spec["pages"] and all(p.page_type == "article" for p in pages)
    assert (pages[0].id, pages[-1].id) == (spec["first_id"], spec["last_id"])
    assert subset_digest(pages) == spec["sha256"], "the gate's pages or gold changed: re-measure and re-pin"


@pytest.mark.skipif(not (DATA / "wcxb-dev").is_dir(), reason="../shared/data/wcxb-dev not available")
@pytest.mark.parametrize("mode", MODES)
def test_gate_pinned_wcxb_articles_do_not_regress(mode: str) -> None:
    result = run_gate(gate_pages(DATA), mode)
    assert result.mode == mode and result.pages == baseline()["subset"]["pages"]
    assert result.failures() == [], result


def test_gate_failures_name_the_floor_and_the_baseline() -> None:
    floor = baseline()["floors"]["text"]["f1"]
    assert GateResult("text", 40, floor + 0.01, floor).failures() == []
    low = GateResult("text", 40, floor - 0.01, floor - 0.01).failures()
    assert len(low) == 1 and "below the floor" in low[0]
    behind = GateResult("text", 40, floor + 0.01, floor + 0.05).failures()
    assert len(behind) == 1 and "trafilatura alone" in behind[0]
    with pytest.raises(ValueError, match="gate mode"):
        run_gate([], "pdf")
