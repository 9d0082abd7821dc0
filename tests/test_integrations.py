"""datatrove steps and the Hugging Face datasets map function, run for real, equal to the CLI."""

from __future__ import annotations

import gzip
import json
from collections import Counter

import pytest

from cleaner import Cleaner
from tests.conftest import ROOT, seed_dirs
from tests.helpers import HARBOUR, HARBOUR_URL, NO_CONTENT, invoke

SEED_FILES = sorted(seed_dirs()[0][0].glob("*.txt"))
WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev" / "html"


def _jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def _text_rows():
    return [{"id": p.stem, "text": p.read_text(encoding="utf-8"), "site": "seeds"} for p in SEED_FILES]


def _html_rows():
    rows = [{"id": "harbour", "html": HARBOUR.decode("utf-8"), "url": HARBOUR_URL},
            {"id": "empty", "html": NO_CONTENT.decode("utf-8")}]
    for p in sorted(WCXB.glob("*.html.gz"))[:8]:  # real pages, when the dev data is there
        rows.append({"id": p.name.split(".")[0], "html": gzip.decompress(p.read_bytes()).decode("utf-8", "replace")})
    return rows


def _cli(src, tmp_path, *extra):
    out = tmp_path / "cli" / "out.jsonl"
    assert invoke("clean", str(src), "-o", str(out), "-q", "-w", "1", *extra).exit_code in (0, 1)
    recs = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    manifest = json.loads(out.with_name("out.jsonl.manifest.json").read_text(encoding="utf-8"))
    return recs, manifest


def _same(prov_a, prov_b):
    """Equal but for ``source``, which names the file and line the CLI read."""
    a, b = dict(prov_a), dict(prov_b)
    sa, sb = a.pop("source"), b.pop("source")
    assert a == b
    assert (sa["bytes"], sa["sha256"]) == (sb["bytes"], sb["sha256"])


# --- datatrove -----------------------------------------------------------------------------------

def _pipeline(step, src, out_dir, logs, text_key="text"):
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    LocalPipelineExecutor(
        pipeline=[JsonlReader(str(src.parent), glob_pattern=src.name, text_key=text_key), step,
                  JsonlWriter(str(out_dir), output_filename="out.jsonl", compression=None)],
        tasks=1, workers=1, logging_dir=str(logs),
    ).run()
    docs = {d["id"]: d for d in map(json.loads, (out_dir / "out.jsonl").read_text(encoding="utf-8").splitlines())}
    stats = json.loads((logs / "stats.json").read_text(encoding="utf-8"))
    return docs, stats


def _step_stats(stats, name):
    step = next(s for s in stats if s["name"].endswith(name))
    return {k: v["total"] if isinstance(v, dict) else v for k, v in step["stats"].items()}


def test_datatrove_formatter_pipeline_equals_the_cli(tmp_path):
    pytest.importorskip("datatrove", reason="the datatrove extra is not installed")
    from cleaner.integrations.datatrove import CleanerFormatter

    src = _jsonl(tmp_path / "in" / "seeds.jsonl", _text_rows())
    cli, manifest = _cli(src, tmp_path)
    docs, stats = _pipeline(CleanerFormatter(), src, tmp_path / "out", tmp_path / "logs")
    assert docs.keys() == cli.keys()
    for rid, doc in docs.items():
        meta = dict(doc["metadata"])
        prov = meta.pop("provenance")
        meta.pop("file_path")  # datatrove's reader adds it
        assert doc["text"] == cli[rid]["text"]
        assert meta == cli[rid]["metadata"]
        _same(prov, cli[rid]["provenance"])
        assert prov["rules"]["sha256"] == manifest["rules"]["sha256"]
    s = _step_stats(stats, "cleaner")
    by_rule = Counter(r["rule"] for rec in cli.values() for r in rec["provenance"]["removals"])
    assert {k.removeprefix("rule/"): v for k, v in s.items() if k.startswith("rule/")} == dict(by_rule)
    assert s["total"] == s["forwarded"] == len(cli)
    assert s["removals"] == sum(by_rule.values())
    assert s["chars_removed"] == manifest["counts"]["chars_in"] - manifest["counts"]["chars_out"]


