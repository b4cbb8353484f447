"""The uniform noise component (mclust's ``Vinv``): scattered outliers explained by a
constant density over the data's region, beside the Gaussians.

* :func:`hypervolume` — mclust's ``hypvol``: the smaller of the area of the data's bounding
  box and that of the box along its principal axes; the noise density is its reciprocal.
* :func:`with_noise` / :func:`without_noise` — add a noise component of a given weight to
  a mixture (the Gaussians share the rest), or drop it.
* :func:`isolated_points` — the nearest-neighbour start: the given fraction of points
  farthest from their k-th nearest neighbour (Byers & Raftery 1998's statistic; mclust
  starts its noise from such a denoising, e.g. ``NNclean``).
* :func:`nnclean` — that denoising (prabclus's ``NNclean``, Byers & Raftery 1998): a
  mixture of two Poisson processes fitted to the k-th nearest-neighbour distances says
  which points are clutter, and so what fraction to start the noise from.

The component itself lives on :class:`~gmm_explorer.engine.mixture.Mixture`
(``noise_weight``, ``noise_density``): the fused pass adds ``log(w_0 V^-1)`` to every
point's normaliser, and the M-step gives each Gaussian ``n_k / N`` and the noise the rest
(mclust's ``pro``), as mclust's ``me*`` routines do with ``Vinv``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.errors import InputError

#: The neighbour whose distance rates a point's isolation (Byers & Raftery use k = 5..15).
NEIGHBOUR_K = 5


def check_fraction(fraction) -> float:
    """A noise fraction in [0, 1) (0: no noise component); :class:`InputError` otherwise."""
    ok = isinstance(fraction, (int, float, np.floating)) and not isinstance(fraction, bool)
    if not (ok and np.isfinite(fraction) and 0.0 <= fraction < 1.0):
        raise InputError(f"the noise fraction must be a number in [0, 1), got {fraction!r}")
    return float(fraction)


def hypervolume(X, weights=None) -> float:
    """mclust's ``hypvol(data)`` for 2-D points: the smaller of the bounding box's area and
    the area of the box along the principal axes (``princomp``'s scores).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    weights : ndarray of shape (n_samples,), optional
        Sample weights (frequencies): the principal axes are the weighted covariance's,
        and points of weight 0 are left out, as if the data held w_i copies of each.

    Returns
    -------
    float
        0 when the points span no area (then no noise density can be defined).
    """
    X = np.asarray(X, dtype=np.float64)
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    if w is not None:
        X, w = X[w > 0], w[w > 0]
    if X.shape[0] < 2:
        return 0.0
    box = float(np.prod(np.ptp(X, axis=0)))
    centred = X - np.average(X, axis=0, weights=w)
    # princomp: the eigenvectors of the covariance (divisor n; the divisor does not change
    # the axes), the scores the centred points along them.
    wc = centred if w is None else centred * w[:, None]
    _, vectors = np.linalg.eigh(wc.T @ centred / X.shape[0])
    ranges = np.ptp(centred @ vectors, axis=0)
    # Collinear points leave rounding noise (~1e-16 of the spread) across the line.
    if ranges.min() <= 1e-12 * ranges.max():
        return 0.0
    return min(box, float(np.prod(ranges)))


#: The regions a noise component can spread over: mclust's default ``hypvol`` box, or the
#: points' convex hull (the area mclust's documentation computes with splancs' ``areapl``
#: of ``chull`` to pass as ``Vinv``).
NOISE_REGIONS = ("box", "hull")


def check_region(region) -> str:
    """A noise region name (:data:`NOISE_REGIONS`); :class:`InputError` otherwise."""
    if region not in NOISE_REGIONS:
        raise InputError(f"unknown noise region {region!r}; expected box or hull")
    return region


def hull_area(X, weights=None) -> float:
    """The area of the convex hull of the points (of positive weight); 0 when they span
    no area."""
    from scipy.spatial import ConvexHull, QhullError

    X = np.asarray(X, dtype=np.float64)
    if weights is not None:
        X = X[np.asarray(weights) > 0]
    if X.shape[0] < 3:
        return 0.0
    try:
        return float(ConvexHull(X).volume)  # in 2-D, "volume" is the area
    except (QhullError, ValueError):
        return 0.0  # collinear or coincident points


def noise_density(X, weights=None, region: str = "box") -> float:
    """mclust's default ``Vinv``: 1 / :func:`hypervolume` (of the points of positive
    weight under sample ``weights``: a point of weight 0 is as if absent), or with
    ``region="hull"`` 1 / the area of their convex hull; :class:`InputError` when the
    points span no area."""
    v = hypervolume(X, weights) if check_region(region) == "box" else hull_area(X, weights)
    if not v > 0.0 or not np.isfinite(1.0 / v):
        raise InputError("the points span no area, so a uniform noise component has no "
                         "density: add points off the line, or drop the noise component")
    return 1.0 / v


def with_noise(mixture: Mixture, weight: float, density: float) -> Mixture:
    """``mixture`` with a noise component of ``weight`` and ``density``; the Gaussians'
    weights are scaled to share ``1 - weight``."""
    w = np.asarray(mixture.weights, dtype=np.float64)
    return Mixture(w / w.sum() * (1.0 - weight), mixture.means, mixture.covariances,
                   mixture.covariance_type, noise_weight=weight, noise_density=density)


def without_noise(mixture: Mixture) -> Mixture:
    """``mixture`` without its noise component, the Gaussians' weights renormalised."""
    w = np.asarray(mixture.weights, dtype=np.float64)
    return Mixture(w / w.sum(), mixture.means, mixture.covariances, mixture.covariance_type)


