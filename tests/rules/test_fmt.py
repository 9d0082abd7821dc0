"""``cleaner rules fmt``: one pack style, with the same content and comments, and the bundled packs in it."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from cleaner.cli.app import app
from cleaner.rules.errors import RuleError
from cleaner.rules.fmt import KEY_ORDER, MODELS, FormatError, _same, format_pack
from cleaner.rules.loader import PackSource, find_rule_files, parse_pack
from cleaner.rules.ruleset import bundled_rules_dir

# PyYAML dump style, as `cleaner mine` and older packs wrote it: flow lists, a regex wrapped
# mid-pattern, keys in no particular order; plus comments everywhere and values YAML 1.1 reads
# as something other than strings unless they are quoted.
DUMPED = """\
# header comment
version: 1
name: dumped  # trailing on a key
description: 'A pack: in PyYAML dump style, whose description is long enough that the formatter folds it at a space.'
languages: [en]
rules:
# above the first rule
- id: dumped.one
  description: One
  patterns: ['\\|\\s*(?:Photos?|Images?)(?: by| courtesy of)?:?\\s+[^|]{2,60}', '[\\w.''’-]+(?:
      [\\w.''’-]+){0,4}\\s*(?:/\\s*|\\svia\\s)(?:Getty Images|Reuters)\\.?']
  phrases: ['yes', 'No', '10:30', ' lead', "null", "#tag", "it's", "Tab\\there"]
  match: end
  action: drop-line
  case_sensitive: True
  max_words: 70
  position: {last_fraction: 0.2}
  examples:
  - {input: "Photo by X\\n", output: ""}
  - input: "kept\\n"
    keep: yes
- action: drop-line
  id: dumped.two
  description: Two
  phrases: &shared
    - one  # trailing on an item
    # above an item
    - two
  examples:
  - input: "Text with trailing spaces   \\nand a second line\\n"
    keep: true
- id: dumped.three
  description: Three
  action: drop-line
  phrases: *shared
  examples:
  - input: |+
      ends with blank lines


    output: ''
