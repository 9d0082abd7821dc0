"""Second-pass evidence for the candidate lines of one domain: exact counts, positions, variants,
what follows them, and two real examples each.

Only the candidates the first pass let through are tracked, each with a few integers, at most
``MAX_VARIANTS`` surface forms and two example windows, so memory follows the number of
candidates, not of documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cleaner.mining.counting import DomainCounts
from cleaner.mining.lines import (
    PREFIX,
    TOKEN,
    key_tokens,
    looks_like_prose,
    norm_token,
    prefix_keys,
    recurrence_key,
    word_count,
)
from cleaner.mining.options import MineOptions

HEAD_LINES = 12  # an occurrence this close to the start (non-blank lines) is "in the head"
TAIL_LINES = 12  # ... or to the end: "in the tail"
MAX_VARIANTS = 16
EXAMPLES = 2
WINDOW = 3  # lines kept on each side of an example occurrence
MAX_EXAMPLE_LINE = 160


@dataclass
class ExampleWindow:
    """A stretch of a real document around one occurrence of a candidate line."""

    doc_id: str
    index: int  # the occurrence's non-blank line index in the document
    total: int  # non-blank lines in the document
    start: int  # index of window[0] in the document
    lines: list[str]
    chrome: list[bool]  # per window line: a candidate of this domain (not article text)

    @property
    def at(self) -> int:
        return self.index - self.start


@dataclass
class CandidateStats:
    key: str
    order: int
    h: int = 0  # hash of the counted key (prefix keys carry their marker), as in successor tables
    prefix: bool = False
    docs: int = 0
    occurrences: int = 0
    max_index: int = 0
    max_back: int = 0
    min_rel: float = 1.0
    max_rel: float = 0.0
    head_max: int = -1  # largest index of an occurrence in the head
    tail_max: int = -1  # largest distance from the end of an occurrence in the tail
    middle: int = 0  # occurrences neither in the head nor in the tail
    max_words: int = 0
    max_chars: int = 0
    prose_docs: int = 0
    tail_docs: int = 0  # docs where only recurring or short lines follow its last occurrence
    tail_varying: int = 0  # ... and something that is not a candidate follows (a cut would add)
    extra_docs: int = 0  # prefix keys: docs where the whole line is not a candidate itself
    variants: dict[str, int] = field(default_factory=dict)
    prose_forms: dict[str, bool] = field(default_factory=dict)
    other_variants: int = 0
    examples: list[ExampleWindow] = field(default_factory=list)
    next: dict[int, int] = field(default_factory=dict)

    @property
    def display(self) -> str:
        """The most common surface form."""
        return max(self.variants.items(), key=lambda kv: (kv[1], -len(kv[0])))[0] if self.variants else self.key

    def occur(self, i: int, n: int) -> None:
        back = n - 1 - i
        self.occurrences += 1
        self.max_index = max(self.max_index, i)
        self.max_back = max(self.max_back, back)
        rel = i / (n - 1) if n > 1 else 0.0
        self.min_rel = min(self.min_rel, rel)
        self.max_rel = max(self.max_rel, rel)
        if i < HEAD_LINES:
            self.head_max = max(self.head_max, i)
        elif back < TAIL_LINES:
            self.tail_max = max(self.tail_max, back)
        else:
            self.middle += 1


_LATER = "\x02"  # a key not computed yet (the line's first word rules it out as a candidate)


class DocumentKeys:
    """A document's lines with their keys, computed once per pass.

    With ``first`` (the first words of the keys wanted), a line starting with any other word is not
    tokenised unless its key is asked for (``full_key``): most article lines are skipped cheaply.
    """

    __slots__ = ("lines", "full", "prefixes", "options")

    def __init__(self, lines: list[str], options: MineOptions, first: frozenset[str] | None = None):
        self.lines = lines
        self.options = options
        n = len(lines)
        self.full: list[str | None] = [None] * n
        self.prefixes: list[list[str]] = [_NONE] * n
        max_chars, max_spaces = options.max_line_chars, options.max_line_words - 1
        for i, line in enumerate(lines):
            if len(line) > max_chars or line.count(" ") > max_spaces:
                continue  # lines are whitespace-folded: spaces + 1 = words
            if first is not None:
                m = TOKEN.search(line)
                if m is None or norm_token(m.group()) not in first:
                    self.full[i] = _LATER
                    continue
            self._compute(i)

    def _compute(self, i: int) -> None:
        toks = key_tokens(self.lines[i])
        self.full[i] = recurrence_key(toks)
        self.prefixes[i] = prefix_keys(toks) if self.options.prefixes else _NONE

    def full_key(self, i: int) -> str | None:
        if self.full[i] is _LATER:
            self._compute(i)
        return self.full[i]

    def keys(self) -> dict[int, str]:
        """hash -> key text of every key of the document (whole lines and line starts)."""
        out = {hash(k): k for k in self.full if k is not None}
        for ps in self.prefixes:
            for p in ps:
                out[hash(p)] = p
        return out

    def fingerprint(self) -> int:
        return hash(tuple(k or line for k, line in zip(self.full, self.lines, strict=True)))


_NONE: list[str] = []


def first_words(keys: list[str]) -> frozenset[str]:
    """The first normalised word of each key (prefix marker removed)."""
    return frozenset(k.removeprefix(PREFIX).split(" ", 1)[0] for k in keys)


class DomainEvidence:
    """The second pass over one domain's documents.

    ``first_docs`` keeps the whole lines of each document that gives some candidate its first
    example (a handful per domain): whether the reference packs already remove a line is checked
    there, where its position is real.
    """

    def __init__(self, name: str, candidates: list[int], options: MineOptions):
        self.name = name
        self.options = options
        self.first_docs: dict[str, list[str]] = {}
        self.wanted = set(candidates)
        self.stats: dict[int, CandidateStats] = {}
        self.docs = 0

    def _stat(self, h: int, key: str) -> CandidateStats:
        st = self.stats.get(h)
        if st is None:
            st = self.stats[h] = CandidateStats(key=key.removeprefix(PREFIX), order=len(self.stats), h=h,
                                                prefix=key.startswith(PREFIX))
        return st

    def add(self, doc_id: str, doc: DocumentKeys, counts: DomainCounts) -> None:
        """Count one document; ``counts`` (the first pass) tells which other lines recur."""
        self.docs += 1
        lines, n, wanted = doc.lines, len(doc.lines), self.wanted
        hits: list[list[tuple[int, str]]] = []
        chrome: list[bool] = []
        for i in range(n):
            found = []
            full = doc.full[i]
            if full is not None and full is not _LATER:
                fh = hash(full)
                if fh in wanted:
                    found.append((fh, full))
            for p in doc.prefixes[i]:
                ph = hash(p)
                if ph in wanted:
                    found.append((ph, p))
            hits.append(found)
            chrome.append(bool(found))
        # Suffix flags, from the end: is every line from j on tail-like (a candidate, a line seen in
        # two documents, or not prose)? Once one is not, no earlier j qualifies: stop looking.
        all_tail = [False] * (n + 1)
        all_tail[n] = True
        for j in range(n - 1, -1, -1):
            full = doc.full_key(j) if not chrome[j] else None
            if not (chrome[j] or (full is not None and counts.lower(hash(full)) >= 2)
                    or not looks_like_prose(lines[j], self.options.prose_words)):
                break
            all_tail[j] = True
        some_other = [False] * (n + 1)  # is some line from j on not a candidate?
        for j in range(n - 1, -1, -1):
            some_other[j] = some_other[j + 1] or not chrome[j]
        last: dict[int, int] = {}
        for i, found in enumerate(hits):
            for h, key in found:
                st = self._stat(h, key)
                st.occur(i, n)
                if h in last:
                    last[h] = i
                    continue
                last[h] = i
                self._first_in_doc(st, doc_id, doc, i, hits, chrome)
        for h, i in last.items():
            st = self.stats[h]
            if all_tail[i + 1]:
                st.tail_docs += 1
                if some_other[i + 1]:
                    st.tail_varying += 1

    def _first_in_doc(self, st: CandidateStats, doc_id: str, doc: DocumentKeys, i: int,
                      hits: list[list[tuple[int, str]]], chrome: list[bool]) -> None:
        line = doc.lines[i]
        n = len(doc.lines)
        st.docs += 1
        if line in st.variants:
            st.variants[line] += 1
            st.prose_docs += st.prose_forms.get(line, 0)
        else:
            prose = looks_like_prose(line, self.options.prose_words)
            st.prose_docs += prose
            st.max_words = max(st.max_words, word_count(line))
            st.max_chars = max(st.max_chars, len(line))
            if len(st.variants) < MAX_VARIANTS:
                st.variants[line] = 1
                st.prose_forms[line] = prose
            else:
                st.other_variants += 1
        full = doc.full_key(i)
        if st.prefix and (full is None or hash(full) not in self.wanted):
            st.extra_docs += 1
        if i + 1 < n:
            for h2, _ in hits[i + 1]:
                if len(st.next) < 8 or h2 in st.next:
                    st.next[h2] = st.next.get(h2, 0) + 1
        if len(st.examples) < EXAMPLES:
            start = 0 if i < HEAD_LINES else max(0, i - WINDOW)
            end = n if n - 1 - i < TAIL_LINES else min(n, i + WINDOW + 1)
            if end - start > 2 * WINDOW + 12:
                start, end = max(0, i - WINDOW), min(n, i + WINDOW + 1)
            # Long lines other than the occurrence are shortened: the example needs them as context only.
            window = [ln if len(ln) <= MAX_EXAMPLE_LINE or j == i else ln[:MAX_EXAMPLE_LINE].rsplit(" ", 1)[0] + " …"
                      for j, ln in enumerate(doc.lines[start:end], start)]
            if not st.examples and doc_id not in self.first_docs:
                self.first_docs[doc_id] = doc.lines
            st.examples.append(ExampleWindow(doc_id, i, n, start, window, chrome[start:end]))
