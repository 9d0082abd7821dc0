"""The options declared once in ``cleaner.cli.options`` reach every command that shares them."""

from __future__ import annotations

from unittest import mock

import pytest
from typer.testing import CliRunner

from cleaner import run
from cleaner.cli.app import app
from cleaner.run import ExtractArgs

FLAGS = ["--favor-precision", "--no-include-tables", "--include-links", "--include-formatting", "--include-images",
         "--markdown"]


@pytest.mark.parametrize("command", ["clean", "explain"])
def test_extraction_flags_reach_the_command_as_one_object(command, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><p>The harbour reopened.</p></body></html>")
    with mock.patch.object(run, command, return_value=0) as fn:
        result = CliRunner().invoke(app, [command, str(page), *FLAGS])
    assert result.exit_code == 0, result.output
    (args, _console), _ = fn.call_args
    assert args.extraction == ExtractArgs(favor_precision=True, include_links=True, include_tables=False,
                                          include_formatting=True, include_images=True, markdown=True)
    with mock.patch.object(run, command, return_value=0) as fn:
        assert CliRunner().invoke(app, [command, str(page)]).exit_code == 0
    assert fn.call_args[0][0].extraction == ExtractArgs()


def test_clean_and_explain_declare_the_same_extraction_flags():
    result = {c: CliRunner().invoke(app, [c, "--help"], env={"COLUMNS": "200"}).output for c in ("clean", "explain")}
    for flag in [*FLAGS, "--favor-recall"]:
        assert flag in result["clean"] and flag in result["explain"], flag


@pytest.mark.parametrize("command", ["clean", "explain"])
def test_field_flags_reach_the_command_as_one_fields_object(command, tmp_path):
    from cleaner.readers.records import Fields

    page = tmp_path / "records.jsonl"
    page.write_text('{"body": "The harbour reopened."}\n')
    flags = ["--text-field", "body", "--html-field", "page", "--id-field", "key", "--url-field", "link",
             "--language-field", "lang"]
    with mock.patch.object(run, command, return_value=0) as fn:
        result = CliRunner().invoke(app, [command, str(page), *flags])
    assert result.exit_code == 0, result.output
    assert fn.call_args[0][0].fields == Fields(text="body", html="page", id="key", url="link", language="lang")
    with mock.patch.object(run, command, return_value=0) as fn:
        assert CliRunner().invoke(app, [command, str(page)]).exit_code == 0
    assert fn.call_args[0][0].fields == Fields()
