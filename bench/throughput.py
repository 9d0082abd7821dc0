"""Text-mode cleaning throughput against a plain JSON read-and-write pass of the same records.

Builds (once, cached) a JSONL corpus of real extractor output: trafilatura's text
of the WCXB dev pages in ../shared/data, then times, in the same run:
  1. json.loads + json.dumps of every record (the floor any JSONL tool pays);
  2. Cleaner().clean_text on every record, with the bundled packs.

    python bench/throughput.py [--limit 600] [--repeat 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WCXB = ROOT.parent / "shared" / "data" / "wcxb-dev"
CACHE = ROOT / "out" / "bench"


def build_corpus(limit: int) -> Path:
    import trafilatura

    path = CACHE / f"wcxb-trafilatura-{limit}.jsonl"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    pages = sorted((WCXB / "html").glob("*.html.gz"))[:limit]
    with open(path, "w", encoding="utf-8") as out:
        for p in pages:
            fid = p.name.split(".")[0]
            gt = json.loads((WCXB / "ground-truth" / f"{fid}.json").read_text(encoding="utf-8"))
            html = gzip.decompress(p.read_bytes()).decode("utf-8", "replace")
            text = trafilatura.extract(html, include_comments=True, deduplicate=False) or ""
            if text:
                out.write(json.dumps({"id": fid, "url": gt.get("url"), "text": text}, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=600, help="dev pages to extract (default 600)")
    ap.add_argument("--repeat", type=int, default=3, help="passes over the corpus; the best is kept")
    args = ap.parse_args()

    from cleaner import Cleaner

    corpus = build_corpus(args.limit)
    lines = corpus.read_text(encoding="utf-8").splitlines()
    mb = sum(len(x.encode("utf-8")) for x in lines) / 1e6

    t0 = time.perf_counter()
    cleaner = Cleaner()
    load_s = time.perf_counter() - t0

    def json_pass() -> None:
        for x in lines:
            json.dumps(json.loads(x), ensure_ascii=False)

    def clean_pass() -> None:
        for x in lines:
            rec = json.loads(x)
            json.dumps(cleaner.clean_text(rec["text"], url=rec.get("url"), id=rec["id"]).to_record(),
                       ensure_ascii=False)

    def best(fn) -> float:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    j, c = best(json_pass), best(clean_pass)
    print(f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"corpus: {corpus.name}: {len(lines)} records, {mb:.2f} MB; {len(cleaner.ruleset.rules)} rules "
          f"(loaded in {load_s:.2f}s)")
    print(f"json read+write pass: {j:.3f}s  {mb / j:8.2f} MB/s")
    print(f"clean (1 process):    {c:.3f}s  {mb / c:8.2f} MB/s  {len(lines) / c:8.0f} docs/s  "
          f"= {c / j:.1f}x the JSON pass")


if __name__ == "__main__":
    main()
