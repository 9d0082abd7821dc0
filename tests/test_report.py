"""``cleaner report``: the figures, the page's structure, and the page in headless Chromium."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from cleaner.batch import family
from cleaner.report import render_html, tally
from tests.conftest import ROOT, run_cli

SEEDS = ROOT / "fixtures" / "seeds" / "input"
HARBOUR = ROOT / "fixtures" / "html" / "harbour.html"
ARTIFACTS = Path(os.environ.get("CLEANER_TEST_ARTIFACTS", ROOT / "test-artifacts"))
# A page the rules would mostly remove: the guard keeps its text and says so.
VETOED = ("Harbour news.\nAdvertisement\nShare on Facebook\nShare on Twitter\n"
          "Sign up for our newsletter to get the latest stories in your inbox\nThis post contains affiliate links\n"
          "Copyright 2024 The Daily Example. All rights reserved.\nYou May Also Like\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    """A real run: the five seeds, a page, a vetoed document and two inputs that fail."""
    d = tmp_path_factory.mktemp("run")
    lines = [json.dumps({"id": p.stem, "text": p.read_text(encoding="utf-8")}) for p in sorted(SEEDS.glob("*.txt"))]
    lines += [json.dumps({"id": "harbour", "html": HARBOUR.read_text(encoding="utf-8")}),
              json.dumps({"id": "vetoed", "text": VETOED}), "{not json", json.dumps({"id": "nt", "body": "x"})]
    src = d / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = d / "out.jsonl"
    proc = run_cli("clean", str(src), "-o", str(out), "-q", "-w", "1")
    assert proc.returncode == 1, proc.stderr  # two inputs failed
    return out


def test_figures_match_the_records(run):
    data = tally(run)
    recs = [json.loads(x) for x in run.read_text(encoding="utf-8").splitlines()]
    assert data.documents == len(recs) == 7
    want = Counter(r["rule"] for rec in recs for r in rec["provenance"]["removals"])
    want.update(h["rule"] for rec in recs for h in rec["provenance"].get("html_removals", []))
    assert {t.rule: t.removals for t in data.rules.values()} == dict(want)
    leave = data.rules["comments.leave-a-reply"]
    docs = {rec["id"] for rec in recs if any(r["rule"] == leave.rule for r in rec["provenance"]["removals"])}
    assert leave.documents == len(docs) and {s.doc_id for s in leave.samples} <= docs
    assert leave.chars == sum(r["end"] - r["start"] for rec in recs for r in rec["provenance"]["removals"]
                              if r["rule"] == leave.rule)
    assert 1 <= len(leave.samples) <= 3 and all(s.preview for s in leave.samples)
    assert any(t.html for t in data.rules.values())  # the page's pruned elements count too
    fams = {f["family"]: f for f in data.families}
    assert fams["comments"]["removals"] == sum(t.removals for t in data.rules.values() if family(t.rule) == "comments")
    assert data.vetoes == 1 and data.vetoed[0][0] == "vetoed"
    assert data.errors_by_kind == Counter({"json": 1, "missing-text": 1})
    assert len(data.shares) == 7 and all(0 <= s < 1 for s in data.shares)


def test_page_structure_is_self_contained_and_deterministic(run):
    data = tally(run)
    page = render_html(data)
    assert page == render_html(tally(run))  # same output, same bytes
    tree = lxml_html.fromstring(page)
    for section in ("totals", "share", "families", "rules", "guard", "errors"):
        assert tree.get_element_by_id(section) is not None
    assert len(tree.xpath("//svg")) == 2  # the histogram and the family bars, inline
    rows = tree.xpath("//tr[@class='rule']")
    assert [r.get("data-rule") for r in rows] == [t.rule for t in data.by_rule()]
    assert not tree.xpath("//script") and not tree.xpath("//link[@rel='stylesheet']")
    assert not [u for u in tree.xpath("//@src | //@href") if not u.startswith("#")]
    text = tree.text_content()
    assert "json" in text and "missing-text" in text and "guard: the rules would remove" in text
    # Previews are page text, escaped: markup in a removed line shows as text, never as markup.
    assert "&lt;u&gt;RT News&lt;/u&gt;" in page and "<u>RT News</u>" in text and not tree.xpath("//u")


def test_cli_writes_the_report_and_refuses_a_missing_file(run, tmp_path):
    target = tmp_path / "r.html"
    proc = run_cli("report", str(run), "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert target.exists() and "7 documents" in proc.stderr and "2 error records" in proc.stderr
    proc = run_cli("report", str(tmp_path / "nope.jsonl"))
    assert proc.returncode == 2 and "no such input" in proc.stderr
    default = run.with_name(run.name + ".report.html")
    assert run_cli("report", str(run)).returncode == 0 and default.exists()


def _chromium() -> str | None:
    """Debian's Chromium (``apt-get install chromium``, as .ci/run does), or one named in $CHROMIUM."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def test_report_renders_in_headless_chromium(run, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (the test extra) is not installed")
    exe = _chromium()
    if exe is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it in CI)")
    page_file = tmp_path / "report.html"
    page_file.write_text(render_html(tally(run)), encoding="utf-8")
    problems: list[str] = []
    requests: list[str] = []
    flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync"]
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, headless=True, args=flags)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_file.as_uri(), wait_until="load")
            assert page.title().startswith("cleaner report")
            for svg in page.locator("svg").all():
                box = svg.bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
            assert page.locator("tr.rule").count() == len(tally(run).rules)
            assert page.locator("#errors td code").all_inner_texts() == ["json", "missing-text"]
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_file.as_uri()]  # nothing but the page itself: no network
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
