"""`cleaner mine`: site packs learned from a synthetic multi-page corpus built from the seeds' sites.

Each site gets a dozen pages: different article bodies (paragraphs of the five seed articles)
framed by that site's real chrome from the seeds, plus a few site lines no bundled pack knows,
with dates, counts and names that change from page to page. Held-out pages built the same way
(other bodies, other dates) check what the written packs do.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from unittest import mock

import pytest
import yaml

from cleaner import Cleaner
from cleaner.mining import MineOptions, Miner, mine
from cleaner.mining.counting import Budget, DomainCounts
from cleaner.mining.generalise import build_matcher
from cleaner.mining.lines import clean_lines, key_tokens, looks_like_prose, recurrence_key
from cleaner.rules.examples import run_examples
from cleaner.rules.loader import PackSource
from cleaner.rules.ruleset import RuleSet
from tests.conftest import FIXTURE_SEEDS

AUTHORS = ["Mike Whitney", "Pepe Escobar", "Finian Cunningham", "Alex Christoforou", "RT News"]
MONTHS = ["January", "March", "May", "July", "September", "November"]
VIEWS_DISCLAIMER = ("The views expressed in this article are solely those of the author and do not necessarily "
                    "reflect the opinions of the editors.")
SHARED = "Print this page"  # chrome on every site: a generic candidate, not a site rule


def article_paragraphs() -> list[str]:
    """Long lines of the seed articles as the bundled packs leave them: the pool of article text."""
    out: list[str] = []
    for path in sorted((FIXTURE_SEEDS / "expected").glob("*.txt")):
        out += [ln for ln in clean_lines(path.read_text(encoding="utf-8")) if len(ln.split()) >= 14]
    return out


def duran(rng: random.Random, body: list[str], i: int) -> list[str]:
    comments = [f"{rng.choice(['Mike', 'Olga', 'Tom', 'Ivan'])}: {rng.choice(['Great piece!', 'Spot on.', 'Agreed'])}"
                for _ in range(rng.randint(1, 3))]
    return (["Now Reading", "Russia Insider Daily"] + body
            + ["Subscribe to The Duran Podcast", "Liked it? Take a second to support The Duran on Patreon!"]
            + comments + [f"{rng.randint(2, 90)} Comments", "Notify of",
                          f"Copyright DRN Media PLC {rng.choice([2017, 2018, 2019])}. RSS:", SHARED, "Scroll To Top"])


def globalresearch(rng: random.Random, body: list[str], i: int) -> list[str]:
    author = rng.choice(AUTHORS)
    date = f"{rng.choice(MONTHS)} {rng.randint(1, 28):02d}, {rng.choice([2015, 2016, 2017])}"
    head = [f"By {author} Global Research, {date} Region: Russia and FSU, USA",
            "Centre for Research on Globalization"]  # the site's tagline: chrome no bundled pack knows
    tail = [f"The original source of this article is {rng.choice(['RT News', 'Sputnik', 'TASS', 'Reuters'])}",
            "Comment on Global Research Articles on our Facebook page", "Become a Member of Global Research",
            f"Articles by: {author}", SHARED]
    extra = [VIEWS_DISCLAIMER] if i % 10 < 7 else []  # prose-like, in 70% of the pages: borderline
    return head + body[:2] + extra + body[2:] + tail


def wordpress(rng: random.Random, body: list[str], i: int) -> list[str]:
    date = f"Posted on {rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.choice([2018, 2019])} by russiafeed"
    return ([date, "Russia Feed: news from Moscow"] + body
            + ["Leave a Reply", "Fill in your details below or click an icon to log in:",
               "You are commenting using your Google account. Log Out / Change )", "Connecting to %s",
               "Blog at WordPress.com.", "Follow Russia Feed", SHARED])


def kremlin(rng: random.Random, body: list[str], i: int) -> list[str]:
    return (["Kremlin Watch", "Home | World | Politics | Economy", "Share Button"] + body
            + ["1 comment" if rng.random() < 0.3 else f"{rng.randint(2, 40)} comments",
               "Kremlin Watch is reader-supported", SHARED])


SITES = {"theduran.com": duran, "globalresearch.ca": globalresearch, "russiafeed.wordpress.com": wordpress,
         "kremlinwatch.net": kremlin}


def corpus(pages: int = 12, seed: int = 1, held_out: bool = False) -> list[dict]:
    paragraphs = article_paragraphs()
    rng = random.Random(seed)
    docs = []
    for domain, frame in SITES.items():
        for i in range(pages):
            body = rng.sample(paragraphs, rng.randint(7, 10))
            lines = frame(rng, body, i)
            docs.append({"id": f"{domain}-{'h' if held_out else 'm'}{i}", "url": f"https://www.{domain}/news/{seed}-{i}",
                         "text": "\n\n".join(lines), "body": body})
    return docs


@pytest.fixture(scope="module")
def reference() -> Cleaner:
    return Cleaner()


@pytest.fixture(scope="module")
def mined(tmp_path_factory, reference):
    """Mine the corpus through the CLI (in this process) and return the output folder."""
    from typer.testing import CliRunner

    from cleaner.cli.app import app

    tmp = tmp_path_factory.mktemp("mine")
    src = tmp / "corpus.jsonl"
    src.write_text("".join(json.dumps({k: d[k] for k in ("id", "url", "text")}) + "\n" for d in corpus()), "utf-8")
    out = tmp / "packs"
    with mock.patch("cleaner.mining.reference_cleaner", return_value=reference):
        res = CliRunner().invoke(app, ["mine", str(src), "-o", str(out)])
    assert res.exit_code == 0, res.output
    return out


@pytest.fixture(scope="module")
def with_mined(mined) -> Cleaner:
    """The bundled packs plus the mined ones (loading both also checks that no rule id clashes)."""
    return Cleaner(rules=[mined])


def packs_in(folder: Path) -> dict[str, dict]:
    return {p.name: yaml.safe_load(p.read_text("utf-8")) for p in sorted(folder.glob("*.mined.yaml"))}


def matchers(texts: list[str]) -> str:
    """Every phrase and pattern of the rules in these packs (not their examples), one per line."""
    rules = [r for t in texts for r in yaml.safe_load(t)["rules"]]
    return "\n".join(x for r in rules for x in r.get("phrases", []) + r.get("patterns", []))


def test_cli_writes_one_pack_per_site_that_loads_and_passes_its_examples(mined):
    packs = packs_in(mined)
    assert set(packs) == {f"{d}.mined.yaml" for d in SITES}
    for name, pack in packs.items():
        assert pack["domains"] == [name.removesuffix(".mined.yaml")]
        for rule in pack["rules"]:
            assert re.fullmatch(r"mined\.[a-z0-9-]+\.[a-z0-9-]+", rule["id"])
            assert any(not e.get("keep") for e in rule["examples"]) and any(e.get("keep") for e in rule["examples"])
    count, failures = run_examples(RuleSet.load([mined], default_rules=False))
    assert count == 2 * sum(len(p["rules"]) for p in packs.values()) and not failures, failures
    text = (mined / "kremlinwatch.net.mined.yaml").read_text("utf-8")
    assert re.search(r"^# evidence: 12 of 12 kremlinwatch\.net documents \(100%\)", text, re.M), text[:2000]
    assert "example documents: kremlinwatch.net-m" in text


def test_cli_rules_test_passes_on_the_output(mined):
    from typer.testing import CliRunner

    from cleaner.cli.app import app

    res = CliRunner().invoke(app, ["rules", "test", str(mined)])
    assert res.exit_code == 0, res.output
    assert " 0 failures" in res.output


def test_mined_packs_remove_the_chrome_of_held_out_pages_and_keep_their_articles(with_mined, reference):
    assert len(with_mined.ruleset.rules) > len(reference.ruleset.rules)
    chrome_left_before = chrome_left_after = 0
    for doc in corpus(seed=99, held_out=True):
        before = clean_lines(reference.clean_text(doc["text"], url=doc["url"]).text)
        after = clean_lines(with_mined.clean_text(doc["text"], url=doc["url"]).text)
        for para in doc["body"]:
            assert para in after, (doc["id"], para[:60])  # the article survives whole
        chrome = [ln for ln in clean_lines(doc["text"]) if ln not in doc["body"]]
        chrome_left_before += sum(ln in before for ln in chrome)
        left = [ln for ln in chrome if ln in after]
        chrome_left_after += len(left)
        allowed = {SHARED, VIEWS_DISCLAIMER}  # generic and borderline: not written, by design
        assert all(ln in allowed or ln.startswith("Posted on ") for ln in left), (doc["id"], left)
    assert chrome_left_after < chrome_left_before / 3, (chrome_left_before, chrome_left_after)


def synthetic_scores(reference: Cleaner, with_mined: Cleaner) -> dict[str, tuple[float, float]]:
    """Word-bag precision and recall (the evaluation harness's metric) of held-out pages against
    their article bodies, cleaned by the bundled packs alone and with the mined packs added."""
    from cleaner.evaluation.metrics import mean_prf, word_bag_prf

    out = {}
    for name, cl in (("bundled", reference), ("bundled+mined", with_mined)):
        prf = mean_prf([word_bag_prf(cl.clean_text(d["text"], url=d["url"]).text, "\n".join(d["body"]))
                        for d in corpus(seed=99, held_out=True)])
        out[name] = (prf.precision, prf.recall)
    return out


def test_held_out_precision_rises_and_recall_holds(with_mined, reference):
    scores = synthetic_scores(reference, with_mined)
    (p0, r0), (p1, r1) = scores["bundled"], scores["bundled+mined"]
    assert p1 > p0 + 0.005 and r0 - r1 <= 0.002, scores


def test_a_site_pack_does_nothing_on_another_site(mined):
    only_mined = Cleaner(rules=[mined / "kremlinwatch.net.mined.yaml"], default_rules=False)
    text = "Kremlin Watch\nHome | World | Politics | Economy\n" + "\n".join(article_paragraphs()[:3])
    on_site = only_mined.clean_text(text, url="https://kremlinwatch.net/a/1")
    assert {r.rule.split(".")[1] for r in on_site.removed} == {"kremlinwatch-net"}
    assert not only_mined.clean_text(text, url="https://theduran.com/a/1").removed
    assert not only_mined.clean_text(text).removed  # no URL, no site


@pytest.fixture(scope="module")
def everything(reference):
    """The same corpus mined with --include-covered: rules for the seeds' real chrome too."""
    return mine(_documents(corpus()), MineOptions(skip_covered=False), reference=reference)


def test_varying_dates_counts_and_names_become_patterns_that_match_every_form(everything):
    rules = {r["id"]: r for p in everything.packs for r in yaml.safe_load(p.text)["rules"]}
    patterns = [p for r in rules.values() for p in r.get("patterns", [])]
    assert r"Copyright\s+DRN\s+Media\s+PLC\s+\d+\.\s+RSS:" in patterns  # the year varies
    assert r"\d+\s+Comments" in patterns and r"\d+\s+comments" in patterns  # counts vary
    byline = rules["mined.globalresearch-ca.articles-by"]  # names vary: a line start
    assert byline["phrases"] == ["Articles by"] and byline["match"] == "start"
    pack = next(p for p in everything.packs if p.domain == "globalresearch.ca")
    cm = Cleaner(ruleset=RuleSet([PackSource("gr.yaml", pack.text)]))
    out = cm.clean_text("A first paragraph of the article, long enough to be prose and not chrome at all.\n"
                        "Articles by: Somebody New", url="https://www.globalresearch.ca/x").text
    assert "Somebody New" not in out and "first paragraph" in out


def test_lines_the_bundled_packs_remove_are_reported_not_written(mined, everything):
    written = matchers([p.read_text("utf-8") for p in mined.glob("*.mined.yaml")])
    assert "Leave a Reply" not in written and "DRN Media" not in written
    report = (mined / "mine-report.md").read_text("utf-8")
    covered = report.split("## Already removed by the reference packs", 1)[1]
    assert "already removed by comments.leave-a-reply" in covered and "by support.patreon" in covered
    assert everything.rules_written > 3 * sum(1 for _ in mined.glob("*.mined.yaml"))


def test_cut_after_only_for_a_line_that_opens_the_tail(mined):
    duran_rules = packs_in(mined)["theduran.com.mined.yaml"]["rules"]
    cuts = [r for r in duran_rules if r["action"] == "cut-after"]
    assert [r["phrases"] for r in cuts] == [["Subscribe to The Duran Podcast"]], [r["id"] for r in cuts]
    assert "last_lines" in cuts[0]["position"] or "last_fraction" in cuts[0]["position"]
    head = [r for r in duran_rules if r.get("phrases") == ["Russia Insider Daily"]]
    assert head and head[0]["action"] == "drop-line" and head[0]["position"] == {"first_lines": 4}


def test_prose_like_lines_are_reported_not_written(mined):
    assert looks_like_prose(VIEWS_DISCLAIMER) and not looks_like_prose("Become a Member of Global Research")
    written = matchers([p.read_text("utf-8") for p in mined.glob("*.mined.yaml")])
    assert "solely those of the author" not in written and "Russia Feed: news from Moscow" in written
    report = (mined / "mine-report.md").read_text("utf-8")
    border = report.split("## Borderline", 1)[1].split("\n## ", 1)[0]
    assert "globalresearch.ca" in border and "The views expressed in this article" in border
    assert "reads like prose" in border


def test_lines_common_across_sites_go_to_the_generic_candidates(mined):
    written = matchers([p.read_text("utf-8") for p in mined.glob("*.mined.yaml")])
    assert SHARED not in written
    generic = [json.loads(line) for line in (mined / "generic-candidates.jsonl").read_text("utf-8").splitlines()]
    shared = [g for g in generic if g["line"] == SHARED]
    assert shared and {s["domain"] for s in shared[0]["sites"]} == set(SITES)
    assert all(s["share"] == 1.0 for s in shared[0]["sites"])


def test_datelines_are_borderline_unless_asked_for(reference):
    docs = [d for d in corpus() if d["url"].startswith("https://www.russiafeed")]
    plain = mine(_documents(docs), reference=reference)
    border = [line for _, line, _ in plain.borderline()]
    assert any(line.startswith("Posted on ") for line in border)
    assert "Posted" not in matchers([p.text for p in plain.packs])
    with_dates = mine(_documents(docs), MineOptions(datelines=True, skip_covered=False), reference=reference)
    rule = yaml.safe_load(with_dates.packs[0].text)["rules"]
    posted = next(r for r in rule if r["id"].startswith("mined.russiafeed-wordpress-com.posted-on"))
    rx = posted["patterns"][0]
    assert r"\d+" in rx and "november" in rx and "by\\s+russiafeed" in rx
    for d in docs:  # the pattern matches every page's form
        first = clean_lines(d["text"])[0]
        assert re.fullmatch(rx, first, re.I), (rx, first)


def _documents(docs: list[dict]):
    from cleaner.document import Document

    return [Document(id=d["id"], text=d["text"], url=d["url"]) for d in docs]


def test_library_api_matches_the_cli_output(mined, reference):
    result = mine(_documents(corpus()), reference=reference)
    assert {p.file_name: p.text for p in result.packs} == {
        p.name: p.read_text("utf-8") for p in mined.glob("*.mined.yaml")
    }
    miner = Miner(reference=reference)
    for d in corpus()[:12]:
        assert miner.add(d["text"], url=d["url"], id=d["id"])
    assert not miner.add(corpus()[0]["text"], url=corpus()[0]["url"])  # an exact duplicate is not counted
    assert not miner.add("Some text with no URL at all, so no site to count it under.")
    assert [p.domain for p in miner.packs()] == ["theduran.com"]
    assert miner.stats.duplicates == 1 and miner.stats.no_domain == 1


def test_small_domains_are_not_mined_and_thresholds_are_options(reference):
    docs = _documents(corpus(pages=4))
    assert mine(docs, reference=reference).packs == []  # 4 pages: below --min-docs 5
    assert len(mine(docs, MineOptions(min_docs=4), reference=reference).packs) == 4
    strict = mine(_documents(corpus()), MineOptions(min_share=1.0, skip_covered=False), reference=reference)
    loose = mine(_documents(corpus()), MineOptions(min_share=0.5, skip_covered=False), reference=reference)
    assert 0 < strict.rules_written < loose.rules_written


def test_html_input_is_extracted_like_clean(tmp_path, reference):
    """Pages in a JSONL html field: trafilatura (after the HTML rules) gives the lines that are mined."""
    from typer.testing import CliRunner

    from cleaner.cli.app import app

    rows = []
    for d in corpus(pages=6)[:6]:
        paras = "".join(f"<p>{ln}</p>" for ln in clean_lines(d["text"]))
        html = f"<html><head><title>{d['id']}</title></head><body><article>{paras}</article></body></html>"
        rows.append(json.dumps({"id": d["id"], "url": d["url"], "html": html}))
    src = tmp_path / "pages.jsonl"
    src.write_text("\n".join(rows) + "\n", "utf-8")
    with mock.patch("cleaner.mining.reference_cleaner", return_value=reference):
        res = CliRunner().invoke(app, ["mine", str(src), "-o", str(tmp_path / "out"), "--min-docs", "5"])
    assert res.exit_code == 0, res.output
    pack = yaml.safe_load((tmp_path / "out" / "theduran.com.mined.yaml").read_text("utf-8"))
    assert any(r.get("phrases") == ["Subscribe to The Duran Podcast"] for r in pack["rules"])


def test_usage_errors_exit_2(tmp_path):
    from typer.testing import CliRunner

    from cleaner.cli.app import app

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "x", "url": "https://a.org/"}\n', "utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["mine", str(src), "-o", str(src)]).exit_code == 2  # the output is a file
    assert runner.invoke(app, ["mine", str(src), "-o", str(tmp_path / "o"), "--min-share", "0"]).exit_code == 2
    assert runner.invoke(app, ["mine", str(src), "-o", str(tmp_path / "o"), "--input-format", "xml"]).exit_code == 2


