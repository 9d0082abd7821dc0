"""A multi-pattern prefilter so the cost per line hardly grows with the number of rules.

Each text rule gets *anchors*: lowercase literals of which at least one must occur
in any line the rule can match (the longest word of each phrase; the required
literal run of each pattern, found from its parse tree). One Aho-Corasick
automaton finds every anchor in a document in a single pass; a rule's regex then
runs only on the lines where one of its anchors occurred. Rules without a usable
anchor run on every line their length and position conditions allow.

The prefilter only ever skips lines on which a rule cannot match, so results are
identical to running every rule on every line (a test checks this).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import ahocorasick

from cleaner.rules.folding import fold, phrase_anchor
from cleaner.rules.leadchars import LeadChars, pattern_lead
from cleaner.rules.matching import CANONICAL_CHARS, CHAR_CLASSES, phrase_to_regex
from cleaner.rules.regex_tree import parse_pattern, sre_c
from cleaner.rules.schema import Matcher, Rule
from cleaner.rules.shapes import cjk_chars, shape_literals

if TYPE_CHECKING:
    from cleaner.rules.ruleset import CompiledRule

MIN_ANCHOR = 3

def _caseless(ch: str) -> bool:
    return ch.lower() == ch == ch.upper() and not ch.isspace()


# Words so frequent in prose that, as anchors, they send a rule's regex to most lines.
_COMMON = frozenset("""
a about after all also an and any are as at be been but by can could did do does for from get had has have he her
here his how i if in into is it its just like make may me might more most my new no not now of on one only or our
out over said say see she should so some such than that the their them then there these they this those through to
up us use was we were what when where which who will with would you your
""".split())


def _selectivity(cands: list[str]) -> tuple[int, float]:
    """How well a set of literals narrows the lines: its weakest member, then its average.

    Length stands for rarity, except for the commonest words, which count as two characters."""
    sizes = [2 if c.strip().lower() in _COMMON else _size(c) for c in cands]
    return min(sizes), sum(sizes) / len(sizes)


def _size(literal: str) -> int:
    # A symbol outside ASCII ("👉", "→", "©") is as rare as a word of five letters, at least.
    return max(len(literal), 5) if any(not c.isascii() and not c.isalnum() for c in literal) else len(literal)


def _required(items: Iterable, keep=None) -> list[str] | None:
    """Literals one of which must appear in any match of this sequence (None: no guarantee).

    With ``keep``, only runs of characters it accepts count as literals."""
    best: list[str] | None = None

    def consider(cands: list[str] | None) -> None:
        nonlocal best
        if cands and all(cands) and (best is None or _selectivity(cands) > _selectivity(best)):
            best = cands

    run: list[str] = []
    for op, av in items:
        if op is sre_c.LITERAL and (keep is None or keep(chr(av))):
            run.append(chr(av))
            continue
        consider(["".join(run)] if run else None)
        run = []
        if op is sre_c.IN and 0 < len(av) <= 8 and all(o is sre_c.LITERAL for o, _ in av):
            # "(?:👉|→|►)" is parsed as a class of its characters: any one of them is required.
            chars = [chr(c) for _, c in av]
            consider(chars if keep is None or all(map(keep, chars)) else None)
        elif op is sre_c.SUBPATTERN:
            consider(_required(av[-1], keep))
        elif op is sre_c.BRANCH:
            alts = [_required(b, keep) for b in av[1]]
            if all(a is not None for a in alts):
                consider([x for a in alts for x in a])  # type: ignore[union-attr]
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT) and av[0] >= 1:
            consider(_required(av[2], keep))
        elif op is sre_c.ATOMIC_GROUP:
            consider(_required(av, keep))
    consider(["".join(run)] if run else None)
    return best


def pattern_anchors(pattern: str) -> list[str] | None:
    parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    found = _required(parsed)
    if not found:
        return None
    return [fold(x) for x in found]


def must_contain(rule: Rule) -> tuple[str, ...] | None:
    """Case-free literals (punctuation, digits) one of which every line the rule matches contains.

    A plain ``in`` test stands for the regex on lines without them: cheap, and needs no folding.
    A case-sensitive rule's letters are as exact as its punctuation, so there any literal counts
    ("Getty", "AFP", "PA": too short as anchors, but rare with their capitals)."""
    cased = rule.case_sensitive and not any("(?i" in p for p in rule.patterns)
    keep = None if cased else _caseless
    out: list[str] = []
    for source in [phrase_to_regex(p.strip()) for p in rule.phrases] + list(rule.patterns):
        parsed = parse_pattern(source)
        found = _required(parsed, keep) if parsed is not None else None
        if not found:
            return None
        out.extend(found)
    return tuple(sorted(set(out))) or None


# Every character the `regex` module's \d matches lies in these ranges (RE2's \d is [0-9]); a
# line without any of them cannot match a pattern that needs a digit (tests/rules/test_prefilter.py).
DIGIT_COVER = re.compile("[0-9\u0660-\u1c59\ua620-\uabf9\uff10-\uff19\U00010000-\U0001ffff]")


def _digit(op, av) -> bool:
    """Whether this one-character item only ever matches a digit."""
    if op is sre_c.LITERAL:
        return DIGIT_COVER.fullmatch(chr(av)) is not None
    if op is not sre_c.IN or not av or av[0][0] is sre_c.NEGATE:
        return False
    for kind, val in av:
        if kind is sre_c.CATEGORY:
            if val is not sre_c.CATEGORY_DIGIT:
                return False
        elif kind is sre_c.RANGE:
            if not (DIGIT_COVER.fullmatch(chr(val[0])) and DIGIT_COVER.fullmatch(chr(val[1]))
                    and val[1] - val[0] < 10):
                return False
        elif kind is not sre_c.LITERAL or DIGIT_COVER.fullmatch(chr(val)) is None:
            return False
    return True


def _needs_digit(items: Iterable) -> bool:
    """Whether every match of this sequence holds a digit."""
    for op, av in items:
        if _digit(op, av):
            return True
        if op is sre_c.SUBPATTERN and _needs_digit(av[-1]):
            return True
        if op is sre_c.BRANCH and all(_needs_digit(b) for b in av[1]):
            return True
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, sre_c.POSSESSIVE_REPEAT) and av[0] >= 1 and _needs_digit(av[2]):
            return True
        if op is sre_c.ATOMIC_GROUP and _needs_digit(av):
            return True
    return False


def needs_digit(rule: Rule) -> bool:
    """Whether every line the rule matches holds a digit: a date, a time, a count."""
    sources = [phrase_to_regex(p.strip()) for p in rule.phrases] + list(rule.patterns)
    if not sources:
        return False
    for source in sources:
        parsed = parse_pattern(source)
        if parsed is None or not _needs_digit(parsed):
            return False
    return True


def _usable(anchor: str) -> bool:
    # Very short anchors hit everywhere ("ok" in "look"), unless they hold a rare symbol ("©"):
    # such rules are cheaper run on their few short lines. (Measured: raising the minimum to 5
    # made the bundled packs 3x slower, as more rules then test every short line.) A CJK
    # character is about half a word (``shapes.word_count``): two of them ("权归") are as rare
    # as a three-letter English anchor, and without them a Chinese rule ran on every line.
    a = anchor.strip()
    return len(a) + cjk_chars(a) >= MIN_ANCHOR or any(not c.isascii() and not c.isalnum() for c in a)


def rule_anchors(rule: Rule) -> list[str] | None:
    """All anchors of a rule, or None when some phrase or pattern has no usable one."""
    r = rule
    out: list[str] = []
    for phrase in r.phrases:
        a = phrase_anchor(phrase)
        if a is None or not _usable(a):
            return None  # cheaper to test the rule on its few short lines
        out.append(a)
    for pattern in r.patterns:
        found = pattern_anchors(pattern)
        if found is None or not all(map(_usable, found)):
            return None
        out.extend(found)
    return out or None


def exact_line_key(text: str) -> str:
    """A whole line as exact-line phrase rules see it: folded case, quotes, dashes and spaces."""
    return " ".join(fold(text).translate(CANONICAL_CHARS).replace("…", "...").split())


def exact_line_keys(rule: Matcher) -> set[str] | None:
    """Keys of a rule (or a run's header) made only of whole-line phrases: its lines are a
    dictionary lookup away."""
    r = rule
    if r.match != "line" or r.patterns or not r.phrases:
        return None
    return {exact_line_key(p) for p in r.phrases}


@dataclass(frozen=True)
class RuleIndexing:
    """How the prefilter finds a rule's lines, worked out from the rule alone (and cached with it).

    The first that applies wins: whole-line keys, then anchor literals; else line-start prefixes
    or, failing those, first characters; and required case-free literals for both."""

    exact_keys: frozenset[str] | None = None
    anchors: tuple[str, ...] | None = None
    prefixes: frozenset[str] | None = None
    lead: LeadChars | None = None
    contains: tuple[str, ...] | None = None
    digit: bool = False  # every matching line holds a digit


def index_rule(rule: Rule) -> RuleIndexing:
    if rule.html_rule:
        return RuleIndexing()  # HTML rules prune trees
    if not (rule.phrases or rule.patterns):
        # A shape alone: its line kind may still require a literal ("://" for a URL line); a
        # shape without one (word counts, dates) is tested on every line its limits allow.
        literals = shape_literals(rule.shapes)
        return RuleIndexing(anchors=literals) if literals else RuleIndexing()
    keys = exact_line_keys(rule)
    if keys is not None:
        return RuleIndexing(exact_keys=frozenset(keys))
    anchors = rule_anchors(rule)
    if anchors is not None:
        return RuleIndexing(anchors=tuple(anchors))
    prefixes = rule_line_prefixes(rule)
    lead = rule_lead(rule) if prefixes is None else None
    return RuleIndexing(prefixes=frozenset(prefixes) if prefixes is not None else None, lead=lead,
                        contains=must_contain(rule), digit=needs_digit(rule))


class Prefilter:
    """Maps each document to, per rule, the lines where the rule could match."""

    def __init__(self, rules: list[CompiledRule]):
        self.anchored: dict[str, list[str]] = {}
        self.automaton = ahocorasick.Automaton()
        by_anchor: dict[str, set[str]] = {}
        self.exact_keys: dict[str, set[str]] = {}
        # The same for the headers of drop-run rules: key -> ids of the rules whose header it is.
        self.header_keys: dict[str, set[str]] = {}
        # Rules without anchors but anchored at the line start: a line must start with one of
        # their literal prefixes. One startswith() per line stands for all of them.
        prefixes: set[str] = set()
        gated: set[str] = set()
        self.lead: dict[str, LeadChars] = {}  # the rest of the line-anchored rules: allowed first characters
        self.contains: dict[str, tuple[str, ...]] = {}  # literals such as ":" or "©" their lines must contain
        self.contains_any: dict[str, Callable[[str], object]] = {}  # for two or more: a search for any of them
        digit: set[str] = set()  # rules whose lines must hold a digit
        for cr in rules:
            if cr.rule.html_rule:
                continue
            self._index_header(cr)
            ix = cr.indexing if cr.indexing is not None else index_rule(cr.rule)
            if ix.exact_keys is not None:
                for k in ix.exact_keys:
                    self.exact_keys.setdefault(k, set()).add(cr.id)
                continue
            if ix.anchors is not None:
                self.anchored[cr.id] = list(ix.anchors)
                for a in ix.anchors:
                    by_anchor.setdefault(a, set()).add(cr.id)
                continue
            if ix.prefixes is not None:
                gated.add(cr.id)
                prefixes |= ix.prefixes
            elif ix.lead is not None:
                self.lead[cr.id] = ix.lead
            if ix.digit:
                digit.add(cr.id)
            self._index_contains(cr.id, ix.contains)
        for a, ids in by_anchor.items():
            self.automaton.add_word(a, tuple(sorted(ids)))
        self.anchored_ids = frozenset(self.anchored)
        self.exact_ids = frozenset(i for ids in self.exact_keys.values() for i in ids)
        self.indexed_ids = self.anchored_ids | self.exact_ids  # rules that run only where the index found them
        self.header_ids = frozenset(i for ids in self.header_keys.values() for i in ids)
        self.keyed = bool(self.exact_keys or self.header_keys)  # whether lines need a key lookup at all
        self.exact_max_words = max((len(k.split()) for k in (*self.exact_keys, *self.header_keys)), default=0)
        self.gated_ids = frozenset(gated)
        self.digit_ids = frozenset(digit)
        self.gate_prefixes = gate_prefixes(prefixes)
        self.gate_len = max(map(len, self.gate_prefixes), default=0)
        self._gate_by_first: dict[str, tuple[str, ...]] = {}
        for p in self.gate_prefixes:
            self._gate_by_first[p[0]] = (*self._gate_by_first.get(p[0], ()), p)
        self.gate_first = frozenset(self._gate_by_first)  # a line must start with one of these
        self.empty = not by_anchor
        if not self.empty:
            self.automaton.make_automaton()

    def _index_header(self, cr: CompiledRule) -> None:
        header = cr.rule.run.header if cr.rule.run is not None else None
        for k in (exact_line_keys(header) or ()) if header is not None else ():
            self.header_keys.setdefault(k, set()).add(cr.id)

    def _index_contains(self, rid: str, contains: tuple[str, ...] | None) -> None:
        if contains is not None:
            self.contains[rid] = contains
            if len(contains) > 1:  # one C-level scan for "any of them": the same answer as ``any(a in t)``
                self.contains_any[rid] = re.compile("|".join(map(re.escape, contains))).search

    def gate(self, text: str) -> bool:
        """Could a gated rule match this line? (False means none of them can.)"""
        head = text.lstrip()[: self.gate_len]
        low = head.lower() if head.isascii() else fold(head)
        group = self._gate_by_first.get(low[:1])
        return group is not None and low.startswith(group)

    def exact_hits(self, lines: list[tuple[int, str]]) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
        """Rule id -> positions (as given) of lines equal to one of its whole-line phrases; and
        rule id -> positions of lines equal to one of its header's (both from one key a line)."""
        hits: dict[str, list[int]] = {}
        heads: dict[str, list[int]] = {}
        cap = self.exact_max_words
        rules, headers = self.exact_keys, self.header_keys
        for pos, text in lines:
            if len(text.split(None, cap)) > cap:
                continue  # longer than any phrase: no key to look up
            key = exact_line_key(text)
            for rid in rules.get(key, ()):
                hits.setdefault(rid, []).append(pos)
            for rid in headers.get(key, ()):
                heads.setdefault(rid, []).append(pos)
        return hits, heads

    def candidates(self, text: str, line_starts: list[int], extra: list[tuple[int, str]]) -> dict[str, set[int]]:
        """Rule id -> indices of lines holding one of its anchors.

        ``extra`` are (line index, cleaned text) of lines the in-line steps changed: an
        anchor may appear only after an entity is decoded or a tag removed.
        """
        hits: dict[str, set[int]] = {}
        if self.empty:
            return hits
        folded = fold(text)
        if len(folded) != len(text):  # pragma: no cover - fold() keeps length for every known character
            raise ValueError("case folding changed the text length")
        # Hits come in text order: walk the line starts alongside, and collect lines per group of
        # rules sharing an anchor, spreading them to the rules once at the end.
        by_ids: dict[tuple[str, ...], set[int]] = {}
        line, n = 0, len(line_starts)
        nxt = line_starts[1] if n > 1 else len(text) + 1
        for end, ids in self.automaton.iter(folded):
            if end >= nxt:
                line = bisect.bisect_right(line_starts, end, line) - 1
                nxt = line_starts[line + 1] if line + 1 < n else len(text) + 1
            got = by_ids.get(ids)
            if got is None:
                by_ids[ids] = {line}
            else:
                got.add(line)
        for index, cleaned in extra:
            for _, ids in self.automaton.iter(fold(cleaned)):
                by_ids.setdefault(ids, set()).add(index)
        for ids, lines in by_ids.items():
            for rid in ids:
                if rid in hits:
                    hits[rid] |= lines
                else:
                    hits[rid] = set(lines)
        return hits


MAX_PREFIXES = 2000
GATE_CHARS = 12  # line-start prefixes are cut to this length for the gate


def gate_prefixes(prefixes: Iterable[str]) -> tuple[str, ...]:
    """The fewest prefixes that admit every line the given ones admit (and maybe a few more).

    Cut to ``GATE_CHARS`` and without any prefix another one starts ("compare best deals at "
    under "compare best"; ``ads.shop-buttons`` alone spells out 858): a line's gate test is then a
    handful of ``startswith`` calls instead of a thousand. A line the gate admits is still
    confirmed by the rule's own matcher."""
    out: list[str] = []
    cut = {p[:GATE_CHARS] for p in prefixes}
    assert "" not in cut, "an empty prefix admits every line: such a rule is not gated"
    for p in sorted(cut):
        if out and p.startswith(out[-1]):
            continue  # sorted: a prefix comes right before everything it starts
        out.append(p)
    return tuple(out)


def _prefixes(items: Iterable, acc: set[str]) -> tuple[set[str], bool] | None:
    """Extend literal prefixes through a sequence: (prefixes, still open), or None if unbounded.

    A prefix is "open" while everything so far was literal, so later items extend it.
    """
    cur = set(acc)
    for op, av in items:
        if op is sre_c.LITERAL:
            cur = {p + chr(av) for p in cur}
        elif op is sre_c.IN and all(o is sre_c.LITERAL for o, _ in av) and len(av) <= 8:
            cur = {p + chr(c) for p in cur for _, c in av}
        elif op is sre_c.SUBPATTERN or op is sre_c.BRANCH:
            branches = [av[-1]] if op is sre_c.SUBPATTERN else av[1]
            nxt: set[str] = set()
            for b in branches:
                got = _prefixes(b, cur)
                if got is None:
                    return None
                pre, still_open = got
                if not still_open:
                    return _close(cur, branches)
                nxt |= pre
            cur = nxt
        elif op is sre_c.MAX_REPEAT or op is sre_c.MIN_REPEAT:
            lo, _hi, body = av
            if lo == 0:
                got = _prefixes(body, cur)
                if got is None or not got[1]:
                    return (cur, False) if cur != {""} else None
                cur = cur | got[0]
            else:
                got = _prefixes(body, cur)
                if got is None:
                    return None
                return (got[0], False) if got[0] != {""} else None
        else:
            return (cur, False) if cur != {""} else None
        if len(cur) > MAX_PREFIXES:
            return None
    return cur, True


def _close(cur: set[str], branches: list) -> tuple[set[str], bool] | None:
    """A branch stopped being literal: every branch's prefix so far closes the set."""
    out: set[str] = set()
    for b in branches:
        got = _prefixes(b, cur)
        if got is None:
            return None
        out |= got[0]
    return out, False


def line_start_prefixes(pattern: str) -> set[str] | None:
    """Lowercase literals one of which starts every match of a pattern anchored at the line start."""
    parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    got = _prefixes(parsed, {""})
    if got is None or "" in got[0]:
        return None
    return {fold(p) for p in got[0]}


def rule_line_prefixes(rule: Rule) -> set[str] | None:
    """For a rule anchored at the line start: the literals every matching line starts with."""
    r = rule
    if r.match not in ("line", "start"):
        return None
    out: set[str] = set()
    for phrase in r.phrases:
        head = ""
        for ch in phrase.strip():
            if ch.isspace() or ch in CHAR_CLASSES:
                break
            head += ch
        if not head:
            return None
        out.add(fold(head))
    for pattern in r.patterns:
        got = line_start_prefixes(pattern)
        if got is None:
            return None
        out |= got
    return out or None


def rule_lead(rule: Rule) -> LeadChars | None:
    """For a rule anchored at the line start: the first characters a matching line can have."""
    r = rule
    if r.match not in ("line", "start"):
        return None
    out = LeadChars()
    for source in [phrase_to_regex(p.strip()) for p in r.phrases] + list(r.patterns):
        got = pattern_lead(source)
        if got is None:
            return None
        out.merge(got)
    return out
