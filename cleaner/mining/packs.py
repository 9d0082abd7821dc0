"""Proposals to YAML site packs: ids, inline examples from the corpus, evidence comments, and the
checks that make ``cleaner rules test`` pass on every file written.

The schema forbids unknown fields, so the evidence goes into comments above each rule; PyYAML
cannot write comments, so each rule is dumped on its own and the comment lines are put in front.
Every pack is then loaded with the project's loader and its examples run exactly as ``cleaner
rules test`` runs them; a rule whose corpus example fails gets a synthetic one, and a rule that
still fails is dropped and reported, never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from cleaner.mining.domains import domain_slug, slug
from cleaner.mining.evidence import ExampleWindow
from cleaner.mining.lines import MONTH, WEEKDAY
from cleaner.mining.options import MineOptions
from cleaner.mining.proposals import COVERED, FAILED, WRITE, DomainProposals, Proposal
from cleaner.rules.candidates import position_allows
from cleaner.rules.errors import RuleError
from cleaner.rules.examples import run_examples
from cleaner.rules.loader import PackSource
from cleaner.rules.matching import CompiledMatcher
from cleaner.rules.ruleset import RuleSet
from cleaner.rules.schema import Matcher, Position
from cleaner.steps.lines import drop_adjacent_repeats

FILLER = (
    "The council approved the new budget on Monday night after a long debate.",
    "The opposition voted against the plan, saying it came far too late for most residents.",
    "Work on the bridge is due to begin in the spring and should take two years.",
    "The mayor called it an important step for the town and thanked the volunteers.",
)


def example_url(domain: str) -> str:
    return f"https://{domain}/mined-example"


def pack_name(domain: str) -> str:
    return "mined." + (domain if all(c.isascii() and (c.isalnum() or c in ".-") for c in domain)
                       else domain_slug(domain))


@dataclass
class RuleDraft:
    """A proposal on its way into a pack: the rule's YAML fields and its evidence comments."""

    proposal: Proposal
    fields: dict[str, Any]
    comments: list[str]
    level: int = 0  # 0, 1: examples from the two corpus documents; 2: a synthetic article
    failure: str = ""


class ExampleBuilder:
    """Inline examples for one proposal, from its real documents or a synthetic article."""

    def __init__(self, p: Proposal):
        self.p = p
        m = p.matcher_fields()
        self.matcher = CompiledMatcher.build(Matcher(phrases=m.get("phrases", []), patterns=m.get("patterns", []),
                                                     match=m["match"]))
        self.max_words = p.max_words
        self.max_chars = p.max_chars
        self.position = Position(**p.position) if p.position else None  # as the loader will read it

    def fires(self, line: str, i: int, n: int) -> bool:
        if len(line.split()) > self.max_words or (self.max_chars and len(line) > self.max_chars):
            return False
        if not position_allows(self.position, i, n):
            return False
        return self.matcher.search(line) is not None

    def expected(self, lines: list[str]) -> list[str] | None:
        """The example's output as the rule would leave it, or None if it would not fire."""
        n = len(lines)
        hit = [i for i, ln in enumerate(lines) if self.fires(ln, i, n)]
        if not hit:
            return None
        if self.p.action == "cut-after":
            out = lines[: hit[0]]
        else:
            gone = set(hit)
            out = [ln for i, ln in enumerate(lines) if i not in gone]
        return drop_adjacent_repeats(out)

    def corpus_lines(self, ex: ExampleWindow) -> list[str]:
        return drop_adjacent_repeats(ex.lines)

    def synthetic_lines(self) -> list[str]:
        """The block's usual forms set in a short article, placed where the rule looks for them."""
        chrome = [m.display for m in self.p.members]
        ex = self.p.lead.examples[0] if self.p.lead.examples else None
        filler = [ln for ln, c in zip(ex.lines, ex.chrome, strict=False) if not c][:3] if ex else []
        filler = [ln for ln in filler if not self.matcher.search(ln)] or list(FILLER[:3])
        if len(filler) < 3:
            filler += list(FILLER[: 3 - len(filler)])
        zone = self.p.zone
        if zone == "head" or (self.p.position or {}).get("first_lines") and zone != "tail":
            return chrome + filler
        if self.p.action == "cut-after":
            return filler + chrome + [FILLER[3]]
        if zone == "tail":
            return filler + chrome
        return filler[:2] + chrome + filler[2:]

    def firing(self, level: int) -> tuple[list[str], list[str]] | None:
        members = {id(m) for m in self.p.members}
        if level < 2:
            exs = self.p.lead.examples
            if level >= len(exs):
                return None
            lines = self.corpus_lines(exs[level])
            if len(members) > 1 and sum(1 for ln in lines if self.matcher.search(ln)) < len(members):
                return None  # the window does not show the whole block
        else:
            lines = drop_adjacent_repeats(self.synthetic_lines())
        out = self.expected(lines)
        if out is None or out == lines:
            return None
        return lines, out

    def keep_prose(self) -> list[str]:
        """The line quoted inside a sentence: a match of the whole line must not fire on it."""
        shown = self.p.lead.display
        return drop_adjacent_repeats([FILLER[0], f"Readers quoted \u201c{shown}\u201d in a long thread about the site, "
                                      "and the editors answered every one of them at length.", FILLER[1]])


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    return "# " + " ".join(text.split())


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def evidence_comments(p: Proposal) -> list[str]:
    """The rule's evidence, one comment line each: counts, share, position, forms, example documents."""
    lines = [
        f"evidence: {p.docs} of {p.domain_docs} {'sampled ' if p.sampled else ''}{p.domain} documents "
        f"({p.docs / p.domain_docs:.0%}); {p.zone}"
        + (f"; position {_flow(p.position)}" if p.position else "")
    ]
    for m, mm in zip(p.members, p.matchers, strict=False):
        lines.append(
            f"  \"{_short(m.display)}\": {m.docs} documents ({m.docs / p.domain_docs:.0%}), "
            f"{m.occurrences} times, up to line {m.max_index + 1} from the start and {m.max_back + 1} from the end"
            + (f"; forms vary in {', '.join(mm.varies)}" if mm.varies else "")
            + (f"; {len(m.variants) + (1 if m.other_variants else 0)} forms" if len(m.variants) > 1 else "")
        )
    if p.action == "cut-after":
        st = p.lead
        lines.append(
            f"cut-after: only recurring or short lines follow it to the end in {st.tail_docs} of {st.docs} "
            f"documents, and in {st.tail_varying} of them lines that are not in this pack"
        )
    docs = []
    for ex in p.lead.examples:
        if ex.doc_id not in docs:
            docs.append(ex.doc_id)
    if docs:
        lines.append("example documents: " + ", ".join(docs))
    return lines


