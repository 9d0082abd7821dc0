"""Output size by provenance form: `cleaner clean` on the first N WCXB dev pages, JSONL out.

    python bench/provenance_size.py [--dataset wcxb-dev|daniel-dev|trafilatura-eval] [--pages 181]
                                    [--forms full,compact,none] [--workers 1]

Links the first --pages files of ../shared/data/DATASET/html (sorted) into a temporary folder,
runs `cleaner clean FOLDER -o out.jsonl --provenance FORM` for each form, and prints per form:
the JSONL's size, its gzip size, how much of it is `provenance` and `provenance.rules`, the
manifest's size, and the size relative to --provenance full (the output before compact
provenance became the default). Output sizes depend only on the pages, rules and version.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def _json_len(value: object) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def measure(out: Path) -> dict[str, int]:
    raw = out.read_bytes()
    prov = rules = text = 0
    for line in raw.splitlines():
        rec = json.loads(line)
        text += _json_len(rec["text"])
        p = rec.get("provenance")
        if p is not None:
            prov += _json_len(p)
            rules += _json_len(p.get("rules", {}))
    manifest = out.with_name(out.name + ".manifest.json")
    return {
        "records": raw.count(b"\n"),
        "bytes": len(raw),
        "gzip": len(gzip.compress(raw, 6, mtime=0)),
        "text": text,
        "provenance": prov,
        "rules": rules,
        "manifest": manifest.stat().st_size if manifest.exists() else 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="wcxb-dev", help="a folder of ../shared/data with an html/ folder")
    ap.add_argument("--pages", type=int, default=181)
    ap.add_argument("--forms", default="full,compact,none")
    ap.add_argument("--workers", type=int, default=1)
    args = ap.parse_args()
    html = DATA / args.dataset / "html"
    pages = sorted(p for p in html.iterdir() if p.name.endswith(".gz"))[: args.pages] if html.is_dir() else []
    if not pages:
        sys.exit(f"no pages under {html}")
    results: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample"
        sample.mkdir()
        for p in pages:
            os.symlink(p, sample / p.name)
        for form in args.forms.split(","):
            out = Path(tmp) / f"{form}.jsonl"
            cmd = [sys.executable, "-m", "cleaner", "clean", str(sample), "-o", str(out), "-q",
                   "--input-format", "html", "--provenance", form, "-w", str(args.workers)]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
            if proc.returncode not in (0, 1):
                sys.exit(f"{' '.join(cmd)} failed: {proc.stderr}")
            results[form] = measure(out)
    base = results.get("full", {}).get("bytes")
    print(f"{len(pages)} {args.dataset} pages, JSONL output by --provenance form")
    print("| form | records | JSONL bytes | vs full | gzip bytes | text | provenance | provenance.rules | manifest |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for form, r in results.items():
        ratio = f"{base / r['bytes']:.2f}× smaller" if base and form != "full" else ""
        print(f"| {form} | {r['records']} | {r['bytes']:,} | {ratio} | {r['gzip']:,} | {r['text']:,} | "
              f"{r['provenance']:,} | {r['rules']:,} | {r['manifest']:,} |")


if __name__ == "__main__":
    main()
