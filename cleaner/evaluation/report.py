"""Markdown tables from per-page records: what docs/evaluation.md is made of."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cleaner.evaluation.audit import RuleTally, harmful_rules
from cleaner.evaluation.extractors import ARTICLE_EXTRACTORS, EXTRACTORS
from cleaner.evaluation.metrics import PRF
from cleaner.evaluation.runner import (
    BASELINE,
    CLEANED_SUFFIX,
    CLEANER,
    Summary,
    metadata_rates,
    pooled_audit,
    summarize,
)

Records = Sequence[dict[str, Any]]


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], align: str | None = None) -> str:
    """A GitHub markdown table; ``align`` is one of l/r per column (numbers right-aligned by default)."""
    align = align or "l" + "r" * (len(header) - 1)
    marks = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(marks) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def f3(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def arrow(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None else f"{a:.3f} → {b:.3f}"


def delta(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None else f"{b - a:+.3f}"


def pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.1f}%)" if d else "–"


def _prf(p: PRF | None, attr: str) -> float | None:
    return None if p is None else getattr(p, attr)


def _snip(s: Summary, attr: str) -> float | None:
    return getattr(s.snippets, attr) if s.has_snippets else None


def summary_table(records: Records, systems: Sequence[str]) -> str:
    rows = []
    for name in systems:
        s = summarize(records, name)
        snip = s.snippets.prf() if s.has_snippets else None
        rows.append([
            f"`{name}`", s.pages,
            f3(_prf(s.word_bag, "f1")), f3(_prf(s.word_bag, "precision")), f3(_prf(s.word_bag, "recall")),
            f3(_prf(s.shingle, "f1")), f3(_prf(s.shingle, "precision")), f3(_prf(s.shingle, "recall")),
            f3(_snip(s, "with_rate")), f3(_snip(s, "without_rate")),
            f3(_prf(snip, "precision")), f3(_prf(snip, "recall")), f3(_prf(snip, "f1")),
            s.empty, s.errors, f"{s.seconds:.0f}",
        ])
    header = ["system", "pages", "F1", "P", "R", "shingle F1", "shingle P", "shingle R", "with-rate",
              "without-rate ↓", "snippet P", "snippet R", "snippet F1", "empty", "errors", "seconds"]
    keep = [i for i in range(len(header)) if any(row[i] != "–" for row in rows)]  # drop metrics the set lacks
    return table([header[i] for i in keep], [[row[i] for i in keep] for row in rows])


def by_type_table(records: Records, before: str, after: str, key: str = "page_type") -> str:
    """One row per value of ``key`` (page type, or language) and one for all pages."""
    types = sorted({r.get(key) or "unknown" for r in records})
    rows = []
    for t in [*types, "all"]:
        sub = records if t == "all" else [r for r in records if (r.get(key) or "unknown") == t]
        a, b = summarize(sub, before), summarize(sub, after)
        rows.append([
            f"**{t}**" if t == "all" else t, a.pages,
            arrow(_prf(a.word_bag, "f1"), _prf(b.word_bag, "f1")),
            delta(_prf(a.word_bag, "f1"), _prf(b.word_bag, "f1")),
            arrow(_prf(a.word_bag, "precision"), _prf(b.word_bag, "precision")),
            arrow(_prf(a.word_bag, "recall"), _prf(b.word_bag, "recall")),
            arrow(_prf(a.shingle, "f1"), _prf(b.shingle, "f1")),
            arrow(_snip(a, "with_rate"), _snip(b, "with_rate")),
            arrow(_snip(a, "without_rate"), _snip(b, "without_rate")),
        ])
    header = [key.replace("_", " "), "pages", "F1", "ΔF1", "P", "R", "shingle F1", "with-rate", "without-rate ↓"]
    return table(header, rows)


def metadata_table(records: Records, systems: Sequence[str]) -> str:
    rows = []
    for name in systems:
        rates = metadata_rates(records, name)
        rows.append([f"`{name}`", pct(*rates.get("title", (0, 0))), pct(*rates.get("title_contains", (0, 0))),
                     pct(*rates.get("author", (0, 0)))])
    return table(["metadata from", "title = gold", "title ⊇ gold", "author ≈ gold"], rows, "lrrr")


def audit_table(tallies: dict[str, RuleTally], what: str) -> str:
    if not tallies:
        return f"_No {what} removals._"
    bad = set(harmful_rules(tallies))
    order = sorted(tallies.items(), key=lambda kv: (-(kv[1].harm - kv[1].benefit), kv[0]))
    rows = []
    for rule, t in order:
        total = t.harm + t.benefit
        rows.append([f"`{rule}`", t.pages, t.fires, f"{t.harm:.0f}", f"{t.benefit:.0f}",
                     f"{t.harm / total:.2f}" if total else "–", "**harmful**" if rule in bad else ""])
    header = ["rule", "docs", "fires", "gold words (harm)", "other words (benefit)", "harm share", ""]
    return table(header, rows, "lrrrrrl")


def html_report(records: Records, heading: str) -> str:
    """HTML mode: cleaner vs trafilatura alone, overall, per page type, articles, metadata, audit."""
    parts = [f"## {heading}", "", summary_table(records, [BASELINE, CLEANER]), ""]
    types = {r["page_type"] for r in records}
    if len(types) > 1:
        parts += ["### By page type (trafilatura → cleaner)", "", by_type_table(records, BASELINE, CLEANER), ""]
        articles = [r for r in records if r["page_type"] == "article"]
        if articles:
            parts += [f"### Article pages only ({len(articles)})", "",
                      summary_table(articles, [BASELINE, CLEANER]), ""]
    if len({r.get("language") for r in records if r.get("language")}) > 1:
        parts += ["### By language (trafilatura → cleaner)", "",
                  by_type_table(records, BASELINE, CLEANER, key="language"), ""]
    meta_records = [r for r in records if r.get("meta") and r["page_type"] == "article"]
    if meta_records:
        parts += [f"### Metadata on article pages ({len(meta_records)})", "",
                  metadata_table(meta_records, [BASELINE, CLEANER]), ""]
    parts += _audit_parts(records, ["html", "text"])
    parts += _failures(records, [BASELINE, CLEANER])
    return "\n".join(parts)


def _mean(values: Sequence[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if len(vals) == len(values) and vals else None


def text_report(records: Records, heading: str, extractors: Sequence[str]) -> str:
    """Text mode: each extractor's raw text scored before and after ``clean_text``."""
    names = [e for e in extractors if any(e in r["systems"] for r in records)]
    pairs = {e: (summarize(records, e), summarize(records, e + CLEANED_SUFFIX)) for e in names}
    article = [e for e in names if e in ARTICLE_EXTRACTORS]

    def rows(cells: Callable[[Summary, Summary], list[str]]) -> list[list[Any]]:
        out: list[list[Any]] = []
        for e in names:
            a, b = pairs[e]
            kind = "" if EXTRACTORS[e][2] else " (whole page)"
            out.append([f"`{e}`{kind}", a.pages, a.errors, *cells(a, b)])
        if len(article) > 1:
            mean_row: list[Any] = [f"**mean over {len(article)} article extractors**", "", ""]
            per = [cells_num(pairs[e][0], pairs[e][1]) for e in article]
            for i in range(0, len(per[0]), 2):
                mean_row.append(arrow(_mean([p[i] for p in per]), _mean([p[i + 1] for p in per])))
            out.append(mean_row)
        return out

    def cells_num(a: Summary, b: Summary) -> list[float | None]:
        return [_prf(a.word_bag, "precision"), _prf(b.word_bag, "precision"),
                _prf(a.word_bag, "recall"), _prf(b.word_bag, "recall"),
                _prf(a.word_bag, "f1"), _prf(b.word_bag, "f1"),
                _prf(a.shingle, "precision"), _prf(b.shingle, "precision"),
                _prf(a.shingle, "recall"), _prf(b.shingle, "recall"),
                _prf(a.shingle, "f1"), _prf(b.shingle, "f1"),
                _snip(a, "with_rate"), _snip(b, "with_rate"),
                _snip(a, "without_rate"), _snip(b, "without_rate")]

    def cells(a: Summary, b: Summary) -> list[str]:
        v = cells_num(a, b)
        return [arrow(v[i], v[i + 1]) for i in range(0, len(v), 2)]

    all_rows = rows(cells)
    head = ["extractor", "pages", "failures"]
    wb = table([*head, "P", "R", "F1"], [r[:6] for r in all_rows])
    sh = table([*head, "shingle P", "shingle R", "shingle F1"], [r[:3] + r[6:9] for r in all_rows])
    sn = table([*head, "with-rate", "without-rate ↓"], [r[:3] + r[9:11] for r in all_rows])
    has_gold = any(pairs[e][0].word_bag is not None for e in names)
    has_snippets = any(pairs[e][0].has_snippets for e in names)
    note = "Each cell is *raw extractor output → after `Cleaner().clean_text(raw, url=url)`*."
    parts = [f"## {heading}", "", note, ""]
    if has_gold:
        parts += ["### Word bag (WCXB metric)", "", wb, "", "### 4-gram shingles (ScrapingHub metric)", "", sh, ""]
    if has_snippets:
        parts += ["### Snippets", "", sn, ""]
    parts += _audit_parts(records, ["text"])
    parts += _failures(records, [n for e in names for n in (e, e + CLEANED_SUFFIX)])
    return "\n".join(parts)


