"""Show a document with what was removed marked and labelled by rule: ``cleaner explain``.

Two views: the whole text with every removal marked (``--full``), or by default a diff-style
view that shows only the lines a removal touched, with a few kept lines of context around them
(``-`` a removed line, ``~`` a line edited in place, two spaces a kept line, ``⋯`` kept lines
left out). In a pipe the marks are plain text; on a terminal they are colours and strike-through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text

from cleaner.api import Cleaner, CleanResult
from cleaner.document import Removal
from cleaner.extract import NoContent
from cleaner.readers.base import Failure, Item
from cleaner.rules.ruleset import RuleSet

# Whitespace-only edits are noise when reading; they stay in provenance.
QUIET_RULES = {"builtin.whitespace"}


def shown(removed: list[Removal], show_whitespace: bool = False, rule: str | None = None) -> list[Removal]:
    """The removals to display, in text order: whitespace edits only on request, one rule if asked.

    ``rule`` is a rule id or a family (``comments`` selects every ``comments.*`` rule).
    """
    out = []
    for r in sorted(removed, key=lambda r: (r.start, r.end)):
        if r.rule in QUIET_RULES and not show_whitespace and r.rule != rule:
            continue
        if rule is not None and not matches_rule(r.rule, rule):
            continue
        out.append(r)
    return out


def matches_rule(rule_id: str, wanted: str) -> bool:
    return rule_id == wanted or rule_id.startswith(wanted + ".")


def _pieces(text: str, removed: list[Removal], lo: int = 0, hi: int | None = None) -> list[tuple[str, Removal | None]]:
    """Split ``text[lo:hi]`` into kept pieces (None) and removed pieces (their Removal)."""
    hi = len(text) if hi is None else hi
    out: list[tuple[str, Removal | None]] = []
    pos = lo
    for r in removed:
        s, e = max(r.start, lo), min(r.end, hi)
        if e < s or s < pos or (e == s and not r.replacement) or s >= hi:
            continue
        if s > pos:
            out.append((text[pos:s], None))
        out.append((text[s:e], r))
        pos = e
    if pos < hi:
        out.append((text[pos:hi], None))
    return out


def render_rich(text: str, removed: list[Removal], show_whitespace: bool = False) -> Text:
    """The whole text, removals struck through in red after their rule id, replacements in green."""
    out = Text()
    for piece, r in _pieces(text, shown(removed, show_whitespace)):
        if r is None:
            out.append(piece)
            continue
        out.append(f"⟦{r.rule}⟧", style="bold cyan")
        out.append(piece, style="red strike")
        if r.replacement:
            out.append(r.replacement, style="green")
    return out


def _plain_mark(piece: str, r: Removal) -> str:
    # A removal that ends with line breaks closes its marker before them, so the marker ends
    # the removed line instead of starting the next kept one.
    body = piece.rstrip("\n")
    tail = piece[len(body):]
    mark = f"[-{body}-]" + (f"{{+{r.replacement}+}}" if r.replacement else "") + f"{{{r.rule}}}"
    return mark + tail


def render_plain(text: str, removed: list[Removal], show_whitespace: bool = False) -> str:
    """Markers for a pipe or a file: ``[-removed-]{rule}`` and ``[-old-]{+replacement+}{rule}``."""
    return "".join(piece if r is None else _plain_mark(piece, r)
                   for piece, r in _pieces(text, shown(removed, show_whitespace)))


@dataclass
class Line:
    """One input line in the diff view: kept (" "), removed ("-") or edited in place ("~")."""

    number: int  # 1-based
    start: int
    end: int  # without the line break
    kind: str
    removal: Removal | None = None  # the removal that took the whole line


def classify(text: str, removed: list[Removal]) -> list[Line]:
    """Each input line with what happened to it, given the removals to show."""
    lines: list[Line] = []
    pos, n = 0, 0
    while pos < len(text) or (n == 0 and not text):
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        n += 1
        # A blank line is "removed" when its line break is.
        lo, hi = (pos, end) if end > pos else (pos, min(end + 1, len(text)))
        kind, took = " ", None
        for r in removed:
            if r.start <= lo and r.end >= hi and hi > lo and not r.replacement:
                kind, took = "-", r
                break
            if r.start < hi and r.end > lo:
                kind = "~"
        lines.append(Line(n, pos, end, kind, took))
        if nl < 0:
            break
        pos = nl + 1
    return lines


def hunks(lines: list[Line], context: int) -> list[list[Line] | int]:
    """Changed lines with ``context`` kept lines around them; an int stands for that many kept lines left out."""
    keep = [False] * len(lines)
    for i, ln in enumerate(lines):
        if ln.kind != " ":
            for j in range(max(0, i - context), min(len(lines), i + context + 1)):
                keep[j] = True
    out: list[list[Line] | int] = []
    run: list[Line] = []
    skipped = 0
    for ln, k in zip(lines, keep, strict=True):
        if k:
            if skipped:
                out.append(skipped)
                skipped = 0
            run.append(ln)
        else:
            if run:
                out.append(run)
                run = []
            skipped += 1
    if run:
        out.append(run)
    if skipped:
        out.append(skipped)
    return out


def render_diff(text: str, removed: list[Removal], context: int = 2, rich: bool = False) -> Text | str:
    """The diff-style view of ``text`` with ``removed`` (already filtered by ``shown``)."""
    out = Text() if rich else None
    parts: list[str] = []

    def put(s: str, style: str | None = None) -> None:
        if out is not None:
            out.append(s, style=style)
        else:
            parts.append(s)

    last: Removal | None = None
    lines = classify(text, removed)
    if all(ln.kind == " " for ln in lines):
        put("  (nothing removed)\n", "dim")
        return out if out is not None else "".join(parts)
    for h in hunks(lines, context):
        if isinstance(h, int):
            put(f"  ⋯ {plural(h, 'kept line')}\n", "dim")
            continue
        for ln in h:
            body = text[ln.start:ln.end]
            if ln.kind == "-":
                put("-" + (" " if body else ""), "red")
                put(body, "red strike")
                # The rule is named on the first line of each removal, not on every line it took.
                put(f"  {{{ln.removal.rule}}}\n" if ln.removal is not last and ln.removal else "\n", "bold cyan")
                last = ln.removal
                continue
            last = None
            if ln.kind == "~":
                put("~ ", "yellow")
                for piece, r in _pieces(text, removed, ln.start, ln.end):
                    if r is None:
                        put(piece)
                    elif out is not None:
                        put(f"⟦{r.rule}⟧", "bold cyan")
                        put(piece, "red strike")
                        if r.replacement:
                            put(r.replacement, "green")
                    else:
                        put(_plain_mark(piece, r))
                put("\n")
            else:
                put(f"  {body}\n")
    return out if out is not None else "".join(parts)


def plural(n: int, noun: str, nouns: str | None = None) -> str:
    """``1 document``, ``2 documents``; irregular plurals as ``nouns``."""
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def header(doc_id: str, result: CleanResult, rule: str | None = None, show_whitespace: bool = False) -> str:
    """``══ id: 3 removals (1 HTML element), 120 characters ══``: every removal counts, HTML ones too."""
    text_removals = shown(result.removed, show_whitespace=True, rule=rule)
    html = [h for h in result.provenance.get("html_removals", []) if rule is None or matches_rule(h["rule"], rule)]
    n = len(text_removals) + len(html)
    chars = sum(r.end - r.start for r in text_removals) if rule else len(result.input_text) - len(result.text)
    what = plural(n, "removal") + (f" by {rule}" if rule else "")
    if html:
        what += f" ({plural(len(html), 'HTML element')})"
    return f"══ {doc_id}: {what}, {plural(chars, 'character')} of text ══"


@dataclass
class Shown:
    """One piece of ``cleaner explain`` output: for stdout, or (``error``) a document that failed."""

    body: Text | str
    error: bool = False
    style: str | None = None


@dataclass(frozen=True)
class ExplainView:
    """What ``cleaner explain`` shows of each document, and how."""

    url: str | None = None
    """The page's URL (selects site packs) for documents that have none, such as text files."""
    ids: Sequence[str] = ()
    """Only these documents; an id never seen is reported at the end."""
    rule: str | None = None
    """Only this rule's removals (an id or a family); documents where it did not fire are skipped."""
    context: int = 2
    """Kept lines shown around each change in the diff view."""
    full: bool = False
    """The whole text with every removal marked, not the diff view."""
    rich: bool = False
    """Colours and strike-through (a terminal) instead of plain-text marks."""
    show_whitespace: bool = False
    """Also mark whitespace normalisation."""