def test_line_keys_fold_case_digits_months_and_punctuation():
    assert recurrence_key(key_tokens("Posted on March 3, 2019 — 12 Comments")) == \
        recurrence_key(key_tokens("posted on  november 28 2020 - 7 comments!"))
    assert recurrence_key(key_tokens("2019-01-05 12:30")) is None  # no letter: never a rule
    m = build_matcher({"Comments (12)": 3, "Comments (7)": 2, "comments (1)": 1})
    assert m.patterns == [r"Comments\s+\(\d+\)"] and m.coverage == 1.0


def test_memory_stays_bounded_and_frequent_lines_survive():
    """Lossy counting: one-off lines leave the table; the budget flushes small domains, not big ones."""
    d = DomainCounts("big.example", 0)
    rng = random.Random(3)
    for i in range(400):
        keys = {hash("chrome one"): "chrome one", hash("chrome two"): "chrome two"}
        keys.update((rng.getrandbits(60), "") for _ in range(30))
        if i % 3 == 0:
            del keys[hash("chrome two")]
        d.add(keys, width=8)
    assert len(d.table) < 300  # 400 pages x 30 one-off lines were seen
    assert d.lower(hash("chrome one")) >= 400 - 400 // 8 and d.lower(hash("chrome two")) >= 266 - 400 // 8
    small = [DomainCounts(f"s{i}.example", i + 1) for i in range(200)]
    for s in small:
        s.add({rng.getrandbits(60): "" for _ in range(20)}, width=8)
    budget = Budget(max_keys=2000)
    budget.check([d, *small], width=8)
    assert sum(x.size() for x in [d, *small]) <= 2000 and budget.flushes > 0
    assert d.lower(hash("chrome one")) > 300  # the big domain kept its counts
    assert d.names[hash("chrome one")] == "chrome one" and len(d.names) < 50  # text of recurring keys only


