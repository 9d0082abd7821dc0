"""What each rule costs on a sample: how many lines it is tried on, and how often it fires.

A rule whose matcher runs on most lines of a sample (no selective literal, no exact-line key,
no position or length scope) slows every document down; ``cleaner rules stats SAMPLE`` shows
it, the way ``rules test`` shows a failing example, so a pack author can narrow it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cleaner.api import Cleaner
from cleaner.document import Document
from cleaner.extract import NoContent
from cleaner.rules.candidates import CandidateSelector, DocumentLines, FastSelector, Heads, Where
from cleaner.rules.ruleset import CompiledRule


class CountingSelector:
    """Wraps a selector and counts the lines it hands each rule."""

    def __init__(self, inner: CandidateSelector):
        self.inner = inner
        self.lines: Counter[str] = Counter()
        self.documents: Counter[str] = Counter()
        self.nonblank_lines = 0

    def select(self, doc: DocumentLines, rules: list[CompiledRule]) -> Iterator[tuple[CompiledRule, Where, Heads]]:
        self.nonblank_lines += doc.total
        for cr, where, heads in self.inner.select(doc, rules):
            if where:
                self.lines[cr.id] += len(where)
                self.documents[cr.id] += 1
            yield cr, where, heads


@dataclass(frozen=True)
class RuleCost:
    id: str
    found_by: str  # how the fast engine picks its lines
    engine: str  # re2, or backtracking for patterns that need it
    tried_lines: int  # matcher runs over the sample
    share: float  # tried lines / non-blank lines of the sample
    documents: int  # documents where it was tried at least once
    fired: int  # removals it made

    def to_dict(self) -> dict:
        return {"id": self.id, "found_by": self.found_by, "engine": self.engine, "tried_lines": self.tried_lines,
                "share": round(self.share, 4), "documents": self.documents, "fired": self.fired}


def _found_by(selector: FastSelector, cr: CompiledRule) -> str:
    pf = selector.prefilter
    for name, ids in (("anchor literal", pf.anchored_ids), ("exact line", pf.exact_ids),
                      ("line-start prefix", pf.gated_ids), ("first character", pf.lead.keys())):
        if cr.id in ids:
            return name
    if cr.id in pf.contains:
        return "required character"
    if cr.rule.position is not None or cr.rule.max_words is not None or cr.rule.max_chars is not None:
        return "position/length only"
    return "every line"


def rule_costs(cleaner: Cleaner, documents: Iterable[Document]) -> tuple[list[RuleCost], int, int]:
    """Per-rule costs over the documents (most tried first), the documents cleaned and their lines."""
    fast = cleaner.selector
    if not isinstance(fast, FastSelector):
        raise ValueError("rule costs are measured with the fast engine (prefilter=True)")
    counting = CountingSelector(fast)
    cleaner._selector = counting  # the same engine, watched
    fired: Counter[str] = Counter()
    n = 0
    try:
        for doc in documents:
            try:
                result = cleaner.clean(doc)
            except (NoContent, ValueError):
                continue
            n += 1
            fired.update(r.rule for r in result.removed)
    finally:
        cleaner._selector = fast
    total = max(counting.nonblank_lines, 1)
    out = [
        RuleCost(cr.id, _found_by(fast, cr), "backtracking" if cr.start.backtracking else "re2",
                 counting.lines[cr.id], counting.lines[cr.id] / total, counting.documents[cr.id], fired[cr.id])
        for cr in cleaner.ruleset.rules if not cr.rule.html_rule
    ]
    out.sort(key=lambda c: (-c.tried_lines, c.id))
    return out, n, counting.nonblank_lines
