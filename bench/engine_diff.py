"""Compare the cleaning output of two engines, document for document, removal for removal.

"old" is a snapshot of the package at a fixed commit with its own venv; "new" is the work
tree. Each side runs in its own subprocess (this script re-invoked with a hidden ``--side``
flag in the given interpreter, with the side's checkout first on sys.path and as cwd), cleans
every document with ``Cleaner()``, and writes one JSONL line per document: id, sha256 of the
clean text, the removals ``(rule, action, start, end)`` with previews, the warnings, the rules
that timed out and, for HTML, the pruned elements. The parent then compares the two files.

Make the old snapshot once (a worktree does not touch the main work tree):

    git worktree add /tmp/cleaner-old HEAD      # or: git archive HEAD | tar -x -C /tmp/cleaner-old
    python -m venv /tmp/cleaner-old/.venv && /tmp/cleaner-old/.venv/bin/pip install -e /tmp/cleaner-old

A text corpus (bench/corpus.py needs readability-lxml, inscriptis and html-text in the old venv;
run with the old venv, its extractor cache lands in /tmp/cleaner-old/out/eval-cache):

    /tmp/cleaner-old/.venv/bin/pip install readability-lxml inscriptis html-text
    /tmp/cleaner-old/.venv/bin/python bench/corpus.py --mb 5 --out /tmp/corpus-5mb.jsonl

Then, from the repository root:

    .venv/bin/python bench/engine_diff.py --corpus /tmp/corpus-text.jsonl
    .venv/bin/python bench/engine_diff.py --html-dir ../shared/data/wcxb-dev/html --html-limit 200
    # the harness itself, old against old (must report 0 differences):
    /tmp/cleaner-old/.venv/bin/python bench/engine_diff.py --new /tmp/cleaner-old/.venv/bin/python \\
        --new-root /tmp/cleaner-old --corpus /tmp/corpus-text.jsonl

Inputs: ``--corpus`` JSONL (records with ``id``, ``text``, optional ``url``, ``language``;
repeatable) or ``--html-dir`` folders of ``*.html.gz`` / ``*.html`` pages (repeatable; the
first ``--html-limit`` files of each, by name; a page's url is read from
``../ground-truth/<name>.json`` when that exists, as in wcxb-dev). ``--limit`` caps the total.

Both sides get PYTHONHASHSEED=0 (unless set) and no PYTHONPATH; each side's stderr goes to
<workdir>/<side>.stderr (shown when a side fails). A document differs when its clean text,
removals (order included), warnings, pruned HTML elements or error differ. Rules that hit the
match timeout on one side only are a source of noise: they are listed with the document, and
``--match-timeout`` raises the limit. Speeds are per input character (per byte for HTML).

Exit status: 0 when every document is identical, 1 when any differs, 2 when a side failed.
``--old-results FILE`` reuses an old side's JSONL from an earlier run (printed at the end of
every run) instead of cleaning again: the old side is fixed, so only the new side needs rerunning.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
NEW_ROOT = HERE.parents[1]
OLD_ROOT = Path("/tmp/cleaner-old")


# ---------------------------------------------------------------------------------------------
# Inputs (read identically by both sides, and by the parent to count nothing: sides align by order)


def iter_docs(args: argparse.Namespace):
    """Yield (kind, id, payload, url, language); kind is "text" or "html" (payload = bytes)."""
    n = 0
    for path in args.corpus or []:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rec = json.loads(line)
                text = rec.get("text")
                if not isinstance(text, str):
                    continue
                yield (
                    "text",
                    str(rec.get("id") or f"{Path(path).name}:{lineno}"),
                    text,
                    rec.get("url"),
                    rec.get("language"),
                )
                n += 1
                if args.limit and n >= args.limit:
                    return
    for folder in args.html_dir or []:
        folder = Path(folder)
        files = sorted(p for p in folder.iterdir() if p.name.endswith((".html.gz", ".html", ".htm")))
        if args.html_limit:
            files = files[: args.html_limit]
        for p in files:
            stem = p.name.split(".")[0]
            raw = p.read_bytes()
            if p.name.endswith(".gz"):
                raw = gzip.decompress(raw)
            url = None
            gt = folder.parent / "ground-truth" / f"{stem}.json"
            if gt.exists():
                try:
                    url = json.loads(gt.read_text(encoding="utf-8")).get("url")
                except (ValueError, OSError):
                    url = None
            yield "html", f"{folder.parent.name}/{stem}", raw, url, None
            n += 1
            if args.limit and n >= args.limit:
                return


def input_signature(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "corpus": [str(Path(p).resolve()) for p in args.corpus or []],
        "html_dir": [str(Path(p).resolve()) for p in args.html_dir or []],
        "html_limit": args.html_limit,
        "limit": args.limit,
        "match_timeout": args.match_timeout,
    }


# ---------------------------------------------------------------------------------------------
# One side (runs in the side's interpreter)


def _removal_tuple(r: Any) -> list[Any]:
    if isinstance(r, dict):
        return [r.get("rule"), r.get("action"), r.get("start"), r.get("end")]
    return [r.rule, r.action, r.start, r.end]


def _pack_digests(rules_info: Any) -> dict[str, Any]:
    """{pack path: sha256} from the provenance 'rules' block, when it has the usual shape."""
    try:
        return {str(p.get("path") or p.get("name")): p.get("sha256") for p in rules_info["packs"]}
    except (TypeError, KeyError, AttributeError):
        return {}


def run_side(args: argparse.Namespace) -> int:
    root = Path(args.root).resolve()
    sys.path.insert(0, str(root))
    t0 = time.process_time()
    import cleaner
    from cleaner import Cleaner

    cfile = Path(cleaner.__file__).resolve()
    if root not in cfile.parents:
        print(f"engine_diff[{args.side}]: imported {cfile}, not under {root}", file=sys.stderr)
        return 3
    rules_dir = None
    try:
        from cleaner.rules.ruleset import bundled_rules_dir

        rules_dir = str(bundled_rules_dir())
    except Exception:  # the rewrite may move it; only informative
        pass
    kw = {} if args.match_timeout is None else {"match_timeout": args.match_timeout}
    c = Cleaner(**kw)
    load_cpu = time.process_time() - t0

    n = errors = timeouts = chars = 0
    rules_info: Any = None
    clean_cpu = 0.0
    wall0 = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for kind, doc_id, payload, url, language in iter_docs(args):
            rec: dict[str, Any] = {"id": doc_id}
            chars += len(payload)
            s = time.process_time()
            try:
                if kind == "html":
                    res = c.clean_html(payload, url=url)
                else:
                    res = c.clean_text(payload, url=url, id=doc_id, language=language)
            except Exception as e:  # per document: the other side may or may not raise too
                clean_cpu += time.process_time() - s
                rec["error"] = f"{type(e).__name__}: {e}"[:300]
                errors += 1
            else:
                clean_cpu += time.process_time() - s
                prov = res.provenance or {}
                prov_rm = prov.get("removals") or []
                rec["sha256"] = hashlib.sha256(res.text.encode("utf-8", "surrogatepass")).hexdigest()
                rec["chars_out"] = len(res.text)
                rec["removed"] = [_removal_tuple(r) for r in res.removed]
                previews = []
                for i, r in enumerate(res.removed):
                    p = getattr(r, "preview", None) if not isinstance(r, dict) else r.get("preview")
                    if p is None and i < len(prov_rm) and isinstance(prov_rm[i], dict):
                        p = prov_rm[i].get("preview")
                    previews.append(p)
                rec["previews"] = previews
                rec["warnings"] = list(prov.get("warnings") or [])
                to = list(getattr(res, "timed_out", None) or [])
                if to:
                    rec["timed_out"] = to
                    timeouts += 1
                if "html_removals" in prov:
                    rec["html_removed"] = [
                        [h.get("rule"), h.get("action"), h.get("element"), h.get("line"), h.get("chars")]
                        for h in prov["html_removals"]
                    ]
                    rec["html_previews"] = [h.get("preview") for h in prov["html_removals"]]
                if rules_info is None:
                    rules_info = prov.get("rules")
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            n += 1
            if args.progress and n % args.progress == 0:
                print(f"engine_diff[{args.side}]: {n} documents", flush=True)
    meta = {
        "side": args.side,
        "python": sys.executable,
        "cleaner_file": str(cfile),
        "version": getattr(cleaner, "__version__", None),
        "rules_dir": rules_dir,
        "rules_sha256": hashlib.sha256(json.dumps(rules_info, sort_keys=True, default=str).encode()).hexdigest(),
        "rule_packs": _pack_digests(rules_info),
        "documents": n,
        "errors": errors,
        "timeouts": timeouts,
        "input_chars": chars,
        "load_cpu": load_cpu,
        "clean_cpu": clean_cpu,
        "clean_wall": time.perf_counter() - wall0,
        "input": input_signature(args),
    }
    Path(args.out + ".meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return 0


# ---------------------------------------------------------------------------------------------
# The parent


def side_command(python: str, side: str, root: Path, out: Path, args: argparse.Namespace) -> list[str]:
    cmd = [python, str(HERE), "--side", side, "--root", str(root), "--out", str(out)]
    for p in args.corpus or []:
        cmd += ["--corpus", str(Path(p).resolve())]
    for d in args.html_dir or []:
        cmd += ["--html-dir", str(Path(d).resolve())]
    if args.html_limit:
        cmd += ["--html-limit", str(args.html_limit)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    if args.match_timeout is not None:
        cmd += ["--match-timeout", str(args.match_timeout)]
    if args.progress:
        cmd += ["--progress", str(args.progress)]
    return cmd


def run_sides(jobs: list[tuple[str, list[str], Path, Path]], parallel: bool) -> dict[str, dict[str, Any]]:
    """Each job is (side, command, cwd, stderr file): a side's stderr (C++ logging included) goes to its file."""
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")  # same set/dict orders on both sides, run after run
    env.pop("PYTHONPATH", None)
    result: dict[str, dict[str, Any]] = {}

    def start(side: str, cmd: list[str], cwd: Path, err: Path) -> tuple[subprocess.Popen, float]:
        with open(err, "wb") as fh:
            return subprocess.Popen(cmd, cwd=cwd, env=env, stderr=fh), time.perf_counter()

    if parallel:
        procs = [(side, *start(side, cmd, cwd, err)) for side, cmd, cwd, err in jobs]
        for side, p, t in procs:
            result[side] = {"rc": p.wait(), "wall": time.perf_counter() - t}
    else:
        for side, cmd, cwd, err in jobs:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p, t = start(side, cmd, cwd, err)
            rc = p.wait()
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            result[side] = {"rc": rc, "wall": time.perf_counter() - t, "process_cpu": cpu}
    return result


