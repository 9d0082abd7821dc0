"""Records as a Parquet file: ``id`` and ``text`` columns, and ``metadata`` and ``provenance`` as
JSON strings (their shape differs from one document to the next, a column's type cannot).

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


class ParquetWriter:
    def __init__(self, path: Path, resume: dict[str, Any] | None = None, fields: OutputFields | None = None):
        import pyarrow as pa

        self.path = path
        self.fields = fields or OutputFields()
        if not self.fields.metadata:
            raise ValueError("Parquet output keeps metadata in one JSON column: give it a name")
        f = self.fields
        self.schema = pa.schema([(f.id, pa.string()), (f.text, pa.string()), (f.metadata, pa.string()),
                                 (f.provenance, pa.string())])
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
        self._rows.append({
            f.id: _str(record["id"]),
            f.text: _str(record["text"]),
            f.metadata: _json(record.get("metadata") or {}),
            f.provenance: _json(record.get("provenance") or {}),
        })
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
        pq.write_table(pa.Table.from_pylist(self._rows, schema=self.schema), pending, compression="zstd")
        os.replace(pending, part)
        self.n_parts += 1
        self._rows = []

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
        with pq.ParquetWriter(tmp, self.schema, compression="zstd") as out:
            for i in range(self.n_parts):
                t = pq.read_table(self._part(i), schema=self.schema)
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
