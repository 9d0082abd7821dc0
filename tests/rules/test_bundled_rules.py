"""The bundled packs: every rule's inline examples pass, and the packs ship in the wheel."""

from __future__ import annotations

from importlib import metadata

from cleaner.rules.examples import run_examples
from cleaner.rules.ruleset import bundled_rules_dir


def test_every_bundled_rule_passes_its_examples(cleaner):
    count, failures = run_examples(cleaner.ruleset, require_both=True)
    assert count >= 2 * len(cleaner.ruleset.rules)
    assert not failures, "\n".join(str(f) for f in failures)


def test_one_concern_per_file(cleaner):
    names = [p.name for p in cleaner.ruleset.packs]
    assert len(names) == len(set(names))
    for p in cleaner.ruleset.packs:
        assert p.rules, f"{p.loaded.source.path} has no rules"
        prefix = {r.id.split(".")[0] for r in p.rules}
        assert len(prefix) == 1, f"{p.loaded.source.path} mixes rule families {prefix}"


def test_packs_ship_inside_an_installed_wheel():
    files = [str(f) for f in (metadata.files("cleaner") or [])]
    installed_as_wheel = any(f.startswith("cleaner/") and f.endswith(".py") for f in files)
    if installed_as_wheel:
        assert any(f.startswith("cleaner/_packs/") and f.endswith(".yaml") for f in files), files[:20]
    assert any(bundled_rules_dir().rglob("*.yaml"))
