"""First-pass counting with bounded memory, duplicate detection, and the spool for the second pass.

Counts only, never documents: per domain, a table from a key's hash to how many documents held
it. The tables use lossy counting (Manku & Motwani 2002) with documents as transactions: every
``1/epsilon`` documents of a domain, keys that cannot have reached ``epsilon`` of them are
dropped, so the one-off lines of articles leave again within a few documents while a line that
recurs in ``min_share > epsilon`` of the pages is never lost. Each entry keeps ``delta``, the
most it may have been seen before it was (re)inserted, so ``count <= true <= count + delta``;
the second pass recounts the survivors exactly. If many small domains still push the total past
the budget, the smallest domains' tables are flushed (their ``floor`` remembers how many
documents the lost counts could have covered, which keeps the bound true).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import zstandard

_COUNT_BITS = 32
_COUNT_MASK = (1 << _COUNT_BITS) - 1


class DomainCounts:
    """Lossy counts of one domain's keys; values pack ``count | delta << 32`` (small ints are free).

    ``names`` keeps the text of keys seen in two documents or more (recurring lines only, pruned
    with the counts): the second pass uses their first words to skip tokenising other lines.
    """

    __slots__ = ("name", "index", "docs", "floor", "table", "names", "dupes")

    def __init__(self, name: str, index: int):
        self.name = name
        self.index = index
        self.docs = 0
        self.floor = 0
        self.table: dict[int, int] = {}
        self.names: dict[int, str] = {}
        self.dupes = 0

    def add(self, keys: dict[int, str], width: int) -> None:
        """Count one document's keys (hash -> key text), each once."""
        self.docs += 1
        bucket = -(-self.docs // width)
        delta = max(bucket - 1, self.floor) << _COUNT_BITS
        table = self.table
        for k in keys:
            v = table.get(k)
            if v is None:
                table[k] = delta | 1
            else:
                if v & _COUNT_MASK == 1:
                    self.names[k] = keys[k]
                table[k] = v + 1
        if self.docs % width == 0:
            self.prune(bucket)

    def prune(self, bucket: int) -> None:
        self.table = {k: v for k, v in self.table.items() if (v & _COUNT_MASK) + (v >> _COUNT_BITS) > bucket}
        self.names = {k: n for k, n in self.names.items() if k in self.table}

    def flush(self) -> None:
        """Forget every count (memory pressure); later counts stay upper bounds through ``floor``."""
        self.floor = self.docs
        self.table = {}
        self.names = {}

    def size(self) -> int:
        return len(self.table) + len(self.names)

    def lower(self, key: int) -> int:
        """At least this many documents held ``key`` (0 if it is not in the table)."""
        v = self.table.get(key)
        return 0 if v is None else v & _COUNT_MASK

    def candidates(self, needed: int, limit: int) -> list[int]:
        """Keys that may occur in ``needed`` documents, most frequent first, at most ``limit``."""
        found = [
            (v & _COUNT_MASK, k) for k, v in self.table.items() if (v & _COUNT_MASK) + (v >> _COUNT_BITS) >= needed
        ]
        found.sort(key=lambda x: -x[0])
        return [k for _, k in found[:limit]]


class Budget:
    """Keeps the sum of all domains' tables under ``max_keys`` by pruning, then flushing small domains."""

    def __init__(self, max_keys: int, check_every: int = 2_000):
        self.max_keys = max_keys
        self.check_every = check_every
        self.flushes = 0
        self.peak_keys = 0

    def check(self, domains: list[DomainCounts], width: int) -> None:
        total = sum(d.size() for d in domains)
        self.peak_keys = max(self.peak_keys, total)
        if total <= self.max_keys:
            return
        for d in domains:  # prune now with the last boundary's threshold, which keeps the bounds true
            d.prune(d.docs // width)
        total = sum(d.size() for d in domains)
        if total <= self.max_keys * 3 // 4:
            return
        for d in sorted(domains, key=lambda d: (d.docs, d.index)):
            if not d.table:
                continue
            total -= d.size()
            d.flush()
            self.flushes += 1
            if total <= self.max_keys // 2:
                break


class SeenFilter:
    """A Bloom filter of document fingerprints: exact duplicates (same lines, modulo digits and case)
    of a page already counted are skipped, in fixed memory (16 MB, 1e-5 false positives at 1M)."""

    def __init__(self, bits_log2: int = 27, hashes: int = 3):
        self.size = 1 << bits_log2
        self.mask = self.size - 1
        self.bits = bytearray(self.size >> 3)
        self.hashes = hashes

    def add(self, h: int) -> bool:
        """Record ``h``; True if it was (probably) there already."""
        h &= (1 << 64) - 1
        h1, h2 = h & 0xFFFFFFFF, (h >> 32) | 1
        seen = True
        bits = self.bits
        for i in range(self.hashes):
            pos = (h1 + i * h2 * 0x9E3779B1) & self.mask
            byte, bit = pos >> 3, 1 << (pos & 7)
            if not bits[byte] & bit:
                seen = False
                bits[byte] |= bit
        return seen


class Spool:
    """The cleaned lines of every counted document, zstd-compressed on disk, read back in pass two.

    One JSON array ``[domain index, id, lines]`` per line: the second pass reads the domain first
    and skips documents of domains that have nothing to mine.
    """

    def __init__(self, path: Path):
        self.path = path
        self._fh = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._writer = zstandard.ZstdCompressor(level=1).stream_writer(self._fh)
        self.documents = 0
        self.closed = False

    def write(self, domain_index: int, doc_id: str, lines: list[str]) -> None:
        rec = json.dumps([doc_id, lines], ensure_ascii=False)
        self._writer.write(f"{domain_index}\t{rec}\n".encode("utf-8", "surrogatepass"))
        self.documents += 1

    def close(self) -> None:
        if not self.closed:
            self._writer.flush(zstandard.FLUSH_FRAME)
            self._writer.close()
            self.closed = True

    def read(self, domains: set[int] | None = None) -> Iterator[tuple[int, str, list[str]]]:
        self.close()
        with open(self.path, "rb") as fh:
            reader = io.TextIOWrapper(zstandard.ZstdDecompressor().stream_reader(fh), encoding="utf-8",
                                      errors="surrogatepass")
            for line in reader:
                idx_text, _, rec = line.partition("\t")
                idx = int(idx_text)
                if domains is not None and idx not in domains:
                    continue
                doc_id, lines = json.loads(rec)
                yield idx, doc_id, lines

    def remove(self) -> None:
        self.close()
        self.path.unlink(missing_ok=True)
