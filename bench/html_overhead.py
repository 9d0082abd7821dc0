"""HTML mode: what cleaner costs on top of trafilatura's extraction of the same pages.

For each page, in one process and alternating which runs first (so drift in machine load hits
both sides alike), times
  * trafilatura alone: decode + parse + ``bare_extraction`` with cleaner's options and metadata
    (``cleaner.extract.extract_html``, the baseline of the evaluation);
  * cleaner: ``Cleaner().clean_html`` (decode, parse, HTML rules, the same extraction, the rescue
    of truncated extractions, text rules, provenance),
and reports the totals, the overhead and where cleaner's extra time goes. CPU time of this
process is used (``time.process_time``), so other jobs on the machine disturb it less.

    python bench/html_overhead.py [--pages 300] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "wcxb-dev" / "html",
                    help="folder of .html.gz pages (default: the WCXB dev pages)")
    ap.add_argument("--pages", type=int, default=300, help="how many pages (sorted by name)")
    ap.add_argument("--repeat", type=int, default=3, help="passes; the per-page minimum of each side is kept")
    args = ap.parse_args()

    import cleaner.api as api
    import cleaner.rescue as rescue
    from cleaner import Cleaner
    from cleaner.extract import extract_html

    files = sorted(args.data.glob("*.html.gz"))[: args.pages]
    if not files:
        raise SystemExit(f"no .html.gz pages in {args.data}")
    pages = [gzip.open(f).read() for f in files]
    cleaner = Cleaner()

    # Stage timers around the pieces of Cleaner._clean_html (cleaner's side only).
    stages: Counter[str] = Counter()

    def timed(owner, name: str, label: str) -> None:
        fn = getattr(owner, name)

        def wrapper(*a, **kw):
            t = time.process_time()
            try:
                return fn(*a, **kw)
            finally:
                stages[label] += time.process_time() - t

        setattr(owner, name, wrapper)

    def run(fn, page: bytes) -> float:
        t = time.process_time()
        try:
            fn(page)
        except Exception:  # noqa: BLE001 - pages without content cost what they cost on both sides
            pass
        return time.process_time() - t

    for p in pages[:5]:  # warm caches (rule selection, imports) on both sides
        run(extract_html, p)
        run(cleaner.clean_html, p)
    base = [float("inf")] * len(pages)
    ours = [float("inf")] * len(pages)
    best_stages: Counter[str] = Counter()
    for rep in range(args.repeat):
        stages.clear()
        if rep == 0:
            timed(api, "parse_html", "decode + parse")
            timed(rescue, "trafilatura_extraction", "trafilatura extraction")
            timed(rescue, "missed_chars", "rescue test (prose left out)")
            timed(rescue, "readability_text", "rescue (readability-lxml)")
            timed(api.PruneElements, "apply", "HTML rules (prune)")
            timed(api.Cleaner, "_clean", "text rules + provenance")
            timed(cleaner.ruleset, "selection", "rule selection (both passes)")
        for i, p in enumerate(pages):
            if (i + rep) % 2:
                base[i] = min(base[i], run(extract_html, p))
                ours[i] = min(ours[i], run(cleaner.clean_html, p))
            else:
                ours[i] = min(ours[i], run(cleaner.clean_html, p))
                base[i] = min(base[i], run(extract_html, p))
        if not best_stages or sum(stages.values()) < sum(best_stages.values()):
            best_stages = Counter(stages)
    b, o = sum(base), sum(ours)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"pages: {len(pages)} from {args.data}, best of {args.repeat} per page, CPU seconds")
    print("| system | seconds | ms per page |")
    print("| --- | ---: | ---: |")
    print(f"| trafilatura alone (decode, parse, extract with metadata) | {b:.2f} | {1000 * b / len(pages):.1f} |")
    print(f"| cleaner `clean_html` | {o:.2f} | {1000 * o / len(pages):.1f} |")
    print(f"\noverhead: **{100 * (o / b - 1):+.1f} %** ({1000 * (o - b) / len(pages):.1f} ms a page)")
    print("\ncleaner's time by stage (one pass):")
    print("| stage | seconds | ms per page |")
    print("| --- | ---: | ---: |")
    for label, t in best_stages.most_common():
        print(f"| {label} | {t:.2f} | {1000 * t / len(pages):.2f} |")
    print("\n(Stage times come from a single pass, so they add up to more than the best-of row above; rule")
    print("selection is also counted inside the text-rules row, as the text pass selects its own rules.)")


if __name__ == "__main__":
    main()
