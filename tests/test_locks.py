"""One run per output, and --resume only on the inputs the killed run read (issue 15)."""

from __future__ import annotations

import json
import subprocess
import sys

from cleaner.batch import OutputLock
from tests.helpers import invoke, read_jsonl
from tests.test_resume import Interrupt, make_input


def hold_lock_in_another_process(lock_path) -> subprocess.Popen:
    code = ("import sys; from filelock import FileLock; l = FileLock(sys.argv[1]); l.acquire(); "
            "print('held', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(lock_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_on_the_same_output_fails_at_once(tmp_path):
    src = make_input(tmp_path / "in.jsonl", 30)
    out = tmp_path / "o.jsonl"
    (tmp_path / "o.jsonl.tmp").write_text("the other run's work", encoding="utf-8")
    holder = hold_lock_in_another_process(tmp_path / "o.jsonl.lock")
    try:
        for extra in ([], ["--resume"]):
            res = invoke("clean", str(src), "-o", str(out), "-w", "1", *extra)
            assert res.exit_code == 2, res.stderr
            assert "another cleaner run is writing" in res.stderr and "Traceback" not in res.stderr
        # Nothing of the other run's was touched.
        assert (tmp_path / "o.jsonl.tmp").read_text(encoding="utf-8") == "the other run's work"
        assert not out.exists()
    finally:
        holder.communicate("")
    # Once it has ended, the output is free; a finished run leaves no lock file behind.
    assert invoke("clean", str(src), "-o", str(out), "-w", "1", "-q").exit_code == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.jsonl", "o.jsonl", "o.jsonl.errors.jsonl", "o.jsonl.manifest.json"]


def test_the_lock_is_released_when_a_run_stops(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 60)
    out = tmp_path / "o.jsonl"
    Interrupt(monkeypatch, at=30)
    assert invoke("clean", str(src), "-o", str(out), "-w", "1", "--checkpoint-every", "10").exit_code == 130
    monkeypatch.undo()
    lock = OutputLock(out)
    lock.acquire()  # free again
    lock.release()
    assert not (tmp_path / "o.jsonl.lock").exists()


def killed_run(tmp_path, monkeypatch, src, at: int = 95):
    out = tmp_path / "o.jsonl"
    args = ["clean", str(src), "-o", str(out), "-w", "1", "--checkpoint-every", "10"]
    Interrupt(monkeypatch, at=at)
    assert invoke(*args).exit_code == 130
    monkeypatch.undo()
    return out, args


def test_resume_refuses_a_changed_input_with_the_same_path_and_count(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 120)
    out, args = killed_run(tmp_path, monkeypatch, src)
    ckpt = tmp_path / "o.jsonl.checkpoint.json"
    before = (ckpt.read_bytes(), (tmp_path / "o.jsonl.tmp").read_bytes())
    lines = src.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("harbour", "harbor")  # same size? no matter: same path, same count
    lines[6] = lines[6].replace("about", "abut ")
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = invoke(*args, "--resume")
    assert res.exit_code == 2, res.stderr
    assert "cannot resume" in res.stderr and "Traceback" not in res.stderr
    # The checkpoint and what it covers are kept: a resume with the right inputs can still go on.
    size = json.loads(before[0])["writers"]["output"]["size"]
    assert ckpt.read_bytes() == before[0] and (tmp_path / "o.jsonl.tmp").read_bytes() == before[1][:size]
    assert not out.exists()


def test_resume_refuses_a_same_size_edit_in_the_part_already_done(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 120)
    _, args = killed_run(tmp_path, monkeypatch, src)
    data = src.read_bytes()
    i = data.index(b"Paragraph 3 ")
    src.write_bytes(data[:i] + b"Paragraph 9 " + data[i + 12:])  # same size, same count, other text
    res = invoke(*args, "--resume")
    assert res.exit_code == 2 and "are not the ones the killed run read" in res.stderr


def test_resume_refuses_a_file_added_to_an_input_folder(tmp_path, monkeypatch):
    d = tmp_path / "in"
    d.mkdir()
    make_input(d / "a.jsonl", 60)
    make_input(d / "c.jsonl", 60)
    _, args = killed_run(tmp_path, monkeypatch, d, at=75)
    make_input(d / "b.jsonl", 50)
    res = invoke(*args, "--resume")
    assert res.exit_code == 2 and "input files, or their sizes" in res.stderr


def test_resume_of_unchanged_inputs_still_goes_on(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 120)
    out, args = killed_run(tmp_path, monkeypatch, src)
    state = json.loads((tmp_path / "o.jsonl.checkpoint.json").read_text(encoding="utf-8"))
    assert state["inputs"]["done"] == state["done"] == 90 and len(state["inputs"]["read"]) == 64
    res = invoke(*args, "--resume", "-q")
    assert res.exit_code == 1
    assert len(read_jsonl(out)) + len(read_jsonl(tmp_path / "o.jsonl.errors.jsonl")) == 120


def test_text_output_into_a_non_empty_folder_is_refused(tmp_path, monkeypatch):
    src = make_input(tmp_path / "in.jsonl", 40)
    out = tmp_path / "txt"
    args = ["clean", str(src), "-o", str(out), "--format", "text", "-w", "1", "-q"]
    assert invoke(*args).exit_code == 1
    n = len(list(out.iterdir()))
    res = invoke(*args)
    assert res.exit_code == 2 and "is not empty" in res.stderr
    assert len(list(out.iterdir())) == n
    # An empty folder is fine, and so is --resume of a killed run.
    out2 = tmp_path / "txt2"
    out2.mkdir()
    Interrupt(monkeypatch, at=25)
    assert invoke(*args[:3], str(out2), *args[4:], "--checkpoint-every", "10").exit_code == 130
    monkeypatch.undo()
    assert invoke(*args[:3], str(out2), *args[4:], "--checkpoint-every", "10", "--resume").exit_code == 1
    assert sorted(p.name for p in out2.iterdir()) == sorted(p.name for p in out.iterdir())


def test_an_output_that_cannot_be_written_is_a_usage_error(tmp_path):
    src = make_input(tmp_path / "in.jsonl", 5)
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    res = invoke("clean", str(src), "-o", str(tmp_path / "a-file" / "o.jsonl"), "-w", "1")
    assert res.exit_code == 2 and "cannot write the output" in res.stderr
