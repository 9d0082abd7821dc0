#!/usr/bin/env python3
"""Where the precision left after cleaning lives: text-mode headroom by line shape.

For every article page and extractor, the extractor's text (cached by bench/evaluate.py) is
cleaned as the evaluation cleans it, and each kept line is scored: the 4-gram shingles that start
in it, split into those in the gold and those not, give the page's shingle precision if that line
alone were also removed. Summed over pages (and divided by pages x extractors), that is the mean
precision a rule removing exactly such lines would add. The sum over every line that helps is an
*oracle*: the most any line-removal rule could add. The table groups lines by where they sit
(first 3, last 5, middle), their length and whether they end like a sentence; the examples are
the lines with the most to gain, to show what a general rule could still target.

    python bench/residual.py --workers 2                       # WCXB articles, the 6 article extractors
    python bench/residual.py --extractors trafilatura --examples 40 -o out/residual.md

Needs the extractor cache of a text-mode run of bench/evaluate.py with the same extractors.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cleaner.evaluation.datasets import load_dataset  # noqa: E402
from cleaner.evaluation.extractors import ARTICLE_EXTRACTORS, MARKDOWN_EXTRACTORS, cached_extract  # noqa: E402
from cleaner.evaluation.metrics import shingles  # noqa: E402

_TOKEN = re.compile(r"\w+")
_SENTENCE_END = tuple(".!?\"”’)…:;。！？")
_CLEANER = None


def line_gains(clean: str, gold: str) -> list[tuple[int, str, float]]:
    """(index, line, precision gained if it alone is removed) for each non-blank line.

    A shingle belongs to the line its first token is in (removing a line also removes the
    shingles that run from it into the next one)."""
    gold_sh = shingles(gold)
    pred_sh = shingles(clean)
    tp = sum((gold_sh & pred_sh).values())
    fp = sum((pred_sh - gold_sh).values())
    if tp + fp == 0:
        return []
    starts = [0] + [m.end() for m in re.finditer("\n", clean)]
    tokens = [(m.start(), m.group()) for m in _TOKEN.finditer(clean)]
    words = [t for _, t in tokens]
    lines = clean.split("\n")
    good, bad = [0] * len(lines), [0] * len(lines)
    for k in range(max(1, len(words) - 3)):
        if not words:
            break
        at = bisect.bisect_right(starts, tokens[k][0]) - 1
        if tuple(words[k:k + 4]) in gold_sh:
            good[at] += 1
        else:
            bad[at] += 1
    p0 = tp / (tp + fp)
    out = []
    for i, line in enumerate(lines):
        if line.strip():
            rest = tp + fp - good[i] - bad[i]
            out.append((i, line, ((tp - good[i]) / rest - p0) if rest > 0 else 0.0))
    return out


def shape_of(i: int, n: int, line: str) -> tuple[str, str, str]:
    where = "first 3" if i < 3 else "last 5" if n - i <= 5 else "middle"
    w = len(line.split())
    size = "1-3 words" if w <= 3 else "4-8" if w <= 8 else "9-20" if w <= 20 else "21+"
    return where, size, "sentence" if line.rstrip().endswith(_SENTENCE_END) else "no end mark"


def _page(args: tuple) -> list[tuple[str, tuple[str, str, str], float, str]]:
    global _CLEANER
    from cleaner import Cleaner

    if _CLEANER is None:
        _CLEANER = Cleaner()
    page, extractors = args
    html = page.html  # decoded once, not once per extractor
    out = []
    for name in extractors:
        raw = cached_extract(name, "wcxb", page.id, html, page.url).text
        if not raw.strip():
            continue
        kind = "markdown" if name in MARKDOWN_EXTRACTORS else "text"
        clean = _CLEANER.clean_text(raw, url=page.url, kind=kind).text
        lines = clean.split("\n")
        for i, line, gain in line_gains(clean, page.gold_text or ""):
            out.append((name, shape_of(i, len(lines), line), gain, line))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--extractors", default=",".join(ARTICLE_EXTRACTORS))
    ap.add_argument("--page-types", default="article")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--examples", type=int, default=20, help="lines with the most to gain to list")
    ap.add_argument("-o", "--output", type=Path, help="write the markdown here too")
    args = ap.parse_args()
    extractors = tuple(args.extractors.split(","))
    kinds = set(args.page_types.split(","))
    pages = [p for p in load_dataset("wcxb") if p.page_type in kinds and p.gold_text]
    docs = len(pages) * len(extractors)
    by_shape: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0, 0])
    by_extractor: dict[str, float] = defaultdict(float)
    top: list[tuple[float, str, str]] = []
    with ProcessPoolExecutor(args.workers) as ex:
        for rows in ex.map(_page, [(p, extractors) for p in pages], chunksize=8):
            for name, shape, gain, line in rows:
                acc = by_shape[shape]
                if gain > 0:
                    acc[0] += gain
                    acc[2] += 1
                    by_extractor[name] += gain
                    top.append((gain, name, line))
                else:
                    acc[1] += gain
                    acc[3] += 1
    oracle = sum(v[0] for v in by_shape.values()) / docs
    out = [f"# Text-mode headroom after cleaning: {len(pages)} WCXB pages x {len(extractors)} extractors", "",
           f"Oracle (every line whose removal alone raises its page's shingle precision): "
           f"**+{oracle:.4f}** mean shingle precision.", "",
           "| extractor | oracle gain |", "| --- | ---: |"]
    out += [f"| `{n}` | +{by_extractor[n] / len(pages):.4f} |" for n in extractors]
    out += ["", "Kept lines by shape: what removing all of them would add (gain from lines that are mostly not "
            "gold, loss from lines that are), per mean shingle precision.", "",
            "| where | length | end | gain | loss | lines that gain | lines that lose |",
            "| --- | --- | --- | ---: | ---: | ---: | ---: |"]
    for shape, (g, loss, ng, nl) in sorted(by_shape.items(), key=lambda kv: -kv[1][0]):
        out.append(f"| {shape[0]} | {shape[1]} | {shape[2]} | +{g / docs:.4f} | {loss / docs:.4f} | {ng:,} | {nl:,} |")
    out += ["", f"The {args.examples} lines with the most to gain:", ""]
    for gain, name, line in sorted(top, reverse=True)[:args.examples]:
        out.append(f"- +{gain / docs:.5f} `{name}`: {line[:140]}")
    text = "\n".join(out) + "\n"
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, "utf-8")


if __name__ == "__main__":
    main()
