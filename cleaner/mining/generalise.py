"""Turn the surface forms of one mined line into a rule matcher that matches every one of them.

All forms of a key have the same tokens up to case, digits and month/weekday names, so they line
up token by token: a token that is the same everywhere stays literal, digits that vary become
``\\d+``, month or weekday names that vary become an alternation of the names; the separators
between tokens stay literal where they agree and become ``\\W*`` where they do not. When the forms
differ only in case and spacing, the rule gets a plain phrase instead. Every result is checked
with the project's own matcher (``CompiledMatcher``) against every form.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from cleaner.mining.lines import MONTH, MONTHS, TOKEN, WEEKDAY, WEEKDAYS, norm_token
from cleaner.rules.matching import DASHES, DQUOTES, SQUOTES, CompiledMatcher
from cleaner.rules.schema import Matcher

_MONTH_RX = "(?:" + "|".join(sorted(set(MONTHS), key=lambda m: (-len(m), m))) + r")\.?"
_WEEKDAY_RX = "(?:" + "|".join(sorted(set(WEEKDAYS), key=lambda d: (-len(d), d))) + r")\.?"
_DIGIT_RUN = regex.compile(r"(\d+)")


@dataclass
class MinedMatcher:
    """What a rule will say: ``phrases`` or ``patterns``, how it matches, and how much it covers."""

    phrases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)
    match: str = "line"
    covered: int = 0  # documents whose form the matcher matches
    total: int = 0  # documents counted in the variants
    varies: list[str] = field(default_factory=list)  # what the pattern generalises: digits, months, ...

    @property
    def coverage(self) -> float:
        return self.covered / self.total if self.total else 0.0

    def as_fields(self) -> dict[str, object]:
        out: dict[str, object] = {}
        if self.phrases:
            out["phrases"] = list(self.phrases)
        if self.patterns:
            out["patterns"] = list(self.patterns)
        out["match"] = self.match
        return out

    def compiled(self) -> CompiledMatcher:
        return CompiledMatcher.build(Matcher(phrases=self.phrases, patterns=self.patterns, match=self.match))  # type: ignore[arg-type]


def _split(line: str) -> tuple[list[str], list[str]]:
    """Tokens and the separators around them: ``seps[i]`` precedes ``tokens[i]``; one more at the end."""
    tokens, seps, pos = [], [], 0
    for m in TOKEN.finditer(line):
        seps.append(line[pos:m.start()])
        tokens.append(m.group())
        pos = m.end()
    seps.append(line[pos:])
    return tokens, seps


def _literal_sep(sep: str) -> str:
    """A separator as a regex: its punctuation literally, any run of whitespace as ``\\s+``."""
    return "".join(r"\s+" if part.isspace() else regex.escape(part) for part in regex.findall(r"\s+|\S+", sep))


def _sep_rx(seps: list[str]) -> str:
    if len(set(seps)) == 1:
        return _literal_sep(seps[0])
    if all(not s.strip() for s in seps):
        return r"\s*"
    return r"\W*"


def _token_rx(forms: list[str]) -> tuple[str, str | None]:
    folded = {f.casefold() for f in forms}
    if len(folded) == 1:
        return regex.escape(forms[0]), None
    norm = norm_token(forms[0])
    if norm == MONTH:
        return _MONTH_RX, "month names"
    if norm == WEEKDAY:
        return _WEEKDAY_RX, "weekday names"
    # Same letters, digits differ: literal letters, \d+ for every digit run.
    parts = _DIGIT_RUN.split(forms[0])
    return "".join(r"\d+" if i % 2 else regex.escape(p) for i, p in enumerate(parts)), "numbers"


def generalise(forms: list[str], prefix_tokens: int | None = None) -> tuple[str, list[str]] | None:
    """A regex for forms that share a key (or, with ``prefix_tokens``, a key's first N tokens).

    Once some number varies, every all-digit token becomes ``\\d+``: in a line whose date or count
    changes from page to page, the year that happened to be the same in the sample changes too.
    """
    split = [_split(f) for f in forms]
    n = prefix_tokens if prefix_tokens is not None else len(split[0][0])
    if any(len(t) < n for t, _ in split) or (prefix_tokens is None and len({len(t) for t, _ in split}) != 1):
        return None
    columns = [[t[i] for t, _ in split] for i in range(n)]
    if any(len({norm_token(f) for f in col}) != 1 for col in columns):
        return None
    token_rx = [_token_rx(col) for col in columns]
    if any(why == "numbers" for _, why in token_rx):
        token_rx = [(r"\d+", "numbers") if col[0].isdigit() else tr for col, tr in zip(columns, token_rx, strict=False)]
    parts: list[str] = []
    varies: list[str] = []
    for i in range(n):
        parts.append(_sep_rx([s[i] for _, s in split]))
        rx, why = token_rx[i]
        parts.append(rx)
        if why and why not in varies:
            varies.append(why)
    if prefix_tokens is None:
        parts.append(_sep_rx([s[n] for _, s in split]))
    else:
        parts.append(r"\b.*")
    return "".join(parts), varies


# The phrases' quote and dash variants, single and double quotes folded together (looser than a phrase,
# as mining always folded them: the packs it writes stay the same; ``_check`` measures what a phrase covers).
_QUOTES = str.maketrans({c: "'" for c in SQUOTES + DQUOTES} | {c: "-" for c in DASHES})


def _same_phrase(forms: list[str]) -> bool:
    """Forms a single phrase matches: phrases ignore case and spacing, and quotes and dashes match
    all their variants."""
    return len({" ".join(f.casefold().translate(_QUOTES).split()) for f in forms}) == 1


def _check(m: MinedMatcher, variants: dict[str, int]) -> None:
    try:
        cm = m.compiled()
    except (regex.error, ValueError):
        m.covered = 0
        return
    m.covered = sum(c for form, c in variants.items() if cm.search(form) is not None)


def build_matcher(variants: dict[str, int], prefix_tokens: int | None = None, other: int = 0) -> MinedMatcher:
    """The narrowest matcher that matches the observed forms (most common first).

    ``other`` counts documents whose form was not kept (beyond the variant cap): they count as
    unmatched, so coverage is never overstated.
    """
    forms = sorted(variants, key=lambda f: (-variants[f], f))
    total = sum(variants.values()) + other
    if prefix_tokens is None and _same_phrase(forms):
        m = MinedMatcher(phrases=[forms[0]], match="line", total=total)
        _check(m, variants)
        if m.covered == sum(variants.values()):
            return m
    got = generalise(forms, prefix_tokens)
    if got is None:  # cannot align the forms: keep the most common ones literally
        m = MinedMatcher(phrases=forms[:5], match="line" if prefix_tokens is None else "start", total=total)
    else:
        pattern, varies = got
        if prefix_tokens is None and not varies and _same_phrase(forms):
            m = MinedMatcher(phrases=[forms[0]], total=total)
        elif not varies and prefix_tokens is not None:
            words = TOKEN.findall(forms[0])[:prefix_tokens]
            head = forms[0][: forms[0].find(words[-1]) + len(words[-1])] if words else forms[0]
            m = MinedMatcher(phrases=[head.strip()], match="start", total=total, varies=["the rest of the line"])
        else:
            m = MinedMatcher(patterns=[pattern], match="line", total=total, varies=varies)
            if prefix_tokens is not None:
                m.varies.append("the rest of the line")
    _check(m, variants)
    return m
