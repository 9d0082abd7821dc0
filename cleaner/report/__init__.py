"""``cleaner report OUT.jsonl``: one self-contained HTML page about a run.

Removals by rule and by family (counts, characters, documents), the distribution of the share
removed per document, guard vetoes and other warnings, errors by kind, and per rule a few sampled
removed lines with their document ids. The page is rendered with jinja2 and its charts are
inline SVG from matplotlib: no script, no stylesheet or font from the network.

Needs the ``report`` extra (``pip install 'cleaner[report]'``).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import TYPE_CHECKING

from cleaner import __version__
from cleaner.report.data import ReportData, RuleTally, tally

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

__all__ = ["ReportData", "RuleTally", "MissingExtra", "render_html", "tally", "write_report"]


class MissingExtra(ImportError):
    """jinja2 or matplotlib is not installed."""


def _env() -> jinja2.Environment:
    try:
        import jinja2
        import matplotlib  # noqa: F401 - checked here so the message names both
    except ImportError as e:
        raise MissingExtra(f"cleaner report needs jinja2 and matplotlib: pip install 'cleaner[report]' ({e})") from None
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
        autoescape=True,  # previews are page text: they must never become markup
        keep_trailing_newline=True,
    )


def render_html(data: ReportData) -> str:
    """The page for ``data``; the same data always gives the same bytes."""
    env = _env()
    from cleaner.report.charts import family_bars, share_histogram

    families = data.families
    removals = sum(t.removals for t in data.rules.values())
    return env.get_template("report.html.j2").render(
        d=data,
        version=__version__,
        removals=removals,
        removed_share=(data.chars_in - data.chars_out) / data.chars_in if data.chars_in else 0.0,
        median_share=statistics.median(data.shares) if data.shares else 0.0,
        untouched=sum(1 for s in data.shares if s == 0),
        families=families,
        rules=data.by_rule(),
        histogram=share_histogram(data.shares) if data.shares else "",
        family_chart=family_bars([f["family"] for f in families], [f["chars"] for f in families]) if families else "",
    )


def write_report(output: Path, report: Path | None = None, errors: Path | None = None) -> tuple[Path, ReportData]:
    """Read a run's output (and errors file) and write the page, by default ``OUTPUT.report.html``."""
    data = tally(output, errors)
    page = render_html(data)
    report = report if report is not None else output.with_name(output.name + ".report.html")
    tmp = report.with_name(report.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(report)
    return report, data
