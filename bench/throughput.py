"""Text-mode cleaning throughput against a plain JSON read-and-write pass of the same records.

Reads the corpus built by bench/corpus.py (real extractor output of the WCXB dev pages,
about 100 MB of JSONL) and times, in the same run:
  1. json.loads + json.dumps of every record (the floor any JSONL tool pays);
  2. cleaning every record (read, clean, serialise the output record) with the
     bundled packs, in 1 process and with --workers processes;
  3. the same with --synthetic extra phrase and pattern rules (cost vs number of rules);
  4. the same without the prefilter (every rule's regex on every line).

    python bench/corpus.py --mb 100
    python bench/throughput.py [--corpus out/bench/corpus-100mb.jsonl] [--repeat 3] [--workers 2] [--synthetic 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import string
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def synthetic_pack(n: int, folder: Path) -> Path:
    """n rules that look like real ones (phrases and anchored patterns) but never fire on prose."""
    rng = random.Random(0)

    def word() -> str:
        return "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 7)))

    lines = ["version: 1", "name: synthetic", "description: benchmark filler", "rules:"]
    for i in range(n):
        lines += [f"  - id: synthetic.r{i}", "    description: filler", "    action: drop-line"]
        if i % 2:
            lines.append(f"    phrases: [\"{word()} {word()}\", \"{word()} {word()} {word()}\"]")
        else:
            lines.append(f"    patterns: ['{word().capitalize()} \\d+ (?:{word()}|{word()})s?']")
        lines.append("    max_words: 12")
    path = folder / "synthetic.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "out" / "bench" / "corpus-100mb.jsonl",
                    help="JSONL corpus from bench/corpus.py")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus; the best is kept")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the parallel run")
    ap.add_argument("--synthetic", type=int, default=2000, help="extra synthetic rules for the scaling run")
    ap.add_argument("--rules", type=Path, action="append", default=[], help="extra rule packs")
    ap.add_argument("--no-default-rules", action="store_true")
    ap.add_argument("--reference", action="store_true", help="also time the runs without the prefilter (slow)")
    args = ap.parse_args()

    from cleaner import Cleaner
    from cleaner.batch import outcomes
    from cleaner.document import Document

    corpus = args.corpus
    if not corpus.exists():
        raise SystemExit(f"{corpus} is missing: build it with  python bench/corpus.py --mb 100")
    lines = corpus.read_text(encoding="utf-8").splitlines()
    mb = sum(len(x.encode("utf-8")) for x in lines) / 1e6

    def docs():
        for x in lines:
            rec = json.loads(x)
            yield Document(id=rec["id"], text=rec["text"], url=rec.get("url"))

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    def json_pass() -> None:
        for x in lines:
            json.dumps(json.loads(x), ensure_ascii=False)

    def clean_pass(cleaner: Cleaner, workers: int) -> float:
        def run() -> None:
            for o in outcomes(docs(), cleaner, workers=workers):
                json.dumps(o.record if o.record is not None else o.error, ensure_ascii=False)

        return best(run)

    t0 = time.perf_counter()
    base = Cleaner(rules=args.rules, default_rules=not args.no_default_rules)
    load_s = time.perf_counter() - t0
    j = best(json_pass)
    rows = [("json read+write pass", j, None)]
    c1 = clean_pass(base, 1)
    rows.append((f"clean, 1 process, {len(base.ruleset.rules)} rules", c1, None))
    rows.append((f"clean, {args.workers} processes", clean_pass(base, args.workers), c1))
    if args.reference:  # every rule's regex on every line: slow, so usually left out
        rows.append(("clean, 1 process, no prefilter", clean_pass(
            Cleaner(ruleset=base.ruleset, prefilter=False), 1), c1))
    if args.synthetic:
        with tempfile.TemporaryDirectory() as tmp:
            big = Cleaner(rules=[*args.rules, synthetic_pack(args.synthetic, Path(tmp))],
                          default_rules=not args.no_default_rules)
            rows.append((f"clean, 1 process, +{args.synthetic} synthetic rules", clean_pass(big, 1), c1))
            if args.reference:  # every regex on every line: minutes, not seconds
                rows.append(("  same, no prefilter", clean_pass(
                    Cleaner(ruleset=big.ruleset, prefilter=False), 1), c1))

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"corpus: {corpus.name}: {len(lines)} records, {mb:.2f} MB; rules loaded in {load_s:.2f}s")
    print("| run | seconds | MB/s | docs/s | × JSON pass | vs 1 process |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for name, t, ref in rows:
        rel = f"{ref / t:.2f}× faster" if ref and t < ref else (f"{t / ref:.2f}× the time" if ref else "")
        print(f"| {name} | {t:.3f} | {mb / t:.2f} | {len(lines) / t:.0f} | {t / j:.1f} | {rel} |")


if __name__ == "__main__":
    main()