def test_datatrove_extractor_pipeline_equals_the_cli_and_drops_pages_without_content(tmp_path):
    pytest.importorskip("datatrove", reason="the datatrove extra is not installed")
    from cleaner.integrations.datatrove import CleanerExtractor

    rows = _html_rows()
    src = _jsonl(tmp_path / "in" / "pages.jsonl", rows)
    cli, manifest = _cli(src, tmp_path)
    errors = [json.loads(x) for x in (tmp_path / "cli" / "out.jsonl.errors.jsonl").read_text().splitlines()]
    assert "empty" in {e["id"] for e in errors}
    docs, stats = _pipeline(CleanerExtractor(), src, tmp_path / "out", tmp_path / "logs", text_key="html")
    assert docs.keys() == cli.keys() and "harbour" in docs
    for rid, doc in docs.items():
        meta = dict(doc["metadata"])
        prov = meta.pop("provenance")
        meta.pop("file_path")
        assert doc["text"] == cli[rid]["text"], rid
        assert meta == cli[rid]["metadata"], rid
        _same(prov, cli[rid]["provenance"])
    s = _step_stats(stats, "cleaner (HTML)")
    assert s["total"] == len(rows) and s["forwarded"] == len(cli)
    assert s["dropped"] == s["no_content"] + s.get("not_html", 0) == len(errors)
    html_rules = Counter(h["rule"] for rec in cli.values() for h in rec["provenance"]["html_removals"])
    assert all(s[f"rule/{rule}"] >= n for rule, n in html_rules.items())


def test_datatrove_step_pickled_to_two_tasks_gives_the_same_documents(tmp_path):
    pytest.importorskip("datatrove", reason="the datatrove extra is not installed")
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove import CleanerFormatter

    rows = _text_rows()
    _jsonl(tmp_path / "in" / "a.jsonl", rows[:3])
    _jsonl(tmp_path / "in" / "b.jsonl", rows[3:])
    one, _ = _pipeline(CleanerFormatter(), tmp_path / "in" / "a.jsonl", tmp_path / "one", tmp_path / "l1")
    LocalPipelineExecutor(  # two worker processes: the step (and its Cleaner) travel pickled
        pipeline=[JsonlReader(str(tmp_path / "in")), CleanerFormatter(),
                  JsonlWriter(str(tmp_path / "two"), output_filename="${rank}.jsonl", compression=None)],
        tasks=2, workers=2, logging_dir=str(tmp_path / "l2"),
    ).run()
    two = {}
    for f in sorted((tmp_path / "two").glob("*.jsonl")):
        two.update({d["id"]: d for d in map(json.loads, f.read_text(encoding="utf-8").splitlines())})
    assert sorted(two) == sorted(r["id"] for r in rows)
    for rid, doc in one.items():
        assert (two[rid]["text"], two[rid]["metadata"]["provenance"]) == (doc["text"], doc["metadata"]["provenance"])


def test_datatrove_steps_take_cleaner_options_and_a_datatrove_document(tmp_path):
    pytest.importorskip("datatrove", reason="the datatrove extra is not installed")
    from datatrove.data import Document as DTDocument

    from cleaner.integrations.datatrove import CleanerFormatter

    pack = tmp_path / "site.yaml"
    pack.write_text("""version: 1
name: gazette.example
description: a site pack selected by a record field
domains: [gazette.example]
rules:
  - id: gazette.subscribe
    description: the subscription line
    phrases: ["Subscribe to the Gazette"]
    action: drop-line
""", encoding="utf-8")
    body = "The harbour reopened on Monday after repairs that took most of the winter."
    step = CleanerFormatter(rules=[pack], domain_field="site", provenance="full", provenance_key="cleaned")
    doc = DTDocument(text=f"{body}\nSubscribe to the Gazette", id="a", metadata={"site": "gazette.example"})
    (out,) = list(step.run([doc]))
    assert out.text == body and out.metadata["cleaned"]["rules"]["packs"][-1]["name"] == "gazette.example"
    assert step.stats["rule/gazette.subscribe"].total == 1
    # Cleaner.clean takes a datatrove Document as it is.
    r = Cleaner(rules=[pack], domain_field="site").clean(
        DTDocument(text=f"{body}\nSubscribe to the Gazette", id="b", metadata={"site": "gazette.example"}))
    assert (r.id, r.text) == ("b", body)
    with pytest.raises(TypeError, match="datatrove"):
        Cleaner(rules=[pack]).clean({"text": body})


