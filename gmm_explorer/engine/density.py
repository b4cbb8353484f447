"""Queries on a fitted mixture: densities, labels and their uncertainty, grids for contours
and decision regions, ellipses, samples."""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine._kernels import LOG_2PI, NUMPY_BLOCK
from gmm_explorer.engine.em import e_step
from gmm_explorer.engine.init import rng_from
from gmm_explorer.engine.mixture import Mixture, eigen_2x2
from gmm_explorer.engine.validation import as_points
from gmm_explorer.errors import InputError


def weighted_log_prob(X, mixture: Mixture) -> np.ndarray:
    """``log w_k + log N(x_i | mu_k, Sigma_k)`` for every point and component.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    mixture : Mixture

    Returns
    -------
    ndarray of shape (n_samples, n_components)
    """
    X = as_points(X)
    const = np.log(mixture.weights) + mixture.log_det_precision_chol - LOG_2PI
    u = mixture.precision_chol
    dx = X[:, 0:1] - mixture.means[:, 0]
    dy = X[:, 1:2] - mixture.means[:, 1]
    y0 = u[:, 0] * dx
    y1 = u[:, 1] * dx + u[:, 2] * dy
    with np.errstate(over="ignore"):
        return const - 0.5 * (y0 * y0 + y1 * y1)


def _with_noise(lp: np.ndarray, mixture: Mixture) -> np.ndarray:
    """``lp`` with the noise component's column (its weighted log-density, the same at
    every point) appended when the mixture has one."""
    if not mixture.has_noise:
        return lp
    return np.column_stack([lp, np.full(lp.shape[0], mixture.noise_log_term)])


def score_samples(X, mixture: Mixture) -> np.ndarray:
    """Log-density of the mixture at each point (its noise component's included).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    X = as_points(X)
    out = np.empty(X.shape[0])
    for lo in range(0, X.shape[0], NUMPY_BLOCK):
        hi = min(X.shape[0], lo + NUMPY_BLOCK)
        lp = _with_noise(weighted_log_prob(X[lo:hi], mixture), mixture)
        out[lo:hi] = _logsumexp_rows(lp)
    return out


def _logsumexp_rows(lp: np.ndarray) -> np.ndarray:
    mx = lp.max(axis=1)
    safe = np.where(np.isfinite(mx), mx, 0.0)
    with np.errstate(divide="ignore"):
        return safe + np.log(np.exp(lp - safe[:, None]).sum(axis=1))


def predict_proba(X, mixture: Mixture) -> np.ndarray:
    """Responsibilities: posterior probability of each component for each point.

    Returns
    -------
    ndarray of shape (n_samples, n_components)
        Rows sum to 1, or to 1 minus the noise's share (:func:`noise_responsibility`) when
        the mixture has a noise component.
    """
    return np.array(e_step(X, mixture, want_resp=True).responsibilities)


def noise_responsibility(X, mixture: Mixture) -> np.ndarray:
    """Each point's posterior probability of coming from the noise component (zeros
    without one).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    if not mixture.has_noise:
        return np.zeros(as_points(X).shape[0])
    return np.exp(mixture.noise_log_term - score_samples(X, mixture))


def predict(X, mixture: Mixture) -> np.ndarray:
    """Hard labels: the 0-based index of the most responsible component for each point
    (of the Gaussian components: a noise component is not a label).

    Returns
    -------
    ndarray of shape (n_samples,), dtype intp
    """
    X = as_points(X)
    out = np.empty(X.shape[0], dtype=np.intp)
    for lo in range(0, X.shape[0], NUMPY_BLOCK):
        hi = min(X.shape[0], lo + NUMPY_BLOCK)
        out[lo:hi] = weighted_log_prob(X[lo:hi], mixture).argmax(axis=1)
    return out


def _component_grids(mixture: Mixture, xs: np.ndarray, ys: np.ndarray):
    """For each component k in turn, ``log w_k + log N((xs[i], ys[j]) | mu_k, Sigma_k)``
    as an (ny, nx) array: the arithmetic of :func:`weighted_log_prob`, on a grid."""
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
        yield lp


