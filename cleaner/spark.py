"""Clean a Spark DataFrame: the same records as the local CLI, computed on executors.

``clean_dataframe(df)`` maps partitions with ``mapInPandas``: each Python worker builds the
Cleaner once per rule set (the rule packs travel as their YAML text inside the pickled
Cleaner, so packs given by path need not exist on the executors) and cleans its rows in
batches. Output rows have the local CLI's record fields, ``id``, ``text``, ``metadata``,
``provenance`` (the last two as JSON strings, as in cleaner's Parquet output), plus ``error``
(a JSON error record, with ``text`` null) for rows that could not be cleaned: one output row
per input row, nothing dropped.

    python -m cleaner.spark INPUT OUTPUT [--rules PATH] [--domain-field F] [--provenance compact|full|none]
                                        [--learn | --learn-from PATH] [--learned-packs DIR]
                                        [--master local[2]] [--partitions N]

reads a folder (or file) of JSONL or Parquet and writes Parquet; the same file works with
``spark-submit``. Needs the ``spark`` extra: ``pip install "cleaner[spark]"`` and a Java runtime.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m cleaner.spark", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="JSONL or Parquet file or folder")
    ap.add_argument("output", help="Parquet folder to write")
    ap.add_argument("--format", choices=("auto", "jsonl", "parquet"), default="auto")
    ap.add_argument("--rules", action="append", default=[], help="extra rule pack file or folder")
    ap.add_argument("--no-default-rules", action="store_true")
    ap.add_argument("--text-field", default="text")
    ap.add_argument("--html-field", default="html")
    ap.add_argument("--id-field", default="id")
    ap.add_argument("--url-field", default="url")
    ap.add_argument("--domain-field", default=None,
                    help="record field holding the site (a host name) that selects site packs; default: the URL's host")
    ap.add_argument("--provenance", choices=PROVENANCE_FORMS, default="compact",
                    help="compact (default: the rule set's sha256 and the row's own removals; the rest goes once "
                         "into OUTPUT.manifest.json beside a local OUTPUT), full or none")
    ap.add_argument("--learn", action="store_true",
                    help="stage one: mine the (local) input for its sites' chrome on the driver, then clean with "
                         "the learned packs too (as `cleaner clean --learn`)")
    ap.add_argument("--learn-from", action="append", default=[],
                    help="mine these local files or folders instead of the input (implies --learn; repeatable)")
    ap.add_argument("--learned-packs", default=None, help="keep the learned packs and mine-report.md in this folder")
    ap.add_argument("--master", default=None, help="Spark master (default: from spark-submit, else local[*])")
    ap.add_argument("--partitions", type=int, default=None, help="repartition the input to N partitions")
    args = ap.parse_args(argv)

    cleaner = Cleaner(rules=args.rules, default_rules=not args.no_default_rules, provenance=args.provenance,
                      domain_field=args.domain_field)
    if args.learn or args.learn_from:
        # Two stages: mining needs every page of a site together, so it runs once, on the driver, in
        # bounded memory; the learned packs then travel to the executors inside the pickled Cleaner.
        from cleaner.learn import learn_from_inputs
        from cleaner.readers.jsonl import Fields

        fields = Fields(text=args.text_field, html=args.html_field, id=args.id_field, url=args.url_field)
        cleaner, mined = learn_from_inputs(cleaner, args.learn_from or [args.input], fields,
                                           learned_packs=args.learned_packs)
        print(f"learned {mined.rules_written} rules for {len(mined.packs)} sites", file=sys.stderr)
    spark = spark_session(args.master or os.environ.get("SPARK_MASTER") or None)
    fmt = args.format
    if fmt == "auto":
        fmt = "parquet" if args.input.rstrip("/").endswith((".parquet", ".pq")) or _has_parquet(args.input) else "jsonl"
    df = spark.read.parquet(args.input) if fmt == "parquet" else spark.read.json(args.input)
    if args.partitions:
        df = df.repartition(args.partitions)
    out = clean_dataframe(df, args.text_field, args.html_field, args.id_field, args.url_field, cleaner=cleaner)
    out.write.mode("overwrite").parquet(args.output)
    spark.stop()
    if "://" not in args.output:  # a local folder: the manifest beside it (no counts: Spark's job has them)
        from pathlib import Path

        from cleaner.manifest import manifest_path, write_manifest

        out_path = Path(args.output)
        run = {"inputs": [args.input], "input_format": fmt, "format": "parquet", "output": out_path.name}
        write_manifest(manifest_path(out_path), cleaner.manifest(run=run))
    return 0


def _has_parquet(path: str) -> bool:
    return os.path.isdir(path) and any(n.endswith(".parquet") for n in os.listdir(path))


if __name__ == "__main__":
    sys.exit(main())
