"""--domain-field: packs mined with `mine --domain-field site` apply to records that have no URL."""

from __future__ import annotations

import json

import pytest

from cleaner import Cleaner
from tests.helpers import invoke

SITE = "harbour-gazette.example"
CHROME = "Subscribe to the Harbour Gazette for weekly news from the quay"
BODIES = [
    "The ferry timetable changes on Monday, the operator said, with two extra crossings at weekends.",
    "Fishermen landed the largest catch of herring in a decade after a mild and calm autumn.",
    "The lifeboat crew rescued two walkers cut off by the tide below the cliffs on Sunday.",
    "Work on the new sea wall will start in March and should be finished before next winter.",
    "The harbour master warned of strong winds and asked owners to double their mooring lines.",
    "A local bakery won a national prize for its saffron buns, the third award in five years.",
    "The council approved a plan to light the promenade with lamps that dim after midnight.",
]


def _records(path, with_site: bool = True):
    rows = []
    for i, body in enumerate(BODIES):
        rec = {"id": f"g{i}", "text": f"{body}\n{CHROME}"}
        if with_site:
            rec["site"] = SITE
        rows.append(json.dumps(rec))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def mined(tmp_path_factory):
    d = tmp_path_factory.mktemp("dom")
    src = _records(d / "in.jsonl")
    out = d / "mined"
    result = invoke("mine", str(src), "-o", str(out), "--domain-field", "site", "-q")
    assert result.exit_code == 0, result.output
    packs = list(out.glob("*.mined.yaml"))
    assert [p.name for p in packs] == [f"{SITE}.mined.yaml"]
    assert "Subscribe to the Harbour Gazette" in packs[0].read_text(encoding="utf-8")
    return src, out


def _texts(path):
    return {r["id"]: r["text"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def test_mined_site_pack_fires_through_the_domain_field(mined, tmp_path):
    src, packs = mined
    with_field = tmp_path / "with.jsonl"
    assert invoke("clean", str(src), "--rules", str(packs), "--domain-field", "site", "-o", str(with_field),
                  "-q").exit_code == 0
    assert _texts(with_field) == {f"g{i}": body for i, body in enumerate(BODIES)}
    recs = [json.loads(x) for x in with_field.read_text(encoding="utf-8").splitlines()]
    assert all(r["provenance"]["removals"][0]["rule"].startswith("mined.harbour-gazette-example.") for r in recs)
    manifest = json.loads((tmp_path / "with.jsonl.manifest.json").read_text(encoding="utf-8"))
    assert manifest["cleaner"]["options"]["domain_field"] == "site"
    # Without the option the records have no URL, so the site pack does not apply.
    without = tmp_path / "without.jsonl"
    assert invoke("clean", str(src), "--rules", str(packs), "-o", str(without), "-q").exit_code == 0
    assert all(CHROME in t for t in _texts(without).values())


def test_domain_field_in_the_library_and_explain(mined, tmp_path):
    _src, packs = mined
    c = Cleaner(rules=[packs], domain_field="site")
    text = f"{BODIES[0]}\n{CHROME}"
    assert c.clean_text(text, metadata={"site": SITE}).text == BODIES[0]
    assert c.clean_text(text, metadata={"site": f"https://www.{SITE}/x"}).text == BODIES[0]  # a URL works too
    assert c.clean_text(text, metadata={"site": "other.example"}).text == text
    # Without the field in the record, the URL decides, as without the option.
    assert c.clean_text(text, url=f"https://{SITE}/a").text == BODIES[0]
    assert Cleaner(rules=[packs]).clean_text(text, metadata={"site": SITE}).text == text
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "e", "site": SITE, "text": text}) + "\n", encoding="utf-8")
    shown = invoke("explain", str(one), "--rules", str(packs), "--domain-field", "site", "--no-color", "--full")
    marker = "quay-]{mined.harbour-gazette-example."
    assert shown.exit_code == 0 and marker in shown.stdout
    plain = invoke("explain", str(one), "--rules", str(packs), "--no-color", "--full")
    assert plain.exit_code == 0 and marker not in plain.stdout and CHROME in plain.stdout
