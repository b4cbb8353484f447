"""EM beside its relatives: the same data and the same start, run as EM, CEM, SEM,
variational Bayes and k-means (see :mod:`gmm_explorer.engine.algorithms`).

:func:`compare_algorithms` runs each through the one EM loop
(:func:`~gmm_explorer.engine.em.iterate`) for up to ``n_iter`` iterations and keeps every
state, so one iteration counter can show them all side by side. Each run climbs its own
objective (:func:`~gmm_explorer.engine.algorithms.objective_name`): EM and SEM the
log-likelihood, CEM the classification log-likelihood, VB its lower bound, k-means minus
the within-cluster sum of squares.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gmm_explorer.engine import algorithms
from gmm_explorer.engine.em import iterate
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.steps import EMSettings, StepResult
from gmm_explorer.errors import GMMExplorerError

#: The algorithms compared, in the order shown.
COMPARED = ("em", "cem", "sem", "vb", "kmeans")
#: Iterations run by default.
N_ITER = 30


@dataclass(frozen=True, eq=False)
class AlgorithmRun:
    """One algorithm's run from the shared start.

    Attributes
    ----------
    algorithm : str
    settings : EMSettings
        What it ran with (k-means on EII, the others on the chosen model).
    states : tuple of StepResult
        Iteration 0 (the start, evaluated by this algorithm's pass) onwards; fewer than
        ``n_iter + 1`` when it converged early or failed.
    error : str or None
        Why the run stopped early or could not start (a one-line reason), else None.
    """

    algorithm: str
    settings: EMSettings
    states: tuple[StepResult, ...]
    error: str | None = None

    def at(self, iteration: int) -> StepResult | None:
        """The state shown at ``iteration``: the last one reached by then (a run that
        converged stays where it stopped), None when there is none."""
        if not self.states:
            return None
        return self.states[max(0, min(int(iteration), len(self.states) - 1))]

    @property
    def objectives(self) -> np.ndarray:
        """The run's own objective per point at each iteration (its curve)."""
        return np.array([mean_objective(r) for r in self.states])

    @property
    def stopped_at(self) -> int | None:
        """The iteration where the run stopped early (converged, or failed), or None."""
        if self.states and (self.error is not None or self.states[-1].converged):
            return self.states[-1].iteration
        return None


def mean_objective(r: StepResult) -> float:
    """A state's objective per point: the mean log-likelihood for EM and SEM, its own
    objective for the others."""
    return r.mean_log_likelihood if r.objective is None else r.mean_objective


def settings_for(algorithm: str, settings: EMSettings, n_iter: int) -> EMSettings:
    """``settings`` for ``algorithm`` run for ``n_iter`` iterations: k-means fits its own
    model (EII); the others keep the chosen one."""
    ctype = algorithms.KMEANS_MODEL if algorithm == algorithms.KMEANS else \
        settings.covariance_type
    return replace(settings, algorithm=algorithm, covariance_type=ctype, max_iter=int(n_iter))


def compare_algorithms(X, start: Mixture, settings: EMSettings = EMSettings(), *,
                       n_iter: int = N_ITER, compared=COMPARED, weights=None,
                       progress=None, cancelled=None) -> tuple[AlgorithmRun, ...] | None:
    """Run each of ``compared`` from ``start`` on ``X``.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    start : Mixture
        The shared start (iteration 0 of every run).
    settings : EMSettings
        The model settings (covariance model, reg_covar, tol, seed, prior, noise); the
        algorithm and ``max_iter`` are set per run (:func:`settings_for`).
    n_iter : int
    compared : sequence of str
    weights : array-like of shape (n_samples,), optional
    progress : callable(done, total), optional
        After each iteration of each run (total: ``len(compared) * n_iter``).
    cancelled : callable() -> bool, optional
        Checked between iterations: when it says stop, None is returned.

    Returns
    -------
    tuple of AlgorithmRun or None
        A run that cannot start (say VB on a model scikit-learn does not have) or fails on
        the way has ``error`` set and keeps the states it reached.
    """
    out = []
    total = len(compared) * max(1, int(n_iter))
    for a, alg in enumerate(compared):
        states: list[StepResult] = []
        error = None
        s = settings
        try:
            s = settings_for(alg, settings, n_iter)
            for r in iterate(X, start, s, weights=weights):
                if cancelled is not None and cancelled():
                    return None
                states.append(r)
                if progress is not None:
                    progress(a * max(1, int(n_iter)) + min(r.iteration, n_iter), total)
        except GMMExplorerError as exc:
            error = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        out.append(AlgorithmRun(alg, s, tuple(states), error))
    return tuple(out)
