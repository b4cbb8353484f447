"""One point under a mixture: what the point inspector shows.

* :func:`point_report` — a point's responsibilities, Mahalanobis distances and
  log-densities under one mixture.
* :func:`point_reports_along` — one point's responsibilities across a run's history.

Classification over many points (labels, uncertainty, decision regions) is in
:mod:`gmm_explorer.engine.density`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine._kernels import LOG_2PI
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.validation import as_xy, readonly
from gmm_explorer.errors import InputError


@dataclass(frozen=True, eq=False)
class PointReport:
    """One point under a mixture.

    Attributes
    ----------
    xy : ndarray of shape (2,)
    responsibilities : ndarray of shape (n_components,)
        Posterior probability of each component; sums to 1. NaN when the point has zero
        density under every component in double precision (``log_density`` is -inf).
    mahalanobis : ndarray of shape (n_components,)
        ``sqrt((x - mu_k)^T Sigma_k^-1 (x - mu_k))``.
    component_log_density : ndarray of shape (n_components,)
        ``log N(x | mu_k, Sigma_k)``, without the weight.
    log_density : float
        Log-density of the mixture at the point, ``log sum_k w_k N(x | mu_k, Sigma_k)``.
    """

    xy: np.ndarray
    responsibilities: np.ndarray
    mahalanobis: np.ndarray
    component_log_density: np.ndarray
    log_density: float


def _whitened(means, prec, x, y):
    # y = d @ U with U the upper precision factor: y0 = u00 dx, y1 = u01 dx + u11 dy,
    # and |y|^2 is the squared Mahalanobis distance (the same arithmetic as density.py).
    dx = x - means[..., 0]
    dy = y - means[..., 1]
    with np.errstate(over="ignore"):
        y0 = prec[..., 0] * dx
        y1 = prec[..., 1] * dx + prec[..., 2] * dy
        return y0 * y0 + y1 * y1


def _normalise_log(lp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row-wise ``(exp(lp - logsumexp(lp)), logsumexp(lp))`` over the last axis."""
    mx = lp.max(axis=-1, keepdims=True)
    safe = np.where(np.isfinite(mx), mx, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
        e = np.exp(lp - safe)
        total = e.sum(axis=-1, keepdims=True)
        log_total = safe + np.log(total)
        resp = e / total
    return resp, log_total[..., 0]


def point_report(mixture: Mixture, xy) -> PointReport:
    """Responsibilities, Mahalanobis distances and log-densities of one point.

    Parameters
    ----------
    mixture : Mixture
    xy : array-like of shape (2,)

    Returns
    -------
    PointReport

    Raises
    ------
    InputError
        If ``xy`` is not two finite numbers.
    """
    p = as_xy(xy, "the point")
    d2 = _whitened(mixture.means, mixture.precision_chol, p[0], p[1])
    comp = mixture.log_det_precision_chol - LOG_2PI - 0.5 * d2
    with np.errstate(divide="ignore"):
        lp = np.log(mixture.weights) + comp
    resp, log_density = _normalise_log(lp)
    return PointReport(readonly(p), readonly(resp), readonly(np.sqrt(d2)),
                       readonly(comp), float(log_density))


def point_reports_along(history_mixtures, xy) -> np.ndarray:
    """Responsibilities of one point under each mixture of a sequence (a pinned point's
    trajectory across the iterations of a run).

    All mixtures are stacked and evaluated at once: T x K work, no Python loop over
    components, so a few thousand iterations cost about a millisecond.

    Parameters
    ----------
    history_mixtures : sequence of Mixture, length T
        All with the same number of components K.
    xy : array-like of shape (2,)

    Returns
    -------
    ndarray of shape (T, n_components)
        Row ``t`` is :attr:`PointReport.responsibilities` under ``history_mixtures[t]``.
        Shape (0, 0) for an empty sequence.

    Raises
    ------
    InputError
        If the mixtures differ in K or ``xy`` is not two finite numbers.
    """
    p = as_xy(xy, "the point")
    mixtures = list(history_mixtures)
    if not mixtures:
        return np.zeros((0, 0))
    ks = {m.n_components for m in mixtures}
    if len(ks) != 1:
        raise InputError(f"the mixtures must all have the same K, got K in {sorted(ks)}")
    weights = np.stack([m.weights for m in mixtures])
    means = np.stack([m.means for m in mixtures])
    prec = np.stack([m.precision_chol for m in mixtures])
    log_det = np.stack([m.log_det_precision_chol for m in mixtures])
    d2 = _whitened(means, prec, p[0], p[1])
    with np.errstate(divide="ignore"):
        lp = np.log(weights) + log_det - 0.5 * d2  # the constant log 2 pi cancels
    return _normalise_log(lp)[0]
