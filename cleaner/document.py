"""Documents, their lines, and edits kept as spans of the original text.

Every change cleaner makes is an ``Edit`` on the *input* text: a character span
and what replaces it (nothing, for a removal). A line's cleaned view is derived
from its edits, so rules see tidy text while provenance keeps exact offsets
into the input: ``rebuild(input, removals)`` gives the output back, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Document:
    """What a reader yields: text plus where it came from (datatrove's shape)."""

    id: str
    text: str
    url: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    source: dict[str, Any] = field(default_factory=dict)
    html: str | bytes | None = None  # set for HTML input: text is then extracted from it
    kind: str = "text"  # "text" or "markdown": which packs apply (Markdown ones clean link syntax)


@dataclass(frozen=True)
class Removal:
    """One change to the input: ``text[start:end]`` becomes ``replacement``."""

    rule: str
    action: str
    start: int
    end: int
    preview: str
    replacement: str = ""

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "rule": self.rule,
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "preview": self.preview,
        }
        if self.replacement:
            d["replacement"] = self.replacement
        return d


def preview(s: str, limit: int = 80) -> str:
    s = " ".join(s.split())
    return s if len(s) <= limit else s[: limit - 1] + "…"


def rebuild(text: str, removals: list[Removal] | list[dict[str, Any]]) -> str:
    """Apply recorded removals to the input text; the result is the clean text."""
    items = sorted(
        (r if isinstance(r, dict) else r.to_dict() for r in removals), key=lambda r: r["start"]
    )
    out: list[str] = []
    pos = 0
    for r in items:
        if r["start"] < pos:
            raise ValueError(f"overlapping removals at offset {r['start']}")
        out.append(text[pos : r["start"]])
        out.append(r.get("replacement", ""))
        pos = r["end"]
    out.append(text[pos:])
    return "".join(out)


@dataclass
class Edit:
    start: int  # offsets within the line's original content
    end: int
    replacement: str
    rule: str
    action: str


class LineView:
    """A line's original content plus non-overlapping edits, seen as cleaned text."""

    __slots__ = ("original", "edits", "text")

    def __init__(self, original: str):
        self.original = original
        self.edits: list[Edit] = []
        self.text = original

    def _pieces(self) -> list[tuple[int, int, int, int, Edit | None]]:
        """(clean_start, clean_end, orig_start, orig_end, edit) runs covering the line."""
        pieces: list[tuple[int, int, int, int, Edit | None]] = []
        pos = c = 0
        for e in self.edits:
            if e.start > pos:
                pieces.append((c, c + e.start - pos, pos, e.start, None))
                c += e.start - pos
            pieces.append((c, c + len(e.replacement), e.start, e.end, e))
            c += len(e.replacement)
            pos = e.end
        if pos < len(self.original):
            pieces.append((c, c + len(self.original) - pos, pos, len(self.original), None))
        return pieces

    def replace(self, cs: int, ce: int, replacement: str, rule: str, action: str) -> None:
        """Replace cleaned-text span [cs, ce) and record it against the original."""
        if ce <= cs:
            return
        if not self.edits:
            self.edits.append(Edit(cs, ce, replacement, rule, action))
            self.text = self.text[:cs] + replacement + self.text[ce:]
            return
        pieces = self._pieces()
        orig_s, prefix = len(self.original), ""
        for p_cs, p_ce, p_os, _p_oe, e in pieces:
            if p_cs <= cs < p_ce:
                if e is None:
                    orig_s = p_os + (cs - p_cs)
                else:
                    orig_s, prefix = p_os, e.replacement[: cs - p_cs]
                break
        orig_e, suffix = 0, ""
        for p_cs, p_ce, p_os, p_oe, e in reversed(pieces):
            if p_cs < ce <= p_ce:
                if e is None:
                    orig_e = p_os + (ce - p_cs)
                else:
                    orig_e, suffix = p_oe, e.replacement[ce - p_cs :]
                break
        kept = [e for e in self.edits if e.end <= orig_s or e.start >= orig_e]
        kept.append(Edit(orig_s, orig_e, prefix + replacement + suffix, rule, action))
        kept.sort(key=lambda e: (e.start, e.end))
        self.edits = kept
        self.text = self.text[:cs] + replacement + self.text[ce:]

    def replace_all(self, spans: list[tuple[int, int, str]], rule: str, action: str) -> None:
        # Right to left, so earlier cleaned offsets stay valid.
        for cs, ce, rep in sorted(spans, reverse=True):
            self.replace(cs, ce, rep, rule, action)


@dataclass(slots=True)
class Line:
    index: int
    start: int  # offset of the content in the document
    end: int  # end of content, before "\r\n" or "\n"
    next_start: int  # start of the following line
    view: LineView
    removed_by: tuple[str, str, int] | None = None  # (rule, action, group)

    @property
    def text(self) -> str:
        return self.view.text

    @property
    def blank(self) -> bool:
        return not self.view.text.strip()


def split_lines(text: str) -> list[Line]:
    """Lines split at "\n"; a "\r" before it is not content. A final "\n" starts no new line."""
    lines: list[Line] = []
    parts = text.split("\n")
    last = len(parts) - 1
    pos = 0
    for i, part in enumerate(parts):
        end = pos + len(part)
        if i == last:
            if part:
                lines.append(Line(i, pos, end, end, LineView(part)))
            break
        if part.endswith("\r"):
            lines.append(Line(i, pos, end - 1, end + 1, LineView(part[:-1])))
        else:
            lines.append(Line(i, pos, end, end + 1, LineView(part)))
        pos = end + 1
    return lines
