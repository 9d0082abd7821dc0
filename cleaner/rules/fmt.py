"""``cleaner rules fmt``: rewrite rule packs in the one pack style, keeping content and comments.

The style, so a pack reads the same whoever wrote it (or ``cleaner mine``, or PyYAML's dumper):

- two-space indentation; a list's items are indented under their key (``  - ``); every list is a
  block list, one item a line;
- nothing is wrapped inside a value: a regex stays on one line however long it is;
- a string is plain where YAML allows it and single-quoted where it does not; a pattern is
  single-quoted unless it is only words and spaces, so what is between the quotes is the regex
  (``''`` is a quote); double quotes only for characters that have no other spelling (control
  characters, invisible ones, trailing spaces inside a multi-line text), written as escapes;
- a multi-line string (an example's text) is a literal block (``|``, ``|-`` or ``|+``);
- a pack's or rule's ``description`` that does not fit in ``WIDTH`` columns is folded (``>-``)
  at spaces, the only value that is ever wrapped (folding gives back the same one-line string);
- ``position``, ``shape`` and ``builtins`` of plain values are one flow mapping
  (``position: {last_fraction: 0.2}``) when it fits in ``WIDTH`` columns; every other mapping is
  a block mapping;
- keys in the order of ``KEY_ORDER`` (the pack, a rule, a matcher, ...); keys the schema does
  not know (typos the loader will report) after them, as found;
- one blank line between rules, no other blank lines;
- comments kept: one on its own line stays above the key or item after it, a trailing one at
  the end of its key's (or item's) line.

The file is read by PyYAML, the parser the loader uses, so the formatter cannot read a pack
differently from the loader (ruamel.yaml reads YAML 1.2, where ``yes``, ``010`` and ``1:20`` are
not what PyYAML makes of them). Every result is checked before it is returned: it must load to
exactly the same data and carry the same comments, or ``FormatError`` says why.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cleaner.rules.schema import Builtins, Example, Matcher, Pack, Position, Rule, Run, Shape

WIDTH = 100  # where descriptions fold and flow mappings stop fitting; other lines are never wrapped

# The order keys are written in, per kind of mapping. A rule reads: what it is, what it does,
# how and on what it matches, the limits, then its examples.
_MATCHER = ("match", "case_sensitive", "phrases", "patterns", "shape")
KEY_ORDER: dict[str, tuple[str, ...]] = {
    "pack": ("version", "name", "description", "languages", "domains", "signatures", "kinds", "builtins", "rules"),
    "rule": (
        "id", "description", "action", *_MATCHER[:4], "captures", "keep_group", "selectors", "xpaths", "shape",
        "end", "max_block_lines", "run", "max_chars", "max_words", "max_matches", "position", "domains", "languages",
        "kinds", "examples",
    ),
    "matcher": _MATCHER,
    "run": ("min_lines", "max_lines", "require_header", "header"),
    "position": tuple(Position.model_fields),
    "shape": tuple(Shape.model_fields),
    "builtins": tuple(Builtins.model_fields),
    "example": ("input", "output", "keep", "kind", "url", "title", "language"),
}
MODELS = {"pack": Pack, "rule": Rule, "matcher": Matcher, "run": Run, "position": Position, "shape": Shape,
          "builtins": Builtins, "example": Example}  # tests check KEY_ORDER names every field of these

# What a value under a key (or a list's item) is, from what holds it: (holder, key) -> kind.
# A list's items are keyed by None. Unlisted places keep their keys as found.
_CHILD: dict[tuple[str, str | None], str] = {
    ("pack", "builtins"): "builtins", ("pack", "rules"): "rules", ("rules", None): "rule",
    ("rule", "end"): "matcher", ("rule", "run"): "run", ("run", "header"): "matcher",
    ("rule", "position"): "position", ("rule", "examples"): "examples", ("examples", None): "example",
    ("rule", "shape"): "shape", ("matcher", "shape"): "shape", ("shape", None): "shape",
    ("rule", "patterns"): "patterns", ("matcher", "patterns"): "patterns",
}
_FLOW = {"position", "shape", "builtins"}  # mappings that may be written {a: 1, b: 2}
_FOLD = {"pack", "rule"}  # where a long description folds

_STR = "tag:yaml.org,2002:str"
_RESOLVER = yaml.resolver.Resolver()
_ANALYSER = yaml.emitter.Emitter(io.StringIO(), allow_unicode=True)
_WORDS = re.compile(r"\w+(?: \w+)*")
_ESCAPES = {"\0": "0", "\a": "a", "\b": "b", "\t": "t", "\n": "n", "\v": "v", "\f": "f", "\r": "r", "\x1b": "e",
            '"': '"', "\\": "\\"}
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class FormatError(Exception):
    """The text is not YAML, or not something the formatter can rewrite without changing it."""

    def __init__(self, line: int | None, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}" if line else message)


@dataclass(frozen=True)
class _Alias:
    """An alias where it occurs (PyYAML's composer returns the anchored node itself, losing where)."""

    target: yaml.Node
    start_mark: yaml.Mark


try:  # libyaml's parser where installed: the loader's, and 50 times faster than PyYAML's own
    from yaml._yaml import CParser as _Events
except ImportError:  # pragma: no cover - PyYAML built without libyaml

    class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, text: str):
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _Composer(yaml.composer.Composer, _Events, yaml.resolver.Resolver):
    """PyYAML's composer on the parser's events, keeping the anchor names and alias places it drops."""

    def __init__(self, text: str):
        _Events.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.anchor_names: dict[int, str] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and event.anchor in self.anchors:
            self.get_event()
            return _Alias(self.anchors[event.anchor], event.start_mark)
        node = super().compose_node(parent, index)
        if event.anchor is not None and not isinstance(event, yaml.AliasEvent):
            self.anchor_names[id(node)] = event.anchor
        return node


