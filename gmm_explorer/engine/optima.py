"""Local optima of EM: many restarts, grouped into the distinct solutions they reach.

EM climbs to *a* local maximum of the likelihood, which one depending on where it starts.
The local-optima gallery runs a plan of restarts (:func:`restart_plan`,
:func:`run_restarts`) and shows the distinct optima they found (:func:`group_optima`),
best first, with how many restarts reached each.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from gmm_explorer.engine.batch import Cancelled, collect
from gmm_explorer.engine.fit import FitResult, fit
from gmm_explorer.engine.init import RANDOM_INITS, check_init_method
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.steps import EMSettings
from gmm_explorer.engine.validation import as_points, as_sample_weights, checked_points
from gmm_explorer.errors import FitError, InputError

#: Default ``ll_tol`` of :func:`group_optima`, in units of the fits' convergence ``tol``.
LL_TOL_FACTOR = 10.0
#: Default ``mean_tol``: matched means within this many standard deviations of the data.
MEAN_TOL = 0.05
#: Default ``weight_tol``: matched weights within this much of each other.
WEIGHT_TOL = 0.02


@dataclass(frozen=True, eq=False)
class Restart:
    """One restart of a plan.

    Attributes
    ----------
    seed : int
    init : str
        One of :data:`~gmm_explorer.engine.init.INIT_METHODS`.
    result : FitResult or None
        The fit, run to convergence (or ``max_iter``); None when it failed.
    error : str or None
        Why the fit failed (the :class:`~gmm_explorer.errors.FitError` message).
    """

    seed: int
    init: str
    result: FitResult | None
    error: str | None = None


@dataclass(frozen=True, eq=False)
class Optimum:
    """A distinct solution reached by one or more restarts.

    Attributes
    ----------
    mixture : Mixture
        The parameters of the best member (highest log-likelihood).
    log_likelihood : float
        Total log-likelihood of the best member.
    mean_log_likelihood : float
        Mean per-sample log-likelihood of the best member.
    count : int
        Number of restarts that reached this optimum.
    members : tuple of (int, str)
        ``(seed, init)`` of every member, best first.
    converged : bool
        Whether every member converged (False flags a member stopped by ``max_iter``).
    """

    mixture: Mixture
    log_likelihood: float
    mean_log_likelihood: float
    count: int
    members: tuple[tuple[int, str], ...]
    converged: bool


def restart_plan(n_restarts: int, inits=RANDOM_INITS, seed: int = 0) -> tuple[tuple[int, str], ...]:
    """A deterministic plan of restarts: distinct seeds, initialisations taken in turn.

    Parameters
    ----------
    n_restarts : int
        Number of restarts (>= 0).
    inits : sequence of str
        Initialisation methods, cycled: restart ``i`` uses ``inits[i % len(inits)]``.
    seed : int
        Master seed (>= 0); the restarts' seeds are derived from it with
        ``numpy.random.SeedSequence``, so the same master seed gives the same plan.

    Returns
    -------
    tuple of (int, str)
        ``(seed, init)`` per restart; the seeds are distinct integers in ``[0, 2**32)``.
    """
    if not isinstance(n_restarts, (int, np.integer)) or n_restarts < 0:
        raise InputError(f"the number of restarts must be an integer >= 0, got {n_restarts!r}")
    inits = tuple(inits)
    if not inits:
        raise InputError("give at least one initialisation method")
    for m in inits:
        check_init_method(m)
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"the seed must be an integer >= 0, got {seed!r}")
    seeds: list[int] = []
    seen: set[int] = set()
    ss = np.random.SeedSequence(int(seed))
    while len(seeds) < n_restarts:
        # A collision among 32-bit seeds is unlikely but possible: draw more until distinct.
        for s in ss.generate_state(n_restarts - len(seeds) + 1).tolist():
            if s not in seen and len(seeds) < n_restarts:
                seen.add(s)
                seeds.append(int(s))
        ss = ss.spawn(1)[0]
    return tuple((s, inits[i % len(inits)]) for i, s in enumerate(seeds))


def iter_restarts(X, k: int, settings: EMSettings, plan, cancelled=None,
                  weights=None) -> Iterator[Restart]:
    """Run the restarts of ``plan`` one at a time (for a worker that can cancel between them).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    k : int
    settings : EMSettings
    plan : sequence of (int, str)
        ``(seed, init)`` pairs, e.g. from :func:`restart_plan`.
    cancelled : callable() -> bool, optional
        Checked between the EM iterations of each fit; when it says stop, the generator
        ends (the restart being run is left out).
    weights : array-like of shape (n_samples,), optional
        Sample weights for every fit (see :func:`~gmm_explorer.engine.fit.fit`).

    Returns
    -------
    iterator of Restart
        A generator; each ``next()`` runs one fit
        (``fit(X, k, settings=settings, init=init, n_init=1, seed=seed)``). A fit that
        fails is recorded in :attr:`Restart.error`, not raised.

    Raises
    ------
    InputError
        Bad points, K, or plan: raised by this call, before any fit.
    """
    X = checked_points(X, k)
    w = as_sample_weights(weights, X.shape[0])
    plan = tuple((int(s), str(m)) for s, m in plan)
    for _, m in plan:
        check_init_method(m)

    def run() -> Iterator[Restart]:
        for s, m in plan:
            try:
                r = fit(X, k, settings=settings, init=m, n_init=1, seed=s, cancelled=cancelled,
                        weights=w)
            except Cancelled:
                return
            except FitError as exc:
                yield Restart(s, m, None, str(exc))
            else:
                yield Restart(s, m, r)

    return run()


def run_restarts(X, k: int, settings: EMSettings, plan, *, progress=None,
                 cancelled=None, weights=None) -> tuple[Restart, ...]:
    """Run every restart of ``plan`` to convergence: :func:`iter_restarts` run to the end.

    Parameters
    ----------
    X, k, settings, plan, weights
        As for :func:`iter_restarts`.
    progress, cancelled : callable, optional
        Called after each restart, and checked before each and inside it (see
        :func:`~gmm_explorer.engine.batch.collect`).

    Returns
    -------
    tuple of Restart
        In plan order.
    """
    plan = tuple(plan)
    return collect(iter_restarts(X, k, settings, plan, cancelled, weights), len(plan),
                   progress=progress, cancelled=cancelled)


def data_scale(X) -> np.ndarray:
    """Per-axis standard deviation of the data (1 on an axis without spread).

    Returns
    -------
    ndarray of shape (2,)
    """
    sd = as_points(X).std(axis=0)
    return np.where(sd > 0, sd, 1.0)


def match_components(reference: Mixture, other: Mixture, scale=(1.0, 1.0)) -> np.ndarray:
    """The relabelling of ``other`` that best lines up its components with ``reference``.

    Minimises the total distance between matched means, measured in units of ``scale``
    per axis (``scipy.optimize.linear_sum_assignment``).

    Parameters
    ----------
    reference, other : Mixture
        With the same K.
    scale : array-like of shape (2,)
        Per-axis unit, e.g. :func:`data_scale`.

    Returns
    -------
    perm : ndarray of shape (n_components,)
        ``other`` component ``perm[j]`` matches ``reference`` component ``j``.
    """
    if reference.n_components != other.n_components:
        raise InputError(f"cannot match {other.n_components} components to "
                         f"{reference.n_components}")
    return _match(reference.means, other.means, np.asarray(scale, dtype=np.float64))[0]


def _match(a: np.ndarray, b: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(perm, distances): b[perm[j]] matches a[j]; distances in units of ``scale``."""
    diff = (a[:, None, :] - b[None, :, :]) / scale
    cost = np.hypot(diff[..., 0], diff[..., 1])
    from scipy.optimize import linear_sum_assignment  # lazy: 0.3 s to import

    rows, cols = linear_sum_assignment(cost)
    return cols, cost[rows, cols]


