"""Start-up: wall time of whole commands on one small file, as a user pays it.

    python bench/startup.py [--repeat 5]

Times, best and median of --repeat runs each, in fresh processes:
  1. `python -c "import cleaner"` (imports only);
  2. `python -c "from cleaner import Cleaner; Cleaner()"` (imports + loading and compiling the bundled packs);
  3. `cleaner clean fixtures/seeds/input/<one seed> -q -o <tmp>` end to end, warm pack cache;
  4. the same with a cold pack cache (a new empty CLEANER_CACHE_DIR for every run: what the
     first run after an install or a pack change pays);
  5. `trafilatura --version` for scale, when the trafilatura CLI is installed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], repeat: int, cold: bool = False) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "CLEANER_CACHE_DIR": cache} if cold else None
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT, env=env)
            times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    seed = sorted((ROOT / "fixtures" / "seeds" / "input").glob("*.txt"))[0]
    cli = shutil.which("cleaner") or ""
    with tempfile.TemporaryDirectory() as tmp:
        clean = [cli or sys.executable, *([] if cli else ["-m", "cleaner"]), "clean", str(seed), "-q", "-o",
                 os.path.join(tmp, "out.jsonl")]
        rows = [
            ("import cleaner", [sys.executable, "-c", "import cleaner"], False),
            ("Cleaner() with the bundled packs", [sys.executable, "-c", "from cleaner import Cleaner; Cleaner()"],
             False),
            (f"cleaner clean {seed.name} (one 2 kB file), warm pack cache", clean, False),
            (f"cleaner clean {seed.name}, cold pack cache", clean, True),
        ]
        if shutil.which("trafilatura"):
            rows.append(("trafilatura --version", ["trafilatura", "--version"], False))
        print(f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"load {os.getloadavg()[0]:.2f}")
        print(f"| command | best s | median s |  (of {args.repeat})\n| --- | ---: | ---: |")
        subprocess.run(clean, check=True, capture_output=True, cwd=ROOT)  # warm the cache
        for name, cmd, cold in rows:
            best, med = timed(cmd, args.repeat, cold)
            print(f"| {name} | {best:.2f} | {med:.2f} |")


if __name__ == "__main__":
    main()
