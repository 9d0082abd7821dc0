from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cleaner import Cleaner

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SEEDS = ROOT / "fixtures" / "seeds"
SHARED_SEEDS = ROOT.parent / "shared" / "seeds"


def seed_dirs() -> list[tuple[Path, Path]]:
    """(inputs, expected) pairs: the bundled copies, and ../shared/seeds when present."""
    dirs = [(FIXTURE_SEEDS / "input", FIXTURE_SEEDS / "expected")]
    if SHARED_SEEDS.is_dir():
        dirs.append((SHARED_SEEDS, SHARED_SEEDS / "expected"))
    return dirs


@pytest.fixture(scope="session")
def cleaner() -> Cleaner:
    return Cleaner()


def run_cli(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cleaner", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def write_pack(path: Path, body: str) -> Path:
    path.write_text(body, encoding="utf-8")
    return path
