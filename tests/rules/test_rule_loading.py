"""Rule files with mistakes fail with file, line, rule id and what is wrong; nothing runs."""

from __future__ import annotations

import pytest

from cleaner import Cleaner, RuleError
from tests.conftest import run_cli, write_pack

GOOD_RULE = """
  - id: test.ok
    description: fine
    phrases: ["Fine Print"]
    action: drop-line
    examples:
      - {input: "Fine Print", output: ""}
      - {input: "The fine print of the deal was never read.", keep: true}
"""


def pack(rules: str, header: str = "") -> str:
    return f"version: 1\nname: test\ndescription: a test pack\n{header}rules:{rules}"


def load_error(tmp_path, body: str, name: str = "p.yaml") -> RuleError:
    path = write_pack(tmp_path / name, body)
    with pytest.raises(RuleError) as ei:
        Cleaner(rules=[path], default_rules=False)
    return ei.value


def test_bad_yaml_names_file_and_line(tmp_path):
    e = load_error(tmp_path, pack(GOOD_RULE) + "\n  - id: [unclosed\n")
    (p,) = e.problems
    assert p.path.endswith("p.yaml") and p.line >= 12 and "invalid YAML" in p.message


def test_unknown_action_names_rule_and_line(tmp_path):
    body = pack(GOOD_RULE + GOOD_RULE.replace("test.ok", "test.bad").replace("drop-line", "drop-lines"))
    e = load_error(tmp_path, body)
    (p,) = e.problems
    assert p.rule_id == "test.bad"
    assert p.line == 16
    assert "unknown action 'drop-lines'" in p.message and "cut-after" in p.message
    assert str(p).startswith(str(tmp_path / "p.yaml") + ":16: rule 'test.bad':")


def test_unknown_field_is_an_error(tmp_path):
    e = load_error(tmp_path, pack(GOOD_RULE.replace("phrases:", "phrase:")))
    messages = " ".join(p.message for p in e.problems)
    assert "phrase: unknown field" in messages
    assert all(p.rule_id == "test.ok" for p in e.problems)


def test_duplicate_id_across_files(tmp_path):
    write_pack(tmp_path / "a.yaml", pack(GOOD_RULE))
    write_pack(tmp_path / "b.yaml", pack(GOOD_RULE).replace("name: test", "name: test2"))
    with pytest.raises(RuleError) as ei:
        Cleaner(rules=[tmp_path], default_rules=False)
    (p,) = ei.value.problems
    assert p.path.endswith("b.yaml") and p.rule_id == "test.ok" and "already used at" in p.message
    assert "a.yaml:5" in p.message


def test_duplicate_id_clashes_with_bundled_pack(tmp_path):
    body = pack(GOOD_RULE.replace("test.ok", "comments.leave-a-reply"))
    path = write_pack(tmp_path / "mine.yaml", body)
    with pytest.raises(RuleError, match="comments.leave-a-reply.*already used at bundled:"):
        Cleaner(rules=[path])


