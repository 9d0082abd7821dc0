"""Measure cleaner against gold article text: loaders, metrics, extractors, per-rule audit, reports.

``bench/evaluate.py`` is the command line; docs/evaluation.md has the numbers and the commands
that produced them. Nothing here is needed to clean documents: the third-party extractors are
the optional ``eval`` extra, imported only when text mode runs.
"""

from cleaner.evaluation.datasets import BenchPage, load_dataset
from cleaner.evaluation.metrics import (
    PRF,
    SnippetCounts,
    mean_prf,
    shingle_counts,
    shingle_summary,
    snippet_counts,
    word_bag_prf,
)
from cleaner.evaluation.runner import EvalConfig, evaluate_pages, summarize

__all__ = [
    "PRF",
    "BenchPage",
    "EvalConfig",
    "SnippetCounts",
    "evaluate_pages",
    "load_dataset",
    "mean_prf",
    "shingle_counts",
    "shingle_summary",
    "snippet_counts",
    "summarize",
    "word_bag_prf",
]
