#!/usr/bin/env python3
"""Measure `cleaner mine`: quality against gold text, and speed and memory on a million documents.

quality: run an extractor over a development set (outputs cached by the evaluation harness),
mine site packs per domain from those texts, then score the text cleaned with the bundled packs
against the same text cleaned with the bundled packs plus the mined ones (word bag and 4-gram
shingles, the harness's metrics). In-sample: mined on all pages, scored on the same pages.
Held-out: each domain's pages are split into K folds; packs mined on the other folds clean each
fold (K=2 mines on half and scores on the other half; --folds 0 is leave-one-out).

speed: write a synthetic JSONL stream of small documents across many domains to a temporary file,
run `cleaner mine` on it as a subprocess and report documents/s and the peak resident memory.

    python bench/mine.py quality --dataset daniel --folds 2 -o out/mine/daniel.md
    python bench/mine.py quality --dataset wcxb --folds 0 -o out/mine/wcxb.md
    python bench/mine.py speed --docs 1000000 --domains 2000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from memory import _rss_mb, _tree  # noqa: E402 - bench/memory.py, beside this script: RSS of a process tree

from cleaner.mining.domains import normalise_domain  # noqa: E402

# --- quality ---------------------------------------------------------------------------------------------------


def page_site(dataset: str, page: Any) -> tuple[str, str]:
    """(host, url) of a page; DANIEL has no URLs, its file names are DATE_HOST_HASH."""
    if dataset == "daniel":
        host = page.id.split("_")[1]
        return host, f"https://{host}/{page.id}"
    from urllib.parse import urlsplit

    host = urlsplit(page.url or "").hostname or ""
    return host, page.url or ""


def _extract(args: tuple[str, str, Any]) -> tuple[str, str]:
    from cleaner.evaluation.extractors import cached_extract

    extractor, dataset, page = args
    out = cached_extract(extractor, dataset, page.id, page.html, page.url, page.language)
    return page.id, out.text


def load_texts(dataset: str, extractor: str, workers: int) -> list[dict[str, Any]]:
    from cleaner.evaluation.datasets import load_dataset

    pages = [p for p in load_dataset(dataset) if p.gold_text]
    with ProcessPoolExecutor(workers) as ex:
        texts = dict(ex.map(_extract, [(extractor, dataset, p) for p in pages], chunksize=8))
    rows = []
    for p in pages:
        host, url = page_site(dataset, p)
        rows.append({"id": p.id, "url": url, "domain": normalise_domain(host) or "", "gold": p.gold_text,
                     "raw": texts[p.id]})
    return rows


def mine_packs(rows: list[dict[str, Any]], reference: Any, options: Any) -> list[Any]:
    from cleaner.mining import Miner

    miner = Miner(options, reference=reference)
    for r in rows:
        if r["raw"].strip():
            miner.add(r["raw"], url=r["url"], id=r["id"])
    return miner.finish().packs


def cleaner_with(packs: list[Any], base_sources: list[Any]) -> Any:
    from cleaner import Cleaner
    from cleaner.rules.loader import PackSource
    from cleaner.rules.ruleset import RuleSet

    extra = [PackSource(f"mined:{p.file_name}", p.text) for p in packs]
    return Cleaner(ruleset=RuleSet(base_sources + extra))


def scores(rows: list[dict[str, Any]], key: str) -> dict[str, float]:
    from cleaner.evaluation.metrics import mean_prf, shingle_counts, shingle_summary, word_bag_prf

    wb = mean_prf([word_bag_prf(r[key], r["gold"]) for r in rows])
    sh = shingle_summary(shingle_counts(r[key], r["gold"]) for r in rows)
    return {"wb_p": wb.precision, "wb_r": wb.recall, "wb_f": wb.f1, "sh_p": sh.precision, "sh_r": sh.recall,
            "sh_f": sh.f1}


def quality(args: argparse.Namespace) -> str:
    from cleaner.mining import MineOptions, reference_cleaner

    options = MineOptions(min_docs=args.min_docs, min_share=args.min_share)

    t0 = time.perf_counter()
    rows = load_texts(args.dataset, args.extractor, args.workers)
    print(f"[{args.dataset}] {len(rows)} pages extracted ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    reference = reference_cleaner()
    base_sources = reference.ruleset.sources
    by_domain: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_domain[r["domain"]].append(r)
    scope_domains = {d for d, rs in by_domain.items() if d and len(rs) >= args.min_docs}
    for r in rows:
        r["base"] = reference.clean_text(r["raw"], url=r["url"], id=r["id"]).text if r["raw"].strip() else ""
        r["in_sample"] = r["heldout"] = r["base"]

    # In-sample: mine on every page, clean the same pages.
    packs = mine_packs(rows, reference, options)
    mined = cleaner_with(packs, base_sources)
    n_rules = sum(p.rules for p in packs)
    for r in rows:
        if r["domain"] in scope_domains and r["raw"].strip():
            r["in_sample"] = mined.clean_text(r["raw"], url=r["url"], id=r["id"]).text
    print(f"[{args.dataset}] in-sample: {len(packs)} packs, {n_rules} rules", file=sys.stderr)

    # Held-out: K folds per domain (round robin in id order); each fold cleaned by packs mined on the others.
    folds: dict[str, int] = {}
    k = args.folds
    for rs in by_domain.values():
        rs.sort(key=lambda r: r["id"])
        kk = len(rs) if k == 0 else k
        for i, r in enumerate(rs):
            folds[r["id"]] = i % kk
    n_folds = max(folds.values()) + 1 if folds else 0
    heldout_rules = []
    for f in range(n_folds):
        train = [r for r in rows if folds[r["id"]] != f]
        test = [r for r in rows if folds[r["id"]] == f and r["domain"] in scope_domains and r["raw"].strip()]
        if not test:
            continue
        packs_f = mine_packs(train, reference, options)
        heldout_rules.append(sum(p.rules for p in packs_f))
        mined_f = cleaner_with(packs_f, base_sources)
        for r in test:
            r["heldout"] = mined_f.clean_text(r["raw"], url=r["url"], id=r["id"]).text
        print(f"[{args.dataset}] fold {f + 1}/{n_folds}: {len(packs_f)} packs, {heldout_rules[-1]} rules, "
              f"{len(test)} pages", file=sys.stderr)

    scope = [r for r in rows if r["domain"] in scope_domains]
    table = [
        f"Dataset `{args.dataset}`, extractor `{args.extractor}` (default options), {len(rows)} pages with gold; "
        f"{len(scope)} pages in {len(scope_domains)} domains with at least {args.min_docs} pages "
        f"(the pages mined packs can change). In-sample: {len(packs)} packs, {n_rules} rules. Held-out: "
        f"{'leave-one-out' if k == 0 else f'{k}-fold'} per domain, {n_folds} mining runs, "
        f"{sum(heldout_rules) / max(1, len(heldout_rules)):.0f} rules per run on average.",
        "",
        "| pages | text | word-bag P | R | F1 | shingle P | R | F1 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, subset in ((f"{len(scope)} in mined domains", scope), (f"all {len(rows)}", rows)):
        base = scores(subset, "base")
        table.append(f"| {label} | extractor + bundled packs | " + " | ".join(
            f"{base[m]:.4f}" for m in ("wb_p", "wb_r", "wb_f", "sh_p", "sh_r", "sh_f")) + " |")
        for key, name in (("in_sample", "+ mined packs, in-sample"), ("heldout", "+ mined packs, held-out")):
            s = scores(subset, key)
            table.append(f"| | {name} | " + " | ".join(
                f"{s[m]:.4f} ({s[m] - base[m]:+.4f})" for m in ("wb_p", "wb_r", "wb_f", "sh_p", "sh_r", "sh_f"))
                + " |")
    table += ["", "Per domain (held-out word-bag P / R change):", "",
              "| domain | pages | ΔP | ΔR |", "| --- | ---: | ---: | ---: |"]
    for d in sorted(scope_domains):
        rs = by_domain[d]
        b, h = scores(rs, "base"), scores(rs, "heldout")
        if abs(h["wb_p"] - b["wb_p"]) > 1e-9 or abs(h["wb_r"] - b["wb_r"]) > 1e-9:
            table.append(f"| {d} | {len(rs)} | {h['wb_p'] - b['wb_p']:+.4f} | {h['wb_r'] - b['wb_r']:+.4f} |")
    table.append("")
    table.append(f"Run time {time.perf_counter() - t0:.0f} s.")
    return "\n".join(table) + "\n"


# --- speed -----------------------------------------------------------------------------------------------------

_WORDS = ("time year people way day man thing woman life child world school state family student group country "
          "problem hand part place case week company system program question work government number night point "
          "home water room mother area money story fact month lot right study book eye job word business issue "
          "side kind head house service friend father power hour game line end member law car city community name "
          "president team minute idea kid body information back parent face others level office door health person "
          "art war history party result change morning reason research girl guy moment air teacher force "
          "education").split()


_SYLLABLES = "ka lo mi ra ne to vi sa du pe ri ol an ek us ta mo li ve zo".split()


def synthetic_stream(n_docs: int, n_domains: int, seed: int = 7) -> Any:
    """Documents of 8-24 lines, Zipf-distributed over sites: each site's own head and tail chrome (its
    name, a newsletter prompt, a copyright line whose year changes), two lines every site shares
    ("Share this article", "Back to top": generic candidates), and article lines of random words."""
    rng = random.Random(seed)
    weights = [1 / (i + 1) ** 0.8 for i in range(n_domains)]  # a few big sites, a long tail of small ones
    domains = [f"site{i}.example" for i in range(n_domains)]
    chrome = {}
    for d in domains:
        r = random.Random(d)
        name = "".join(r.choices(_SYLLABLES, k=4)).title()
        chrome[d] = (
            [f"{name} Daily", f"News | {name} Sport | {name} Culture"],
            [f"Get the {name} newsletter every morning", f"Copyright {{year}} {name} Media Group", "Back to top"],
        )
    picks = rng.choices(range(n_domains), weights=weights, k=n_docs)
    for i, di in enumerate(picks):
        d = domains[di]
        head, tail = chrome[d]
        body = [" ".join(rng.choices(_WORDS, k=rng.randint(8, 22))).capitalize() + "."
                for _ in range(rng.randint(4, 16))]
        lines = head + body + ["Share this article"] + [t.format(year=rng.randint(2015, 2025)) for t in tail]
        yield {"id": f"d{i}", "url": f"https://{d}/a/{i}", "text": "\n".join(lines)}


def speed(args: argparse.Namespace) -> str:
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        src = Path(tmp) / "stream.jsonl"
        t0 = time.perf_counter()
        size = 0
        with src.open("w", encoding="utf-8") as f:
            for rec in synthetic_stream(args.docs, args.domains):
                line = json.dumps(rec) + "\n"
                size += len(line)
                f.write(line)
        gen = time.perf_counter() - t0
        print(f"[speed] wrote {args.docs:,} documents ({size / 1e6:.0f} MB) in {gen:.0f} s", file=sys.stderr)
        out = Path(tmp) / "packs"
        cmd = [sys.executable, "-m", "cleaner", "mine", str(src), "-o", str(out), "--workers", str(args.workers),
               "--max-keys", str(args.max_keys)]
        t0 = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w+") as errf:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errf, text=True)
            peak_tree = 0.0
            while proc.poll() is None:  # the sum over the process and its workers, as bench/memory.py does
                peak_tree = max(peak_tree, sum(_rss_mb(p) for p in _tree(proc.pid)))
                time.sleep(0.2)
            errf.seek(0)
            stderr = errf.read()
        secs = time.perf_counter() - t0
        peak_one = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if proc.returncode != 0:
            raise SystemExit(f"cleaner mine failed ({proc.returncode}): {stderr[-2000:]}")
        packs = sorted(out.glob("*.mined.yaml"))
        report = (out / "mine-report.md").read_text("utf-8")
        mem_line = next((ln for ln in report.splitlines() if ln.startswith("Memory:")), "")
        rules = sum(p.read_text("utf-8").count("\n- id: ") for p in packs)
        phases = re.search(r"\(pass 1 ([\d.]+)s, pass 2 ([\d.]+)s, packs ([\d.]+)s\)", stderr)
        p1, p2, pk = (float(x) for x in phases.groups()) if phases else (0.0, 0.0, 0.0)
    return (
        f"| {args.docs:,} | {args.domains:,} | {args.workers} | {size / 1e6:.0f} MB | {secs:.0f} s "
        f"({p1:.0f} + {p2:.0f} + {pk:.0f}) | {args.docs / (p1 + p2):,.0f} | {peak_tree:.0f} MB ({peak_one:.0f} MB) | "
        f"{len(packs)} packs, {rules} rules |\n\n{mem_line}\n"
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="bench/mine.py", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    sub = p.add_subparsers(dest="cmd", required=True)
    q = sub.add_parser("quality", help="precision/recall with and without mined packs")
    q.add_argument("--dataset", default="daniel", help="daniel | wcxb | folder:PATH (default daniel)")
    q.add_argument("--extractor", default="trafilatura",
                   help="an extractor of the evaluation harness (default trafilatura)")
    q.add_argument("--folds", type=int, default=2, help="held-out folds per domain (default 2; 0 = leave-one-out)")
    q.add_argument("--min-docs", type=int, default=5, help="cleaner mine --min-docs (default 5)")
    q.add_argument("--min-share", type=float, default=0.5, help="cleaner mine --min-share (default 0.5)")
    q.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="processes for the extractor")
    q.add_argument("-o", "--output", type=Path, help="write the markdown here too")
    s = sub.add_parser("speed", help="documents/s and peak memory of `cleaner mine` on a synthetic stream")
    s.add_argument("--docs", type=int, default=1_000_000)
    s.add_argument("--domains", type=int, default=2_000)
    s.add_argument("--workers", type=int, default=2, help="cleaner mine --workers (default 2)")
    s.add_argument("--max-keys", type=int, default=2_000_000, help="cleaner mine --max-keys (default 2,000,000)")
    s.add_argument("--tmp", help="folder for the temporary stream (default: the system's)")
    args = p.parse_args(argv)
    if args.cmd == "quality":
        text = quality(args)
    else:
        text = ("| documents | domains | workers | input | time (pass 1 + pass 2 + packs) | docs/s (passes) | "
                "peak RSS, all processes (largest one) | output |\n"
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n" + speed(args))
    if getattr(args, "output", None):
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, "utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