@dataclass(frozen=True)
class _Comment:
    index: int
    line: int
    text: str
    own_line: bool


def _comments(text: str) -> list[_Comment]:
    """Every comment: a ``#`` in the gaps between tokens (the scanner skips comments, nothing else)."""
    spans = sorted((t.start_mark.index, t.end_mark.index) for t in yaml.scan(text, Loader=_Loader))
    out: list[_Comment] = []
    pos = 0
    for start, end in [*spans, (len(text), len(text))]:
        while pos < start:
            j = text.find("#", pos, start)
            if j < 0:
                break
            stop = text.find("\n", j)
            stop = len(text) if stop < 0 else stop
            line_start = text.rfind("\n", 0, j) + 1
            own = not text[line_start:j].strip(" \t\ufeff")
            out.append(_Comment(j, text.count("\n", 0, j) + 1, text[j:stop].rstrip(" \t\r"), own))
            pos = stop
        pos = max(pos, end)
    return out


def _invisible(s: str) -> bool:
    """Whether ``s`` has a character a reader cannot see or YAML cannot hold raw (written as escapes).

    ``isprintable`` is false exactly for Unicode's "Other" and "Separator" characters but the space:
    controls, format characters such as U+200B, no-break spaces, line and paragraph separators.
    """
    return not s.isprintable()


@functools.lru_cache(maxsize=4096)
def _analysis(s: str) -> Any:
    return _ANALYSER.analyze_scalar(s)


def _resolves_to_str(s: str) -> bool:
    return _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR


def _plain_ok(s: str, flow: bool = False) -> bool:
    if not s or not _resolves_to_str(s) or _invisible(s):
        return False
    a = _analysis(s)
    return not a.multiline and (a.allow_flow_plain if flow else a.allow_block_plain)


def _single_ok(s: str) -> bool:
    a = _analysis(s)
    return a.allow_single_quoted and not a.multiline and not _invisible(s)


