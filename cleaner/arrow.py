"""Provenance and error records as Arrow structs with one fixed type, for Parquet struct columns
(``--parquet-columns struct``) and the Hugging Face ``datasets`` map function.

A column's type must be the same in every part file and every batch, while a provenance dict
has keys only where they apply (``source.line`` for JSONL, ``extraction`` for HTML). So the
type lists every field cleaner writes, absent ones are null, and what the type does not know
(a reader's new source field, a new block) goes into ``other`` as a JSON object rather than
being lost. ``cleaner.options`` and ``extraction.options`` are JSON strings: their keys are
settings that grow with cleaner's versions, not data to query. In compact provenance,
``rules.packs``, ``cleaner.options`` and ``extraction``'s tool, version and options are null.
``provenance_dict`` turns a row back into the record's provenance.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

_S, _I, _B = pa.string(), pa.int64(), pa.bool_()

SOURCE_FIELDS: dict[str, pa.DataType] = {
    "path": _S, "compression": _S, "encoding": _S, "repaired": _S, "line": _I, "row": _I, "index": _I,
    "record_id": _S, "bytes": _I, "sha256": _S, "offset": _I, "warc_record_id": _S, "warc_date": _S,
    "url": _S, "http_status": _I, "content_type": _S,
}
REMOVAL = pa.struct([("rule", _S), ("action", _S), ("start", _I), ("end", _I), ("preview", _S),
                     ("replacement", _S)])
HTML_REMOVAL = pa.struct([("rule", _S), ("action", _S), ("element", _S), ("line", _I), ("preview", _S),
                          ("chars", _I)])
PACK = pa.struct([("name", _S), ("version", _I), ("path", _S), ("sha256", _S), ("rules", _I)])
COUNTS = pa.struct([("chars_in", _I), ("chars_out", _I), ("lines_in", _I), ("lines_out", _I), ("removals", _I)])
PROVENANCE = pa.struct([
    ("source", pa.struct([*SOURCE_FIELDS.items(), ("other", _S)])),
    ("cleaner", pa.struct([("version", _S), ("options", _S)])),
    ("rules", pa.struct([("sha256", _S), ("packs", pa.list_(PACK))])),
    ("removals", pa.list_(REMOVAL)),
    ("counts", COUNTS),
    ("warnings", pa.list_(_S)),
    ("extraction", pa.struct([("tool", _S), ("version", _S), ("options", _S), ("chars", _I), ("sha256", _S),
                              ("rescue", _S)])),
    ("html_removals", pa.list_(HTML_REMOVAL)),
    ("other", _S),
])
ERROR = pa.struct([("error", _S), ("message", _S)])
_KNOWN = {f.name for f in PROVENANCE} - {"other"}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def provenance_row(prov: dict[str, Any] | None) -> dict[str, Any] | None:
    """``prov`` in the shape of ``PROVENANCE``: options as JSON, unknown fields in ``other``."""
    if prov is None:
        return None
    row: dict[str, Any] = {k: v for k, v in prov.items() if k in _KNOWN}
    src = prov.get("source") or {}
    source = {k: v for k, v in src.items() if k in SOURCE_FIELDS}
    extra = {k: v for k, v in src.items() if k not in SOURCE_FIELDS}
    for k, t in SOURCE_FIELDS.items():  # a value of another type than the column's goes to other
        v = source.get(k)
        if v is not None and not (isinstance(v, str) if t == _S else isinstance(v, int) and not isinstance(v, bool)):
            extra[k] = source.pop(k)
    source["other"] = _json(extra) if extra else None
    row["source"] = source
    if "cleaner" in prov:
        c = prov["cleaner"]
        row["cleaner"] = {"version": c.get("version"),
                          "options": _json(c["options"]) if "options" in c else None}
    if "extraction" in prov:
        e = dict(prov["extraction"])
        for k in ("options", "rescue"):
            if k in e:
                e[k] = _json(e[k])
        row["extraction"] = e
    other = {k: v for k, v in prov.items() if k not in _KNOWN}
    row["other"] = _json(other) if other else None
    return _filled(row, PROVENANCE)


def _filled(value: Any, arrow_type: pa.DataType) -> Any:
    """``value`` with every field of its struct type present (None where it has none): rows of one
    shape, so a consumer that infers types per batch (``datasets``) sees the same struct in each."""
    if value is None:
        return None
    if pa.types.is_struct(arrow_type) and isinstance(value, dict):
        return {f.name: _filled(value.get(f.name), f.type) for f in arrow_type}
    if pa.types.is_list(arrow_type) and isinstance(value, list):
        return [_filled(v, arrow_type.value_type) for v in value]
    return value


def provenance_array(provs: list[dict[str, Any] | None]) -> pa.Array:
    return pa.array([provenance_row(p) for p in provs], type=PROVENANCE)


def provenance_dict(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """A ``PROVENANCE`` row (as pyarrow's ``to_pylist`` gives it) back as the record's provenance."""
    if row is None:
        return None
    out: dict[str, Any] = {}
    for key in ("source", "cleaner", "rules", "removals", "counts", "warnings", "extraction", "html_removals"):
        v = row.get(key)
        if v is None:
            continue
        if key == "source":
            other = v.get("other")
            v = {k: x for k, x in v.items() if x is not None and k != "other"}
            v.update(json.loads(other) if other else {})
        elif key in ("cleaner", "extraction", "rules", "counts"):
            v = {k: (json.loads(x) if k in ("options", "rescue") else x) for k, x in v.items() if x is not None}
        elif key in ("removals", "html_removals"):
            v = [{k: x for k, x in r.items() if x is not None} for r in v]
        out[key] = v
    if row.get("other"):
        out.update(json.loads(row["other"]))
    return out


__all__ = ["ERROR", "PROVENANCE", "provenance_array", "provenance_dict", "provenance_row"]
