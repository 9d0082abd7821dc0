"""Clean a Spark DataFrame: the same records as the local CLI, computed on executors.

``clean_dataframe(df)`` maps partitions with ``mapInPandas``: each Python worker builds the
Cleaner once per rule set (the rule packs travel as their YAML text inside the pickled
Cleaner, so packs given by path need not exist on the executors) and cleans its rows in
batches. Output rows have the local CLI's record fields, ``id``, ``text``, ``metadata``,
``provenance`` (the last two as JSON strings, as in cleaner's Parquet output), plus ``error``
(a JSON error record, with ``text`` null) for rows that could not be cleaned: one output row
per input row, nothing dropped.

    python -m cleaner.spark INPUT OUTPUT [--rules PATH] [--domain-field F] [--provenance compact|full|none]
                                        [--text-field F] [--html-field F] [--id-field F] [--url-field F]
                                        [--language-field F] [--learn | --learn-from PATH] [--learned-packs DIR]
                                        [--master local[2]] [--partitions N]

reads a folder (or file) of JSONL or Parquet and writes Parquet; the same file works with
``spark-submit``. Needs the ``spark`` extra: ``pip install "cleaner[spark]"`` and a Java runtime.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.api import Cleaner
from cleaner.batch import process
from cleaner.provenance import PROVENANCE_FORMS
from cleaner.readers.base import DEFAULT_MAX_BYTES, Item
from cleaner.readers.records import Fields, guarded_item

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

OUTPUT_SCHEMA = "id string, text string, metadata string, provenance string, error string"
_WORKER_CLEANERS: dict[str, Cleaner] = {}


def _worker_cleaner(cleaner: Cleaner) -> Cleaner:
    # Tasks unpickle their closure each time; keep the first Cleaner per rule set, so the
    # automaton and regexes are built once per Python worker, not once per partition.
    key = cleaner.ruleset.sha256 + json.dumps(cleaner.clean_options.to_dict(), sort_keys=True)
    key += f"|{cleaner.provenance}|{cleaner.domain_field}"  # the record's form and the site field
    return _WORKER_CLEANERS.setdefault(key, cleaner)


def _documents(pdf: pd.DataFrame, fields: Fields) -> Iterator[Item]:
    """The rows as the local readers make records into documents (``record_item``: the size
    limit, the repair of lone surrogates, a ``format`` field), or into error records."""
    names = list(pdf.columns)
    for row in pdf.itertuples(index=False, name=None):
        # A null in a DataFrame column is a field the record did not have (Spark's JSON reader
        # gives every row every column), so it is left out, as the local readers leave it out.
        rec = {k: v for k, v in zip(names, row, strict=True) if not _is_missing(v)}
        rid = rec.get(fields.id) if fields.id is not None else None
        # A row has no line number: without an id its id stays "" (the record is then named by
        # its content hash), and its source block starts with record_id, null or not.
        src: dict[str, Any] = {"record_id": None if rid is None else str(rid)}
        yield guarded_item(rec, fields, "", src, DEFAULT_MAX_BYTES)


def _is_missing(v: Any) -> bool:
    try:
        return v is None or (isinstance(v, float) and v != v)
    except Exception:  # noqa: BLE001
        return False


def clean_dataframe(
    df: DataFrame,
    text_col: str | None = "text",
    html_col: str | None = None,
    id_col: str | None = "id",
    url_col: str | None = "url",
    language_col: str | None = "language",
    cleaner: Cleaner | None = None,
) -> DataFrame:
    """Return one row per input row with the cleaned record (or an error record)."""
    cleaner = cleaner or Cleaner()
    present = set(df.columns)
    cols = {
        "text": text_col if text_col in present else None,
        "html": html_col if html_col in present else None,
        "id": id_col if id_col in present else None,
        "url": url_col if url_col in present else None,
        "language": language_col if language_col in present else None,
    }
    if cols["text"] is None and cols["html"] is None:
        raise ValueError(f"the DataFrame has neither a {text_col!r} nor a {html_col!r} column")
    fields = Fields(**cols)

    def clean_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import pandas as pd

        c = _worker_cleaner(cleaner)
        for pdf in batches:
            rows = []
            for item in _documents(pdf, fields):
                o = process(c, item)
                if o.record is not None:
                    rec = o.record
                    rows.append({
                        "id": rec["id"],
                        "text": rec["text"],
                        "metadata": json.dumps(rec["metadata"], ensure_ascii=False, default=str),
                        "provenance": json.dumps(rec["provenance"], ensure_ascii=False) if "provenance" in rec
                        else None,
                        "error": None,
                    })
                else:
                    rows.append({"id": item.id, "text": None, "metadata": None, "provenance": None,
                                 "error": json.dumps(o.error, ensure_ascii=False, default=str)})
            yield pd.DataFrame(rows, columns=["id", "text", "metadata", "provenance", "error"])

    return df.mapInPandas(clean_partition, OUTPUT_SCHEMA)


def spark_session(master: str | None = None, app: str = "cleaner") -> SparkSession:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors use this interpreter
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # local runs stay on the loopback interface
    builder = SparkSession.builder.appName(app).config("spark.ui.enabled", "false")
    if master:
        builder = builder.master(master)
    return builder.getOrCreate()


@dataclass(frozen=True)
class SparkJob:
    """``python -m cleaner.spark``'s flags as given (``cleaner.cli.spark`` parses them)."""

    input: str
    output: str
    fmt: str = "auto"  # of the input: auto, jsonl or parquet
    rules: list[Path] = field(default_factory=list)
    default_rules: bool = True
    fields: Fields = field(default_factory=Fields)
    domain_field: str | None = None
    provenance: str = "compact"
    learn_from: list[str] | None = None  # None: no learning; empty: learn from the input
    learned_packs: Path | None = None
    master: str | None = None
    partitions: int | None = None


