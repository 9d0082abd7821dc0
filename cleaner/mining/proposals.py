"""From a domain's candidate evidence to proposed rules: thresholds, the prose guard, the position
and action each rule gets, and the grouping of lines that recur together into one rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import regex

from cleaner.mining.evidence import HEAD_LINES, TAIL_LINES, CandidateStats
from cleaner.mining.generalise import MinedMatcher, build_matcher
from cleaner.mining.options import MineOptions

SLACK = 2  # extra lines allowed beyond the furthest position seen
MIN_COVERAGE = 0.9  # a matcher must match the forms of at least this share of the documents
GROUP_SHARE = 0.8  # two lines form a block when one follows the other in this share of both's documents

_DATE = regex.compile(  # a time, a numeric date, a year, or "9 Νοεμβρίου 2011" / "1月12日"
    r"\b\d{1,2}:\d{2}\b|\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:19|20)\d{2}\b"
    r"|\b\d{1,2}\s*(?:[年月日]|\p{L}{3,})\s*(?:19|20)?\d{2}"
)

# Statuses: what became of a candidate.
WRITE, BORDERLINE, GENERIC, COVERED, FAILED, REDUNDANT = (
    "write", "borderline", "generic", "covered", "failed", "redundant"
)


@dataclass
class Proposal:
    """One proposed rule: one line, or a block of lines that recur together."""

    domain: str
    domain_docs: int
    members: list[CandidateStats]
    matchers: list[MinedMatcher]
    action: str = "drop-line"
    zone: str = "anywhere"
    position: dict[str, Any] | None = None
    status: str = WRITE
    reason: str = ""
    rule_id: str = ""
    covered_by: str = ""
    sampled: bool = False  # the evidence comes from a sample of the domain's documents

    @property
    def lead(self) -> CandidateStats:
        return self.members[0]

    @property
    def docs(self) -> int:
        return min(m.docs for m in self.members)

    @property
    def share(self) -> float:
        return self.lead.docs / self.domain_docs if self.domain_docs else 0.0

    @property
    def prose(self) -> bool:
        return any(m.prose_docs * 2 > m.docs for m in self.members)

    @property
    def max_words(self) -> int:
        w = max(m.max_words for m in self.members)
        return math.ceil(w * 1.5) + 2 if any(m.prefix for m in self.members) else w + 2

    @property
    def max_chars(self) -> int | None:
        if not any(m.prefix for m in self.members):
            return None
        return math.ceil(max(m.max_chars for m in self.members) * 1.5) + 20

    def matcher_fields(self) -> dict[str, Any]:
        phrases: list[str] = []
        patterns: list[str] = []
        modes = {m.match for m in self.matchers}
        for m in self.matchers:
            phrases += [p for p in m.phrases if p not in phrases]
            patterns += [p for p in m.patterns if p not in patterns]
        out: dict[str, Any] = {}
        if phrases:
            out["phrases"] = phrases
        if patterns:
            out["patterns"] = patterns
        out["match"] = modes.pop() if len(modes) == 1 else "line"
        return out


@dataclass
class DomainProposals:
    domain: str
    docs: int  # documents the evidence comes from (all, or a sample of at most --evidence-docs)
    duplicates: int = 0
    candidates: int = 0
    proposals: list[Proposal] = field(default_factory=list)
    total_docs: int = 0  # distinct documents of the domain
    slug: str = ""  # the domain's part of rule ids, unique across the run
    first_docs: dict[str, list[str]] = field(default_factory=dict)  # documents of the first examples

    def by_status(self, status: str) -> list[Proposal]:
        return [p for p in self.proposals if p.status == status]


def position_of(members: list[CandidateStats]) -> tuple[str, dict[str, Any] | None]:
    """Where the lines were seen, as a rule ``position`` that covers every occurrence (plus slack)."""
    max_index = max(m.max_index for m in members)
    max_back = max(m.max_back for m in members)
    min_rel = min(m.min_rel for m in members)
    max_rel = max(m.max_rel for m in members)
    head_ok, tail_ok = max_index < HEAD_LINES, max_back < TAIL_LINES
    if head_ok and tail_ok:  # a short document: where in it, relatively?
        head_ok = max_rel <= 0.5 or (min_rel < 0.5 and max_index <= max_back)
        tail_ok = not head_ok
    if head_ok:
        return "head", {"first_lines": max_index + 1 + SLACK}
    if tail_ok:
        return "tail", {"last_lines": max_back + 1 + SLACK}
    if not any(m.middle for m in members):
        head = max(m.head_max for m in members)
        tail = max(m.tail_max for m in members)
        pos: dict[str, Any] = {}
        if head >= 0:
            pos["first_lines"] = head + 1 + SLACK
        if tail >= 0:
            pos["last_lines"] = tail + 1 + SLACK
        return "head and tail", pos
    if min_rel >= 0.5:
        return "tail", {"last_fraction": round(min(1.0, math.ceil((1 - min_rel) * 10) / 10 + 0.1), 1)}
    if max_rel <= 0.5:
        return "head", {"first_fraction": round(min(1.0, math.ceil(max_rel * 10) / 10 + 0.1), 1)}
    return "anywhere", None


def is_dateline(st: CandidateStats) -> bool:
    """Most forms hold a date or time, and the forms differ in most documents."""
    counted = sum(st.variants.values())
    dated = sum(n for form, n in st.variants.items() if _DATE.search(form))
    forms = len(st.variants) + st.other_variants  # distinct forms, at most
    return counted > 0 and dated >= 0.8 * counted and forms >= 0.5 * st.docs


def _prefix_len(st: CandidateStats) -> int:
    return len(st.key.split())


def propose(domain: str, docs: int, stats: list[CandidateStats], options: MineOptions) -> DomainProposals:
    """Proposals for one domain, each with a status; generic and coverage checks come later."""
    out = DomainProposals(domain, docs, candidates=len(stats), total_docs=docs)
    needed = options.needed(docs)
    qualified = [st for st in stats if st.docs >= needed]
    full_keys = {st.key for st in qualified if not st.prefix}
    # A longer prefix that holds (nearly) all of a shorter one's documents replaces it.
    prefixes = sorted((st for st in qualified if st.prefix), key=_prefix_len, reverse=True)
    kept_prefixes: list[CandidateStats] = []
    for st in prefixes:
        if st.extra_docs < options.min_key_docs:
            continue  # the whole lines are candidates already
        if any(p.key.startswith(st.key + " ") and p.docs >= 0.9 * st.docs for p in kept_prefixes):
            continue
        kept_prefixes.append(st)
    for st in sorted([s for s in qualified if not s.prefix] + kept_prefixes, key=lambda s: s.order):
        if st.prefix and st.key in full_keys:
            continue
        matcher = build_matcher(st.variants, _prefix_len(st) if st.prefix else None, st.other_variants)
        p = Proposal(domain, docs, [st], [matcher])
        p.zone, p.position = position_of([st])
        if p.prose and p.share < options.prose_share:
            p.status, p.reason = BORDERLINE, (
                f"reads like prose (long or sentence-like); in {p.share:.0%} of documents, "
                f"below --prose-share {options.prose_share:g}"
            )
        elif p.zone == "anywhere" and p.share < options.middle_share:
            p.status, p.reason = BORDERLINE, (
                f"seen in the middle of pages (no stable place near the start or end) in {p.share:.0%} of "
                f"documents, below --middle-share {options.middle_share:g}"
            )
        elif not options.datelines and is_dateline(st):
            p.status, p.reason = BORDERLINE, (
                "a dateline: its date or time changes from page to page (per-page metadata, which some "
                "corpora keep as text); --datelines writes such lines"
            )
        elif matcher.coverage < MIN_COVERAGE:
            p.status, p.reason = FAILED, (
                f"no narrow pattern matches its forms (matches {matcher.covered} of {matcher.total} documents)"
            )
        elif (
            (st.max_back < TAIL_LINES or st.min_rel >= 0.5)
            and not p.prose
            and st.tail_docs >= options.cut_share * st.docs
            and st.tail_varying > 0
        ):
            # It opens the tail: only recurring or short lines follow it, and some vary.
            p.action, p.zone = "cut-after", "tail"
            if st.max_back < TAIL_LINES:
                p.position = {"last_lines": st.max_back + 1 + SLACK}
            else:
                p.position = {"last_fraction": round(min(1.0, math.ceil((1 - st.min_rel) * 10) / 10 + 0.1), 1)}
        out.proposals.append(p)
    return out


def group_blocks(dp: DomainProposals) -> None:
    """Merge drop-line proposals whose lines follow each other in most documents into one rule
    per block (a menu, a footer): fewer rules to review, one example showing the whole block."""
    singles = [p for p in dp.proposals if p.status == WRITE and p.action == "drop-line" and len(p.members) == 1
               and p.matchers[0].match == "line"]
    by_hash = {p.lead.h: p for p in singles}
    succ: dict[int, Proposal] = {}
    pred_count: dict[int, int] = {}
    for p in singles:
        best = None
        for h, n in sorted(p.lead.next.items(), key=lambda kv: -kv[1]):
            q = by_hash.get(h)
            if q is None or q is p or q.zone != p.zone:
                continue
            if n >= GROUP_SHARE * p.lead.docs and n >= GROUP_SHARE * q.lead.docs:
                best = q
                break
        if best is not None:
            succ[id(p)] = best
            pred_count[id(best)] = pred_count.get(id(best), 0) + 1
    merged: set[int] = set()
    for p in singles:
        if id(p) in merged or pred_count.get(id(p)) or id(p) not in succ:
            continue
        chain = [p]
        q = succ.get(id(p))
        while q is not None and id(q) not in merged and q not in chain and len(chain) < 40:
            chain.append(q)
            q = succ.get(id(q))
        if len(chain) < 2:
            continue
        p.members = [c.lead for c in chain]
        p.matchers = [c.matchers[0] for c in chain]
        p.zone, p.position = position_of(p.members)
        for c in chain[1:]:
            merged.add(id(c))
    dp.proposals = [p for p in dp.proposals if id(p) not in merged]
