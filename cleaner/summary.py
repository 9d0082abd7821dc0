"""The end-of-run summary of ``cleaner clean``: what went in, what came out, and how fast.

Speed has one definition, here and in the progress bar: input bytes read (as stored, so
compressed bytes for ``.gz``) per second of this run.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from cleaner.batch import Summary
from cleaner.explain import plural


def mb_per_s(input_bytes: int, seconds: float) -> float:
    return input_bytes / seconds / 1e6 if seconds > 0 else 0.0


def summary_lines(
    s: Summary, input_bytes: int, run_seconds: float, output: Path | None = None, errors: Path | None = None
) -> list[Text]:
    """The summary lines; ``input_bytes`` and ``run_seconds`` are this run's (not a resumed run's total)."""
    failed_style = "red" if s.failed else "green"
    lines = [
        Text.assemble(
            (plural(s.documents, "document"), "bold"), ": ", (f"{s.cleaned:,} cleaned", "green"), ", ",
            (f"{s.failed:,} failed", failed_style),
            f" in {run_seconds:.2f}s ({mb_per_s(input_bytes, run_seconds):.2f} MB/s of input); "
            f"{s.chars_in - s.chars_out:,} of {plural(s.chars_in, 'character')} removed",
        ),
        Text(
            f"check: {plural(s.documents, 'document')} in = {plural(s.cleaned, 'record')} out + "
            f"{plural(s.failed, 'error record')}"
            + (f" ({s.resumed_from:,} of them done before --resume)" if s.resumed_from else "")
        ),
    ]
    if s.errors_by_kind:
        kinds = ", ".join(f"{k} {v}" for k, v in s.errors_by_kind.most_common())
        lines.append(Text.assemble(("errors by kind:", "red"), f" {kinds}"))
    if s.removals_by_family:
        fam = ", ".join(f"{k} {v}" for k, v in s.removals_by_family.most_common())
        lines.append(Text(f"removals by rule family: {fam}"))
    if s.rescued:
        lines.append(Text(f"rescued extractions: {plural(s.rescued, 'HTML page')} where readability-lxml's text "
                          "replaced trafilatura's truncated one "
                          "(provenance.extraction.rescue; --no-rescue turns it off)"))
    if s.skipped:
        sk = ", ".join(f"{k} {v}" for k, v in s.skipped.most_common())
        lines.append(Text(f"skipped (not documents): {sk}"))
    if s.warnings:
        lines.append(Text.assemble((plural(s.warnings, "warning"), "yellow"), " (see provenance.warnings)"))
    if s.worker_restarts:
        crashed = s.errors_by_kind.get("worker-crashed")
        lines.append(Text.assemble(
            (f"worker processes died {plural(s.worker_restarts, 'time')}", "yellow"),
            ": their chunks were cleaned again"
            + (f" ({plural(crashed, 'document')} that kill a worker are error records)" if crashed else ""),
        ))
    if output:
        lines.append(Text(f"output: {output}"))
    if errors:
        lines.append(Text.assemble(("errors:", "red"), f" {errors}"))
    return lines
