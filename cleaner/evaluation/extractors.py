"""Third-party extractors that make the raw text for text mode, plus the HTML-mode baseline.

Each extractor returns paragraphs on separate lines, because cleaner's rules work line by line;
where a library offers both, we take the line-structured form (jusText paragraphs are joined
with newlines, not spaces as in ScrapingHub's runner). Failures and timeouts never propagate:
``run_extractor`` returns an ``ExtractorOutput`` with empty text and the error, and outputs are
cached on disk keyed by dataset, extractor and page, so reruns only pay for cleaning.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from functools import cache
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from cleaner.evaluation.datasets import REPO_ROOT

DEFAULT_CACHE = REPO_ROOT / "out" / "eval-cache"
DEFAULT_TIMEOUT = 30.0


class ExtractorTimeout(Exception):
    """An extractor ran past its time limit on one page."""


@dataclass
class ExtractorOutput:
    text: str
    error: str | None = None
    seconds: float = 0.0


# --- HTML-mode baseline ----------------------------------------------------------------------------------------

@dataclass
class Baseline:
    text: str
    metadata: dict[str, Any]


def trafilatura_alone(html: str | bytes, url: str | None = None) -> Baseline:
    """trafilatura with cleaner's own options and no rules: what ``clean_html`` is measured against.

    Raises ``cleaner.extract.NoContent`` when trafilatura finds nothing, like ``clean_html``.
    """
    from cleaner.extract import extract_html

    ex = extract_html(html, url=url)
    return Baseline(ex.text, dict(ex.metadata))


# --- text-mode extractors --------------------------------------------------------------------------------------

_LANG_ATTR_RE = re.compile(r"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.IGNORECASE)
_JUSTEXT_LANGUAGES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "ca": "Catalan", "cs": "Czech", "cy": "Welsh",
    "da": "Danish", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian",
    "eu": "Basque", "fa": "Persian", "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician",
    "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "id": "Indonesian", "is": "Icelandic",
    "it": "Italian", "ko": "Korean", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay", "nb": "Norwegian_Bokmal",
    "nl": "Dutch", "nn": "Norwegian_Nynorsk", "no": "Norwegian_Bokmal", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu",
    "vi": "Vietnamese",
}


def justext_stoplist_name(html: str, language: str | None) -> str:
    """The page's language (dataset metadata, else ``<html lang>``) as a jusText stoplist; English if unknown."""
    import justext

    available = justext.get_stoplists()
    if language:
        name = language if language in available else _JUSTEXT_LANGUAGES.get(language[:2].lower())
        if name in available:
            return name
    m = _LANG_ATTR_RE.search(html[:20000])
    if m:
        name = _JUSTEXT_LANGUAGES.get(m.group(1)[:2].lower())
        if name in available:
            return name
    return "English"


def _trafilatura(html: str, url: str | None, language: str | None) -> str:
    import trafilatura

    return trafilatura.extract(html) or ""  # default options, as users call it


def _readability(html: str, url: str | None, language: str | None) -> str:
    import html_text
    from readability import Document

    return html_text.extract_text(Document(html).summary(html_partial=True))


def _justext(html: str, url: str | None, language: str | None) -> str:
    import justext

    stoplist = justext.get_stoplist(justext_stoplist_name(html, language))
    return "\n".join(p.text for p in justext.justext(html, stoplist) if not p.is_boilerplate)


def _boilerpy3(html: str, url: str | None, language: str | None) -> str:
    from boilerpy3 import extractors

    return extractors.ArticleExtractor(raise_on_failure=False).get_content(html) or ""


@cache
def _goose() -> Any:
    from goose3 import Goose

    return Goose({"enable_image_fetching": False})


def _goose3(html: str, url: str | None, language: str | None) -> str:
    return _goose().extract(raw_html=html).cleaned_text or ""


def _newspaper(html: str, url: str | None, language: str | None) -> str:
    import newspaper

    article = newspaper.Article(url or "https://example.invalid/", fetch_images=False)
    article.download(input_html=html)  # no network: the HTML is given
    article.parse()
    return article.text or ""


def _inscriptis(html: str, url: str | None, language: str | None) -> str:
    from inscriptis import get_text

    return get_text(html)


def _html_text(html: str, url: str | None, language: str | None) -> str:
    import html_text

    return html_text.extract_text(html)


