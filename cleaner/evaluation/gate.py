"""The CI regression gate: a small pinned WCXB subset whose word-bag F1 must not fall, in both modes.

The subset is the first ``pages`` article pages of the WCXB dev split by file id (pages with an
empty gold skipped). Its size, a digest of its ids, pages and gold text, the floors and the
tolerance live in ``gate_baseline.json`` beside this module (as trafilatura keeps
``tests/eval_baseline.json``), so a change of data or of floors is a reviewed data change, not
an edit of code. Floors were set about 0.01 below the measured value (see docs/evaluation.md);
raise them when a change improves the numbers, never lower them to make a test pass.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cleaner.evaluation.datasets import BenchPage, default_data_root, load_wcxb
from cleaner.evaluation.runner import BASELINE, CLEANED_SUFFIX, CLEANER, EvalConfig, evaluate_pages, summarize

BASELINE_FILE = Path(__file__).with_name("gate_baseline.json")
MODES = ("html", "text")


@cache
def baseline() -> dict[str, Any]:
    """The pinned subset description, floors and tolerance."""
    return json.loads(BASELINE_FILE.read_text("utf-8"))


@dataclass
class GateResult:
    mode: str
    pages: int
    cleaner_f1: float
    baseline_f1: float

    def failures(self) -> list[str]:
        """Why this result fails the gate (empty when it passes)."""
        spec = baseline()
        floor, tolerance = spec["floors"][self.mode]["f1"], spec["tolerance"]
        out = []
        if self.cleaner_f1 < floor:
            out.append(f"{self.mode}: cleaner F1 {self.cleaner_f1:.4f} is below the floor {floor}")
        if self.cleaner_f1 < self.baseline_f1 - tolerance:
            out.append(f"{self.mode}: cleaner F1 {self.cleaner_f1:.4f} is more than {tolerance} below "
                       f"trafilatura alone ({self.baseline_f1:.4f})")
        return out


def gate_pages(data_root: Path | None = None, n: int | None = None) -> list[BenchPage]:
    root = (data_root or default_data_root()) / "wcxb-dev"
    n = n or baseline()["subset"]["pages"]
    pages: list[BenchPage] = []
    for page in load_wcxb(root):
        if page.page_type == "article":
            pages.append(page)
            if len(pages) == n:
                break
    return pages


def subset_digest(pages: list[BenchPage]) -> str:
    """sha256 over each page's id, HTML bytes and gold text: the gate's numbers are only comparable on the same data."""
    h = hashlib.sha256()
    for page in pages:
        for part in (page.id.encode(), page.html_path.read_bytes(), page.gold_text.encode()):
            h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def run_gate(pages: list[BenchPage], mode: str, workers: int = 1) -> GateResult:
    """HTML mode through ``Cleaner.clean_html``; text mode cleans trafilatura's default text output."""
    if mode == "html":
        config = EvalConfig(dataset="wcxb", mode="html")
        base, ours = BASELINE, CLEANER
    elif mode == "text":
        config = EvalConfig(dataset="wcxb", mode="text", extractors=("trafilatura",), cache_dir=None)
        base, ours = "trafilatura", "trafilatura" + CLEANED_SUFFIX
    else:
        raise ValueError(f"gate mode must be one of {MODES}, not {mode!r}")
    records = evaluate_pages(pages, config, workers=workers)
    b, c = summarize(records, base), summarize(records, ours)
    assert b.word_bag is not None and c.word_bag is not None
    return GateResult(mode, len(records), c.word_bag.f1, b.word_bag.f1)
