"""A second extractor for the pages trafilatura truncates: readability-lxml, run only when needed.

trafilatura sometimes keeps only the first block of an article (a lead, one card of a list) or
nothing at all. Its own readability comparison replaces its text only when the other is twice as
long, and its vendored readability misses pages the readability-lxml package finds. Measured on the
dev pages (docs/evaluation.md, "Truncated extractions"): when trafilatura's text is under
``rescue_below`` (0.3) of the page's ``<p>`` text, readability-lxml's text with at least
``rescue_ratio`` (1.5) times the words is the better one far more often than not; the test costs
one pass over the ``<p>`` elements, and readability runs on the few pages that fail it (about 3 %).

The rescued text is plain text, one line per block (headings, paragraphs, list items, table rows
as ``| a | b |``), like trafilatura's; the text rules then clean it as any other. Markdown output
is never rescued: readability's blocks carry no Markdown.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from cleaner.extract import Extraction, trafilatura_extraction, with_content
from cleaner.options import DEFAULT_OPTIONS, CleanOptions

if TYPE_CHECKING:
    from lxml import html as lxml_html

MIN_WORDS = 30  # a rescue shorter than this is a fragment, not an article
BLOCKS = frozenset({"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
                    "blockquote", "pre", "tr", "table", "dl", "dt", "dd", "figure", "figcaption", "header",
                    "footer", "aside", "main", "body", "html", "hr"})
CELLS = frozenset({"td", "th"})


@lru_cache(maxsize=1)
def readability_version() -> str:
    try:
        return version("readability-lxml")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


def paragraph_chars(tree: lxml_html.HtmlElement) -> int:
    """Characters of the page's ``<p>`` text: what an article page holds at the least."""
    return sum(len(p.text_content()) for p in tree.iter("p"))


def block_text(root: Any) -> str:
    """Plain text of an HTML fragment (changed: comments go), one line per block, whitespace folded."""
    from lxml import etree

    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)  # their tails stay
    out: list[str] = []
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if event == "start":
            if tag in BLOCKS:
                out.append("\n")
            elif tag in CELLS:
                out.append(" | ")
            elif tag == "br":
                out.append("\n")
            if el.text:
                out.append(el.text)
        else:
            if tag == "tr":  # a table row as trafilatura writes it: | a | b |
                out.append(" |\n")
            elif tag in BLOCKS:
                out.append("\n")
            if el is not root and el.tail:
                out.append(el.tail)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line and line != "|")


def readability_text(tree: lxml_html.HtmlElement) -> str:
    """readability-lxml's article of the page, as block lines; the tree is left as it was."""
    from lxml import html as lxml_html
    from readability import Document as ReadabilityDocument

    summary = ReadabilityDocument(copy.deepcopy(tree)).summary(html_partial=True)
    return block_text(lxml_html.fragment_fromstring(summary, create_parent="div")) if summary.strip() else ""


def rescue(tree: lxml_html.HtmlElement, extraction: Extraction, options: CleanOptions) -> Extraction:
    """``extraction``, or readability's text in its place when trafilatura's looks truncated."""
    settings = options.rescue_settings()
    if settings is None or len(extraction.text) >= settings["below"] * paragraph_chars(tree):
        return extraction
    try:
        text = readability_text(tree)
    except Exception as e:  # noqa: BLE001 - readability fails on odd pages; the extraction stands
        extraction.warnings.append(f"rescue: readability failed: {type(e).__name__}: {e}")
        return extraction
    before, after = len(extraction.text.split()), len(text.split())
    if after < MIN_WORDS or after < settings["ratio"] * before:
        return extraction
    info = {"by": "readability-lxml", "version": readability_version(), "words": [before, after], **settings}
    return Extraction(text, extraction.metadata, extraction.warnings, rescue=info)


def extract_with_rescue(
    tree: lxml_html.HtmlElement, url: str | None = None, options: CleanOptions = DEFAULT_OPTIONS
) -> Extraction:
    """trafilatura, then the rescue; NoContent only when neither found an article."""
    return with_content(rescue(tree, trafilatura_extraction(tree, url, options), options), tree)


__all__ = ["block_text", "extract_with_rescue", "paragraph_chars", "readability_text", "rescue"]
