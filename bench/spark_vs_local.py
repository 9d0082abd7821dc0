"""Documents per second: the local CLI against cleaner.spark on a local[2] Spark session.

    python bench/spark_vs_local.py [--corpus out/bench/corpus-100mb.jsonl] [--docs 3000]

Both clean the same JSONL records (the first --docs of the bench corpus) with the bundled
packs, 2 processes each; times include start-up (the JVM for Spark).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "out" / "bench" / "corpus-100mb.jsonl")
    ap.add_argument("--docs", type=int, default=3000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(args.corpus, encoding="utf-8") as fh, open(src, "w", encoding="utf-8") as out:
            for i, line in enumerate(fh):
                if i >= args.docs:
                    break
                out.write(line)
        mb = src.stat().st_size / 1e6
        local = timed([sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(Path(tmp) / "o.jsonl"),
                       "--workers", "2", "--quiet"])
        spark = timed([sys.executable, "-m", "cleaner.spark", str(src), str(Path(tmp) / "o.parquet"),
                       "--master", "local[2]", "--partitions", "8"])
    print(f"{args.docs} documents, {mb:.1f} MB")
    print("| run | seconds | docs/s | MB/s |")
    print("| --- | ---: | ---: | ---: |")
    for name, t in (("local CLI, --workers 2", local), ("cleaner.spark, local[2]", spark)):
        print(f"| {name} | {t:.1f} | {args.docs / t:.0f} | {mb / t:.2f} |")


if __name__ == "__main__":
    main()