def load(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _fmt_removal(t: tuple, preview: str | None) -> str:
    rule, action, start, end = t
    p = f"  {preview!r}" if preview else ""
    return f"{rule} {action} [{start}:{end}){p}"


def _fmt_html(t: tuple, preview: str | None) -> str:
    rule, action, element, line, chars = t
    p = f"  {preview!r}" if preview else ""
    return f"{rule} {action} <{element}> line {line}, {chars} chars{p}"


def _multiset_diff(old: list, new: list, old_prev: list, new_prev: list):
    """Old-only and new-only items (as multisets), each with a preview from its own side."""
    co, cn = Counter(map(tuple, old)), Counter(map(tuple, new))
    only_old, only_new = co - cn, cn - co
    pv_old = {tuple(t): p for t, p in zip(old, old_prev or [], strict=False)}
    pv_new = {tuple(t): p for t, p in zip(new, new_prev or [], strict=False)}
    oo = [(t, pv_old.get(t)) for t in sorted(only_old.elements(), key=lambda t: [str(x) for x in t])]
    nn = [(t, pv_new.get(t)) for t in sorted(only_new.elements(), key=lambda t: [str(x) for x in t])]
    return oo, nn


def compare(old: list[dict], new: list[dict], show: int, max_lines: int, max_rules: int) -> int:
    if len(old) != len(new):
        print(f"!! sides cleaned different numbers of documents: old {len(old)}, new {len(new)}")
    n = min(len(old), len(new))
    identical = 0
    differing: list[tuple[dict, dict]] = []
    kinds: Counter = Counter()
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # old-only, new-only, documents
    misaligned = 0
    for a, b in zip(old[:n], new[:n], strict=True):
        if a["id"] != b["id"]:
            misaligned += 1
        what = []
        if a.get("error") != b.get("error"):
            what.append("error")
        if a.get("sha256") != b.get("sha256"):
            what.append("text")
        if (a.get("removed") or []) != (b.get("removed") or []):
            what.append("removals")
        if (a.get("warnings") or []) != (b.get("warnings") or []):
            what.append("warnings")
        if (a.get("html_removed") or []) != (b.get("html_removed") or []):
            what.append("html-removals")
        if not what:
            identical += 1
            continue
        kinds.update(what)
        differing.append((a, b))
        touched = set()
        for key, pkey in (("removed", "previews"), ("html_removed", "html_previews")):
            oo, nn = _multiset_diff(a.get(key) or [], b.get(key) or [], a.get(pkey), b.get(pkey))
            for t, _ in oo:
                by_rule[t[0]][0] += 1
                touched.add(t[0])
            for t, _ in nn:
                by_rule[t[0]][1] += 1
                touched.add(t[0])
        for r in touched:
            by_rule[r][2] += 1

    print(f"documents compared: {n}")
    print(f"identical:          {identical}")
    print(
        f"differing:          {len(differing)}"
        + (f"  ({', '.join(f'{k} {v}' for k, v in kinds.most_common())})" if kinds else "")
    )
    if misaligned:
        print(f"!! {misaligned} documents have different ids at the same position: the inputs differ")
    if by_rule:
        print("\ndiffering removals by rule (old only / new only / documents):")
        rows = sorted(by_rule.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), kv[0]))
        width = min(60, max(len(str(r)) for r, _ in rows))
        for rule, (oo, nn, docs) in rows[:max_rules]:
            print(f"  {str(rule):<{width}}  {oo:>7}  {nn:>7}  {docs:>6}")
        if len(rows) > max_rules:
            print(f"  ... {len(rows) - max_rules} more rules")
        print(
            f"  {'total':<{width}}  {sum(v[0] for v in by_rule.values()):>7}  {sum(v[1] for v in by_rule.values()):>7}"
        )
    if differing:
        print(f"\nfirst {min(show, len(differing))} differing documents ('-' old only, '+' new only):")
    for a, b in differing[:show]:
        print(f"\n## {a['id']}" + (f"  (new id {b['id']})" if a["id"] != b["id"] else ""))
        if a.get("error") != b.get("error"):
            print(f"   error: old {a.get('error')!r}  new {b.get('error')!r}")
        if a.get("sha256") != b.get("sha256"):
            print(
                f"   text: old {str(a.get('sha256'))[:12]} ({a.get('chars_out')} chars)  "
                f"new {str(b.get('sha256'))[:12]} ({b.get('chars_out')} chars)"
            )
        lines = []
        for key, pkey, fmt in (("removed", "previews", _fmt_removal), ("html_removed", "html_previews", _fmt_html)):
            oo, nn = _multiset_diff(a.get(key) or [], b.get(key) or [], a.get(pkey), b.get(pkey))
            lines += [f"   - {fmt(t, p)}" for t, p in oo] + [f"   + {fmt(t, p)}" for t, p in nn]
        if (a.get("warnings") or []) != (b.get("warnings") or []):
            wo, wn = Counter(a.get("warnings") or []), Counter(b.get("warnings") or [])
            lines += [f"   - warning: {w}" for w in (wo - wn).elements()]
            lines += [f"   + warning: {w}" for w in (wn - wo).elements()]
            if wo == wn:
                lines.append("   warnings: same, in another order")
        if (a.get("removed") or []) != (b.get("removed") or []) and not any(
            ln.startswith(("   -", "   +")) for ln in lines
        ):
            lines.append("   removals: same set, in another order")
        for ln in lines[:max_lines]:
            print(ln)
        if len(lines) > max_lines:
            print(f"   ... {len(lines) - max_lines} more lines")
        if a.get("timed_out") or b.get("timed_out"):
            print(f"   timed out: old {a.get('timed_out') or []}  new {b.get('timed_out') or []}")
    if len(old) != len(new) or misaligned:
        return 1
    return 0 if not differing else 1


