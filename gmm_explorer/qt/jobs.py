"""Long background analyses (model selection, the optima gallery, animation export), each
on its own worker thread so that EM stepping never waits for them.

A :class:`Job` is a frozen description: a ``run(report, cancelled)`` callable over a
read-only snapshot of the data. The :class:`JobRunner` runs one job at a time in its
thread; submitting a new job cancels the one before it (a job checks ``cancelled()``
between its units: one fit, one restart, one frame). Results come back as
:class:`JobDone` / :class:`JobFailed`, re-emitted in the GUI thread, tagged with the job's
id and the data version it was computed on, so the window can drop stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from gmm_explorer.errors import GMMExplorerError


@dataclass(frozen=True, eq=False)
class Job:
    """A unit of background work.

    ``run(report, cancelled)`` returns the job's value; ``report(done, total, text,
    partial=None)`` publishes progress (``partial``: a result so far, e.g. the rows fitted
    yet); ``cancelled()`` says whether to stop (then return what there is).
    """

    kind: str
    run: Callable[[Callable, Callable[[], bool]], Any]
    #: The session's data version the job's snapshot was taken at.
    data_version: int = 0
    #: Set by the runner: increases with every job, for cancellation.
    job_id: int = 0


@dataclass(frozen=True, eq=False)
class JobProgress:
    job_id: int
    kind: str
    data_version: int
    done: int
    total: int
    text: str
    partial: Any = None


@dataclass(frozen=True, eq=False)
class JobDone:
    job_id: int
    kind: str
    data_version: int
    value: Any
    cancelled: bool


@dataclass(frozen=True)
class JobFailed:
    job_id: int
    kind: str
    data_version: int
    message: str


class JobWorker(QObject):
    """Runs jobs in its own thread; owns no widgets."""

    #: JobProgress: a job advanced.
    progressed = Signal(object)
    #: JobDone: a job finished (``cancelled`` if it stopped early).
    finished = Signal(object)
    #: JobFailed: a job failed; the message is meant for the user.
    failed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        # Jobs with an id up to this are cancelled (an int written by the GUI thread).
        self.cancelled_through = 0

    @Slot(object)
    def handle(self, job: Job) -> None:
        def cancelled() -> bool:
            return job.job_id <= self.cancelled_through

        def report(done: int, total: int, text: str = "", partial=None) -> None:
            self.progressed.emit(JobProgress(job.job_id, job.kind, job.data_version, int(done),
                                             int(total), str(text), partial))

        if cancelled():
            self.finished.emit(JobDone(job.job_id, job.kind, job.data_version, None, True))
            return
        try:
            value = job.run(report, cancelled)
        except GMMExplorerError as exc:
            self.failed.emit(JobFailed(job.job_id, job.kind, job.data_version, str(exc)))
        except Exception as exc:  # noqa: BLE001 - never let the thread die on a bug
            self.failed.emit(JobFailed(job.job_id, job.kind, job.data_version,
                                       f"internal error ({type(exc).__name__}: {exc})"))
        else:
            self.finished.emit(JobDone(job.job_id, job.kind, job.data_version, value,
                                       cancelled()))


class JobRunner(QObject):
    """GUI-side owner of one job thread; re-emits the worker's signals in the GUI thread."""

    #: Job: internal, queued to the worker thread.
    _job_submitted = Signal(object)
    #: JobProgress, in the GUI thread.
    progressed = Signal(object)
    #: JobDone, in the GUI thread.
    finished = Signal(object)
    #: JobFailed, in the GUI thread.
    failed = Signal(object)

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.last_id = 0
        self.pending = 0
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._worker = JobWorker()
        self._worker.moveToThread(self._thread)
        # All connections before start(); methods of GUI-thread objects, so queued.
        self._job_submitted.connect(self._worker.handle)
        self._worker.progressed.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()

    @property
    def busy(self) -> bool:
        return self.pending > 0

    def submit(self, job: Job) -> int:
        """Cancel the jobs before and queue this one; returns its id."""
        self.cancel()
        self.last_id += 1
        self.pending += 1
        self._job_submitted.emit(replace(job, job_id=self.last_id))
        return self.last_id

    def cancel(self) -> None:
        """Cancel every job submitted so far (a running one stops after its current unit)."""
        self._worker.cancelled_through = max(self._worker.cancelled_through, self.last_id)

    def shutdown(self) -> None:
        """Cancel, quit and wait: call on close. The longest unit is one fit or frame."""
        if self._thread.isRunning():
            self.cancel()
            self._thread.quit()
            self._thread.wait()

    @Slot(object)
    def _on_progress(self, p: JobProgress) -> None:
        if p.job_id == self.last_id:
            self.progressed.emit(p)

    @Slot(object)
    def _on_finished(self, d: JobDone) -> None:
        self.pending -= 1
        self.finished.emit(d)

    @Slot(object)
    def _on_failed(self, f: JobFailed) -> None:
        self.pending -= 1
        self.failed.emit(f)
