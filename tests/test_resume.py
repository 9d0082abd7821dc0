"""Killed and interrupted runs: no output that looks complete, and ``--resume`` continues from
the checkpoint with no duplicates and no gaps: the result equals an uninterrupted run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from cleaner import batch
from tests.helpers import invoke, read_jsonl


def make_input(path: Path, n: int) -> Path:
    """n JSONL lines: mostly documents, some broken lines and records without text."""
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            if i % 97 == 13:
                f.write("{not json\n")
            elif i % 89 == 7:
                f.write(json.dumps({"id": f"d{i}", "body": "no text"}) + "\n")
            else:
                f.write(json.dumps({"id": f"d{i}", "text": f"Paragraph {i} about the harbour.\nShare Button\n"
                                    f"Closing line {i}.", "n": i}) + "\n")
    return path


def outputs(out: Path) -> tuple[list, list]:
    errors = out.with_name(out.name + ".errors.jsonl")
    if out.suffix == ".parquet":
        recs = pq.read_table(out).to_pylist()
    elif out.is_dir():
        recs = sorted((p.name, p.read_text(encoding="utf-8")) for p in out.iterdir())
    else:
        recs = read_jsonl(out)
    return recs, read_jsonl(errors) if errors.exists() else []


def test_sigkill_part_way_then_resume(tmp_path):
    """A real kill (SIGKILL of the process group, workers included) in the middle of a run with
    two workers and gzip output, bytes of a write cut short after the checkpoint, then --resume."""
    n = 2000
    src = make_input(tmp_path / "in.jsonl", n)
    ref = tmp_path / "ref.jsonl.gz"
    assert invoke("clean", str(src), "-o", str(ref), "-q", "-w", "1").exit_code == 1
    out = tmp_path / "out.jsonl.gz"
    ckpt = tmp_path / "out.jsonl.gz.checkpoint.json"
    cmd = [sys.executable, "-m", "cleaner", "clean", str(src), "-o", str(out), "--checkpoint-every", "50"]
    proc = subprocess.Popen([*cmd, "-q", "-w", "2"], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    done = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            done = json.loads(ckpt.read_text(encoding="utf-8"))["done"]
        except (OSError, ValueError):
            done = 0
        if done >= 200:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert 200 <= done < n
    # Nothing that looks complete: only the .tmp files and the checkpoint.
    assert not out.exists() and not (tmp_path / "out.jsonl.gz.errors.jsonl").exists()
    tmp = tmp_path / "out.jsonl.gz.tmp"
    assert tmp.exists()
    with open(tmp, "ab") as f:  # a write cut short by the kill, after the last checkpoint
        f.write(b"\x1f\x8b\x08\x00 half a gzip member")
    resumed = invoke(*cmd[3:], "--resume", "-w", "1")  # in this process: the same command, without the start-up
    assert resumed.exit_code == 1, resumed.stderr
    assert "resuming:" in resumed.stderr
    assert outputs(out) == outputs(ref)
    recs, errs = outputs(out)
    assert len(recs) + len(errs) == n and len({r["id"] for r in recs}) == len(recs)
    assert not tmp.exists() and not ckpt.exists()


class Interrupt:
    """Make the n-th document's cleaning raise KeyboardInterrupt (Ctrl-C), once."""

    def __init__(self, monkeypatch, at: int):
        self.calls = 0
        self.at = at
        self.real = batch.process
        monkeypatch.setattr(batch, "process", self)

    def __call__(self, cleaner, item):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.real(cleaner, item)


@pytest.mark.parametrize("target", ["o.jsonl.zst", "o.parquet", "txt"])
def test_interrupted_run_resumes_in_every_output_format(tmp_path, monkeypatch, target):
    src = make_input(tmp_path / "in.jsonl", 400)
    extra = ["--format", "text"] if target == "txt" else []
    ref = tmp_path / "ref" / target
    args = ["clean", str(src), "-w", "1", "--checkpoint-every", "25", *extra]
    assert invoke(*args, "-o", str(ref), "-q").exit_code == 1
    out = tmp_path / "run" / target
    Interrupt(monkeypatch, at=137)
    res = invoke(*args, "-o", str(out))
    assert res.exit_code == 130
    assert "interrupted" in res.stderr and "--resume" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    state = json.loads((tmp_path / "run" / f"{target}.checkpoint.json").read_text(encoding="utf-8"))
    assert state["done"] == 125
    # Leftovers of work done after the checkpoint, which --resume must drop.
    if target == "o.parquet":
        (tmp_path / "run" / "o.parquet.parts.tmp" / "part-000099.parquet").write_bytes(b"stray")
    elif target == "txt":
        (tmp_path / "run" / "txt.tmp" / "stray.txt").write_text("written after the checkpoint")
    else:
        with open(tmp_path / "run" / "o.jsonl.zst.tmp", "ab") as f:
            f.write(b"(\xb5/\xfd cut")
    monkeypatch.undo()
    res = invoke(*args, "-o", str(out), "--resume")
    assert res.exit_code == 1, res.stderr
    assert "resuming: 125 documents" in res.stderr
    assert "check: 400 documents in" in res.stderr and "(125 of them done before --resume)" in res.stderr
    assert outputs(out) == outputs(ref)
    manifest = f"{target}.manifest.json"
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == sorted([target, f"{target}.errors.jsonl",
                                                                           manifest])
    # The resumed run's manifest, counts included, is the uninterrupted run's.
    assert (tmp_path / "run" / manifest).read_bytes() == (tmp_path / "ref" / manifest).read_bytes()


