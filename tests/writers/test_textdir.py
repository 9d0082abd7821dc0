"""The text-folder output: one .txt file a record, its name safe from hostile ids."""

from __future__ import annotations

import json

from cleaner.writers.textdir import TextDirWriter, safe_name
from tests.helpers import invoke


def test_text_folder_names_are_safe_from_hostile_ids(tmp_path):
    hostile = ["../../etc/passwd", "/abs/path", "..", ".", "", "CON", "a/b", "a_b", "https://x.org/../y?q=1",
               "x" * 300, "ünïcode", "dup", "dup", "Dup", ".hidden", "nul.txt"]
    folder = tmp_path / "out"
    w = TextDirWriter(folder)
    for i, h in enumerate(hostile):
        w.write({"id": h, "text": f"text {i}"})
    w.close()
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == len(hostile) and len({n.lower() for n in names}) == len(names)
    for n in names:
        assert n.endswith(".txt") and "/" not in n and not n.startswith(".") and len(n) < 140
        assert (folder / n).resolve().parent == folder.resolve()
    assert not (tmp_path / "etc").exists() and not (tmp_path.parent / "etc" / "passwd.txt").exists()
    assert safe_name("plain-id_1.2") == "plain-id_1.2"
    assert safe_name("a/b") == "a_b" and safe_name("a b") != "a_b"  # "/" reads as "_"; the writer numbers clashes
    assert not list(tmp_path.glob("*.tmp"))


def test_text_folder_output_from_the_cli(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "../escape", "text": "Body.\nShare Button"}) + "\n", encoding="utf-8")
    res = invoke("clean", str(src), "-o", str(tmp_path / "txt"), "--format", "text", "-q")
    assert res.exit_code == 0, res.stderr
    (f,) = (tmp_path / "txt").iterdir()
    assert f.read_text(encoding="utf-8") == "Body.\n" and f.name.startswith("escape-")