def _html2text(html: str) -> str:
    import html2text

    h = html2text.HTML2Text()
    h.body_width = 0  # no re-wrapping: one paragraph a line, as the other extractors give
    return h.handle(html)


def _trafilatura_md(html: str, url: str | None, language: str | None) -> str:
    import trafilatura

    # Markdown with links and images kept, as RAG users call it.
    return trafilatura.extract(html, output_format="markdown", include_links=True, include_images=True) or ""


def _readability_md(html: str, url: str | None, language: str | None) -> str:
    from readability import Document

    return _html2text(Document(html).summary(html_partial=True))


def _html2text_page(html: str, url: str | None, language: str | None) -> str:
    return _html2text(html)


ExtractFn = Callable[[str, "str | None", "str | None"], str]

# name -> (function, distribution name for the version, is an article extractor)
EXTRACTORS: dict[str, tuple[ExtractFn, str, bool]] = {
    "trafilatura": (_trafilatura, "trafilatura", True),
    "readability": (_readability, "readability-lxml", True),
    "justext": (_justext, "justext", True),
    "boilerpy3": (_boilerpy3, "boilerpy3", True),
    "goose3": (_goose3, "goose3", True),
    "newspaper4k": (_newspaper, "newspaper4k", True),
    "inscriptis": (_inscriptis, "inscriptis", False),
    "html_text": (_html_text, "html-text", False),
    "trafilatura_md": (_trafilatura_md, "trafilatura", True),
    "readability_md": (_readability_md, "html2text", True),
    "html2text": (_html2text_page, "html2text", False),
}
# Extractors whose output is Markdown: cleaned with ``kind="markdown"``; not in the default text-mode set.
MARKDOWN_EXTRACTORS = ("trafilatura_md", "readability_md", "html2text")
ARTICLE_EXTRACTORS = tuple(
    name for name, (_, _, article) in EXTRACTORS.items() if article and name not in MARKDOWN_EXTRACTORS
)


def extractor_version(name: str) -> str:
    try:
        return importlib_metadata.version(EXTRACTORS[name][1])
    except importlib_metadata.PackageNotFoundError:
        return "missing"


@contextlib.contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM-based limit: works in a worker's main thread; elsewhere no limit is applied."""
    usable = seconds and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise ExtractorTimeout(f"timed out after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name)


def run_extractor(
    name: str,
    html: str,
    url: str | None = None,
    language: str | None = None,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> ExtractorOutput:
    """Run one extractor; an exception or timeout gives empty text and the error message."""
    fn = EXTRACTORS[name][0]
    start = time.perf_counter()
    try:
        # libraries print warnings (boilerpy3, newspaper); keep them out of the report on stdout
        sink = io.StringIO()
        with warnings.catch_warnings(), contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            warnings.simplefilter("ignore")
            with time_limit(timeout):
                text = fn(html, url, language)
        return ExtractorOutput(text or "", None, time.perf_counter() - start)
    except ExtractorTimeout as exc:
        return ExtractorOutput("", f"timeout: {exc}", time.perf_counter() - start)
    except Exception as exc:  # any library failure is a scored empty output
        return ExtractorOutput("", f"{type(exc).__name__}: {str(exc)[:200]}", time.perf_counter() - start)


def cached_extract(
    name: str,
    dataset: str,
    page_id: str,
    html: str,
    url: str | None = None,
    language: str | None = None,
    cache_dir: Path | None = DEFAULT_CACHE,
    timeout: float | None = DEFAULT_TIMEOUT,
) -> ExtractorOutput:
    """``run_extractor`` through a JSON cache at ``cache_dir/dataset/extractor/page.json``.

    An entry is reused only if the page's HTML hash and the extractor's version match.
    """
    if cache_dir is None:
        return run_extractor(name, html, url, language, timeout)
    digest = hashlib.sha1(html.encode("utf-8", "surrogatepass")).hexdigest()
    version = extractor_version(name)
    path = Path(cache_dir) / _safe(dataset) / name / f"{_safe(page_id)}.json"
    if path.exists():
        try:
            entry = json.loads(path.read_text("utf-8"))
            if entry.get("sha1") == digest and entry.get("version") == version:
                return ExtractorOutput(entry["text"], entry.get("error"), entry.get("seconds", 0.0))
        except (ValueError, KeyError):
            pass
    out = run_extractor(name, html, url, language, timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sha1": digest, "version": version, **asdict(out)}, ensure_ascii=False), "utf-8")
    tmp.replace(path)
    return out