# footer comment
"""


def test_dump_style_becomes_the_pack_style():
    out = format_pack(DUMPED)
    lines = out.splitlines()
    # the wrapped regex is one line again, single-quoted as written, no double escaping
    assert "      - '[\\w.''’-]+(?: [\\w.''’-]+){0,4}\\s*(?:/\\s*|\\svia\\s)(?:Getty Images|Reuters)\\.?'" in lines
    assert "      - '\\|\\s*(?:Photos?|Images?)(?: by| courtesy of)?:?\\s+[^|]{2,60}'" in lines
    assert not any(line.rstrip().endswith("[") or "[en]" in line for line in lines)  # no flow lists
    assert "languages:\n  - en\nrules:" in out
    # id, description, action first, in KEY_ORDER; one blank line between rules and nowhere else
    assert "  - id: dumped.two\n    description: Two\n    action: drop-line\n" in out
    blank = [i for i, line in enumerate(lines[:lines.index("      - input: |+")]) if not line]  # |+ keeps its own
    assert blank == [lines.index("  - id: dumped.two") - 1, lines.index("  - id: dumped.three") - 1]
    assert "    position: {last_fraction: 0.2}" in lines
    # a long description folds at a space (and reads back as the same one line, checked below)
    assert lines[3] == "description: >-"
    # strings YAML 1.1 would read as something else stay strings; booleans are spelt one way
    for kept in ("      - 'yes'", "      - 'No'", "      - '10:30'", "      - ' lead'", "      - 'null'",
                 "      - '#tag'", "      - it's", '      - "Tab\\there"', "    case_sensitive: true"):
        assert kept in lines, kept
    assert '      - input: "Text with trailing spaces   \\nand a second line\\n"' in lines  # no trailing blanks
    assert "      - input: |+\n          ends with blank lines\n\n\n        output: ''" in out


def test_content_is_identical_types_included():
    before, after = yaml.safe_load(DUMPED), yaml.safe_load(format_pack(DUMPED))
    assert _same(before, after) and before == after
    assert after["rules"][0]["phrases"][:2] == ["yes", "No"] and after["rules"][0]["case_sensitive"] is True
    assert not _same({"a": True}, {"a": 1}) and not _same([1], [1.0])  # what == alone would miss


def test_comments_survive_where_they_were():
    out = format_pack(DUMPED)
    assert out.startswith("# header comment\nversion: 1\nname: dumped  # trailing on a key\n")
    assert "rules:\n  # above the first rule\n  - id: dumped.one\n" in out
    assert "      - one  # trailing on an item\n      # above an item\n      - two\n" in out
    assert out.endswith("\n# footer comment\n")


def test_idempotent():
    once = format_pack(DUMPED)
    assert format_pack(once) == once


def test_anchors_and_aliases_stay_valid_when_keys_move():
    text = ("version: 1\nname: a\ndescription: d\nrules:\n- end: &m {phrases: [x]}\n  phrases: *m\n"
            "  id: a.b\n  description: d\n  action: drop-line\n")
    out = format_pack(text)  # `phrases` now comes before `end`: the anchor moves to it
    assert "    phrases: &m\n" in out and "    end: *m\n" in out
    assert yaml.safe_load(out) == yaml.safe_load(text)


def test_loader_lines_point_at_the_reformatted_rules():
    bundled = bundled_rules_dir() / "generic" / "captions.yaml"
    text = bundled.read_text(encoding="utf-8")
    lines = text.splitlines()
    loaded = parse_pack(PackSource("captions.yaml", text))
    for rid, line in loaded.rule_lines.items():
        assert lines[line - 1] == f"  - id: {rid}"
    # a broken pattern is reported on its own line (one pattern a line, none wrapped)
    broken = text.replace("'(?:Photo|Image) by:", "'(?:Photo|Image by:", 1)
    with pytest.raises(RuleError) as ei:
        parse_pack(PackSource("captions.yaml", broken))
    (p,) = ei.value.problems
    assert p.rule_id == "captions.with-credit" and "invalid regex" in p.message
    assert broken.splitlines()[p.line - 1].startswith("      - '(?:Photo|Image by:")


def test_key_order_names_every_schema_field():
    for kind, model in MODELS.items():
        assert sorted(KEY_ORDER[kind]) == sorted(model.model_fields), kind


@pytest.mark.parametrize("text, line", [("version: 1\nname: [x\n", 3), ("a: 1\nb:\n\t- c\n", 3), ("- a\n", 1)])
def test_what_cannot_be_formatted_says_where(text, line):
    with pytest.raises(FormatError) as ei:
        format_pack(text)
    assert ei.value.line == line


def test_every_bundled_pack_is_formatted():
    files = find_rule_files(bundled_rules_dir())
    assert len(files) > 100
    unformatted = [f.name for f in files if format_pack(f.read_text(encoding="utf-8")) != f.read_text(encoding="utf-8")]
    assert not unformatted, f"run `cleaner rules fmt rules/`: {unformatted}"


def _fmt(*args: str):
    return CliRunner().invoke(app, ["rules", "fmt", *args], catch_exceptions=False)


def test_cli_check_then_rewrite(tmp_path):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "dumped.yaml").write_text(DUMPED, encoding="utf-8")
    (packs / "done.yaml").write_text(format_pack(DUMPED), encoding="utf-8")

    result = _fmt(str(packs), "--check")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [str(packs / "dumped.yaml")]
    assert (packs / "dumped.yaml").read_text(encoding="utf-8") == DUMPED  # --check writes nothing

    result = _fmt(str(packs))
    assert result.exit_code == 0 and "1 of 2 packs changed" in result.stderr
    assert (packs / "dumped.yaml").read_text(encoding="utf-8") == format_pack(DUMPED)
    assert sorted(p.name for p in packs.iterdir()) == ["done.yaml", "dumped.yaml"]  # no temporary file left

    result = _fmt(str(packs), "--check")
    assert result.exit_code == 0 and result.stdout == ""


def test_cli_bad_yaml_exits_2_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: [x\n", encoding="utf-8")
    for args in ([str(bad)], [str(bad), "--check"]):
        result = _fmt(*args)
        assert result.exit_code == 2 and f"{bad}:3: invalid YAML" in result.stderr
    assert _fmt(str(tmp_path / "missing.yaml")).exit_code == 2


def test_cli_default_is_the_bundled_packs():
    result = _fmt("--check")
    assert result.exit_code == 0 and result.stdout == ""
