"""Rule patterns on RE2 mean what they mean to the `regex` module, and the static bounds of the
backtracking engine refuse the shapes that stall it."""

from __future__ import annotations

import unicodedata

import pytest
import regex

from cleaner.rules.matching import BacktrackingRegex, CompiledMatcher, PhraseSet
from cleaner.rules.re2compat import Re2Regex, W, split_edges, to_re2
from cleaner.rules.safety import backtracking_risk
from cleaner.rules.schema import Matcher


@pytest.mark.parametrize("cls", [r"\w", r"\W", r"\s", r"\S", r"\d", r"\D"])
def test_unicode_classes_agree_on_every_assigned_code_point(cls):
    rx = regex.compile(cls)
    re2 = Re2Regex(to_re2(cls), case_sensitive=True)
    differ = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if (rx.match(ch) is not None) != re2.matches(ch):
            differ.append(cp)
    # The two libraries may carry different Unicode versions: only characters this Python's
    # tables do not know yet may differ.
    assert all(unicodedata.category(chr(cp)) == "Cn" for cp in differ), [hex(cp) for cp in differ[:20]]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (r"(?:a|b)\w+", rf"(?:a|b)[{W}]+"),
        (r"x{,3}", r"x{0,3}"),
        (r"\u00e9\Z", r"\x{00e9}\z"),
        (r"[\w.'’-]", rf"[{W}.'’-]"),
        (r"\\u00e9", r"\\u00e9"),  # a backslash, then "u00e9"
    ],
)
def test_translation(pattern, expected):
    assert to_re2(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    [r"a(?=b)", r"(?<!x)a", r"(a)\1", r"a++", r"(?>a)", r"a\bb", r"[\W\d]", r"[[:alpha:]]", r"a(?i)b"],
)
def test_what_re2_cannot_say_the_same_way_is_not_translated(pattern):
    assert to_re2(pattern) is None


def test_edge_word_boundaries():
    assert split_edges(r"\bfoo\b") == (True, "foo", True)
    assert split_edges(r"\bfoo|bar\b") == (False, r"\bfoo|bar\b", False)  # the \b of one alternative only
    assert split_edges(r"\ba?b") == (False, r"\ba?b", False)  # may face a non-word character
    assert split_edges(r"foo\\b") == (False, r"foo\\b", False)  # a backslash and a b


@pytest.mark.parametrize("mode", ["line", "start", "end", "anywhere"])
@pytest.mark.parametrize("pattern", [r"\bnews\b", r"\bnews", r"news\b", r"(?:\d+ )?comments?"])
def test_patterns_on_re2_find_what_regex_finds(mode, pattern):
    m = Matcher(patterns=[pattern], match=mode)
    cm = CompiledMatcher.build(m)
    assert not cm.backtracking
    ref = CompiledMatcher([BacktrackingRegex(
        {"line": rf"^\s*(?:{pattern})\s*$", "start": rf"^\s*(?:{pattern})", "end": rf"(?:{pattern})\s*$",
         "anywhere": pattern}[mode], regex.IGNORECASE, 10_000)], [pattern])
    for text in ["news", " News ", "newsroom news", "anews", "the news", "Ünews news", "news_x news", "3 comments",
                 "no comment", "éclat news", "news—today", "  news  "]:
        assert cm.matches(text) == ref.matches(text), text
        assert cm.finditer(text) == ref.finditer(text), text


def test_phrases_keep_their_word_boundaries_and_order():
    ps = PhraseSet(["share", "share this", "© 2020"], "anywhere", case_sensitive=False)
    assert ps.search("shareholders") is None
    m = ps.search("Please share this now")
    assert m is not None and m.span() == (7, 12)  # the phrase listed first wins at one place
    assert ps.search("reshare © 2020") is not None
    # A phrase that fails its boundary gives way to the next listed phrase at the same place.
    ps2 = PhraseSet(["read", "read more…"], "anywhere", case_sensitive=False)
    m2 = ps2.search("readmore read more…")
    assert m2 is not None and m2.span() == (9, 13)
    cm = CompiledMatcher([ps2], [])
    assert cm.finditer("read, read more… reader") == [(0, 4), (6, 10)]


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)*$", r"(.*a){20}", r"(.*?,){11}P", r"(x+x+)+y", r"(\.+)+$", r"(a*)*",
     r"(?:a|b|ab)+", "x" * 20_001],
)
def test_backtracking_risks_are_refused(pattern):
    assert backtracking_risk(pattern)


@pytest.mark.parametrize(
    "pattern",
    [r"(?: [A-Z]\w+){0,3}", r"(?:[^.!?]*[.!?] )*?x", r"(?:ab|cd)+", r"(?:, (?:and )?[A-Z]\w*)*", r"(?:[\w.-]+ ){0,3}x",
     r"(?<=\.)\s+\w+"],
)
def test_safe_shapes_are_accepted(pattern):
    assert backtracking_risk(pattern) is None
