"""Read YAML rule packs, validate them, and report mistakes by file, line and rule id.

YAML is parsed once into nodes, which keep each line so a schema error deep inside
``rules[12].patterns[1]`` can name line 87; the plain data the schema validates is
built from the same nodes. Nothing is compiled until every file is
clean, so a broken pack never half-runs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex
import yaml
from pydantic import ValidationError

from cleaner.rules.errors import RuleError, RuleProblem
from cleaner.rules.matching import check_pattern, check_selector
from cleaner.rules.schema import Pack, Rule

RULE_SUFFIXES = (".yaml", ".yml")
MAX_PACK_BYTES = 4_000_000  # the largest bundled pack is 20 kB; a pack beyond this is data, not rules


@dataclass(frozen=True)
class PackSource:
    """A pack's text and where it came from: enough to rebuild the pack in another process."""

    path: str
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoadedPack:
    source: PackSource
    pack: Pack
    rule_lines: dict[str, int]
    # Per rule, how the prefilter finds its lines (``prefilter.RuleIndexing``): worked out once and
    # kept in the pack cache, since it reads every pattern's parse tree. None: work it out on use.
    indexing: tuple | None = None


def find_rule_files(path: Path) -> list[Path]:
    """A file as given, or every YAML file below a folder, in a stable order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in RULE_SUFFIXES and p.is_file())
    return [path]


def read_sources(paths: list[Path | str]) -> list[PackSource]:
    sources: list[PackSource] = []
    problems: list[RuleProblem] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(RuleProblem(str(path), None, None, "no such file or folder"))
            continue
        for f in find_rule_files(path):
            try:
                if f.stat().st_size > MAX_PACK_BYTES:
                    problems.append(RuleProblem(str(f), None, None, _too_large(f.stat().st_size)))
                    continue
                sources.append(PackSource(str(f), f.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError) as e:
                problems.append(RuleProblem(str(f), None, None, f"cannot read: {e}"))
    if problems:
        raise RuleError(problems)
    return sources


def _node_line(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a 1-based line."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for key in loc:
        child = None
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                if k.value == key:
                    child = v
                    line = k.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            child = node.value[key]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line


def _duplicate_keys(root: yaml.Node, path: str, out: list[RuleProblem]) -> None:
    # Iterative, and each node once: aliases share nodes, so an "alias bomb" stays cheap.
    todo, done = [root], set()
    while todo:
        node = todo.pop()
        if id(node) in done:
            continue
        done.add(id(node))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in node.value:
                if k.value in seen:
                    out.append(RuleProblem(path, k.start_mark.line + 1, None, f"key {k.value!r} appears twice"))
                seen.add(k.value)
                todo.append(v)
        elif isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)


def _rule_id_at(data: Any, index: Any) -> str | None:
    try:
        rid = data["rules"][index].get("id")
        return rid if isinstance(rid, str) else None
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml where installed: about 10x faster


def _compose_and_load(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the plain data built from it: one parse, not two."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return root, data


def _too_large(size: int) -> str:
    return f"the pack is {size:,} bytes, more than the limit of {MAX_PACK_BYTES:,}: split it"


def parse_pack(source: PackSource) -> LoadedPack:
    """Validate one pack; raise RuleError listing every problem found in it."""
    path = source.path
    root, data = _read_yaml(source)
    problems: list[RuleProblem] = []
    _duplicate_keys(root, path, problems)
    pack = _validate(path, root, data, problems)
    rule_lines = {r.id: _node_line(root, ("rules", i)) or 0 for i, r in enumerate(pack.rules)}
    seen_here: set[str] = set()
    for i, rule in enumerate(pack.rules):
        if rule.id in seen_here:
            problems.append(RuleProblem(path, rule_lines[rule.id], rule.id, "duplicate rule id in this file"))
        seen_here.add(rule.id)
        _check_rule(_RuleAt(path, root, i, rule), problems)
    if problems:
        raise RuleError(problems)
    return LoadedPack(source, pack, rule_lines)


def _read_yaml(source: PackSource) -> tuple[yaml.Node | None, dict[str, Any]]:
    """The pack's node tree and data, or a RuleError: too large, not YAML, or not a mapping."""
    path = source.path
    if len(source.text) > MAX_PACK_BYTES:  # characters: at least as many bytes
        raise RuleError([RuleProblem(path, None, None, _too_large(len(source.text.encode("utf-8"))))])
    try:
        root, data = _compose_and_load(source.text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError([RuleProblem(path, line, None, f"invalid YAML: {e.problem or e}")]) from None
    except yaml.YAMLError as e:
        raise RuleError([RuleProblem(path, None, None, f"invalid YAML: {e}")]) from None
    except RecursionError:
        raise RuleError([RuleProblem(path, None, None, "invalid YAML: nested too deeply")]) from None
    if not isinstance(data, dict):
        msg = "a rule file is a mapping with version, name, description and rules"
        raise RuleError([RuleProblem(path, 1, None, msg)])
    return root, data


def _validate(path: str, root: yaml.Node | None, data: dict[str, Any], problems: list[RuleProblem]) -> Pack:
    """The schema's verdict; each of its errors named by the line and rule it is about. Raises with
    ``problems`` found so far (duplicate keys) first."""
    try:
        return Pack.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            loc = tuple(err["loc"])
            rid = _rule_id_at(data, loc[1]) if len(loc) > 1 and loc[0] == "rules" else None
            inner = loc[2:] if rid is not None else loc
            field = ".".join(str(x) for x in inner) or ("rule" if rid else "pack")
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            problems.append(RuleProblem(path, _node_line(root, loc), rid, f"{field}: {msg}"))
        raise RuleError(problems) from None


@dataclass(frozen=True)
class _RuleAt:
    """One validated rule and where it is: what a problem with it needs to name file and line."""

    path: str
    root: yaml.Node | None
    index: int
    rule: Rule

    def problem(self, loc: tuple[Any, ...], why: str) -> RuleProblem:
        return RuleProblem(self.path, _node_line(self.root, ("rules", self.index, *loc)), self.rule.id, why)


def _check_rule(at: _RuleAt, problems: list[RuleProblem]) -> None:
    """What the schema cannot see: patterns and selectors that do not compile or fail the probes,
    captures no pattern defines."""
    usable = _check_patterns(at, problems)
    _check_selectors(at, problems)
    _check_captures(at, usable, problems)


def _check_patterns(at: _RuleAt, problems: list[RuleProblem]) -> list[str]:
    """Report the patterns that fail; return the rule's own patterns that compile and pass."""
    rule = at.rule
    usable: list[str] = []
    matchers = [("patterns", rule)] + ([("end.patterns", rule.end)] if rule.end else [])
    for field, m in matchers:
        for j, pat in enumerate(m.patterns):
            why = check_pattern(pat, m.case_sensitive, m.match)
            if why:
                problems.append(at.problem((*field.split("."), j), why))
            elif m is rule:
                usable.append(pat)
    return usable


def _check_selectors(at: _RuleAt, problems: list[RuleProblem]) -> None:
    for field, items in (("selectors", at.rule.selectors), ("xpaths", at.rule.xpaths)):
        for j, sel in enumerate(items):
            why = check_selector(sel, is_css=field == "selectors")
            if why:
                problems.append(at.problem((field, j), why))


def _check_captures(at: _RuleAt, usable: list[str], problems: list[RuleProblem]) -> None:
    if not at.rule.captures:
        return
    names: set[str] = set()
    for pat in usable:  # the unusable ones are reported by _check_patterns
        names.update(regex.compile(pat).groupindex)
    for name in at.rule.captures:
        if name not in names:
            why = f"capture {name!r} is not a named group (?P<{name}>...) of any pattern"
            problems.append(at.problem(("captures",), why))


def parse_packs(sources: list[PackSource]) -> list[LoadedPack]:
    """Validate all packs together: every file's problems, then ids clashing across files."""
    problems: list[RuleProblem] = []
    loaded: list[LoadedPack] = []
    for src in sources:
        try:
            loaded.append(parse_pack(src))
        except RuleError as e:
            problems.extend(e.problems)
    first_seen: dict[str, tuple[str, int]] = {}
    for lp in loaded:
        for rid, line in lp.rule_lines.items():
            if rid in first_seen and first_seen[rid][0] != lp.source.path:
                other = f"{first_seen[rid][0]}:{first_seen[rid][1]}"
                problems.append(RuleProblem(lp.source.path, line, rid, f"rule id already used at {other}"))
            first_seen.setdefault(rid, (lp.source.path, line))
    if problems:
        raise RuleError(problems)
    return loaded
