"""What the window asks of EM, and the worker-side code that answers it.

The run controller sends an :class:`EMRequest` (a frozen snapshot: the points, the
settings, the parameters to start from) as a :class:`~gmm_explorer.qt.threads.Task` to a
:class:`~gmm_explorer.qt.threads.BackgroundThread`. There :class:`EMSolver` answers it with
an :class:`EMResult`. Every EM request consumes the engine's one loop,
:func:`gmm_explorer.engine.half_steps`: an E-step is its next ``"E"`` unit, an M-step or a
Step its next ``"M"`` unit, and Run to convergence all of its units until the engine's
stop rule (:func:`gmm_explorer.engine.run_finished`) or a cancel.

Nothing here touches a widget or imports Qt: the solver runs in the worker thread and is
tested without one.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum

import numpy as np

from gmm_explorer import engine as E
from gmm_explorer.drawing import summary_table
from gmm_explorer.drawing import warm_up as drawing_warm_up
from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.session import ModelSettings

#: Seconds between progress reports of a run to convergence.
PROGRESS_SECONDS = 0.1


class Ask(Enum):
    """The kinds of request; :data:`EMSolver` has one handler per kind."""

    #: New parameters by ``settings.init``: iteration 0.
    INITIALISE = "initialise"
    #: Only the k-means centroids the ``kmeans`` initialisation computes.
    KMEANS = "kmeans"
    #: Iteration 0 from ``mixture`` on these points (a start from a file, an edit of the
    #: points, a model picked in model selection).
    EVALUATE = "evaluate"
    #: ``mixture`` was made by hand: iteration ``iteration``, with ``note``.
    EDIT = "edit"
    #: Only the colours of the responsibilities under ``mixture`` (a scrubbed iteration).
    COLOUR = "colour"
    #: The E half-step: responsibilities of the displayed parameters.
    E = "e"
    #: The M half-step: new parameters from those responsibilities.
    M = "m"
    #: One iteration: E then M.
    STEP = "step"
    #: Steps until the engine's stop rule (converged or ``max_iter``) or a cancel.
    CONVERGE = "converge"


@dataclass(frozen=True, eq=False)
class EMRequest:
    """What the window asks of the worker: a read-only snapshot of the state."""

    kind: Ask
    points: np.ndarray
    settings: ModelSettings
    #: The parameters to start from (None for INITIALISE and KMEANS).
    mixture: E.Mixture | None = None
    #: The iteration number of ``mixture`` (for EDIT: the new state's number).
    iteration: int = 0
    #: Mean log-likelihoods of the run's states before ``mixture`` (the stop rule's input).
    previous_mean_log_likelihoods: tuple[float, ...] = ()
    #: Per-component locks for the M-step (engine.locks.Locks) or None.
    locks: object | None = None
    #: For EDIT: what was changed by hand.
    note: str | None = None
    #: For INITIALISE: also return the k-means centroids (the k-means overlay is on).
    want_kmeans: bool = False
    #: The E-pass's backend: "numpy" until the numba kernels are compiled, then None
    #: (numba). Both give the same numbers.
    backend: str | None = None
    #: Sample weights of the points (None: unweighted).
    weights: np.ndarray | None = None
    #: Colours also with each point's uncertainty (the view colours by it): 1 byte a
    #: point more in every pass's summary.
    want_uncertainty: bool = True


@dataclass(frozen=True, eq=False)
class EMResult:
    """What the worker computed.

    Attributes
    ----------
    kind : Ask
    steps : tuple of StepResult
        New states, oldest first (one for a step, many for CONVERGE; for E the displayed
        iteration again, unchanged).
    phase : {"M", "E"}
        The session's phase after this result.
    colors : ndarray of shape (n, 3) uint8, or None
        Soft colours from the responsibilities to show; None keeps the current colours.
    labels : ndarray of shape (n,) or None
        Hard labels (arg-max) matching ``colors``; -1 where a noise component claims the
        point most.
    uncertainty : ndarray of shape (n,) uint8, or None
        1 - max responsibility as the summary's codes ``round(255 u)``, matching
        ``colors``; None also when the request did not want it.
    neutral : bool
        Show every point in the neutral colour (no responsibilities yet).
    cancelled : bool
        A run to convergence stopped early on request.
    note : str or None
        For EDIT: the note to record with the state.
    source_mixture : Mixture or None
        For COLOUR: the mixture whose responsibilities the colours show.
    kmeans_centroids : ndarray of shape (k, 2) or None
    """

    kind: Ask
    steps: tuple[E.StepResult, ...] = ()
    phase: str = "M"
    colors: np.ndarray | None = None
    labels: np.ndarray | None = None
    uncertainty: np.ndarray | None = None
    neutral: bool = False
    cancelled: bool = False
    note: str | None = None
    source_mixture: E.Mixture | None = None
    kmeans_centroids: np.ndarray | None = None


@dataclass(frozen=True)
class EMProgress:
    """Progress of a CONVERGE request."""

    iteration: int
    #: The run's objective per point (engine.algorithms.objective_name says what it is).
    mean_objective: float
    algorithm: str = "em"


def _colours(e: E.EStep) -> dict:
    """Soft colours, hard labels (-1 where a noise component claims the point most) and
    uncertainty (1 - max responsibility) of ``e``: its pass's per-point summary, made
    inside the pass (the N x K responsibilities are never stored)."""
    s = e.summary
    return {"colors": s.blend, "labels": s.labels, "uncertainty": s.uncertainty}


def compile_kernels(report, cancelled) -> None:
    """Compile (or load from the cache) the numba kernels of the engine and the drawing:
    a task for its own thread at start-up, while EM runs on numpy meanwhile."""
    E.warm_up()
    drawing_warm_up()
    from gmm_explorer.engine import fast_fit
    from gmm_explorer.engine.hierarchical import hc_merges

    fast_fit.warm_up()  # model selection's compiled runs

    # mclust's hierarchical start (Init method "hc", model selection's first restart).
    hc_merges(np.random.default_rng(0).normal(size=(8, 2)))
    # The bulk reader of large text files (until it is ready they are read line by line).
    from gmm_explorer.io import fast_text

    fast_text.warm_up()


#: What the window says it is waiting for, per kind of request.
WAITING_FOR = {
    Ask.INITIALISE: "Initialising the components",
    Ask.KMEANS: "Running k-means",
    Ask.EVALUATE: "Evaluating the start on the data",
    Ask.EDIT: "Evaluating the hand-made state",
    Ask.COLOUR: "Colouring the points",
    Ask.E: "E-step",
    Ask.M: "M-step",
    Ask.STEP: "Step (E-step, then M-step)",
    Ask.CONVERGE: "Running to convergence (Esc stops)",
}


class EMSolver:
    """Answers :class:`EMRequest` objects; used only from the worker thread.

    Keeps the last E-pass, reused when the next request starts from the same parameters
    on the same points (a Step after an M-step needs the E-step of its parameters).
    """

    def __init__(self) -> None:
        self._last: tuple | None = None  # (points, mixture, its E-pass, weights)

    def handle(self, req: EMRequest, report: Callable, cancelled: Callable[[], bool]):
        """Answer ``req`` (the task body run by the worker thread)."""
        return _HANDLERS[req.kind](self, req, report, cancelled)

    # ------------------------------------------------------------------ the loop

    def _units(self, req: EMRequest, mixture: E.Mixture | None = None, *, stop: bool = False,
               iteration: int | None = None, previous=None) -> Iterator[E.HalfStep]:
        """The engine's half-steps from ``mixture`` (default: the request's), remembering
        each E-pass for the next request."""
        start = req.mixture if mixture is None else mixture
        if start is None:
            raise GMMExplorerError("initialise the model first")
        last = self._last
        cached = last[2] if last is not None and last[0] is req.points and last[1] is start \
            and last[3] is req.weights else None
        units = E.half_steps(
            req.points, start, req.settings.em_settings(),
            first_iteration=req.iteration if iteration is None else iteration,
            previous_mean_log_likelihoods=(req.previous_mean_log_likelihoods
                                           if previous is None else previous),
            locks=req.locks, start_estep=cached, stop=stop, backend=req.backend,
            weights=req.weights, summary_table=summary_table(start.n_components),
            summary_uncertainty=req.want_uncertainty)
        for unit in units:
            if unit.phase == "M":
                self._last = (req.points, unit.result.mixture, unit.estep, req.weights)
            yield unit

    # ------------------------------------------------------------------ handlers

    def _forget(self) -> None:
        # A new start cannot reuse the last pass: free it (its summary, and the points it
        # holds, maybe a data set since replaced) before making another.
        self._last = None

    def _initialise(self, req, report, cancelled) -> EMResult:
        self._forget()
        s = req.settings
        mix = E.initialise(req.points, s.k, s.init, covariance_type=s.fitted_covariance_type,
                           reg_covar=s.reg_covar, seed=s.seed, noise=s.noise,
                           weights=req.weights, noise_region=s.noise_region)
        centroids = self._kmeans_centroids(req) if req.want_kmeans else None
        start = next(self._units(req, mix, iteration=0, previous=()))
        return EMResult(req.kind, (start.result,), "M", neutral=True,
                        kmeans_centroids=centroids)

    @staticmethod
    def _kmeans_centroids(req: EMRequest) -> np.ndarray:
        from gmm_explorer.engine.init import kmeans_details

        return kmeans_details(req.points, req.settings.k, req.settings.seed).centroids

    def _kmeans(self, req, report, cancelled) -> EMResult:
        return EMResult(req.kind, kmeans_centroids=self._kmeans_centroids(req))

    def _evaluate(self, req, report, cancelled) -> EMResult:
        self._forget()
        start = next(self._units(req, iteration=0, previous=()))
        return EMResult(req.kind, (start.result,), "M", neutral=True)

    def _colour(self, req, report, cancelled) -> EMResult:
        start = next(self._units(req))
        return EMResult(req.kind, source_mixture=req.mixture, **_colours(start.estep))

    def _edit(self, req, report, cancelled) -> EMResult:
        # A state made by hand starts a new run: no earlier log-likelihoods.
        start = next(self._units(req, previous=()))
        return EMResult(req.kind, (start.result,), "E", note=req.note, **_colours(start.estep))

    def _e(self, req, report, cancelled) -> EMResult:
        units = self._units(req)
        next(units)  # the displayed state
        e = next(units)
        return EMResult(req.kind, (e.result,), "E", **_colours(e.estep))

    def _m_or_step(self, req, report, cancelled) -> EMResult:
        units = self._units(req)
        next(units)  # the displayed state
        e = next(units)
        m = next(units)
        if req.kind is Ask.M:
            return EMResult(req.kind, (m.result,), "M")
        return EMResult(req.kind, (m.result,), "M", **_colours(e.estep))

    def _converge(self, req, report, cancelled) -> EMResult:
        steps: list[E.StepResult] = []
        last_e = colours_from = None
        last_report = time.monotonic()
        stopped = False
        units = self._units(req, stop=True)
        next(units)  # the displayed state
        for unit in units:
            if unit.phase == "E":
                last_e = unit
                if cancelled():
                    stopped = True
                    break
                continue
            steps.append(unit.result)
            colours_from = last_e
            now = time.monotonic()
            if now - last_report > PROGRESS_SECONDS:
                last_report = now
                report(EMProgress(unit.result.iteration, unit.result.mean_objective,
                                   unit.result.algorithm))
        colours = _colours(colours_from.estep) if colours_from is not None else {}
        return EMResult(req.kind, tuple(steps), "M", cancelled=stopped, **colours)


_HANDLERS = {
    Ask.INITIALISE: EMSolver._initialise,
    Ask.KMEANS: EMSolver._kmeans,
    Ask.EVALUATE: EMSolver._evaluate,
    Ask.COLOUR: EMSolver._colour,
    Ask.EDIT: EMSolver._edit,
    Ask.E: EMSolver._e,
    Ask.M: EMSolver._m_or_step,
    Ask.STEP: EMSolver._m_or_step,
    Ask.CONVERGE: EMSolver._converge,
}
