"""Static bounds for the few patterns that need a backtracking engine.

A pattern RE2 can run is linear by construction. One that needs lookaround or another
backtracking-only feature runs on the `regex` module, and is accepted only if its shape rules
out catastrophic backtracking; the lines it sees are capped at ``max_chars`` (the rule's own, or
``BACKTRACKING_MAX_CHARS``), so its work per line is bounded by the pattern and that cap alone.
Every decision here reads the pattern's parse tree: the same answer on every machine, under any
load (an earlier version timed a probe search, and rejected bundled packs on a busy machine).
"""

from __future__ import annotations

from cleaner.rules.regex_tree import parse_pattern, sre_c, sre_p

MAX_PATTERN_CHARS = 20_000  # program size: a longer pattern is data, not a rule
BACKTRACKING_MAX_CHARS = 2_000  # longest line a backtracking pattern sees unless its rule says less
_MAXREPEAT = sre_c.MAXREPEAT
_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", sre_c.MAX_REPEAT))


# Characters that stand for every kind a class can tell apart: overlap is tested on these.
_SAMPLE = [chr(c) for c in range(0x20, 0x7F)] + list("\t\u00a0\u2009éÉßÆøЖжΩω中日\u0301’‘“”«»—–…©®™•·€£¥°§¶²½")


def _children(op, av) -> list:
    """The sub-sequences of one node."""
    if op is sre_c.SUBPATTERN:
        return [av[-1]]
    if op is sre_c.BRANCH:
        return list(av[1])
    if op in _REPEATS:
        return [av[2]]
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [av[1]]
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return [av]
    if op is sre_c.GROUPREF_EXISTS:
        return [b for b in av[1:] if b is not None]
    return []


def _category(cat, ch: str) -> bool:
    name = str(cat)
    neg = "NOT_" in name
    if "DIGIT" in name:
        got = ch.isdecimal()
    elif "SPACE" in name:
        got = ch.isspace()
    elif "WORD" in name:
        got = ch.isalnum() or ch == "_" or ch == "\u0301"
    else:
        return True  # line breaks and the like: assume it may match
    return got != neg


def _in(items, ch: str) -> bool:
    low = ch.lower()
    neg = False
    hit = False
    for op, av in items:
        if op is sre_c.NEGATE:
            neg = True
        elif op is sre_c.LITERAL:
            hit = hit or chr(av).lower() == low  # case folded: overlap is judged generously
        elif op is sre_c.RANGE:
            hit = hit or any(av[0] <= ord(c) <= av[1] for c in {ch, low, ch.upper()} if len(c) == 1)
        elif op is sre_c.CATEGORY:
            hit = hit or _category(av, ch)
        else:
            hit = True
    return hit != neg


def _char_matches(node, ch: str) -> bool:
    op, av = node
    if op is sre_c.LITERAL:
        return chr(av).lower() == ch.lower()
    if op is sre_c.NOT_LITERAL:
        return chr(av).lower() != ch.lower()
    if op is sre_c.ANY:
        return ch != "\n"
    if op is sre_c.IN:
        return _in(av, ch)
    if op is sre_c.CATEGORY:
        return _category(av, ch)
    return False


def _chars(seq) -> set[str]:
    """Every sample character some single-character item of the sequence can match."""
    out: set[str] = set()
    for node in seq:
        op, av = node
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN, sre_c.CATEGORY):
            out.update(c for c in _SAMPLE if _char_matches(node, c))
        for child in _children(op, av):
            out |= _chars(child)
    return out


def _edge(seq, last: bool = False) -> set[str]:
    """Sample characters a match of the sequence can start (or, with ``last``, end) with."""
    out: set[str] = set()
    for node in reversed(seq.data if hasattr(seq, "data") else seq) if last else seq:
        op, av = node
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN, sre_c.CATEGORY):
            return out | {c for c in _SAMPLE if _char_matches(node, c)}
        if op is sre_c.SUBPATTERN:
            got, empty = _edge(av[-1], last), av[-1].getwidth()[0] == 0
        elif op is sre_c.BRANCH:
            # Looking for what a round ends with: an alternative that ends the line ($) is
            # followed by nothing, so no next round can start after it.
            alts = [b for b in av[1] if not (last and _ends_line(b))]
            if not alts:
                return out
            got = set().union(*(_edge(b, last) for b in alts))
            empty = any(b.getwidth()[0] == 0 for b in alts)
        elif op in _REPEATS:
            got, empty = _edge(av[2], last), av[0] == 0 or av[2].getwidth()[0] == 0
        else:
            continue  # anchors and assertions take no character
        out |= got
        if not empty:
            return out
    return out


def _ends_line(seq) -> bool:
    items = list(seq)
    return bool(items) and items[-1][0] is sre_c.AT and items[-1][1] in (sre_c.AT_END, sre_c.AT_END_STRING)


def _first(seq) -> set[str]:
    return _edge(seq)


def _literal(seq) -> str | None:
    if all(op is sre_c.LITERAL for op, _ in seq):
        return "".join(chr(av) for _, av in seq).lower()
    return None