def claimed_by_noise(resp: np.ndarray, share: np.ndarray | None = None) -> np.ndarray:
    """Which points the noise component claims more than any Gaussian.

    Parameters
    ----------
    resp : ndarray of shape (n_samples, n_components)
        The Gaussians' responsibilities.
    share : ndarray of shape (n_samples,), optional
        The noise's responsibilities; by default what the rows of ``resp`` leave of 1.

    Returns
    -------
    ndarray of shape (n_samples,), bool
    """
    if share is None:
        share = 1.0 - resp.sum(axis=1)
    return share > resp.max(axis=1)


def isolation(X, k: int = NEIGHBOUR_K) -> np.ndarray:
    """Each point's distance to its ``k``-th nearest other point (fewer points: the
    farthest one).

    Returns
    -------
    ndarray of shape (n_samples,)
    """
    from scipy.spatial import cKDTree

    X = np.asarray(X, dtype=np.float64)
    k = min(k, X.shape[0] - 1)
    if k < 1:
        return np.zeros(X.shape[0])
    distances, _ = cKDTree(X).query(X, k=k + 1)  # the first neighbour is the point itself
    return distances[:, k]


def isolated_points(X, fraction: float, k: int = NEIGHBOUR_K) -> np.ndarray:
    """The nearest-neighbour start of the noise: a boolean mask of the ``fraction`` of the
    points (rounded down) farthest from their ``k``-th nearest neighbour (ties broken by
    position, so the mask is deterministic).

    Returns
    -------
    ndarray of shape (n_samples,), bool
    """
    X = np.asarray(X, dtype=np.float64)
    # + 1e-9: a fraction meant as m / n (0.29 of 100 points is 28.999999999999996) gives m.
    n_noise = int(np.floor(check_fraction(fraction) * X.shape[0] + 1e-9))
    mask = np.zeros(X.shape[0], dtype=bool)
    if n_noise:
        order = np.argsort(-isolation(X, k), kind="stable")
        mask[order[:n_noise]] = True
    return mask


@dataclass(frozen=True, eq=False)
class NNClean:
    """The outcome of :func:`nnclean` (prabclus's ``NNclean`` list).

    Attributes
    ----------
    noise : ndarray of shape (n_samples,), bool
        The points classed as clutter (prabclus's ``z == 0``).
    feature_probability : ndarray of shape (n_samples,)
        prabclus's ``probs``: each point's density under the feature process over the sum
        of both (without the mixing proportion, as prabclus computes it).
    p : float
        The estimated proportion of feature points.
    lambda_feature, lambda_clutter : float
        The two processes' intensities (prabclus's ``lambda1``, ``lambda2``).
    kth_distance : ndarray of shape (n_samples,)
        Each point's distance to its k-th nearest neighbour.
    k : int
    """

    noise: np.ndarray
    feature_probability: np.ndarray
    p: float
    lambda_feature: float
    lambda_clutter: float
    kth_distance: np.ndarray
    k: int

    @property
    def fraction(self) -> float:
        """The share of the points classed as clutter: a starting noise weight."""
        return float(np.mean(self.noise))


