"""HTML rules: remove elements (comment sections, share bars, widgets) before extraction."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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

    def admit(self, keys: SelectorKeys | frozenset[str]) -> bool:
        """Whether an element the keys describe can be on the page (False: skip the query)."""
        if isinstance(keys, frozenset):
            return any(k in self.values for k in keys)
        return keys[0] <= self.classes and keys[1] <= self.ids


def _page_keys(tree: lxml_html.HtmlElement) -> _PageKeys:
    classes_xp, ids_xp = _key_xpaths()
    raw_classes, ids = classes_xp(tree), ids_xp(tree)
    joined = " ".join(raw_classes)
    return _PageKeys(set(joined.translate(_XML_SPACE).split(" ")), set(ids), joined + " " + " ".join(ids))


@functools.cache
def _key_xpaths() -> tuple[Any, Any]:
    from lxml import etree

    return etree.XPath("//@class", smart_strings=False), etree.XPath("//@id", smart_strings=False)


class PruneElements:
    """Drop every element an HTML rule selects; each becomes a provenance record."""

    def __init__(self, rules: list[CompiledRule], skip_absent: bool = True):
        self.rules = [r for r in rules if r.rule.selectors or r.rule.xpaths]
        self.skip_absent = skip_absent  # False: query every XPath (the reference the shortcut is tested against)

    def apply(self, tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
        from lxml import etree
        from lxml import html as lxml_html

        records: list[dict[str, Any]] = []
        page_keys: _PageKeys | None = None
        for cr in self.rules:
            for xp, keys in zip(cr.xpaths, cr.xpath_keys, strict=True):
                if keys is not None and self.skip_absent:
                    # One pass collects the page's class names and ids; a selector naming one the
                    # page lacks cannot match, and its query (a walk over the tree) is skipped.
                    if page_keys is None:
                        page_keys = _page_keys(tree)
                    if not page_keys.admit(keys):
                        continue
                try:
                    found = xp(tree)
                except etree.XPathError:
                    continue
                if not isinstance(found, list):
                    continue  # loading rejects such expressions; never crash a document on one
                for el in found:
                    if not isinstance(el, etree._Element) or el.getparent() is None:
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
