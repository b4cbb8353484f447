"""All EM work off the GUI thread: a worker QObject living in its own QThread.

The window sends :class:`EMRequest` objects through :class:`EMController`; the worker runs
the engine on the request's read-only snapshot of the points and sends back an
:class:`EMResult` (or :class:`EMFailure`). Every request carries the session's
``model_version``; the window drops results whose version is stale. The worker never
touches a widget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from gmm_explorer import engine as E
from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.render import point_colors
from gmm_explorer.render import warm_up as render_warm_up
from gmm_explorer.session import ModelSettings

KINDS = ("initialise", "kmeans", "evaluate", "edit", "colour", "e", "m", "step", "converge")


@dataclass(frozen=True, eq=False)
class EMRequest:
    """What the window asks of the worker.

    ``kind`` is one of :data:`KINDS`: ``initialise`` (new parameters by
    ``settings.init``), ``evaluate`` (iteration 0 from ``mixture`` on these points),
    ``edit`` (``mixture`` was made by hand: iteration ``iteration`` + 1, with ``note``, the
    points coloured by its responsibilities), ``kmeans`` (only the k-means centroids that
    the ``kmeans`` initialisation computes for these settings), ``colour`` (only the colours of the
    responsibilities under ``mixture``, for a scrubbed iteration), ``e`` / ``m``
    (half-steps), ``step`` (E then M) or ``converge`` (steps until convergence or
    ``settings.max_iter``).
    """

    version: int
    kind: str
    points: np.ndarray
    settings: ModelSettings
    mixture: E.Mixture | None = None
    iteration: int = 0
    previous_mean_log_likelihoods: tuple[float, ...] = ()
    #: Per-component locks for the M-step (engine.locks.Locks) or None.
    locks: object | None = None
    #: For ``edit``: what was changed by hand.
    note: str | None = None
    #: For ``initialise``: also return the k-means centroids (the k-means overlay is on).
    want_kmeans: bool = False
    #: Set by the controller: increases with every request, for cancellation.
    request_id: int = 0


@dataclass(frozen=True, eq=False)
class EMResult:
    """What the worker computed.

    Attributes
    ----------
    steps : tuple of StepResult
        New iterations, oldest first (one for a step, many for ``converge``; for ``e``
        the current iteration again, unchanged).
    phase : {"M", "E"}
        The session's phase after this result.
    colors : ndarray of shape (n, 3) uint8, or None
        Soft colours from the responsibilities to show; None keeps the current colours.
    labels : ndarray of shape (n,) or None
        Hard labels (arg-max) matching ``colors``.
    neutral : bool
        Show every point in the neutral colour (no responsibilities yet).
    """

    version: int
    kind: str
    steps: tuple[E.StepResult, ...]
    phase: str
    colors: np.ndarray | None = None
    labels: np.ndarray | None = None
    neutral: bool = False
    cancelled: bool = False
    #: ndarray (n,) float32: 1 - max responsibility, matching ``colors``.
    uncertainty: np.ndarray | None = None
    #: For ``edit``: the note to record with the state.
    note: str | None = None
    #: For ``colour``: the mixture whose responsibilities the colours show.
    source_mixture: E.Mixture | None = None
    #: For ``initialise`` with the k-means initialisation: the k-means centroids (k, 2).
    kmeans_centroids: np.ndarray | None = None


@dataclass(frozen=True)
class EMFailure:
    """A request that could not be done; ``message`` is meant for the user."""

    version: int
    kind: str
    message: str


@dataclass(frozen=True)
class EMProgress:
    """Progress of a ``converge`` request."""

    version: int
    iteration: int
    mean_log_likelihood: float


class EMWorker(QObject):
    """Runs engine requests in its own thread; owns no widgets."""

    #: EMResult: a request finished (possibly cancelled part-way, see ``cancelled``).
    result_ready = Signal(object)
    #: EMFailure: a request failed; the message says why and what to change.
    failed = Signal(object)
    #: EMProgress: a long request advanced.
    progress = Signal(object)
    #: None: the numba kernels are compiled or loaded from the cache.
    warmed_up = Signal()

    def __init__(self) -> None:
        super().__init__()
        # Requests with an id up to this are cancelled. An int written by the GUI thread
        # and read here: a cancel can never be lost, even for a request still queued.
        self.cancelled_through = -1
        # The last E-step, reused when the next request starts from the same parameters
        # on the same points (a Step after an M-step needs the E-step of its parameters).
        self._last: tuple[np.ndarray, E.Mixture, E.EStep] | None = None

    def cancel_through(self, request_id: int) -> None:
        """Cancel requests up to ``request_id``: a running ``converge`` stops after its
        current step, a queued one stops before its first (thread-safe)."""
        self.cancelled_through = max(self.cancelled_through, request_id)

    @Slot()
    def warm_up(self) -> None:
        try:
            E.warm_up()
            render_warm_up()
        finally:
            self.warmed_up.emit()

    @Slot(object)
    def handle(self, req: EMRequest) -> None:
        try:
            self.result_ready.emit(self._run(req))
        except GMMExplorerError as exc:
            self.failed.emit(EMFailure(req.version, req.kind, str(exc)))
        except Exception as exc:  # noqa: BLE001 - never let the thread die on a bug
            self.failed.emit(EMFailure(req.version, req.kind,
                                       f"internal error ({type(exc).__name__}: {exc})"))

    # ------------------------------------------------------------------ work

    def _estep(self, points: np.ndarray, mixture: E.Mixture) -> E.EStep:
        last = self._last
        if last is not None and last[0] is points and last[1] is mixture:
            return last[2]
        e = E.e_step(points, mixture, want_resp=True)
        self._last = (points, mixture, e)
        return e

    @staticmethod
    def _kmeans(req: EMRequest) -> np.ndarray:
        """The k-means centroids the ``kmeans`` initialisation computes for these settings."""
        from gmm_explorer.engine.pointwise import kmeans_details

        return kmeans_details(req.points, req.settings.k, req.settings.seed).centroids

    def _colors(self, e: E.EStep):
        """Soft colours, hard labels and uncertainty (1 - max responsibility) of ``e``."""
        resp = e.responsibilities
        unc = (1.0 - resp.max(axis=1)).astype(np.float32)
        return (point_colors(resp, resp.shape[0], "soft"),
                np.argmax(resp, axis=1).astype(np.int16), unc)

    def _advance(self, req: EMRequest, e: E.EStep, iteration: int, prev: list[float]):
        """M-step from ``e``, then the E-step of the new parameters: the next iteration."""
        s = req.settings.em_settings()
        if req.locks is not None:
            new = E.m_step(e, s.covariance_type, s.reg_covar, locks=req.locks)
        else:
            new = E.m_step(e, s.covariance_type, s.reg_covar)
        e2 = self._estep(req.points, new)
        return E.step_result(iteration + 1, e2, prev + [e.mean_log_likelihood], s)

    def _run(self, req: EMRequest) -> EMResult:
        s = req.settings.em_settings()
        prev = list(req.previous_mean_log_likelihoods)
        if req.kind == "initialise":
            mix = E.initialise(req.points, req.settings.k, req.settings.init,
                               covariance_type=s.covariance_type, reg_covar=s.reg_covar,
                               seed=req.settings.seed)
            centroids = self._kmeans(req) if req.want_kmeans else None
            e = self._estep(req.points, mix)
            return EMResult(req.version, req.kind, (E.step_result(0, e, (), s),), "M",
                            neutral=True, kmeans_centroids=centroids)
        if req.kind == "kmeans":
            return EMResult(req.version, req.kind, (), "M", kmeans_centroids=self._kmeans(req))
        if req.mixture is None:
            raise GMMExplorerError("initialise the model first")
        if req.kind == "evaluate":
            e = self._estep(req.points, req.mixture)
            return EMResult(req.version, req.kind, (E.step_result(0, e, (), s),), "M",
                            neutral=True)
        e = self._estep(req.points, req.mixture)
        if req.kind == "colour":
            colors, labels, unc = self._colors(e)
            return EMResult(req.version, req.kind, (), "M", colors, labels,
                            uncertainty=unc, source_mixture=req.mixture)
        if req.kind == "edit":
            colors, labels, unc = self._colors(e)
            # A state made by hand starts a new run: no earlier log-likelihoods.
            return EMResult(req.version, req.kind, (E.step_result(req.iteration, e, (), s),),
                            "E", colors, labels, uncertainty=unc, note=req.note)
        if req.kind == "e":
            colors, labels, unc = self._colors(e)
            return EMResult(req.version, req.kind, (E.step_result(req.iteration, e, prev, s),),
                            "E", colors, labels, uncertainty=unc)
        if req.kind in ("m", "step"):
            result = self._advance(req, e, req.iteration, prev)
            if req.kind == "m":
                return EMResult(req.version, req.kind, (result,), "M")
            colors, labels, unc = self._colors(e)
            return EMResult(req.version, req.kind, (result,), "M", colors, labels,
                            uncertainty=unc)
        if req.kind == "converge":
            return self._converge(req, e, prev)
        raise ValueError(f"unknown request kind {req.kind!r}")

    def _converge(self, req: EMRequest, e: E.EStep, prev: list[float]) -> EMResult:
        steps: list[E.StepResult] = []
        iteration = req.iteration
        last_progress = time.monotonic()
        colors = labels = unc = None
        cancelled = False
        while iteration < req.settings.max_iter:
            if req.request_id <= self.cancelled_through:
                cancelled = True
                break
            result = self._advance(req, e, iteration, prev)
            prev = (prev + [e.mean_log_likelihood])[-2:]
            steps.append(result)
            e_prev, e = e, self._estep(req.points, result.mixture)
            iteration += 1
            now = time.monotonic()
            if now - last_progress > 0.1:
                last_progress = now
                self.progress.emit(EMProgress(req.version, iteration, result.mean_log_likelihood))
            if result.converged:
                break
        if steps:
            colors, labels, unc = self._colors(e_prev)
        return EMResult(req.version, req.kind, tuple(steps), "M", colors, labels,
                        cancelled=cancelled, uncertainty=unc)


class EMController(QObject):
    """GUI-side owner of the worker thread: submits requests, relays results.

    Re-emits the worker's signals from the GUI thread (tests can wait on these).
    """

    #: EMRequest: internal, queued to the worker thread.
    request_submitted = Signal(object)
    #: EMResult, re-emitted in the GUI thread.
    result_ready = Signal(object)
    #: EMFailure, re-emitted in the GUI thread.
    failed = Signal(object)
    #: EMProgress, re-emitted in the GUI thread.
    progress = Signal(object)
    #: None: the kernels are ready.
    warmed_up = Signal()
    #: internal: start the warm-up in the worker thread.
    _warm_requested = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pending = 0
        self.ready = False
        self._last_id = 0
        self._thread = QThread()
        self._thread.setObjectName("em-worker")
        self._worker = EMWorker()
        self._worker.moveToThread(self._thread)
        # All connections before start(); methods of GUI-thread objects, so queued.
        self.request_submitted.connect(self._worker.handle)
        self._warm_requested.connect(self._worker.warm_up)
        self._worker.result_ready.connect(self._on_result)
        self._worker.failed.connect(self._on_failed)
        self._worker.progress.connect(self._on_progress)
        self._worker.warmed_up.connect(self._on_warmed_up)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.start()
        self._warm_requested.emit()

    @property
    def busy(self) -> bool:
        """Whether a request is queued or running."""
        return self.pending > 0

    def submit(self, request: EMRequest) -> None:
        self._last_id += 1
        self.pending += 1
        self.request_submitted.emit(replace(request, request_id=self._last_id))

    def cancel(self) -> None:
        """Cancel every request submitted so far (long ones stop after their current step)."""
        self._worker.cancel_through(self._last_id)

    def shutdown(self) -> None:
        """Cancel, quit and wait for the thread: call on close and on every error path.

        Waits without a time limit: a thread destroyed while running aborts the process,
        and the longest uninterruptible unit (one initialisation) takes seconds at most.
        """
        if self._thread.isRunning():
            self.cancel()
            self._thread.quit()
            self._thread.wait()

    @Slot(object)
    def _on_result(self, result: EMResult) -> None:
        self.pending -= 1
        self.result_ready.emit(result)

    @Slot(object)
    def _on_failed(self, failure: EMFailure) -> None:
        self.pending -= 1
        self.failed.emit(failure)

    @Slot(object)
    def _on_progress(self, p: EMProgress) -> None:
        self.progress.emit(p)

    @Slot()
    def _on_warmed_up(self) -> None:
        self.ready = True
        self.warmed_up.emit()
