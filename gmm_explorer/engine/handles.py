"""Drag handles: reshaping a component's covariance by dragging points on its ellipse.

A component's ellipse at ``n_std`` standard deviations has two handles (see
:func:`handle_positions`): the end of the major axis and the end of the minor axis, at the
ends :func:`gmm_explorer.engine.density.ellipse` draws at ``t = 0`` and ``t = pi/2``. The
major axis angle is in (-90, 90] degrees, so the major handle is the end with
``x >= mean_x`` (the upper end for a vertical axis) and the minor handle the end with
``y >= mean_y``. The ellipse is symmetric, so dragging a handle through the mean to the
other side is the same ellipse as its mirror image; the handle then reappears mirrored.

Like the other hand edits (:mod:`gmm_explorer.engine.edit`), :func:`drag_handle` is a pure
function that returns a new, validated :class:`Mixture` of the same covariance type.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer.engine.locks import check_component_index
from gmm_explorer.engine.mixture import Mixture, eigen_2x2
from gmm_explorer.engine.models import handle_rule, mclust_code
from gmm_explorer.engine.validation import as_xy
from gmm_explorer.errors import InputError

#: Standard deviations are floored at this fraction of the largest one involved in a
#: drag, so every dragged covariance has a condition number below 1e12 and stays
#: positive definite after rounding.
SD_FLOOR_FRACTION = 1e-6

HANDLES = ("major", "minor")


def _as_n_std(n_std) -> float:
    if not (isinstance(n_std, (int, float, np.integer, np.floating))
            and not isinstance(n_std, bool) and math.isfinite(n_std) and n_std > 0):
        raise InputError(f"n_std must be a finite number > 0, got {n_std!r}")
    return float(n_std)


def _from_axes(sd_major: float, sd_minor: float, angle: float) -> np.ndarray:
    """``R diag(sd_major^2, sd_minor^2) R^T`` with R the rotation by ``angle``: (2, 2)."""
    c, s = math.cos(angle), math.sin(angle)
    v1, v2 = sd_major * sd_major, sd_minor * sd_minor
    # Off-diagonal (v1 - v2) c s: exact zero for an unrotated ellipse or a circle. "+ 0.0"
    # turns -0.0 into +0.0, which eigen_2x2 would read as an angle of -pi/2, not pi/2.
    off = (v1 - v2) * c * s + 0.0
    return np.array([[v1 * c * c + v2 * s * s, off], [off, v1 * s * s + v2 * c * c]])


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
        * mclust's other models: the rule of their ellipse's form (circles for EII,
          axis-aligned for EEI, VEI and EVI, full otherwise), then the parts the model
          shares follow in every component (:func:`spread_edit`).

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
    rule = handle_rule(ctype)
    if rule == "spherical":
        r = math.hypot(v[0], v[1]) / n_std
        r = max(r, SD_FLOOR_FRACTION * max(sd_max_all, r))
        cov = _from_axes(r, r, 0.0)
    elif rule == "diag":
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
    if ctype == "tied":
        covs = np.array(m.covariances)
        covs[:] = cov
    else:
        covs = spread_edit(m.covariances, j, cov, ctype)
    return m.rebuilt(covariances=covs, covariance_type=ctype)


def spread_edit(covariances, j: int, new: np.ndarray, covariance_type: str) -> np.ndarray:
    """The covariances after component ``j``'s ellipse was set by hand to ``new`` (which
    already has the model's per-ellipse form, see
    :func:`~gmm_explorer.engine.models.handle_rule`): the parts the model shares follow in
    every component (an Equal volume takes ``new``'s volume, an Equal shape its shape, an
    Equal orientation turns with it); Variable parts change in component ``j`` only."""
    covs = np.array(covariances, dtype=np.float64)
    code = mclust_code(covariance_type)
    vol_e, shape_e, orient = code[0] == "E", code[1] == "E", code[2]
    if code in ("VVV", "VVI", "VII"):
        covs[j] = new
        return covs
    if orient == "I":
        # Axis-aligned: a shape is the ratio of the two variances (which axis is longer
        # is part of it), a volume their geometric mean.
        vx, vy = covs[:, 0, 0], covs[:, 1, 1]
        vol, ratio = np.sqrt(vx * vy), vx / vy
        vol[j], ratio[j] = math.sqrt(new[0, 0] * new[1, 1]), new[0, 0] / new[1, 1]
        if vol_e:
            vol[:] = vol[j]
        if shape_e or code[1] == "I":
            ratio[:] = ratio[j] if shape_e else 1.0
        out = np.zeros_like(covs)
        out[:, 0, 0] = vol * np.sqrt(ratio)
        out[:, 1, 1] = vol / np.sqrt(ratio)
        return out
    # Volume sqrt(det), shape the eigenvalue ratio, orientation the major axis's angle.
    lam_max, lam_min, angle = (np.array(a) for a in eigen_2x2(covs))
    (n_max,), (n_min,), (n_angle,) = eigen_2x2(np.asarray(new)[None])
    turn = n_angle - angle[j]
    lam_max[j], lam_min[j], angle[j] = n_max, n_min, n_angle
    vol, ratio = np.sqrt(lam_max * lam_min), lam_max / lam_min
    if vol_e:
        vol[:] = vol[j]
    if shape_e:
        ratio[:] = ratio[j]
    if orient == "E":
        # Every component turns with it, keeping which of the shared axes is its longer.
        others = np.arange(covs.shape[0]) != j
        angle[others] += turn
    sd_major, sd_minor = np.sqrt(vol * np.sqrt(ratio)), np.sqrt(vol / np.sqrt(ratio))
    return np.stack([_from_axes(a, b, t) for a, b, t in zip(sd_major, sd_minor, angle)])
