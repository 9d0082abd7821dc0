"""Turn a cleaned page into removal records, the clean text, and the provenance block."""

from __future__ import annotations

import hashlib
from typing import Any

from cleaner.document import Removal, preview, rebuild
from cleaner.steps.base import Page


def removals_of(page: Page, text: str) -> list[Removal]:
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
    page: Page,
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


__all__ = ["build_provenance", "line_count", "rebuild", "removals_of", "source_info"]
