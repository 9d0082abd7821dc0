"""Build the text benchmark corpus: real extractor output of the WCXB dev pages, as JSONL.

Each dev page is run through several extractors (trafilatura with comments, readability,
inscriptis and html-text: article extractors and whole-page converters, so the text has
the chrome cleaner exists for). Outputs are cached by the evaluation harness under
out/eval-cache/; records are then cycled, with fresh ids, up to the target size.

    python bench/corpus.py --mb 100            # -> out/bench/corpus-100mb.jsonl
    python bench/corpus.py --mb 1000 --out /tmp/corpus-1gb.jsonl   # for the memory benchmark
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXTRACTORS = ("trafilatura", "readability", "inscriptis", "html_text")


def _extract(args: tuple[str, str, str | None]) -> list[dict]:
    from cleaner.evaluation.datasets import decode_html, read_maybe_gzip
    from cleaner.evaluation.extractors import cached_extract

    page_id, html_path, url = args
    html = decode_html(read_maybe_gzip(Path(html_path)))
    out = []
    for name in EXTRACTORS:
        text = cached_extract(name, "wcxb", page_id, html, url).text
        if text.strip():
            out.append({"id": f"{page_id}-{name}", "url": url, "extractor": name, "text": text})
    return out


def build(target_mb: float, out: Path, workers: int) -> Path:
    wcxb = ROOT.parent / "shared" / "data" / "wcxb-dev"
    jobs = []
    for html_path in sorted((wcxb / "html").glob("*.html.gz")):
        fid = html_path.name.split(".")[0]
        gt = json.loads((wcxb / "ground-truth" / f"{fid}.json").read_text(encoding="utf-8"))
        jobs.append((fid, str(html_path), gt.get("url")))
    records: list[str] = []
    with ProcessPoolExecutor(workers) as pool:
        for i, recs in enumerate(pool.map(_extract, jobs, chunksize=8), 1):
            records.extend(json.dumps(r, ensure_ascii=False) for r in recs)
            if i % 200 == 0:
                print(f"{i}/{len(jobs)} pages", file=sys.stderr)
    base = sum(len(r.encode("utf-8")) + 1 for r in records)
    out.parent.mkdir(parents=True, exist_ok=True)
    written, cycle = 0, 0
    with open(out, "w", encoding="utf-8") as fh:
        while written < target_mb * 1e6:
            for line in records:
                if cycle:
                    rec = json.loads(line)
                    rec["id"] = f"{rec['id']}-{cycle}"
                    line = json.dumps(rec, ensure_ascii=False)
                fh.write(line + "\n")
                written += len(line.encode("utf-8")) + 1
                if written >= target_mb * 1e6:
                    break
            cycle += 1
    print(f"{out}: {written / 1e6:.1f} MB from {len(records)} extractor outputs ({base / 1e6:.1f} MB distinct)",
          file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=100, help="target size in MB (default 100)")
    ap.add_argument("--out", type=Path, help="output path (default out/bench/corpus-<MB>mb.jsonl)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    build(args.mb, args.out or ROOT / "out" / "bench" / f"corpus-{args.mb:g}mb.jsonl", args.workers)


if __name__ == "__main__":
    main()
