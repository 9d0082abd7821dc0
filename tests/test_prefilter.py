"""The fast paths (the prefilter, the whole-text scan for whitespace work) only skip lines on which
nothing can happen: results equal the exhaustive evaluation, every rule and step on every line."""

from __future__ import annotations

import random

import pytest

from cleaner import Cleaner
from cleaner.rules.prefilter import fold, pattern_anchors, phrase_anchor
from tests.conftest import seed_dirs


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
             "a\rb", "\u200bzw", "a  b", " ", "\t", "Share&nbsp;&nbsp;Button", "<p>Leave a Reply</p>"]
    for _ in range(300):
        lines = [rng.choice(pool) for _ in range(rng.randint(1, 40))]
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


def test_anchor_extraction():
    assert phrase_anchor("Leave a Reply") == "leave"
    assert phrase_anchor("Don’t miss") == "miss"
    assert sorted(pattern_anchors(r"\d+\s+(?:comments?|responses?|replies)")) == ["comment", "replies", "response"]
    assert pattern_anchors(r"Liked it\? Take a second to support .{1,100} on Patreon!?") == [
        "liked it? take a second to support "]
    assert pattern_anchors(r"(?:\w+\s?)+") is None
    assert pattern_anchors(r"\p{Lu}+ news") is None  # regex-only syntax: no anchor, the rule runs everywhere
    assert len(fold("İSTANBUL ſ ς")) == len("İSTANBUL ſ ς")
