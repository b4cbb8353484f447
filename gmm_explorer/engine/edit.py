"""Hand edits of a mixture's components: pure functions that return a new :class:`Mixture`.

Every function validates its arguments (component indices are 0-based; errors name the
1-based component and K) and builds its result with ``Mixture(...)``, so the result is a
validated mixture of the same covariance type: weights sum to 1 and every covariance is
symmetric positive definite with the structure its type demands. Dragging an ellipse's
handles is in :mod:`gmm_explorer.engine.handles`.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer.engine.density import score_samples
from gmm_explorer.engine.locks import check_component_index
from gmm_explorer.engine.mixture import COVARIANCE_TYPES, Mixture, project_covariances
from gmm_explorer.engine.validation import as_points, as_xy
from gmm_explorer.errors import InputError

#: Covariances estimated from a few points get this fraction of their trace added to the
#: diagonal: positive definite even when the points lie on a line.
COVARIANCE_REG_FRACTION = 1e-3
#: :func:`raise_reg_covar` starts from this when ``reg_covar`` was 0 (scikit-learn's default).
DEFAULT_REG_COVAR = 1e-6


# --------------------------------------------------------------------------- validation

def _points_maybe_empty(X) -> np.ndarray:
    """Like :func:`~gmm_explorer.engine.validation.as_points`, but with zero points allowed."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"points must be numbers ({exc})") from None
    if arr.size == 0:
        return np.zeros((0, 2))
    return as_points(arr)


def _rebuild(m: Mixture, weights=None, means=None, covariances=None) -> Mixture:
    # A noise component keeps its weight; new weights share the rest (Mixture.rebuilt).
    return m.rebuilt(weights, means, covariances)


# --------------------------------------------------------------------------- covariance helpers

def _regularised_scatter(P: np.ndarray) -> np.ndarray | None:
    """Population covariance of the points ``P`` (n, 2) plus a fraction of its trace on
    the diagonal, or None when there is no spread (fewer than 2 distinct points)."""
    if P.shape[0] == 0:
        return None
    d = P - P.mean(axis=0)
    cov = d.T @ d / P.shape[0]
    cov = 0.5 * (cov + cov.T)
    tr = cov[0, 0] + cov[1, 1]
    if not (np.isfinite(tr) and tr > 0):
        return None
    return cov + COVARIANCE_REG_FRACTION * tr * np.eye(2)


def _data_covariance(X) -> np.ndarray:
    P = _points_maybe_empty(X)
    cov = _regularised_scatter(P)
    # No spread at all (no points, one point, or all equal): the identity.
    return np.eye(2) if cov is None else cov


def _shared_covariance(m: Mixture) -> np.ndarray:
    """The weight-averaged covariance of ``m``, with the structure of its type: (2, 2)."""
    if m.covariance_type == "tied":
        return np.array(m.covariances[0])
    # An average of diagonal (isotropic) matrices is diagonal (isotropic) entry by entry.
    return np.average(m.covariances, axis=0, weights=m.weights)


# --------------------------------------------------------------------------- edits

def move_mean(m: Mixture, j: int, xy) -> Mixture:
    """Move the mean of component ``j`` to ``xy``.

    Parameters
    ----------
    m : Mixture
    j : int
        0-based component.
    xy : array-like of shape (2,)

    Returns
    -------
    Mixture
    """
    j = check_component_index(j, m.n_components)
    means = np.array(m.means)
    means[j] = as_xy(xy)
    return _rebuild(m, means=means)