def _single(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _double(s: str) -> str:
    out = []
    for ch in s:
        if ch in _ESCAPES:
            out.append("\\" + _ESCAPES[ch])
        elif _invisible(ch):
            n = ord(ch)
            out.append(f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _inline(s: str, regex: bool = False, flow: bool = False) -> str:
    """One line: plain where YAML allows, else single quotes, else double quotes with escapes."""
    if _plain_ok(s, flow) and (not regex or _WORDS.fullmatch(s)):
        return s
    return _single(s) if _single_ok(s) else _double(s)


def _literal(s: str) -> tuple[str, list[str]] | None:
    """A multi-line string as a literal block: its indicator and lines, or None if it cannot be one."""
    if "\n" not in s or s[0] in " \n" or _invisible(s.replace("\n", "")):
        return None
    if not _analysis(s).allow_block:  # trailing spaces, or characters only escapes can hold
        return None
    body = s.rstrip("\n")
    trailing = len(s) - len(body)
    chomp = "-" if trailing == 0 else "" if trailing == 1 else "+"
    return "|" + chomp, body.split("\n") + [""] * (trailing - 1 if trailing > 1 else 0)


def _folded(s: str, width: int) -> list[str] | None:
    """A one-line string as the lines of a ``>-`` block, cut only at single spaces between words."""
    if "\n" in s or s != s.strip() or _invisible(s) or not _analysis(s).allow_block:
        return None
    cuts = [i for i in range(1, len(s) - 1) if s[i] == " " and s[i - 1] not in " \t" and s[i + 1] not in " \t"]
    if not cuts:
        return None
    pieces = [s[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(s)], strict=True)]
    lines = [pieces[0]]
    for p in pieces[1:]:
        if len(lines[-1]) + 1 + len(p) <= width:
            lines[-1] += " " + p
        else:
            lines.append(p)
    return lines


def _typed(node: yaml.ScalarNode) -> str:
    """A scalar that is not a string: booleans and nulls in one spelling, numbers as written."""
    if node.tag == "tag:yaml.org,2002:bool":
        return "true" if node.value.lower() in ("yes", "true", "on", "y") else "false"
    if node.tag == "tag:yaml.org,2002:null":
        return "null" if node.value in ("", "null", "Null", "NULL") else node.value
    if _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False)) != node.tag:
        raise FormatError(node.start_mark.line + 1, f"a value with an explicit tag ({node.tag}) is not supported")
    return node.value


Entry = tuple[int, int]  # (id of the mapping or list, index of the pair or item in it)


