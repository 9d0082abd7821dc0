"""Scores of an extraction against gold: word bags, 4-gram shingles, with/without snippets.

Each metric is reproduced from the benchmark that defined it, so our numbers can be set
next to published ones. Empty predictions score zero (never skipped) unless the source
benchmark says otherwise; the shingle metric keeps ScrapingHub's own convention.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def harmonic(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


# --- WCXB word bag ---------------------------------------------------------------------------------------------

def word_tokens(text: str | None) -> list[str]:
    """Lowercased ``\\w+`` tokens: WCXB's tokenisation (language-agnostic, punctuation-blind)."""
    return _WORD_RE.findall((text or "").lower())


def word_bag(text: str | None) -> Counter[str]:
    return Counter(word_tokens(text))


def word_bag_prf(pred: str | None, gold: str | None) -> PRF:
    """Per-page bag-of-words (multiset) overlap, as WCXB scores a page.

    An empty prediction scores 0/0/0 (a failed extraction must cost something); callers skip
    pages whose gold is empty, as WCXB does.
    """
    p_bag, g_bag = word_bag(pred), word_bag(gold)
    n_pred, n_gold = sum(p_bag.values()), sum(g_bag.values())
    if n_pred == 0 or n_gold == 0:
        return PRF(0.0, 0.0, 0.0)
    overlap = sum((p_bag & g_bag).values())
    p, r = overlap / n_pred, overlap / n_gold
    return PRF(p, r, harmonic(p, r))


def mean_prf(scores: Sequence[PRF]) -> PRF:
    """WCXB's aggregate: precision, recall and F1 each averaged over pages (macro F1, not F1 of means)."""
    if not scores:
        return PRF(0.0, 0.0, 0.0)
    n = len(scores)
    return PRF(sum(s.precision for s in scores) / n, sum(s.recall for s in scores) / n, sum(s.f1 for s in scores) / n)


# --- ScrapingHub 4-gram shingles -------------------------------------------------------------------------------

_SH_TOKEN_RE = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def shingle_tokens(text: str | None) -> list[str]:
    """ScrapingHub's tokeniser: ``\\w+`` with case kept (IGNORECASE there does not lowercase)."""
    return _SH_TOKEN_RE.findall(text or "")


def shingles(text: str | None, n: int = 4) -> Counter[tuple[str, ...]]:
    """All n-gram shingles; a text shorter than n tokens is one short shingle, as in the original."""
    tokens = shingle_tokens(text)
    out: Counter[tuple[str, ...]] = Counter()
    for i in range(max(1, len(tokens) - n + 1)):
        shingle = tuple(tokens[i:i + n])
        if shingle:
            out[shingle] += 1
    return out


def shingle_counts(pred: str | None, gold: str | None, n: int = 4) -> tuple[float, float, float]:
    """Per-page (tp, fp, fn) over shingles, normalised to sum to 1 so long pages weigh no more.

    Reproduces ``string_shingle_matching`` of scrapinghub/article-extraction-benchmark, evaluate.py
    (https://github.com/scrapinghub/article-extraction-benchmark/blob/master/evaluate.py).
    """
    t, p = shingles(gold, n), shingles(pred, n)
    tp = float(sum((t & p).values()))
    fp = float(sum((p - t).values()))
    fn = float(sum((t - p).values()))
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s > 0 else (0.0, 0.0, 0.0)


def _sh_precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fp == 0:
        return 0.0
    return tp / (tp + fp)


def _sh_recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    if tp == fn == 0:
        return 0.0
    return tp / (tp + fn)


def shingle_summary(counts: Iterable[tuple[float, float, float]]) -> PRF:
    """ScrapingHub's ``metrics_from_tp_fp_fns``: precision averaged over pages with a non-empty
    prediction, recall over pages with a non-empty gold, F1 the harmonic mean of those two means.

    Note the convention: an empty prediction lowers recall only, not precision.
    """
    counts = list(counts)
    precisions = [_sh_precision(*c) for c in counts if c[0] + c[1] > 0]
    recalls = [_sh_recall(*c) for c in counts if c[0] + c[2] > 0]
    p = statistics.mean(precisions) if precisions else 0.0
    r = statistics.mean(recalls) if recalls else 0.0
    return PRF(p, r, harmonic(p, r))


# --- with / without snippets (trafilatura's evaluation, WCXB's with/without lists) ------------------------------

def normalize_space(text: str | None) -> str:
    return _SPACE_RE.sub(" ", text or "").strip()


@dataclass
class SnippetCounts:
    """Pooled confusion counts: a ``with`` snippet found is a TP, a ``without`` snippet found is an FP."""

    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0

    def __iadd__(self, other: SnippetCounts) -> SnippetCounts:
        self.tp += other.tp
        self.fn += other.fn
        self.fp += other.fp
        self.tn += other.tn
        return self

    @property
    def with_rate(self) -> float:
        """Share of ``with`` snippets present (higher is better)."""
        n = self.tp + self.fn
        return self.tp / n if n else 0.0

    @property
    def without_rate(self) -> float:
        """Share of ``without`` (boilerplate) snippets present (lower is better)."""
        n = self.fp + self.tn
        return self.fp / n if n else 0.0

    def prf(self) -> PRF:
        """trafilatura's pooled scores (tests/comparison.py ``calculate_scores``)."""
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return PRF(p, r, harmonic(p, r))

    @property
    def accuracy(self) -> float:
        n = self.tp + self.fn + self.fp + self.tn
        return (self.tp + self.tn) / n if n else 0.0


def snippet_counts(pred: str | None, with_: Sequence[str], without: Sequence[str]) -> SnippetCounts:
    """Substring tests after whitespace folding on both sides; empty output finds nothing."""
    text = normalize_space(pred)
    counts = SnippetCounts()
    for snippet in with_:
        if text and normalize_space(snippet) in text:
            counts.tp += 1
        else:
            counts.fn += 1
    for snippet in without:
        if text and normalize_space(snippet) in text:
            counts.fp += 1
        else:
            counts.tn += 1
    return counts
