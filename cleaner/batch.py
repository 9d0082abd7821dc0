"""Clean a stream of documents into writers; one bad document never stops the batch.

Every input item becomes exactly one output record or one error record, in input order
(also with worker processes). Every ``every`` items the writers flush and a small
checkpoint file records how many items are done and how far each output file goes, so
``--resume`` can continue a killed run with no duplicates and no gaps.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing as mp
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.api import Cleaner
from cleaner.extract import NoContent, NotHtml
from cleaner.readers.base import Failure, Item, ReadStats
from cleaner.writers.base import Writer

__all__ = ["Checkpoint", "Outcome", "ProgressBar", "Summary", "Writer", "outcomes", "process", "run_batch"]


@dataclass
class Summary:
    documents: int = 0
    cleaned: int = 0
    failed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals_by_family: Counter = field(default_factory=Counter)
    warnings: int = 0
    seconds: float = 0.0
    errors_by_kind: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # inputs that are not documents (WARC requests, ...)
    resumed_from: int = 0  # documents already done by the killed run this one continues

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "cleaned": self.cleaned,
            "failed": self.failed,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "removals_by_family": dict(self.removals_by_family.most_common()),
            "warnings": self.warnings,
            "seconds": round(self.seconds, 3),
            "errors_by_kind": dict(self.errors_by_kind.most_common()),
            "skipped": dict(self.skipped),
            "resumed_from": self.resumed_from,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Summary:
        s = cls()
        for k in ("documents", "cleaned", "failed", "chars_in", "chars_out", "warnings", "resumed_from"):
            setattr(s, k, int(d.get(k, 0)))
        s.seconds = float(d.get("seconds", 0.0))
        for k in ("removals_by_family", "errors_by_kind", "skipped"):
            setattr(s, k, Counter(d.get(k, {})))
        return s


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
    except NotHtml as e:  # undecodable or unparsable page; any other ValueError is a bug, filed as such
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
    )


_WORKER_CLEANER: Cleaner | None = None


def _init_worker(cleaner: Cleaner, parent: int | None = None) -> None:
    global _WORKER_CLEANER
    _WORKER_CLEANER = cleaner  # unpickled once per worker: rules compile once per process
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (SIGKILL leaves no time to stop the pool) exits too."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


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
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(cleaner, os.getpid()))
    pending: deque[tuple[list[Item], Future | None]] = deque()

    def drain_one() -> list[Outcome]:
        chunk, fut = pending.popleft()
        if fut is not None:
            try:
                return fut.result()
            except Exception:  # noqa: BLE001 - a dead worker: redo its chunk here, item by item
                pass
        return [process(cleaner, item) for item in chunk]

    try:
        for chunk in itertools.chain([first], chunks):
            try:
                fut: Future | None = pool.submit(_process_chunk, chunk)
            except (BrokenProcessPool, RuntimeError):  # the pool died: carry on in this process
                fut = None
            pending.append((chunk, fut))
            while len(pending) >= 2 * workers:
                yield from drain_one()
        while pending:
            yield from drain_one()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class _Counted:
    """Counts the items the batch takes in, to check in = out + errors at the end."""

    def __init__(self, items: Iterable[Item]):
        self.items = iter(items)
        self.n = 0

    def __iter__(self) -> Iterator[Item]:
        for item in self.items:
            self.n += 1
            yield item


class LostRecords(RuntimeError):
    """Internal check failed: the items taken in and the records written do not add up."""


def run_batch(
    items: Iterable[Item],
    cleaner: Cleaner,
    out: Writer,
    errors: Writer,
    on_progress: Callable[[Summary], None] | None = None,
    workers: int = 1,
    *,
    summary: Summary | None = None,
    checkpoint: Callable[[Summary], None] | None = None,
    every: int | None = None,
    chunk_size: int | None = None,
) -> Summary:
    """Clean every item into ``out`` (records) or ``errors`` (error records), in input order.

    ``summary`` carries on the figures of a resumed run; ``checkpoint`` is called every
    ``every`` items, after the writers' own checkpoints, when everything before is written.
    ``every`` and ``chunk_size`` default to the cleaner's ``CleanOptions``.
    """
    every = every or cleaner.clean_options.checkpoint_every
    chunk_size = chunk_size or cleaner.clean_options.chunk_size
    s = summary if summary is not None else Summary()
    before = s.documents
    counted = _Counted(items)
    t0 = time.perf_counter()
    elapsed0 = s.seconds
    since = 0
    for o in outcomes(counted, cleaner, workers, chunk_size=chunk_size):
        s.documents += 1
        if o.error is not None:
            errors.write(o.error)
            s.failed += 1
            s.errors_by_kind[o.error.get("error", "unknown")] += 1
        else:
            assert o.record is not None
            out.write(o.record)
            s.cleaned += 1
            s.chars_in += o.chars_in
            s.chars_out += o.chars_out
            s.removals_by_family.update(o.families)
            s.warnings += o.warnings
        since += 1
        if checkpoint is not None and since >= every:
            s.seconds = elapsed0 + time.perf_counter() - t0
            checkpoint(s)
            since = 0
        if on_progress:
            on_progress(s)
    s.seconds = elapsed0 + time.perf_counter() - t0
    if counted.n != s.documents - before:
        raise LostRecords(f"{counted.n} inputs but {s.documents - before} outcomes")
    return s


class Checkpoint:
    """``OUTPUT.checkpoint.json``: how many input items are done, the writers' states at that
    point, the summary so far, and a fingerprint of the run's settings (a resumed run must use
    the same inputs and options). Replaced atomically, so it is never half-written."""

    VERSION = 1

    def __init__(self, path: Path, config: dict[str, Any]):
        self.path = path
        self.config = config
        self.fingerprint = self.fingerprint_of(config)

    @staticmethod
    def fingerprint_of(config: dict[str, Any]) -> str:
        import hashlib

        return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()

    @staticmethod
    def path_for(output: Path) -> Path:
        return output.with_name(output.name + ".checkpoint.json")

    def load(self) -> dict[str, Any] | None:
        """The saved state, or None if there is none; ValueError if it is from another run."""
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as e:
            raise ValueError(f"{self.path} cannot be read ({e})") from None
        if not isinstance(state, dict) or state.get("version") != self.VERSION:
            raise ValueError(f"{self.path} is not a checkpoint this version of cleaner wrote")
        if state.get("fingerprint") != self.fingerprint:
            raise ValueError(
                f"{self.path} was written by a run with other inputs or options; "
                "rerun with the same ones, or without --resume to start over"
            )
        return state

    def save(self, summary: Summary, writers: dict[str, dict[str, Any]]) -> None:
        state = {
            "version": self.VERSION,
            "fingerprint": self.fingerprint,
            "done": summary.documents,
            "writers": writers,
            "summary": summary.to_dict(),
            "config": self.config,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
        os.replace(tmp, self.path)

    def remove(self) -> None:
        for p in (self.path, self.path.with_name(self.path.name + ".tmp")):
            if p.exists():
                p.unlink()


class ProgressBar:
    """A rich progress bar on a terminal: documents, MB/s of input read, errors so far, and an
    ETA when the total input size is known (files; not stdin)."""

    def __init__(self, console: Any, stats: ReadStats, start: Summary | None = None):
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )

        self.stats = stats
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]cleaning"),
            BarColumn(),
            TextColumn("{task.fields[docs]:,} docs done, {task.fields[read]:,} read"),
            TransferSpeedColumn(),
            TextColumn("[red]{task.fields[errors]:,} errors"),
            TimeElapsedColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            console=console,
            transient=False,
            refresh_per_second=5,
        )
        first = start or Summary()
        # The total is known once the inputs are listed, when reading starts.
        self.task = self.progress.add_task("clean", total=None, docs=first.documents, errors=first.failed,
                                           read=first.documents)
        self._last = 0.0
        self._summary = first
        self._read = first.documents

    def track(self, items: Iterable[Item]) -> Iterator[Item]:
        """Pass items through, counting them as read: the bar moves while workers start up,
        before the first document is cleaned."""
        for item in items:
            self._read += 1
            self.update(self._summary)
            yield item

    def __enter__(self) -> ProgressBar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.update(self._summary, force=True)
        self.progress.stop()

    def update(self, s: Summary, force: bool = False) -> None:
        self._summary = s
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        self.progress.update(self.task, total=self.stats.total_bytes, completed=self.stats.bytes_read,
                             docs=s.documents, errors=s.failed, read=max(self._read, s.documents))
