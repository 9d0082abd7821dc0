"""Actions, conditions, scoping and built-ins on small realistic documents."""

from __future__ import annotations

import pytest

from cleaner import Cleaner
from tests.conftest import write_pack

ARTICLE = [
    "The council approved the budget on Tuesday after a long debate about school funding.",
    "Opposition members said the plan did not go far enough to repair roads in the north.",
    "The mayor promised a review of the transport budget before the end of the year.",
    "Residents can read the full budget on the council's website from next week.",
]


def doc(*lines: str) -> str:
    return "\n\n".join(lines) + "\n"


def user_cleaner(tmp_path, rules: str, header: str = "", **kw) -> Cleaner:
    body = f"version: 1\nname: mine\ndescription: test pack\n{header}rules:\n{rules}"
    path = write_pack(tmp_path / "mine.yaml", body)
    return Cleaner(rules=[path], default_rules=False, **kw)


def test_drop_span_keeps_inner_text(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.underline
    description: leftover underline tags
    patterns: ['</?u>']
    match: anywhere
    action: drop-span
""", header="builtins: {html: false}\n")
    text = "By <u>RT News</u> today\nSecond line"
    r = c.clean_text(text)
    assert r.text == "By RT News today\nSecond line"
    assert [x.rule for x in r.removed] == ["mine.underline", "mine.underline"]


def test_drop_span_removes_phrase_inside_line(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.share
    description: inline share label
    phrases: ["Share Button"]
    match: anywhere
    action: drop-span
""")
    r = c.clean_text("The plan Share Button was approved.\nShare Button\nEnd.")
    assert r.text == "The plan was approved.\nEnd."


def test_drop_block_needs_its_end(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.form
    description: form block
    phrases: ["Fill in your details below"]
    match: start
    action: drop-block
    end: {phrases: ["Connecting to %s"]}
""")
    text = doc(ARTICLE[0], "Fill in your details below or log in", "Twitter picture", "Connecting to %s", ARTICLE[1])
    assert c.clean_text(text).text == doc(ARTICLE[0], ARTICLE[1])
    unfinished = doc(ARTICLE[0], "Fill in your details below or log in", ARTICLE[1])
    assert c.clean_text(unfinished).text == unfinished


def test_max_words_protects_article_sentences(cleaner):
    sentence = "If you want, leave a reply in the box below and our editors will answer by Friday."
    text = doc(*ARTICLE, sentence, ARTICLE[0] + " Again.")
    assert cleaner.clean_text(text).text == text


def test_position_limits_where_a_cut_fires(cleaner):
    early = doc(ARTICLE[0], "Leave a Reply", *ARTICLE[1:], "More text here that closes the story.")
    assert "Leave a Reply" in cleaner.clean_text(early).text
    late = doc(*ARTICLE, "Leave a Reply", "Great post!")
    assert cleaner.clean_text(late).text == doc(*ARTICLE)  # the input's final line break stays


def test_cut_before_takes_the_header(cleaner):
    text = doc("Menu", "Skip to content", *ARTICLE)
    assert cleaner.clean_text(text).text == doc(*ARTICLE)


def test_guard_keeps_text_and_warns(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.greedy
    description: removes everything after the first line
    phrases: ["The council"]
    match: start
    action: cut-after
""", max_removed_share=0.5)
    text = doc(*ARTICLE)
    r = c.clean_text(text)
    assert r.text == text
    (w,) = r.provenance["warnings"]
    assert "guard" in w and "mine.greedy" in w and "100%" in w


def test_site_pack_applies_to_its_domain_only(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.site-footer
    description: a site's footer
    phrases: ["Read more from the Daily Example"]
    action: drop-line
""", header="domains: [example.com]\n")
    text = doc(*ARTICLE, "Read more from the Daily Example")
    assert c.clean_text(text, url="https://news.example.com/a/1").text == doc(*ARTICLE)
    assert c.clean_text(text, url="https://example.org/a/1").text == text
    assert c.clean_text(text).text == text


def test_signature_selects_site_pack_without_url(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.site-footer
    description: a site's footer
    phrases: ["Read more"]
    action: drop-line
""", header="domains: [example.com]\nsignatures: [\"Daily Example Ltd\"]\n")
    text = doc(*ARTICLE, "Read more", "© Daily Example Ltd")
    assert "Read more" not in c.clean_text(text).text
    assert c.clean_text(doc(*ARTICLE, "Read more")).text == doc(*ARTICLE, "Read more")


