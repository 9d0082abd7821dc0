"""Run the systems over pages (in worker processes) and pool the per-page scores.

A page's work happens in one worker: it reads the HTML, runs every system, scores the outputs
and returns a small JSON-able record, so only paths go out and only numbers come back.

HTML mode compares, on the same pages in the same run, ``trafilatura`` (trafilatura alone with
cleaner's options, ``cleaner.extract.extract_html``) and ``cleaner`` (``Cleaner.clean_html``).
Text mode runs each third-party extractor and scores its text before (``NAME``) and after
(``NAME+cleaner``) ``Cleaner.clean_text``.
"""

from __future__ import annotations

import multiprocessing
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.evaluation.audit import RuleTally, merge_tallies, tally_html_removals, tally_text_removals
from cleaner.evaluation.datasets import BenchPage
from cleaner.evaluation.extractors import (
    ARTICLE_EXTRACTORS,
    DEFAULT_CACHE,
    DEFAULT_TIMEOUT,
    MARKDOWN_EXTRACTORS,
    cached_extract,
    time_limit,
    trafilatura_alone,
)
from cleaner.evaluation.metadata_match import match_metadata
from cleaner.evaluation.metrics import (
    PRF,
    SnippetCounts,
    mean_prf,
    shingle_counts,
    shingle_summary,
    snippet_counts,
    word_bag_prf,
)

BASELINE = "trafilatura"
CLEANER = "cleaner"
CLEANED_SUFFIX = "+cleaner"


@dataclass
class EvalConfig:
    dataset: str
    mode: str  # "html" or "text"
    extractors: tuple[str, ...] = ARTICLE_EXTRACTORS
    audit: bool = False
    rules: tuple[str, ...] = ()
    cache_dir: Path | None = DEFAULT_CACHE
    timeout: float | None = DEFAULT_TIMEOUT


def score(text: str, page: BenchPage) -> dict[str, Any]:
    """Every metric the page's gold allows, in a JSON-able form."""
    rec: dict[str, Any] = {"empty": not text.strip()}
    if page.gold_text:
        wb = word_bag_prf(text, page.gold_text)
        rec["wb"] = [wb.precision, wb.recall, wb.f1]
        rec["sh"] = list(shingle_counts(text, page.gold_text))
    if page.with_ or page.without:
        c = snippet_counts(text, page.with_, page.without)
        rec["snip"] = [c.tp, c.fn, c.fp, c.tn]
    return rec


# --- worker side -----------------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(config: EvalConfig) -> None:
    from cleaner import Cleaner

    warnings.simplefilter("ignore")
    _WORKER["config"] = config
    _WORKER["cleaner"] = Cleaner(rules=list(config.rules) or None)


def _html_page(page: BenchPage, config: EvalConfig, cleaner: Any) -> dict[str, Any]:
    from cleaner.extract import NoContent

    html = page.html
    rec: dict[str, Any] = {"id": page.id, "page_type": page.page_type, "language": page.language, "systems": {}}

    start = time.perf_counter()
    base_text, base_meta, base_err = "", {}, None
    try:
        with time_limit(config.timeout):
            base = trafilatura_alone(html, url=page.url)
        base_text, base_meta = base.text, base.metadata
    except NoContent:
        pass
    except Exception as exc:  # a failure is an empty output, reported
        base_err = f"{type(exc).__name__}: {str(exc)[:200]}"
    rec["systems"][BASELINE] = {**score(base_text, page), "error": base_err, "s": time.perf_counter() - start}

    start = time.perf_counter()
    result, err = None, None
    try:
        with time_limit(config.timeout):
            result = cleaner.clean_html(html, url=page.url, id=page.id)
    except NoContent:
        pass
    except Exception as exc:
        err = f"{type(exc).__name__}: {str(exc)[:200]}"
    text = result.text if result is not None else ""
    rec["systems"][CLEANER] = {**score(text, page), "error": err, "s": time.perf_counter() - start}

    if page.title or page.author:
        rec["meta"] = {
            CLEANER: match_metadata(result.metadata if result is not None else {}, page.title, page.author),
            BASELINE: match_metadata(base_meta, page.title, page.author),
        }
    if config.audit and page.gold_text and result is not None:
        text_t = tally_text_removals(result.input_text, result.removed, result.text, page.gold_text)
        html_t = tally_html_removals(base_text, result.input_text,
                                     result.provenance.get("html_removals") or [], page.gold_text)
        rec["audit"] = {
            "text": {k: v.to_list() for k, v in text_t.items()},
            "html": {k: v.to_list() for k, v in html_t.items()},
        }
    return rec