def run_job(job: SparkJob, console: Any = None) -> int:
    """Clean ``job.input`` on Spark into the Parquet folder ``job.output``; the exit code."""
    from cleaner.run import UsageError, load_cleaner

    if job.fmt not in ("auto", "jsonl", "parquet"):
        raise UsageError(f"--format must be one of auto, jsonl, parquet, not {job.fmt!r}")
    if job.provenance not in PROVENANCE_FORMS:
        raise UsageError(f"--provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {job.provenance!r}")
    cleaner = load_cleaner(job.rules, not job.default_rules, provenance=job.provenance, domain_field=job.domain_field)
    if job.learn_from is not None:
        # Two stages: mining needs every page of a site together, so it runs once, on the driver, in
        # bounded memory; the learned packs then travel to the executors inside the pickled Cleaner.
        from cleaner.learn import learn_from_inputs

        cleaner, mined = learn_from_inputs(cleaner, job.learn_from or [job.input], job.fields,
                                           learned_packs=job.learned_packs)
        print(f"learned {mined.rules_written} rules for {len(mined.packs)} sites", file=sys.stderr)
    spark = spark_session(job.master or os.environ.get("SPARK_MASTER") or None)
    fmt = job.fmt
    if fmt == "auto":
        fmt = "parquet" if job.input.rstrip("/").endswith((".parquet", ".pq")) or _has_parquet(job.input) else "jsonl"
    df = spark.read.parquet(job.input) if fmt == "parquet" else spark.read.json(job.input)
    if job.partitions:
        df = df.repartition(job.partitions)
    f = job.fields
    out = clean_dataframe(df, f.text, f.html, f.id, f.url, f.language, cleaner=cleaner)
    out.write.mode("overwrite").parquet(job.output)
    spark.stop()
    if "://" not in job.output:  # a local folder: the manifest beside it (no counts: Spark's job has them)
        from cleaner.manifest import manifest_path, write_manifest

        out_path = Path(job.output)
        run = {"inputs": [job.input], "input_format": fmt, "format": "parquet", "output": out_path.name}
        write_manifest(manifest_path(out_path), cleaner.manifest(run=run))
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m cleaner.spark INPUT OUTPUT [options]`` (``--help`` lists them); the exit code."""
    from cleaner.cli.spark import main as cli_main

    return cli_main(argv)


def _has_parquet(path: str) -> bool:
    return os.path.isdir(path) and any(n.endswith(".parquet") for n in os.listdir(path))


if __name__ == "__main__":
    sys.exit(main())
