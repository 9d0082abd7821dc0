"""cleaner.run in-process: the run configuration, exit codes, writers and resume, without a subprocess."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import pytest
import typer.main
from rich.console import Console

from cleaner import run
from cleaner.batch import Checkpoint, LostRecords, WorkerError
from cleaner.cli.app import app
from cleaner.cli.options import option_specs
from cleaner.config import defaults_from
from cleaner.readers.discover import InputsChanged
from cleaner.readers.records import Fields
from cleaner.rules.errors import RuleError
from cleaner.run import CleanArgs, ExplainArgs, ExtractArgs, MineArgs, UsageError
from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import ParquetWriter
from cleaner.writers.textdir import TextDirWriter

ARTICLE = "The harbour reopened on Monday after repairs that took most of the winter.\nShare Button\n"


def console() -> Console:
    return Console(file=io.StringIO(), width=200, soft_wrap=True)


def said(c: Console) -> str:
    return c.file.getvalue()  # type: ignore[attr-defined]


@pytest.fixture
def page(tmp_path: Path) -> Path:
    p = tmp_path / "page.txt"
    p.write_text(ARTICLE, encoding="utf-8")
    return p


# --- the run configuration ---------------------------------------------------------------------------------------

def test_plan_resolves_format_errors_file_options_and_learning(tmp_path, page):
    out = tmp_path / "out.parquet"
    plan = run.plan_clean(CleanArgs([str(page)], output=out, max_document_mb=0.5, checkpoint_every=7, learn=True,
                                    extraction=ExtractArgs(markdown=True, include_tables=False)))
    assert plan.fmt == "parquet" and plan.errors == tmp_path / "out.parquet.errors.jsonl"
    assert plan.options.max_document_bytes == 500_000 and plan.options.checkpoint_every == 7
    assert plan.options.output == "markdown" and plan.options.include_tables is False
    assert plan.learn_from == [str(page)] and plan.output_fields == OutputFields()
    to_stdout = run.plan_clean(CleanArgs([str(page)], learn_from=["elsewhere"]))
    assert to_stdout.fmt == "jsonl" and to_stdout.errors == Path("cleaner-errors.jsonl")
    assert to_stdout.learn_from == ["elsewhere"] and run.plan_clean(CleanArgs([str(page)])).learn_from is None


@pytest.mark.parametrize(("args", "message"), [
    ({"fmt": "html"}, "for the input format use --input-format"),
    ({"input_format": "pdf"}, "--input-format must be one of"),
    ({"fmt": "text"}, "--format text needs --output FOLDER"),
    ({"resume": True}, "--resume needs --output"),
    ({"output_field": ["bogus=x"]}, "--output-field takes KEY=NAME"),
    ({"output_field": ["id=text"]}, "two output fields have the same name"),
    ({"learn": True, "inputs": ["-"]}, "--learn cannot read stdin twice"),
    ({"parquet_columns": "xml"}, "--parquet-columns must be one of"),
    ({"provenance": "some"}, "--provenance must be one of"),
    ({"extraction": ExtractArgs(favor_precision=True, favor_recall=True)}, "exclude each other"),
])
def test_plan_refuses_impossible_flags(page, args, message):
    with pytest.raises(UsageError, match=message):
        run.plan_clean(CleanArgs(**{"inputs": [str(page)], **args}))


def test_plan_checks_the_output_path(tmp_path, page):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "old.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError, match="is a folder"):
        run.plan_clean(CleanArgs([str(page)], output=tmp_path / "folder"))
    with pytest.raises(UsageError, match="is not empty"):
        run.plan_clean(CleanArgs([str(page)], output=tmp_path / "folder", fmt="text"))
    with pytest.raises(UsageError, match="writes a folder"):
        run.plan_clean(CleanArgs([str(page)], output=page, fmt="text"))
    assert run.plan_clean(CleanArgs([str(page)], output=tmp_path / "folder", fmt="text", resume=True)).fmt == "text"


def test_config_file_keys_become_the_commands_defaults(tmp_path):
    root = typer.main.get_command(app)
    clean_cmd, explain_cmd = root.commands["clean"], root.commands["explain"]  # type: ignore[attr-defined]
    table = {"max-removed-share": 0.5, "favor_precision": True, "rules": ["mine/"], "language-field": "lang",
             "workers": 3}
    where = tmp_path / "cleaner.toml"
    got = defaults_from(table, option_specs(clean_cmd), where)
    assert got == {"max_removed_share": 0.5, "favor_precision": True, "rules": [str(tmp_path / "mine")],
                   "language_field": "lang", "workers": 3}
    # explain takes the field options too now, but not clean's run options
    assert defaults_from(table, option_specs(clean_cmd), where, set(option_specs(explain_cmd))) == {
        k: v for k, v in got.items() if k != "workers"}


# --- exit codes and errors ---------------------------------------------------------------------------------------

def test_one_table_of_exit_codes():
    assert (run.EXIT_OK, run.EXIT_FAILED_INPUTS, run.EXIT_USAGE, run.EXIT_STOPPED, run.EXIT_INTERRUPTED,
            run.EXIT_STDOUT_CLOSED) == (0, 1, 2, 3, 130, 141)
    assert run.exit_code(0) == 0 and run.exit_code(4) == 1


@pytest.mark.parametrize(("error", "code", "message"), [
    (InputsChanged("file a.txt changed"), 2, "cannot resume: file a.txt changed; rerun without --resume"),
    (KeyboardInterrupt(), 130, "interrupted"),
    (LostRecords("3 inputs but 2 outcomes"), 3, "internal error, the run was stopped: 3 inputs but 2 outcomes"),
    (WorkerError("workers died"), 3, "the run stopped: workers died"),
    (BrokenPipeError(), 141, "stdout was closed (broken pipe)"),
    (OSError("disk full"), 3, "the run stopped: disk full"),
])
def test_stop_reasons_map_to_exit_codes(error, code, message):
    said_, got = run.stop_reason(error)
    assert got == code and said_.startswith(message)


def test_one_printer_for_usage_and_rule_errors():
    c = console()
    run.print_error(c, UsageError("no such input: x"))
    run.print_error(c, run.RuleErrors(RuleError(["a.yaml: bad", "b.yaml: worse"]), "learned rule errors"))
    assert said(c) == "error: no such input: x\nlearned rule errors (2):\n  a.yaml: bad\n  b.yaml: worse\n"


def test_rule_file_errors_are_usage_errors(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules: [{id: x}]\n", encoding="utf-8")
    with pytest.raises(run.RuleErrors) as e:
        run.load_cleaner([bad], True)
    assert e.value.problems and str(e.value).startswith("rule errors (")


def test_a_missing_input_fails_before_any_rule_loads(tmp_path, page):
    with mock.patch.object(run, "load_cleaner") as load, pytest.raises(UsageError, match="no such input: .*nope"):
        run.clean(CleanArgs([str(page), str(tmp_path / "nope")], output=tmp_path / "o.jsonl"), console())
    with mock.patch.object(run, "load_cleaner") as load2, pytest.raises(UsageError, match="no such input"):
        run.explain(ExplainArgs([str(tmp_path / "nope")]), console())
    load.assert_not_called()
    load2.assert_not_called()
    assert not (tmp_path / "o.jsonl").exists()


def test_mine_refuses_bad_flags_before_reading(tmp_path, page):
    with pytest.raises(UsageError, match="--input-format must be one of"):
        run.mine(MineArgs([str(page)], tmp_path / "packs", input_format="pdf"), console())
    with pytest.raises(UsageError, match="is a file"):
        run.mine(MineArgs([str(page)], page), console())
    with pytest.raises(UsageError, match="min_docs"):
        run.mine(MineArgs([str(page)], tmp_path / "packs", thresholds={"min_docs": 1}), console())


# --- writers and resume ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "fmt", "kind"), [
    ("out.jsonl", "auto", JsonlWriter), ("out.parquet", "auto", ParquetWriter), ("texts", "text", TextDirWriter),
])
def test_open_writers_by_format(tmp_path, page, name, fmt, kind):
    plan = run.plan_clean(CleanArgs([str(page)], output=tmp_path / name, fmt=fmt))
    writer, errors = run.open_writers(plan)
    assert isinstance(writer, kind) and isinstance(errors, ErrorWriter)
    assert errors.path == tmp_path / f"{name}.errors.jsonl"
    writer.close(False)
    errors.close(False)


def test_open_writers_continue_a_checkpoints_files(tmp_path, page):
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.tmp").write_bytes(b'{"id": "a"}\n{"id": "b"}\n')
    plan = run.plan_clean(CleanArgs([str(page)], output=out, resume=True))
    writer, errors = run.open_writers(plan, {"writers": {"output": {"size": 12}, "errors": {"size": 0}}})
    writer.close(True)
    errors.close(True)
    assert out.read_bytes() == b'{"id": "a"}\n'


def test_resume_falls_back_to_a_fresh_start_when_the_files_are_gone(tmp_path, page):
    out = tmp_path / "out.jsonl"
    plan = run.plan_clean(CleanArgs([str(page)], output=out, resume=True))
    ckpt = Checkpoint(Checkpoint.path_for(out), {"any": "config"})
    ckpt.path.write_text("{}", encoding="utf-8")
    c = console()
    state = {"done": 5, "summary": {}, "writers": {"output": {"size": 100}, "errors": {"size": 0}}}
    writer, errors, kept = run.resume_writers(plan, state, ckpt, c)
    assert kept is None and not ckpt.path.exists()
    assert "cannot resume" in said(c) and "starting from the beginning" in said(c)
    writer.close(False)
    errors.close(False)


def test_open_checkpoint_without_resume_removes_it_and_refuses_another_runs(tmp_path, page):
    out = tmp_path / "out.jsonl"
    cleaner = run.load_cleaner([], True)
    plain = run.plan_clean(CleanArgs([str(page)], output=out))
    ckpt, state = run.open_checkpoint(plain, cleaner, console())
    assert ckpt is not None and state is None and ckpt.config == run.checkpoint_config(plain, cleaner)
    ckpt.path.write_text(json.dumps({"version": Checkpoint.VERSION, "fingerprint": "other"}), encoding="utf-8")
    with pytest.raises(UsageError, match="other inputs or options"):
        run.open_checkpoint(run.plan_clean(CleanArgs([str(page)], output=out, resume=True)), cleaner, console())
    run.open_checkpoint(plain, cleaner, console())
    assert not ckpt.path.exists()
    c = console()
    assert run.open_checkpoint(run.plan_clean(CleanArgs([str(page)], output=out, resume=True)), cleaner, c)[1] is None
    assert "no checkpoint at" in said(c)
    assert run.open_checkpoint(run.plan_clean(CleanArgs([str(page)])), cleaner, c) == (None, None)


# --- whole runs --------------------------------------------------------------------------------------------------

def test_clean_writes_records_manifest_and_returns_the_exit_code(tmp_path, page):
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    c = console()
    code = run.clean(CleanArgs([str(page), str(tmp_path / "bad.jsonl")], output=out, no_default_rules=True,
                               workers=1), c)
    assert code == run.EXIT_FAILED_INPUTS
    (rec,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert rec["id"] == "page" and "2 documents in = 1 record out + 1 error record" in said(c)
    assert (tmp_path / "out.jsonl.manifest.json").exists() and not Checkpoint.path_for(out).exists()
    assert not (tmp_path / "out.jsonl.lock").exists()  # released


def test_an_interrupted_clean_keeps_its_checkpoint_and_exits_130(tmp_path, page):
    out = tmp_path / "out.jsonl"
    c = console()

    def interrupted(items, cleaner, writer, errors, config):
        config.checkpoint(config.summary)
        raise KeyboardInterrupt

    with mock.patch.object(run, "run_batch", side_effect=interrupted):
        code = run.clean(CleanArgs([str(page)], output=out, no_default_rules=True, workers=1, quiet=True), c)
    assert code == run.EXIT_INTERRUPTED and said(c).startswith("error: interrupted")
    assert "rerun with --resume to continue" in said(c) and Checkpoint.path_for(out).exists()
    assert not out.exists() and not (tmp_path / "out.jsonl.lock").exists()


def test_explain_returns_1_when_a_document_fails(tmp_path, page, capsys):
    (tmp_path / "bad.jsonl").write_text("{not json\n", encoding="utf-8")
    c = console()
    args = ExplainArgs([str(page), str(tmp_path / "bad.jsonl")], fields=Fields(), no_default_rules=True, color=False)
    assert run.explain(args, c) == run.EXIT_FAILED_INPUTS
    assert "══ page:" in capsys.readouterr().out and "bad" in said(c)
