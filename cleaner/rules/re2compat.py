"""Rule patterns on RE2: linear time, whatever the pattern or the line.

Rules are written in the syntax of the `regex` module (Unicode ``\\w``, ``\\s``, ``\\d`` and
``\\b``). RE2 reads most of it, but its ``\\w``, ``\\s``, ``\\d`` and ``\\b`` are ASCII-only, so a
pattern is *translated*: the classes become their Unicode equivalents (``\\w`` is letters, marks,
decimal and letter numbers, connector punctuation and the joiners, as in the `regex` module;
``tests/rules/test_re2compat.py`` checks every code point). What RE2 cannot express the same
way (lookaround, backreferences, possessive and atomic groups, a ``\\b`` inside the pattern,
POSIX classes) makes ``to_re2`` return None; such a pattern runs on the backtracking engine
under the static bounds of ``cleaner.rules.safety``.

One shape of lookaround is common enough to translate: a ``\\b`` at either end of a pattern. A
leading ``(?<!\\w)`` becomes "start of line or one non-word character" consumed before a core
group, a trailing ``(?!\\w)`` "one non-word character or the end" after it; ``Re2Regex`` reports
the core group's span, and restarts a scan so that a consumed character can serve the next
match, which gives exactly the matches the lookarounds would. (Phrases check their word
boundaries on the characters around a match instead: ``matching.PhraseSet``.)
"""

from __future__ import annotations

from dataclasses import dataclass

import re2
import regex
from re2 import _re2

from cleaner.rules.regex_tree import pieces

# \w as the `regex` module reads it (Unicode's Alphabetic, marks, decimal numbers, connector
# punctuation, joiners): the Alphabetic symbols are the circled and squared letters.
W = (r"\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}\x{200C}\x{200D}"
     r"\x{24B6}-\x{24E9}\x{1F130}-\x{1F149}\x{1F150}-\x{1F169}\x{1F170}-\x{1F189}")
_S_RANGES = ((0x9, 0xD), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
             (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000))


