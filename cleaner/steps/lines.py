"""Built-in line clean-ups that run after the rules: repeated lines and blank-line holes."""

from __future__ import annotations

from collections.abc import Sequence

from cleaner.rules.shapes import word_count
from cleaner.steps.base import PageState

REPEATED = "builtin.repeated-lines"
DUPLICATES = "builtin.duplicate-paragraphs"
# Shorter lines (a sub-heading, "Price: $10", a list item or table row) repeat legitimately in
# articles: measured on WCXB articles, 5 words removed more article text than chrome, 10 does not.
DUPLICATE_MIN_WORDS = 10
BLANKS = "builtin.blank-lines"
TITLE = "builtin.title"


def repeat_key(text: str) -> str:
    """What two lines must share to count as the same line here: case and spacing do not count."""
    return " ".join(text.casefold().split())


def drop_adjacent_repeats(lines: Sequence[str]) -> list[str]:
    """What builtin.repeated-lines leaves of plain non-blank lines (mining predicts its examples' output
    with it): no line equal to the previous one."""
    out: list[str] = []
    for ln in lines:
        if not out or repeat_key(out[-1]) != repeat_key(ln):
            out.append(ln)
    return out


class DropLeadingTitle:
    """HTML mode, when a pack switches it on (``builtins: {title: true}``): a body that opens with
    the headline loses that line. Off by default: the seeds' expected outputs keep the headline."""

    def apply(self, page: PageState) -> None:
        if not page.title or not page.builtins.get("title", False):
            return
        title = repeat_key(page.title)
        for line in page.lines:
            if line.removed_by is not None or line.blank:
                continue
            # A Markdown heading ("# Harbour reopens") is the same headline.
            text = line.text.lstrip("#").strip() if page.doc.kind == "markdown" else line.text
            if repeat_key(text) == title:
                line.removed_by = page.new_group(TITLE, "drop-line")
            return


class DropRepeatedLines:
    """A line equal to the previous kept non-blank line (a doubled headline) goes."""

    def apply(self, page: PageState) -> None:
        if not page.builtins.get("repeated_lines", True):
            return
        prev: str | None = None
        for line in page.lines:
            if line.removed_by is not None or line.blank:
                continue
            cur = repeat_key(line.text)
            if cur == prev:
                line.removed_by = page.new_group(REPEATED, "drop-line")
            prev = cur


_LIST_MARKS = frozenset("-*+•|")  # list items and table rows repeat by design (one per section)


class DropDuplicateParagraphs:
    """A paragraph that repeats an earlier one anywhere in the document goes; the first stays.

    Sites print the same teaser, pull quote or sign-up paragraph twice (body and sidebar, top and
    bottom); an article almost never says the same ten or more words twice as a paragraph. Runs
    before the rules, so their positions count each paragraph once. A copy right after its
    original is the doubled line ``builtin.repeated-lines`` stands for, and is recorded as that."""

    def apply(self, page: PageState) -> None:
        if not page.builtins.get("duplicate_paragraphs", True):
            return
        seen: set[str] = set()
        prev: str | None = None
        for line in page.lines:
            if line.removed_by is not None or line.blank:
                continue
            key = repeat_key(line.text)
            text = line.text.lstrip()
            if text[:1] in _LIST_MARKS or word_count(text) < DUPLICATE_MIN_WORDS:
                prev = key
                continue
            if key in seen:
                rule = REPEATED if key == prev and page.builtins.get("repeated_lines", True) else DUPLICATES
                line.removed_by = page.new_group(rule, "drop-line")
            else:
                seen.add(key)
            prev = key


class CollapseBlankLines:
    """No holes: at most one blank line between kept lines, none at the start or end.

    A blank line made redundant by a removal joins that removal's record, so
    "what rule X removed" includes the gap it would have left.
    """

    def apply(self, page: PageState) -> None:
        lines = page.lines
        collapse = page.builtins.get("blank_lines", True)
        last_text = max((ln.index for ln in lines if ln.removed_by is None and not ln.blank), default=-1)
        seen_text = False
        prev_blank = False
        for i, line in enumerate(lines):
            if line.removed_by is not None:
                continue
            if not line.blank:
                seen_text, prev_blank = True, False
                continue
            edge = not seen_text or i > last_text
            if edge or (collapse and prev_blank):
                line.removed_by = self._key_for(page, i)
            else:
                prev_blank = True

    @staticmethod
    def _key_for(page: PageState, i: int) -> tuple[str, str, int]:
        lines = page.lines
        # The removal that made this hole: the next removed line past a run of blanks...
        j = i + 1
        while j < len(lines) and lines[j].removed_by is None and lines[j].blank:
            j += 1
        after = lines[j].removed_by if j < len(lines) else None
        if after is not None and after[0] != BLANKS:
            return after
        # ...or the one just before it.
        before = lines[i - 1].removed_by if i > 0 else None
        if before is not None:
            return before
        return page.new_group(BLANKS, "drop-line")
