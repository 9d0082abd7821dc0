"""Parquet files through pyarrow: one row, one record; the text (or html) column is cleaned and
every other column passes through to ``metadata`` (dates as ISO strings, bytes as UTF-8 or base64).

Rows are read in batches, so a large file never sits in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from cleaner.readers.base import BaseReader, Failure, Item
from cleaner.readers.records import guarded_item

BATCH_ROWS = 256


class ParquetReader(BaseReader):
    kind = "parquet"

    def read(self) -> Iterator[Item]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        where = self.where
        errors = (OSError, pa.ArrowException, ValueError)
        try:
            if self.stream is not None:
                source = io.BytesIO(self.stream.read())  # Parquet needs random access: stdin is read whole
                size = len(source.getvalue())
            else:
                assert self.path is not None
                size = self.path.stat().st_size
                source = self.path  # type: ignore[assignment]
            pf = pq.ParquetFile(source)
        except errors as e:
            kind = "unreadable" if isinstance(e, OSError) and not isinstance(e, pa.ArrowException) else "parquet"
            yield Failure(self.name, {"path": where}, kind, f"cannot read {where} as Parquet: {e}")
            return
        names = pf.schema_arrow.names
        f = self.fields
        if f.text not in names and f.html not in names:
            yield Failure(self.name, {"path": where}, "missing-text",
                          f"{where} has no {f.text!r} or {f.html!r} column (columns: {', '.join(names)})")
            return
        total = pf.metadata.num_rows or 1
        row = counted = 0
        try:
            for batch in pf.iter_batches(batch_size=BATCH_ROWS):
                for rec in batch.to_pylist():
                    row += 1
                    src = {"path": where, "row": row}
                    yield guarded_item(rec, f, f"{self.name}:{row}", src, self.max_bytes)
                done = size * row // total
                self.stats.bytes_read += done - counted
                counted = done
        except errors as e:
            src = {"path": where, "row": row + 1}
            yield Failure(f"{self.name}:{row + 1}", src, "parquet", f"reading {where} stopped after row {row}: {e}")
