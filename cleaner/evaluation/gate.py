"""The CI regression gate: a small pinned WCXB subset whose word-bag F1 must not fall.

The subset is the first ``GATE_PAGES`` article pages of the WCXB dev split by file id (pages
with an empty gold skipped), so it is fixed without listing ids here. Floors were set about
0.01 below the measured value (see docs/evaluation.md); raise them when a change improves
the numbers, never lower them to make a test pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cleaner.evaluation.datasets import Page, default_data_root, load_wcxb
from cleaner.evaluation.runner import BASELINE, CLEANED_SUFFIX, CLEANER, EvalConfig, evaluate_pages, summarize

GATE_PAGES = 40
# word-bag F1 (mean over the subset) floors, by mode; measured 0.954 (html) and 0.948 (text) on 2026-11-23
GATE_FLOORS = {"html": 0.944, "text": 0.937}
# cleaner may not score below trafilatura alone by more than this on the subset
GATE_TOLERANCE = 0.002


@dataclass
class GateResult:
    mode: str
    pages: int
    cleaner_f1: float
    baseline_f1: float


def gate_pages(data_root: Path | None = None, n: int = GATE_PAGES) -> list[Page]:
    root = (data_root or default_data_root()) / "wcxb-dev"
    pages: list[Page] = []
    for page in load_wcxb(root):
        if page.page_type == "article":
            pages.append(page)
            if len(pages) == n:
                break
    return pages


def gate_mode() -> str:
    """HTML mode when ``Cleaner.clean_html`` exists, else text mode over trafilatura's default output."""
    from cleaner import Cleaner

    return "html" if hasattr(Cleaner, "clean_html") else "text"


def run_gate(pages: list[Page], mode: str | None = None, workers: int = 1) -> GateResult:
    mode = mode or gate_mode()
    if mode == "html":
        config = EvalConfig(dataset="wcxb", mode="html")
        base, ours = BASELINE, CLEANER
    else:
        config = EvalConfig(dataset="wcxb", mode="text", extractors=("trafilatura",), cache_dir=None)
        base, ours = "trafilatura", "trafilatura" + CLEANED_SUFFIX
    records = evaluate_pages(pages, config, workers=workers)
    b, c = summarize(records, base), summarize(records, ours)
    assert b.word_bag is not None and c.word_bag is not None
    return GateResult(mode, len(records), c.word_bag.f1, b.word_bag.f1)
