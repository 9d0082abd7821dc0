"""Structural rules: line shapes, runs of lines, keep-groups, document-level duplicates, Markdown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import Cleaner
from cleaner.document import rebuild
from cleaner.rules.errors import RuleError
from cleaner.rules.folding import fold
from cleaner.rules.schema import Shape
from cleaner.rules.shapes import (
    KIND_LITERALS,
    LINE_KINDS,
    PageContext,
    ShapeTest,
    ends_like_sentence,
    has_cjk,
    is_title_case,
    keyword_list,
    shape_literals,
    similarity,
    word_count,
)

BODY = (
    "The harbour reopened on Monday after a month of repairs.\n"
    "Ships were waiting outside, and the first one came in at dawn.\n"
)


def _pack(tmp_path: Path, body: str, name: str = "mine") -> Path:
    p = tmp_path / f"{name}.yaml"
    p.write_text(f"version: 1\nname: {name}\ndescription: test pack\nrules:\n{body}", encoding="utf-8")
    return p


# --- shapes -------------------------------------------------------------------------------------


def test_word_count_counts_cjk_at_two_characters_a_word():
    assert word_count("The harbour reopened") == 3
    assert word_count("港口在维修一个月后") == 5  # nine characters, about five words
    assert word_count("") == 0


@pytest.mark.parametrize("text,want", [
    ("The harbour reopened.", True), ("“The harbour reopened!”", True), ("港口重新开放。", True),
    ("Council approves budget", False), ("Related:", False), ("Why? (Read on)", False),
])
def test_sentence_end(text, want):
    assert ends_like_sentence(text) is want


def test_title_case_needs_most_long_words_capitalised():
    assert is_title_case("Fishing Fleet Returns To The Bay After Winter")
    assert not is_title_case("Fishing fleet returns to the bay after winter")
    assert not is_title_case("港口重新开放")  # no cased letters: not title case


@pytest.mark.parametrize("text", [
    "Council approves new harbour budget 2024-05-01", "Ferry route opens 10:45 pm", "Fleet returns May 1, 2024",
    "Паром возвращается 1 мая 2024", "渔船队返回海湾 2024年4月30日", "New ferry route (3 hours ago)",
])
def test_ends_with_date(text):
    assert ShapeTest(Shape(ends_with_date=True))(text, PageContext())


@pytest.mark.parametrize("text", ["The fleet returned in May.", "Version 2024 of the plan", "Chapter 10"])
def test_not_ending_with_date(text):
    assert not ShapeTest(Shape(ends_with_date=True))(text, PageContext())


@pytest.mark.parametrize("text,want", [
    ("Harbour | Ferries | Local News", True), ("港口、渡轮、地方新闻", True), ("#harbour #ferries", True),
    ("News · Sport · Weather · Travel", True),
    ("The council bought nets, ropes, buoys and paint.", False),  # a sentence
    ("| Year | Ships | Tonnes |", False),  # a table row
    ("    I -->|No| K[Review]", False),  # code
    ("Harbour | Ferries", False),  # two items are not a list
])
def test_keyword_list(text, want):
    assert keyword_list(text) is want


@pytest.mark.parametrize("kind,text,want", [
    ("links", "[Home](/) | [News](/news) | [Sport](/sport)", True),
    ("links", "- [Fishing fleet returns](https://example.com/fleet)", True),
    ("links", "The harbour [reopened](https://example.com/a) on Monday.", False),
    ("url", "https://www.example.com/news/harbour?utm_source=x", True),
    ("url", "See https://www.example.com for more.", False),
    ("image", "![The harbour](https://example.com/h.jpg)", True),
    ("image", "[![logo](/logo.png)](https://example.com/)", True),
    ("image", "Look: ![x](/x.png)", False),
    ("link-definition", "[3]: https://example.com/page \"Title\"", True),
    ("link-definition", "[3] The council said so.", False),
])
def test_line_kinds(kind, text, want):
    assert LINE_KINDS[kind](text) is want
    if want:  # the prefilter finds such lines by their literals
        assert any(lit in fold(text) for lit in KIND_LITERALS[kind])


def test_every_line_kind_but_keyword_lists_has_literals():
    assert set(KIND_LITERALS) == set(LINE_KINDS) - {"keyword-list"}
    assert shape_literals([Shape(kind="url"), Shape(kind="image")]) == ("![", "://", "www.")
    assert shape_literals([Shape(kind="url"), Shape(max_words=3)]) is None  # a shape without literals


def test_cjk_cover_holds_every_character_word_count_counts_as_cjk():
    import sys

    import regex

    cjk = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
    missed = [hex(c) for c in range(0x80, sys.maxunicode + 1) if cjk.match(chr(c)) and not has_cjk(chr(c))]
    assert missed == []
    assert not has_cjk("The harbour’s “reopening” — Ünïcödé, Ελληνικά, Русский")


def test_similarity_tolerates_a_kicker_but_not_a_paragraph():
    title = "Harbour reopens after a month of repairs"
    assert similarity("Harbour reopens after month of repairs | The Daily Example", title) >= 0.8
    long = "The harbour reopens after a month of repairs, the council said on Monday, and ships came in at dawn."
    assert similarity(long, title) == 0.0
    assert similarity("Why the harbour closed", title) < 0.8


# --- schema errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("body,message", [
    ("- id: mine.r\n  description: d\n  action: drop-run\n  shape: {max_words: 5}\n", "needs a 'run'"),
    ("- id: mine.r\n  description: d\n  action: drop-line\n  shape: {max_words: 5}\n  run: {min_lines: 2}\n",
     "'run' is only for action 'drop-run'"),
    ("- id: mine.r\n  description: d\n  action: drop-line\n  shape: {}\n", "at least one condition"),
    ("- id: mine.r\n  description: d\n  action: drop-line\n  shape: {kind: tables}\n", "kind"),
    ("- id: mine.r\n  description: d\n  action: drop-span\n  match: anywhere\n  patterns: ['\\[(x)\\]']\n"
     "  keep_group: text\n", "group named 'text'"),
    ("- id: mine.r\n  description: d\n  action: drop-line\n  phrases: [x]\n  keep_group: text\n",
     "only for action 'drop-span'"),
])
def test_structural_mistakes_fail_with_file_line_and_rule(tmp_path, body, message):
    path = _pack(tmp_path, body)
    with pytest.raises(RuleError) as e:
        Cleaner(rules=[path])
    text = str(e.value)
    assert message in text and "mine.r" in text and f"{path}:" in text


# --- runs ---------------------------------------------------------------------------------------

RUN_RULE = """- id: mine.teasers
  description: teaser lists under a header
  action: drop-run
  shape: {min_words: 2, max_words: 12, sentence_end: false}
  run: {min_lines: 2, max_lines: 5, header: {phrases: ["More stories"]}, require_header: true}