def test_invalid_regex(tmp_path):
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', "patterns: ['Fine (Print']"))
    e = load_error(tmp_path, body)
    (p,) = e.problems
    assert p.rule_id == "test.ok" and p.line == 7 and "invalid regex" in p.message


@pytest.mark.parametrize(
    "pattern",
    [r"(?<=x)(a+)+$", r"(?=a)(a|aa)+$", r"(?!z)(\w+\s?)*$", r"(?<!y)(.*a){20}", r"(?=.)(.*?,){11}P", r"(x)\1?(x+x+)+y"],
)
def test_catastrophic_backtracking_pattern_rejected_at_load(tmp_path, pattern):
    # Lookaround (or a backreference) needs the backtracking engine; there a nested or
    # overlapping repeat is refused from its shape alone, the same on every machine.
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', f"patterns: ['{pattern}']"))
    e = load_error(tmp_path, body)
    (p,) = e.problems
    assert p.rule_id == "test.ok" and p.line == 7 and "needs the backtracking engine" in p.message
    assert "repeat" in p.message


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+$", r"(\w+\s?)*$", r"(x+x+)+y", r"(\.+)+$"])
def test_nested_repeats_run_in_linear_time_on_re2(tmp_path, pattern):
    # The classic ReDoS shapes load: RE2 runs them in time linear in the line, so a line built
    # to stall a backtracking engine is answered at once, and no rule is skipped.
    from cleaner.rules.matching import CompiledMatcher

    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', f"patterns: ['{pattern}']"))
    path = write_pack(tmp_path / "slow.yaml", body)
    c = Cleaner(rules=[path], default_rules=False)
    (cr,) = c.ruleset.rules
    assert cr.start.backtracking == []
    assert isinstance(cr.start, CompiledMatcher)
    text = "Intro line.\n" + "a" * 5000 + "!\n" + "x" * 3000 + "\n" + "." * 3000 + "!\nEnd."
    r = c.clean_text(text)
    assert r.provenance["warnings"] == []
    assert r.text.startswith("Intro line.\n") and r.text.endswith("\nEnd.")
    assert c.clean_text(text).to_record() == r.to_record()


def test_missing_fields_and_bad_values(tmp_path):
    body = """version: 2
name: Bad Name
rules:
  - id: nodots
    description: x
    action: drop-line
    phrases: [x]
  - id: test.block
    description: x
    action: drop-block
    phrases: [x]
"""
    e = load_error(tmp_path, body)
    text = "\n".join(str(p) for p in e.problems)
    assert "p.yaml:1: version: Input should be 1" in text
    assert "p.yaml:2: name: String should match pattern" in text
    assert "pack: Field required" in text or "description: Field required" in text
    assert "p.yaml:4: rule 'nodots': id: String should match pattern" in text
    assert "p.yaml:8: rule 'test.block':" in text and "needs an 'end' matcher" in text


def test_capture_must_be_a_named_group(tmp_path):
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', "patterns: ['By (?P<who>\\w+)']\n    captures: [author]"))
    e = load_error(tmp_path, body)
    assert any("capture 'author' is not a named group" in p.message for p in e.problems)


def test_duplicate_yaml_key(tmp_path):
    body = pack(GOOD_RULE.replace("    action: drop-line", "    action: drop-line\n    action: cut-after"))
    e = load_error(tmp_path, body)
    assert any("key 'action' appears twice" in p.message and p.line == 9 for p in e.problems)


def test_backtracking_pattern_sees_only_lines_within_its_cap(tmp_path):
    # A lookaround pattern runs on the backtracking engine, bounded by the line length it may see:
    # the rule's max_chars (or the engine's cap), a count of characters, never a clock.
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', "patterns: ['(?<![a-z])Fine Print.*']\n    max_chars: 40"))
    path = write_pack(tmp_path / "bt.yaml", body)
    c = Cleaner(rules=[path], default_rules=False)
    (cr,) = c.ruleset.rules
    assert cr.start.backtracking
    short = "Fine Print of a short line"
    long = "Fine Print" + " word" * 20
    r = c.clean_text(f"Intro.\n{short}\n{long}\nEnd.")
    assert r.text == f"Intro.\n{long}\nEnd."


def test_cli_rule_error_exit_code_2(tmp_path):
    path = write_pack(tmp_path / "bad.yaml", pack(GOOD_RULE.replace("drop-line", "explode")))
    seed = tmp_path / "doc.txt"
    seed.write_text("Hello\n", encoding="utf-8")
    proc = run_cli("clean", str(seed), "--rules", str(path))
    assert proc.returncode == 2
    assert f"{path}:8: rule 'test.ok': action: unknown action 'explode'" in proc.stderr
    assert proc.stdout == ""
    proc = run_cli("rules", "validate", str(path))
    assert proc.returncode == 2 and "unknown action 'explode'" in proc.stderr
    good = write_pack(tmp_path / "good.yaml", pack(GOOD_RULE))
    proc = run_cli("rules", "validate", str(good))
    assert proc.returncode == 0 and "ok: 1 rule in 1 pack (no clash with the bundled packs)" in proc.stdout
    # An id that a bundled pack already uses is found here, not first by ``clean --rules``.
    dup = write_pack(tmp_path / "dup.yaml", pack(GOOD_RULE.replace("test.ok", "comments.leave-a-reply")))
    proc = run_cli("rules", "validate", str(dup))
    assert proc.returncode == 2 and "rule id already used" in proc.stderr and "1 problem" in proc.stderr
    proc = run_cli("rules", "validate", str(dup), "--no-default-rules")
    assert proc.returncode == 0 and "ok: 1 rule in 1 pack" in proc.stdout


def test_rules_stats_counts_the_lines_each_rule_is_tried_on(tmp_path):
    import json

    from cleaner.document import Document
    from cleaner.rules.cost import rule_costs

    # A rule with an anchor literal is tried only on lines holding it; one without any scope
    # on every line of the sample.
    body = pack(GOOD_RULE + """
  - id: test.everywhere
    description: no literal to anchor on, no scope
    patterns: ['\\S+ \\S+ \\S+ zz']
    action: drop-line
""")
    path = write_pack(tmp_path / "p.yaml", body)
    c = Cleaner(rules=[path], default_rules=False)
    docs = [Document(id=str(i), text=f"Intro {i}.\nFine Print\nA line about print.\nThe end.\n") for i in range(3)]
    costs, n, lines = rule_costs(c, docs)
    by_id = {x.id: x for x in costs}
    assert n == 3 and lines == 12
    assert by_id["test.ok"].fired == 3 and by_id["test.ok"].found_by == "exact line"
    assert by_id["test.ok"].tried_lines == 3
    assert by_id["test.everywhere"].tried_lines == 12 and by_id["test.everywhere"].fired == 0
    assert costs[0].id == "test.everywhere"  # the most tried first
    sample = tmp_path / "sample.txt"
    sample.write_text(docs[0].text, encoding="utf-8")
    r = run_cli("rules", "stats", str(sample), "--rules", str(path), "--no-default-rules", "--json")
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in r.stdout.splitlines()]
    assert {x["id"]: x["tried_lines"] for x in rows} == {"test.ok": 1, "test.everywhere": 4}


