"""Removals are exact spans of the input: the clean text rebuilds from them, deterministically."""

from __future__ import annotations

import json
import pickle
import random

from cleaner import Cleaner, rebuild
from tests.conftest import seed_dirs

SEED_TEXTS = [p.read_text(encoding="utf-8") for p in sorted(seed_dirs()[0][0].glob("*.txt"))]


def _random_doc(rng: random.Random) -> str:
    pieces = [
        "Leave a Reply", "Share Button", "  Share  ", "See Also", "", "", "\t", "&amp; &nbsp;x&#8217;s",
        "<u>RT News</u> said", "1 comment", "Now Reading", "Scroll To Top", "Copyright DRN Media PLC 2019.",
        "The minister spoke   at length about the budget and the deficit.", "Ünïcödé — “quotes” ‘here’",
        "Fill in your details below or click an icon to log in:", "Connecting to %s", "x" * 300, "\r",
    ]
    lines = [rng.choice(pieces) for _ in range(rng.randint(0, 30))]
    sep = rng.choice(["\n", "\r\n"])
    return sep.join(lines) + rng.choice(["", sep, sep * 3])


def test_rebuild_is_exact_on_seeds_and_random_text(cleaner):
    rng = random.Random(7)
    docs = SEED_TEXTS + [_random_doc(rng) for _ in range(400)]
    for text in docs:
        r = cleaner.clean_text(text)
        assert rebuild(text, r.removed) == r.text
        assert rebuild(text, r.provenance["removals"]) == r.text
        # Records are ordered, inside the text, and never overlap.
        last = 0
        for rem in r.removed:
            assert last <= rem.start <= rem.end <= len(text)
            last = rem.end


def test_output_has_no_holes(cleaner):
    rng = random.Random(11)
    for _ in range(300):
        text = _random_doc(rng)
        out = cleaner.clean_text(text).text.replace("\r\n", "\n")
        assert "\n\n\n" not in out.replace("\r", "")
        assert out == out.strip("\n") or out.endswith("\n") and not out.endswith("\n\n")
        assert not out.startswith("\n")


def test_records_are_deterministic():
    a, b = Cleaner(), Cleaner()
    for text in SEED_TEXTS:
        ra = json.dumps(a.clean_text(text, id="x").to_record(), ensure_ascii=False)
        rb = json.dumps(b.clean_text(text, id="x").to_record(), ensure_ascii=False)
        assert ra == rb


def test_provenance_fields(cleaner):
    text = SEED_TEXTS[2]
    r = cleaner.clean_text(text, id="seed-2", url="https://example.org/a")
    p = r.provenance
    assert p["source"]["bytes"] == len(text.encode("utf-8"))
    assert len(p["source"]["sha256"]) == 64
    assert p["cleaner"]["version"]
    assert p["rules"]["packs"] and all(len(pk["sha256"]) == 64 for pk in p["rules"]["packs"])
    assert p["counts"]["chars_in"] == len(text) and p["counts"]["chars_out"] == len(r.text)
    first = p["removals"][0]
    assert set(first) >= {"rule", "action", "start", "end", "preview"}
    assert text[first["start"] : first["end"]].strip() == "Share Button"
    assert r.metadata["url"] == "https://example.org/a"


def test_cleaner_pickles_and_cleans_the_same(cleaner):
    clone = pickle.loads(pickle.dumps(cleaner))
    for text in SEED_TEXTS:
        assert clone.clean_text(text).to_record() == cleaner.clean_text(text).to_record()
