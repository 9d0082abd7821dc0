"""The report's two charts as inline SVG, drawn by matplotlib (no JavaScript, no network).

The SVG is made deterministic (no date, fixed ids), so the same output gives the same page.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=96)
    return fig, fig.add_subplot(1, 1, 1)


def _svg(fig: Figure) -> str:
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "cleaner-report"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = buf.getvalue()
    return svg[svg.index("<svg"):]  # drop the XML prologue and doctype: it is inlined in HTML


def share_histogram(shares: Sequence[float], bins: int = 20) -> str:
    """How much of each document was removed: documents per 5 % band of removed characters."""
    fig, ax = _figure(7.0, 2.8)
    ax.hist([100 * s for s in shares], bins=bins, range=(0, 100), color="#3b6ea8", edgecolor="white")
    ax.set_xlabel("characters removed from the document (%)")
    ax.set_ylabel("documents")
    ax.set_xlim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def family_bars(names: Sequence[str], chars: Sequence[int], top: int = 15) -> str:
    """Characters removed per rule family, largest first (the ``top`` largest)."""
    names, chars = list(names)[:top], list(chars)[:top]
    fig, ax = _figure(7.0, 0.3 * max(len(names), 1) + 0.8)
    ax.barh(list(range(len(names)))[::-1], chars, color="#c0504d")
    ax.set_yticks(list(range(len(names)))[::-1], names)
    ax.set_xlabel("characters removed")
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