def _overlapping_branches(seq) -> bool:
    """An alternation two of whose alternatives can match the same text: ``(a|aa)+``.

    Literal alternatives overlap when one is a prefix of the other; any others when they can
    start with the same character."""
    for op, av in seq:
        if op is sre_c.BRANCH:
            alts = list(av[1])
            lits = [_literal(b) for b in alts]
            for i in range(len(alts)):
                for j in range(i + 1, len(alts)):
                    a, b = lits[i], lits[j]
                    if a is not None and b is not None:
                        if a.startswith(b) or b.startswith(a):
                            return True
                    elif _first(alts[i]) & _first(alts[j]):
                        return True
        for child in _children(op, av):
            if _overlapping_branches(child):
                return True
    return False


def _ambiguous(seq, after: set[str]) -> bool:
    """Whether an unbounded repeat in the sequence can take the character that follows it.

    ``after`` is what may follow the whole sequence. Inside a repeated body it includes the start
    of the next round, so ``(a+)+`` and ``(.*,){11}`` are caught, while ``(?: [A-Z]\\w+){0,3}``,
    whose rounds start with a space the inner repeat cannot take, splits a line one way only."""
    items = list(seq)
    for k, (op, av) in enumerate(items):
        rest = items[k + 1 :]
        follow = _edge(rest)
        if sum(_min_width(n) for n in rest) == 0:
            follow = follow | after
        if op in _REPEATS:
            body = av[2]
            if av[1] == _MAXREPEAT and body.getwidth()[1] > 0 and _chars(body) & follow:
                return True
            inner_after = follow | (_first(body) if av[1] > 1 else set())
            if _ambiguous(body, inner_after):
                return True
        elif op is sre_c.SUBPATTERN:
            if _ambiguous(av[-1], follow):
                return True
        elif op is sre_c.BRANCH:
            if any(_ambiguous(b, follow) for b in av[1]):
                return True
    return False


def _ambiguous_rounds(body) -> bool:
    return _ambiguous(body, _first(body))


def _min_width(node) -> int:
    op, av = node
    if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN, sre_c.CATEGORY):
        return 1
    if op is sre_c.SUBPATTERN:
        return av[-1].getwidth()[0]
    if op is sre_c.BRANCH:
        return min(b.getwidth()[0] for b in av[1])
    if op in _REPEATS:
        return av[0] * av[2].getwidth()[0]
    return 0


def _walk(seq) -> str | None:
    for op, av in seq:
        if op in _REPEATS and av[1] > 1:
            body = av[2]
            if av[1] == _MAXREPEAT and body.getwidth()[1] == 0:
                return "a repeat of something that can match nothing"
            # A repeat inside a repeat is ambiguous when the inner one can eat what comes next:
            # (a+)+, (\\w+\\s?)*, (.*,){11}. In (?:[A-Z]\\w+ ){0,3} a space ends each round, which
            # the inner repeat cannot take: the rounds split one way only.
            if _ambiguous_rounds(body):
                return "a repeat inside a repeat that can split a line many ways, such as (a+)+ or (.*a){20}"
            lo, hi = body.getwidth()
            if lo != hi and _edge(body, last=True) & _first(body) and not _fixed_split(body):
                return "a repeat whose rounds can end and start alike, such as (a|aa)+ or (\\w+\\s?)*"
            if av[1] == _MAXREPEAT and _overlapping_branches(body):
                return "a repeated alternation whose alternatives overlap, such as (a|aa)+"
        for child in _children(op, av):
            why = _walk(child)
            if why:
                return why
    return None


def _fixed_split(body) -> bool:
    """A round holding a required character that nothing before it in the round can take ends at
    the first such character (plus a fixed-width tail): it splits one way only."""
    items = list(body)
    for k, node in enumerate(items):
        if node[0] not in (sre_c.LITERAL, sre_c.IN, sre_c.NOT_LITERAL, sre_c.CATEGORY):
            continue
        here = {c for c in _SAMPLE if _char_matches(node, c)}
        fixed = all(_width(n)[0] == _width(n)[1] for n in items[k + 1 :])
        if fixed and not (_chars(items[:k]) & here):
            return True
    return False


def _width(node) -> tuple[int, int]:
    try:
        return sre_p.SubPattern(sre_p.State(), [node]).getwidth()
    except Exception:  # noqa: BLE001 - a node the parser cannot size: treat its width as variable
        return (0, _MAXREPEAT)


def backtracking_risk(pattern: str) -> str | None:
    """Why a pattern may backtrack without bound on the `regex` engine, or None when its shape is safe."""
    if len(pattern) > MAX_PATTERN_CHARS:
        return f"is longer than {MAX_PATTERN_CHARS:,} characters"
    parsed = parse_pattern(pattern)
    if parsed is None:
        return "uses syntax whose backtracking cannot be bounded by analysis (and RE2 cannot run it)"
    why = _walk(parsed)
    return f"has {why}" if why else None
