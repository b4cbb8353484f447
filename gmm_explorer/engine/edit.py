"""Hand edits of a mixture's components: pure functions that return a new :class:`Mixture`.

Every function validates its arguments (component indices are 0-based; errors name the
1-based component and K) and builds its result with ``Mixture(...)``, so the result is a
validated mixture of the same covariance type: weights sum to 1 and every covariance is
symmetric positive definite with the structure its type demands.

Drag handles
------------
A component's ellipse at ``n_std`` standard deviations has two handles (see
:func:`handle_positions`): the end of the major axis and the end of the minor axis, at the
ends :func:`gmm_explorer.engine.density.ellipse` draws at ``t = 0`` and ``t = pi/2``. The
major axis angle is in (-90, 90] degrees, so the major handle is the end with
``x >= mean_x`` (the upper end for a vertical axis) and the minor handle the end with
``y >= mean_y``. The ellipse is symmetric, so dragging a handle through the mean to the
other side is the same ellipse as its mirror image; the handle then reappears mirrored.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer.engine.density import score_samples
from gmm_explorer.engine.em import as_points, as_xy
from gmm_explorer.engine.locks import check_component_index
from gmm_explorer.engine.mixture import Mixture, eigen_2x2
from gmm_explorer.errors import InputError

#: Standard deviations are floored at this fraction of the largest one involved in an
#: edit, so every edited covariance has a condition number below 1e12 and stays
#: positive definite after rounding.
SD_FLOOR_FRACTION = 1e-6
#: Covariances estimated from a few points get this fraction of their trace added to the
#: diagonal: positive definite even when the points lie on a line.
COVARIANCE_REG_FRACTION = 1e-3
#: :func:`raise_reg_covar` starts from this when ``reg_covar`` was 0 (scikit-learn's default).
DEFAULT_REG_COVAR = 1e-6

HANDLES = ("major", "minor")


# --------------------------------------------------------------------------- validation

def _as_n_std(n_std) -> float:
    if not (isinstance(n_std, (int, float, np.integer, np.floating))
            and not isinstance(n_std, bool) and math.isfinite(n_std) and n_std > 0):
        raise InputError(f"n_std must be a finite number > 0, got {n_std!r}")
    return float(n_std)


def _points_maybe_empty(X) -> np.ndarray:
    """Like :func:`as_points`, but zero points are allowed."""
    try:
        arr = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"points must be numbers ({exc})") from None
    if arr.size == 0:
        return np.zeros((0, 2))
    return as_points(arr)


def _rebuild(m: Mixture, weights=None, means=None, covariances=None) -> Mixture:
    return Mixture(m.weights if weights is None else weights,
                   m.means if means is None else means,
                   m.covariances if covariances is None else covariances,
                   m.covariance_type)


# --------------------------------------------------------------------------- covariance helpers

def _from_axes(sd_major: float, sd_minor: float, angle: float) -> np.ndarray:
    """``R diag(sd_major^2, sd_minor^2) R^T`` with R the rotation by ``angle``: (2, 2)."""
    c, s = math.cos(angle), math.sin(angle)
    v1, v2 = sd_major * sd_major, sd_minor * sd_minor
    # Off-diagonal (v1 - v2) c s: exact zero for an unrotated ellipse or a circle. "+ 0.0"
    # turns -0.0 into +0.0, which eigen_2x2 would read as an angle of -pi/2, not pi/2.
    off = (v1 - v2) * c * s + 0.0
    return np.array([[v1 * c * c + v2 * s * s, off], [off, v1 * s * s + v2 * c * c]])


def _project(cov: np.ndarray, covariance_type: str) -> np.ndarray:
    """A (2, 2) covariance with the structure of ``covariance_type`` (tied: unchanged).

    diag drops the off-diagonal; spherical also averages the two variances. Both keep a
    positive-definite matrix positive definite (its diagonal is positive).
    """
    cov = np.array(cov, dtype=np.float64)
    if covariance_type in ("diag", "spherical"):
        cov[0, 1] = cov[1, 0] = 0.0
        if covariance_type == "spherical":
            cov[0, 0] = cov[1, 1] = 0.5 * (cov[0, 0] + cov[1, 1])
    return cov


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


def handle_positions(m: Mixture, j: int, n_std: float = 1.0) -> np.ndarray:
    """Data-space positions of component ``j``'s two drag handles.

    Parameters
    ----------
    m : Mixture
    j : int
        0-based component.
    n_std : float
        The ellipse drawn, in standard deviations.

    Returns
    -------
    ndarray of shape (2, 2)
        Row 0: the end of the major axis, ``mean + n_std sd_major (cos a, sin a)``;
        row 1: the end of the minor axis, ``mean + n_std sd_minor (-sin a, cos a)``; ``a``
        is the major-axis angle from :func:`eigen_2x2`, in (-pi/2, pi/2]. These are the
        points :func:`gmm_explorer.engine.density.ellipse` draws at ``t = 0`` and ``pi/2``.
    """
    j = check_component_index(j, m.n_components)
    n_std = _as_n_std(n_std)
    lam_max, lam_min, angle = eigen_2x2(np.asarray(m.covariances[j:j + 1]))
    a = n_std * math.sqrt(lam_max[0])
    b = n_std * math.sqrt(max(lam_min[0], 0.0))
    c, s = math.cos(angle[0]), math.sin(angle[0])
    mu = m.means[j]
    return np.array([[mu[0] + a * c, mu[1] + a * s], [mu[0] - b * s, mu[1] + b * c]])


def drag_handle(m: Mixture, j: int, which: str, xy, n_std: float = 1.0) -> Mixture:
    """Reshape component ``j``'s covariance by dragging one of its handles to ``xy``.

    For a smooth drag, apply every mouse move to the mixture as it was when the drag
    began.

    Parameters
    ----------
    m : Mixture
    j : int
        0-based component.
    which : {"major", "minor"}
        The handle dragged (see :func:`handle_positions`).
    xy : array-like of shape (2,)
        Where it was dragged to.
    n_std : float
        The ellipse the handles belong to, in standard deviations.

    Returns
    -------
    Mixture
        Only the covariance(s) change. By covariance type:

        * ``"full"``: the major handle makes the major axis point along ``xy - mean``
          with standard deviation ``|xy - mean| / n_std`` and keeps the minor standard
          deviation (perpendicular). The minor handle keeps the axis direction and sets
          the minor standard deviation to the distance of ``xy`` from the major-axis
          line ``/ n_std``. If the minor ends up larger than the major, the axes simply
          swap roles.
        * ``"tied"``: as full, on the shared covariance (all components change).
        * ``"diag"``: axis-aligned only. The major handle sets the variance along the
          coordinate axis nearest to ``xy - mean`` from the projection of ``xy - mean``
          on that axis, and the kept minor standard deviation goes to the other axis
          (the full rule with the direction snapped to x or y). The minor handle sets the
          variance along the coordinate axis perpendicular to the current major axis from
          the distance of ``xy`` to the major-axis line, as for full.
        * ``"spherical"``: either handle sets the single radius to ``|xy - mean| / n_std``.

        Standard deviations are floored at ``SD_FLOOR_FRACTION`` times the largest one
        involved (those of ``m`` and the new one), so the result is always positive
        definite, also when a handle is dropped on the mean or on the major-axis line.
    """
    j = check_component_index(j, m.n_components)
    if which not in HANDLES:
        raise InputError(f"unknown handle {which!r}; expected 'major' or 'minor'")
    n_std = _as_n_std(n_std)
    p = as_xy(xy)
    mu = np.asarray(m.means[j])
    v = p - mu
    lam_max, lam_min, angle = eigen_2x2(np.asarray(m.covariances))
    sd_max_all = float(np.sqrt(lam_max).max())
    sd1 = math.sqrt(lam_max[j])
    sd2 = math.sqrt(max(lam_min[j], 0.0))
    a = float(angle[j])
    ctype = m.covariance_type
    if ctype == "spherical":
        r = math.hypot(v[0], v[1]) / n_std
        r = max(r, SD_FLOOR_FRACTION * max(sd_max_all, r))
        cov = _from_axes(r, r, 0.0)
    elif ctype == "diag":
        # The major axis is x (index 0) when the x variance is the larger (as eigen_2x2).
        # The kept variance is copied exactly; only the new one is floored (a diagonal
        # matrix with positive entries is positive definite whatever its condition).
        var_old = np.diag(m.covariances[j])
        axis = 0 if var_old[0] >= var_old[1] else 1
        if which == "major":
            kept = var_old[1 - axis]
            axis = 0 if abs(v[0]) >= abs(v[1]) else 1
            new_axis, new_sd = axis, abs(v[axis]) / n_std
        else:
            kept = var_old[axis]
            new_axis, new_sd = 1 - axis, abs(v[1 - axis]) / n_std
        new_sd = max(new_sd, SD_FLOOR_FRACTION * max(sd_max_all, new_sd))
        var = np.empty(2)
        var[new_axis] = new_sd * new_sd
        var[1 - new_axis] = kept
        cov = np.diag(var)
    else:  # full, tied
        if which == "major":
            r = math.hypot(v[0], v[1])
            if r > 0:
                a = math.atan2(v[1], v[0])
            sd_major, sd_minor = r / n_std, sd2
        else:
            # Distance of xy from the major-axis line: |v . (-sin a, cos a)|.
            d = abs(-math.sin(a) * v[0] + math.cos(a) * v[1])
            sd_major, sd_minor = sd1, d / n_std
        floor = SD_FLOOR_FRACTION * max(sd_max_all, sd_major, sd_minor)
        cov = _from_axes(max(sd_major, floor), max(sd_minor, floor), a)
    covs = np.array(m.covariances)
    if ctype == "tied":
        covs[:] = cov
    else:
        covs[j] = cov
    return _rebuild(m, covariances=covs)


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
        else:
            cov = _project(cov, m.covariance_type)
    weights = np.append(np.asarray(m.weights) * (1.0 - w), w)
    means = np.vstack([m.means, mean])
    covs = np.concatenate([m.covariances, cov[None]], axis=0)
    return _rebuild(m, weights, means, covs)


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
        covs[j] = _project(cov, m.covariance_type)
    weights = np.array(m.weights)
    if k > 1:
        others = np.arange(k) != j
        total = weights[others].sum()
        share = weights[others] / total if total > 0 else np.full(k - 1, 1.0 / (k - 1))
        weights[others] = (1.0 - 1.0 / k) * share
    weights[j] = 1.0 / k
    return _rebuild(m, weights, means, covs)


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