def _text_page(page: BenchPage, config: EvalConfig, cleaner: Any) -> dict[str, Any]:
    html = page.html
    rec: dict[str, Any] = {"id": page.id, "page_type": page.page_type, "language": page.language, "systems": {}}
    audit: dict[str, RuleTally] = {}
    for name in config.extractors:
        out = cached_extract(name, config.dataset, page.id, html, page.url, page.language,
                             config.cache_dir, config.timeout)
        rec["systems"][name] = {**score(out.text, page), "error": out.error, "s": out.seconds}
        start = time.perf_counter()
        clean_text, err = "", None
        if out.text.strip():
            try:
                with time_limit(config.timeout):
                    kind = "markdown" if name in MARKDOWN_EXTRACTORS else "text"
                    result = cleaner.clean_text(out.text, url=page.url, id=page.id, kind=kind)
                clean_text = result.text
                if config.audit and page.gold_text:
                    merge_tallies(audit, tally_text_removals(out.text, result.removed, result.text, page.gold_text))
            except Exception as exc:
                err = f"{type(exc).__name__}: {str(exc)[:200]}"
        rec["systems"][name + CLEANED_SUFFIX] = {
            **score(clean_text, page), "error": err, "s": time.perf_counter() - start,
        }
    if config.audit:
        rec["audit"] = {"text": {k: v.to_list() for k, v in audit.items()}}
    return rec


def _work(page: BenchPage) -> dict[str, Any]:
    config: EvalConfig = _WORKER["config"]
    fn = _html_page if config.mode == "html" else _text_page
    try:
        return fn(page, config, _WORKER["cleaner"])
    except Exception as exc:  # e.g. an unreadable file: the page is reported, the run goes on
        return {"id": page.id, "page_type": page.page_type, "systems": {},
                "failed": f"{type(exc).__name__}: {str(exc)[:200]}"}


def evaluate_pages(
    pages: Sequence[BenchPage],
    config: EvalConfig,
    workers: int = 2,
    progress: Callable[[int, int, float], None] | None = None,
) -> list[dict[str, Any]]:
    """Per-page records in page order; ``workers <= 1`` runs in this process (tests, debugging)."""
    start = time.perf_counter()
    records: list[dict[str, Any]] = []
    if workers <= 1:
        with warnings.catch_warnings():  # _init_worker silences warnings: keep that local here
            _init_worker(config)
            for page in pages:
                records.append(_work(page))
                if progress:
                    progress(len(records), len(pages), time.perf_counter() - start)
        return records
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=(config,), maxtasksperchild=200) as pool:
        for rec in pool.imap(_work, pages, chunksize=1):
            records.append(rec)
            if progress:
                progress(len(records), len(pages), time.perf_counter() - start)
    return records


def stderr_progress(label: str, every: int = 50) -> Callable[[int, int, float], None]:
    def report(done: int, total: int, seconds: float) -> None:
        if done % every == 0 or done == total:
            print(f"[{label}] {done}/{total} pages, {seconds:.0f} s", file=sys.stderr, flush=True)

    return report


# --- pooling ---------------------------------------------------------------------------------------------------

@dataclass
class Summary:
    """One system's scores over a set of pages."""

    pages: int = 0
    word_bag: PRF | None = None
    shingle: PRF | None = None
    snippets: SnippetCounts = field(default_factory=SnippetCounts)
    has_snippets: bool = False
    empty: int = 0
    errors: int = 0
    seconds: float = 0.0
    error_examples: list[str] = field(default_factory=list)


def summarize(records: Iterable[dict[str, Any]], system: str) -> Summary:
    s = Summary()
    wbs: list[PRF] = []
    shs: list[tuple[float, float, float]] = []
    for rec in records:
        r = rec.get("systems", {}).get(system)
        if r is None:
            continue
        s.pages += 1
        s.empty += bool(r.get("empty"))
        s.seconds += r.get("s", 0.0)
        if r.get("error"):
            s.errors += 1
            if len(s.error_examples) < 3:
                s.error_examples.append(f"{rec['id']}: {r['error']}")
        if "wb" in r:
            wbs.append(PRF(*r["wb"]))
        if "sh" in r:
            shs.append(tuple(r["sh"]))  # type: ignore[arg-type]
        if "snip" in r:
            s.has_snippets = True
            s.snippets += SnippetCounts(*r["snip"])
    if wbs:
        s.word_bag = mean_prf(wbs)
    if shs:
        s.shingle = shingle_summary(shs)
    return s


def systems_of(records: Iterable[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for rec in records:
        for name in rec.get("systems", {}):
            seen.setdefault(name)
    return list(seen)


def pooled_audit(records: Iterable[dict[str, Any]], kind: str) -> dict[str, RuleTally]:
    tallies: dict[str, RuleTally] = {}
    for rec in records:
        merge_tallies(tallies, rec.get("audit", {}).get(kind, {}))
    return tallies


def metadata_rates(records: Iterable[dict[str, Any]], system: str) -> dict[str, tuple[int, int]]:
    """field -> (matches, pages scored); pages whose gold lacks the field are not scored."""
    out: dict[str, list[int]] = {}
    for rec in records:
        m = rec.get("meta", {}).get(system)
        if not m:
            continue
        for key, value in m.items():
            if value is None:
                continue
            slot = out.setdefault(key, [0, 0])
            slot[0] += bool(value)
            slot[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}
