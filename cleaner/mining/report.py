"""The human-readable report (mine-report.md) and the generic candidates (generic-candidates.jsonl).

Neither is a ``.yaml`` file on purpose: ``-o rules/sites/`` puts them next to packs that are
loaded, and a generic candidate must not start removing lines on every site before review.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cleaner.mining.proposals import BORDERLINE, COVERED, FAILED, GENERIC, WRITE, DomainProposals, Proposal

if TYPE_CHECKING:
    from cleaner.mining.miner import MineResult


@dataclass
class GenericCandidate:
    """A line that qualifies in several unrelated sites: a candidate for a generic pack instead."""

    key: str
    line: str
    sites: list[tuple[str, int, int]] = field(default_factory=list)  # (domain, docs with it, domain docs)

    def to_record(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "key": self.key,
            "sites": [{"domain": d, "documents": n, "of": total, "share": round(n / total, 3)}
                      for d, n, total in self.sites],
        }


def _cell(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("|", "\\|").replace("`", "'")


def _lines(p: Proposal) -> str:
    shown = [_cell(m.display, 60) for m in p.members[:3]]
    more = f" (+{len(p.members) - 3} more)" if len(p.members) > 3 else ""
    return "<br>".join(f"`{s}`" for s in shown) + more


def _pos(p: Proposal) -> str:
    if not p.position:
        return p.zone
    return p.zone + " (" + ", ".join(f"{k} {v}" for k, v in p.position.items()) + ")"


def render_report(result: MineResult) -> str:
    s, o = result.stats, result.options
    out = [
        "# cleaner mine report",
        "",
        f"{s.documents:,} documents read: {s.counted:,} counted, {s.duplicates:,} exact duplicates skipped, "
        f"{s.no_domain:,} without a domain, {s.empty:,} empty, {s.failed:,} could not be read or extracted.",
        f"{s.domains:,} domains; {len(result.domains):,} with at least {o.min_docs} distinct documents were mined; "
        f"{result.rules_written} rules written in {len(result.packs)} packs.",
        f"Thresholds: min-share {o.min_share:g} (and at least {o.min_key_docs} documents), max-line-words "
        f"{o.max_line_words}, max-line-chars {o.max_line_chars}, prose-words {o.prose_words}, prose-share "
        f"{o.prose_share:g}, cut-share {o.cut_share:g}, generic-domains {o.generic_domains}.",
        f"Memory: at most {s.peak_keys:,} counters held in the first pass ({s.flushes} small-domain flushes).",
        "",
        "Statuses: **written** (in the pack), **borderline** (prose-like, below --prose-share: review by hand), "
        "**generic** (qualifies on several unrelated sites: see generic-candidates.jsonl), **covered** (the "
        "reference packs already remove it), **failed** (no narrow pattern, or its examples failed).",
        "",
        "## Domains",
        "",
        "| domain | documents | duplicates | candidates | written | borderline | generic | covered | failed | pack |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    packs = {p.domain: p for p in result.packs}
    for dp in result.domains:
        n = {st: len(dp.by_status(st)) for st in (WRITE, BORDERLINE, GENERIC, COVERED, FAILED)}
        pack = packs.get(dp.domain)
        out.append(
            f"| {_cell(dp.domain)} | {dp.total_docs}{f' ({dp.docs} sampled)' if dp.docs < dp.total_docs else ''} | "
            f"{dp.duplicates} | {dp.candidates} | {n[WRITE]} | {n[BORDERLINE]} | "
            f"{n[GENERIC]} | {n[COVERED]} | {n[FAILED]} | {pack.file_name if pack else '–'} |"
        )
    out += ["", "## Rules written", ""]
    for dp in result.domains:
        written = dp.by_status(WRITE)
        if not written:
            continue
        out += [f"### {dp.domain}", "", "| rule | action | documents | position | lines |",
                "| --- | --- | ---: | --- | --- |"]
        for p in written:
            out.append(f"| `{p.rule_id}` | {p.action} | {p.docs} of {p.domain_docs} ({p.share:.0%}) | {_pos(p)} | "
                       f"{_lines(p)} |")
        out.append("")
    _section(out, result.domains, BORDERLINE, "Borderline: prose-like lines, not written",
             "Lines that read like article text (long, or ending like a sentence) are written only when they "
             f"recur in at least {o.prose_share:.0%} of a site's documents. Check these by hand; if one is chrome, "
             "copy it into a pack of your own.")
    if result.generic:
        out += ["## Generic candidates: common across unrelated sites, not written", "",
                "Also in generic-candidates.jsonl. A line like these belongs in a generic pack "
                "(rules/generic/), with examples, if it is chrome everywhere.", "",
                "| line | sites | documents |", "| --- | ---: | --- |"]
        for g in result.generic:
            docs = ", ".join(f"{d} {n}/{t}" for d, n, t in g.sites[:6]) + (" …" if len(g.sites) > 6 else "")
            out.append(f"| `{_cell(g.line, 60)}` | {len(g.sites)} | {_cell(docs, 200)} |")
        out.append("")
    _section(out, result.domains, COVERED, "Already removed by the reference packs", "")
    _section(out, result.domains, FAILED, "Failed: not written", "")
    return "\n".join(out).rstrip("\n") + "\n"


def _section(out: list[str], domains: list[DomainProposals], status: str, title: str, intro: str) -> None:
    rows = [(dp, p) for dp in domains for p in dp.by_status(status)]
    if not rows:
        return
    out += [f"## {title}", ""]
    if intro:
        out += [intro, ""]
    out += ["| domain | lines | documents | position | why |", "| --- | --- | ---: | --- | --- |"]
    for dp, p in rows:
        out.append(f"| {_cell(dp.domain)} | {_lines(p)} | {p.docs} of {p.domain_docs} ({p.share:.0%}) | "
                   f"{_pos(p)} | {_cell(p.reason, 160)} |")
    out.append("")


def render_generic(generic: list[GenericCandidate]) -> str:
    return "".join(json.dumps(g.to_record(), ensure_ascii=False) + "\n" for g in generic)