def _flow(d: dict[str, Any] | None) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in (d or {}).items()) + "}"


def _description(p: Proposal) -> str:
    what = "lines that recur together" if len(p.members) > 1 else "a line"
    act = "opens the tail of the page (what follows is not article text)" if p.action == "cut-after" else "chrome"
    return (
        f"Mined: {what} in {p.docs} of {p.domain_docs} {p.domain} documents ({p.docs / p.domain_docs:.0%}), "
        f"{p.zone}; {act}."
    )


def rule_fields(p: Proposal, examples: list[dict[str, Any]]) -> dict[str, Any]:
    f: dict[str, Any] = {"id": p.rule_id, "description": _description(p)}
    f.update(p.matcher_fields())
    f["action"] = p.action
    f["max_words"] = p.max_words
    if p.max_chars:
        f["max_chars"] = p.max_chars
    if p.position:
        f["position"] = dict(p.position)
    f["examples"] = examples
    return f


def build_examples(p: Proposal, level: int) -> tuple[list[dict[str, Any]], int] | None:
    """Examples at the first usable level at or above ``level``: (examples, level used)."""
    b = ExampleBuilder(p)
    url = example_url(p.domain)
    for lv in range(level, 3):
        fire = b.firing(lv)
        if fire is None:
            continue
        lines, out = fire
        return [
            {"input": _text(lines), "url": url, "output": _text(out)},
            {"input": _text(b.keep_prose()), "url": url, "keep": True},
        ], lv
    return None


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's emitter when PyYAML has it (packs are written by the thousand in large runs)."""


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _represent_str)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False)


def render_pack(dp: DomainProposals, drafts: list[RuleDraft], options: MineOptions) -> str:
    sampled = f", a sample of {dp.docs} of them read for evidence" if dp.docs < dp.total_docs else ""
    head = [
        f"Mined by `cleaner mine` from {dp.total_docs} distinct documents of {dp.domain}"
        + (f" ({dp.duplicates} duplicates skipped)" if dp.duplicates else "") + sampled + ".",
        f"Thresholds: min-share {options.min_share:g}, min-docs {options.min_docs}, "
        f"prose-share {options.prose_share:g}, cut-share {options.cut_share:g}.",
        "Each rule lists its evidence; review it before moving the rules into a pack of your own.",
    ]
    out = [_comment(h) for h in head]
    out.append(dump({
        "version": 1,
        "name": pack_name(dp.domain),
        "description": f"Site chrome of {dp.domain} mined from its own pages (lines that recur in "
                       f"at least {options.min_share:.0%} of them).",
        "domains": [dp.domain],
    }).rstrip("\n"))
    out.append("rules:")
    for d in drafts:
        out.extend(_comment(c) for c in d.comments)
        out.append(dump([d.fields]).rstrip("\n"))
    return "\n".join(out) + "\n"


