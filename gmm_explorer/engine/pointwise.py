"""One point under a mixture, and the regions a mixture (or k-means) carves the plane into.

* :func:`point_report` — everything the point inspector shows about one point.
* :func:`point_reports_along` — one point's responsibilities across a run's history.
* :func:`uncertainty` — mclust's classification uncertainty, ``1 - max_k r_ik``.
* :func:`decision_grid` — the most responsible component on a grid (decision regions).
* :func:`kmeans_details` — the k-means behind the ``kmeans`` initialisation, for its overlay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.cluster.vq import vq

from gmm_explorer.engine._kernels import LOG_2PI
from gmm_explorer.engine.em import as_xy
from gmm_explorer.engine.init import checked_points, rng_from, run_kmeans
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.errors import InputError


def _readonly(a) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


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
    return PointReport(_readonly(p), _readonly(resp), _readonly(np.sqrt(d2)),
                       _readonly(comp), float(log_density))


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


def uncertainty(resp) -> np.ndarray:
    """Classification uncertainty ``1 - max_k r_ik`` of each point (mclust's ``uncertainty``).

    0 when one component claims the point outright; at most ``1 - 1/K``.

    Parameters
    ----------
    resp : array-like of shape (n_samples, n_components)
        Responsibilities (rows sum to 1).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    r = np.asarray(resp, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] < 1:
        raise InputError(f"responsibilities must have shape (n, K) with K >= 1, got {r.shape}")
    return 1.0 - r.max(axis=1)


def decision_grid(mixture: Mixture, xs, ys) -> np.ndarray:
    """The most responsible component at every node of the grid ``xs`` x ``ys``.

    Computed with exactly the arithmetic of :func:`~gmm_explorer.engine.density.predict`,
    so a node gets the label ``predict`` gives the same point (ties go to the lower index).

    Parameters
    ----------
    mixture : Mixture
    xs : array-like of shape (nx,)
    ys : array-like of shape (ny,)

    Returns
    -------
    ndarray of shape (ny, nx), dtype intp
        Row-major like :func:`~gmm_explorer.engine.density.log_density_grid`: ``out[j, i]``
        is the 0-based component at ``(xs[i], ys[j])``.
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    best = np.full((ys.shape[0], xs.shape[0]), -np.inf)
    label = np.zeros((ys.shape[0], xs.shape[0]), dtype=np.intp)
    with np.errstate(divide="ignore"):
        const = np.log(mixture.weights) + mixture.log_det_precision_chol - LOG_2PI
    for k in range(mixture.n_components):
        u00, u01, u11 = mixture.precision_chol[k]
        dx = xs - mixture.means[k, 0]
        dy = ys - mixture.means[k, 1]
        # y0 depends on x only; y1 = u01*dx + u11*dy separates into row and column parts.
        with np.errstate(over="ignore"):
            y0 = u00 * dx
            y0sq = y0 * y0
            y1 = (u01 * dx)[None, :] + (u11 * dy)[:, None]
            lp = const[k] - 0.5 * (y0sq[None, :] + y1 * y1)
        # Strictly greater: the first component wins ties, as argmax does. k == 0 always
        # takes the node so that nodes where every component underflows get label 0 too.
        better = lp > best if k else np.ones_like(best, dtype=bool)
        best = np.where(better, lp, best)
        label[better] = k
    return label


@dataclass(frozen=True, eq=False)
class KMeansDetails:
    """The k-means run behind the ``kmeans`` initialisation.

    Attributes
    ----------
    centroids : ndarray of shape (n_components, 2)
        scipy's final code book: the mean of the points with each label in ``labels``
        (a cluster that emptied keeps its previous centroid).
    labels : ndarray of shape (n_samples,)
        The final assignment (0-based): each point to its nearest centroid *before* the
        last centroid update. ``mixture_from_labels`` on these labels is exactly the
        initial mixture.
    seeds : ndarray of shape (n_components, 2)
        The k-means++ seed points Lloyd's iterations started from.
    converged : bool
        Whether ``labels`` is also the nearest-centroid assignment to ``centroids`` (Lloyd's
        iterations reached a fixed point), i.e. the labels coincide with the Voronoi regions
        of the centroids an overlay draws.
    """

    centroids: np.ndarray
    labels: np.ndarray
    seeds: np.ndarray
    converged: bool


def kmeans_details(X, k: int, seed=None) -> KMeansDetails:
    """Exactly the k-means that ``initialise(X, k, "kmeans", seed=seed)`` runs.

    Same code path and the same random numbers, so the overlay shows the centroids and
    regions that produced the initialisation.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    k : int
        Number of clusters, 1 <= k <= n_samples.
    seed : int, Generator or None
        As for :func:`~gmm_explorer.engine.init.initialise` (a Generator is advanced).

    Returns
    -------
    KMeansDetails
    """
    X = checked_points(X, k)
    seeds, centroids, labels = run_kmeans(X, k, rng_from(seed))
    nearest = vq(X, centroids, check_finite=False)[0]
    return KMeansDetails(_readonly(centroids), _readonly(labels.astype(np.intp)),
                         _readonly(seeds), bool(np.array_equal(nearest, labels)))
