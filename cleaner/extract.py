"""HTML to article text with trafilatura, with the options of ``CleanOptions``, recorded in provenance.

The defaults favour reproducibility: no cross-document state (``deduplicate`` off),
no comments (cleaner's job is to drop them), tables kept (they are often article
content); precision/recall, links, images, formatting and Markdown output are options
(``cleaner.options``). ``filedate`` is left out of the metadata: it is today's date, and
records must not change from one day to the next.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cleaner.options import DEFAULT_OPTIONS, CleanOptions
from cleaner.readers.decode import DecodeError, decode_bytes

if TYPE_CHECKING:  # lxml is imported with trafilatura, on first use: text-only processes never load it
    from lxml import html as lxml_html

# The default options, as trafilatura receives them (kept for callers that read them).
TRAFILATURA_OPTIONS: dict[str, Any] = DEFAULT_OPTIONS.trafilatura_options()
METADATA_FIELDS = ("title", "author", "date", "sitename", "url", "hostname", "description", "categories", "tags",
                   "language", "pagetype")


class NoContent(Exception):
    """trafilatura found no main content in the page."""


class NotHtml(ValueError):
    """The input is not a page: it cannot be decoded, or parsed as HTML."""


@dataclass
class Extraction:
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # what trafilatura's libraries warned about
    rescue: dict[str, Any] | None = None  # set when cleaner.rescue replaced a truncated extraction

    @staticmethod
    def provenance(options: CleanOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
        import trafilatura

        return {"tool": "trafilatura", "version": trafilatura.__version__, "options": options.extraction_provenance()}


def parse_html(html: str | bytes) -> lxml_html.HtmlElement:
    """Decode (declared charset, then detection) and parse; raise NotHtml if it is not HTML."""
    if isinstance(html, bytes):
        try:
            html, _ = decode_bytes(html)
        except DecodeError as e:  # only undecodable input is not HTML; another ValueError is a bug
            raise NotHtml(str(e)) from None
    from trafilatura.utils import load_html  # imported on first use: text-only runs never load it

    tree = load_html(html)
    if tree is None:
        raise NotHtml("could not parse the page as HTML")
    return tree


def page_language(tree: lxml_html.HtmlElement) -> str | None:
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not lang:
        for meta in tree.iterfind(".//meta[@http-equiv]"):
            if meta.get("http-equiv", "").lower() == "content-language" and meta.get("content"):
                lang = meta.get("content")
                break
    return lang.strip().split(",")[0].lower() if lang and lang.strip() else None


def extract_html(
    html: str | bytes | lxml_html.HtmlElement, url: str | None = None, options: CleanOptions = DEFAULT_OPTIONS
) -> Extraction:
    """trafilatura alone, with cleaner's options: the baseline cleaner is measured against."""
    tree = parse_html(html) if isinstance(html, str | bytes) else html
    return with_content(trafilatura_extraction(tree, url, options), tree)


def with_content(extraction: Extraction, tree: lxml_html.HtmlElement) -> Extraction:
    """``extraction`` if it holds text, else NoContent (saying when the parser dropped deep elements)."""
    if not extraction.text.strip():
        raise NoContent("trafilatura found no main content in the page" + _depth_note(tree))
    return extraction


def trafilatura_extraction(tree: lxml_html.HtmlElement, url: str | None, options: CleanOptions) -> Extraction:
    """trafilatura's text and metadata; the text may be empty (``extract_html`` raises then)."""
    language = page_language(tree)
    from trafilatura import bare_extraction

    # Libraries warn through ``warnings`` (htmldate's dateutil: "tzname IST identified but not
    # understood"): caught per page and returned, so they are counted in provenance, not printed.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        doc = bare_extraction(tree, url=url, with_metadata=True, **options.trafilatura_options())
        text = (doc.text or "") if doc is not None else ""
        if doc is None:  # no main content: the page's metadata still holds (for a rescued text)
            from trafilatura.metadata import extract_metadata

            doc = extract_metadata(tree, default_url=url)
    found = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
    meta: dict[str, Any] = {}
    for name in METADATA_FIELDS:
        value = getattr(doc, name, None)
        if value in (None, "", []):
            continue
        meta[name] = list(value) if isinstance(value, (list, tuple, set)) else value
    if language and "language" not in meta:
        meta["language"] = language
    if meta.get("title") and meta.get("sitename"):
        meta["title"] = strip_site_name(meta["title"], meta["sitename"])
    return Extraction(text, meta, found)


PARSER_MAX_DEPTH = 255  # libxml2's HTML parser drops elements nested deeper than this


def _depth_note(tree: lxml_html.HtmlElement) -> str:
    """Why a page may have no content: the parser dropped what was nested too deeply."""
    stack = [(tree, 1)]
    while stack:
        el, depth = stack.pop()
        if depth >= PARSER_MAX_DEPTH:
            return (f"; its elements nest {PARSER_MAX_DEPTH} levels deep, where the HTML parser stops "
                    "(anything nested deeper is not read)")
        stack.extend((child, depth + 1) for child in el)
    return ""


_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ", " » ", " : ")


def strip_site_name(title: str, sitename: str) -> str:
    """'Harbour reopens | The Daily Example' -> 'Harbour reopens': the headline, not the tab title."""
    t, site = title.strip(), sitename.strip().casefold()
    for sep in _SEPARATORS:
        head, _, tail = t.rpartition(sep)
        if head and tail.strip().casefold() == site:
            return head.strip()
        first, _, rest = t.partition(sep)
        if rest and first.strip().casefold() == site:
            return rest.strip()
    return t
