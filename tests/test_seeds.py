"""The five seed articles come out exactly as expected, from the library and the CLI."""

from __future__ import annotations

import json

import pytest

from cleaner.rules.examples import normalise_for_compare
from tests.conftest import run_cli, seed_dirs

CASES = [(inp, exp, p.name) for inp, exp in seed_dirs() for p in sorted(inp.glob("*.txt"))]


@pytest.mark.parametrize("inp,exp,name", CASES, ids=[f"{c[0].parent.name}/{c[2]}" for c in CASES])
def test_seed_library(cleaner, inp, exp, name):
    text = (inp / name).read_text(encoding="utf-8")
    result = cleaner.clean_text(text, id=name)
    assert normalise_for_compare(result.text) == normalise_for_compare((exp / name).read_text(encoding="utf-8"))
    rules = {r.rule for r in result.removed}
    assert any(not r.startswith("builtin.") for r in rules), "a seed's chrome must be removed by named rules"


def test_seed_removals_name_their_rules(cleaner):
    inp = seed_dirs()[0][0]
    expect = {
        "000_cddcdbfb88ac427b.txt": {"navigation.now-reading", "builtin.repeated-lines", "navigation.see-also",
                                     "support.patreon"},
        "001_52692aa0463685be.txt": {"globalresearch.byline", "globalresearch.source-footer"},
        "002_473d04ef8c662b3f.txt": {"share.button-labels", "comments.leave-a-reply"},
        "003_762e844843d03a02.txt": {"comments.leave-a-reply"},
        "004_294fc3083d3d6a16.txt": {"comments.count-header"},
    }
    for name, rules in expect.items():
        got = {r.rule for r in cleaner.clean_text((inp / name).read_text(encoding="utf-8")).removed}
        assert rules <= got, (name, got)


def test_seed_byline_captures(cleaner):
    inp = seed_dirs()[0][0]
    result = cleaner.clean_text((inp / "001_52692aa0463685be.txt").read_text(encoding="utf-8"))
    assert result.metadata["author"] == "RT News"
    assert result.metadata["date"] == "November 09, 2016"


def test_seeds_cli_jsonl_and_text(tmp_path):
    inp, exp = seed_dirs()[0]
    out = tmp_path / "seeds.jsonl"
    proc = run_cli("clean", str(inp), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == sorted(p.stem for p in inp.glob("*.txt"))
    for r in records:
        want = (exp / f"{r['id']}.txt").read_text(encoding="utf-8")
        assert normalise_for_compare(r["text"]) == normalise_for_compare(want)
        assert r["provenance"]["removals"]

    folder = tmp_path / "clean"
    proc = run_cli("clean", str(inp), "--format", "text", "-o", str(folder), "--quiet")
    assert proc.returncode == 0, proc.stderr
    for p in sorted(exp.glob("*.txt")):
        got = (folder / p.name).read_text(encoding="utf-8")
        assert normalise_for_compare(got) == normalise_for_compare(p.read_text(encoding="utf-8"))
