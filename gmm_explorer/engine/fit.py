"""Whole fits: initialise, iterate to convergence, keep the best of ``n_init`` restarts."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine import fast_fit
from gmm_explorer.engine._kernels import get_num_threads
from gmm_explorer.engine.batch import Cancelled
from gmm_explorer.engine.diagnostics import degenerate_reason
from gmm_explorer.engine.em import iterate
from gmm_explorer.engine.init import (check_init_method, fresh_seed, initialise,
                                      is_int_seed, restart_starts, rng_from)
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.mstep import StartStatistics
from gmm_explorer.engine.steps import EMSettings, StepResult
from gmm_explorer.engine.validation import (
    as_points,
    as_sample_weights,
    check_enough_points,
    check_n_components,
    check_n_init,
)
from gmm_explorer.errors import InputError


@dataclass(frozen=True, eq=False)
class FitResult:
    """The outcome of :func:`fit`.

    Attributes
    ----------
    final : StepResult
        The last iteration of the best restart.
    history : tuple of StepResult
        Every iteration of the best restart, from its start (iteration 0).
    settings : EMSettings
    init : str
        The initialisation method, or ``"given"`` for given parameters.
    seed : int or None
        The seed actually used (drawn from fresh entropy when none was given).
    n_init : int
    """

    final: StepResult
    history: tuple[StepResult, ...]
    settings: EMSettings
    init: str
    seed: int | None
    n_init: int

    @property
    def mixture(self) -> Mixture:
        return self.final.mixture

    @property
    def n_iter(self) -> int:
        return self.final.iteration

    @property
    def converged(self) -> bool:
        return self.final.converged

    @property
    def log_likelihood(self) -> float:
        return self.final.log_likelihood

    def bic(self) -> float:
        """Bayesian information criterion (lower is better), as scikit-learn counts it."""
        return bic_from(self.final.log_likelihood, self.mixture, self.final.sample_size)

    def aic(self) -> float:
        """Akaike information criterion (lower is better)."""
        return aic_from(self.final.log_likelihood, self.mixture)


def bic_from(log_likelihood: float, mixture: Mixture, n_samples: float) -> float:
    """``-2 log L + p log N`` with scikit-learn's parameter count ``p`` (N: the number of
    points, or the sum of their sample weights)."""
    return -2.0 * log_likelihood + mixture.n_parameters() * np.log(n_samples)


def aic_from(log_likelihood: float, mixture: Mixture) -> float:
    """``-2 log L + 2 p`` with scikit-learn's parameter count ``p``."""
    return -2.0 * log_likelihood + 2.0 * mixture.n_parameters()


def better_restart(a: StepResult, b: StepResult, healthy_first: bool) -> bool:
    """Whether restart ending in ``a`` beats the one ending in ``b``: with
    ``healthy_first``, a healthy state beats a degenerate one
    (:func:`~gmm_explorer.engine.diagnostics.degenerate_reason`); otherwise, or between
    two of a kind, the higher objective wins."""
    # The run's own objective (the log-likelihood for EM and SEM), summed over the points.
    higher = _total_objective(a) > _total_objective(b)
    if not healthy_first:
        return higher
    # The same answer as comparing (healthy, objective) pairs, judging only the states
    # whose verdict can change it: a restart that ends below a healthy best is never
    # judged, which spares model selection most of its verdicts.
    if higher:
        return degenerate_reason(a) is None or degenerate_reason(b) is not None
    return degenerate_reason(b) is not None and degenerate_reason(a) is None


def _total_objective(r: StepResult) -> float:
    return r.log_likelihood if r.objective is None else r.objective


def _run(states, cancelled) -> tuple[StepResult, ...]:
    """Every state of one EM run, checking ``cancelled`` before each iteration."""
    if cancelled is None:
        return tuple(states)
    out, states = [], iter(states)
    while True:
        if cancelled():
            raise Cancelled("the fit was cancelled")
        try:
            out.append(next(states))  # one EM iteration
        except StopIteration:
            return tuple(out)


def check_given_k(n_components: int | None, start: Mixture) -> int:
    """K of a fit from given parameters: theirs (a different ``n_components`` is an
    InputError)."""
    if n_components is not None and n_components != start.n_components:
        raise InputError(f"K={n_components} conflicts with the {start.n_components} components "
                         "of the given initial parameters")
    return start.n_components


