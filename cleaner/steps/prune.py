"""HTML rules: remove elements (comment sections, share bars, widgets) before extraction."""

from __future__ import annotations

from typing import Any

from lxml import etree
from lxml import html as lxml_html

from cleaner.document import preview
from cleaner.rules.ruleset import CompiledRule


class PruneElements:
    """Drop every element an HTML rule selects; each becomes a provenance record."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = [r for r in rules if r.xpaths]

    def apply(self, tree: lxml_html.HtmlElement) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for cr in self.rules:
            for xp in cr.xpaths:
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
                        "action": "drop-element",
                        "element": el.tag if isinstance(el.tag, str) else "comment",
                        "line": el.sourceline,
                        "preview": preview(text),
                        "chars": len(text),
                    })
                    el.drop_tree()  # keeps the element's tail text
        return records