def test_fresh_run_ignores_a_stale_checkpoint_and_resume_checks_options(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 120)
    out = tmp_path / "o.jsonl"
    args = ["clean", str(src), "-o", str(out), "-w", "1", "--checkpoint-every", "10"]
    Interrupt(monkeypatch, at=55)
    assert invoke(*args).exit_code == 130
    monkeypatch.undo()
    ckpt = tmp_path / "o.jsonl.checkpoint.json"
    assert json.loads(ckpt.read_text())["done"] == 50
    # Other options than the killed run's: refused, and nothing is touched.
    res = invoke(*args, "--resume", "--max-removed-share", "0.5")
    assert res.exit_code == 2 and "other inputs or options" in res.stderr
    assert ckpt.exists() and not out.exists()
    # Without --resume: a fresh start that ignores (and removes) the checkpoint.
    assert invoke(*args, "-q").exit_code == 1
    assert not ckpt.exists() and len(read_jsonl(out)) + len(read_jsonl(tmp_path / "o.jsonl.errors.jsonl")) == 120
    # --resume with no checkpoint: starts from the beginning, says so.
    res = invoke(*args, "--resume")
    assert res.exit_code == 1 and "starting from the beginning" in res.stderr


def test_resume_refuses_inputs_that_shrank_and_starts_over_when_files_are_gone(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 120)
    out = tmp_path / "o.jsonl"
    args = ["clean", str(src), "-o", str(out), "-w", "1", "--checkpoint-every", "10"]
    Interrupt(monkeypatch, at=95)
    assert invoke(*args).exit_code == 130
    monkeypatch.undo()
    lines = src.read_text(encoding="utf-8").splitlines()[:40]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke(*args, "--resume")
    assert res.exit_code == 2 and "cannot resume" in res.stderr and "Traceback" not in res.stderr
    # The .tmp output gone: the checkpoint cannot be used, the run starts over.
    make_input(src, 120)
    Interrupt(monkeypatch, at=95)
    assert invoke(*args).exit_code == 130
    monkeypatch.undo()
    (tmp_path / "o.jsonl.tmp").unlink()
    res = invoke(*args, "--resume")
    assert res.exit_code == 1 and "cannot resume" in res.stderr and "starting from the beginning" in res.stderr
    assert len(read_jsonl(out)) + len(read_jsonl(tmp_path / "o.jsonl.errors.jsonl")) == 120


def test_resume_needs_an_output_file(tmp_path):
    (tmp_path / "a.txt").write_text("A.", encoding="utf-8")
    res = invoke("clean", str(tmp_path / "a.txt"), "--resume")
    assert res.exit_code == 2 and "stdout cannot be resumed" in res.stderr


def test_resume_skips_one_file_documents_without_reading_them(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(30):
        (folder / f"{i:03d}.txt").write_text(f"Text {i}.\nShare Button\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    args = ["clean", str(folder), "-o", str(out), "-w", "1", "--checkpoint-every", "10"]
    Interrupt(monkeypatch, at=25)
    assert invoke(*args).exit_code == 130
    monkeypatch.undo()
    opened: list[str] = []
    from cleaner.readers import text as text_reader

    real = text_reader.open_counted

    def spy(path, stats=None):
        opened.append(Path(path).name)
        return real(path, stats)

    monkeypatch.setattr(text_reader, "open_counted", spy)
    assert invoke(*args, "--resume", "-q").exit_code == 0
    assert opened == [f"{i:03d}.txt" for i in range(20, 30)]
    assert [r["id"] for r in read_jsonl(out)] == [f"{i:03d}" for i in range(30)]