def _audit_parts(records: Records, kinds: Sequence[str]) -> list[str]:
    parts: list[str] = []
    titles = {"html": "HTML rules (effect on the extracted text)", "text": "text rules"}
    for kind in kinds:
        tallies = pooled_audit(records, kind)
        if not any("audit" in r for r in records):
            continue
        bad = harmful_rules(tallies)
        parts += [f"### Audit: {titles[kind]}", "", audit_table(tallies, kind), "",
                  f"Rules doing more harm than good: {', '.join(f'`{b}`' for b in bad) if bad else 'none'}.", ""]
        types = sorted({r["page_type"] for r in records})
        if bad and len(types) > 1:
            by_type = {t: pooled_audit([r for r in records if r["page_type"] == t], kind) for t in types}
            rows = []
            for rule in bad:
                cells = [f"{by_type[t][rule].harm:.0f} / {by_type[t][rule].benefit:.0f}" if rule in by_type[t] else ""
                         for t in types]
                rows.append([f"`{rule}`", *cells])
            parts += ["Harmful rules by page type (gold words / other words removed):", "",
                      table(["rule", *types], rows), ""]
    return parts


def _failures(records: Records, systems: Sequence[str]) -> list[str]:
    lines = []
    failed = [r for r in records if r.get("failed")]
    for r in failed[:5]:
        lines.append(f"- page `{r['id']}` could not be evaluated: {r['failed']}")
    for name in systems:
        s = summarize(records, name)
        if s.errors:
            lines.append(f"- `{name}`: {s.errors} failures/timeouts (scored as empty), e.g. "
                         + "; ".join(f"`{e}`" for e in s.error_examples))
    return ["### Failures", "", *lines, ""] if lines else []