def _class_body(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(rf"\x{{{a:X}}}" if a == b else rf"\x{{{a:X}}}-\x{{{b:X}}}" for a, b in ranges)


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out, pos = [], 0
    for a, b in ranges:
        if a > pos:
            out.append((pos, a - 1))
        pos = b + 1
    out.append((pos, 0x10FFFF))
    return tuple(out)


S = _class_body(_S_RANGES)
NOT_S = _class_body(_complement(_S_RANGES))
_OUTSIDE = {r"\w": f"[{W}]", r"\W": f"[^{W}]", r"\s": f"[{S}]", r"\S": f"[^{S}]",
            r"\d": r"\p{Nd}", r"\D": r"\P{Nd}", r"\Z": r"\z"}
_INSIDE = {r"\w": W, r"\s": S, r"\S": NOT_S, r"\d": r"\p{Nd}", r"\D": r"\P{Nd}"}
# Escapes RE2 lacks or reads differently (\b: ASCII), and constructs only a backtracking engine has.
_UNSUPPORTED_ESCAPES = set("bBGKXNLhHmMgVR") | set("123456789")
_UNSUPPORTED_GROUPS = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?|", "(?R", "(?&", "(?P=", "(?P>", "(?(", "(?#")
_GLOBAL_FLAGS = regex.compile(r"\(\?[a-zA-Z]+\)")
LEAD = f"(?:[^{W}]|^)"  # stands for (?<!\w): consumed, outside the core group
TRAIL = f"(?:[^{W}]|$)"  # stands for (?!\w)


def _escape(piece: str, inside: bool) -> str | None:
    table = _INSIDE if inside else _OUTSIDE
    if piece in table:
        return table[piece]
    if inside and piece == r"\W":
        return None
    if len(piece) >= 2 and piece[1] in _UNSUPPORTED_ESCAPES:
        return None
    return piece  # \uXXXX was rewritten as \x{XXXX} before the pattern was split


def _class(piece: str) -> str | None:
    body = piece[1:-1]
    head = ""
    if body.startswith("^"):
        head, body = "^", body[1:]
    if "[" in body.replace("\\[", ""):
        return None  # POSIX classes, nested sets: read differently
    out = [head]
    i = 0
    while i < len(body):
        if body[i] == "\\":
            esc = body[i : i + 2]
            if body.startswith(("\\p{", "\\P{"), i):
                esc = body[i : body.index("}", i) + 1]
            got = _escape(esc, inside=True)
            if got is None:
                return None
            out.append(got)
            i += len(esc)
        else:
            out.append(body[i])
            i += 1
    return "[" + "".join(out) + "]"


_U_ESCAPE = regex.compile(r"(?<!\\)((?:\\\\)*)\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")


def to_re2(pattern: str) -> str | None:
    """The pattern in RE2 syntax with the same meaning, or None if RE2 cannot express it."""
    if "\\u" in pattern or "\\U" in pattern:
        pattern = _U_ESCAPE.sub(lambda m: m.group(1) + "\\x{" + (m.group(2) or m.group(3)) + "}", pattern)
    out: list[str] = []
    after_quantifier = False
    for piece in pieces(pattern):
        if piece == "+" and after_quantifier:
            return None  # possessive
        if piece.startswith("\\"):
            got = _escape(piece, inside=False)
        elif piece.startswith("[") and len(piece) > 1:
            got = _class(piece)
        elif piece.startswith("{,"):
            got = "{0" + piece[1:]
        else:
            got = piece
        if got is None:
            return None
        lazy = piece == "?" and after_quantifier
        after_quantifier = not lazy and (piece in ("*", "+", "?") or (piece.startswith("{") and len(piece) > 1))
        out.append(got)
    text = "".join(out)
    if any(g in pattern for g in _UNSUPPORTED_GROUPS):
        return None
    m = _GLOBAL_FLAGS.search(pattern)
    if m and m.start() != 0:
        return None  # a global flag in the middle means the whole pattern to `regex`, the rest to RE2
    return text


_WORD = regex.compile(r"\w")


def _top_level_alternation(pattern: str) -> bool:
    depth = 0
    for piece in pieces(pattern):
        if piece.startswith("("):
            depth += 1
        elif piece == ")":
            depth -= 1
        elif piece == "|" and depth == 0:
            return True
    return False


def split_edges(pattern: str) -> tuple[bool, str, bool]:
    r"""A leading and a trailing ``\b`` next to a literal word character, which say what
    ``(?<!\w)`` and ``(?!\w)`` say there: (lead, the rest, trail)."""
    lead = trail = False
    if _top_level_alternation(pattern):
        return False, pattern, False  # the \b would belong to one alternative only
    quantified = pattern[3:4] in ("?", "*", "{")  # an optional first character: \b might face a non-word
    if pattern.startswith(r"\b") and len(pattern) > 2 and _WORD.match(pattern[2]) and not quantified:
        lead, pattern = True, pattern[2:]
    if (pattern.endswith(r"\b") and len(pattern) > 2 and _WORD.match(pattern[-3])
            and not pattern.endswith(r"\\b") and (len(pattern) < 4 or pattern[-4] != "\\")):
        trail, pattern = True, pattern[:-2]
    return lead, pattern, trail


def _options(case_sensitive: bool, capture: bool = True, max_mem: int = 32 << 20) -> re2.Options:
    o = re2.Options()
    o.case_sensitive = case_sensitive
    o.never_capture = not capture
    o.max_mem = max_mem
    o.log_errors = False  # a pattern RE2 refuses runs on the backtracking engine: not an error
    return o


_UNANCHORED = _re2.RE2.Anchor.UNANCHORED
_ANCHOR_START = _re2.RE2.Anchor.ANCHOR_START


class Re2Error(ValueError):
    """RE2 refused a translated pattern (too large, or a construct it does not know)."""


def compile_program(pattern: str, case_sensitive: bool, capture: bool = True, max_mem: int = 32 << 20):
    """One RE2 program. Without ``capture`` it only says whether there is a match, and never has
    to work out groups (cheap: most lines a rule is tried on do not match)."""
    try:
        got = _re2.RE2(pattern.encode("utf-8", "surrogatepass"), _options(case_sensitive, capture, max_mem))
    except Exception as e:  # noqa: BLE001 - pybind11 raises its own error type
        raise Re2Error(str(e)) from None
    if not got.ok():
        raise Re2Error(got.error())
    return got


@dataclass
class Re2Match:
    """What the steps read of a match: its span, and named groups for captures."""

    _span: tuple[int, int]
    _groups: dict[str, str | None]
    alt: int = 0  # which alternative of a phrase program matched
    begin: int = 0  # where the whole match starts (before a consumed character or leading spaces)
    _group_spans: dict[str, tuple[int, int]] | None = None

    def span(self, group: str | None = None) -> tuple[int, int]:
        """The match's span, or a named group's (``(-1, -1)`` when it took no part), as ``regex`` gives."""
        if group is None:
            return self._span
        return (self._group_spans or {}).get(group, (-1, -1))

    def start(self) -> int:
        return self._span[0]

    def end(self) -> int:
        return self._span[1]

    def groupdict(self) -> dict[str, str | None]:
        return self._groups


class Re2Regex:
    """One RE2 program with the match span taken from a core group, when edges were consumed."""

    __slots__ = ("lead", "trail", "_program", "_core", "_names", "pattern", "_alts", "case_sensitive", "_test")

    def __init__(self, body: str, case_sensitive: bool, lead: bool = False, trail: bool = False,
                 prefix: str = "", suffix: str = "", alternatives: int = 0, lazy: bool = False):
        self.lead, self.trail = lead, trail
        self.case_sensitive = case_sensitive
        core = lead or trail
        # The core group spans what a match spans to the `regex` module: the mode's own affixes
        # (``^\\s*``, ``\\s*$``) with the body, not the characters the edges consume. (A lead comes
        # only without a prefix, a trail only without a suffix.)
        inner = f"{prefix}(?:{body}){suffix}"
        self.pattern = (LEAD if lead else "") + (f"({inner})" if core else inner) + (TRAIL if trail else "")
        self._program = None
        self._test = None
        self._names: dict[str, int] = {}
        self._core = 1 if core else 0  # the prefixes cleaner adds hold no capturing group
        # Phrase programs wrap each alternative in a group: the first one set says which matched.
        self._alts = range(self._core + 1, self._core + 1 + alternatives)
        if not lazy:
            # Compile the match test now, so a pattern RE2 refuses is known at once; the program
            # that works out groups waits for the first line that matches.
            self._probe  # noqa: B018

    @property
    def _rx(self):
        """The compiled program, made on first use (most phrase sets never reach a line of a run)."""
        if self._program is None:
            self._program = compile_program(self.pattern, self.case_sensitive)
            self._names = {n.decode(): i for n, i in self._program.NamedCapturingGroups()}
        return self._program

    def fits(self, max_mem: int) -> bool:
        """Whether the match test compiles within ``max_mem`` bytes. RE2 gives up as soon as the
        program outgrows the budget, so asking costs no more than the budget."""
        try:
            compile_program(self.pattern, self.case_sensitive, capture=False, max_mem=max_mem)
        except Re2Error:
            return False
        return True

    @property
    def _probe(self):
        if self._test is None:
            self._test = compile_program(self.pattern, self.case_sensitive, capture=False)
        return self._test

    def _search(self, data: bytes, pos: int, ascii_text: bool, anchor=_UNANCHORED) -> Re2Match | None:
        if self._probe.Match(anchor, data, pos, len(data))[0][0] < 0:
            return None  # the usual answer, found without working out any group
        spans = self._rx.Match(anchor, data, pos, len(data))
        if spans[0][0] < 0:
            return None
        core = spans[self._core]

        def char(off: int) -> int:
            return off if ascii_text else len(data[:off].decode("utf-8", "surrogatepass"))

        groups = {}
        where: dict[str, tuple[int, int]] = {}
        for name, i in self._names.items():
            s, e = spans[i]
            groups[name] = None if s < 0 else data[s:e].decode("utf-8", "surrogatepass")
            where[name] = (-1, -1) if s < 0 else (char(s), char(e))
        alt = next((k for k, g in enumerate(self._alts) if spans[g][0] >= 0), 0)
        return Re2Match((char(core[0]), char(core[1])), groups, alt, char(spans[0][0]), where)

    def search(self, text: str, pos: int = 0, anchored: bool = False) -> Re2Match | None:
        """The first match at or after ``pos`` (a character offset); with ``anchored``, only at ``pos``."""
        ascii_text = text.isascii()
        data = text.encode("utf-8", "surrogatepass") if not ascii_text else text.encode("ascii")
        bpos = pos if ascii_text else len(text[:pos].encode("utf-8", "surrogatepass"))
        return self._search(data, bpos, ascii_text, _ANCHOR_START if anchored else _UNANCHORED)

    def matches(self, text: str) -> bool:
        probe = self._test if self._test is not None else self._probe
        data = text.encode("utf-8", "surrogatepass")
        return probe.Match(_UNANCHORED, data, 0, len(data))[0][0] >= 0

    def scan_from(self, text: str, pos: int) -> Re2Match | None:
        """The first match whose core starts at or after ``pos``, its lookbehind free to see ``pos - 1``."""
        if self.lead and pos > 0:
            m = self.search(text, pos - 1)
            if m is None or m.start() >= pos:
                return m
            # The line start stood in for the lookbehind, but the character before ``pos`` is a word
            # character: no match may start at ``pos``, and from there on the start is no longer ^.
        return self.search(text, pos)