def explain_items(
    cleaner: Cleaner, items: Iterable[Item], view: ExplainView | None = None, **changes: Any
) -> Iterator[Shown]:
    """Clean each selected item and yield its explanation: a header, warnings, HTML removals, the text.

    ``changes`` are ``ExplainView`` fields (``rule="comments"``) set on ``view`` or the default view.
    """
    return _explained(cleaner, items, dataclasses.replace(view or ExplainView(), **changes))


def _explained(cleaner: Cleaner, items: Iterable[Item], view: ExplainView) -> Iterator[Shown]:
    rule = view.rule
    wanted = set(view.ids)
    seen: set[str] = set()
    for item in items:
        if wanted and item.id not in wanted:
            continue
        seen.add(item.id)
        if isinstance(item, Failure):
            yield Shown(f"{item.id}: {item.message}", error=True)
            continue
        if view.url and not item.url:
            item.url = view.url
        try:
            result = cleaner.clean(item)
        except (NoContent, ValueError) as e:
            yield Shown(f"{item.id}: {e}", error=True)
            continue
        removed = shown(result.removed, view.show_whitespace, rule)
        html = [h for h in result.provenance.get("html_removals", []) if rule is None or matches_rule(h["rule"], rule)]
        if rule is not None and not removed and not html:
            continue
        yield Shown(header(item.id, result, rule), style="bold")
        for w in result.provenance["warnings"]:
            yield Shown(f"warning: {w}", style="yellow")
        for h in html:
            yield Shown(f"⟦{h['rule']}⟧ <{h['element']}> line {h['line']}: {h['preview']}", style="cyan")
        text = result.input_text
        if view.full:
            yield Shown(render_rich(text, removed, True) if view.rich else render_plain(text, removed, True))
        else:
            yield Shown(render_diff(text, removed, view.context, view.rich))
    for missing in sorted(wanted - seen):
        yield Shown(f"no document with id {missing!r} in the inputs", error=True)


def rule_lines(ruleset: RuleSet, width: int | None = None) -> Iterator[str]:
    """``cleaner rules list``: a line per pack, then one line per rule (id, action, description).

    Ids are never cut; with a ``width`` (a terminal) descriptions are shortened to fit the line.
    """
    ids = [r.id for r in ruleset.rules]
    w_id = max((len(i) for i in ids), default=2)
    actions = [r.rule.action for r in ruleset.rules]
    w_act = max((len(a) for a in actions), default=6)
    for p in ruleset.packs:
        yield f"# {p.name} ({plural(len(p.rules), 'rule')}, {p.loaded.source.path})"
        for r in p.rules:
            line = f"{r.id:<{w_id}}  {r.rule.action:<{w_act}}  {' '.join(r.rule.description.split())}"
            if width is not None and len(line) > width:
                line = line[: max(width - 1, w_id)] + "…"
            yield line
