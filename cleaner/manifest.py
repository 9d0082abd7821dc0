"""The run manifest, ``OUT.manifest.json``: what every record of a run shares, written once.

A compact record (``--provenance compact``, the CLI's default) carries only what is its own:
its source, removals, counts and warnings, plus the rule set's sha256 and cleaner's version.
The manifest beside the output holds the rest: the rule packs (name, version, path, sha256,
rule count), cleaner's version and options, the extraction tool's version and options, the
provenance form, how the run read and wrote, and the run's counts. It holds no times or
absolute paths the records do not have, so the same inputs, rules and version give the same
bytes. ``audit_record`` checks a record against its input and manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.document import rebuild

if TYPE_CHECKING:  # pragma: no cover
    from cleaner.api import Cleaner

MANIFEST_VERSION = 1
# Summary fields that describe the output, not the machine (seconds) or the run's history.
_COUNT_KEYS = ("documents", "cleaned", "failed", "chars_in", "chars_out", "removals_by_family", "warnings",
               "rescued", "errors_by_kind", "skipped")


def manifest_path(output: Path) -> Path:
    """``OUT.manifest.json`` beside ``OUT`` (a file, or the folder of ``--format text``)."""
    return output.with_name(output.name + ".manifest.json")


def _extraction(cleaner: Cleaner) -> dict[str, Any]:
    """What ``provenance.extraction`` holds in a full record, less the page's own length and sha256."""
    try:  # the installed distribution's version: importing trafilatura would cost text-only runs ~1 s
        tv = version("trafilatura")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        import trafilatura

        tv = trafilatura.__version__
    return {"tool": "trafilatura", "version": tv, "options": cleaner.clean_options.extraction_provenance()}


def build_manifest(
    cleaner: Cleaner, counts: dict[str, Any] | None = None, run: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The manifest of a run by ``cleaner``; ``counts`` is the batch summary (``Summary.to_dict()``),
    ``run`` what was read and written (inputs as given, formats, fields)."""
    from cleaner import __version__

    m: dict[str, Any] = {
        "manifest": MANIFEST_VERSION,
        "provenance": cleaner.provenance,
        "cleaner": {"version": __version__, "options": cleaner.options},
        # CleanOptions, the batch knobs included (records carry only what changes their text); all
        # but ``workers``: like the records, the manifest must not depend on the worker count.
        "settings": {k: v for k, v in cleaner.clean_options.to_dict().items() if k != "workers"},
        "rules": cleaner.ruleset.describe(),
        "extraction": _extraction(cleaner),
    }
    if run is not None:
        m["run"] = run
    if counts is not None:
        m["counts"] = {k: _ordered(counts[k]) for k in _COUNT_KEYS if k in counts}
    return m


def _ordered(value: Any) -> Any:
    """Tallies by count, then name: the order of ties must not depend on whether a run was resumed."""
    if isinstance(value, dict):
        return dict(sorted(value.items(), key=lambda kv: (-kv[1], str(kv[0]))))
    return value


def run_description(inputs: list[str], input_format: str, fields: Any, fmt: str, output: Path | None,
                    errors: Path | None) -> dict[str, Any]:
    """How a CLI run read and wrote: the inputs as given (as the records' ``source.path`` has them),
    the formats and fields, and the output files' names."""
    import dataclasses

    return {
        "inputs": list(inputs),
        "input_format": input_format,
        "fields": dataclasses.asdict(fields) if dataclasses.is_dataclass(fields) else dict(fields),
        "format": fmt,
        "output": output.name if output is not None else None,
        "errors": errors.name if errors is not None else None,
    }


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Written to ``path.tmp`` and renamed: never half a manifest."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def load_manifest(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def audit_record(record: dict[str, Any], input_text: str, manifest: dict[str, Any] | None = None,
                 provenance: str = "provenance") -> list[str]:
    """What is wrong with ``record`` (empty if nothing): ``input_text`` must be the text its
    removals index into (the input file's text, or for HTML the extracted text, whose sha256 is
    ``provenance.extraction.sha256``), the removals must rebuild the record's text exactly, and
    the manifest must name the same rule set and cleaner version."""
    prov = record.get(provenance)
    if not isinstance(prov, dict):
        return [f"the record has no {provenance!r} (written with --provenance none?)"]
    problems: list[str] = []
    digest = hashlib.sha256(input_text.encode("utf-8", "surrogatepass")).hexdigest()
    expected = (prov.get("extraction") or {}).get("sha256") or (prov.get("source") or {}).get("sha256")
    if digest != expected:
        problems.append(f"the input text's sha256 is {digest[:12]}…, the record's input was {str(expected)[:12]}…")
    elif rebuild(input_text, prov.get("removals", [])) != record.get("text"):
        problems.append("the removals applied to the input do not give the record's text")
    if manifest is not None:
        rules = (prov.get("rules") or {}).get("sha256")
        if rules != manifest.get("rules", {}).get("sha256"):
            problems.append(f"the record's rule set {str(rules)[:12]}… is not the manifest's")
        packs = manifest.get("rules", {}).get("packs", [])
        h = hashlib.sha256()
        for p in packs:
            h.update(str(p.get("sha256", "")).encode())
        if packs and h.hexdigest() != manifest["rules"].get("sha256"):
            problems.append("the manifest's packs do not hash to its rule set's sha256")
        v = (prov.get("cleaner") or {}).get("version")
        if v is not None and v != manifest.get("cleaner", {}).get("version"):
            problems.append(f"the record was made by cleaner {v}, the manifest by {manifest['cleaner'].get('version')}")
    return problems


__all__ = ["MANIFEST_VERSION", "audit_record", "build_manifest", "load_manifest", "manifest_path", "run_description",
           "write_manifest"]
