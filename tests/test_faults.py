"""Fault injection (issue 15): a run stopped at every phase (cleaner/faults.py), then
``--resume``, gives exactly the bytes of an uninterrupted run, in every output format; no
duplicates, no gaps, and no output file that looks complete while it is not.

Most cases raise at the hook in this process (fast); a few SIGKILL a real process, and the
worker cases kill worker processes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import Cleaner, faults
from cleaner.batch import Summary, WorkerError, outcomes
from cleaner.readers.discover import iter_documents
from tests.helpers import invoke, read_jsonl
from tests.test_resume import make_input

N = 240
TARGETS = {"jsonl": "o.jsonl", "gz": "o.jsonl.gz", "zst": "o.jsonl.zst", "parquet": "o.parquet", "text": "txt"}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, by relative path: what a run leaves behind."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def args_for(src: Path, out: Path, target: str) -> list[str]:
    extra = ["--format", "text"] if target == "text" else []
    return ["clean", str(src), "-o", str(out), "-w", "1", "--checkpoint-every", "25", "-q", *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> dict:
    """An uninterrupted run per output format: what every faulted-and-resumed run must equal.
    Every run reads the same input path (records name it), and writes to its own folder."""
    base = tmp_path_factory.mktemp("ref")
    src = make_input(base / "in.jsonl", N)
    refs: dict = {"src": src}
    for key, target in TARGETS.items():
        d = base / key
        d.mkdir()
        assert invoke(*args_for(src, d / target, key)).exit_code == 1
        refs[key] = snapshot(d)
    return refs


def check_same(run: Path, ref: dict[str, bytes]) -> None:
    got = snapshot(run)
    assert got == ref
    ids = [r["id"] for name in got if name.endswith((".jsonl", ".jsonl.gz", ".jsonl.zst"))
           for r in read_jsonl(run / name)]
    assert len(ids) == len(set(ids))  # no duplicates
    if any(name.startswith("o.jsonl") and "errors" not in name for name in got):
        assert len(ids) == N  # no gaps: every input once, as a record or an error record


# (phase, arrival): each a point where the run is made to fail once.
CASES = [
    ("read", 140),  # past the 5th checkpoint
    ("write-record", 60),
    ("write-error", 3),
    ("flush", 4),  # the writers about to flush for the 4th checkpoint
    ("checkpoint", 4),  # the 4th checkpoint written but not yet in place
    ("rename", 1),  # the finished errors file about to be renamed
    ("rename", 2),  # the errors file renamed, the output not yet
]


@pytest.mark.parametrize("phase,at", CASES, ids=[f"{p}-{a}" for p, a in CASES])
@pytest.mark.parametrize("fmt", list(TARGETS))
def test_fault_at_each_phase_then_resume_gives_the_same_bytes(tmp_path, reference, fmt, phase, at):
    run = tmp_path / "run"
    run.mkdir()
    src = reference["src"]
    out = run / TARGETS[fmt]
    args = args_for(src, out, fmt)
    faults.arm(phase, "raise", at)
    try:
        res = invoke(*args)
    finally:
        faults.disarm()
    assert res.exit_code == 3, res.stderr
    assert "injected fault" in res.stderr and "Traceback" not in res.stderr
    left = snapshot(run)
    # Nothing that looks complete: no output (the errors file, renamed first, may be there already).
    assert not out.exists()
    for name, data in left.items():
        if not (".tmp" in name or name.endswith(".checkpoint.json")):
            assert reference[fmt].get(name) == data, name
    res = invoke(*args, "--resume")
    assert res.exit_code == 1, res.stderr
    check_same(run, reference[fmt])


def test_interrupt_at_a_write_then_resume(tmp_path, reference):
    run = tmp_path / "run"
    run.mkdir()
    src = reference["src"]
    args = args_for(src, run / "o.jsonl.gz", "gz")
    faults.arm("write-record", "interrupt", 101)
    try:
        assert invoke(*args).exit_code == 130
    finally:
        faults.disarm()
    assert invoke(*args, "--resume").exit_code == 1
    check_same(run, reference["gz"])


def cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cleaner", *args], capture_output=True, text=True,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.mark.parametrize("fmt,phase,at", [("gz", "checkpoint", 3), ("jsonl", "rename", 2), ("text", "rename", 2)])
def test_sigkill_at_a_phase_then_resume(tmp_path, reference, fmt, phase, at):
    run = tmp_path / "run"
    run.mkdir()
    src = reference["src"]
    args = args_for(src, run / TARGETS[fmt], fmt)
    proc = cli(*args, env={faults.ENV: f"{phase}:kill:{at}"})
    assert proc.returncode == -9
    res = invoke(*args, "--resume")
    assert res.exit_code == 1, res.stderr
    check_same(run, reference[fmt])


# ---- workers ----


@pytest.mark.parametrize("spec", ["worker-start:kill:1", "worker-chunk:kill:2"])
def test_a_worker_killed_at_start_or_mid_chunk_loses_nothing(tmp_path, reference, spec):
    run = tmp_path / "run"
    run.mkdir()
    src = reference["src"]
    args = [*args_for(src, run / "o.jsonl", "jsonl")]
    args[args.index("-w") + 1] = "2"
    args.remove("-q")
    proc = cli(*args, env={faults.ENV: spec, faults.ONCE_ENV: str(tmp_path / "once")})
    assert proc.returncode == 1, proc.stderr
    assert "worker processes died 1 time: their chunks were cleaned again" in proc.stderr
    assert f"check: {N} documents in" in proc.stderr
    check_same(run, reference["jsonl"])


def test_what_a_worker_is_started_with_fits_in_a_pipe(tmp_path, monkeypatch):
    """The hang of a worker killed as it starts: the parent writes a new process's arguments
    into a pipe, and blocks for ever once the pipe (64 KiB) is full and nobody reads. The
    rules (half a megabyte pickled) go through a file; the arguments must stay small."""
    import pickle

    from cleaner import batch

    seen: list = []
    real = batch.ProcessPoolExecutor

    def spy(*args, **kwargs):
        seen.append(kwargs["initargs"])
        return real(*args, **kwargs)

    monkeypatch.setattr(batch, "ProcessPoolExecutor", spy)
    src = make_input(tmp_path / "in.jsonl", 100)
    cleaner = Cleaner()
    assert len(pickle.dumps(cleaner)) > 1 << 16  # what used to go through the pipe
    assert len(list(outcomes(iter_documents([str(src)]), cleaner, workers=2))) == 100
    assert seen and all(len(pickle.dumps(a[:2])) < 4096 for a in seen)  # the event travels as a handle


def test_a_worker_that_cannot_load_the_rules_stops_the_run(tmp_path, reference):
    run = tmp_path / "run"
    run.mkdir()
    src = reference["src"]
    args = args_for(src, run / "o.jsonl", "jsonl")
    args[args.index("-w") + 1] = "2"
    proc = cli(*args, env={faults.ENV: "worker-start:raise:1"})
    assert proc.returncode == 3
    assert "a worker process could not load the rules" in proc.stderr and "Traceback" not in proc.stderr
    assert not (run / "o.jsonl").exists()
    assert invoke(*args, "--resume").exit_code == 1  # the cause gone, the run goes on
    check_same(run, reference["jsonl"])


class PoisonCleaner(Cleaner):
    """Kills the worker process that cleans document ``d37`` (a document that crashes its process)."""

    def clean(self, doc):
        if doc.id == "d37" and os.environ.get("CLEANER_TEST_POISON"):
            os._exit(7)
        return super().clean(doc)


def test_a_document_that_kills_its_worker_is_one_error_record(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_TEST_POISON", "1")  # workers only: this process never cleans here
    src = make_input(tmp_path / "in.jsonl", 200)
    s = Summary()
    # No rules: a worker starts in a blink, and this test starts five pools.
    got = list(outcomes(iter_documents([str(src)]), PoisonCleaner(default_rules=False), workers=2, summary=s))
    assert len(got) == 200
    crashed = [o.error for o in got if o.error and o.error["error"] == "worker-crashed"]
    assert [e["id"] for e in crashed] == ["d37"] and "died" in crashed[0]["message"]
    monkeypatch.delenv("CLEANER_TEST_POISON")
    ref = list(outcomes(iter_documents([str(src)]), Cleaner(default_rules=False), workers=1))
    assert [o.record for o in got if o.record] == [o.record for o in ref if o.record and o.record["id"] != "d37"]
    assert s.worker_restarts >= 3


def test_workers_that_die_as_they_start_stop_the_run(tmp_path, monkeypatch):
    monkeypatch.setenv(faults.ENV, "worker-start:kill:1")  # every worker, every time
    src = make_input(tmp_path / "in.jsonl", 100)
    with pytest.raises(WorkerError, match="died as they started, 3 times"):
        list(outcomes(iter_documents([str(src)]), Cleaner(default_rules=False), workers=2))


def test_fault_points_do_nothing_unless_armed_and_refuse_bad_specs():
    for phase in faults.PHASES:
        faults.point(phase)
    with pytest.raises(ValueError, match="not PHASE:ACTION:N"):
        faults.arm("nowhere", "raise")
    faults.arm("read", "raise", 2)
    try:
        faults.point("read")
        with pytest.raises(faults.InjectedFault):
            faults.point("read")
        faults.point("read")  # once only
    finally:
        faults.disarm()


def test_every_test_docs_reliability_names_exists():
    """docs/reliability.md names the test behind each promise: each one must be there."""
    import re

    from tests.conftest import ROOT

    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = re.findall(r"`(tests/(?:\w+/)*test_\w+\.py)(?:::(\w+))?`", doc)
    assert len(named) > 40
    for path, name in named:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert not name or re.search(rf"^def {name}\(", source, re.M), f"{path}::{name}"