def add_component(m: Mixture, xy, covariance=None, weight: float | None = None) -> Mixture:
    """Append a component at ``xy``.

    Parameters
    ----------
    m : Mixture
    xy : array-like of shape (2,)
        Its mean.
    covariance : array-like of shape (2, 2), optional
        Its covariance, projected onto the mixture's type (diag: off-diagonal dropped;
        spherical: also the variances averaged). Defaults to the weight-averaged
        covariance of the existing components. Not allowed for ``"tied"`` unless equal
        to the shared covariance, which the new component always uses.
    weight : float, optional
        Its weight, in (0, 1); defaults to ``1 / (K + 1)``. The other weights are scaled
        by ``1 - weight``.

    Returns
    -------
    Mixture
        With K + 1 components, the new one last.
    """
    mean = as_xy(xy)
    k = m.n_components
    w = 1.0 / (k + 1) if weight is None else weight
    if not (isinstance(w, (int, float, np.integer, np.floating)) and not isinstance(w, bool)
            and math.isfinite(w) and 0.0 < w < 1.0):
        raise InputError(f"the new component's weight must be a number in (0, 1), got {w!r}")
    if covariance is None:
        cov = _shared_covariance(m)
    else:
        try:
            cov = np.array(covariance, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InputError(f"covariance must be a 2x2 matrix of numbers ({exc})") from None
        if cov.shape != (2, 2):
            raise InputError(f"covariance must be a 2x2 matrix, got shape {cov.shape}")
        if m.covariance_type == "tied":
            if not np.array_equal(cov, m.covariances[0]):
                raise InputError(
                    "a tied mixture shares one covariance: add the component without a "
                    "covariance (it takes the shared one), then edit the shared covariance")
        elif m.covariance_type in COVARIANCE_TYPES:
            cov = project_covariances(cov[None], m.covariance_type)[0]
    weights = np.append(np.asarray(m.weights) * (1.0 - w), w)
    means = np.vstack([m.means, mean])
    covs = _structured(np.concatenate([m.covariances, cov[None]], axis=0), m.covariance_type,
                       weights)
    return _rebuild(m, weights, means, covs)


def _structured(covs: np.ndarray, covariance_type: str, weights) -> np.ndarray:
    """``covs`` with one matrix new: scikit-learn's types took it in their form already;
    mclust's other models share parts between components, so the set is fitted to the
    model as a whole (the model's M-step on the matrices, weighted by ``weights``)."""
    if covariance_type in COVARIANCE_TYPES:
        return covs
    return project_covariances(covs, covariance_type, weights)


def remove_component(m: Mixture, j: int) -> Mixture:
    """Remove component ``j`` and renormalise the remaining weights to sum to 1.

    Parameters
    ----------
    m : Mixture
        With K >= 2.
    j : int
        0-based component.

    Returns
    -------
    Mixture
        With K - 1 components, in their order. If the others all had weight 0, they
        share the weight equally.

    Raises
    ------
    InputError
        If ``m`` has one component, or ``j`` is out of range.
    """
    j = check_component_index(j, m.n_components)
    if m.n_components < 2:
        raise InputError("cannot remove the only component: a mixture needs at least one")
    keep = np.arange(m.n_components) != j
    w = np.asarray(m.weights)[keep]
    total = w.sum()
    w = w / total if total > 0 else np.full(w.shape, 1.0 / w.size)
    return _rebuild(m, w, m.means[keep], m.covariances[keep])


def first_component(X, xy) -> Mixture:
    """A one-component ``"full"`` mixture at ``xy``, for when there is no model yet.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The data; may be empty.
    xy : array-like of shape (2,)

    Returns
    -------
    Mixture
        Covariance: the (population) covariance of ``X`` plus ``COVARIANCE_REG_FRACTION``
        times its trace on the diagonal, positive definite even for two points; the
        identity when ``X`` has no spread (no points, one point, all equal).
    """
    mean = as_xy(xy)
    return Mixture(np.ones(1), mean[None], _data_covariance(X)[None], "full")


def default_covariance_for(X, k: int) -> np.ndarray:
    """A covariance for a new component placed by hand when the intended K is known.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        The data; may be empty.
    k : int
        The intended number of components (>= 1).

    Returns
    -------
    ndarray of shape (2, 2)
        The regularised data covariance (as in :func:`first_component`) divided by
        ``k``: ``k`` such ellipses cover about as much area as the data. Positive
        definite. For a diag or spherical mixture, :func:`add_component` projects it.
    """
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer)) or k < 1:
        raise InputError(f"the number of components must be an integer >= 1, got {k!r}")
    return _data_covariance(X) / k


def reseed_component(m: Mixture, j: int, X, fraction: float = 0.05) -> Mixture:
    """Restart a collapsing or empty component on the points the mixture explains worst.

    The ``max(2, ceil(fraction * N))`` points with the lowest mixture log-density under
    ``m`` (:func:`gmm_explorer.engine.density.score_samples`; ties broken by index) are
    the ones a new component can gain most from. Component ``j`` is moved onto them:

    * mean: their centroid;
    * covariance: their population covariance plus ``COVARIANCE_REG_FRACTION`` times its
      trace on the diagonal, projected onto the mixture's type (diag: off-diagonal
      dropped; spherical: variances averaged). If they have no spread at all, the data
      covariance divided by K (:func:`default_covariance_for`). For ``"tied"`` the shared
      covariance is left as it is;
    * weight: ``1 / K``, the others scaled to sum to ``1 - 1 / K``.

    If the worst points lie in several places, their centroid can fall between them;
    EM then moves the component to the nearest of them.

    Parameters
    ----------
    m : Mixture
    j : int
        0-based component.
    X : array-like of shape (n_samples, 2)
    fraction : float
        In (0, 1].

    Returns
    -------
    Mixture
    """
    j = check_component_index(j, m.n_components)
    X = as_points(X)
    if not (isinstance(fraction, (int, float, np.integer, np.floating))
            and not isinstance(fraction, bool) and math.isfinite(fraction)
            and 0.0 < fraction <= 1.0):
        raise InputError(f"fraction must be a number in (0, 1], got {fraction!r}")
    n = X.shape[0]
    n_pick = min(n, max(2, math.ceil(fraction * n)))
    worst = np.argsort(score_samples(X, m), kind="stable")[:n_pick]
    P = X[worst]
    k = m.n_components
    means = np.array(m.means)
    means[j] = P.mean(axis=0)
    covs = np.array(m.covariances)
    if m.covariance_type != "tied":
        cov = _regularised_scatter(P)
        if cov is None:
            cov = default_covariance_for(X, k)
        covs[j] = project_covariances(cov[None], m.covariance_type)[0] \
            if m.covariance_type in COVARIANCE_TYPES else cov
    weights = np.array(m.weights)
    if k > 1:
        others = np.arange(k) != j
        total = weights[others].sum()
        share = weights[others] / total if total > 0 else np.full(k - 1, 1.0 / (k - 1))
        weights[others] = (1.0 - 1.0 / k) * share
    weights[j] = 1.0 / k
    return _rebuild(m, weights, means, _structured(covs, m.covariance_type, weights))


def raise_reg_covar(reg_covar: float) -> float:
    """The suggested next ``reg_covar`` after a collapse: ten times larger, or
    ``DEFAULT_REG_COVAR`` (1e-6) if it was 0.

    Raises
    ------
    InputError
        If ``reg_covar`` is not a finite number >= 0.
    """
    if not (isinstance(reg_covar, (int, float, np.integer, np.floating))
            and not isinstance(reg_covar, bool) and math.isfinite(reg_covar) and reg_covar >= 0):
        raise InputError(f"reg_covar must be a finite number >= 0, got {reg_covar!r}")
    return DEFAULT_REG_COVAR if reg_covar == 0 else 10.0 * float(reg_covar)
