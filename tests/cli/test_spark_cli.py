"""``python -m cleaner.spark``'s flags, parsed in-process (no Spark session starts)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

from cleaner import spark
from cleaner.readers.records import Fields


def test_flags_become_a_spark_job():
    with mock.patch.object(spark, "run_job", return_value=0) as job:
        code = spark.main(["in/", "out/", "--rules", "a/", "-r", "b.yaml", "--no-default-rules", "--text-field", "body",
                           "--language-field", "lang", "--domain-field", "site", "--provenance", "full",
                           "--learn-from", "x.jsonl", "--learned-packs", "mined", "--partitions", "4"])
    assert code == 0
    (args, _console), _ = job.call_args
    assert args == spark.SparkJob("in/", "out/", "auto", [Path("a/"), Path("b.yaml")], False,
                                  Fields(text="body", language="lang"), "site", "full", ["x.jsonl"], Path("mined"),
                                  None, 4)


def test_learn_alone_learns_from_the_input_and_defaults_stay():
    with mock.patch.object(spark, "run_job", return_value=0) as job:
        assert spark.main(["in.parquet", "out/", "--learn"]) == 0
    (args, _console), _ = job.call_args
    assert args.learn_from == [] and args.fields == Fields() and args.provenance == "compact"
    assert args.default_rules and args.rules == [] and args.fmt == "auto"
    with mock.patch.object(spark, "run_job", return_value=0) as job:
        spark.main(["in.parquet", "out/"])
    assert job.call_args[0][0].learn_from is None


def test_bad_values_are_usage_errors_before_spark_starts(capsys):
    with mock.patch.object(spark, "spark_session") as session:
        assert spark.main(["in/", "out/", "--format", "csv"]) == 2
        assert spark.main(["in/", "out/", "--provenance", "some"]) == 2
    session.assert_not_called()
    assert "--format must be one of auto, jsonl, parquet" in capsys.readouterr().err
    assert spark.main(["in/"]) == 2  # OUTPUT missing
