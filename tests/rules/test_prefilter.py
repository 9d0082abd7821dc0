"""The fast paths (the prefilter, the whole-text scan for whitespace work) only skip lines on which
nothing can happen: results equal the exhaustive evaluation, every rule and step on every line."""

from __future__ import annotations

import gzip
import random

import pytest
import regex

from cleaner import Cleaner
from cleaner.extract import NoContent
from cleaner.rules.leadchars import first_char, pattern_lead
from cleaner.rules.matching import selector_keys, xpath_substrings
from cleaner.rules.prefilter import fold, pattern_anchors, phrase_anchor
from cleaner.rules.regex_tree import without_possessives
from tests.conftest import ROOT, seed_dirs


@pytest.fixture(scope="module")
def pair(cleaner):
    return cleaner, Cleaner(ruleset=cleaner.ruleset, prefilter=False)


def _corpus() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for inp, _ in seed_dirs() for p in sorted(inp.glob("*.txt"))]
    rng = random.Random(5)
    # Lines from the examples of every bundled rule, shuffled into documents with prose and noise.
    from cleaner.rules.ruleset import RuleSet

    pool = [ln for r in RuleSet.load().rules for ex in r.rule.examples for ln in ex.input.splitlines()]
    pool += ["ΣΧΌΛΙΑ ς", "İstanbul yorumlar", "ſhare", "Ünïcödé — “quotes” ‘here’", "&amp;copy; 2020", "<b>Share</b>",
             "Re<b>ply</b>", "  Leave   a   Reply  ", "x" * 500, "", "a\tb", "  lead", "trail  ", "x\xa0y",
             "a\rb", "\u200bzw", "a  b", " ", "\t", "Share&nbsp;&nbsp;Button", "<p>Leave a Reply</p>",
             # first characters the line-start gates must not misjudge
             "  • Jan 5, 2020", "\u212aeep", "ſeptember 5, 2020", "İstanbul, 5 Ekim 2020",
             "\xa0 March 3, 2020 at 10:30 am",
             "\x1cJan 5, 2020", "｜ 2020-01-05", "— By Anna Smith", "Von Max Mustermann", "Автор: Иван Петров",
             "12:30 05.01.2020", "2/23/2022 at 8:29am", "AFP / Getty Images", "(Photo: Reuters)"]
    # Whole examples side by side keep their runs (headers with teasers under them, dated lists, URL
    # lines), which shuffled lines rarely rebuild; entity-coded CJK appears only after decoding.
    blocks = [ex.input for r in RuleSet.load().rules for ex in r.rule.examples]
    runs = ["&#24066;&#25919;&#24220; 批准 2024年5月1日\nMore Stories\nHarbour Reopens Today\nFleet Is Back",
            "Related Posts\n" + "\n".join(f"Teaser number {i} about the harbour" for i in range(rng.randint(1, 14))),
            "\n".join(f"Headline {i} of the list 2024-05-0{i % 9 + 1}" for i in range(rng.randint(1, 7))),
            "You May Also Like\nHarbour Reopens\nSee the full story here.\nFleet Returns Home\nNew Ferry Route"]
    prose = "The harbour reopened on Monday after a month of repairs, and the first ships came in at dawn."
    for _ in range(80):
        parts = [prose] * 3 + [rng.choice(runs if rng.random() < 0.4 else blocks) for _ in range(rng.randint(2, 6))]
        texts.append("\n".join(parts + [prose] * 3))
    for k in range(320):
        # Some long documents, so rules limited to the first or last lines or fractions see both ends.
        lines = [rng.choice(pool) for _ in range(rng.randint(1, 40) if k < 300 else rng.randint(60, 150))]
        texts.append(rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n", "\r\n\r\n"]))
    return texts


def test_prefilter_gives_identical_removals(pair):
    fast, reference = pair
    for text in _corpus():
        for url in (None, "https://www.globalresearch.ca/a/1"):
            a = fast.clean_text(text, url=url)
            b = reference.clean_text(text, url=url)
            assert a.removed == b.removed, text[:200]
            assert a.text == b.text and a.metadata == b.metadata


@pytest.mark.parametrize("pattern,want", [
    (r"\d{1,2}:\d{2}", True),
    (r"(?:Jan|Feb)\.? \d{1,2}, \d{4}", True),
    (r"[0-9]+ comments", True),
    (r"(?:\d+ min read|Yesterday)", False),  # one branch has no digit
    (r"\d*\s*comments", False),  # the digits may be absent
    (r"[^0-9]+", False),
    (r"[\d\w]+", False),
    (r"Page (?:\d|[٠-٩])", True),
])
def test_needs_digit(pattern, want):
    from cleaner.rules.prefilter import needs_digit
    from cleaner.rules.schema import Rule

    rule = Rule(id="t.x", description="test", action="drop-line", patterns=[pattern])
    assert needs_digit(rule) is want
    if want:  # and the cover says so for every digit the engines accept
        assert not regex.search(pattern, "no figures here")


def test_digit_cover_holds_every_digit_either_engine_matches():
    import sys

    from cleaner.rules.prefilter import DIGIT_COVER

    missed = [hex(c) for c in range(sys.maxunicode + 1) if regex.match(r"\d", chr(c)) and not DIGIT_COVER.match(chr(c))]
    assert missed == []
    assert not DIGIT_COVER.search("The harbour’s “reopening” — Ünïcödé, Ελληνικά, Русский, 中文")


def test_gate_prefixes_admit_every_line_the_full_list_admits():
    from cleaner.rules.prefilter import GATE_CHARS, gate_prefixes

    full = ["compare best deals at ", "compare best price on ", "add to cart", "add", "$", "buy now", "by "]
    gate = gate_prefixes(full)
    assert gate == ("$", "add", "buy now", "by ", "compare best")
    assert all(len(p) <= GATE_CHARS for p in gate)
    rng = random.Random(2)
    for _ in range(2000):
        line = rng.choice(full + [""]) + "".join(rng.choice("abdy $") for _ in range(rng.randint(0, 6)))
        if line.startswith(tuple(full)):
            assert line.startswith(gate)


def test_anchor_extraction():
    assert phrase_anchor("Leave a Reply") == "leave"
    assert phrase_anchor("Don’t miss") == "miss"
    assert sorted(pattern_anchors(r"\d+\s+(?:comments?|responses?|replies)")) == ["comment", "replies", "response"]
    assert pattern_anchors(r"Liked it\? Take a second to support .{1,100} on Patreon!?") == [
        "liked it? take a second to support "]
    assert pattern_anchors(r"(?:\w+\s?)+") is None
    # Unicode properties are read as "any character": the literal after them still anchors the rule.
    assert pattern_anchors(r"\p{Lu}+ news") == [" news"]
    assert pattern_anchors(r"[\p{L}\d]+ news") == [" news"]
    assert pattern_anchors(r"(?f)(?:news){e<=1}") is None  # fuzzy matching: no anchor, the rule runs everywhere
    assert len(fold("İSTANBUL ſ ς")) == len("İSTANBUL ſ ς")


def test_lead_chars():
    lead = pattern_lead(r"[-•·|]?\s*+(?:Jan|Feb)\.? \d{1,2}")
    assert lead is not None
    assert all(lead.admits(c) for c in "-•·|JjFf")
    assert not any(lead.admits(c) for c in "aX1(")
    digits = pattern_lead(r"(?:on )?\d{1,2}/\d{1,2}")
    assert digits is not None and digits.admits("7") and digits.admits("O") and not digits.admits("x")
    assert pattern_lead(r"\s*\S+ comments") is None  # may start with anything
    assert pattern_lead(r"[^x]+") is None
    assert pattern_lead(r"\s*") is None  # matches whitespace only
    kelvin = pattern_lead("keep")
    assert kelvin is not None and kelvin.admits("\u212a") and kelvin.admits("K")
    assert first_char(" \t\xa0 Jan") == "J" and first_char("   ") == ""


def test_signature_index_agrees_with_full_search(cleaner):
    rs = cleaner.ruleset
    signed = [(i, p) for i, p in enumerate(rs.packs) if p.signatures is not None]
    assert signed, "the bundled packs have signatures"
    phrases = [s for _, p in signed for s in p.loaded.pack.signatures]
    rng = random.Random(3)

    def mangle(s: str) -> str:
        s = "".join(ch.upper() if rng.random() < 0.3 else ch for ch in s)
        return s.replace(" ", rng.choice([" ", "  ", "\n", "\t \n", "&nbsp;"]))

    texts = []
    for _ in range(2000):
        parts = ["x", "word ", "the ", "", "a-", "\n", " " * 300, "@media ", "ſ", "İ"]
        parts += [mangle(rng.choice(phrases)), rng.choice(phrases)[:-1], rng.choice(phrases)[1:]]
        texts.append("".join(rng.choice(parts) for _ in range(rng.randint(1, 8))))
    index = rs._signatures
    for text in texts:
        found = index.packs_in(text)
        for i, p in signed:
            if i not in index.always:
                assert (p.signatures.search(text) is not None) == (i in found), (p.name, text[:120])


def test_selector_keys():
    assert selector_keys("#respond") == (frozenset(), frozenset({"respond"}))
    assert selector_keys("form.comment-form") == (frozenset({"comment-form"}), frozenset())
    assert selector_keys("div.a > .b #c") == (frozenset({"a", "b"}), frozenset({"c"}))
    assert selector_keys(".a:not(.b)") == (frozenset({"a"}), frozenset())  # .b must be absent, not present
    assert selector_keys("a, .b") is None and selector_keys("div") is None and selector_keys("[data-x]") is None


def test_xpath_substrings():
    xp = "//*[self::div or self::aside][contains(@class, 'trending') or contains(@id, 'author-bio')][not(.//main)]"
    assert xpath_substrings(xp) == frozenset({"trending", "author-bio"})
    assert xpath_substrings("//*[not(contains(@class, 'a'))]") is None  # a negation requires nothing
    assert xpath_substrings("//*[contains(@class, 'a')] | //p") is None  # a union may match without it
    assert xpath_substrings("//*[contains(@class, '')]") is None and xpath_substrings("//div[@id='x']") is None
    assert xpath_substrings("//*[contains(@class, 'a]')]") is None  # a bracket inside a literal


def _html_pages() -> list[tuple[str, str | None]]:
    pages = [(p.read_text(encoding="utf-8"), None) for p in sorted((ROOT / "fixtures" / "html").glob("*.html"))]
    pages.append(("""<html><body><article><p>The council approved the budget on Monday night after a long debate.</p>
<p>Work is due to begin in the spring, the mayor said.</p></article>
<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3><a>Twitter</a></div>
<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form class="comment-form">
<p>Your email address will not be published.</p></form></div>
<p class="x\tsharedaddy">Blog at WordPress.com.</p></body></html>""", "https://example.wordpress.com/2020/01/05/budget/"))
    wcxb = ROOT.parent / "shared" / "data" / "wcxb-dev" / "html"
    if wcxb.is_dir():
        pages += [(gzip.open(f).read().decode("utf-8", "replace"), None) for f in sorted(wcxb.glob("*.html.gz"))[:60]]
    return pages


def test_html_fast_paths_give_identical_records(pair):
    fast, reference = pair
    for html, url in _html_pages():
        try:
            a = fast.clean_html(html, url=url)
        except NoContent:
            with pytest.raises(NoContent):
                reference.clean_html(html, url=url)
            continue
        b = reference.clean_html(html, url=url)
        assert a.text == b.text and a.removed == b.removed
        assert a.provenance["html_removals"] == b.provenance["html_removals"]


_NESTED_WIDGETS = """<html><body class="modal-open"><div class="post"><p>The council approved the budget on
Monday night after a long debate, and the mayor called it an important step.</p>
<div id="exitModal" class="modal"><p>Wait! Get our weekly letter.</p>
<div class="modal-body newsletter-signup"><p>Enter your email:</p></div></div>
<div class="x" id="cookie-bar">We use cookies.</div>
<div class='a"b&apos;c popup'><p>Both quotes in one class value.</p></div>
<div class="tooltip">term<span class="tooltiptext">A definition.</span></div>
<figure><img src="a.jpg"><figcaption>Loose caption.</figcaption></figure>
<p>Work is due to begin in the spring, the mayor said, and the harbour will reopen.</p></div></body></html>"""


def test_html_rules_by_candidate_elements_give_the_records_of_whole_tree_queries(tmp_path):
    """The pruning shortcut (test only the elements whose class or id holds a key) against the
    plain queries, with nested matches, drops inside drops, both quote kinds in one class value,
    and XPaths the shortcut must leave alone (a positional predicate, a second step)."""
    (tmp_path / "extra.yaml").write_text('''version: 1
name: extra
description: shapes the pruning shortcut must handle
rules:
  - id: extra.nested
    description: both a modal and the sign-up box inside it
    action: drop-element
    xpaths:
      - //div[contains(@class, 'modal')]
  - id: extra.positional
    description: a positional predicate, queried whole
    action: drop-element
    xpaths:
      - //*[contains(@class, 'post')]/p[2]
      - //p[contains(@class, 'nothing') or contains(@id, 'x')][1]
  - id: extra.quotes
    description: a class value with both quote kinds
    action: drop-element
    xpaths:
      - //*[contains(@class, 'popup')][count(.//p) = 1]
''', encoding="utf-8")
    fired: set[str] = set()
    for fast in (Cleaner(rules=[tmp_path / "extra.yaml"], default_rules=False), Cleaner()):
        reference = Cleaner(ruleset=fast.ruleset, prefilter=False)
        a, b = fast.clean_html(_NESTED_WIDGETS), reference.clean_html(_NESTED_WIDGETS)
        assert a.provenance["html_removals"] == b.provenance["html_removals"]
        assert a.text == b.text and a.removed == b.removed
        fired |= {r["rule"] for r in a.provenance["html_removals"]}
        # The sign-up box inside the modal went with it: one record, not one for each.
        assert [r["rule"] for r in a.provenance["html_removals"]].count("extra.nested") <= 1
        if fast.ruleset.packs[0].name != "extra":
            assert "A definition" not in a.text and "term" in a.text
    assert {"extra.nested", "extra.quotes", "extra.positional", "html-widgets.dialogs", "html-widgets.cookie-consent",
            "html-widgets.tooltips"} <= fired


def test_context_form_rewrites_only_boolean_predicates():
    from cleaner.steps.prune import context_form

    assert context_form("//*[self::div or self::p] [contains(@class, 'a')] [string-length(.) <= 9]") is not None
    assert context_form("//div[not(.//main)][contains(@id, 'x')]") is not None
    for xp in ("//div[1]", "//div[last()]", "//div[position() < 3]", "//div[count(p)]",
               "//div/p[contains(@class, 'a')]", "//div[contains(@class, 'a')] | //p", "//div",
               "//div[string-length(.)]", "(//div)[contains(@class, 'a')]"):
        assert context_form(xp) is None, xp


def test_reverse_filter_pattern_relaxing():
    assert without_possessives(r"a++b") == "a+b"
    assert without_possessives(r"\++x") == r"\++x"  # an escaped "+" repeated, not a possessive
    assert without_possessives(r"[++]+") == "[++]+"
    assert without_possessives(r"(?>ab)+c{1,3}+") == "(?:ab)+c{1,3}"
    assert without_possessives(r"(a)\1") is None  # backreferences do not read right to left
    # A relaxed pattern read right to left finds every line the original finds.
    rng = random.Random(9)
    original = regex.compile(r"[\w.'’-]++(?: [\w.'’-]++){0,4}\s*/\s*(?:Getty Images|Reuters)\.?\s*$", regex.I)
    reverse = regex.compile(without_possessives(original.pattern), regex.I | regex.REVERSE)
    words = ["Photo", "John", "Smith/Getty Images", "/", "Reuters", "via", "x.", " ", "Getty Images", "’s"]
    for _ in range(3000):
        line = " ".join(rng.choice(words) for _ in range(rng.randint(1, 9)))
        if original.search(line):
            assert reverse.search(line), line
