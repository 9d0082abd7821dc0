"""WARC files: HTML responses with a 2xx status are documents, the WARC record in their
provenance; a broken record is one error record, and reading goes on after it."""

from __future__ import annotations

from cleaner.readers.base import ReadStats
from tests.helpers import CRAWL, HARBOUR_URL, clean_all, make_warc, zst


def test_warc_html_responses_with_provenance(tmp_path, cleaner):
    data, offsets = make_warc(CRAWL)
    (tmp_path / "crawl.warc.gz").write_bytes(data)
    stats = ReadStats()
    recs, errs, _ = clean_all([tmp_path / "crawl.warc.gz"], cleaner, stats=stats)
    assert not errs
    # The WARC record's URL (the page's own canonical URL may differ, and goes to metadata).
    assert [r["provenance"]["source"]["url"] for r in recs] == [HARBOUR_URL] + [f"https://www.example.com/news/{i}"
                                                                                for i in (2, 3, 4)]
    src = recs[0]["provenance"]["source"]
    assert src["url"] == HARBOUR_URL and src["offset"] == offsets[2] and src["http_status"] == 200
    assert src["warc_record_id"].startswith("<urn:uuid:") and src["warc_date"][:2] == "20"
    assert recs[0]["id"] == src["warc_record_id"].strip("<>")
    assert recs[0]["text"].startswith("Harbour reopens after winter repairs\nThe harbour reopened")
    assert "Leave a Reply" not in recs[0]["text"]
    assert stats.skipped == {"WARC warcinfo records": 1, "WARC request records": 1,
                             "WARC responses that are not HTML": 1, "WARC HTML responses without a 2xx status": 1}
    # Plain WARC and zstd-compressed WARC read the same.
    plain, _ = make_warc(CRAWL, gz=False)
    (tmp_path / "plain.warc").write_bytes(plain)
    (tmp_path / "plain.warc.zst").write_bytes(zst(plain))
    for name in ("plain.warc", "plain.warc.zst"):
        again, errs, _ = clean_all([tmp_path / name], cleaner)
        assert not errs and [r["text"] for r in again] == [r["text"] for r in recs]


def test_broken_warc_record_is_an_error_and_reading_goes_on(tmp_path, cleaner):
    data, offsets = make_warc(CRAWL)
    bad = bytearray(data)
    mid = (offsets[5] + offsets[6]) // 2  # inside the compressed member of news/2
    bad[mid : mid + 40] = b"\x00" * 40
    (tmp_path / "broken.warc.gz").write_bytes(bytes(bad))
    recs, errs, _ = clean_all([tmp_path / "broken.warc.gz"], cleaner)
    assert [r["provenance"]["source"]["url"].rsplit("/", 1)[1] for r in recs] == ["harbour-reopens", "3", "4"]
    (e,) = errs
    assert e["error"] == "warc" and e["source"]["offset"] == offsets[5] and "reading went on" in e["message"]
    # Truncated in the last record: the records before it, then one error record.
    (tmp_path / "cut.warc.gz").write_bytes(data[: offsets[7] + 200])
    recs, errs, _ = clean_all([tmp_path / "cut.warc.gz"], cleaner)
    assert len(recs) == 3 and [e["error"] for e in errs] == ["warc"]
    assert "the rest of the file was not read" in errs[0]["message"]
    # Plain WARC with a mangled header: found again at the next "WARC/1." line.
    plain, poffsets = make_warc(CRAWL, gz=False)
    bad = plain[: poffsets[5]] + b"WARC/9.9 garbage\r\n" + plain[poffsets[5] + 10 :]
    (tmp_path / "broken.warc").write_bytes(bad)
    recs, errs, _ = clean_all([tmp_path / "broken.warc"], cleaner)
    assert len(recs) == 3 and [e["error"] for e in errs] == ["warc"]
