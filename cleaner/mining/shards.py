"""Mine with several processes: each reads the whole input but counts only its share of the domains.

A domain's lines are only ever compared with lines of the same domain, so the domains can be
split between processes (by a hash of the domain) with no loss: each process runs both passes
for its domains and returns their proposals; the parent checks lines across sites (generic
candidates) and builds the packs, as a single miner would. Reading and parsing the input is
repeated in every process; tokenising and counting, the costly part, is not. Documents whose
domain is only known after extraction (HTML pages without a URL) all go to the first process.
"""

from __future__ import annotations

import multiprocessing
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

from cleaner.mining.domains import document_domain
from cleaner.mining.miner import Miner, MineResult, MineStats, assemble
from cleaner.mining.options import MineOptions
from cleaner.mining.proposals import DomainProposals
from cleaner.readers.base import Failure, Item

_JOB: dict[str, Any] = {}  # set in the parent, inherited by the forked workers


def shard_of(domain: str | None, shards: int) -> int:
    return zlib.crc32(domain.encode("utf-8", "surrogatepass")) % shards if domain else 0


def _run_shard(w: int) -> tuple[list[DomainProposals], MineStats]:
    job = _JOB
    shards, field = job["shards"], job["domain_field"]
    miner = Miner(job["options"], domain_field=field, reference=job["reference"], work_dir=job["work_dir"])
    counter = job["counter"]
    seen = 0
    try:
        for item in job["items"]():
            seen += 1
            if seen % 1000 == 0 and w == 0:
                counter.value = seen
            if isinstance(item, Failure):
                if w == 0:
                    miner.add_failed()
                continue
            if shard_of(document_domain(item.url, item.metadata, field), shards) == w:
                miner.add(item)
        return miner.evidence(), miner.stats
    finally:
        miner.close()


def mine_sharded(
    items: Callable[[], Iterable[Item]],
    options: MineOptions,
    workers: int,
    *,
    domain_field: str | None = None,
    reference: Any = None,
    work_dir: str | Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> MineResult:
    """Like ``Miner`` over ``items()`` (called once per process: it must be re-readable), with
    ``workers`` processes. Needs the fork start method (Linux, macOS with fork)."""
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("q", 0, lock=False)
    _JOB.update(items=items, options=options, shards=workers, domain_field=domain_field, reference=reference,
                work_dir=work_dir, counter=counter)
    try:
        with ctx.Pool(workers) as pool:
            job = pool.map_async(_run_shard, range(workers))
            while not job.ready():
                job.wait(0.5)
                if progress is not None:
                    progress("passes 1 and 2", int(counter.value), 0)
            results = job.get()
    finally:
        _JOB.clear()
    stats = MineStats()
    domains: list[DomainProposals] = []
    for shard_domains, st in results:
        domains += shard_domains
        for f in fields(MineStats):
            a, b = getattr(stats, f.name), getattr(st, f.name)
            setattr(stats, f.name, max(a, b) if f.name.startswith("seconds") else a + b)
    t0 = time.perf_counter()
    result = assemble(domains, options, stats, reference if options.skip_covered else None, progress, workers)
    stats.seconds_packs = time.perf_counter() - t0
    return result