"""


def test_run_with_header_is_one_removal_and_rebuilds(tmp_path):
    c = Cleaner(rules=[_pack(tmp_path, RUN_RULE)], default_rules=False)
    text = BODY + "More stories\nCouncil approves budget\nFleet returns to the bay\nThe port authority was pleased.\n"
    r = c.clean_text(text)
    assert r.text == BODY + "The port authority was pleased.\n"
    runs = [x for x in r.removed if x.rule == "mine.teasers"]
    assert len(runs) == 1 and runs[0].action == "drop-run"
    assert rebuild(text, r.removed) == r.text


def test_run_needs_its_header_and_enough_lines(tmp_path):
    c = Cleaner(rules=[_pack(tmp_path, RUN_RULE)], default_rules=False)
    no_header = BODY + "Council approves budget\nFleet returns to the bay\n"
    assert c.clean_text(no_header).text == no_header
    one_line = BODY + "More stories\nCouncil approves budget\n" + BODY
    assert "Council approves budget" in c.clean_text(one_line).text
    too_long = BODY + "More stories\n" + "".join(f"Teaser number {i} here\n" for i in range(6))
    assert "Teaser number 5" in c.clean_text(too_long).text


def test_a_header_inside_a_run_starts_the_run(tmp_path):
    # The header is itself a short line: it matches the shape, yet heads the run after it.
    c = Cleaner(rules=[_pack(tmp_path, RUN_RULE)], default_rules=False)
    text = "Short intro line\n" + "More stories\nCouncil approves budget\nFleet returns to the bay\n" + BODY
    r = c.clean_text(text)
    assert r.text.startswith("Short intro line\n") and "More stories" not in r.text


def test_long_stretches_equal_a_walk_over_every_line():
    import random

    from cleaner.steps.rules import _long_stretches

    rng = random.Random(3)
    for _ in range(400):
        numbers = sorted(rng.sample(range(60), rng.randint(0, 50)))  # gaps: lines outside the rule's limits
        hit = {n for n in numbers if rng.random() < rng.choice((0.2, 0.6, 0.9))}
        where = [(n, n) for n in numbers]
        m = rng.randint(1, 5)
        tried: list[int] = []

        def matches(line, hit=hit, tried=tried):
            tried.append(line)
            return line in hit

        got = _long_stretches(where, matches, m)
        want, stretch = [], []
        for n in numbers + [None]:
            if n is not None and n in hit and (not stretch or n == stretch[-1] + 1):
                stretch.append(n)
                continue
            want += stretch if len(stretch) >= m else []
            stretch = [n] if n is not None and n in hit else []
        assert got == want
        assert len(tried) == len(set(tried)) <= len(numbers)  # each line tried at most once


# --- keep groups ----------------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    r"\[(?P<text>[^\]\n]{1,100})\]\([^)\s]{0,200}\)",  # RE2
    r"(?<!!)\[(?P<text>[^\]\n]{1,100})\]\([^)\s]{0,200}\)",  # lookbehind: the backtracking engine
])
def test_keep_group_unwraps_on_both_engines(tmp_path, pattern):
    body = (f"- id: mine.unwrap\n  description: d\n  action: drop-span\n  match: anywhere\n"
            f"  patterns: ['{pattern}']\n  keep_group: text\n")
    c = Cleaner(rules=[_pack(tmp_path, body)], default_rules=False)
    text = "Ships came in, said [the port authöritý](https://example.com/pa) on Monday.\n"
    r = c.clean_text(text)
    assert r.text == "Ships came in, said the port authöritý on Monday.\n"
    assert [x.preview for x in r.removed] == ["[", "](https://example.com/pa)"]
    assert rebuild(text, r.removed) == r.text


# --- duplicate paragraphs -----------------------------------------------------------------------

DUP = "Sign up for our weekly newsletter to get the best stories of the week in your inbox.\n"


def test_duplicate_paragraph_keeps_the_first():
    text = BODY + DUP + "The port authority was pleased.\n" + DUP
    r = Cleaner(default_rules=False).clean_text(text)
    assert r.text.count(DUP) == 1 and r.text.index(DUP) < r.text.index("The port authority")
    assert [x.rule for x in r.removed] == ["builtin.duplicate-paragraphs"]
    assert rebuild(text, r.removed) == r.text


def test_short_lines_and_list_items_may_repeat():
    text = BODY + "Price: $10\n- Plan to spend about ten dollars on a ticket for the ferry\n" \
        "| Ships | Tonnes | Crew | Harbour | Year | Berth | Captain | Flag | Cargo | Port |\n"
    twice = text + text.replace(BODY, "")
    assert Cleaner(default_rules=False).clean_text(twice).text == twice


def test_duplicate_paragraphs_can_be_switched_off(tmp_path):
    p = tmp_path / "off.yaml"
    p.write_text("version: 1\nname: dup-off\ndescription: d\nbuiltins: {duplicate_paragraphs: false}\n", "utf-8")
    text = BODY + DUP + "The port authority was pleased.\n" + DUP
    assert Cleaner(rules=[p], default_rules=False).clean_text(text).text == text
    assert Cleaner(default_rules=False).clean_text(text).text.count(DUP) == 1


# --- Markdown ------------------------------------------------------------------------------------

MD = """# Harbour reopens

