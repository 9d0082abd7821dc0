"""In-line clean-ups that run before the rules, so rules see tidy text.

Both record their changes as edits of the original line, so they appear in
provenance like any rule and the input can be rebuilt.
"""

from __future__ import annotations

import bisect
import html

import regex

from cleaner.steps.base import PageState

_INLINE_TAGS = (
    "a|abbr|b|big|cite|code|del|em|font|i|ins|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|time|tt|u|var"
)
_BLOCK_TAGS = (
    "article|aside|blockquote|br|button|caption|center|dd|div|dl|dt|figcaption|figure|footer|form|"
    "h[1-6]|header|hr|iframe|img|input|label|li|main|nav|noscript|ol|option|p|picture|pre|section|"
    "select|source|table|tbody|td|textarea|tfoot|th|thead|tr|ul|video|audio|wbr"
)
# Only real tag names: "a < b > c" and "<3" are text, not markup.
TAG = regex.compile(
    rf"<!--.*?-->|</?(?:(?P<inline>{_INLINE_TAGS})|(?P<block>{_BLOCK_TAGS}))(?:\s[^<>]*)?/?>",
    regex.IGNORECASE,
)
ENTITY = regex.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_MARKUP = regex.compile(f"{TAG.pattern}|{ENTITY.pattern}", regex.IGNORECASE)
_EDGE_WS = regex.compile(r"^\s+|\s+$")
_INNER_WS = regex.compile(r"[^\S\n]{2,}|[^\S \n]")
INVISIBLE = regex.compile(r"[\u200b\u2060\ufeff]+")

class StripHtml:
    """Leftover markup in extracted text: tags go (block tags leave a space), entities decode."""

    rule = "builtin.html"

    def apply(self, page: PageState) -> None:
        if not page.builtins.get("html", True):
            return
        doc = page.doc.text
        if "<" not in doc and "&" not in doc:
            return
        if not page.scan:
            todo = range(len(page.lines))
        else:  # only lines holding a tag or an entity can change
            todo = sorted(_lines_matching(_MARKUP, doc, page.line_starts))
        for i in todo:
            line = page.lines[i]
            text = line.view.text
            if "<" not in text and "&" not in text:
                continue
            spans = [(m.start(), m.end(), " " if m.group("block") else "") for m in TAG.finditer(text)]
            if spans:
                line.view.replace_all(spans, self.rule, "drop-span")
                text = line.view.text
            ents = []
            for m in ENTITY.finditer(text):
                decoded = html.unescape(m.group())
                if decoded != m.group():
                    ents.append((m.start(), m.end(), decoded))
            if ents:
                line.view.replace_all(ents, self.rule, "replace")


class NormalizeWhitespace:
    """Trim each line, fold runs of spaces, tabs and no-break spaces to one space."""

    rule = "builtin.whitespace"

    def apply(self, page: PageState) -> None:
        if not page.builtins.get("whitespace", True):
            return
        lines = page.lines
        # A line needs work only if splitting it at whitespace and joining with single spaces
        # changes it (str.split splits at every character \s matches, and more), or it holds an
        # invisible character: a C-speed test per line instead of a regex scan for each hit.
        todo = lines if not page.scan else [ln for ln in lines if _needs_work(ln.view.text)]
        for line in todo:
            text = line.view.text
            spans = [(m.start(), m.end(), "") for m in INVISIBLE.finditer(text)]
            if spans:
                line.view.replace_all(spans, self.rule, "drop-span")
                text = line.view.text
            spans = [(m.start(), m.end(), "") for m in _EDGE_WS.finditer(text)]
            spans += [
                (m.start(), m.end(), " ")
                for m in _INNER_WS.finditer(text)
                if m.group() != " " and not _inside(m.span(), spans)
            ]
            if spans:
                line.view.replace_all(spans, self.rule, "replace")


def _needs_work(text: str) -> bool:
    return text != " ".join(text.split()) or "\u200b" in text or "\u2060" in text or "\ufeff" in text


def clean_line(line: str) -> str:
    """One raw line as the rules see it after builtin.html and builtin.whitespace, computed at once
    without edits: what mining counts and writes phrases from (the same expressions as the steps)."""
    if "<" in line:
        line = TAG.sub(lambda m: " " if m.group("block") else "", line)
    if "&" in line:
        line = ENTITY.sub(lambda m: html.unescape(m.group()), line)
    line = INVISIBLE.sub("", line)
    return " ".join(line.split())


def _lines_matching(pattern: regex.Pattern, text: str, starts: list[int]) -> set[int]:
    """Lines where the pattern matches, from a scan of the whole text: after a hit, the search goes
    on from the next line's start, so a line with many hits costs one search, not one per hit."""
    todo: set[int] = set()
    pos, n = 0, len(starts)
    while (m := pattern.search(text, pos)) is not None:
        i = bisect.bisect_right(starts, m.start()) - 1
        todo.add(i)
        if i + 1 >= n:
            break
        pos = starts[i + 1]
    return todo


def _inside(span: tuple[int, int], others: list[tuple[int, int, str]]) -> bool:
    return any(s <= span[0] and span[1] <= e for s, e, _ in others)
