"""Peak memory of `cleaner clean` on a large JSONL file (streaming: it must not grow with the input).

Samples the cleaner process and all its worker processes every 0.2 s from /proc (Linux) and
reports the peak of the sum of their PSS (proportional set size: a page shared by k processes,
such as the code of libpython, lxml or RE2, counts 1/k in each, so the sum is the physical memory
the run holds), the peak of the sum of their RSS (which counts every shared page once per process,
an upper bound), and the largest single process's RSS.

    python bench/corpus.py --mb 1000 --out /tmp/corpus-1gb.jsonl
    python bench/memory.py /tmp/corpus-1gb.jsonl [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            kids = Path(f"/proc/{p}/task/{p}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(k) for k in kids)
    return out


def _proc_mb(path: str, key: str) -> float:
    """A ``key: N kB`` field of a /proc file, in MB (0 when the process has gone)."""
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rss_mb(pid: int) -> float:
    return _proc_mb(f"/proc/{pid}/status", "VmRSS:")


def _pss_mb(pid: int) -> float:
    return _proc_mb(f"/proc/{pid}/smaps_rollup", "Pss:")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    size = args.corpus.stat().st_size / 1e6
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [sys.executable, "-m", "cleaner", "clean", str(args.corpus), "-o", str(out),
               "--workers", str(args.workers), "--quiet"]
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd)
        peak_sum = peak_one = peak_pss = 0.0
        while proc.poll() is None:
            pids = _tree(proc.pid)
            rss = [_rss_mb(p) for p in pids]
            peak_sum, peak_one = max(peak_sum, sum(rss)), max(peak_one, max(rss, default=0.0))
            peak_pss = max(peak_pss, sum(_pss_mb(p) for p in pids))
            time.sleep(0.2)
        secs = time.perf_counter() - t0
        out_mb = out.stat().st_size / 1e6 if out.exists() else 0.0
    print(f"input {size:.0f} MB, output {out_mb:.0f} MB, {args.workers} workers, exit {proc.returncode}, {secs:.0f} s "
          f"({size / secs:.2f} MB/s)")
    print(f"peak PSS: {peak_pss:.0f} MB all processes together (physical memory, shared pages split)")
    print(f"peak RSS: {peak_sum:.0f} MB all processes together (shared pages counted in each), "
          f"{peak_one:.0f} MB the largest single process")


if __name__ == "__main__":
    main()
