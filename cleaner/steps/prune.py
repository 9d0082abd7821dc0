"""HTML rules: remove elements (comment sections, share bars, widgets) before extraction."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from cleaner.document import preview
from cleaner.rules.matching import SelectorKeys
from cleaner.rules.ruleset import CompiledRule

if TYPE_CHECKING:  # lxml is imported when a page is first pruned: text-only processes never load it
    from lxml import html as lxml_html

ACTION = "drop-element"  # the one HTML action (``Rule.html_rule``); the text actions are ``steps.rules.ACTIONS``
_XML_SPACE = str.maketrans("\t\r\n", "   ")


@dataclass
class _PageKeys:
    classes: set[str]  # class tokens, split as XPath's normalize-space splits them
    ids: set[str]
    values: str  # every class and id value, joined: what an XPath's contains(@class, ...) can find
    class_values: set[str]  # the class values whole (``classes`` holds their tokens)
    _holders: list[Any] | None = None

    def admit(self, keys: SelectorKeys | frozenset[str]) -> bool:
        """Whether an element the keys describe can be on the page (False: skip the query)."""
        if isinstance(keys, frozenset):
            return any(k in self.values for k in keys)
        return keys[0] <= self.classes and keys[1] <= self.ids

    def holders(self, tree: Any, any_key: re.Pattern[str], keys: frozenset[str]) -> list[Any]:
        """The elements whose class or id value contains one of ``keys``, in document order.

        The first call finds, in one query, every element whose class or id holds any of
        ``any_key`` (the keys of every rule): an equality test on the few values that do, which is
        cheaper than each rule's own query walking the tree with its contains() tests."""
        if self._holders is None:
            classes = list(filter(any_key.search, self.class_values))
            ids = list(filter(any_key.search, self.ids))
            parts = [f"//@{attr}[{' or '.join(f'. = {_literal(v)}' for v in vals)}]"
                     for attr, vals in (("class", classes), ("id", ids)) if vals]
            self._holders = _compile(f"({' | '.join(parts)})/parent::*")(tree) if parts else []
        out = []
        for el in self._holders:
            cls, ident = el.get("class") or "", el.get("id") or ""
            if any(k in cls or k in ident for k in keys):
                out.append(el)
        return out


def _literal(value: str) -> str:
    """``value`` as an XPath 1.0 string literal (which has no escapes)."""
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return "concat(" + ", \"'\", ".join(f"'{part}'" for part in value.split("'")) + ")"


def _compile(expr: str) -> Any:
    from lxml import etree

    return etree.XPath(expr)


def _page_keys(tree: lxml_html.HtmlElement) -> _PageKeys:
    classes_xp, ids_xp = _key_xpaths()
    raw_classes, ids = classes_xp(tree), ids_xp(tree)
    joined = " ".join(raw_classes)
    return _PageKeys(set(joined.translate(_XML_SPACE).split(" ")), set(ids), joined + " " + " ".join(ids),
                     set(raw_classes))


@functools.cache
def _key_xpaths() -> tuple[Any, Any]:
    from lxml import etree

    return etree.XPath("//@class", smart_strings=False), etree.XPath("//@id", smart_strings=False)


# ``//step[p1][p2]...`` where every predicate is a boolean: such an XPath selects exactly the
# elements E for which ``self::step[p1][p2]...`` holds with E as the context node. A predicate that
# may be a number tests the position instead, which differs between the two forms: not rewritten.
_STEP = regex.compile(r"//(\*|[A-Za-z_][\w.-]*)(?=\[)")
_BOOLEAN_CALL = regex.compile(r"(?:not|contains|starts-with|boolean|lang)\s*\(")


def _predicates(rest: str) -> list[str] | None:
    """Split ``[a][b]...`` into its top-level predicates; None if ``rest`` is anything else."""
    preds: list[str] = []
    depth, start, quote = 0, 0, ""
    for i, ch in enumerate(rest):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "[":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                preds.append(rest[start:i])
            elif depth < 0:
                return None
        elif depth == 0 and not ch.isspace():
            return None  # text between predicates: another step, a union, ...
    return preds if depth == 0 and not quote and preds else None


