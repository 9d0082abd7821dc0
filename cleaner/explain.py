"""Show a document with what was removed marked and labelled by rule."""

from __future__ import annotations

from rich.text import Text

from cleaner.document import Removal

# Whitespace-only edits are noise when reading; they stay in provenance.
QUIET_RULES = {"builtin.whitespace"}


def render_rich(text: str, removed: list[Removal], show_whitespace: bool = False) -> Text:
    out = Text()
    pos = 0
    for r in sorted(removed, key=lambda r: r.start):
        if r.rule in QUIET_RULES and not show_whitespace:
            continue
        out.append(text[pos : r.start])
        out.append(f"⟦{r.rule}⟧", style="bold cyan")
        out.append(text[r.start : r.end], style="red strike")
        if r.replacement:
            out.append(r.replacement, style="green")
        pos = r.end
    out.append(text[pos:])
    return out


def render_plain(text: str, removed: list[Removal], show_whitespace: bool = False) -> str:
    """Markers for a pipe or a file: ``[-removed-]{rule}`` and ``{+replacement+}``."""
    parts: list[str] = []
    pos = 0
    for r in sorted(removed, key=lambda r: r.start):
        if r.rule in QUIET_RULES and not show_whitespace:
            continue
        parts.append(text[pos : r.start])
        parts.append(f"[-{text[r.start:r.end]}-]")
        if r.replacement:
            parts.append(f"{{+{r.replacement}+}}")
        parts.append(f"{{{r.rule}}}")
        pos = r.end
    parts.append(text[pos:])
    return "".join(parts)