def print_timing(metas: dict[str, dict[str, Any]], runs: dict[str, dict[str, Any]]) -> None:
    print("\ntiming (CPU seconds; 'clean' is the cleaning calls only, 'process' the whole subprocess):")
    for side in ("old", "new"):
        m, r = metas.get(side) or {}, runs.get(side) or {}
        if not m:
            continue
        docs, cpu = m["documents"], m["clean_cpu"]
        mb = m["input_chars"] / 1e6
        rate = f"{docs / cpu:8.1f} docs/s, {mb / cpu:6.2f} M chars/s" if cpu > 0 else ""
        proc = (
            f"process {r['process_cpu']:7.2f}"
            if "process_cpu" in r
            else "process    (reused)"
            if r.get("reused")
            else "process  (parallel)"
        )
        print(
            f"  {side}: clean {cpu:7.2f}  load {m['load_cpu']:5.2f}  {proc}  wall {m['clean_wall']:7.2f}  "
            f"{rate}  errors {m['errors']}, docs with timeouts {m['timeouts']}"
        )
    if metas.get("old", {}).get("clean_cpu") and metas.get("new", {}).get("clean_cpu"):
        print(f"  new/old clean CPU: {metas['new']['clean_cpu'] / metas['old']['clean_cpu']:.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", default=str(OLD_ROOT / ".venv" / "bin" / "python"), help="old side's python")
    ap.add_argument("--new", default=sys.executable, help="new side's python (default: this one)")
    ap.add_argument("--old-root", type=Path, default=OLD_ROOT, help="old checkout (default /tmp/cleaner-old)")
    ap.add_argument("--new-root", type=Path, default=NEW_ROOT, help=f"new checkout (default {NEW_ROOT})")
    ap.add_argument("--corpus", action="append", help="JSONL with id, text, optional url, language (repeatable)")
    ap.add_argument("--html-dir", action="append", help="folder of *.html.gz pages (repeatable)")
    ap.add_argument("--html-limit", type=int, default=0, help="first N pages of each --html-dir")
    ap.add_argument("--limit", type=int, default=0, help="at most N documents in all")
    ap.add_argument(
        "--match-timeout",
        type=float,
        default=None,
        help="Cleaner(match_timeout=...); default the library's (a rule timing out on one side "
        "only shows up as a difference)",
    )
    ap.add_argument("--workdir", type=Path, help="where old.jsonl / new.jsonl go (default a new /tmp dir)")
    ap.add_argument("--old-results", type=Path, help="reuse an old side's JSONL from an earlier run")
    ap.add_argument("--parallel", action="store_true", help="run both sides at once (timings then less clean)")
    ap.add_argument("--show", type=int, default=20, help="differing documents to print (default 20)")
    ap.add_argument("--max-lines", type=int, default=12, help="diff lines per document (default 12)")
    ap.add_argument("--max-rules", type=int, default=40, help="rows of the by-rule table (default 40)")
    ap.add_argument("--progress", type=int, default=0, help="sides report every N documents")
    ap.add_argument("--side", choices=("old", "new"), help=argparse.SUPPRESS)
    ap.add_argument("--root", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.side:
        return run_side(args)
    if not args.corpus and not args.html_dir:
        ap.error("give --corpus or --html-dir")
    for p in args.corpus or []:
        if not Path(p).is_file():
            ap.error(f"no such corpus: {p}")
    for d in args.html_dir or []:
        if not Path(d).is_dir():
            ap.error(f"no such folder: {d}")

    for name, python in (("--old", None if args.old_results else args.old), ("--new", args.new)):
        if python and not (Path(python).is_file() or shutil.which(python)):
            ap.error(f"{name}: no such interpreter: {python}")
    if args.old_results and not args.old_results.is_file():
        ap.error(f"no such file: {args.old_results}")

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="engine-diff-"))
    workdir.mkdir(parents=True, exist_ok=True)
    old_out, new_out = workdir / "old.jsonl", workdir / "new.jsonl"
    jobs = []
    runs: dict[str, dict[str, Any]] = {}
    if args.old_results:
        old_out = args.old_results
        runs["old"] = {"rc": 0, "reused": True}
    else:
        root = args.old_root.resolve()
        jobs.append(("old", side_command(args.old, "old", root, old_out, args), root, workdir / "old.stderr"))
    root = args.new_root.resolve()
    jobs.append(("new", side_command(args.new, "new", root, new_out, args), root, workdir / "new.stderr"))
    runs.update(run_sides(jobs, args.parallel))
    for side, _, _, err in jobs:
        lines = err.read_text(encoding="utf-8", errors="replace").splitlines()
        if runs[side]["rc"] != 0:
            print(f"{side} side failed (exit {runs[side]['rc']}); the end of {err}:", file=sys.stderr)
            print("\n".join(lines[-30:]), file=sys.stderr)
        elif lines:
            print(f"({side} side wrote {len(lines)} lines to stderr: {err})")
    if any(r["rc"] != 0 for r in runs.values()):
        return 2
    metas = {s: json.loads(Path(str(p) + ".meta.json").read_text()) for s, p in (("old", old_out), ("new", new_out))}
    for s in ("old", "new"):
        m = metas[s]
        print(f"{s}: {m['cleaner_file']} (version {m['version']}, rules {m['rules_dir']}, {m['python']})")
    if metas["old"]["input"] != metas["new"]["input"]:
        print(f"!! the sides read different inputs: old {metas['old']['input']}  new {metas['new']['input']}")
    if metas["old"]["rules_sha256"] != metas["new"]["rules_sha256"]:
        po, pn = metas["old"].get("rule_packs") or {}, metas["new"].get("rule_packs") or {}
        changed = sorted(k for k in po.keys() | pn.keys() if po.get(k) != pn.get(k))
        print(
            "!! the rule packs differ, so removals may differ for that reason too: "
            + (
                ", ".join(changed[:10]) + (f" and {len(changed) - 10} more" if len(changed) > 10 else "")
                if changed
                else "(the provenance 'rules' blocks differ)"
            )
        )
    print()
    rc = compare(load(old_out), load(new_out), args.show, args.max_lines, args.max_rules)
    print_timing(metas, runs)
    print(f"\nresults: {old_out}  {new_out}  (reuse the old side with --old-results {old_out})")
    return rc


if __name__ == "__main__":
    sys.exit(main())
