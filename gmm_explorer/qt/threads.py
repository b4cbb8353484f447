"""The one worker-thread primitive: every background job of the window runs through it.

A :class:`Task` is a frozen description of one unit of background work: a callable
``run(report, cancelled)`` over read-only inputs, tagged with a ``kind`` and the
``version`` of the state it was computed from. A :class:`BackgroundThread` (GUI side) owns
one QThread and a worker QObject living in it; it queues tasks to the worker, cancels
them, re-emits their progress and outcome in the GUI thread, drops *stale* outcomes (the
state's version moved on since the task was submitted), and stops the thread on close.

The EM worker and the background analyses (model selection, the optima gallery, the
animation export) are all instances of this class (Orange's ``ConcurrentMixin`` and
superqt's ``GeneratorWorker`` are the precedents).

Threading rules kept here once:

* all connections are made before ``QThread.start()``, to methods of QObjects, so the
  worker's signals are queued to the GUI thread (a lambda would run in the worker thread);
* cancellation is an integer the GUI thread raises and the worker reads between units, so
  a cancel is never lost, even for a task still queued;
* :meth:`BackgroundThread.shutdown` cancels, quits and waits: a QThread destroyed while
  running aborts the process;
* with ``yield_first``, outcomes are delivered one per turn of the event loop, after the
  timers and input already due: an outcome that arrives while the window paints is not
  handled straight after that paint in one unbroken stall.
"""

from __future__ import annotations

import sys
from collections import deque
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from gmm_explorer.engine import work_split
from gmm_explorer.errors import GMMExplorerError

#: ``report(payload)``: publish progress from inside a task (any frozen payload).
Report = Callable[[Any], None]
#: ``cancelled()``: whether the task should stop after its current unit.
Cancelled = Callable[[], bool]


@dataclass(frozen=True, eq=False)
class Task:
    """One unit of background work.

    ``run(report, cancelled)`` returns the task's value; it calls ``report(payload)`` to
    publish progress and checks ``cancelled()`` between its units (one EM step, one fit,
    one frame), returning what it has when asked to stop.
    """

    kind: Any
    run: Callable[[Report, Cancelled], Any]
    #: The version of the state the task's inputs were taken from (for dropping stale
    #: outcomes): the session's model version for EM, its data version for analyses.
    version: int = 0
    #: Set by :meth:`BackgroundThread.submit`: increases with every task.
    task_id: int = 0


@dataclass(frozen=True, eq=False)
class TaskProgress:
    """Progress published by a running task."""

    task_id: int
    kind: Any
    version: int
    payload: Any


@dataclass(frozen=True, eq=False)
class TaskDone:
    """A task finished; ``cancelled`` when it stopped early (``value`` is what it had)."""

    task_id: int
    kind: Any
    version: int
    value: Any
    cancelled: bool


@dataclass(frozen=True)
class TaskFailed:
    """A task raised; ``message`` is meant for the user."""

    task_id: int
    kind: Any
    version: int
    message: str


@dataclass(frozen=True, eq=False)
class Progress:
    """What a job reports: ``done`` of ``total`` units, and a partial result."""

    done: int
    total: int
    text: str = ""
    partial: Any = None


def unless_cancelled(work):
    """A task body that does nothing when it was cancelled while still queued."""

    def run(report, cancelled):
        return None if cancelled() else work(report, cancelled)

    return run


def _stop(thread: QThread, worker: "_Worker") -> None:
    """Cancel every task of ``worker``, then quit ``thread`` and wait for it."""
    if thread.isRunning():  # after it stops, the worker may already be deleted
        worker.cancelled_through = sys.maxsize
        thread.quit()
        thread.wait()


class _Worker(QObject):
    """Lives in the thread; runs tasks one at a time and owns no widgets."""

    #: TaskProgress: a task published progress.
    progressed = Signal(object)
    #: TaskDone: a task finished.
    finished = Signal(object)
    #: TaskFailed: a task raised.
    failed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # Tasks with an id up to this are cancelled (an int the GUI thread writes).
        self.cancelled_through = 0
        self._lowered = False

    @Slot(object)
    def handle(self, task: Task) -> None:
        if not self._lowered:  # (in this thread, once: a compute thread yields to the GUI)
            self._lowered = True
            work_split.lower_this_thread()
        def cancelled() -> bool:
            return task.task_id <= self.cancelled_through

        def report(payload) -> None:
            self.progressed.emit(TaskProgress(task.task_id, task.kind, task.version, payload))

        try:
            value = task.run(report, cancelled)
        except GMMExplorerError as exc:
            self.failed.emit(TaskFailed(task.task_id, task.kind, task.version, str(exc)))
        except Exception as exc:  # noqa: BLE001 - never let the thread die on a bug
            self.failed.emit(TaskFailed(task.task_id, task.kind, task.version,
                                        f"internal error ({type(exc).__name__}: {exc})"))
        else:
            self.finished.emit(TaskDone(task.task_id, task.kind, task.version, value,
                                        cancelled()))