def assign_ids(dp: DomainProposals, taken: set[str]) -> None:
    """``mined.<domain slug>.<line slug>``, unique within the pack and against ``taken``."""
    base = f"mined.{dp.slug or domain_slug(dp.domain)}"
    for p in dp.proposals:
        if p.rule_id:
            continue
        words = ["n" if w == "0" else w for w in p.lead.key.replace(MONTH, "month").replace(WEEKDAY, "day").split()]
        s = slug(" ".join(words)) or f"line-{p.lead.order + 1}"
        if len(p.members) > 1:
            s += "-block"
        rid, n = f"{base}.{s}", 2
        while rid in taken:
            rid, n = f"{base}.{s}-{n}", n + 1
        taken.add(rid)
        p.rule_id = rid


@dataclass
class PackOutcome:
    text: str | None
    rules: int
    failed: list[RuleDraft] = field(default_factory=list)


def build_pack(dp: DomainProposals, options: MineOptions) -> PackOutcome:
    """The pack for one domain: every WRITE proposal with examples that pass, the rest marked FAILED."""
    drafts: list[RuleDraft] = []
    for p in dp.proposals:
        if p.status != WRITE:
            continue
        built = build_examples(p, 0)
        if built is None:
            p.status, p.reason = FAILED, "no example could be built that the rule fires on"
            continue
        examples, level = built
        drafts.append(RuleDraft(p, rule_fields(p, examples), evidence_comments(p), level))
    failed: list[RuleDraft] = []
    for _ in range(4):
        if not drafts:
            break
        text = render_pack(dp, drafts, options)
        if not options.verify:
            return PackOutcome(text, len(drafts))
        problems = _verify(text, dp.domain)
        if not problems:
            return PackOutcome(text, len(drafts), failed)
        keep: list[RuleDraft] = []
        for d in drafts:
            msg = problems.get(d.proposal.rule_id) or problems.get("")
            if msg is None:
                keep.append(d)
                continue
            rebuilt = build_examples(d.proposal, d.level + 1) if d.level < 2 and "" not in problems else None
            if rebuilt is not None:
                d.fields["examples"], d.level = rebuilt
                keep.append(d)
            else:
                d.failure = msg
                d.proposal.status, d.proposal.reason = FAILED, f"its examples fail: {_short(msg, 160)}"
                failed.append(d)
        drafts = keep
    return PackOutcome(render_pack(dp, drafts, options) if drafts else None, len(drafts), failed)


def _verify(text: str, domain: str) -> dict[str, str]:
    """rule id -> first problem ('' for a problem of the whole pack), as `cleaner rules test` sees it."""
    try:
        rs = RuleSet([PackSource(f"mined:{domain}", text)])
    except RuleError as e:
        out: dict[str, str] = {}
        for prob in e.problems:
            out.setdefault(prob.rule_id or "", prob.message)
        return out
    _, failures = run_examples(rs)
    out = {}
    for f in failures:
        out.setdefault(f.rule_id, f.message)
    return out


def covered_lines(reference: Any, domain: str, lines: list[str]) -> dict[int, str]:
    """Line index -> the reference rule that removes it, for one whole document (real positions)."""
    text = "\n".join(lines)
    result = reference.clean_text(text, url=example_url(domain))
    starts, pos = [], 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    out: dict[int, str] = {}
    for r in result.removed:
        if r.rule.startswith("builtin."):
            continue
        for i, (s, ln) in enumerate(zip(starts, lines, strict=True)):
            e = s + len(ln)
            if i not in out and r.start <= s and r.end >= e:
                out[i] = r.rule
    return out


def mark_covered(dp: DomainProposals, reference: Any) -> None:
    """Proposals whose line the reference packs already remove in its first corpus document."""
    cache: dict[str, dict[int, str]] = {}
    for p in dp.proposals:
        if p.status != WRITE or not p.lead.examples:
            continue
        ex = p.lead.examples[0]
        lines = dp.first_docs.get(ex.doc_id)
        if lines is None:
            continue
        if ex.doc_id not in cache:
            cache[ex.doc_id] = covered_lines(reference, dp.domain, lines)
        rule = cache[ex.doc_id].get(ex.index)
        if rule:
            p.status, p.covered_by = COVERED, rule
            p.reason = f"already removed by {rule}"
