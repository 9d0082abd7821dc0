"""CleanOptions, extraction options and the config file (cleaner.toml / [tool.cleaner])."""

from __future__ import annotations

import dataclasses
import gzip
import json
from pathlib import Path

import pytest

from cleaner import Cleaner
from cleaner.extract import TRAFILATURA_OPTIONS, extract_html
from cleaner.options import CleanOptions
from cleaner.readers.base import DEFAULT_MAX_BYTES
from tests.conftest import ROOT, run_cli

HARBOUR = ROOT / "fixtures" / "html" / "harbour.html"
# A real page (WCXB dev set) on which favor_precision drops a line trafilatura keeps by default.
WCXB_PAGE = ROOT.parent / "shared" / "data" / "wcxb-dev" / "html" / "0003.html.gz"
SEED = ROOT / "fixtures" / "seeds" / "input" / "002_473d04ef8c662b3f.txt"


def wcxb_page() -> bytes:
    if not WCXB_PAGE.exists():
        pytest.skip(f"{WCXB_PAGE} (the WCXB dev pages in ../shared) is not here")
    return gzip.decompress(WCXB_PAGE.read_bytes())


def records(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


def test_defaults_are_the_options_cleaner_always_used():
    o = CleanOptions()
    assert o.trafilatura_options() == {
        "include_comments": False, "include_tables": True, "include_images": False, "include_links": False,
        "include_formatting": False, "favor_precision": False, "favor_recall": False, "deduplicate": False,
    }
    assert TRAFILATURA_OPTIONS == o.trafilatura_options()
    assert o.extraction_provenance() == o.trafilatura_options()  # default records keep their old form
    assert o.max_document_bytes == DEFAULT_MAX_BYTES
    assert Cleaner.__init__.__defaults__ is not None and Cleaner().options == {"max_removed_share": 0.8}
    # Every field is documented where it is declared (one line each, read by help and docs).
    src = (ROOT / "cleaner" / "options.py").read_text(encoding="utf-8")
    for f in dataclasses.fields(CleanOptions):
        after = src.split(f"    {f.name}: ", 1)[1].splitlines()[1].strip()
        assert after.startswith('"""'), f"{f.name} has no docstring line"


@pytest.mark.parametrize("bad", [
    {"max_removed_share": 0}, {"max_removed_share": 1.5}, {"favor_precision": True, "favor_recall": True},
    {"output": "html"}, {"chunk_size": 0}, {"checkpoint_every": 0}, {"include_links": "yes"},
    {"max_document_bytes": 0},
])
def test_bad_options_are_refused(bad):
    with pytest.raises(ValueError):
        CleanOptions(**bad)


def test_options_are_frozen_and_the_old_keyword_still_works():
    o = CleanOptions(favor_precision=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.favor_precision = False  # type: ignore[misc]
    c = Cleaner(options=o, max_removed_share=0.5)
    assert c.clean_options.favor_precision and c.max_removed_share == 0.5
    assert Cleaner(max_removed_share=0.3).clean_options == CleanOptions(max_removed_share=0.3)


def test_favor_precision_changes_extraction_on_a_real_page_and_is_recorded():
    html = wcxb_page()
    default = Cleaner().clean_html(html, id="p")
    precise = Cleaner(options=CleanOptions(favor_precision=True)).clean_html(html, id="p")
    assert extract_html(html).text != extract_html(html, options=CleanOptions(favor_precision=True)).text
    assert precise.input_text != default.input_text and len(precise.input_text) < len(default.input_text)
    assert default.provenance["extraction"]["options"]["favor_precision"] is False
    assert precise.provenance["extraction"]["options"]["favor_precision"] is True


def test_markdown_output_keeps_headings():
    html = HARBOUR.read_bytes()
    plain = extract_html(html).text
    md = Cleaner(options=CleanOptions(output="markdown")).clean_html(html)
    assert "# Harbour reopens after winter repairs" in md.input_text and "# " not in plain
    ex = md.provenance["extraction"]["options"]
    assert ex["output"] == "markdown" and ex["include_formatting"] is True


def _manifest(out):
    """What compact records leave out: the run manifest beside the output."""
    return json.loads(out.with_name(out.name + ".manifest.json").read_text(encoding="utf-8"))


def test_config_file_changes_behaviour_and_the_cli_overrides_it(tmp_path):
    out = tmp_path / "o.jsonl"
    # The guard at 1% keeps every seed's text: nothing is removed by rules.
    (tmp_path / "cleaner.toml").write_text('max-removed-share = 0.01\nquiet = true\n', encoding="utf-8")
    proc = run_cli("clean", str(SEED), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # quiet came from the file
    (rec,) = records(out)
    assert _manifest(out)["cleaner"]["options"] == {"max_removed_share": 0.01}
    assert "Leave a Reply" in rec["text"] and rec["provenance"]["warnings"]
    proc = run_cli("clean", str(SEED), "-o", str(out), "--max-removed-share", "0.8", cwd=tmp_path)
    (rec,) = records(out)
    assert _manifest(out)["cleaner"]["options"] == {"max_removed_share": 0.8}
    assert "Leave a Reply" not in rec["text"]


def test_pyproject_tool_cleaner_and_explicit_config(tmp_path):
    page = tmp_path / "p.html"
    page.write_bytes(HARBOUR.read_bytes())
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n\n[tool.cleaner]\nmarkdown = true\n'
                                             'rules = ["packs"]\nno_default_rules = true\n', encoding="utf-8")
    (tmp_path / "packs").mkdir()
    (tmp_path / "packs" / "mine.yaml").write_text(
        "version: 1\nname: mine\ndescription: test pack\nrules:\n  - id: mine.winter\n    description: a test rule\n"
        "    phrases: [\"The port authority will hold an open day\"]\n    match: start\n    action: drop-line\n",
        encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(page), "-o", str(out), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (rec,) = records(out)
    assert _manifest(out)["extraction"]["options"]["output"] == "markdown"
    assert [p["name"] for p in _manifest(out)["rules"]["packs"]] == ["mine"]  # path taken from the file's folder
    # --config elsewhere: its relative paths are resolved from its own folder, not the current one.
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "settings.toml").write_text('favor-precision = true\n', encoding="utf-8")
    proc = run_cli("clean", str(page), "-o", str(out), "-q", "--config", str(other / "settings.toml"), cwd=other)
    (rec,) = records(out)
    assert _manifest(out)["extraction"]["options"]["favor_precision"] is True
    assert "output" not in _manifest(out)["extraction"]["options"]
    # explain reads the same file and takes the options it has (here: only the file's own pack).
    proc = run_cli("explain", str(page), "--no-color", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "{mine.winter}" in proc.stdout and "{support.patreon}" not in proc.stdout


@pytest.mark.parametrize("body,message", [
    ("bogus = 1\n", "unknown key 'bogus'"),
    ("max_removed_share = 'high'\n", "max_removed_share must be a number"),
    ("workers = 1.5\n", "workers must be a whole number"),
    ("favor_precision = 'yes'\n", "favor_precision must be true or false"),
    ("rules = [1]\n", "rules must be a string or a list of strings"),
    ("resume = true\n", "unknown key 'resume'"),
    ("max_removed_share = \n", "not valid TOML"),
    ("favor_precision = true\nfavor_recall = true\n", "exclude each other"),
])
def test_bad_config_fails_with_a_clear_message_and_exit_2(tmp_path, body, message):
    (tmp_path / "cleaner.toml").write_text(body, encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(SEED), "-o", str(out), cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr and not out.exists()


def test_missing_explicit_config_is_a_usage_error(tmp_path):
    proc = run_cli("clean", str(SEED), "--config", str(tmp_path / "none.toml"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr


def test_help_short_flag_and_extraction_flags_listed():
    proc = run_cli("clean", "-h")
    assert proc.returncode == 0
    for flag in ("--favor-precision", "--favor-recall", "--include-links", "--no-include-tables",
                 "--include-formatting", "--include-images", "--markdown", "--config"):
        assert flag in proc.stdout
    assert run_cli("-h").returncode == 0
    assert "--install-completion" in run_cli("--help").stdout


def test_shell_completion_completes_commands():
    import os
    import subprocess
    import sys

    env = {**os.environ, "_CLEANER_COMPLETE": "complete_bash", "COMP_WORDS": "cleaner rules l", "COMP_CWORD": "2"}
    proc = subprocess.run([sys.executable, "-m", "cleaner"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["list"]


def test_workers_and_cache_entries_are_options_and_bound_the_memos(tmp_path):
    import pytest

    from cleaner import Cleaner
    from cleaner.options import CleanOptions

    with pytest.raises(ValueError, match="workers"):
        CleanOptions(workers=0)
    with pytest.raises(ValueError, match="cache_entries"):
        CleanOptions(cache_entries=0)
    c = Cleaner(options=CleanOptions(cache_entries=2))
    assert c.ruleset.cache_entries == 2 and c.selector.cache_entries == 2
    reference = Cleaner()
    texts = [f"Story {i}.\nLeave a Reply\nMore text {i}.\n" for i in range(6)]
    urls = [f"https://site{i}.example/a" for i in range(6)]
    for text, url in zip(texts, urls, strict=True):
        assert c.clean_text(text, url=url).text == reference.clean_text(text, url=url).text
        assert len(c.ruleset._by_site) <= 2 and len(c.ruleset._selections) <= 2