class BackgroundThread(QObject):
    """GUI-side owner of one worker thread.

    Parameters
    ----------
    name : str
        The thread's object name (shown by debuggers).
    current_version : callable () -> int
        The version of the state now; outcomes of tasks submitted under another version
        are stale and come out of :attr:`dropped` instead of :attr:`finished` /
        :attr:`failed`.
    latest_only : bool
        Submitting a task cancels the ones before it, and only the newest task's progress
        and outcome count (a superseded one is dropped). Otherwise tasks queue up and each
        is answered (the EM worker: a colour request may precede a step).
    yield_first : bool
        Deliver each outcome (in order, one per turn of the event loop) only after the
        timers and input events already due: the task stays :attr:`pending` until then.
        For threads whose outcomes are redrawn at once (the EM worker, the raster): a
        result arriving while the window paints was otherwise handled right after the
        paint, and input waited for both (one 80-130 ms stall at 10^6 points).
    """

    #: Task: internal, queued to the worker thread.
    _task_submitted = Signal(object)
    #: TaskProgress of a current task, in the GUI thread.
    progressed = Signal(object)
    #: TaskDone of a current task, in the GUI thread.
    finished = Signal(object)
    #: TaskFailed of a current task, in the GUI thread.
    failed = Signal(object)
    #: TaskDone or TaskFailed of a stale or superseded task, in the GUI thread.
    dropped = Signal(object)

    def __init__(self, name: str, current_version: Callable[[], int] = lambda: 0, *,
                 latest_only: bool = False, yield_first: bool = False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current_version = current_version
        self.latest_only = latest_only
        self._yield_first = yield_first
        #: Outcomes arrived, not yet delivered (yield_first).
        self._arrived: deque = deque()
        self._stopped = False
        #: Tasks queued or running.
        self.pending = 0
        #: The id of the newest task submitted.
        self.last_id = 0
        #: How many outcomes were dropped as stale or superseded.
        self.dropped_count = 0
        # Parented, so that Qt (not Python's cyclic garbage collector, which may run in
        # any thread) deletes it, after shutdown() has stopped it.
        self._thread = QThread(self)
        self._thread.setObjectName(name)
        self._worker = _Worker()
        self._worker.moveToThread(self._thread)
        # All connections before start(); methods of GUI-thread objects, so queued.
        self._task_submitted.connect(self._worker.handle)
        self._worker.progressed.connect(self._on_progress)
        self._worker.finished.connect(self._on_outcome)
        self._worker.failed.connect(self._on_outcome)
        self._thread.finished.connect(self._worker.deleteLater)
        # A window destroyed without being closed (its last reference dropped) must still
        # stop the thread before Qt deletes it: a QThread destroyed running aborts.
        self.destroyed.connect(partial(_stop, self._thread, self._worker))
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a task is queued or running."""
        return self.pending > 0

    @property
    def running(self) -> bool:
        """Whether the thread is alive (False after :meth:`shutdown`)."""
        return self._thread.isRunning()

    def submit(self, task: Task) -> int:
        """Queue ``task`` (after cancelling older ones when ``latest_only``); its id."""
        if self.latest_only:
            self.cancel()
        self.last_id += 1
        self.pending += 1
        self._task_submitted.emit(replace(task, task_id=self.last_id))
        return self.last_id

    def cancel(self) -> None:
        """Cancel every task submitted so far: a running one stops after its current
        unit, a queued one before its first."""
        self._worker.cancelled_through = max(self._worker.cancelled_through, self.last_id)

    def shutdown(self) -> None:
        """Cancel, quit and wait for the thread: call on close and on every error path.

        Waits without a time limit: a thread destroyed while running aborts the process,
        and the longest uninterruptible unit (one fit, one frame) takes seconds at most.
        """
        self.cancel()
        self._stopped = True  # outcomes not yet delivered never will be
        _stop(self._thread, self._worker)

    def _current(self, task_id: int, version: int) -> bool:
        if self.latest_only and task_id != self.last_id:
            return False
        return version == self._current_version()

    @Slot(object)
    def _on_progress(self, p: TaskProgress) -> None:
        if self._current(p.task_id, p.version):
            self.progressed.emit(p)

    @Slot(object)
    def _on_outcome(self, outcome) -> None:
        if not self._yield_first:
            self._deliver(outcome)
            return
        self._arrived.append(outcome)
        if len(self._arrived) == 1:
            QTimer.singleShot(0, self, self._deliver_next)

    @Slot()
    def _deliver_next(self) -> None:
        if self._stopped:
            return
        outcome = self._arrived.popleft()
        if self._arrived:  # before delivering: a receiver that raises stops nothing
            QTimer.singleShot(0, self, self._deliver_next)
        self._deliver(outcome)

    def _deliver(self, outcome) -> None:
        self.pending -= 1
        if not self._current(outcome.task_id, outcome.version):
            self.dropped_count += 1
            self.dropped.emit(outcome)
        elif isinstance(outcome, TaskFailed):
            self.failed.emit(outcome)
        else:
            self.finished.emit(outcome)