def test_pack_size_is_limited(tmp_path):
    from cleaner.rules.loader import MAX_PACK_BYTES

    filler = "# " + "x" * 78 + "\n"
    body = pack(GOOD_RULE) + filler * (MAX_PACK_BYTES // len(filler) + 1)
    e = load_error(tmp_path, body, "huge.yaml")
    (p,) = e.problems
    assert p.path.endswith("huge.yaml") and "more than the limit" in p.message


HOSTILE_BODY = "Intro line.\n" + "a" * 3000 + "\n" + "x" * 3000 + "\n" + ("word " * 600).strip() + "\nEnd.\n"


@pytest.mark.parametrize(
    ("rule", "expect"),
    [
        # ReDoS shapes RE2 runs in linear time: they load, run, and every line is accounted for.
        ("patterns: ['(a|aa)+$']\n    action: drop-line", "runs"),
        ("patterns: ['(.*a){20}']\n    action: drop-line", "runs"),
        ("patterns: ['(\\\\w+\\\\s?)*$']\n    action: drop-line", "runs"),
        # Nested lookarounds need the backtracking engine; with no repeat inside a repeat they are safe.
        ("patterns: ['(?=(?!(?<=b)c)a)a+']\n    action: drop-span\n    match: anywhere", "runs"),
        # Lookaround around a catastrophic shape: refused at load.
        ("patterns: ['(?=(?!b)(a+)+)x']\n    action: drop-line", "refused"),
        # A pattern that matches the empty string, cutting spans: empty matches cut nothing.
        ("patterns: ['x*']\n    action: drop-span\n    match: anywhere", "runs"),
        ("phrases: ['a']\n    action: drop-span\n    match: anywhere", "runs"),
        ("patterns: ['.*']\n    action: cut-before\n    position: {first_lines: 1}", "runs"),
        ("phrases: ['']\n    action: drop-line", "refused"),
    ],
)
def test_hostile_rules_fail_at_load_or_run_in_bounded_work(tmp_path, rule, expect):
    body = f"""version: 1
name: hostile
description: hostile rules
rules:
  - id: hostile.rule
    description: hostile
    {rule}
"""
    path = write_pack(tmp_path / "hostile.yaml", body)
    if expect == "refused":
        e = load_error(tmp_path, body, "hostile.yaml")
        assert all(p.path.endswith("hostile.yaml") for p in e.problems)
        assert any(p.line is not None for p in e.problems)
        return
    c = Cleaner(rules=[path], default_rules=False, max_removed_share=1.0)
    r = c.clean_text(HOSTILE_BODY)
    from cleaner import rebuild

    assert rebuild(r.input_text, r.removed) == r.text
    assert c.clean_text(HOSTILE_BODY).to_record() == r.to_record()  # the same answer again


def test_max_matches_keeps_a_form_that_is_the_pages_own_structure(tmp_path):
    # A date line under a teaser is chrome; an events page made of forty of them is a listing.
    dates = "patterns: ['(?:January|March) \\d{1,2}, \\d{4}']\n    max_matches: 3"
    rule = GOOD_RULE.replace('phrases: ["Fine Print"]', dates)
    rule = rule.split("    examples:")[0]
    path = write_pack(tmp_path / "mm.yaml", pack(rule))
    c = Cleaner(rules=[path], default_rules=False)
    few = "The hall reopened after the repairs.\nMarch 3, 2026\nThe council paid for the roof."
    assert c.clean_text(few).text == "The hall reopened after the repairs.\nThe council paid for the roof."
    listing = "\n".join(f"March {d}, 2026\nA talk in the town hall on day {d}." for d in range(1, 6))
    assert c.clean_text(listing).text == listing  # five dates: more than 3, so none goes


def test_max_matches_is_only_for_drop_line(tmp_path):
    body = pack(GOOD_RULE.replace("    action: drop-line", "    action: cut-after\n    max_matches: 2"))
    e = load_error(tmp_path, body)
    assert any("'max_matches' is only for action 'drop-line'" in p.message and p.rule_id == "test.ok"
               for p in e.problems)


def test_phrase_longer_than_max_words_is_a_load_error(tmp_path):
    # Such a phrase can never fire (its line is always too long); the fast path once removed it
    # anyway, so the two engines disagreed. Now the pack author hears about it at load.
    body = pack(GOOD_RULE.replace('["Fine Print"]', '["Fine Print", "Print version | PDA version"]')
                .replace("    action: drop-line", "    action: drop-line\n    max_words: 3"))
    e = load_error(tmp_path, body)
    (p,) = e.problems
    assert p.rule_id == "test.ok" and p.path.endswith("p.yaml") and p.line == 5
    assert "'Print version | PDA version' has 5 words, more than max_words (3)" in p.message
