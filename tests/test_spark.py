"""cleaner.spark on a real local[2] Spark session: the same records as the local CLI."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT, run_cli, seed_dirs

pytest.importorskip("pyspark", reason="the spark extra is not installed")
if shutil.which("java") is None:  # .ci/run installs a Java runtime where the machine lacks one
    pytest.skip("no Java runtime for Spark", allow_module_level=True)

WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev"
N_PAGES = 300


@pytest.fixture(scope="module")
def spark():
    from cleaner.spark import spark_session

    session = spark_session("local[2]", app="cleaner-tests")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


def _records(tmp_path):
    """The seeds as text records, and (when the dev data is there) dev pages as HTML records."""
    recs = [{"id": p.stem, "text": p.read_text(encoding="utf-8"), "site": "seed"}
            for p in sorted(seed_dirs()[0][0].glob("*.txt"))]
    recs.append({"id": "no-text", "site": "seed"})
    if WCXB.is_dir():
        for p in sorted((WCXB / "html").glob("*.html.gz"))[:N_PAGES]:
            fid = p.name.split(".")[0]
            gt = json.loads((WCXB / "ground-truth" / f"{fid}.json").read_text(encoding="utf-8"))
            html = gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
            recs.append({"id": fid, "url": gt.get("url"), "html": html, "site": "wcxb"})
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    return recs, src


def _cli(src, tmp_path):
    out = tmp_path / "cli.jsonl"
    proc = run_cli("clean", str(src), "-o", str(out), "--quiet", "--provenance", "full")
    assert proc.returncode in (0, 1), proc.stderr
    records = {json.loads(x)["id"]: json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()}
    errors_path = tmp_path / "cli.jsonl.errors.jsonl"
    errors = {}
    if errors_path.exists():
        errors = {json.loads(x)["id"]: json.loads(x) for x in errors_path.read_text().splitlines()}
    return records, errors


def _same_record(spark_row, cli_rec):
    assert spark_row["text"] == cli_rec["text"]
    assert json.loads(spark_row["metadata"]) == cli_rec["metadata"]
    sp, cp = json.loads(spark_row["provenance"]), cli_rec["provenance"]
    for key in ("removals", "rules", "counts", "warnings", "cleaner", "extraction", "html_removals"):
        assert sp.get(key) == cp.get(key), key
    assert (sp["source"]["bytes"], sp["source"]["sha256"]) == (cp["source"]["bytes"], cp["source"]["sha256"])


def test_spark_output_equals_local_cli(spark, tmp_path):
    from cleaner.spark import clean_dataframe

    recs, src = _records(tmp_path)
    cli_records, cli_errors = _cli(src, tmp_path)
    df = spark.read.json(str(src)).repartition(3)
    rows = {r["id"]: r.asDict() for r in clean_dataframe(df, html_col="html").collect()}
    assert len(rows) == len(recs)  # one row per input row: records and errors alike
    for rid, row in rows.items():
        if row["error"] is not None:
            assert rid in cli_errors and json.loads(row["error"])["error"] == cli_errors[rid]["error"]
        else:
            _same_record(row, cli_records[rid])
    assert set(cli_records) | set(cli_errors) == set(rows)
    assert rows["002_473d04ef8c662b3f"]["text"].endswith("substantially different on this issue.")


def test_spark_command_writes_parquet_with_user_rules(tmp_path):
    pack = tmp_path / "site.yaml"
    pack.write_text("""version: 1
name: mine
description: a user pack shipped to the executors
rules:
  - id: mine.footer
    description: the house footer
    phrases: ["Printed by the Harbour Press"]
    action: drop-line
""", encoding="utf-8")
    text = "The harbour reopened on Monday after repairs that took most of the winter.\nPrinted by the Harbour Press"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part-0.jsonl").write_text(json.dumps({"id": "a", "text": text}) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner.spark", str(tmp_path / "in"), str(out), "--rules", str(pack),
         "--master", "local[2]"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import pyarrow.parquet as pq

    table = pq.read_table(str(out)).to_pylist()
    assert [r["text"] for r in table] == ["The harbour reopened on Monday after repairs that took most of the winter."]
    assert json.loads(table[0]["provenance"])["removals"][0]["rule"] == "mine.footer"


def test_spark_command_domain_field_and_compact_provenance(tmp_path):
    pack = tmp_path / "gazette.example.mined.yaml"
    pack.write_text("""version: 1
name: gazette.example
description: a site pack as mine --domain-field site writes it
domains: [gazette.example]
rules:
  - id: mined.gazette-example.subscribe
    description: the site's subscription line
    phrases: ["Subscribe to the Gazette"]
    action: drop-line
""", encoding="utf-8")
    body = "The harbour reopened on Monday after repairs that took most of the winter."
    rows = [{"id": "a", "site": "gazette.example", "text": f"{body}\nSubscribe to the Gazette"},
            {"id": "b", "site": "other.example", "text": f"{body}\nSubscribe to the Gazette"}]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner.spark", str(tmp_path / "in"), str(out), "--rules", str(pack),
         "--domain-field", "site", "--master", "local[2]"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import pyarrow.parquet as pq

    table = {r["id"]: r for r in pq.read_table(str(out)).to_pylist()}
    assert table["a"]["text"] == body and table["b"]["text"].endswith("Subscribe to the Gazette")
    prov = json.loads(table["a"]["provenance"])
    manifest = json.loads((tmp_path / "out.parquet.manifest.json").read_text(encoding="utf-8"))
    assert prov["rules"] == {"sha256": manifest["rules"]["sha256"]}
    assert manifest["cleaner"]["options"]["domain_field"] == "site" and manifest["provenance"] == "compact"


def test_spark_command_learns_then_cleans(tmp_path):
    from tests.test_structure import _site_pages

    rows = [{"id": f"p{i}", "text": t, "url": f"https://gazette.example/{i}"} for i, t in enumerate(_site_pages())]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "part-0.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.parquet"
    proc = subprocess.run(
        [sys.executable, "-m", "cleaner.spark", str(tmp_path / "in"), str(out), "--learn",
         "--learned-packs", str(tmp_path / "packs"), "--master", "local[2]"],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import pyarrow.parquet as pq

    texts = [r["text"] for r in pq.read_table(str(out)).to_pylist()]
    assert len(texts) == len(rows) and not any("readers club" in t for t in texts)
    assert list((tmp_path / "packs").glob("*.mined.yaml"))