# --- Hugging Face datasets and Parquet struct columns ---------------------------------------------


def _hf_rows():
    rows = [{**r, "html": None, "url": None} for r in _text_rows()]
    for r in _html_rows():
        rows.append({"id": r["id"], "text": None, "html": r["html"], "url": r.get("url"), "site": "pages"})
    rows.append({"id": "nothing", "text": None, "html": None, "url": None, "site": "x"})
    return rows


def test_hf_map_equals_the_cli_with_fixed_arrow_types(tmp_path):
    datasets = pytest.importorskip("datasets", reason="the hf extra is not installed")

    from cleaner.arrow import PROVENANCE, provenance_dict
    from cleaner.integrations.hf import clean_batch, features

    rows = _hf_rows()
    ds = datasets.Dataset.from_list(rows)
    # Batches of 2: some have no error and no removal at all, which must not change the column types.
    out = ds.map(clean_batch, batched=True, batch_size=2, fn_kwargs={"page": True})
    assert out.features == features(ds.features, page=True)
    assert out.data.schema.field("provenance").type == PROVENANCE
    assert out.column_names[: len(ds.column_names)] == ds.column_names  # input columns kept
    src = _jsonl(tmp_path / "in" / "rows.jsonl", [{k: v for k, v in r.items() if v is not None} for r in rows])
    cli, manifest = _cli(src, tmp_path)
    errors = {e["id"]: e for e in map(json.loads, (tmp_path / "cli" / "out.jsonl.errors.jsonl").read_text(
        encoding="utf-8").splitlines())}
    for row in out:
        rid = row["id"]
        if rid in errors:
            assert row["text"] is None and row["provenance"] is None
            assert row["error"]["error"] == errors[rid]["error"]
            continue
        assert row["error"] is None
        assert row["text"] == cli[rid]["text"], rid
        _same(provenance_dict(row["provenance"]), cli[rid]["provenance"])
    assert out[len(_text_rows())]["page"]["title"] == "Harbour reopens after winter repairs"
    # Two processes, each with its own shard and Cleaner: the same rows and the same column types.
    two = ds.map(clean_batch, batched=True, batch_size=2, num_proc=2, fn_kwargs={"page": True})
    assert two.features == out.features and two.to_list() == out.to_list()
    full = ds.select(range(2)).map(clean_batch, batched=True, fn_kwargs={"provenance": "full"})
    assert provenance_dict(full[0]["provenance"])["rules"] == Cleaner().ruleset.describe()


