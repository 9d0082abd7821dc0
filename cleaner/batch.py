"""Clean a stream of documents into a writer; one bad document never stops the batch."""

from __future__ import annotations

import itertools
import multiprocessing as mp
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from cleaner.api import Cleaner
from cleaner.extract import NoContent
from cleaner.readers.base import Failure, Item


class Writer(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self, ok: bool = True) -> None: ...


@dataclass
class Summary:
    documents: int = 0
    cleaned: int = 0
    failed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals_by_family: Counter = field(default_factory=Counter)
    warnings: int = 0
    timed_out_rules: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "cleaned": self.cleaned,
            "failed": self.failed,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "removals_by_family": dict(self.removals_by_family.most_common()),
            "warnings": self.warnings,
            "timed_out_rules": dict(self.timed_out_rules),
            "seconds": round(self.seconds, 3),
        }


def family(rule_id: str) -> str:
    """``comments.leave-a-reply`` -> ``comments``; built-ins keep their full name."""
    return rule_id if rule_id.startswith("builtin.") else rule_id.split(".")[0]


@dataclass
class Outcome:
    """What one input became: a clean record or an error record, plus figures for the summary."""

    record: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    chars_in: int = 0
    chars_out: int = 0
    families: list[str] = field(default_factory=list)
    warnings: int = 0
    timed_out: list[str] = field(default_factory=list)


def process(cleaner: Cleaner, item: Item) -> Outcome:
    """Clean one item; every failure becomes an error record with a clear reason."""
    if isinstance(item, Failure):
        return Outcome(error=item.to_record())

    def failed(kind: str, message: str) -> Outcome:
        return Outcome(error=Failure(item.id, item.source, kind, message).to_record())

    try:
        result = cleaner.clean(item)
    except NoContent as e:
        return failed("no-content", str(e))
    except ValueError as e:  # undecodable or unparsable page
        return failed("not-html", str(e))
    except Exception as e:  # noqa: BLE001 - any bug becomes an error record, not a dead batch
        return failed("internal", f"{type(e).__name__}: {e}")
    prov = result.provenance
    fams = [family(r.rule) for r in result.removed]
    fams += [family(h["rule"]) for h in prov.get("html_removals", [])]
    return Outcome(
        record=result.to_record(),
        chars_in=prov["counts"]["chars_in"],
        chars_out=len(result.text),
        families=fams,
        warnings=len(prov["warnings"]),
        timed_out=list(result.timed_out),
    )


_WORKER_CLEANER: Cleaner | None = None


def _init_worker(cleaner: Cleaner) -> None:
    global _WORKER_CLEANER
    _WORKER_CLEANER = cleaner  # unpickled once per worker: rules compile once per process


def _process_chunk(chunk: list[Item]) -> list[Outcome]:
    assert _WORKER_CLEANER is not None
    return [process(_WORKER_CLEANER, item) for item in chunk]


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def outcomes(items: Iterable[Item], cleaner: Cleaner, workers: int = 1, chunk_size: int = 32) -> Iterator[Outcome]:
    """Outcomes in input order. With workers > 1, chunks go to worker processes and at most
    ``2 * workers`` chunks are in flight, so memory stays bounded however long the input."""
    chunks = _chunks(items, chunk_size)
    first = next(chunks, [])
    if workers <= 1 or len(first) < chunk_size:  # small inputs are not worth starting processes
        for item in itertools.chain(first, itertools.chain.from_iterable(chunks)):
            yield process(cleaner, item)
        return
    ctx = mp.get_context("spawn")  # no fork: the parent may run a progress thread
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(cleaner,)) as pool:
        pending: deque[tuple[list[Item], Future]] = deque()

        def drain_one() -> list[Outcome]:
            chunk, fut = pending.popleft()
            try:
                return fut.result()
            except Exception:  # noqa: BLE001 - a dead worker: redo its chunk here, item by item
                return [process(cleaner, item) for item in chunk]

        for chunk in itertools.chain([first], chunks):
            pending.append((chunk, pool.submit(_process_chunk, chunk)))
            while len(pending) >= 2 * workers:
                yield from drain_one()
        while pending:
            yield from drain_one()


def run_batch(
    items: Iterable[Item],
    cleaner: Cleaner,
    out: Writer,
    errors: Writer,
    on_progress: Callable[[Summary], None] | None = None,
    workers: int = 1,
) -> Summary:
    s = Summary()
    t0 = time.perf_counter()
    for o in outcomes(items, cleaner, workers):
        s.documents += 1
        if o.error is not None:
            errors.write(o.error)
            s.failed += 1
        else:
            assert o.record is not None
            out.write(o.record)
            s.cleaned += 1
            s.chars_in += o.chars_in
            s.chars_out += o.chars_out
            s.removals_by_family.update(o.families)
            s.warnings += o.warnings
            s.timed_out_rules.update(o.timed_out)
        if on_progress:
            on_progress(s)
    s.seconds = time.perf_counter() - t0
    return s
