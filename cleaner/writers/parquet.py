"""Records as a Parquet file: ``id`` and ``text`` columns, and ``metadata`` and ``provenance``
either as JSON strings (``columns="json"``, the default: their shape differs from one document
to the next, a string column's type does not) or as Arrow structs (``columns="struct"``):
provenance with the fixed type of ``cleaner.arrow.PROVENANCE``, metadata as a struct of the
fields the run's records have (a field a record lacks is null), its types unified over the run.
Should two records give one metadata field types that do not unify (a number and a string),
the file's metadata column is JSON strings after all, and the file's schema metadata says
``cleaner.metadata: json``. With ``provenance=False`` (``--provenance none``) there is no
provenance column.

While the run lasts, each checkpoint writes the rows since the last one as a part file in
``NAME.parts.tmp/``; when the run ends the parts are merged, in order, into ``NAME`` (through
``NAME.tmp``), so a killed run leaves no Parquet file that looks complete.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from cleaner import faults
from cleaner.readers.base import jsonable, scrub_surrogates
from cleaner.writers.base import ResumeError, dumps, tmp_path
from cleaner.writers.jsonl import OutputFields

PART_ROWS = 10_000  # a part is written at least this often, checkpoint or not
GROUP_ROWS = 8_192  # rows per row group in the final file


def _json(value: Any) -> str:
    s = dumps(value)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = dumps(jsonable(value))
    return s


def _str(value: Any) -> str:
    s = str(value)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        s = scrub_surrogates(s)
    return s


PARQUET_COLUMNS = ("json", "struct")


class ParquetWriter:
    def __init__(self, path: Path, resume: dict[str, Any] | None = None, fields: OutputFields | None = None,
                 columns: str = "json", provenance: bool = True):
        import pyarrow as pa

        self.path = path
        self.fields = fields or OutputFields()
        if not self.fields.metadata:
            raise ValueError("Parquet output keeps metadata in one column: give it a name")
        if columns not in PARQUET_COLUMNS:
            raise ValueError(f"columns must be one of {', '.join(PARQUET_COLUMNS)}, not {columns!r}")
        self.columns = columns
        self.with_provenance = provenance
        f = self.fields
        cols = [(f.id, pa.string()), (f.text, pa.string()), (f.metadata, pa.string())]
        if provenance:
            cols.append((f.provenance, pa.string()))
        self.schema = pa.schema(cols)  # the JSON form's; the struct form's metadata type comes from the rows
        self.parts = path.with_name(path.name + ".parts.tmp")
        self.count = 0
        self._rows: list[dict[str, Any]] = []
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume is None:
            if self.parts.exists():
                shutil.rmtree(self.parts)
            self.parts.mkdir()
            self.n_parts = 0
        else:
            self.n_parts = int(resume["parts"])
            keep = {self._part(i).name for i in range(self.n_parts)}
            if not self.parts.is_dir() or not all((self.parts / k).exists() for k in keep):
                raise ResumeError(f"{self.parts} does not hold the {self.n_parts} parts the checkpoint lists")
            for p in self.parts.iterdir():
                if p.name not in keep:
                    p.unlink()

    def _part(self, i: int) -> Path:
        return self.parts / f"part-{i:06d}.parquet"

    def write(self, record: dict[str, Any]) -> None:
        f = self.fields
        if self.columns == "struct":
            row = {f.id: _str(record["id"]), f.text: _str(record["text"]),
                   f.metadata: record.get("metadata") or {}, f.provenance: record.get("provenance")}
        else:
            row = {f.id: _str(record["id"]), f.text: _str(record["text"]),
                   f.metadata: _json(record.get("metadata") or {})}
            if self.with_provenance:
                row[f.provenance] = _json(record.get("provenance") or {})
        self._rows.append(row)
        self.count += 1
        if len(self._rows) >= PART_ROWS:
            self._write_part()

    def _write_part(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        part = self._part(self.n_parts)
        pending = part.with_name(part.name + ".tmp")
        if self.columns == "struct":
            table = self._struct_table()
        else:
            table = pa.Table.from_pylist(self._rows, schema=self.schema)
        pq.write_table(table, pending, compression="zstd")
        os.replace(pending, part)
        self.n_parts += 1
        self._rows = []

    def _struct_table(self) -> Any:
        import pyarrow as pa

        from cleaner.arrow import provenance_array

        f = self.fields
        rows = self._rows
        arrays = {f.id: pa.array([r[f.id] for r in rows], pa.string()),
                  f.text: pa.array([r[f.text] for r in rows], pa.string()),
                  f.metadata: _metadata_array([r[f.metadata] for r in rows])}
        if self.with_provenance:
            arrays[f.provenance] = provenance_array([jsonable(r[f.provenance]) for r in rows])
        return pa.table(arrays)

    def checkpoint(self) -> dict[str, Any]:
        self._write_part()
        return {"parts": self.n_parts}

    def close(self, ok: bool = True) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not ok:
            return
        self._write_part()
        tmp = tmp_path(self.path)
        buffered: list[pa.Table] = []
        rows = 0
        schema, fix = self.schema, None
        if self.columns == "struct":
            schema, fix = _unified_schema([pq.read_schema(self._part(i)) for i in range(self.n_parts)],
                                          self.fields.metadata, self._struct_table().schema)
        with pq.ParquetWriter(tmp, schema, compression="zstd") as out:
            for i in range(self.n_parts):
                t = pq.read_table(self._part(i), schema=None if fix else schema)
                if fix:
                    t = fix(t)
                buffered.append(t)
                rows += t.num_rows
                if rows >= GROUP_ROWS:
                    out.write_table(pa.concat_tables(buffered), row_group_size=GROUP_ROWS)
                    buffered, rows = [], 0
            if buffered:
                out.write_table(pa.concat_tables(buffered), row_group_size=GROUP_ROWS)
        faults.point("rename")
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts)


def _metadata_array(metas: list[dict[str, Any]]) -> Any:
    """Metadata dicts as one struct array; JSON strings if their values' types do not agree;
    nulls if no record has a field (Parquet cannot store a struct without fields)."""
    import pyarrow as pa

    values = [jsonable(m) for m in metas]
    if not any(values):
        return pa.nulls(len(values))
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.array([_json(m) for m in metas], pa.string())


def _unified_schema(schemas: list[Any], meta: str, empty: Any) -> tuple[Any, Any]:
    """The final file's schema over the parts' (their metadata structs unified), and a function
    that casts a part to it; JSON strings for metadata if the structs do not unify."""
    import pyarrow as pa

    if not schemas:
        return empty, None
    base = schemas[0]
    types = [s.field(meta).type for s in schemas]
    target: Any = None
    if not any(pa.types.is_string(t) for t in types):
        try:
            target = pa.unify_schemas([pa.schema([(meta, t)]) for t in types],
                                      promote_options="permissive").field(meta).type
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
            target = None
    as_json = target is None
    schema = base.set(base.get_field_index(meta), pa.field(meta, pa.string() if as_json else target))
    if as_json:
        schema = schema.with_metadata({b"cleaner.metadata": b"json"})

    def fix(table: Any) -> Any:
        col = table.column(meta)
        if as_json:
            if not pa.types.is_string(col.type):
                col = pa.array([_json({k: v for k, v in (m or {}).items() if v is not None})
                                for m in col.to_pylist()], pa.string())
        elif col.type != target:
            try:
                col = col.cast(target)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):  # older pyarrow
                col = pa.array(col.to_pylist(), type=target)
        return table.set_column(table.schema.get_field_index(meta), pa.field(meta, col.type), col).cast(schema)

    return schema, fix