def same_optimum(a: FitResult, b: FitResult, scale, *, ll_tol: float, mean_tol: float = MEAN_TOL,
                 weight_tol: float = WEIGHT_TOL) -> bool:
    """Whether two fits reached the same optimum (the rule of :func:`group_optima`)."""
    if abs(a.final.mean_log_likelihood - b.final.mean_log_likelihood) > ll_tol:
        return False
    ma, mb = a.mixture, b.mixture
    if ma.n_components != mb.n_components:
        return False
    perm, dist = _match(ma.means, mb.means, np.asarray(scale, dtype=np.float64))
    return bool(np.all(dist <= mean_tol)
                and np.all(np.abs(ma.weights - mb.weights[perm]) <= weight_tol))


def group_optima(X, restarts, *, ll_tol: float | None = None, mean_tol: float = MEAN_TOL,
                 weight_tol: float = WEIGHT_TOL) -> tuple[Optimum, ...]:
    """Group restarts that reached the same local optimum.

    The rule: two fits are the same optimum when

    1. their mean per-sample log-likelihoods differ by at most ``ll_tol``, and
    2. after matching their components one-to-one so that the total distance between
       matched means is smallest (``scipy.optimize.linear_sum_assignment``, distances
       measured in standard deviations of the data along each axis), every matched pair of
       means is within ``mean_tol`` of each other and every matched pair of weights within
       ``weight_tol``.

    The matching makes the rule blind to label switching: the same solution with its
    components in another order is one optimum. Successful restarts are taken in order of
    decreasing log-likelihood; each joins the first group (best first) whose *best* member
    it matches, else starts a new group. Comparing with the best member only (not with
    every member) keeps chains of near-misses from merging distinct optima. Failed
    restarts are left out.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The data the restarts were fitted to (for the per-axis standard deviations).
    restarts : iterable of Restart
        All with the same K.
    ll_tol : float, optional
        Default ``10 * tol`` of the restarts' settings (the largest ``tol`` among them),
        at least ``1e-6``: EM stops once the mean log-likelihood gains less than ``tol``
        per iteration, and a slowly converging run can still be a few ``tol`` short of
        its optimum.
    mean_tol : float
        In standard deviations of the data (default 0.05).
    weight_tol : float
        Absolute (default 0.02).

    Returns
    -------
    tuple of Optimum
        Sorted by log-likelihood, best first.
    """
    scale = data_scale(X)
    ok = [r for r in restarts if r.result is not None]
    if not ok:
        return ()
    ks = {r.result.mixture.n_components for r in ok}
    if len(ks) != 1:
        raise InputError(f"the restarts must all have the same K, got K in {sorted(ks)}")
    if ll_tol is None:
        ll_tol = max(LL_TOL_FACTOR * max(r.result.settings.tol for r in ok), 1e-6)
    # Stable sort: equal log-likelihoods keep plan order.
    ok.sort(key=lambda r: -r.result.log_likelihood)
    groups: list[list[Restart]] = []
    for r in ok:
        for g in groups:
            if same_optimum(g[0].result, r.result, scale, ll_tol=ll_tol, mean_tol=mean_tol,
                            weight_tol=weight_tol):
                g.append(r)
                break
        else:
            groups.append([r])
    return tuple(
        Optimum(mixture=g[0].result.mixture,
                log_likelihood=float(g[0].result.log_likelihood),
                mean_log_likelihood=float(g[0].result.final.mean_log_likelihood),
                count=len(g),
                members=tuple((m.seed, m.init) for m in g),
                converged=all(m.result.converged for m in g))
        for g in groups)