def _is_boolean(pred: str) -> bool:
    """Whether the predicate's value is a boolean (never a number), read from its top level."""
    if "position(" in pred or "last(" in pred:
        return False
    top, depth, quote = [], 0, ""
    for ch in pred:
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0:
            top.append(ch)
    flat = "".join(top)
    if any(op in flat for op in ("=", "<", ">")) or regex.search(r"\s(?:or|and)\s", flat):
        return True  # a comparison or a boolean operator binds loosest: the whole is a boolean
    call = _BOOLEAN_CALL.match(pred.strip())
    return bool(call) and flat.strip() == pred.strip()[: call.end() - 1].strip()


@functools.cache
def context_form(xpath: str) -> Any:
    """The XPath to test one candidate element with, or None when ``xpath`` has another shape."""
    m = _STEP.match(xpath.strip())
    if m is None:
        return None
    preds = _predicates(xpath.strip()[m.end():])
    if preds is None or not all(_is_boolean(p) for p in preds):
        return None
    return _compile(f"self::{m.group(1)}" + "".join(f"[{p}]" for p in preds))


def _attached(el: Any, root: Any) -> bool:
    """Whether ``el`` is still in the tree (an earlier rule may have dropped an ancestor)."""
    top = el
    for ancestor in el.iterancestors():
        top = ancestor
    return top is root


class PruneElements:
    """Drop every element an HTML rule selects; each becomes a provenance record."""

    def __init__(self, rules: list[CompiledRule], skip_absent: bool = True):
        self.rules = [r for r in rules if r.rule.selectors or r.rule.xpaths]
        # False: query every XPath over the whole tree (the reference the shortcuts are tested against).
        self.skip_absent = skip_absent
        all_keys = {k for r in self.rules for keys in r.xpath_keys if isinstance(keys, frozenset) for k in keys}
        self.any_key = re.compile("|".join(map(re.escape, sorted(all_keys))) or "(?!)")

    def _select(self, tree: Any, xp: Any, keys: Any, source: str | None, page: _PageKeys | None) -> Any:
        """What ``xp`` selects in ``tree``, by the cheapest way that gives the same elements."""
        if page is None or keys is None:
            return xp(tree)
        ctx = context_form(source) if isinstance(keys, frozenset) and source else None
        if ctx is not None:
            # Only the elements that carry one of the XPath's required substrings are tested,
            # instead of a query that walks the whole tree with its contains() tests. Those an
            # earlier rule dropped are left out where every rule's elements are (``apply``).
            return [el for el in page.holders(tree, self.any_key, keys) if ctx(el)]
        # A selector naming a class or id the page lacks cannot match: its query is skipped.
        return xp(tree) if page.admit(keys) else []

    def apply(self, tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
        from lxml import etree
        from lxml import html as lxml_html

        records: list[dict[str, Any]] = []
        # One pass collects the page's class and id values, for every rule's shortcut.
        page = _page_keys(tree) if self.skip_absent and self.rules else None
        for cr in self.rules:
            sources: list[str | None] = [None] * len(cr.rule.selectors) + list(cr.rule.xpaths)
            for xp, keys, source in zip(cr.xpaths, cr.xpath_keys, sources, strict=True):
                try:
                    found = self._select(tree, xp, keys, source, page)
                except etree.XPathError:
                    continue
                if not isinstance(found, list):
                    continue  # loading rejects such expressions; never crash a document on one
                for el in found:
                    if not isinstance(el, etree._Element) or el.getparent() is None or not _attached(el, tree):
                        continue  # the root, a text node, or already dropped with an ancestor
                    text = el.text_content() if isinstance(el, lxml_html.HtmlElement) else ""
                    records.append({
                        "rule": cr.id,
                        "action": ACTION,
                        "element": el.tag if isinstance(el.tag, str) else "comment",
                        "line": el.sourceline,
                        "preview": preview(text),
                        "chars": len(text),
                    })
                    el.drop_tree()  # keeps the element's tail text
        return records
