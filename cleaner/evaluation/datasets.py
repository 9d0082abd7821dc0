"""Loaders for the development sets: each yields ``BenchPage`` items with the same fields.

The HTML is read lazily (``BenchPage.html``) so a page list costs little memory and pickles
cheaply to worker processes, which read the file themselves.

Supported sets (``load_dataset`` spec in brackets):

- WCXB dev split [``wcxb``]: ``html/NNNN.html.gz`` + ``ground-truth/NNNN.json``; pages with an
  empty ``main_content`` are skipped, as the benchmark does.
- trafilatura's evaluation set [``trafilatura``]: ``evaldata.json`` + ``html/NAME.gz``; no gold
  text, only ``with``/``without`` snippets.
- DANIEL dev part [``daniel``]: ``html/NAME.html.gz`` + ``reference/NAME.txt`` (``<p>`` paragraphs).
- A generic folder [``folder:PATH``]: ``html/ID.html`` or ``html/ID.html.gz``, gold text in
  ``gold/ID.txt`` and optionally ``gold/ID.json`` with any of ``url``, ``with``, ``without``,
  ``page_type``, ``language``, ``title``, ``author``. A page needs a ``.txt`` or a ``.json``.
"""

from __future__ import annotations

import gzip
import html as html_lib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = ("wcxb", "trafilatura", "daniel")


def default_data_root() -> Path:
    """``$CLEANER_EVAL_DATA``, else ``../shared/data`` next to the repository (as tests and CI expect)."""
    env = os.environ.get("CLEANER_EVAL_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data"


def decode_html(raw: bytes) -> str:
    """UTF-8 first, then charset detection; never fails (an undecodable page becomes replacement chars)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    if best is not None and best.encoding:
        return str(best)
    return raw.decode("utf-8", "replace")


def read_maybe_gzip(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@dataclass
class BenchPage:
    """One evaluation page; ``gold_text`` is None when the set only has snippets."""

    id: str
    html_path: Path
    url: str | None = None
    gold_text: str | None = None
    with_: list[str] = field(default_factory=list)
    without: list[str] = field(default_factory=list)
    page_type: str = "unknown"
    language: str | None = None
    title: str | None = None
    author: str | None = None

    @property
    def html(self) -> str:
        return decode_html(read_maybe_gzip(self.html_path))

    @property
    def html_bytes(self) -> bytes:
        return read_maybe_gzip(self.html_path)


def load_wcxb(root: Path) -> Iterator[BenchPage]:
    """WCXB dev: page type from the ground truth (``_internal.page_type.primary``), else metadata.json."""
    meta_path = root / "metadata.json"
    files = json.loads(meta_path.read_text("utf-8")).get("files", {}) if meta_path.exists() else {}
    for gt_path in sorted((root / "ground-truth").glob("*.json")):
        file_id = gt_path.stem
        record = json.loads(gt_path.read_text("utf-8"))
        gt = record.get("ground_truth") or {}
        gold = gt.get("main_content") or ""
        if not gold.strip():
            continue
        page_type = ((record.get("_internal") or {}).get("page_type") or {}).get("primary") \
            or files.get(file_id, {}).get("page_type") or "unknown"
        yield BenchPage(
            id=file_id,
            html_path=root / "html" / f"{file_id}.html.gz",
            url=record.get("url"),
            gold_text=gold,
            with_=list(gt.get("with") or []),
            without=list(gt.get("without") or []),
            page_type=page_type,
            title=gt.get("title") or None,
            author=gt.get("author") or None,
        )


def load_trafilatura_eval(root: Path) -> Iterator[BenchPage]:
    """trafilatura's set, in sorted file order (the JSON's order is insertion order, not stable across edits)."""
    evaldata = json.loads((root / "evaldata.json").read_text("utf-8"))
    entries = sorted(((v["file"], url, v) for url, v in evaldata.items()), key=lambda e: e[0])
    for name, url, v in entries:
        yield BenchPage(
            id=name,
            html_path=root / "html" / f"{name}.gz",
            url=url,
            with_=list(v.get("with") or []),
            without=list(v.get("without") or []),
            page_type="article",
        )


_TAG_RE = re.compile(r"<[^>]+>")


def paragraphs_to_text(reference: str) -> str:
    """DANIEL gold: one ``<p>…</p>`` per paragraph, entities escaped; to plain lines."""
    lines = [html_lib.unescape(_TAG_RE.sub("", p)).strip() for p in re.split(r"</p>\s*", reference)]
    return "\n".join(line for line in lines if line)


def load_daniel(root: Path) -> Iterator[BenchPage]:
    lang_path = root / "languages.json"
    languages = json.loads(lang_path.read_text("utf-8")) if lang_path.exists() else {}
    for ref in sorted((root / "reference").glob("*.txt")):
        name = ref.stem
        gold = paragraphs_to_text(ref.read_text("utf-8", errors="replace"))
        if not gold.strip():
            continue
        # No URLs in the corpus; the file names are DATE_HOST_HASH, so the site is known: a crawl has it.
        host = name.split("_")[1] if name.count("_") >= 2 else None
        yield BenchPage(id=name, html_path=root / "html" / f"{name}.html.gz", gold_text=gold,
                   url=f"https://{host}/{name}" if host else None,
                   page_type="article", language=languages.get(name))


def load_folder(root: Path) -> Iterator[BenchPage]:
    """The generic format described in the module docstring."""
    html_dir, gold_dir = root / "html", root / "gold"
    pages: dict[str, Path] = {}
    for path in sorted(html_dir.iterdir()):
        for suffix in (".html.gz", ".html", ".htm.gz", ".htm"):
            if path.name.endswith(suffix):
                pages.setdefault(path.name[: -len(suffix)], path)
                break
    for page_id, html_path in sorted(pages.items()):
        txt, meta_path = gold_dir / f"{page_id}.txt", gold_dir / f"{page_id}.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else {}
        gold = txt.read_text("utf-8") if txt.exists() else None
        if gold is None and not meta:
            continue
        yield BenchPage(
            id=page_id,
            html_path=html_path,
            url=meta.get("url"),
            gold_text=gold if gold and gold.strip() else None,
            with_=list(meta.get("with") or []),
            without=list(meta.get("without") or []),
            page_type=meta.get("page_type") or "unknown",
            language=meta.get("language"),
            title=meta.get("title"),
            author=meta.get("author"),
        )


def load_dataset(spec: str, data_root: Path | None = None) -> list[BenchPage]:
    """``wcxb``, ``trafilatura``, ``daniel`` (under the data root) or ``folder:PATH``."""
    if spec.startswith("folder:"):
        return list(load_folder(Path(spec.split(":", 1)[1])))
    root = data_root or default_data_root()
    loaders = {
        "wcxb": (load_wcxb, "wcxb-dev"),
        "trafilatura": (load_trafilatura_eval, "trafilatura-eval"),
        "daniel": (load_daniel, "daniel-dev"),
    }
    if spec not in loaders:
        raise ValueError(f"unknown dataset {spec!r}: use one of {', '.join(DATASETS)} or folder:PATH")
    loader, sub = loaders[spec]
    path = root / sub
    if not path.is_dir():
        raise FileNotFoundError(f"dataset folder not found: {path}")
    return list(loader(path))


def dataset_name(spec: str) -> str:
    """A short, filesystem-safe name for cache folders and report headings."""
    if spec.startswith("folder:"):
        return "folder-" + re.sub(r"[^\w.-]+", "_", Path(spec.split(":", 1)[1]).resolve().name)
    return spec
