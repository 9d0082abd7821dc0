"""Hostile rule files (issue 15, section 4) not already in test_rule_loading.py and
test_rule_fuzz.py: each fails at load naming the file (and line where there is one), or runs
with every document still accounted for in a batch."""

from __future__ import annotations

import json

import pytest

from cleaner import Cleaner, RuleError
from tests.conftest import write_pack
from tests.helpers import invoke, read_jsonl


def pack(rules: str) -> str:
    return f"version: 1\nname: hostile\ndescription: hostile rules\nrules:\n{rules}"


def refused(tmp_path, body: str, name: str = "hostile.yaml") -> RuleError:
    path = write_pack(tmp_path / name, body)
    with pytest.raises(RuleError) as ei:
        Cleaner(rules=[path], default_rules=False)
    assert all(p.path.endswith(name) for p in ei.value.problems)
    return ei.value


def test_a_python_object_tag_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    body = pack(f"  - !!python/object/apply:os.system ['touch {marker}']\n")
    e = refused(tmp_path, body)
    assert any(p.line is not None for p in e.problems)
    assert not marker.exists()


def test_billion_laughs_aliases_are_refused(tmp_path):
    text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    for prev, cur in zip("abcdefghi", "bcdefghij", strict=True):
        text += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    refused(tmp_path, text + pack("  - {id: hostile.x, description: x, phrases: [x], action: drop-line}\n"))


def test_a_50_mb_pack_is_refused_without_being_read(tmp_path):
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as f:
        f.truncate(50_000_000)  # sparse: the size is what is checked, before any reading
    res = invoke("rules", "validate", str(path))
    assert res.exit_code == 2 and "huge.yaml" in res.stderr and "more than the limit" in res.stderr


def test_duplicate_keys_name_the_line(tmp_path):
    e = refused(tmp_path, pack("  - id: hostile.x\n    description: x\n    phrases: [x]\n    phrases: [y]\n"
                               "    action: drop-line\n"))
    assert any(p.line == 8 for p in e.problems)


def test_cut_before_on_line_one_and_overlapping_blocks_leave_every_document_accounted_for(tmp_path):
    rules = pack("""  - id: hostile.cut-first
    description: cuts before line 1 of every document
    patterns: ['.*']
    action: cut-before
    position: {first_lines: 1}
  - id: hostile.block-a
    description: a block
    phrases: [Begin]
    action: drop-block
    end: {phrases: [Middle]}
  - id: hostile.block-b
    description: an overlapping block
    phrases: [Middle]
    action: drop-block
    end: {phrases: [Finish]}
""")
    path = write_pack(tmp_path / "hostile.yaml", rules)
    docs = [{"id": f"d{i}", "text": f"Title {i}\nBegin\nkept {i}\nMiddle\nalso {i}\nFinish\nTail {i}."}
            for i in range(50)] + [{"id": "one", "text": "Only one line"}, {"id": "empty", "text": ""}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = invoke("clean", str(src), "-o", str(out), "--rules", str(path), "--no-default-rules",
                 "--max-removed-share", "1.0", "-w", "1")
    assert res.exit_code == 0, res.stderr
    recs = read_jsonl(out)
    assert [r["id"] for r in recs] == [d["id"] for d in docs]
    assert "check: 52 documents in = 52 records out + 0 error records" in res.stderr
    from cleaner import rebuild

    for d, r in zip(docs, recs, strict=True):
        assert rebuild(d["text"], [_removal(x) for x in r["provenance"]["removals"]]) == r["text"]
    assert recs[0]["text"] == "Tail 0."


def _removal(d: dict):
    from cleaner.document import Removal

    return Removal(d["rule"], d["action"], d["start"], d["end"], d.get("preview", ""), d.get("replacement", ""))