def nnclean(X, k: int = NEIGHBOUR_K, convergence: float = 1e-3,
            max_iter: int = 10_000) -> NNClean:
    """Nearest-neighbour clutter removal (Byers & Raftery 1998), as prabclus's
    ``NNclean(X, k)`` computes it (without its edge correction, its default).

    The distance D to the k-th nearest neighbour of a point of a 2-D Poisson process of
    intensity lambda has density ``2 (lambda pi)^k D^(2k-1) exp(-lambda pi D^2) / (k-1)!``.
    A mixture of two such densities, features (dense) and clutter (sparse), is fitted to
    the points' D by EM, started from the points whose D is in the upper two thirds of
    its range as clutter, and stopped when the relative change of prabclus's
    log-likelihood is at most ``convergence``. A point is clutter when its density under
    the clutter process exceeds that under the feature process.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        At least k + 1 points.
    k : int
        The neighbour (mclust's examples use 5; Byers & Raftery 5 to 15).
    convergence : float
    max_iter : int
        A safety cap prabclus does not have.

    Returns
    -------
    NNClean

    Raises
    ------
    InputError
        Fewer than k + 1 points, or k below 1.
    """
    from gmm_explorer.engine.validation import as_points

    X = as_points(X)
    n = X.shape[0]
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise InputError(f"NNclean's k must be an integer >= 1, got {k!r}")
    if n < k + 1:
        raise InputError(f"NNclean with k={k} needs at least {k + 1} points, got {n}")
    kth = isolation(X, int(k))
    alpha = math.pi  # the area of the unit disc: 2 pi^(d/2) / (d Gamma(d/2)) for d = 2
    d2 = kth * kth
    log_gamma_k = math.lgamma(k)

    def density(lam):
        # prabclus's dDk, computed through logs (its product underflows to NaN, which it
        # then treats as 0).
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            log_f = (-lam * alpha * d2 + math.log(2.0) + k * math.log(lam * alpha)
                     + (2 * k - 1) * np.log(kth) - log_gamma_k)
            return np.exp(log_f)

    delta = (kth > kth.min() + (kth.max() - kth.min()) / 3.0).astype(np.float64)
    p = 0.5
    lam1 = k / (alpha * np.mean(d2[delta == 0]))
    lam2 = k / (alpha * np.mean(d2[delta == 1])) if np.any(delta == 1) else lam1 / 2.0
    old, new = 0.0, 1.0
    for _ in range(max_iter):
        if not abs((new - old) / new) > convergence:
            break
        f1, f2 = density(lam1), density(lam2)
        with np.errstate(divide="ignore", invalid="ignore"):
            delta = p * f1 / (p * f1 + (1.0 - p) * f2)
        delta[~np.isfinite(delta)] = 0.0
        p = float(delta.sum() / n)
        if p > 0:
            lam1 = k * delta.sum() / (alpha * np.sum(d2 * delta))
        if p < 1:
            lam2 = k * (1.0 - delta).sum() / (alpha * np.sum(d2 * (1.0 - delta)))
        if p <= 0:
            lam1 = lam2 / 2.0
        if p >= 1:
            lam2 = 2.0 * lam1
        old = new
        new = float(np.sum(-p * lam1 * alpha * (d2 * delta)
                           - (1.0 - p) * lam2 * alpha * (d2 * (1.0 - delta))
                           + delta * k * math.log(lam1 * alpha)
                           + (1.0 - delta) * k * math.log(lam2 * alpha)))
    f1, f2 = density(lam1), density(lam2)
    with np.errstate(divide="ignore", invalid="ignore"):
        probs = f1 / (f1 + f2)
    probs[~np.isfinite(probs)] = 1.0
    # prabclus's z = round(probs): R rounds a half to even (to 0, clutter), as rint does.
    noise = np.rint(probs) == 0
    return NNClean(noise, probs, p, float(lam1), float(lam2), kth, int(k))
