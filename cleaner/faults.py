"""Fault injection for tests: named points a run passes through, which do nothing unless armed.

The batch code calls ``point(PHASE)`` at each step a real job can fail at (reading, a worker
starting or cleaning a chunk, writing a record or an error record, flushing, saving the
checkpoint, renaming the finished files). ``tests/test_faults.py`` arms one point at a time,
stops the run there, resumes it, and checks the output against an uninterrupted run's.

Armed through the environment, so worker processes inherit it::

    CLEANER_FAULTS="PHASE:ACTION:N[,PHASE:ACTION:N...]"

makes the N-th arrival at PHASE (counted in each process) do ACTION: ``raise`` an OSError
(as a failing disk would), ``interrupt`` (KeyboardInterrupt, as Ctrl-C) or ``kill`` (SIGKILL
of this process). With ``CLEANER_FAULTS_ONCE=PATH`` a fault fires only in the first process
that creates PATH, so a restarted worker does not die again. ``arm()`` does the same in this
process only. Unarmed, ``point`` costs one global lookup.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

PHASES = (
    "read",  # an input item is handed to the batch
    "worker-start",  # a worker process starts, before it loads the rules
    "worker-chunk",  # a worker is about to clean a chunk
    "write-record",  # a record is about to be written
    "write-error",  # an error record is about to be written
    "flush",  # the writers are about to flush for a checkpoint
    "checkpoint",  # the checkpoint file is written, not yet renamed into place
    "rename",  # a finished output file is about to be renamed into place
)
ACTIONS = ("raise", "interrupt", "kill")
ENV, ONCE_ENV = "CLEANER_FAULTS", "CLEANER_FAULTS_ONCE"


class InjectedFault(OSError):
    """The OSError a ``raise`` fault throws: to the batch it is a failing disk."""


def _parse(spec: str) -> dict[str, tuple[str, int]]:
    plan: dict[str, tuple[str, int]] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        phase, action, n = (part.split(":") + ["1"])[:3]
        if phase not in PHASES or action not in ACTIONS:
            raise ValueError(f"{ENV}: {part!r} is not PHASE:ACTION:N with PHASE in {PHASES}, ACTION in {ACTIONS}")
        plan[phase] = (action, int(n))
    return plan


_PLAN: dict[str, tuple[str, int]] | None = _parse(os.environ[ENV]) if os.environ.get(ENV) else None
_SEEN: Counter = Counter()


def arm(phase: str, action: str = "raise", at: int = 1) -> None:
    """Arm one fault in this process (tests); ``disarm()`` undoes every one."""
    global _PLAN
    plan = dict(_PLAN or {})
    plan.update(_parse(f"{phase}:{action}:{at}"))
    _PLAN = plan
    _SEEN[phase] = 0


def disarm() -> None:
    global _PLAN
    _PLAN = None
    _SEEN.clear()


def point(phase: str) -> None:
    """A step of the run: fails here if a test armed this phase, else does nothing."""
    if _PLAN is None or phase not in _PLAN:
        return
    _SEEN[phase] += 1
    action, n = _PLAN[phase]
    if _SEEN[phase] != n or not _first_process():
        return
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if action == "interrupt":
        raise KeyboardInterrupt
    raise InjectedFault(f"injected fault at {phase}")


def _first_process() -> bool:
    once = os.environ.get(ONCE_ENV)
    if not once:
        return True
    try:
        os.close(os.open(once, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True
