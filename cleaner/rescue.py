"""A second extractor for the pages trafilatura truncates: readability-lxml, run only when needed.

trafilatura sometimes keeps only the first block of an article (a lead, one card of a list) or
nothing at all, or one section of an article split over several (a ranking page's intro and its
ranked entries, list items trafilatura drops). Its own readability comparison replaces its text only
when the other is twice as long, and its vendored readability misses pages the readability-lxml
package finds. The test is the prose trafilatura left out: the page's long text runs (over
``PROSE_CHARS`` characters) that its text does not contain. Measured on the dev pages
(docs/evaluation.md, "Truncated extractions"): when they add up to ``rescue_missed`` (0.3) of
trafilatura's text or more, readability-lxml's text with at least ``rescue_ratio`` (1.5) times the
words is the better one far more often than not. The test is one pass over the tree's text;
readability runs on the pages that fail it (about a quarter of WCXB's pages) and is taken on
about one in seven of those.

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
PROSE_CHARS = 60  # a text run longer than this (whitespace folded) is prose, not a label or a link
PROBE_CHARS = 40  # a run counts as taken when its first this many characters are in the extraction
NOT_TEXT = ("script", "style", "noscript", "template", "textarea", "option", "select")
BLOCKS = frozenset({"p", "div", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
                    "blockquote", "pre", "tr", "table", "dl", "dt", "dd", "figure", "figcaption", "header",
                    "footer", "aside", "main", "body", "html", "hr"})
CELLS = frozenset({"td", "th"})


@lru_cache(maxsize=1)
def _prose_runs() -> Any:
    """The XPath, compiled on first use (a text-only process never builds it)."""
    from lxml import etree

    parents = " or ".join(f"parent::{tag}" for tag in NOT_TEXT)
    return etree.XPath(f"//text()[string-length(normalize-space(.)) > {PROSE_CHARS}][not({parents})]")


@lru_cache(maxsize=1)
def readability_version() -> str:
    try:
        return version("readability-lxml")
    except PackageNotFoundError:  # pragma: no cover - a dependency
        return "unknown"


def missed_chars(tree: lxml_html.HtmlElement, text: str) -> int:
    """Characters of the page's prose runs (text nodes) that ``text`` does not contain.

    The runs are found by one XPath query (in C): a text node whose whitespace-folded length is
    over ``PROSE_CHARS``, not inside a script, style or form control.
    """
    taken = " ".join(text.split())
    missed = 0
    for run in _prose_runs()(tree):
        run = " ".join(run.split())
        if run[:PROBE_CHARS] not in taken:
            missed += len(run)
    return missed


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
    if settings is None:
        return extraction
    missed = missed_chars(tree, extraction.text)
    if not missed or missed < settings["missed"] * len(extraction.text):
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


__all__ = ["block_text", "extract_with_rescue", "missed_chars", "readability_text", "rescue"]
