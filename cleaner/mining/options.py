"""The knobs of ``cleaner mine``, with the defaults documented in docs/mining.md."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class MineOptions:
    """Thresholds for proposing a rule. Defaults favour precision: a wrong rule costs article text."""

    min_docs: int = 5
    """A domain needs this many distinct documents before anything is mined from it."""
    min_share: float = 0.5
    """A line must occur in at least this share of its domain's documents (and in at least 3)."""
    max_line_words: int = 40
    """Longer lines are never counted: chrome is short."""
    max_line_chars: int = 300
    """Longer lines (in characters, for scripts without spaces) are never counted."""
    prose_words: int = 12
    """A line with more words (or twice as many CJK characters) counts as prose-like."""
    prose_share: float = 0.95
    """Prose-like lines (long, or ending like a sentence) are written only at this share; below it
    (and above ``min_share``) they are listed in the report as borderline."""
    middle_share: float = 0.8
    """A line seen in the middle of pages (with no stable place in the first or last lines) is
    more often shared content (a spec field, a recurring heading) than chrome, which templates put
    around the article: it is written only at this share; below it, it is listed as borderline."""
    generic_domains: int = 3
    """A line that qualifies in this many unrelated sites (different registrable names) is
    generic: it goes to generic-candidates.jsonl, not into the site packs."""
    cut_share: float = 0.95
    """``cut-after`` needs the line to open a block that runs to the end of the document (only
    recurring or short lines after it) in this share of the documents where it occurs."""
    datelines: bool = False
    """Also write datelines: lines whose date or time changes from page to page ("Published 9 Nov
    2011 10:42"). They are per-page metadata that some corpora keep as article text (DANIEL's
    gold does on several sites), so by default they are reported as borderline, not written."""
    min_key_docs: int = 3
    """A line must occur in at least this many documents, whatever the share."""
    prefixes: bool = True
    """Also mine line *starts* ("Posted by NAME on DATE"): the first 2 or 3 words, then anything."""
    max_keys: int = 2_000_000
    """Memory budget of the first pass: counters kept across all domains (about 100 bytes each)."""
    max_candidates: int = 2_000
    """At most this many candidate lines per domain go to the second pass (the most frequent)."""
    evidence_docs: int = 2_000
    """The second pass reads at most this many documents of a domain, spread evenly over the
    stream (a systematic sample): shares are then known to about a percent, at a bounded cost."""

    """At most this many candidate lines per domain go to the second pass (the most frequent)."""
    skip_covered: bool = True
    """Leave out lines the reference rule packs (the bundled ones by default) already remove."""
    verify: bool = True
    """Run every proposed rule's examples (as ``cleaner rules test`` does); drop the rules that fail."""

    def __post_init__(self) -> None:
        if self.min_docs < 2:
            raise ValueError("min_docs must be at least 2")
        if not 0 < self.min_share <= 1:
            raise ValueError("min_share must be in (0, 1]")
        if not 0 < self.prose_share <= 1:
            raise ValueError("prose_share must be in (0, 1]")
        if not 0 < self.middle_share <= 1:
            raise ValueError("middle_share must be in (0, 1]")
        if not 0 < self.cut_share <= 1:
            raise ValueError("cut_share must be in (0, 1]")
        if self.generic_domains < 2:
            raise ValueError("generic_domains must be at least 2")
        if self.max_line_words < 1 or self.max_line_chars < 1 or self.prose_words < 1:
            raise ValueError("line limits must be positive")
        if self.evidence_docs < self.min_docs:
            raise ValueError("evidence_docs must be at least min_docs")
        if self.max_keys < 1000:
            raise ValueError("max_keys must be at least 1000")

    @property
    def epsilon(self) -> float:
        """Lossy counting's error bound: counts are low by at most this share of a domain's documents.

        Well below ``min_share``, so no line that reaches the threshold is lost in the first pass.
        """
        return self.min_share / 4

    def needed(self, docs: int) -> int:
        """Documents a line must occur in, in a domain of ``docs`` documents."""
        return max(self.min_key_docs, math.ceil(self.min_share * docs - 1e-9))
