"""``python -m cleaner.spark``: the Spark entry's flags, the same as ``cleaner clean``'s where they overlap.

Parsed here and run by ``cleaner.spark.run_job``; ``cleaner.spark.main`` calls ``main`` below,
so typer is imported on the driver only, never by the executors that import ``cleaner.spark``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from cleaner.cli.options import (
    CONTEXT,
    DEFAULT_FIELDS,
    DomainFieldOpt,
    LearnedPacksOpt,
    LearnFromOpt,
    LearnOpt,
    NoDefaultOpt,
    ProvenanceOpt,
    RulesOpt,
    call,
    with_field_flags,
)
from cleaner.readers.records import Fields

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, context_settings=CONTEXT)


@app.command()
@with_field_flags
def spark(
    input: Annotated[str, typer.Argument(help="JSONL or Parquet file or folder.", show_default=False)],  # noqa: A002
    output: Annotated[str, typer.Argument(help="Parquet folder to write.", show_default=False)],
    fmt: Annotated[str, typer.Option("--format", help="INPUT format: auto, jsonl or parquet.")] = "auto",
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    fields: Fields = DEFAULT_FIELDS,
    domain_field: DomainFieldOpt = None,
    provenance: ProvenanceOpt = "compact",
    learn: LearnOpt = False,
    learn_from: LearnFromOpt = None,
    learned_packs: LearnedPacksOpt = None,
    master: Annotated[
        str | None, typer.Option("--master", help="Spark master (default: from spark-submit, else local[*]).")
    ] = None,
    partitions: Annotated[
        int | None, typer.Option("--partitions", help="Repartition the input to N partitions.")
    ] = None,
) -> None:
    """Clean a JSONL or Parquet file or folder on Spark into a Parquet folder: the local CLI's records.

    --learn first mines the (local) input for its sites' chrome on the driver, as clean --learn does.
    """
    from cleaner.spark import SparkJob, run_job

    call(run_job, SparkJob(input, output, fmt, list(rules or []), not no_default_rules, fields, domain_field,
                           provenance, list(learn_from or []) if learn or learn_from else None, learned_packs,
                           master, partitions))


def main(argv: list[str] | None = None) -> int:
    """Run the Spark entry on ``argv`` (default: the command line); its exit code."""
    try:
        app(args=argv, prog_name="python -m cleaner.spark")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else int(e.code is not None)
    return 0