def test_language_scoped_rules(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.de-comments
    description: German comment header
    phrases: ["Kommentar schreiben"]
    action: cut-after
""", header="languages: [de]\n")
    text = doc(*ARTICLE, "Kommentar schreiben", "Toll!")
    assert "Toll" not in c.clean_text(text, language="de-AT").text
    assert "Toll" not in c.clean_text(text).text  # unknown language: rule may fire
    assert c.clean_text(text, language="en").text == text


def test_phrases_ignore_case_quotes_and_spacing(cleaner):
    text = doc(*ARTICLE, "LEAVE  A   reply", "comment body")
    assert cleaner.clean_text(text).text == doc(*ARTICLE)


def test_quote_variants(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.dont-miss
    description: teaser header
    phrases: ["Don't miss"]
    action: drop-line
""")
    assert c.clean_text("Intro.\nDon’t Miss\nEnd.").text == "Intro.\nEnd."


def test_builtins_html_entities_whitespace_and_repeats(cleaner):
    text = "Title  here\n\nTitle here\n\n\n\nFirst&nbsp;paragraph &amp; <b>bold</b> text.   \n\n\n"
    r = cleaner.clean_text(text)
    assert r.text == "Title here\n\nFirst paragraph & bold text.\n"
    rules = {x.rule for x in r.removed}
    assert {"builtin.repeated-lines", "builtin.html", "builtin.whitespace", "builtin.blank-lines"} <= rules


def test_builtins_can_be_switched_off_by_a_pack(tmp_path):
    c = user_cleaner(tmp_path, """
  - id: mine.nothing
    description: never fires
    phrases: ["zzzz never zzzz"]
    action: drop-line
""", header="builtins: {repeated_lines: false, html: false}\n")
    text = "Same\nSame\n<b>x</b> &amp;"
    assert c.clean_text(text).text == text


def test_captures_go_to_metadata(tmp_path):
    c = user_cleaner(tmp_path, r"""
  - id: mine.byline
    description: byline
    patterns: ['By (?P<author>[A-Z][a-z]+ [A-Z][a-z]+), (?P<date>\w+ \d{1,2}, \d{4})']
    captures: [author, date]
    action: drop-line
    position: {first_lines: 3}
""")
    r = c.clean_text(doc("Headline", "By Jane Smith, March 3, 2020", *ARTICLE), metadata={"site": "x"})
    assert r.metadata == {"site": "x", "author": "Jane Smith", "date": "March 3, 2020"}
    assert "By Jane" not in r.text


@pytest.mark.parametrize("text", ["", "\n\n\n", "   ", "Leave a Reply", "\r\n\r\n"])
def test_degenerate_inputs(cleaner, text):
    r = cleaner.clean_text(text)
    assert r.text.strip() == r.text or r.text == "Leave a Reply"


def test_crlf_line_endings_are_kept(cleaner):
    text = "\r\n".join(ARTICLE + ["Leave a Reply", "Nice."])
    r = cleaner.clean_text(text)
    assert r.text == "\r\n".join(ARTICLE)


def test_phrases_in_re2_syntax_are_their_regex_translated(cleaner):
    # The direct phrase builder and the general translator agree on every bundled phrase.
    from cleaner.rules.matching import phrase_to_re2, phrase_to_regex
    from cleaner.rules.re2compat import to_re2

    phrases = {p.strip() for cr in cleaner.ruleset.rules for p in cr.rule.phrases}
    phrases |= {"It’s “quoted” — done…", "a-b ‘c’ «d»", "C++ #tag (x) [y] {z} a|b $5 ^_^ 100%"}
    for p in phrases:
        assert phrase_to_re2(p) == to_re2(phrase_to_regex(p)), p
