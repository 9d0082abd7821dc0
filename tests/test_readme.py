"""The README's commands and worked example are the real thing."""

from __future__ import annotations

import re
import subprocess

from cleaner import Cleaner
from cleaner.rules.examples import run_examples
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_ci_runs_the_readme_test_command():
    cmd = subprocess.run(
        ["awk", "/<!-- test-command -->/{f=1; next} f && /^```bash/{g=1; next} g && /^```/{exit} g{print}",
         str(ROOT / "README.md")],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert "pytest" in cmd and "pip install" in cmd
    assert "README.md" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_first_command_uses_bundled_fixtures():
    first = re.search(r"```bash\n(.+?)\n```", README).group(1)
    for path in re.findall(r"fixtures/\S+", first):
        assert (ROOT / path).exists(), path


def test_worked_example_pack_passes_its_examples(tmp_path):
    block = re.search(r"### Writing and testing a rule.*?```yaml\n(.+?)```", README, re.S).group(1)
    path = tmp_path / "example.com.yaml"
    path.write_text(block, encoding="utf-8")
    c = Cleaner(rules=[path], default_rules=False)
    count, failures = run_examples(c.ruleset)
    assert count == 2 and not failures, failures


def test_structural_worked_example_passes_its_examples(tmp_path):
    block = re.search(r"### Structural rules: shapes and runs.*?```yaml\n(.+?)```", README, re.S).group(1)
    path = tmp_path / "runs.yaml"
    path.write_text("version: 1\nname: runs\ndescription: the README's example\nrules:\n" + block, encoding="utf-8")
    c = Cleaner(rules=[path], default_rules=False)
    count, failures = run_examples(c.ruleset)
    assert count == 2 and not failures, failures