def test_parquet_struct_columns_round_trip_and_load_as_a_dataset(tmp_path):
    import pyarrow.parquet as pq

    from cleaner.arrow import provenance_dict

    src = _jsonl(tmp_path / "in" / "rows.jsonl", [{k: v for k, v in r.items() if v is not None} for r in _hf_rows()])
    jsonl, _ = _cli(src, tmp_path)
    for form in ("compact", "full"):
        out = tmp_path / f"{form}.parquet"
        assert invoke("clean", str(src), "-o", str(out), "-q", "-w", "1", "--checkpoint-every", "3",
                      "--parquet-columns", "struct", "--provenance", form).exit_code == 1
        table = pq.read_table(out)
        assert not table.schema.metadata or b"cleaner.metadata" not in table.schema.metadata
        ref = jsonl if form == "compact" else _cli(src, tmp_path / "f", "--provenance", "full")[0]
        rows = table.to_pylist()
        assert [r["id"] for r in rows] == list(ref)
        for r in rows:
            assert provenance_dict(r["provenance"]) == ref[r["id"]]["provenance"]
            assert {k: v for k, v in r["metadata"].items() if v is not None} == ref[r["id"]]["metadata"]
    datasets = pytest.importorskip("datasets", reason="the hf extra is not installed")
    ds = datasets.load_dataset("parquet", data_files=str(tmp_path / "compact.parquet"), split="train",
                               cache_dir=str(tmp_path / "hf"))
    assert ds[0]["provenance"]["rules"]["sha256"] and isinstance(ds[0]["metadata"], dict)


def test_parquet_struct_metadata_falls_back_to_json_when_types_clash(tmp_path):
    import pyarrow.parquet as pq

    rows = [{"id": f"r{i}", "text": "Body text of the page.", "n": i} for i in range(4)]
    rows += [{"id": "s", "text": "Body text of the page.", "n": "four"}]
    src = _jsonl(tmp_path / "in" / "rows.jsonl", rows)
    out = tmp_path / "o.parquet"
    assert invoke("clean", str(src), "-o", str(out), "-q", "-w", "1", "--checkpoint-every", "2",
                  "--parquet-columns", "struct").exit_code == 0
    table = pq.read_table(out)
    assert table.schema.metadata[b"cleaner.metadata"] == b"json"
    assert [json.loads(m)["n"] for m in table.column("metadata").to_pylist()] == [0, 1, 2, 3, "four"]
    assert table.schema.field("provenance").type.num_fields > 5  # provenance stays a struct


def test_parquet_without_provenance(tmp_path):
    import pyarrow.parquet as pq

    src = _jsonl(tmp_path / "in" / "rows.jsonl", _text_rows())
    for cols in ("json", "struct"):
        out = tmp_path / f"{cols}.parquet"
        assert invoke("clean", str(src), "-o", str(out), "-q", "--provenance", "none",
                      "--parquet-columns", cols).exit_code == 0
        assert pq.read_table(out).column_names == ["id", "text", "metadata"]


@pytest.mark.parametrize("section,module",
                         [("### datatrove", "datatrove"), ("### Hugging Face `datasets`", "datasets")])
def test_readme_examples_run_as_written(section, module, tmp_path, monkeypatch):
    import re

    pytest.importorskip(module)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(re.escape(section) + r"\n.*?```python\n(.+?)```", readme, re.S).group(1)
    (tmp_path / "fixtures").symlink_to(ROOT / "fixtures")
    monkeypatch.chdir(tmp_path)
    exec(compile(block, "README", "exec"), {"__name__": "readme"})
    if module == "datatrove":
        docs = [json.loads(x) for x in gzip.decompress((tmp_path / "clean" / "00000.jsonl.gz").read_bytes())
                .decode("utf-8").splitlines()]
        assert [d["id"] for d in docs] == [p.stem for p in SEED_FILES]
        assert docs[0]["text"] == Cleaner().clean_text(SEED_FILES[0].read_text(encoding="utf-8")).text


def test_a_batch_mixing_text_and_html_rows_keeps_the_fixed_provenance_type():
    datasets = pytest.importorskip("datasets", reason="the hf extra is not installed")
    from cleaner.arrow import PROVENANCE
    from cleaner.integrations.hf import clean_batch

    rows = _hf_rows()
    text_row = next(r for r in rows if r.get("text"))
    html_row = next(r for r in rows if r.get("html"))
    ds = datasets.Dataset.from_list([text_row, html_row])  # provenance dicts of different keys, one batch
    out = ds.map(clean_batch, batched=True, fn_kwargs={"page": True})
    assert out.data.schema.field("provenance").type == PROVENANCE