def test_lines_in_the_middle_of_pages_need_a_higher_share(reference):
    """A line with no stable place near the start or end is more often shared content than chrome."""
    words = " ".join(article_paragraphs()).lower().split()
    rng = random.Random(5)

    def docs(middle_pages: int) -> list:
        out = []
        for i in range(10):
            body = [" ".join(rng.sample(words, 12)).capitalize() + "." for _ in range(50)]
            at = 15 if i % 2 else 32  # where the page's content puts it: no stable place
            lines = ["Valley Gazette"] + body[:at] + (["Specifications and dimensions"] if i < middle_pages else [])
            out.append({"id": f"v{i}", "url": f"https://valley.example/{i}", "text": "\n".join(lines + body[at:])})
        return _documents(out)

    some = mine(docs(6), reference=reference)
    assert [line for _, line, _ in some.borderline()] == ["Specifications and dimensions"]
    assert "middle-share" in some.report()
    most = mine(docs(9), reference=reference)
    assert "Specifications and dimensions" in matchers([p.text for p in most.packs])


def test_sharded_mining_writes_the_same_packs(mined, reference, tmp_path):
    """--workers 2 splits the domains between processes: same packs, same report counts."""
    from typer.testing import CliRunner

    from cleaner.cli.app import app

    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({k: d[k] for k in ("id", "url", "text")}) + "\n" for d in corpus()), "utf-8")
    with mock.patch("cleaner.mining.reference_cleaner", return_value=reference):
        res = CliRunner().invoke(app, ["mine", str(src), "-o", str(tmp_path / "out"), "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert {p.name: p.read_text("utf-8") for p in (tmp_path / "out").glob("*.mined.yaml")} == {
        p.name: p.read_text("utf-8") for p in mined.glob("*.mined.yaml")
    }
    assert "48 documents read: 48 counted" in (tmp_path / "out" / "mine-report.md").read_text("utf-8")


def test_evidence_from_a_sample_of_a_big_domain(reference):
    result = mine(_documents(corpus()), MineOptions(evidence_docs=8), reference=reference)
    pack = next(p for p in result.packs if p.domain == "kremlinwatch.net")
    assert "a sample of 8 of them read for evidence" in pack.text
    assert "# evidence: 8 of 8 sampled kremlinwatch.net documents (100%)" in pack.text
