"""Compact provenance and the run manifest: records carry their own removals and the rule set's
sha256; OUT.manifest.json carries the rest; together they are the full record, and rebuild exactly."""

from __future__ import annotations

import json

import pytest

from cleaner import Cleaner, rebuild
from cleaner.manifest import audit_record, load_manifest, manifest_path
from cleaner.options import CleanOptions
from tests.conftest import seed_dirs
from tests.helpers import HARBOUR, HARBOUR_URL, invoke

SEEDS = seed_dirs()[0][0]
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _expand(compact: dict, manifest: dict) -> dict:
    """The full provenance from a compact one and its manifest."""
    full = dict(compact)
    full["rules"] = manifest["rules"]
    full["cleaner"] = manifest["cleaner"]
    if "extraction" in compact:
        full["extraction"] = {**manifest["extraction"], **compact["extraction"]}
    return full


@pytest.fixture(scope="module")
def html_input(tmp_path_factory):
    d = tmp_path_factory.mktemp("mixed")
    for p in SEED_FILES:
        (d / p.name).write_bytes(p.read_bytes())
    rec = {"id": "harbour", "url": HARBOUR_URL, "html": HARBOUR.decode("utf-8")}
    (d / "pages.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def runs(html_input, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    paths = {}
    for form in ("compact", "full", "none"):
        path = out / f"{form}.jsonl"
        args = ["clean", str(html_input), "-o", str(path), "-q", "-w", "1"]
        if form != "compact":  # compact is the default
            args += ["--provenance", form]
        assert invoke(*args).exit_code == 0
        paths[form] = path
    return paths


def test_compact_is_the_default_and_the_manifest_describes_the_run(runs, cleaner, html_input):
    recs = records(runs["compact"])
    m = load_manifest(manifest_path(runs["compact"]))
    assert m["manifest"] == 1 and m["provenance"] == "compact"
    assert m["rules"] == cleaner.ruleset.describe()
    assert m["cleaner"]["version"] == __import__("cleaner").__version__
    assert m["cleaner"]["options"] == {"max_removed_share": 0.8}
    assert m["settings"] == {k: v for k, v in CleanOptions().to_dict().items() if k != "workers"}
    import trafilatura

    assert m["extraction"]["tool"] == "trafilatura" and m["extraction"]["version"] == trafilatura.__version__
    assert m["extraction"]["options"]["include_comments"] is False
    assert m["run"]["inputs"] == [str(html_input)] and m["run"]["format"] == "jsonl"
    assert m["run"]["output"] == "compact.jsonl" and m["run"]["errors"] is None
    c = m["counts"]
    assert (c["documents"], c["cleaned"], c["failed"]) == (6, 6, 0)
    assert c["chars_out"] == sum(len(r["text"]) for r in recs)
    assert "seconds" not in c  # the manifest depends on inputs, rules and version only
    for r in recs:
        p = r["provenance"]
        assert p["rules"] == {"sha256": m["rules"]["sha256"]}
        assert p["cleaner"] == {"version": m["cleaner"]["version"]}
        assert "packs" not in json.dumps(p)
    html = next(r for r in recs if r["id"] == "harbour")["provenance"]
    assert set(html["extraction"]) == {"chars", "sha256"} and html["html_removals"]


def test_compact_record_and_manifest_are_the_full_record(runs):
    full = {r["id"]: r for r in records(runs["full"])}
    compact = {r["id"]: r for r in records(runs["compact"])}
    m = load_manifest(manifest_path(runs["compact"]))
    assert full.keys() == compact.keys()
    for rid, rec in compact.items():
        assert rec["text"] == full[rid]["text"] and rec["metadata"] == full[rid]["metadata"]
        assert _expand(rec["provenance"], m) == full[rid]["provenance"], rid


def test_full_mode_is_the_library_record(runs, cleaner):
    full = {r["id"]: r for r in records(runs["full"])}
    for p in SEED_FILES:
        doc_id = p.stem
        lib = cleaner.clean_text(p.read_text(encoding="utf-8"), id=doc_id).to_record()
        got = full[doc_id]
        assert got["text"] == lib["text"]
        prov = dict(got["provenance"])
        lib_prov = dict(lib["provenance"])
        prov.pop("source"), lib_prov.pop("source")  # the CLI's source names the file
        assert prov == lib_prov
        assert prov["rules"]["packs"] == cleaner.ruleset.describe()["packs"]


def test_compact_records_rebuild_exactly_and_audit_clean(runs, cleaner):
    m = load_manifest(manifest_path(runs["compact"]))
    recs = {r["id"]: r for r in records(runs["compact"])}
    for p in SEED_FILES:
        text = p.read_text(encoding="utf-8")
        rec = recs[p.stem]
        assert rebuild(text, rec["provenance"]["removals"]) == rec["text"]
        assert audit_record(rec, text, m) == []
    # HTML: the removals index into the extracted text, which the manifest's extraction settings give back.
    extracted = cleaner.clean_html(HARBOUR, url=HARBOUR_URL).input_text
    assert audit_record(recs["harbour"], extracted, m) == []


def test_audit_finds_what_does_not_match(runs):
    m = load_manifest(manifest_path(runs["compact"]))
    rec = next(r for r in records(runs["compact"]) if r["id"] == SEED_FILES[0].stem)
    text = SEED_FILES[0].read_text(encoding="utf-8")
    assert "sha256" in audit_record(rec, text + "x", m)[0]
    assert "do not give" in audit_record({**rec, "text": rec["text"] + "!"}, text, m)[0]
    other = {**m, "rules": {**m["rules"], "sha256": "0" * 64}}
    assert any("not the manifest's" in p for p in audit_record(rec, text, other))
    assert audit_record({"id": "x", "text": ""}, "", m)  # no provenance: nothing to audit


def test_none_mode_has_no_provenance(runs):
    recs = records(runs["none"])
    assert len(recs) == 6 and all(set(r) == {"id", "text", "metadata"} for r in recs)
    assert load_manifest(manifest_path(runs["none"]))["provenance"] == "none"


def test_manifest_is_deterministic_and_stdout_writes_none_unless_asked(tmp_path, monkeypatch):
    src = str(SEED_FILES[0])
    a, b = tmp_path / "a" / "compact.jsonl", tmp_path / "b" / "compact.jsonl"
    for out in (a, b):
        assert invoke("clean", src, "-o", str(out), "-q").exit_code == 0
    assert manifest_path(a).read_bytes() == manifest_path(b).read_bytes()
    monkeypatch.chdir(tmp_path)
    result = invoke("clean", src, "-q")
    assert result.exit_code == 0 and not list(tmp_path.glob("*.json"))
    named = tmp_path / "run.json"
    result = invoke("clean", src, "-q", "--manifest", str(named))
    assert result.exit_code == 0 and load_manifest(named)["counts"]["documents"] == 1
    assert json.loads(result.stdout.splitlines()[0])["provenance"]["rules"] == {"sha256": load_manifest(named)[
        "rules"]["sha256"]}


def test_library_forms(cleaner):
    text = SEED_FILES[2].read_text(encoding="utf-8")
    r = cleaner.clean_text(text, id="s")
    assert r.to_record()["provenance"] is r.provenance  # the library's default is full
    compact = r.to_record("compact")["provenance"]
    assert compact["rules"] == {"sha256": r.provenance["rules"]["sha256"]}
    assert compact["removals"] == r.provenance["removals"]
    assert "provenance" not in r.to_record("none")
    c = Cleaner(ruleset=cleaner.ruleset, provenance="compact")
    rec = c.clean_text(text, id="s").to_record()
    assert rec["provenance"] == compact
    assert _expand(rec["provenance"], c.manifest()) == r.provenance
    with pytest.raises(ValueError, match="provenance"):
        Cleaner(ruleset=cleaner.ruleset, provenance="short")
    assert invoke("clean", str(SEED_FILES[0]), "--provenance", "short").exit_code == 2


def test_folder_walk_skips_manifests(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("Body text here.\n", encoding="utf-8")
    out = src / "out.jsonl"
    assert invoke("clean", str(src), "-o", str(out), "-q").exit_code == 0
    assert manifest_path(out).exists()
    again = tmp_path / "again.jsonl"
    assert invoke("clean", str(src), "-o", str(again), "-q").exit_code == 0
    # a.txt and the earlier output's record (outputs of other runs are inputs), not its manifest
    assert [r["id"] for r in records(again)] == ["a", "a"]
    assert not again.with_name("again.jsonl.errors.jsonl").exists()



def test_readme_audit_example_runs_as_written(tmp_path, monkeypatch):
    import re

    from tests.conftest import ROOT

    block = re.search(r"\*\*Auditing a record\.\*\*.*?```python\n(.+?)```", (ROOT / "README.md").read_text(
        encoding="utf-8"), re.S).group(1)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    monkeypatch.chdir(tmp_path)
    assert invoke("clean", "fixtures/seeds/input", "-o", "out/seeds.jsonl", "-q").exit_code == 0
    exec(compile("\n".join(line[2:] for line in block.splitlines()), "README", "exec"), {})


def test_manifest_tallies_do_not_depend_on_the_order_they_were_counted(cleaner):
    a = cleaner.manifest({"removals_by_family": {"b": 2, "a": 2, "c": 3}, "documents": 3})
    b = cleaner.manifest({"removals_by_family": {"c": 3, "a": 2, "b": 2}, "documents": 3})
    assert list(a["counts"]["removals_by_family"]) == ["c", "a", "b"]
    assert json.dumps(a) == json.dumps(b)
