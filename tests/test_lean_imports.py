"""A process that cleans only text does not load what only HTML and WARC input need.

Each worker of a batch is a fresh interpreter: lxml, warcio (with fsspec, asyncio and ssl) and
charset_normalizer would cost some 30 MB in every one of them (docs/performance.md, Memory)."""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import sys
from cleaner import Cleaner
import cleaner.batch, cleaner.readers.discover
r = Cleaner().clean_text("The council approved the budget.\\nShare this article\\n")
assert r.text == "The council approved the budget.\\n", r.text
print(sorted(m for m in ("lxml", "warcio", "fsspec", "charset_normalizer", "trafilatura") if m in sys.modules))
"""


def test_text_cleaning_loads_no_html_or_warc_libraries(tmp_path):
    env = {**os.environ, "CLEANER_CACHE_DIR": str(tmp_path / "cache")}
    for _ in range(2):  # the first run fills the pack cache (checking selectors needs lxml); the second reads it
        out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