[Home](/) | [News](/news) | [Sport](/sport)

The harbour [reopened](https://example.com/a "A") on Monday, said [the port authority](https://example.com/pa).

![The harbour at dawn](https://example.com/h.jpg)

Ships were waiting outside, and the first one came in at dawn.[](https://example.com/share)

[1]: https://example.com/source
"""


def test_markdown_kind_cleans_link_syntax_and_link_lines():
    c = Cleaner()
    r = c.clean_text(MD, kind="markdown")
    assert r.text.rstrip("\n") + "\n" == (
        "# Harbour reopens\n\nThe harbour reopened on Monday, said the port authority.\n\n"
        "Ships were waiting outside, and the first one came in at dawn.\n"
    )
    assert rebuild(MD, r.removed) == r.text
    assert r.provenance["kind"] == "markdown"
    assert {x.rule.split(".")[0] for x in r.removed} == {"markdown-links"}
    # Plain text is left alone by the Markdown packs.
    assert "[reopened](https://example.com/a" in c.clean_text(MD).text


def test_markdown_kind_is_validated():
    with pytest.raises(ValueError, match="kind must be one of"):
        Cleaner().clean_text("x", kind="rst")


def test_fast_engine_equals_reference_on_markdown():
    fast, ref = Cleaner(), Cleaner(prefilter=False)
    a, b = fast.clean_text(MD, kind="markdown"), ref.clean_text(MD, kind="markdown")
    assert a.text == b.text and a.removed == b.removed


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", *args], cwd=cwd, capture_output=True, text=True)


def test_cli_reads_md_files_and_records_that_declare_markdown(tmp_path):
    (tmp_path / "page.md").write_text(MD, "utf-8")
    (tmp_path / "recs.jsonl").write_text(
        json.dumps({"id": "a", "text": MD, "format": "markdown"}) + "\n" + json.dumps({"id": "b", "text": MD}) + "\n",
        "utf-8")
    out = tmp_path / "out.jsonl"
    got = _cli("clean", "page.md", "recs.jsonl", "-o", str(out), "-q", cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    recs = {r["id"]: r for r in map(json.loads, out.read_text("utf-8").splitlines())}
    assert "](https://" not in recs["page"]["text"] if "page" in recs else True
    md_file = next(r for k, r in recs.items() if k not in ("a", "b"))
    assert "](https://" not in md_file["text"] and "](https://" not in recs["a"]["text"]
    assert "](https://" in recs["b"]["text"]  # undeclared record text stays plain text
    forced = _cli("clean", "page.md", "--input-format", "text", "-q", cwd=tmp_path)
    assert "](https://" in json.loads(forced.stdout)["text"]


# --- learning a batch's sites ------------------------------------------------------------------


TOPICS = ["ferry timetable", "fish market", "lighthouse repairs", "harbour dues", "sailing school",
          "storm damage", "berth allocation", "pier lighting", "cargo volumes", "tourist season"]
PLACES = ["north pier", "old town", "east quay", "river mouth", "boat yard", "south beach", "ferry terminal",
          "coast road", "island bridge", "market square"]


def _site_pages(n: int = 8) -> list[str]:
    pages = []
    for i in range(n):
        topic, place = TOPICS[i % len(TOPICS)], PLACES[(3 * i) % len(PLACES)]
        pages.append(
            f"The {topic} at the {place} was the council's main business this week.\n"
            f"Residents near the {place} said the {topic} had been ignored for years.\n"
            "Harbour Gazette readers club: members get the print edition every Friday\n"
            "Copyright Harbour Gazette Media Group, all pages\n"
        )
    return pages


def test_learn_adds_site_packs_and_provenance_names_them(tmp_path):
    from cleaner.document import Document

    docs = [Document(id=f"p{i}", text=t, url=f"https://gazette.example/{i}") for i, t in enumerate(_site_pages())]
    base = Cleaner()
    learned = base.learn(docs, learned_packs=tmp_path / "learned")
    assert len(learned.ruleset.packs) > len(base.ruleset.packs)
    assert list((tmp_path / "learned").glob("*.mined.yaml"))
    r = learned.clean(docs[0])
    assert "readers club" not in r.text and "main business this week" in r.text
    packs = {p["path"] for p in r.provenance["rules"]["packs"]}
    assert any(p.endswith(".mined.yaml") for p in packs)
    assert any(x.rule.startswith("sites.") or "gazette" in x.rule for x in r.removed)
    # Another site's page is untouched by the learned pack.
    other = Document(id="o", text=_site_pages(1)[0], url="https://other.example/1")
    assert "readers club" in learned.clean(other).text


def test_cli_learn(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    recs = [{"id": f"p{i}", "text": t, "url": f"https://gazette.example/{i}"} for i, t in enumerate(_site_pages())]
    (folder / "batch.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), "utf-8")
    out = tmp_path / "out.jsonl"
    got = _cli("clean", str(folder), "--learn", "--learned-packs", str(tmp_path / "packs"), "-o", str(out),
               cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    assert "learned" in got.stderr
    texts = [json.loads(x)["text"] for x in out.read_text("utf-8").splitlines()]
    assert len(texts) == len(recs) and not any("readers club" in t for t in texts)
    bad = _cli("clean", "-", "--learn", cwd=tmp_path)
    assert bad.returncode == 2 and "stdin" in bad.stderr


def test_repeats_title_with_the_page_title_from_metadata(tmp_path):
    body = ("- id: mine.headline\n  description: d\n  action: drop-line\n"
            "  shape: {repeats: title, sentence_end: false}\n  position: {first_lines: 3}\n")
    c = Cleaner(rules=[_pack(tmp_path, body)], default_rules=False)
    text = "Harbour reopens after month of repairs | The Daily Example\n" + BODY
    title = "Harbour reopens after a month of repairs"
    assert c.clean_text(text, metadata={"title": title}).text == BODY
    assert c.clean_text(text).text == text  # no title: nothing to compare with


def test_markdown_extraction_is_cleaned_as_markdown(tmp_path):
    from cleaner.options import CleanOptions

    page = (Path(__file__).parent.parent / "fixtures" / "html" / "harbour.html")
    if not page.exists():
        pytest.skip("no HTML fixture")
    r = Cleaner(options=CleanOptions(output="markdown", include_links=True)).clean_html(page.read_bytes())
    assert r.provenance.get("kind") == "markdown"
    assert r.input_text.startswith("# Harbour reopens")  # the headline as a Markdown heading
    assert r.text.startswith("# Harbour reopens")  # kept: builtin.title is off by default
    on = tmp_path / "title.yaml"
    on.write_text("version: 1\nname: title-on\ndescription: drop the headline\nbuiltins:\n  title: true\n")
    r = Cleaner(rules=[on], options=CleanOptions(output="markdown", include_links=True)).clean_html(page.read_bytes())
    assert "builtin.title" in {x.rule for x in r.removed}  # a Markdown heading is still the headline
    assert r.text.startswith("The harbour reopened on Monday")


def test_an_empty_signature_is_a_rule_error(tmp_path):
    p = tmp_path / "sig.yaml"
    p.write_text("version: 1\nname: sig\ndescription: d\ndomains: [example.com]\nsignatures: ['', 'x']\n", "utf-8")
    with pytest.raises(RuleError, match="signatures"):
        Cleaner(rules=[p], default_rules=False)


def test_backtracking_work_is_bounded_per_document_and_named(tmp_path):
    from cleaner.options import CleanOptions

    body = ("- id: mine.slow\n  description: d\n  action: drop-line\n"
            "  patterns: ['(?<=x)y+z']\n  match: anywhere\n")  # lookbehind: the backtracking engine
    pack = _pack(tmp_path, body)
    text = "".join(f"xyz is line {i} of the harbour report\n" for i in range(50))
    whole = Cleaner(rules=[pack], default_rules=False, max_removed_share=1.0).clean_text(text)
    assert whole.text == "" and {x.rule for x in whole.removed} == {"mine.slow"}
    tight = Cleaner(rules=[pack], default_rules=False, options=CleanOptions(max_removed_share=1.0, match_budget=100))
    r = tight.clean_text(text)
    assert r.text == text
    assert any("mine.slow" in w and "matching budget" in w for w in r.provenance["warnings"])
    assert r.provenance["cleaner"]["options"]["match_budget"] == 100
    with pytest.raises(ValueError, match="match_budget"):
        CleanOptions(match_budget=0)