def log_density_grid(mixture: Mixture, xs, ys) -> np.ndarray:
    """Log-density of the mixture on the grid ``xs`` x ``ys``, for images and contours.

    A plain numpy loop over components (scipy.stats would be ~6x slower and costs half a
    second to import).

    Parameters
    ----------
    mixture : Mixture
    xs : array-like of shape (nx,)
    ys : array-like of shape (ny,)

    Returns
    -------
    ndarray of shape (ny, nx)
        Row-major: ``out[j, i]`` is the log-density at ``(xs[i], ys[j])`` (a noise
        component's included).
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    out = np.full((ys.shape[0], xs.shape[0]), -np.inf)
    for lp in _component_grids(mixture, xs, ys):
        np.logaddexp(out, lp, out=out)
    if mixture.has_noise:  # the noise's uniform floor
        np.logaddexp(out, mixture.noise_log_term, out=out)
    return out


def decision_grid(mixture: Mixture, xs, ys) -> np.ndarray:
    """The most responsible component at every node of the grid ``xs`` x ``ys``.

    Computed with exactly the arithmetic of :func:`predict`, so a node gets the label
    ``predict`` gives the same point (ties go to the lower index).

    Parameters
    ----------
    mixture : Mixture
    xs : array-like of shape (nx,)
    ys : array-like of shape (ny,)

    Returns
    -------
    ndarray of shape (ny, nx), dtype intp
        Row-major like :func:`log_density_grid`: ``out[j, i]`` is the 0-based component at
        ``(xs[i], ys[j])``.
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    best = np.full((ys.shape[0], xs.shape[0]), -np.inf)
    label = np.zeros((ys.shape[0], xs.shape[0]), dtype=np.intp)
    for k, lp in enumerate(_component_grids(mixture, xs, ys)):
        # Strictly greater: the first component wins ties, as argmax does. k == 0 always
        # takes the node so that nodes where every component underflows get label 0 too.
        better = lp > best if k else np.ones_like(best, dtype=bool)
        best = np.where(better, lp, best)
        label[better] = k
    return label


def uncertainty(resp) -> np.ndarray:
    """Classification uncertainty ``1 - max_k r_ik`` of each point (mclust's ``uncertainty``).

    0 when one component claims the point outright; at most ``1 - 1/K``.

    Parameters
    ----------
    resp : array-like of shape (n_samples, n_components)
        Responsibilities (rows sum to 1), e.g. from :func:`predict_proba`.

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    r = np.asarray(resp, dtype=np.float64)
    if r.ndim != 2 or r.shape[1] < 1:
        raise InputError(f"responsibilities must have shape (n, K) with K >= 1, got {r.shape}")
    return 1.0 - r.max(axis=1)


def ellipse(mixture: Mixture, component: int, n_std: float = 1.0, n_points: int = 100) -> np.ndarray:
    """Outline of a component's covariance ellipse at ``n_std`` standard deviations.

    Returns
    -------
    ndarray of shape (n_points + 1, 2)
        A closed polygon (the last point repeats the first).
    """
    return _outlines(mixture.means[component:component + 1],
                     mixture.covariances[component:component + 1], n_std, n_points)[0]


def ellipses(mixture: Mixture, n_std: float = 1.0, n_points: int = 100) -> np.ndarray:
    """Every component's :func:`ellipse` at once (the same numbers, one decomposition).

    Returns
    -------
    ndarray of shape (n_components, n_points + 1, 2)
    """
    return _outlines(mixture.means, mixture.covariances, n_std, n_points)


def _outlines(means: np.ndarray, covariances: np.ndarray, n_std: float,
              n_points: int) -> np.ndarray:
    lam_max, lam_min, angle = eigen_2x2(np.asarray(covariances))
    a = (n_std * np.sqrt(lam_max))[:, None]
    b = (n_std * np.sqrt(np.maximum(lam_min, 0.0)))[:, None]
    t = np.linspace(0.0, 2.0 * np.pi, n_points + 1)
    ca, sa = np.cos(angle)[:, None], np.sin(angle)[:, None]
    ex, ey = a * np.cos(t), b * np.sin(t)
    out = np.empty((means.shape[0], n_points + 1, 2))
    out[:, :, 0] = means[:, 0:1] + ca * ex - sa * ey
    out[:, :, 1] = means[:, 1:2] + sa * ex + ca * ey
    return out


def ellipse_axes(mixture: Mixture) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Standard deviations along the principal axes and the major axis angle.

    Returns
    -------
    sd_major, sd_minor : ndarray of shape (n_components,)
    angle_degrees : ndarray of shape (n_components,)
        In (-90, 90].
    """
    lam_max, lam_min, angle = eigen_2x2(np.asarray(mixture.covariances))
    return np.sqrt(lam_max), np.sqrt(np.maximum(lam_min, 0.0)), np.degrees(angle)


def sample(mixture: Mixture, n: int, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points from the mixture.

    Returns
    -------
    points : ndarray of shape (n, 2)
    labels : ndarray of shape (n,)
        0-based component of each point. Points are in random order.
    """
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be an integer >= 0, got {n!r}")
    rng = rng_from(seed)
    counts = rng.multinomial(n, mixture.weights / mixture.weights.sum())
    labels = np.repeat(np.arange(mixture.n_components), counts)
    z = rng.standard_normal((n, 2))
    c = mixture.covariances[labels]
    # x = mean + L z with L the lower Cholesky factor of the covariance.
    l11 = np.sqrt(c[:, 0, 0])
    l21 = c[:, 1, 0] / l11
    l22 = np.sqrt(np.maximum(c[:, 1, 1] - l21 * l21, 0.0))
    pts = np.empty((n, 2))
    pts[:, 0] = mixture.means[labels, 0] + l11 * z[:, 0]
    pts[:, 1] = mixture.means[labels, 1] + l21 * z[:, 0] + l22 * z[:, 1]
    order = rng.permutation(n)
    return pts[order], labels[order]
