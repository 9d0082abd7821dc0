"""Clean a stream of documents into writers; one bad document never stops the batch.

Every input item becomes exactly one output record or one error record, in input order
(also with worker processes). Every ``every`` items the writers flush and a small
checkpoint file records how many items are done and how far each output file goes, so
``--resume`` can continue a killed run with no duplicates and no gaps.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import json
import multiprocessing as mp
import os
import pickle
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner import faults
from cleaner.api import Cleaner
from cleaner.extract import NoContent, NotHtml
from cleaner.readers.base import Failure, Item, ReadStats
from cleaner.writers.base import Writer

__all__ = [
    "BatchConfig", "Checkpoint", "OutputBusy", "OutputLock", "Outcome", "ProgressBar", "Summary", "WorkerError",
    "Writer", "outcomes", "process", "run_batch",
]


@dataclass
class Summary:
    documents: int = 0
    cleaned: int = 0
    failed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals_by_family: Counter = field(default_factory=Counter)
    warnings: int = 0
    rescued: int = 0  # HTML pages whose truncated extraction readability-lxml replaced (cleaner.rescue)
    seconds: float = 0.0
    errors_by_kind: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)  # inputs that are not documents (WARC requests, ...)
    resumed_from: int = 0  # documents already done by the killed run this one continues
    worker_restarts: int = 0  # worker pools started again after a worker died

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "cleaned": self.cleaned,
            "failed": self.failed,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "removals_by_family": dict(self.removals_by_family.most_common()),
            "warnings": self.warnings,
            "rescued": self.rescued,
            "seconds": round(self.seconds, 3),
            "errors_by_kind": dict(self.errors_by_kind.most_common()),
            "skipped": dict(self.skipped),
            "resumed_from": self.resumed_from,
            "worker_restarts": self.worker_restarts,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Summary:
        s = cls()
        for k in ("documents", "cleaned", "failed", "chars_in", "chars_out", "warnings", "rescued", "resumed_from",
                  "worker_restarts"):
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
    rescued: bool = False


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
        rescued="rescue" in prov.get("extraction", {}),
    )


_WORKER_CLEANER: Cleaner | None = None
_WORKER_FAILURE: str | None = None
MAX_START_FAILURES = 3  # pools in a row whose workers died before cleaning anything: the run stops
MAX_RESTARTS = 20  # worker deaths in one run past which it stops (resumable) rather than crawl on


class WorkerStartFailed(Exception):
    """A worker process could not load the rules (raised in the worker, re-raised in the parent)."""


class WorkerError(RuntimeError):
    """The worker processes cannot run: the run stops (exit 3), resumable from its checkpoint."""


def _init_worker(blob: str, parent: int | None = None, ready: Any = None) -> None:
    """Load the Cleaner from the file the parent wrote. A file, not the initializer's
    arguments: a worker killed as it starts would leave the parent blocked for ever writing
    half a megabyte of pickled rules into its pipe."""
    global _WORKER_CLEANER, _WORKER_FAILURE
    if parent is not None:
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    try:
        faults.point("worker-start")
        with open(blob, "rb") as f:
            _WORKER_CLEANER = pickle.load(f)  # unpickled once per worker: rules compile once per process
    except Exception as e:  # noqa: BLE001 - reported by the first chunk, as a clear run error
        _WORKER_FAILURE = f"{type(e).__name__}: {e}"
    if ready is not None:
        ready.set()  # a death after this is the work's doing, not the start's


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (SIGKILL leaves no time to stop the pool) exits too."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _process_chunk(chunk: list[Item]) -> list[Outcome]:
    if _WORKER_CLEANER is None:
        raise WorkerStartFailed(_WORKER_FAILURE or "the worker did not load the rules")
    faults.point("worker-chunk")
    out = [process(_WORKER_CLEANER, item) for item in chunk]
    release_freed_memory()
    return out


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc
    except (OSError, AttributeError):
        return None


def release_freed_memory() -> None:
    """Give the heap memory freed by the last chunk back to the system (glibc's ``malloc_trim``).

    A large document leaves its lines and records' memory free but mapped, so a process's
    resident size would creep up to the largest documents it has seen (some 14 MB a worker over
    1 GB of records). Output never depends on it; on other C libraries it does nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class _Pending:
    chunk: list[Item]
    future: Future | None = None
    suspect: bool = False  # in flight when a worker died: cleaned again one at a time
    crashes: int = 0


def _crashed(item: Item, times: int) -> Outcome:
    msg = f"a worker process died cleaning this document ({times} times); the batch went on"
    return Outcome(error=Failure(item.id, item.source, "worker-crashed", msg).to_record())


def outcomes(
    items: Iterable[Item], cleaner: Cleaner, workers: int = 1, chunk_size: int = 16, summary: Summary | None = None
) -> Iterator[Outcome]:
    """Outcomes in input order. With workers > 1, chunks go to worker processes and at most
    ``2 * workers`` chunks are in flight, so memory stays bounded however long the input.

    A worker that dies takes no chunk with it: the pool is started again and the chunks that
    were in flight are cleaned again, one at a time, so the one that kills a worker is found;
    it is then cleaned document by document, and a document that kills a worker twice becomes
    a ``worker-crashed`` error record. ``summary.worker_restarts`` counts the restarts. Workers
    that cannot load the rules, die as they start ``MAX_START_FAILURES`` times in a row, or
    die more than ``MAX_RESTARTS`` times in all, stop the run with WorkerError.
    """
    chunks = _chunks(items, chunk_size)
    first = next(chunks, [])
    if workers <= 1 or len(first) < chunk_size:  # small inputs are not worth starting processes
        for item in itertools.chain(first, itertools.chain.from_iterable(chunks)):
            yield process(cleaner, item)
        return
    with tempfile.TemporaryDirectory(prefix="cleaner-workers-") as tmp:
        blob = os.path.join(tmp, "cleaner.pickle")
        with open(blob, "wb") as f:
            pickle.dump(cleaner, f, protocol=pickle.HIGHEST_PROTOCOL)
        yield from _pooled(itertools.chain([first], chunks), blob, workers, summary)


class _Pool:
    """The worker processes and what their deaths tell: which chunk to blame, when to give up."""

    def __init__(self, blob: str, workers: int, summary: Summary | None):
        self.ctx = mp.get_context("spawn")  # no fork: the parent may run a progress thread
        self.blob, self.workers, self.summary = blob, workers, summary
        self.start_failures = self.restarts = 0
        self.pool, self.ready = self._new()

    def _new(self) -> tuple[ProcessPoolExecutor, Any]:
        ready = self.ctx.Event()
        args = (self.blob, os.getpid(), ready)
        pool = ProcessPoolExecutor(self.workers, mp_context=self.ctx, initializer=_init_worker, initargs=args)
        return pool, ready

    def submit(self, pending: deque[_Pending]) -> None:
        """Send the chunks not yet in flight; only the head while a suspect is being isolated."""
        isolate = any(p.suspect for p in pending)
        for p in itertools.islice(pending, 0, 1 if isolate else None):
            if p.future is None:
                try:
                    p.future = self.pool.submit(_process_chunk, p.chunk)
                except (BrokenProcessPool, RuntimeError):
                    break  # the pool is dead: found by the caller, through the head's future

    def died(self, e: Exception, pending: deque[_Pending]) -> tuple[bool, Outcome | None]:
        """A worker died with the head in flight: count it, maybe stop the run, and split or give
        up on the head if it was alone in flight. Whether a worker had started, and the head's
        ``worker-crashed`` record if it killed a worker twice."""
        started = self.ready.is_set()
        self.pool.shutdown(wait=True, cancel_futures=True)
        self.restarts += 1
        if self.summary is not None:
            self.summary.worker_restarts += 1
        if self.restarts > MAX_RESTARTS:
            why = f"{type(e).__name__}: {e}"
            raise WorkerError(f"worker processes died {self.restarts} times (last: {why})") from None
        head = pending[0]
        if not started:  # no worker got as far as loading the rules: no chunk is to blame
            self.start_failures += 1
            if self.start_failures >= MAX_START_FAILURES:
                raise WorkerError(f"worker processes died as they started, {self.start_failures} times in a row "
                                  f"({type(e).__name__}: {e})") from None
        elif head.suspect:  # it was alone in flight: it is the one that killed the worker
            head.crashes += 1
            if len(head.chunk) > 1:
                pending.popleft()
                pending.extendleft(_Pending([it], suspect=True) for it in reversed(head.chunk))
            elif head.crashes >= 2:
                pending.popleft()
                return started, _crashed(head.chunk[0], head.crashes)
        return started, None

    def restart(self, pending: deque[_Pending], started: bool) -> None:
        """A new pool; what was in flight is sent again, one at a time if a worker had started."""
        for p in pending:
            p.future, p.suspect = None, p.suspect or started
        self.pool, self.ready = self._new()

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _fill(pending: deque[_Pending], chunks: Iterator[list[Item]], most: int) -> bool:
    """Queue chunks until ``most`` are pending; True once the chunks are exhausted."""
    while len(pending) < most:
        chunk = next(chunks, None)
        if chunk is None:
            return True
        pending.append(_Pending(chunk))
    return False


def _pooled(chunks: Iterator[list[Item]], blob: str, workers: int, summary: Summary | None) -> Iterator[Outcome]:
    pool = _Pool(blob, workers, summary)
    pending: deque[_Pending] = deque()
    exhausted = False
    try:
        while True:
            exhausted = exhausted or _fill(pending, chunks, 2 * workers)
            if not pending:
                return
            pool.submit(pending)
            head = pending[0]
            try:
                if head.future is None:
                    raise BrokenProcessPool("the pool could not take work")
                out = head.future.result()
            except WorkerStartFailed as e:
                raise WorkerError(f"a worker process could not load the rules: {e}") from None
            except Exception as e:  # noqa: BLE001 - a worker died (or the chunk failed): clean it again
                started, crashed = pool.died(e, pending)
                if crashed is not None:
                    yield crashed
                pool.restart(pending, started)
                continue
            pending.popleft()
            pool.start_failures = 0
            yield from out
            del out, head
            release_freed_memory()
    finally:
        pool.shutdown()


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


@dataclass
class BatchConfig:
    """How ``run_batch`` runs: workers, hooks, and a resumed run's figures."""

    workers: int | None = None
    """Default: the cleaner's ``CleanOptions.workers``."""
    summary: Summary | None = None
    """The figures of the killed run a resumed one continues."""
    on_progress: Callable[[Summary], None] | None = None
    """Called after every item."""
    checkpoint: Callable[[Summary], None] | None = None
    """Called every ``every`` items, after the writers' own checkpoints, when everything before is written."""
    every: int | None = None
    """Default: the cleaner's ``CleanOptions.checkpoint_every``."""
    chunk_size: int | None = None
    """Default: the cleaner's ``CleanOptions.chunk_size``."""


def run_batch(
    items: Iterable[Item], cleaner: Cleaner, out: Writer, errors: Writer, config: BatchConfig | None = None
) -> Summary:
    """Clean every item into ``out`` (records) or ``errors`` (error records), in input order."""
    c = config or BatchConfig()
    every = c.every or cleaner.clean_options.checkpoint_every
    chunk_size = c.chunk_size or cleaner.clean_options.chunk_size
    workers = c.workers or cleaner.clean_options.workers
    summary, checkpoint, on_progress = c.summary, c.checkpoint, c.on_progress
    s = summary if summary is not None else Summary()
    before = s.documents
    counted = _Counted(items)
    t0 = time.perf_counter()
    elapsed0 = s.seconds
    since = 0
    for o in outcomes(counted, cleaner, workers, chunk_size=chunk_size, summary=s):
        s.documents += 1
        if o.error is not None:
            faults.point("write-error")
            errors.write(o.error)
            s.failed += 1
            s.errors_by_kind[o.error.get("error", "unknown")] += 1
        else:
            assert o.record is not None
            faults.point("write-record")
            out.write(o.record)
            s.cleaned += 1
            s.chars_in += o.chars_in
            s.chars_out += o.chars_out
            s.removals_by_family.update(o.families)
            s.warnings += o.warnings
            s.rescued += o.rescued
        since += 1
        if checkpoint is not None and since >= every:
            s.seconds = elapsed0 + time.perf_counter() - t0
            faults.point("flush")
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

    def save(self, summary: Summary, writers: dict[str, dict[str, Any]], inputs: dict[str, Any] | None = None) -> None:
        """``inputs``: what the first ``done`` documents were (InputDigest.state), checked on resume."""
        state = {
            "version": self.VERSION,
            "fingerprint": self.fingerprint,
            "done": summary.documents,
            "writers": writers,
            "summary": summary.to_dict(),
            "config": self.config,
            "inputs": inputs,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(state, f)
            f.flush()
        faults.point("checkpoint")
        os.replace(tmp, self.path)

    def remove(self) -> None:
        for p in (self.path, self.path.with_name(self.path.name + ".tmp")):
            if p.exists():
                p.unlink()


class OutputBusy(Exception):
    """Another run holds the output's lock."""


class OutputLock:
    """One run per output: ``OUTPUT.lock`` beside it, an OS file lock (``filelock``) held for
    the whole run and released by the OS if the process dies, so it never goes stale. Two
    runs writing one output would each rename their own ``.tmp`` over the other's."""

    def __init__(self, output: Path):
        from filelock import FileLock

        self.output = output
        self.path = output.with_name(output.name + ".lock")
        self._lock = FileLock(str(self.path))

    def acquire(self) -> None:
        from filelock import Timeout

        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(blocking=False)
        except Timeout:
            raise OutputBusy(
                f"another cleaner run is writing {self.output} (it holds {self.path}); "
                "wait for it to end, or write to another --output"
            ) from None

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        # Removed while still held: a run starting after this makes a new lock file and takes it.
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        self._lock.release()


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
