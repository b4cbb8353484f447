"""The health of each component of a fitted state, judged against the data.

* :class:`ComponentDiagnostics` and :func:`diagnose` — the verdict on each component,
  judged against the data's own spread and the model's own symmetry (see :func:`diagnose`).
* :func:`health_warnings` and :func:`duplicate_groups` — the verdicts as sentences, and
  the components that duplicate one another.
* :func:`overlaps` — Bhattacharyya coefficients between every pair of components.

:class:`~gmm_explorer.engine.steps.StepResult` computes its diagnostics and warnings here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gmm_explorer.engine.mixture import Mixture, chol_is_valid, cholesky_2x2, eigen_2x2
from gmm_explorer.engine.models import mclust_code

def min_points(covariance_type: str) -> float:
    """The points a component needs, for any of the fourteen models: one when nothing of
    its covariance is its own (EII, EEI, tied), three when its orientation is (EEV, VEV,
    EVV, full), else two (its own volume or shape needs two distinct points)."""
    code = mclust_code(covariance_type)
    if "V" not in code:
        return 1.0
    return 3.0 if code[2] == "V" else 2.0


#: Points a component needs before its own parameters are pinned down by data rather than
#: by the floor ``reg_covar`` (d + 1 = 3 for a full 2-D covariance; two distinct points
#: already give positive diagonal or spherical variances; a tied covariance is pooled over
#: all points, so one point pins the component's mean). Fewer: "unsupported".
#: scikit-learn's four types; :func:`min_points` gives every model.
MIN_POINTS = {t: min_points(t) for t in ("full", "diag", "spherical", "tied")}

#: A component whose variance along some direction is below this fraction of the data's
#: variance along that same direction is a "needle": its standard deviation across is under
#: 1/1000 of the data's. 1e-6 is what scikit-learn's default ``reg_covar`` adds to every
#: covariance of standardised data: a variance that small is the regulariser's, not the
#: data's. An ellipse that thin is under a pixel wide when the data fill the canvas, and no
#: fitted cluster of the built-in generators comes within 70x of it (the thinnest: 20
#: elongated clusters, 7e-5).
NEEDLE_RATIO = 1e-6
#: Two components whose Gaussians overlap more than this (Bhattacharyya coefficient, 1 for
#: identical Gaussians) are "duplicates": EM moves both the same way and cannot tell them
#: apart. 0.99 is, for equal covariances, means less than 0.28 standard deviations apart
#: (two equal Gaussians stay one bump until 2 apart); for equal means, variances within
#: about 1.33x. The coefficient is affine-invariant: it needs no scale from the data.
DUPLICATE_OVERLAP = 0.99

#: A component claiming at most this many points wins no point outright: "empty".
EMPTY_POINTS = 0.5

#: Health verdicts, from the worst: a component gets the first that applies. "off" is
#: variational Bayes' own: a component its posterior has switched off (see
#: :func:`mark_switched_off`), which is the method working, not a fault.
STATUSES = ("empty", "collapsing", "needle", "unsupported", "duplicate", "ok", "off")

#: Variational Bayes switches a component off when its expected weight is worth less than
#: one point.
OFF_POINTS = 1.0
#: The verdicts that make a fit degenerate for model selection: a component with no data
#: of its own, or shrunk onto too few points for its covariance. mclust reports such
#: cells as NA (a singular covariance); model selection never names them best.
DEGENERATE = ("empty", "collapsing", "needle", "unsupported")


#: A component whose variance along some direction is at most this many times
#: ``reg_covar`` owes that variance to the regulariser, not to its points: they lie on a
#: line (tied values, such as iris petal widths measured to 0.1 cm). Without the
#: regulariser its covariance is singular, which mclust reports as NA.
AT_FLOOR = 2.0


def degenerate_reason(step) -> str | None:
    """Why a state (a StepResult) is degenerate ("component 3 is collapsing", "component
    2 has no spread of its own along one direction"), or None."""
    # Model selection asks this of every restart, and again at each comparison: the
    # verdict is kept on the (frozen) state, and worked out without the pairwise
    # overlaps, which no degenerate verdict needs, unless the state's diagnostics are
    # already there.
    known = step.__dict__.get("_degenerate_reason", _UNKNOWN)
    if known is not _UNKNOWN:
        return known
    reason = _degenerate_reason(step)
    step.__dict__["_degenerate_reason"] = reason
    return reason


_UNKNOWN = object()


def _degenerate_reason(step) -> str | None:
    diagnostics = step.__dict__.get("diagnostics")
    if diagnostics is None and getattr(step, "algorithm", "em") == "vb":
        diagnostics = step.diagnostics  # with its switched-off components
    if diagnostics is None:
        diagnostics = diagnose(step.mixture, step.n_effective, step.reg_covar,
                               step.data_covariance, duplicates=False)
    for j, d in enumerate(diagnostics):
        if d.status in DEGENERATE:
            return f"component {j + 1} is {d.status}"
    reg = float(step.reg_covar)
    if reg > 0:
        for j, d in enumerate(diagnostics):
            if d.eigenvalues[1] <= AT_FLOOR * reg:
                return (f"component {j + 1} has no spread of its own along one direction "
                        f"(its variance there is reg_covar's, {d.eigenvalues[1]:.3g})")
    return None


@dataclass(frozen=True)
class ComponentDiagnostics:
    """Health of one component (see :func:`diagnose` for the rules).

    Attributes
    ----------
    weight : float
    n_effective : float
        Expected number of points the component claims under these parameters.
    eigenvalues : tuple of float
        ``(major, minor)`` eigenvalues of the covariance.
    condition_number : float
        ``major / minor``.
    status : str
        The worst verdict that applies, one of :data:`STATUSES`: ``"empty"`` (claims at
        most half a point), ``"collapsing"`` (a needle that also claims fewer than
        :data:`MIN_POINTS`: shrinking onto the few points it holds), ``"needle"``,
        ``"unsupported"``, ``"duplicate"`` or ``"ok"``.
    variance_ratio : float
        The component's variance relative to the data's, in the direction where that ratio
        is smallest (``min_u u'Σu / u'Cu``; below :data:`NEEDLE_RATIO`: a needle). NaN when
        the data have no spread to judge against.
    duplicates : tuple of int
        The other components (0-based) whose Gaussian this one duplicates.
    """

    weight: float
    n_effective: float
    eigenvalues: tuple[float, float]
    condition_number: float
    status: str
    variance_ratio: float = float("nan")
    duplicates: tuple[int, ...] = ()


def _and_list(numbers) -> str:
    """``[2]`` -> "2", ``[2, 3]`` -> "2 and 3", ``[1, 2, 3]`` -> "1, 2 and 3"."""
    words = [str(x) for x in numbers]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def duplicate_groups(diagnostics) -> list[list[int]]:
    """Groups (0-based, each sorted, at least two) of components that duplicate one
    another, linked through :attr:`ComponentDiagnostics.duplicates`."""
    seen: set[int] = set()
    groups = []
    for j, d in enumerate(diagnostics):
        if j in seen or not d.duplicates:
            continue
        group, todo = set(), [j]
        while todo:
            i = todo.pop()
            if i not in group and 0 <= i < len(diagnostics):
                group.add(i)
                todo.extend(diagnostics[i].duplicates)
        seen |= group
        groups.append(sorted(group))
    return groups


def mark_switched_off(diagnostics, expected_points) -> tuple[ComponentDiagnostics, ...]:
    """Variational Bayes' verdicts: a component whose expected weight is worth less than
    :data:`OFF_POINTS` points is "off" (whatever else it would be called), and no
    component is a duplicate of one that is off.

    Parameters
    ----------
    diagnostics : sequence of ComponentDiagnostics
    expected_points : ndarray of shape (n_components,)
        Each component's expected weight times the number of points.
    """
    off = {j for j, n in enumerate(expected_points) if n < OFF_POINTS}
    if not off:
        return tuple(diagnostics)
    out = []
    for j, d in enumerate(diagnostics):
        if j in off:
            out.append(replace(d, status="off", duplicates=()))
            continue
        dup = tuple(i for i in d.duplicates if i not in off)
        status = "ok" if d.status == "duplicate" and not dup else d.status
        out.append(replace(d, status=status, duplicates=dup))
    return tuple(out)


def health_warnings(diagnostics, covariance_type: str = "full") -> tuple[str, ...]:
    """Human-readable warnings for the components that are not ``"ok"`` (1-based)."""
    need = min_points(covariance_type)
    out = []
    for j, d in enumerate(diagnostics, start=1):
        if d.status == "empty":
            out.append(f"component {j} is empty (claims {d.n_effective:.3g} points)")
        elif d.status == "collapsing":
            out.append(f"component {j} is collapsing ({d.n_effective:.3g} points, variance "
                       f"across {d.variance_ratio:.2g} of the data's)")
        elif d.status == "needle":
            out.append(f"component {j} is needle-thin (variance across {d.variance_ratio:.2g} "
                       "of the data's)")
        elif d.status == "unsupported":
            out.append(f"component {j} rests on {d.n_effective:.3g} points (needs {need:g})")
    for group in duplicate_groups(diagnostics):
        out.append(f"components {_and_list(i + 1 for i in group)} are duplicates")
    return tuple(out)


def _whitening(reference: np.ndarray) -> np.ndarray | None:
    """(2, 2) ``W`` with ``W C W^T = I`` for the positive-definite ``reference`` C (the
    inverse of its Cholesky factor), or None when C has no spread to judge against."""
    chol = cholesky_2x2(np.asarray(reference, dtype=float)[None])
    if not chol_is_valid(chol)[0]:
        return None
    l11, l21, l22 = chol[0]
    return np.array([[1.0 / l11, 0.0], [-l21 / l11 / l22, 1.0 / l22]])


def _log_det(chol: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = 2.0 * (np.log(chol[:, 0]) + np.log(chol[:, 2]))
    return np.where(chol_is_valid(chol), out, -np.inf)


def overlaps(means: np.ndarray, covariances: np.ndarray) -> np.ndarray:
    """Bhattacharyya coefficients ``exp(-D_B)`` between every pair of 2-D Gaussians.

    ``D_B = (1/8) Δ' Σ̄⁻¹ Δ + (1/2) ln(det Σ̄ / sqrt(det Σ_i det Σ_j))`` with
    ``Σ̄ = (Σ_i + Σ_j) / 2``: 1 for identical Gaussians, towards 0 as they separate. It is
    unchanged by any affine map of the plane, so it needs no scale of its own.

    Parameters
    ----------
    means : ndarray of shape (K, 2)
    covariances : ndarray of shape (K, 2, 2)

    Returns
    -------
    ndarray of shape (K, K)
        Symmetric, 1 on the diagonal; 0 where a covariance is singular.
    """
    k = means.shape[0]
    out = np.eye(k)
    i, j = np.triu_indices(k, 1)
    if i.size == 0:
        return out
    own = _log_det(cholesky_2x2(covariances))
    pooled = cholesky_2x2(0.5 * covariances[i] + 0.5 * covariances[j])
    delta = means[i] - means[j]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # Σ̄⁻¹ quadratic form through the Cholesky factor: |L⁻¹ Δ|².
        z0 = delta[:, 0] / pooled[:, 0]
        z1 = (delta[:, 1] - pooled[:, 1] * z0) / pooled[:, 2]
        d_b = (0.125 * (z0 * z0 + z1 * z1)
               + 0.5 * (_log_det(pooled) - 0.5 * own[i] - 0.5 * own[j]))
        bc = np.exp(-d_b)
    bc = np.where(np.isfinite(bc) & chol_is_valid(pooled), bc, 0.0)
    out[i, j] = out[j, i] = bc
    return out


def _overall_covariance(mix: Mixture) -> np.ndarray:
    """Covariance of the mixture as one distribution (within plus between components)."""
    w = np.asarray(mix.weights)
    means = np.asarray(mix.means)
    with np.errstate(over="ignore", invalid="ignore"):
        d = means - w @ means
        return np.einsum("k,kij->ij", w, np.asarray(mix.covariances)) + np.einsum(
            "k,ki,kj->ij", w, d, d)


def diagnose(mix: Mixture, n_effective: np.ndarray, reg_covar: float = 1e-6,
             data_covariance: np.ndarray | None = None, *,
             duplicates: bool = True) -> tuple[ComponentDiagnostics, ...]:
    """Per-component health of ``mix``, judged against the data and the model itself.

    No threshold is in the data's units: each verdict is relative to the data's own
    spread, the points the component holds, or the other components.

    * **empty** — claims at most :data:`EMPTY_POINTS` (half a point): no point gives it
      the larger part of its responsibility, so it wins no point outright. (A component
      holding one point, with a little of it shared, is not empty: it is collapsing.)
    * **needle** — in some direction its variance is below :data:`NEEDLE_RATIO` of the
      data's variance in that same direction (the smallest generalised eigenvalue of the
      covariance against the data's, computed after whitening by the data's covariance:
      unchanged by rescaling, rotating or shearing the data).
    * **collapsing** — a needle that also claims fewer than :data:`MIN_POINTS` points: it
      is shrinking onto the few points it holds, where the likelihood has no maximum.
    * **unsupported** — claims fewer than :data:`MIN_POINTS` points (d + 1 = 3 for a full
      2-D covariance): its covariance rests on the floor, not on data.
    * **duplicate** — its Gaussian overlaps another's by more than :data:`DUPLICATE_OVERLAP`
      (Bhattacharyya coefficient): the same density twice, a symmetry EM cannot break
      (e.g. the ``random`` start, all components near the data's mean). Weights do not
      enter: two components of the same shape get the same update whatever their weights.

    Parameters
    ----------
    mix : Mixture
    n_effective : ndarray of shape (n_components,)
    reg_covar : float
        Added to the data's covariance, so that the reference carries the same floor as
        every component (data lying exactly on a line make no needles of components that
        merely follow them).
    data_covariance : ndarray of shape (2, 2), optional
        Covariance of the data (:attr:`~gmm_explorer.engine.steps.EStep.data_covariance`).
        None: the mixture's overall covariance stands in (it already includes
        ``reg_covar``).
    duplicates : bool
        False skips the pairwise overlaps: no component is then called "duplicate"
        (enough to tell a degenerate fit, :func:`degenerate_reason`, at a fraction of the
        cost for large K).

    Returns
    -------
    tuple of ComponentDiagnostics
    """
    covs = np.asarray(mix.covariances, dtype=float)
    means = np.asarray(mix.means, dtype=float)
    lam_max, lam_min, _ = eigen_2x2(covs)
    if data_covariance is None:
        reference = _overall_covariance(mix)
    else:
        reference = np.asarray(data_covariance, dtype=float) + reg_covar * np.eye(2)
    w = _whitening(reference)
    k = mix.n_components
    if w is None:
        ratio = np.full(k, np.nan)
        bc = overlaps(means, covs) if duplicates else np.zeros((k, k))
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            white = np.einsum("ab,kbc,dc->kad", w, covs, w)
            white_means = means @ w.T
        ratio = eigen_2x2(white)[1]
        bc = overlaps(white_means, white) if duplicates else np.zeros((k, k))
    need = min_points(mix.covariance_type)
    out = []
    for j in range(mix.n_components):
        n_eff = float(n_effective[j])
        cond = float(lam_max[j] / lam_min[j]) if lam_min[j] > 0 else float("inf")
        needle = bool(ratio[j] < NEEDLE_RATIO)
        dups = tuple(int(i) for i in np.flatnonzero(bc[j] > DUPLICATE_OVERLAP) if i != j)
        if n_eff <= EMPTY_POINTS:
            status = "empty"
        elif needle and n_eff < need:
            status = "collapsing"
        elif needle:
            status = "needle"
        elif n_eff < need:
            status = "unsupported"
        elif dups:
            status = "duplicate"
        else:
            status = "ok"
        out.append(ComponentDiagnostics(float(mix.weights[j]), n_eff,
                                        (float(lam_max[j]), float(lam_min[j])), cond, status,
                                        float(ratio[j]), dups))
    return tuple(out)
