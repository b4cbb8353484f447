"""Model selection: BIC, AIC and ICL over a grid of K and covariance models."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Iterator

import numpy as np

from gmm_explorer.engine.batch import Cancelled, collect
from gmm_explorer.engine.density import _logsumexp_rows, weighted_log_prob
from gmm_explorer.engine.em import e_step
from gmm_explorer.engine.diagnostics import degenerate_reason
from gmm_explorer.engine.fit import FitResult, aic_from, best_run, bic_from, fit
from gmm_explorer.engine.init import check_init_method, fresh_seed, start_statistics
from gmm_explorer.engine.mixture import COVARIANCE_TYPES, Mixture
from gmm_explorer.engine.models import canonical
from gmm_explorer.engine.steps import EMSettings
from gmm_explorer.engine.validation import as_points, as_sample_weights, check_n_init
from gmm_explorer.errors import FitError, InputError

CRITERIA = ("bic", "aic", "icl")
#: Points per block when ICL sums over the data (bounds the N x K temporaries).
ICL_BLOCK = 65_536


def bic(X, mixture: Mixture, weights=None) -> float:
    """BIC of ``mixture`` on ``X`` (lower is better), as scikit-learn's ``GaussianMixture.bic``
    (under sample ``weights``: the weighted log-likelihood, and N their sum)."""
    e = e_step(X, mixture, weights=weights)
    return bic_from(e.log_likelihood, mixture, e.sample_size)


def aic(X, mixture: Mixture, weights=None) -> float:
    """AIC of ``mixture`` on ``X`` (lower is better), as scikit-learn's ``GaussianMixture.aic``."""
    return aic_from(e_step(X, mixture, weights=weights).log_likelihood, mixture)


def classification_entropy(X, mixture: Mixture, weights=None) -> float:
    """``-sum_i w_i log z_i,map(i)``: how far the soft assignment is from the hard one (0
    when every point belongs wholly to its most likely component); ``w_i`` the sample
    weights (1 without)."""
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    total = 0.0
    for lo in range(0, X.shape[0], ICL_BLOCK):
        lp = weighted_log_prob(X[lo:lo + ICL_BLOCK], mixture)
        # log z_i,map = max(lp) - logsumexp(lp): summed in blocks, never an N x K array.
        terms = _logsumexp_rows(lp) - lp.max(axis=1)
        if w is not None:
            terms = terms * w[lo:lo + ICL_BLOCK]
        total += float(np.sum(terms))
    return total


def icl(X, mixture: Mixture, weights=None) -> float:
    """ICL of ``mixture`` on ``X`` (lower is better): BIC plus twice the classification
    entropy, as mclust's ``icl`` (which reports it with the opposite sign)."""
    return bic(X, mixture, weights) + 2.0 * classification_entropy(X, mixture, weights)


#: Restarts per (K, covariance type) cell that model selection uses by default, in the
#: window and on the command line. With one, a cell can end in a poor local optimum, the
#: curves zig-zag and Old Faithful's best reads K=2 full; ten pick K=3 tied, as twenty do
#: and as scikit-learn does with ten starts. The whole sweep (8 K x 4 types) then takes
#: about 1 s on Old Faithful, 3 s on 10,000 points.
SELECTION_N_INIT = 10
#: The initialisation model selection uses by default: restarts cycle through kmeans,
#: k-means++, random and random_from_data. Ten kmeans restarts often all land in one
#: local optimum (on real data sets, up to 116 nats short of mclust's); mixed ones reach
#: it or better.
MIXED = "mixed"
#: The tolerance model selection converges its fits to by default: tol 1e-3 left some
#: fits tens of nats short of their optimum, which is enough to change the chosen model.
SELECTION_TOL = 1e-6

@dataclass(frozen=True, eq=False)
class SelectionRow:
    """One (K, covariance type) cell of a sweep.

    ``result`` is None and ``error`` says why when the fit failed.
    """

    n_components: int
    covariance_type: str
    bic: float
    aic: float
    result: FitResult | None
    error: str | None = None
    #: BIC plus twice the classification entropy (mclust's ICL, our sign).
    icl: float = float("inf")
    #: Why the fit is degenerate ("component 3 is collapsing"), or None. Never best.
    degenerate: str | None = None


def sweep_cells(X, ks, covariance_types=COVARIANCE_TYPES) -> tuple[tuple[int, str], ...]:
    """The (K, covariance type) cells a sweep fits, in the order it fits them.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    ks : iterable of int
    covariance_types : iterable of str

    Returns
    -------
    tuple of (int, str)
        K-major, then covariance type, as given. Cells with K larger than the number of
        points are left out.

    Raises
    ------
    InputError
        Bad points or an unknown covariance type.
    """
    X = as_points(X)
    ks = [int(k) for k in ks]
    types = [canonical(t) for t in covariance_types]
    return tuple((k, t) for k in ks if k <= X.shape[0] for t in types)