class _Writer:
    def __init__(self, root: yaml.Node, anchor_names: dict[int, str], comments: list[_Comment]):
        self.lines: list[str] = []
        self.anchor_names = anchor_names
        self.emitted: set[int] = set()
        self.before: dict[Entry | None, list[str]] = {}  # None: after the last entry (the file's end)
        self.after: dict[Entry, list[str]] = {}
        self.keep_block = False  # the last line closes a |+ block, which a blank line would extend
        self._attach(root, comments)

    # -- comments: each to the key or item it belongs to --

    def _attach(self, root: yaml.Node, comments: list[_Comment]) -> None:
        entries: list[tuple[int, int, int, Entry]] = []  # (index, line, depth, entry)
        todo: list[tuple[Any, int]] = [(root, 0)]
        while todo:
            node, depth = todo.pop()
            if isinstance(node, yaml.MappingNode):
                for i, (k, v) in enumerate(node.value):
                    entries.append((k.start_mark.index, k.start_mark.line, depth, (id(node), i)))
                    todo.append((v, depth + 1))
            elif isinstance(node, yaml.SequenceNode):
                for i, v in enumerate(node.value):
                    entries.append((v.start_mark.index, v.start_mark.line, depth, (id(node), i)))
                    todo.append((v, depth + 1))
        for c in comments:
            if c.own_line:
                later = [e for e in entries if e[0] > c.index]
                target = min(later, key=lambda e: (e[0], e[2]))[3] if later else None
                self.before.setdefault(target, []).append(c.text)
                continue
            same_line = [e for e in entries if e[1] == c.line - 1 and e[0] < c.index]
            earlier = same_line or [e for e in entries if e[0] < c.index]
            if not earlier:  # e.g. after "---": keep it above the first entry
                self.before.setdefault(entries[0][3] if entries else None, []).append(c.text)
            elif same_line:
                self.after.setdefault(min(same_line, key=lambda e: (e[2], e[0]))[3], []).append(c.text)
            else:
                self.after.setdefault(max(earlier, key=lambda e: (e[0], e[2]))[3], []).append(c.text)

    def _comments_of(self, entry: Entry) -> tuple[list[str], list[str]]:
        """Above-comments and at most one trailing comment; further trailing ones go above."""
        before, after = self.before.get(entry, []), self.after.get(entry, [])
        return before + after[1:], after[:1]

    def _put(self, text: str, trailing: list[str]) -> None:
        self.lines.append(text + "".join(f"  {c}" for c in trailing))
        self.keep_block = False

    def _put_above(self, comments: list[str], col: int) -> None:
        for c in comments:
            self._put(" " * col + c, [])

    # -- nodes --

    def _ordered(self, node: yaml.MappingNode, kind: str) -> list[tuple[yaml.Node, Any, Entry]]:
        order = KEY_ORDER.get(kind)
        pairs = [(k, v, (id(node), i)) for i, (k, v) in enumerate(node.value)]
        if order is None:
            return pairs
        rank = {key: n for n, key in enumerate(order)}

        def key(p: tuple[yaml.Node, Any, Entry]) -> tuple[int, int]:
            name = p[0].value if isinstance(p[0], yaml.ScalarNode) else None
            return (-1 if name == "<<" else rank.get(name, len(order)), p[2][1])

        return sorted(pairs, key=key)

    def _key(self, node: Any, flow: bool = False) -> str:
        if not isinstance(node, yaml.ScalarNode) or id(node) in self.anchor_names:
            raise FormatError(node.start_mark.line + 1, "only plain keys are supported (no anchors, lists or mappings)")
        return _inline(node.value, flow=flow) if node.tag == _STR else _typed(node)

    def _anchor(self, node: Any) -> tuple[yaml.Node, str | None, bool]:
        """The node, its '&name' if written here for the first time, and whether it is an alias here."""
        target = node.target if isinstance(node, _Alias) else node
        name = self.anchor_names.get(id(target))
        if name is None:
            return target, None, False
        if id(target) in self.emitted:
            return target, "*" + name, True
        self.emitted.add(id(target))
        return target, "&" + name, False

    def _flow(self, node: yaml.MappingNode, kind: str, room: int) -> str | None:
        """``{a: 1, b: 2}`` for a small mapping of plain values without comments, if it fits."""
        if kind not in _FLOW or not node.value:
            return None
        parts = []
        for k, v, entry in self._ordered(node, kind):
            if self.before.get(entry) or self.after.get(entry):
                return None
            if not isinstance(v, yaml.ScalarNode) or id(v) in self.anchor_names or id(k) in self.anchor_names:
                return None
            if not isinstance(k, yaml.ScalarNode):
                return None
            if v.tag == _STR:
                if not _plain_ok(v.value, flow=True):
                    return None
                value = v.value
            else:
                value = _typed(v)
            if k.tag == _STR and not _plain_ok(k.value, flow=True):
                return None
            parts.append(f"{self._key(k, flow=True)}: {value}")
        text = "{" + ", ".join(parts) + "}"
        return text if len(text) <= room else None

    def value(self, head: str, node: Any, kind: str, col: int, trailing: list[str], fold: bool = False) -> None:
        """``head`` (``key:`` or ``-``, already indented to ``col``), then the node after it or below it."""
        node, anchor, is_alias = self._anchor(node)
        if is_alias:
            self._put(f"{head} {anchor}", trailing)
            return
        lead = f"{head} {anchor}" if anchor else head
        if isinstance(node, yaml.ScalarNode):
            self._scalar(lead, node, kind, col, trailing, fold)
        elif isinstance(node, yaml.MappingNode):
            mkind = kind if kind in KEY_ORDER else "other"
            flow = None if not node.value else self._flow(node, mkind, WIDTH - len(lead) - 1)
            if not node.value or flow:
                self._put(f"{lead} {flow or '{}'}", trailing)
            else:
                self._put(lead, trailing)
                self.mapping(node, mkind, col + 2)
        elif isinstance(node, yaml.SequenceNode):
            if not node.value:
                self._put(f"{lead} []", trailing)
            else:
                self._put(lead, trailing)
                self.sequence(node, kind, col + 2)
        else:  # pragma: no cover - the composer makes only these
            raise FormatError(None, f"unexpected node {node!r}")

    def _scalar(self, lead: str, node: yaml.ScalarNode, kind: str, col: int, trailing: list[str],
                fold: bool) -> None:
        if node.tag != _STR:
            self._put(f"{lead} {_typed(node)}", trailing)
            return
        s = node.value
        block = _literal(s) if "\n" in s else None
        if block:
            indicator, body = block
            self._put(f"{lead} {indicator}", trailing)
            self.lines.extend(" " * (col + 2) + line if line else "" for line in body)
            self.keep_block = indicator == "|+"
            return
        text = _inline(s, regex=kind == "patterns")
        if fold and len(lead) + 1 + len(text) > WIDTH:
            folded = _folded(s, WIDTH - col - 2)
            if folded:
                self._put(f"{lead} >-", trailing)
                self.lines.extend(" " * (col + 2) + line for line in folded)
                return
        self._put(f"{lead} {text}", trailing)

    def mapping(self, node: yaml.MappingNode, kind: str, col: int, lead: str | None = None,
                first_trailing: list[str] | None = None) -> None:
        """Block mapping at ``col``; with ``lead`` (``- ``) the first key goes on the item's line."""
        for n, (k, v, entry) in enumerate(self._ordered(node, kind)):
            above, trailing = self._comments_of(entry)
            if n == 0 and lead is not None:
                prefix, trailing = lead, first_trailing or []
            else:
                self._put_above(above, col)
                prefix = " " * col
            name = k.value if isinstance(k, yaml.ScalarNode) else None
            child = _CHILD.get((kind, name), "other")
            fold = kind in _FOLD and name == "description"
            self.value(f"{prefix}{self._key(k)}:", v, child, col, trailing, fold)

    def sequence(self, node: yaml.SequenceNode, kind: str, col: int) -> None:
        child = _CHILD.get((kind, None), kind if kind == "patterns" else "other")
        for i, item in enumerate(node.value):
            if kind == "rules" and i and not self.keep_block:
                self.lines.append("")
            above, trailing = self._comments_of((id(node), i))
            if (isinstance(item, yaml.MappingNode) and item.value and id(item) not in self.anchor_names
                    and not self._flow(item, child, WIDTH - col - 2)):
                mkind = child if child in KEY_ORDER else "other"
                _, _, first = self._ordered(item, mkind)[0]
                first_above, first_trailing = self._comments_of(first)
                both = trailing + first_trailing
                self._put_above(above + first_above + both[1:], col)
                self.mapping(item, mkind, col + 2, lead=" " * col + "- ", first_trailing=both[:1])
            else:
                self._put_above(above, col)
                self.value(" " * col + "-", item, child, col, trailing)

    def document(self, root: yaml.Node) -> str:
        if not isinstance(root, yaml.MappingNode):
            raise FormatError(root.start_mark.line + 1, "a rule pack is a mapping (version, name, ... rules)")
        self.mapping(root, "pack", 0)
        self._put_above(self.before.get(None, []), 0)
        return "\n".join(self.lines) + "\n"


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (``True == 1`` and ``1 == 1.0`` in Python)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


