"""Model selection: BIC/AIC over a grid of K and covariance types."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine.em import EMSettings, as_points, e_step
from gmm_explorer.engine.fit import FitResult, aic_from, bic_from, fit
from gmm_explorer.engine.mixture import COVARIANCE_TYPES, Mixture
from gmm_explorer.errors import FitError, InputError

CRITERIA = ("bic", "aic")


def bic(X, mixture: Mixture) -> float:
    """BIC of ``mixture`` on ``X`` (lower is better), as scikit-learn's ``GaussianMixture.bic``."""
    X = as_points(X)
    return bic_from(e_step(X, mixture).log_likelihood, mixture, X.shape[0])


def aic(X, mixture: Mixture) -> float:
    """AIC of ``mixture`` on ``X`` (lower is better), as scikit-learn's ``GaussianMixture.aic``."""
    return aic_from(e_step(as_points(X), mixture).log_likelihood, mixture)


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


def sweep(X, ks, covariance_types=COVARIANCE_TYPES, *, settings: EMSettings = EMSettings(),
          init: str = "kmeans", n_init: int = 1, seed=None, progress=None,
          cancelled=None) -> tuple[SelectionRow, ...]:
    """Fit every (K, covariance type) pair and score it.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    ks : iterable of int
    covariance_types : iterable of str
    settings : EMSettings
        Its ``covariance_type`` is overridden per cell.
    init, n_init, seed
        As :func:`~gmm_explorer.engine.fit.fit`; every cell uses the same seed.
    progress : callable(done, total), optional
    cancelled : callable() -> bool, optional
        Checked between cells; when it returns true the rows so far are returned.

    Returns
    -------
    tuple of SelectionRow
        In the order K-major, then covariance type. Cells with K larger than the number
        of points are skipped.
    """
    X = as_points(X)
    ks = [int(k) for k in ks]
    types = list(covariance_types)
    for t in types:
        if t not in COVARIANCE_TYPES:
            raise InputError(f"unknown covariance type {t!r}; expected one of "
                             + ", ".join(COVARIANCE_TYPES))
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1)[0])
    cells = [(k, t) for k in ks if k <= X.shape[0] for t in types]
    rows = []
    for i, (k, t) in enumerate(cells):
        if cancelled is not None and cancelled():
            break
        s = EMSettings(t, settings.reg_covar, settings.tol, settings.max_iter)
        try:
            r = fit(X, k, settings=s, init=init, n_init=n_init, seed=seed)
            rows.append(SelectionRow(k, t, r.bic(), r.aic(), r))
        except FitError as exc:
            rows.append(SelectionRow(k, t, float("inf"), float("inf"), None, str(exc)))
        if progress is not None:
            progress(i + 1, len(cells))
    return tuple(rows)


def best_row(rows, criterion: str = "bic") -> SelectionRow | None:
    """The row with the lowest criterion among successful fits (first on ties)."""
    if criterion not in CRITERIA:
        raise InputError(f"unknown criterion {criterion!r}; expected bic or aic")
    ok = [r for r in rows if r.result is not None]
    return min(ok, key=lambda r: getattr(r, criterion)) if ok else None