def fit_cell(X, k: int, covariance_type: str, *, settings: EMSettings = EMSettings(),
             init: str = "kmeans", n_init: int = 1, seed=None, cancelled=None,
             weights=None) -> SelectionRow:
    """Fit and score one cell of a sweep; a failed fit gives a row with ``error`` set.

    Restarts that end with a degenerate component (a collapse onto a few points can have
    the highest likelihood) lose to any healthy restart; a cell whose every restart is
    degenerate is marked so (``degenerate``) and :func:`best_row` never names it.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    k : int
    covariance_type : str
        Overrides ``settings.covariance_type``.
    settings : EMSettings
    init : str
        An initialisation method, or :data:`MIXED`: mclust's hierarchical start (``hc``)
        first, then the four random initialisations in turn (``restart_plan``), so that
        the restarts do not all fall into the optimum one method finds.
    n_init, seed, cancelled, weights
        As :func:`~gmm_explorer.engine.fit.fit` (a cancel raises ``Cancelled``).

    Returns
    -------
    SelectionRow
    """
    # The cell's model with the sweep's EM settings (tolerances, and the prior if any).
    if settings.prior:
        from gmm_explorer.engine.priors import PRIOR_MODELS

        if canonical(covariance_type) not in PRIOR_MODELS:  # mclust's NA cell
            return SelectionRow(k, covariance_type, float("inf"), float("inf"), None,
                                f"mclust has no conjugate prior for {covariance_type}")
    s = EMSettings(covariance_type, settings.reg_covar, settings.tol, settings.max_iter,
                   prior=settings.prior)
    try:
        if init == MIXED:
            r = _fit_mixed(X, k, s, n_init, seed, cancelled, weights)
        else:
            r = fit(X, k, settings=s, init=init, n_init=n_init, seed=seed,
                    cancelled=cancelled, healthy_first=True, weights=weights, fast=True)
    except FitError as exc:
        return SelectionRow(k, covariance_type, float("inf"), float("inf"), None, str(exc))
    b = r.bic()
    return SelectionRow(k, covariance_type, b, r.aic(), r,
                        icl=b + 2.0 * classification_entropy(X, r.mixture, weights),
                        degenerate=degenerate_reason(r.final))


def _fit_mixed(X, k, settings, n_init, seed, cancelled, weights=None) -> FitResult:
    from gmm_explorer.engine.optima import restart_plan

    # mclust's deterministic hc start first (as Mclust's), then random restarts in turn.
    plan = ((0, "hc"),) + restart_plan(n_init - 1, seed=0 if seed is None else int(seed))
    X = as_points(X)
    # Statistics, not parameters: the compiled loop takes each start's M-step.
    starts = (partial(start_statistics, X, k, method,
                      covariance_type=settings.covariance_type,
                      reg_covar=settings.reg_covar, seed=s, weights=weights)
              for s, method in plan)
    best = best_run(X, starts, settings, cancelled=cancelled, healthy_first=True,
                    weights=weights, fast=True, independent=True)
    return FitResult(best[-1], best, settings, MIXED, seed, n_init)


def iter_sweep(X, ks, covariance_types=COVARIANCE_TYPES, *, settings: EMSettings = EMSettings(),
               init: str = "kmeans", n_init: int = 1, seed=None,
               cancelled=None, weights=None) -> Iterator[SelectionRow]:
    """Fit the cells of :func:`sweep_cells` one at a time, yielding each row as it is done.

    A background worker can check a cancel flag between rows and publish partial results;
    :func:`sweep` is this generator run to the end.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    ks : iterable of int
    covariance_types : iterable of str
    settings : EMSettings
        Its ``covariance_type`` is overridden per cell.
    init, n_init, seed
        As :func:`~gmm_explorer.engine.fit.fit`; every cell uses the same seed. None draws
        one seed (before the first row) and every cell uses it.
    cancelled : callable() -> bool, optional
        Checked between the EM iterations of every fit: when it says stop, the generator
        ends (the cell being fitted is left out), so a cancel takes effect within one
        iteration rather than after a whole cell.
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies) for every fit and criterion; BIC's N is their sum.

    Returns
    -------
    iterator of SelectionRow
        A generator of rows in the order of :func:`sweep_cells`; each ``next()`` fits one
        cell.

    Raises
    ------
    InputError
        Bad points, covariance type, initialisation or ``n_init``: raised by this call,
        before any fit.
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    cells = sweep_cells(X, ks, covariance_types)
    if init != MIXED:
        check_init_method(init)
    check_n_init(n_init)
    if seed is None:
        seed = fresh_seed()

    def rows() -> Iterator[SelectionRow]:
        for k, t in cells:
            try:
                yield fit_cell(X, k, t, settings=settings, init=init, n_init=n_init,
                               seed=seed, cancelled=cancelled, weights=w)
            except Cancelled:
                return

    return rows()


def sweep(X, ks, covariance_types=COVARIANCE_TYPES, *, settings: EMSettings = EMSettings(),
          init: str = "kmeans", n_init: int = 1, seed=None, progress=None,
          cancelled=None, weights=None) -> tuple[SelectionRow, ...]:
    """Fit every (K, covariance type) pair and score it: :func:`iter_sweep` run to the end.

    Parameters
    ----------
    X, ks, covariance_types, settings, init, n_init, seed, weights
        As for :func:`iter_sweep`.
    progress : callable(done, total), optional
    cancelled : callable() -> bool, optional
        Checked between cells and inside each fit; when it returns true the rows so far
        are returned (see :func:`~gmm_explorer.engine.batch.collect`).

    Returns
    -------
    tuple of SelectionRow
        In the order of :func:`sweep_cells`: K-major, then covariance type. Cells with K
        larger than the number of points are skipped.
    """
    X = as_points(X)
    ks = [int(k) for k in ks]
    types = list(covariance_types)
    rows = iter_sweep(X, ks, types, settings=settings, init=init, n_init=n_init, seed=seed,
                      cancelled=cancelled, weights=weights)
    return collect(rows, len(sweep_cells(X, ks, types)), progress=progress, cancelled=cancelled)


def best_row(rows, criterion: str = "bic") -> SelectionRow | None:
    """The row with the lowest criterion among successful, non-degenerate fits (first on
    ties)."""
    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}; expected bic, aic or icl")
    ok = [r for r in rows if r.result is not None and r.degenerate is None]
    return min(ok, key=lambda r: getattr(r, criterion)) if ok else None
