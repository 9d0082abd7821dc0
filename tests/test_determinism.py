"""What a document gives, and whether a pack loads, depend on the input, the rules and the version
alone: not on machine load, not on the clock."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

from cleaner import Cleaner
from cleaner.rules.ruleset import RuleSet
from tests.conftest import ROOT, seed_dirs

# One job: load the bundled packs from scratch, clean every seed, print the records.
_JOB = """
import json, sys
from pathlib import Path
from cleaner import Cleaner
c = Cleaner()
for p in sys.argv[1:]:
    r = c.clean_text(Path(p).read_text(encoding="utf-8"), id=Path(p).stem)
    print(json.dumps(r.to_record(), sort_keys=True, ensure_ascii=False))
"""

_BUSY = "import time\nend = time.monotonic() + {seconds}\nwhile time.monotonic() < end:\n    pass\n"


def _inputs() -> list[str]:
    files = [str(p) for inp, _ in seed_dirs() for p in sorted(inp.glob("*.txt"))]
    assert files
    return files


def _run_job(files: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _JOB, *files], capture_output=True, text=True, cwd=ROOT,
                          timeout=600)


def test_bundled_packs_load_and_clean_byte_identically_under_cpu_load():
    files = _inputs()
    quiet = _run_job(files)
    assert quiet.returncode == 0, quiet.stderr
    # Five busy processes on a two-core machine (load average 5+), each ending by itself.
    busy = [subprocess.Popen([sys.executable, "-c", _BUSY.format(seconds=180)]) for _ in range(5)]
    try:
        time.sleep(1.0)  # let the load build up before the first try
        for attempt in range(2):
            loaded = _run_job(files)
            assert loaded.returncode == 0, f"try {attempt + 1} under load: {loaded.stderr[-2000:]}"
            assert loaded.stdout == quiet.stdout, f"try {attempt + 1} under load gave different records"
    finally:
        for p in busy:
            p.kill()
            p.wait()


def test_a_hundred_times_slower_clock_changes_nothing(monkeypatch):
    files = _inputs()
    texts = [Path(p).read_text(encoding="utf-8") for p in files]
    chrome = "Share this:\nLeave a Reply\nYour email address will not be published."
    texts.append("Intro.\n" + "a" * 20000 + "!\n" + chrome)

    def records(c: Cleaner) -> list[str]:
        return [json.dumps(c.clean_text(t, id=str(i)).to_record(), sort_keys=True) for i, t in enumerate(texts)]

    normal = records(Cleaner())
    for name in ("time", "monotonic", "perf_counter", "process_time", "thread_time"):
        real = getattr(time, name)
        start = real()
        monkeypatch.setattr(time, name, lambda real=real, start=start: start + 100 * (real() - start))
        ns = getattr(time, name + "_ns", None)
        if ns is not None:
            start_ns = ns()
            monkeypatch.setattr(time, name + "_ns", lambda ns=ns, start_ns=start_ns: start_ns + 100 * (ns() - start_ns))
    slow = Cleaner(ruleset=RuleSet.load())  # packs compiled again while the clock runs slow
    assert records(slow) == normal


def test_no_matching_code_passes_a_time_limit():
    # The engine's answers may not depend on seconds: no regex call in the package takes a timeout.
    offenders = []
    for path in sorted((ROOT / "cleaner").rglob("*.py")):
        if "evaluation" in path.parts:
            continue  # the evaluation harness times whole third-party extractors, not rules
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and any(k.arg == "timeout" for k in node.keywords):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_pack_cache_cold_warm_corrupt_and_off_give_the_same_records(tmp_path, monkeypatch):
    from cleaner.rules import cache

    files = _inputs()
    texts = [Path(p).read_text(encoding="utf-8") for p in files]

    def records() -> list[str]:
        c = Cleaner(ruleset=RuleSet.load())
        return [json.dumps(c.clean_text(t, id=str(i)).to_record(), sort_keys=True) for i, t in enumerate(texts)]

    monkeypatch.setenv("CLEANER_CACHE_DIR", "")
    off = records()
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path))
    cold = records()
    (entry,) = tmp_path.glob("packs-*.pickle")
    warm = records()
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])  # a torn write
    torn = records()
    assert off == cold == warm == torn
    assert entry.stat().st_size > 1000  # written again, whole
    # A changed pack is a new key: the old entry is never read for it.
    sources = RuleSet.load().sources
    changed = [*sources[:-1], cache.PackSource(sources[-1].path, sources[-1].text + "\n# edited\n")]
    assert cache.cache_key(changed) != cache.cache_key(sources)
