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


def test_catastrophic_pattern_rejected_at_load(tmp_path):
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', "patterns: ['(a+)+$']"))
    e = load_error(tmp_path, body)
    (p,) = e.problems
    assert p.rule_id == "test.ok" and "backtracks catastrophically" in p.message


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


def test_runtime_match_timeout_is_reported_not_hung(tmp_path):
    # Passes the load-time probes (they hold no 'x'), but explodes on a line of x's.
    body = pack(GOOD_RULE.replace('phrases: ["Fine Print"]', "patterns: ['(x+x+)+y']"))
    path = write_pack(tmp_path / "slow.yaml", body)
    c = Cleaner(rules=[path], default_rules=False, match_timeout=0.05)
    text = "Intro line.\n" + "x" * 3000 + "\n" + "x" * 2900 + "\nEnd."
    r = c.clean_text(text)
    assert r.text == text
    assert r.timed_out == ["test.ok"]
    assert any("test.ok" in w and "time limit" in w for w in r.provenance["warnings"])


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
    assert proc.returncode == 0 and "ok: 1 rules in 1 packs" in proc.stdout
