"""What a run report shows, tallied from a ``cleaner clean`` output and its errors file.

One pass over the records; memory grows with the number of rules and documents (one float
per document for the distribution of shares), not with the text.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.batch import family
from cleaner.readers.compress import decompressed

SAMPLES_PER_RULE = 3


@dataclass
class Sample:
    doc_id: str
    preview: str
    key: str  # a stable hash: the sample is the same on every run, spread over the file


@dataclass
class RuleTally:
    rule: str
    removals: int = 0
    chars: int = 0
    documents: int = 0
    html: bool = False  # an HTML rule (pruned elements), not a text rule
    samples: list[Sample] = field(default_factory=list)

    @property
    def family(self) -> str:
        return family(self.rule)

    def offer(self, sample: Sample, keep: int) -> None:
        """Keep the ``keep`` samples with the smallest keys, one per document."""
        if any(s.doc_id == sample.doc_id for s in self.samples):
            return
        self.samples.append(sample)
        self.samples.sort(key=lambda s: s.key)
        del self.samples[keep:]


@dataclass
class ReportData:
    source: str
    documents: int = 0  # records (cleaned documents)
    chars_in: int = 0
    chars_out: int = 0
    shares: list[float] = field(default_factory=list)  # share of characters removed, per document
    rules: dict[str, RuleTally] = field(default_factory=dict)
    warnings_by_kind: Counter = field(default_factory=Counter)  # "guard", "extraction", ...
    vetoed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, guard message), first few
    vetoes: int = 0
    errors_by_kind: Counter = field(default_factory=Counter)
    error_samples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    errors_file: str | None = None
    _family_docs: Counter = field(default_factory=Counter)  # documents touched, per family

    @property
    def families(self) -> list[dict[str, Any]]:
        """Per family: removals, characters and documents (a document counts once per family)."""
        out: dict[str, dict[str, Any]] = {}
        for t in self.rules.values():
            f = out.setdefault(t.family, {"family": t.family, "removals": 0, "chars": 0, "rules": 0})
            f["removals"] += t.removals
            f["chars"] += t.chars
            f["rules"] += 1
        for f in out.values():
            f["documents"] = self._family_docs.get(f["family"], 0)
        return sorted(out.values(), key=lambda f: (-f["chars"], f["family"]))

    def by_rule(self) -> list[RuleTally]:
        return sorted(self.rules.values(), key=lambda t: (-t.chars, -t.removals, t.rule))

    @property
    def errors(self) -> int:
        return sum(self.errors_by_kind.values())


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL output (plain, .gz or .zst) or a Parquet one (JSON-string or struct columns)."""
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches():
            for row in batch.to_pylist():
                prov = row.get("provenance")
                if isinstance(prov, str):
                    row["provenance"] = json.loads(prov)
                yield row
        return
    with open(path, "rb") as raw:
        fh, _ = decompressed(raw)  # type: ignore[arg-type]
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except ValueError:
                raise ValueError(f"{path}:{n}: not a JSON record") from None
            if isinstance(rec, dict):
                yield rec


def _label(preview: str) -> str:
    """A preview to show; whitespace-only removals (normalisation) get a visible label."""
    if preview.strip():
        return preview
    return f"(whitespace {preview!r})" if preview else "(blank line)"


def _key(doc_id: str, rule: str, start: Any) -> str:
    return hashlib.sha256(f"{rule}\0{doc_id}\0{start}".encode("utf-8", "surrogatepass")).hexdigest()


def tally(output: Path, errors: Path | None = None, samples: int = SAMPLES_PER_RULE) -> ReportData:
    """Read the output (and the errors file, by default ``OUTPUT.errors.jsonl`` when it exists)."""
    data = ReportData(source=str(output))
    for rec in read_records(output):
        prov = rec.get("provenance")
        if not isinstance(prov, dict):
            continue
        doc_id = str(rec.get("id", ""))
        data.documents += 1
        counts = prov.get("counts", {})
        cin, cout = int(counts.get("chars_in", 0)), int(counts.get("chars_out", 0))
        data.chars_in += cin
        data.chars_out += cout
        data.shares.append((cin - cout) / cin if cin else 0.0)
        seen: set[str] = set()
        for r in prov.get("removals", []):
            t = data.rules.setdefault(r["rule"], RuleTally(r["rule"]))
            t.removals += 1
            t.chars += int(r.get("end", 0)) - int(r.get("start", 0))
            if r["rule"] not in seen:
                t.documents += 1
                seen.add(r["rule"])
            t.offer(Sample(doc_id, _label(r.get("preview", "")), _key(doc_id, r["rule"], r.get("start"))), samples)
        for h in prov.get("html_removals", []):
            t = data.rules.setdefault(h["rule"], RuleTally(h["rule"], html=True))
            t.removals += 1
            t.chars += int(h.get("chars", 0))
            if h["rule"] not in seen:
                t.documents += 1
                seen.add(h["rule"])
            label = f"<{h.get('element', '?')}> {h.get('preview', '')}"
            t.offer(Sample(doc_id, label, _key(doc_id, h["rule"], h.get("line"))), samples)
        data._family_docs.update({family(r) for r in seen})
        for w in prov.get("warnings", []):
            kind = w.split(":", 1)[0] if ":" in w else "other"
            data.warnings_by_kind[kind] += 1
            if kind == "guard":
                data.vetoes += 1
                if len(data.vetoed) < 20:
                    data.vetoed.append((doc_id, w))
    errors = errors if errors is not None else output.with_name(output.name + ".errors.jsonl")
    if errors.exists():
        data.errors_file = str(errors)
        for rec in read_records(errors):
            kind = str(rec.get("error", "unknown"))
            data.errors_by_kind[kind] += 1
            got = data.error_samples.setdefault(kind, [])
            if len(got) < samples:
                got.append((str(rec.get("id", "")), str(rec.get("message", ""))))
    return data
