"""Turn a cleaned page into removal records, the clean text, and the provenance block."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from cleaner.document import Removal, preview, rebuild
from cleaner.steps.base import PageState


def removals_of(page: PageState, text: str) -> list[Removal]:
    """Removed line runs become one record each; edits in kept lines keep their own records.

    The clean text ends with a line break exactly when the input does: a run that ends a text
    without a final line break also takes the last kept line's break, and one that ends a text
    with a final break leaves the kept line's break in place.
    """
    lines = page.lines
    out: list[Removal] = []
    last_kept = max((ln.index for ln in lines if ln.removed_by is None), default=None)
    if text.endswith("\n"):
        last_kept = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.removed_by is None:
            for e in line.view.edits:
                s, t = line.start + e.start, line.start + e.end
                out.append(Removal(e.rule, e.action, s, t, preview(text[s:t]), e.replacement))
            i += 1
            continue
        key = line.removed_by
        j = i
        while j + 1 < len(lines) and lines[j + 1].removed_by == key:
            j += 1
        start, end = line.start, lines[j].next_start
        if last_kept is not None and i == last_kept + 1:
            # The run that ends the text also takes the last kept line's line break.
            start = lines[last_kept].end
        rule, action, _ = key
        out.append(Removal(rule, action, start, end, preview(text[start:end])))
        i = j + 1
    return out


def line_count(text: str) -> int:
    """Lines as a reader counts them: a final line break ends the last line, it does not start one."""
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def source_info(doc_source: dict[str, Any], text: str) -> dict[str, Any]:
    info = dict(doc_source)
    if "sha256" not in info:
        raw = text.encode("utf-8", "surrogatepass")
        info["bytes"] = len(raw)
        info["sha256"] = hashlib.sha256(raw).hexdigest()
    return info


def build_provenance(
    page: PageState,
    text: str,
    clean: str,
    removals: list[Removal],
    version: str,
    rules: dict[str, Any],
    options: dict[str, Any],
) -> dict[str, Any]:
    return {
        "source": source_info(page.doc.source, text),
        "cleaner": {"version": version, "options": options},
        "rules": rules,
        "removals": [r.to_dict() for r in removals],
        "counts": {
            "chars_in": len(text),
            "chars_out": len(clean),
            "lines_in": line_count(text),
            "lines_out": line_count(clean),
            "removals": len(removals),
        },
        "warnings": list(page.warnings),
    }


PROVENANCE_FORMS = ("full", "compact", "none")
# What a compact record keeps of the blocks that are the same for every document of a run; the
# rest (rule packs, options, extraction settings) is in the run manifest (cleaner.manifest).
_EXTRACTION_KEPT = ("chars", "sha256", "rescue")


@lru_cache(maxsize=64)
def _shared(key: str, value: str) -> dict[str, str]:
    """One dict per value, the same object in every record: the writer encodes it once."""
    return {key: value}


def compact_provenance(prov: dict[str, Any]) -> dict[str, Any]:
    """The full provenance less what every record of a run shares: ``rules`` keeps its sha256,
    ``cleaner`` its version, ``extraction`` its characters, sha256 and rescue. Everything about the
    document itself (source, removals, counts, warnings, html_removals) is kept, so the record
    still rebuilds exactly; the manifest with the same ``rules.sha256`` holds the rest."""
    out: dict[str, Any] = {}
    for key, value in prov.items():
        if key == "rules" and isinstance(value, dict) and "sha256" in value:
            out[key] = _shared("sha256", value["sha256"])
        elif key == "cleaner" and isinstance(value, dict) and "version" in value:
            out[key] = _shared("version", value["version"])
        elif key == "extraction" and isinstance(value, dict):
            out[key] = {k: value[k] for k in _EXTRACTION_KEPT if k in value}
        else:
            out[key] = value
    return out


def record_provenance(prov: dict[str, Any], form: str) -> dict[str, Any] | None:
    """The provenance a record carries in ``form``: ``full`` (as built), ``compact`` or ``none`` (None)."""
    if form == "full":
        return prov
    if form == "compact":
        return compact_provenance(prov)
    if form == "none":
        return None
    raise ValueError(f"provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {form!r}")


__all__ = ["PROVENANCE_FORMS", "build_provenance", "compact_provenance", "line_count", "rebuild",
           "record_provenance", "removals_of", "source_info"]
