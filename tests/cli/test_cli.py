"""The command line end to end: inputs, outputs, errors files and exit codes."""

from __future__ import annotations

import json

from tests.conftest import run_cli, seed_dirs, write_pack
from tests.helpers import invoke

SEEDS = seed_dirs()[0][0]
PROMO = "The Daily Example: the harbour town paper since 1868"
BODY = "The harbour reopened on Monday after repairs that took most of the winter."


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_records_pass_fields_through_and_bad_lines_become_errors(tmp_path):
    seed = (SEEDS / "002_473d04ef8c662b3f.txt").read_text(encoding="utf-8")
    lines = [
        json.dumps({"id": "a", "text": seed, "url": "https://x.org/1", "lang_src": "cc", "n": 3}),
        "{not json",
        json.dumps({"id": "c", "body": "no text field"}),
        json.dumps({"text": "Just one line.\nLeave a Reply"}),
        json.dumps(["a", "list"]),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli("clean", str(src), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert "5 documents" in proc.stderr and "2 cleaned" in proc.stderr and "3 failed" in proc.stderr
    assert "check: 5 documents in = 2 records out + 3 error records" in proc.stderr
    assert "errors by kind: json 2, missing-text 1" in proc.stderr
    recs = records(out)
    assert [r["id"] for r in recs] == ["a", "in:4"]
    assert recs[0]["metadata"] == {"url": "https://x.org/1", "lang_src": "cc", "n": 3}
    assert "Leave a Reply" not in recs[0]["text"]
    assert recs[0]["provenance"]["source"]["line"] == 1
    errs = records(tmp_path / "out.jsonl.errors.jsonl")
    assert [(e["id"], e["error"]) for e in errs] == [("in:2", "json"), ("c", "missing-text"), ("in:5", "json")]
    assert all(e["message"] and e["source"]["path"] == str(src) for e in errs)


def test_bad_files_in_a_folder_do_not_stop_the_batch(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text("A line.\nShare Button\nAnother line.", encoding="utf-8")
    (tmp_path / "in" / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "in" / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me br\xfbl\xe9e est d\xe9licieux.".encode("latin-1"))
    (tmp_path / "in" / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    proc = run_cli("clean", str(tmp_path / "in"), "-o", str(out), "--errors", str(tmp_path / "errs.jsonl"))
    assert proc.returncode == 1
    recs = {r["id"]: r for r in records(out)}
    assert set(recs) == {"good", "latin1", "empty"}
    assert recs["good"]["text"] == "A line.\nAnother line."
    assert "Café" in recs["latin1"]["text"]
    assert recs["empty"]["text"] == ""
    (err,) = records(tmp_path / "errs.jsonl")
    assert err["id"] == "binary" and err["error"] == "decode"
    assert "Traceback" not in proc.stderr


def test_missing_input_is_a_usage_error_before_rules_load(tmp_path):
    out = tmp_path / "o.jsonl"
    pack = write_pack(tmp_path / "bad.yaml", "version: 1\nname: bad\nrules: [oops")
    # Exit 2 and nothing written; the broken pack shows the rules were never loaded.
    proc = run_cli("clean", str(tmp_path / "nope.txt"), str(SEEDS), "-o", str(out), "--rules", str(pack))
    assert proc.returncode == 2 and "no such input" in proc.stderr and "nope.txt" in proc.stderr
    assert "rule errors" not in proc.stderr and not out.exists()
    proc = run_cli("explain", str(tmp_path / "nope.txt"))
    assert proc.returncode == 2 and "no such input" in proc.stderr


def test_stdin_text_and_jsonl_to_stdout(tmp_path):
    proc = run_cli("clean", "-", "--quiet", stdin="Body text.\n\nShare Button\n", cwd=tmp_path)
    assert proc.returncode == 0
    (rec,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert rec["id"] == "stdin" and rec["text"] == "Body text.\n"  # the input's final line break stays
    proc = run_cli("clean", "-", "-q", stdin=json.dumps({"id": 7, "text": "X.\nScroll To Top"}) + "\n", cwd=tmp_path)
    (rec,) = [json.loads(x) for x in proc.stdout.splitlines()]
    assert rec["id"] == "7" and rec["text"] == "X."
    assert not (tmp_path / "cleaner-errors.jsonl").exists()


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("clean", str(SEEDS), "--format", "xml").returncode == 2
    assert run_cli("clean", str(SEEDS), "--format", "text").returncode == 2
    assert run_cli("clean", str(SEEDS), "-o", str(tmp_path)).returncode == 2
    assert run_cli("clean", str(SEEDS), "--max-removed-share", "3").returncode == 2
    assert run_cli("clean", str(SEEDS), "--rules", str(tmp_path / "missing.yaml")).returncode == 2


def test_format_is_the_output_format_and_input_format_the_input(tmp_path):
    src = tmp_path / "records.txt"
    src.write_text(json.dumps({"id": "r", "text": "Body.\nShare Button"}) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    res = invoke("clean", str(src), "--format", "jsonl", "--input-format", "jsonl", "-q", "-o", str(out))
    assert res.exit_code == 0, res.stderr
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["r"]
    proc = run_cli("clean", str(src), "--format", "html")
    assert proc.returncode == 2 and "OUTPUT format" in proc.stderr and "--input-format" in proc.stderr
    assert run_cli("clean", str(src), "--input-format", "xml").returncode == 2
    assert run_cli("clean", str(src), "--format", "parquet").returncode == 2  # needs -o


def test_explain_labels_removals():
    proc = run_cli("explain", str(SEEDS / "000_cddcdbfb88ac427b.txt"), "--no-color")
    assert proc.returncode == 0
    assert "- Now Reading  {navigation.now-reading}\n" in proc.stdout  # the diff view
    full = run_cli("explain", str(SEEDS / "000_cddcdbfb88ac427b.txt"), "--no-color", "--full")
    # The closing marker ends the removed line; it does not open the next kept one.
    assert "[-Now Reading-]{navigation.now-reading}\n‘Russia" in full.stdout
    assert "{support.patreon}" in proc.stdout and "{builtin.repeated-lines}" in proc.stdout
    assert "kept lines" in proc.stdout  # unchanged lines far from any removal are left out
    assert "Putin admitted that there will be some stumbling blocks" not in proc.stdout
    assert "Putin admitted that there will be some stumbling blocks" in full.stdout


def test_rules_list_and_test():
    proc = run_cli("rules", "list", "--json")
    assert proc.returncode == 0
    ids = [json.loads(x)["id"] for x in proc.stdout.splitlines()]
    assert "comments.leave-a-reply" in ids and len(ids) == len(set(ids))
    proc = run_cli("rules", "test")
    assert proc.returncode == 0, proc.stderr
    assert "0 failures" in proc.stdout


def test_rules_test_reports_failing_example_by_rule_id(tmp_path):
    pack = write_pack(tmp_path / "mine.yaml", """version: 1
name: mine
description: a user pack
rules:
  - id: mine.sponsored
    description: sponsored label
    phrases: ["Sponsored"]
    action: drop-line
    examples:
      - {input: "Text.\\nSponsored", output: "Text."}
      - {input: "Sponsored content rules were tightened by the regulator this year.", keep: true}
  - id: mine.wrong
    description: an example that is wrong
    phrases: ["Advertisement"]
    action: drop-line
    examples:
      - {input: "Text.\\nAdvertisement", output: "Something else."}
""")
    proc = run_cli("rules", "test", str(pack))
    assert proc.returncode == 1
    assert "rule 'mine.wrong': example 1: expected:" in proc.stderr
    assert "rule 'mine.wrong': has no example that must survive" in proc.stderr
    assert "mine.sponsored" not in proc.stderr
    assert "2 rules, 3 examples, 2 failures" in proc.stderr


def test_user_site_pack_picked_up_for_its_domain_only(tmp_path):
    pack = write_pack(tmp_path / "example.com.yaml", """version: 1
name: example.com
description: Daily Example chrome
domains: [example.com]
rules:
  - id: example-com.promo
    description: the site's promo line
    phrases: ["The Daily Example: the harbour town paper since 1868"]
    action: drop-line
    examples:
      - {input: "Text.\\nThe Daily Example: the harbour town paper since 1868", url: "https://www.example.com/a",
         output: "Text."}
      - {input: "Text.\\nThe Daily Example: the harbour town paper since 1868", url: "https://other.org/a",
         keep: true}
""")
    lines = [
        json.dumps({"id": "on-site", "url": "https://www.example.com/n/1", "text": f"{BODY}\n{PROMO}"}),
        json.dumps({"id": "elsewhere", "url": "https://other.org/n/1", "text": f"{BODY}\n{PROMO}"}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_cli("clean", str(src), "--rules", str(pack), "-o", str(out)).returncode == 0
    recs = {r["id"]: r for r in records(out)}
    assert recs["on-site"]["text"] == BODY
    assert recs["elsewhere"]["text"] == f"{BODY}\n{PROMO}"
    manifest = json.loads(out.with_name("out.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert recs["on-site"]["provenance"]["rules"]["sha256"] == manifest["rules"]["sha256"]
    packs = [p["name"] for p in manifest["rules"]["packs"]]
    assert "example.com" in packs
    assert run_cli("rules", "test", str(pack)).returncode == 0