def fit(X, n_components: int | None = None, *, settings: EMSettings = EMSettings(),
        init: str | Mixture = "kmeans", n_init: int = 1, seed=None,
        backend: str | None = None, cancelled=None, healthy_first: bool = False,
        weights=None, fast: bool = False, noise_points=None) -> FitResult:
    """Fit a mixture by ``settings.algorithm`` (EM by default), keeping the restart whose
    final state has the highest objective (for EM and SEM, the log-likelihood).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    n_components : int, optional
        K; taken from ``init`` when that is a Mixture (a different value is an error).
    settings : EMSettings
    init : str or Mixture
        One of :data:`~gmm_explorer.engine.init.INIT_METHODS`, or starting parameters.
    n_init : int
        Number of restarts (given parameters are deterministic and run once).
    seed : int or None
        Seeds every restart; None draws a seed, which is recorded in the result.
    backend : {None, "numba", "numpy"}
        None: the compiled pass, except on passes too small to repay loading it
        (:data:`~gmm_explorer.engine._kernels.NUMPY_PASS_BELOW`), which run in numpy.
    cancelled : callable() -> bool, optional
        Checked before every EM iteration of every restart; when it returns true the fit
        stops by raising :class:`~gmm_explorer.engine.batch.Cancelled`.
    healthy_first : bool
        Keep the best restart among those that end with no degenerate component (see
        :data:`~gmm_explorer.engine.diagnostics.DEGENERATE`; a collapsing component can
        have the highest likelihood of all), and the best of all only when every restart
        is degenerate. Model selection asks for this.
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies: point i counts ``w_i`` times in every M-step, the
        log-likelihood, BIC's N and the starts' parameters; see
        :func:`~gmm_explorer.engine.validation.as_sample_weights`).
    fast : bool
        Restarts in the compiled loop where it applies (see :func:`best_run`); the
        result's history then holds only the final state.
    noise_points : array-like of bool, optional
        With ``settings.noise``: the points every start begins as noise (see
        :func:`~gmm_explorer.engine.init.initialise`).

    Returns
    -------
    FitResult

    Raises
    ------
    InputError
        Bad arguments or too few points.
    Cancelled
        ``cancelled()`` said stop.
    FitError
        When EM cannot go on from any restart; the message says what to change.
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    check_n_init(n_init)
    if seed is None:
        seed = fresh_seed()
    if isinstance(init, Mixture):
        n_components = check_given_k(n_components, init)
        check_enough_points(X.shape[0], n_components)
        history = _run(iterate(X, init, settings, backend=backend, weights=w), cancelled)
        return FitResult(history[-1], history, settings, "given", seed, 1)
    check_init_method(init)
    if n_components is None:
        raise InputError("K (the number of components) is required")
    check_n_components(n_components)
    check_enough_points(X.shape[0], n_components)
    if fast and not settings.noise and init != "centre" and is_int_seed(seed):
        # Model selection: the restarts of every covariance model of this K are the same
        # draws, so they are made once (cached) and only the M-step runs per model.
        starts = restart_starts(X, n_components, init, seed, n_init,
                                covariance_type=settings.covariance_type,
                                reg_covar=settings.reg_covar, weights=w)
    else:
        rng = rng_from(seed)
        starts = (lambda: initialise(X, n_components, init,
                                     covariance_type=settings.covariance_type,
                                     reg_covar=settings.reg_covar, seed=rng,
                                     noise=settings.noise, weights=w,
                                     noise_points=noise_points,
                                     noise_region=settings.noise_region)
                  for _ in range(n_init))
    best = best_run(X, starts, settings, backend=backend, cancelled=cancelled,
                    healthy_first=healthy_first, weights=w, fast=fast)
    return FitResult(best[-1], best, settings, init, seed, n_init)


def best_run(X, starts, settings: EMSettings, *, backend: str | None = None, cancelled=None,
             healthy_first: bool = False, weights=None,
             fast: bool = False, independent: bool = False) -> tuple[StepResult, ...]:
    """Run EM from each start and keep the best run (:func:`better_restart`): the one
    restart loop of :func:`fit` and model selection's mixed restarts.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Checked points.
    starts : iterable of callable() -> Mixture or StartStatistics
        Each makes one restart's start when called (in turn, so a shared generator draws
        them in order): its parameters, or its statistics (the compiled loop then takes
        the start's M-step itself).
    settings, backend, cancelled, healthy_first, weights
        As for :func:`fit`.
    fast : bool
        Run each restart in the compiled loop (:mod:`~gmm_explorer.engine.fast_fit`)
        where it applies: the same final state to rounding, many times faster, but
        the returned history holds only the final state. Model selection asks for this.
    independent : bool
        With ``fast``: the starts do not share a generator (each has its own seed), so
        each is made on the worker thread that runs it, beside the other runs.

    Returns
    -------
    tuple of StepResult
        The best run's states.

    Raises
    ------
    FitError
        The first restart's error, when EM cannot go on from any of them.
    """
    def one(start) -> tuple[StepResult, ...]:
        if fast and fast_fit.applies(start, settings, backend=backend,
                                     n_samples=X.shape[0]):
            if cancelled is not None and cancelled():
                raise Cancelled("the fit was cancelled")
            return (fast_fit.run(X, start, settings, weights),)
        if isinstance(start, StartStatistics):
            start = start.mixture()
        return _run(iterate(X, start, settings, backend=backend, weights=weights),
                    cancelled)

    if fast:
        # The starts are made in turn (a shared generator draws them in order), and each
        # run goes to a worker thread as soon as its start is made, so the compiled loops
        # (which release the GIL) run while the next starts are made; independent starts
        # are made on the workers too. The outcomes are compared in the starts' order, as
        # one by one.
        outcomes = _in_threads(one, starts, independent)
    else:
        outcomes = (_outcome(one, make_start) for make_start in starts)
    best: tuple[StepResult, ...] | None = None
    first_error = None
    for out in outcomes:
        if isinstance(out, ArithmeticError):  # FitError: try the other restarts first
            first_error = first_error or out
            continue
        if isinstance(out, BaseException):
            raise out
        if best is None or better_restart(out[-1], best[-1], healthy_first):
            best = out
    if best is None:
        raise first_error
    return best


def _outcome(one, make_start):
    """``one(make_start())``, or the FitError it raised (an ArithmeticError)."""
    try:
        return one(make_start() if callable(make_start) else make_start)
    except ArithmeticError as exc:
        return exc


_POOL = None
_POOL_LOCK = threading.Lock()


def _in_threads(one, starts, independent: bool = False) -> list:
    """``one`` on each start that ``starts`` make (a start's own FitError passes
    through), on worker threads when the numba kernels use more than one; outcomes in the
    starts' order. ``independent``: each start is made on its run's thread. A cancel or
    another error is raised once every run has stopped."""
    global _POOL

    stopped = threading.Event()  # a run was cancelled or failed: make no more

    def task(start):
        if isinstance(start, BaseException):
            return start
        if stopped.is_set():
            return _Raised(Cancelled("the fit was cancelled"))
        try:
            return _outcome(one, start)  # calls start() when it is a maker
        except BaseException as exc:  # noqa: BLE001 - Cancelled and the like, raised below
            stopped.set()
            return _Raised(exc)

    def made():
        for make_start in starts:
            if stopped.is_set():
                return
            if independent:
                yield make_start
                continue
            try:
                yield make_start()
            except ArithmeticError as exc:
                yield exc

    if get_num_threads() <= 1:
        outcomes = [task(m) for m in made()]
    else:
        with _POOL_LOCK:
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2),
                                           thread_name_prefix="gmm-restarts")
            pool = _POOL
        futures = []
        try:
            for m in made():
                futures.append(pool.submit(task, m))
        finally:
            outcomes = [f.result() for f in futures]
    raised = [out.exc for out in outcomes if isinstance(out, _Raised)]
    if raised:
        # The error that stopped the others, not a run it stopped (reported as a cancel).
        raise next((exc for exc in raised if not isinstance(exc, Cancelled)), raised[0])
    return outcomes


@dataclass(frozen=True)
class _Raised:
    exc: BaseException