def _parse(text: str) -> tuple[yaml.Node | None, dict[int, str], list[_Comment], Any]:
    try:
        loader = _Composer(text)
        try:
            root = loader.get_single_node()
            names = loader.anchor_names
        finally:
            loader.dispose()
        return root, names, _comments(text), yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise FormatError(mark.line + 1 if mark else None, f"invalid YAML: {e.problem or e}") from None
    except yaml.YAMLError as e:
        raise FormatError(None, f"invalid YAML: {e}") from None
    except RecursionError:
        raise FormatError(None, "invalid YAML: nested too deeply") from None


def format_pack(text: str) -> str:
    """The pack in the one pack style: same data, same comments (checked), different layout only."""
    root, names, comments, data = _parse(text)
    if root is None:
        raise FormatError(None, "no YAML document: a rule pack is a mapping (version, name, ... rules)")
    out = _Writer(root, names, comments).document(root)
    try:
        again = yaml.load(out, Loader=_Loader)
    except yaml.YAMLError as e:  # pragma: no cover - a bug here, never in the pack
        raise FormatError(None, f"formatting would make invalid YAML ({e}); please report it") from None
    if not _same(data, again):
        raise FormatError(None, "formatting would change the pack's content; please report it")
    if sorted(c.text for c in comments) != sorted(c.text for c in _comments(out)):
        raise FormatError(None, "formatting would lose a comment; please report it")
    return out


def format_file(path: Path, write: bool = True) -> bool:
    """Whether the file is not in the pack style; with ``write``, rewrite it (atomically) if so."""
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise FormatError(None, f"cannot read: {e}") from None
    new = format_pack(text)
    if new == text:
        return False
    if write:
        tmp = path.with_name(f".{path.name}.fmt.tmp")
        try:
            tmp.write_bytes(new.encode("utf-8"))
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    return True
