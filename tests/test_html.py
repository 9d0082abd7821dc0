"""HTML input: HTML rules prune, trafilatura extracts, text rules clean; metadata and provenance."""

from __future__ import annotations

import gzip
import json

import pytest

from cleaner import Cleaner
from cleaner.extract import NoContent, extract_html
from cleaner.rules.errors import RuleError
from tests.conftest import ROOT, run_cli, write_pack

HTML_DIR = ROOT / "fixtures" / "html"
HARBOUR = (HTML_DIR / "harbour.html").read_bytes()


def test_html_page_is_extracted_pruned_and_cleaned(cleaner):
    r = cleaner.clean_html(HARBOUR, id="harbour")
    # The headline stays, as in the seeds' expected outputs (builtin.title is off by default).
    assert r.text.startswith("Harbour reopens after winter repairs\nThe harbour reopened on Monday")
    assert "Leave a Reply" not in r.text and "Share this" not in r.text and "Patreon" not in r.text
    assert "Narrower berths" not in r.text  # comments go with their section
    assert r.text.rstrip().endswith("refurbished lifeboat station.")
    assert {h["rule"] for h in r.provenance["html_removals"]} == {
        "html-widgets.comment-forms", "html-widgets.share-bars"}
    assert "support.patreon" in {x.rule for x in r.removed}
    assert "builtin.title" not in {x.rule for x in r.removed}


def test_a_pack_switches_the_title_builtin_on(tmp_path):
    pack = write_pack(tmp_path / "t.yaml", "version: 1\nname: title-on\ndescription: drop the headline\n"
                      "builtins:\n  title: true\n")
    r = Cleaner(rules=[pack]).clean_html(HARBOUR)
    assert r.text.startswith("The harbour reopened on Monday")
    assert "builtin.title" in {x.rule for x in r.removed}


def test_metadata_from_the_page(cleaner):
    r = cleaner.clean_html(HARBOUR)
    m = r.metadata
    assert m["title"] == "Harbour reopens after winter repairs"
    assert m["author"] == "Jane Smith"
    assert m["date"] == "2024-03-04"
    assert m["sitename"] == "The Daily Example"
    assert m["url"] == "https://www.example.com/news/harbour-reopens"
    assert m["language"] == "en"
    assert "filedate" not in m


def test_provenance_records_extraction_and_rebuilds(cleaner):
    from cleaner import rebuild

    r = cleaner.clean_html(HARBOUR)
    ex = r.provenance["extraction"]
    assert ex["tool"] == "trafilatura" and ex["version"] and ex["options"]["deduplicate"] is False
    assert ex["chars"] == len(r.input_text)
    assert rebuild(r.input_text, r.removed) == r.text
    assert r.provenance["source"]["bytes"] == len(HARBOUR)
    again = Cleaner().clean_html(HARBOUR)
    assert json.dumps(again.to_record()) == json.dumps(r.to_record())


def test_baseline_is_trafilatura_alone():
    ex = extract_html(HARBOUR)
    assert "Share this" in ex.text or "Patreon" in ex.text
    assert ex.metadata["title"] == "Harbour reopens after winter repairs"


def test_no_main_content_raises_and_cli_writes_error_record(cleaner, tmp_path):
    with pytest.raises(NoContent):
        cleaner.clean_html((HTML_DIR / "empty.html").read_bytes())
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(HTML_DIR), "-o", str(out))
    assert proc.returncode == 1
    assert [json.loads(x)["id"] for x in out.read_text().splitlines()] == ["harbour", "popup-wrapped"]
    (err,) = [json.loads(x) for x in (tmp_path / "o.jsonl.errors.jsonl").read_text().splitlines()]
    assert err["id"] == "empty" and err["error"] == "no-content"


def test_gzipped_html_and_jsonl_html_records(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.html.gz").write_bytes(gzip.compress(HARBOUR))
    (tmp_path / "in" / "broken.html.gz").write_bytes(gzip.compress(HARBOUR)[:200])
    rec = {"id": "r1", "url": "https://www.example.com/news/harbour-reopens", "html": HARBOUR.decode(), "crawl": "x"}
    (tmp_path / "in" / "pages.jsonl").write_text(json.dumps(rec) + "\n", encoding="utf-8")
    out = tmp_path / "o.jsonl"
    proc = run_cli("clean", str(tmp_path / "in"), "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    recs = {json.loads(x)["id"]: json.loads(x) for x in out.read_text().splitlines()}
    assert set(recs) == {"page", "r1"}
    assert recs["page"]["text"] == recs["r1"]["text"]
    assert recs["r1"]["metadata"]["crawl"] == "x"
    (err,) = [json.loads(x) for x in (tmp_path / "o.jsonl.errors.jsonl").read_text().splitlines()]
    assert err["id"] == "broken" and err["error"] == "decompress"


def test_html_rule_scoped_to_domain_and_bad_selector_rejected(tmp_path):
    pack = write_pack(tmp_path / "site.yaml", """version: 1
name: example.com
description: site
domains: [example.com]
rules:
  - id: example-com.lede-box
    description: the last paragraph is a promo on this site
    action: drop-element
    xpaths: ["//article/p[last()]"]
""")
    c = Cleaner(rules=[pack])
    on = c.clean_html(HARBOUR, url="https://www.example.com/news/harbour-reopens")
    off = c.clean_html(HARBOUR, url="https://other.org/news/harbour-reopens")
    assert "example-com.lede-box" in {h["rule"] for h in on.provenance["html_removals"]}
    assert "example-com.lede-box" not in {h["rule"] for h in off.provenance["html_removals"]}
    bad = write_pack(tmp_path / "bad.yaml", """version: 1
name: bad
description: bad selector
rules:
  - id: bad.sel
    description: x
    action: drop-element
    selectors: ["div[["]
""")
    with pytest.raises(RuleError, match=r"bad.yaml:8: rule 'bad.sel': invalid CSS selector"):
        Cleaner(rules=[bad], default_rules=False)


def test_site_name_is_stripped_from_the_title():
    from cleaner.extract import strip_site_name

    assert strip_site_name("Harbour reopens | The Daily Example", "The Daily Example") == "Harbour reopens"
    assert strip_site_name("The Daily Example - Harbour reopens", "the daily example") == "Harbour reopens"
    assert strip_site_name("Harbour reopens - a long winter", "The Daily Example") == "Harbour reopens - a long winter"


def test_literal_markup_in_extracted_text_is_content(cleaner):
    page = HARBOUR.replace(
        b"<p>The port authority will hold",
        b"<p>Engineers logged each pile in a &lt;table&gt; element of the report.</p><p>The port authority will hold",
    )
    r = cleaner.clean_html(page)
    assert "in a <table> element of the report." in r.text
