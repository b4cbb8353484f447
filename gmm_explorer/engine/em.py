"""Expectation-maximisation, one named unit at a time.

* :func:`e_step` — responsibilities (on request), sufficient statistics and the
  log-likelihood of the *current* parameters.
* :func:`m_step` — new parameters from an E-step (or from raw responsibilities).
* :func:`em_step` — both, i.e. one EM iteration.
* :func:`iterate` — a generator of :class:`StepResult`, which serves "run" and "fit".

The maths follow scikit-learn's ``GaussianMixture`` exactly (``reg_covar`` added to the
diagonal, component mass floored at ``10 * eps``, weights ``nk / sum(nk)``, convergence on
the change in mean per-sample log-likelihood), so that from the same start the
parameters agree with scikit-learn to rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Iterator

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.engine.locks import Locks
from gmm_explorer.engine.mixture import (
    COVARIANCE_TYPES,
    Mixture,
    chol_is_valid,
    cholesky_2x2,
    eigen_2x2,
)
from gmm_explorer.errors import FitError, InputError

#: scikit-learn's floor on component mass: ``nk = sum_i r_ik + 10 * eps``.
NK_FLOOR = 10 * np.finfo(np.float64).eps
#: A mean log-likelihood drop larger than this (relative) flags ``ll_decreased``; smaller
#: drops are rounding noise once EM has converged.
DECREASE_RTOL = 1e-9


@dataclass(frozen=True)
class EMSettings:
    """Settings of an EM run, with scikit-learn's defaults.

    Parameters
    ----------
    covariance_type : {"full", "tied", "diag", "spherical"}
    reg_covar : float
        Added to the diagonal of every covariance after each M-step (>= 0).
    tol : float
        Convergence threshold on the change in mean per-sample log-likelihood (>= 0;
        0 means run exactly ``max_iter`` iterations).
    max_iter : int
        Maximum number of iterations (M-steps); 0 only evaluates the start.
    """

    covariance_type: str = "full"
    reg_covar: float = 1e-6
    tol: float = 1e-3
    max_iter: int = 100

    def __post_init__(self) -> None:
        if self.covariance_type not in COVARIANCE_TYPES:
            raise InputError(f"unknown covariance type {self.covariance_type!r}; expected one of "
                             + ", ".join(COVARIANCE_TYPES))
        for name in ("reg_covar", "tol"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v >= 0):
                raise InputError(f"{name} must be a finite number >= 0, got {v!r}")
        if not (isinstance(self.max_iter, (int, np.integer)) and self.max_iter >= 0):
            raise InputError(f"max_iter must be an integer >= 0, got {self.max_iter!r}")


@dataclass(frozen=True, eq=False)
class EStep:
    """Result of an E-step: everything the M-step needs, plus the log-likelihood.

    Attributes
    ----------
    mixture : Mixture
        The parameters the E-step evaluated.
    log_likelihood : float
        Total log-likelihood of the data under ``mixture``.
    n_samples : int
    stats : ndarray of shape (n_components, 6)
        ``S0, S1x, S1y, S2xx, S2xy, S2yy`` about each component's mean in ``mixture``.
    responsibilities : ndarray of shape (n_samples, n_components) or None
        Read-only; present only when requested. If the caller passed ``out``, this is a
        read-only view of it and changes when ``out`` is reused.
    """

    mixture: Mixture
    log_likelihood: float
    n_samples: int
    stats: np.ndarray
    responsibilities: np.ndarray | None = None

    @property
    def mean_log_likelihood(self) -> float:
        """Mean per-sample log-likelihood (what ``tol`` is measured on)."""
        return self.log_likelihood / self.n_samples

    @property
    def n_effective(self) -> np.ndarray:
        """(n_components,) expected number of points each component claims."""
        return self.stats[:, 0].copy()


@dataclass(frozen=True)
class ComponentDiagnostics:
    """Numerical health of one component.

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
        ``"ok"``, ``"empty"`` (claims less than one point) or ``"collapsing"``
        (condition number above 1e8, or the minor variance within 10x of ``reg_covar``
        while the component claims fewer than 3 points).
    """

    weight: float
    n_effective: float
    eigenvalues: tuple[float, float]
    condition_number: float
    status: str


@dataclass(frozen=True, eq=False)
class StepResult:
    """The state after ``iteration`` EM iterations.

    Attributes
    ----------
    iteration : int
        Number of M-steps applied since the start (0 = the initial parameters).
    mixture : Mixture
    log_likelihood : float
        Total log-likelihood of the data under ``mixture`` (exactly these parameters).
    mean_log_likelihood : float
    n_samples : int
    change : float or None
        ``mean_log_likelihood`` minus that of the previous iteration (None at iteration 0).
    converged : bool
        scikit-learn's rule: the change measured at the previous iteration was below ``tol``.
        scikit-learn takes one more M-step after the change falls below ``tol``, and so do
        we, so ``iteration`` and the parameters match its ``n_iter_`` and fit.
    ll_decreased : bool
        The mean log-likelihood fell by more than rounding noise (EM should never do this;
        with ``reg_covar`` > 0 and a collapsing component it can).
    n_effective : ndarray of shape (n_components,)
        Expected number of points each component claims under ``mixture``.
    reg_covar : float
        The run's ``reg_covar`` (used to judge collapsing components).
    diagnostics : tuple of ComponentDiagnostics
        Computed on first access.
    """

    iteration: int
    mixture: Mixture
    log_likelihood: float
    mean_log_likelihood: float
    n_samples: int
    change: float | None
    converged: bool
    ll_decreased: bool
    n_effective: np.ndarray
    reg_covar: float = 1e-6

    @cached_property
    def diagnostics(self) -> tuple[ComponentDiagnostics, ...]:
        """Per-component numerical health (computed on first use)."""
        return diagnose(self.mixture, self.n_effective, self.reg_covar)

    def warnings(self) -> tuple[str, ...]:
        """Human-readable numerical warnings, e.g. ``"component 3 is collapsing"`` (1-based)."""
        out = []
        for j, d in enumerate(self.diagnostics, start=1):
            if d.status == "empty":
                out.append(f"component {j} is empty (claims {d.n_effective:.3g} points)")
            elif d.status == "collapsing":
                out.append(f"component {j} is collapsing (condition number {d.condition_number:.3g})")
        if self.ll_decreased:
            out.append(f"log-likelihood decreased by {-self.change:.3g} per point")
        return tuple(out)


def as_points(X) -> np.ndarray:
    """Validate and convert data to a C-contiguous float64 array of shape (n_samples, 2).

    Raises
    ------
    InputError
        If the shape is wrong, there are no points, or values are not finite.
    """
    try:
        arr = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"points must be numbers ({exc})") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"points must have shape (n, 2), got {arr.shape}")
    if arr.shape[0] == 0:
        raise InputError("there are no points")
    if not np.all(np.isfinite(arr)):
        row = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InputError(f"point {row} is not finite: {arr[row].tolist()}")
    return arr


def as_xy(xy, name: str = "xy") -> np.ndarray:
    """Validate one point: a finite pair of numbers, returned as a float64 array (2,).

    Raises
    ------
    InputError
        Naming ``name`` when it is not two finite numbers.
    """
    try:
        p = np.array(xy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a pair of numbers ({exc})") from None
    if p.shape != (2,):
        raise InputError(f"{name} must be a pair of numbers (x, y), got {np.shape(xy)}")
    if not np.all(np.isfinite(p)):
        raise InputError(f"{name} must be finite, got {p.tolist()}")
    return p


def check_enough_points(n_samples: int, n_components: int) -> None:
    """Raise :class:`InputError` when there are fewer points than components."""
    if n_samples < n_components:
        raise InputError(f"{n_samples} points are fewer than the K={n_components} components; "
                         f"use K <= {n_samples} or add points")


def _pass_inputs(mixture: Mixture):
    const = (np.log(mixture.weights) + mixture.log_det_precision_chol - _kernels.LOG_2PI)
    return (np.ascontiguousarray(mixture.means), np.ascontiguousarray(mixture.precision_chol),
            np.ascontiguousarray(const))


def e_step(X, mixture: Mixture, *, want_resp: bool = False, out: np.ndarray | None = None,
           backend: str | None = None, _checked: bool = False) -> EStep:
    """Expectation step: evaluate the current parameters on the data.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    mixture : Mixture
    want_resp : bool
        Also return the responsibilities (implied by ``out``).
    out : ndarray of shape (n_samples, n_components), optional
        Buffer to write responsibilities into (reused across steps to avoid allocation).
    backend : {None, "numba", "numpy"}
        None picks numba when available.

    Returns
    -------
    EStep

    Raises
    ------
    FitError
        If some point has zero density under every component (it lies absurdly far from
        every mean relative to the covariances).
    """
    X = X if _checked else as_points(X)
    n, k = X.shape[0], mixture.n_components
    resp = None
    if out is not None:
        if out.shape != (n, k) or out.dtype != np.float64 or not out.flags.c_contiguous:
            raise ValueError(f"out must be a C-contiguous float64 array of shape {(n, k)}")
        resp = out
    elif want_resp:
        resp = np.empty((n, k))
    means, prec, const = _pass_inputs(mixture)
    stats, ll, n_lost = _kernels.run_pass(X, means, prec, const, resp, backend)
    if n_lost:
        raise FitError(
            f"{n_lost} point(s) have zero density under every component: they lie too far from "
            "every component for double precision. Rescale the data (e.g. standardise it), "
            "increase reg_covar, or initialise the components nearer the data.")
    view = None
    if resp is not None:
        view = resp.view()
        view.setflags(write=False)
    return EStep(mixture, float(ll), n, stats, view)


def statistics_from_responsibilities(X, resp, centres) -> np.ndarray:
    """Sufficient statistics about ``centres`` from explicit responsibilities.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    resp : ndarray of shape (n_samples, n_components)
    centres : ndarray of shape (n_components, 2)

    Returns
    -------
    stats : ndarray of shape (n_components, 6)
    """
    X = np.asarray(X, dtype=np.float64)
    k = resp.shape[1]
    stats = np.zeros((k, _kernels.N_STATS))
    for lo in range(0, X.shape[0], _kernels.NUMPY_BLOCK):
        hi = min(X.shape[0], lo + _kernels.NUMPY_BLOCK)
        dx = X[lo:hi, 0:1] - centres[:, 0]
        dy = X[lo:hi, 1:2] - centres[:, 1]
        _kernels.accumulate_statistics(stats, resp[lo:hi], dx, dy)
    return stats


def weighted_sums(X, resp) -> np.ndarray:
    """``sum_i r_ik x_i`` for every component.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    resp : ndarray of shape (n_samples, n_components)

    Returns
    -------
    ndarray of shape (n_components, 2)
    """
    return np.stack([(resp * X[:, 0:1]).sum(axis=0), (resp * X[:, 1:2]).sum(axis=0)], axis=1)


def parameters_from_statistics(stats: np.ndarray, centres: np.ndarray, covariance_type: str,
                               reg_covar: float, locks: Locks | None = None,
                               previous: Mixture | None = None) -> Mixture:
    """The M-step proper: new parameters from sufficient statistics about ``centres``.

    With ``locks``, this is the M-step of generalised EM: the locked parameters are taken
    exactly from ``previous`` and the expected complete log-likelihood is maximised over
    the unlocked ones given them, so EM still never decreases the log-likelihood.

    * A locked mean is kept; the covariance (if unlocked) is estimated about it.
    * A locked covariance is kept as it is (``reg_covar`` is not added again). For
      ``"tied"``, a lock on any component keeps the one shared covariance.
    * Locked weights are kept; the unlocked ones share the remaining mass
      ``1 - sum(locked)`` in proportion to their ``nk`` (the constrained maximiser).

    Parameters
    ----------
    stats : ndarray of shape (n_components, 6)
        ``S0, S1x, S1y, S2xx, S2xy, S2yy`` about ``centres``.
    centres : ndarray of shape (n_components, 2)
    covariance_type : str
    reg_covar : float
    locks : Locks, optional
        None, or nothing locked, gives plain EM (bit for bit).
    previous : Mixture, optional
        Where locked parameters come from; required when something is locked. Its
        covariance type must be ``covariance_type`` when a covariance is locked.

    Returns
    -------
    Mixture

    Raises
    ------
    FitError
        If a covariance is not positive definite even after adding ``reg_covar``.
    InputError
        If ``locks`` or ``previous`` do not fit the statistics, or the locked weights
        leave no mass for the unlocked components.
    """
    k = stats.shape[0]
    locked = _lock_masks(locks, previous, k, covariance_type)
    s0 = stats[:, 0]
    s1 = stats[:, 1:3]
    nk = s0 + NK_FLOOR
    # scikit-learn: mean = sum_i r x_i / nk = (S1 + S0 m) / nk. We store delta = mean - m
    # = S1/nk - m * (10 eps / nk), which keeps the precision of the offsets S1.
    delta = s1 / nk[:, None] - centres * (NK_FLOOR / nk)[:, None]
    means = centres + delta
    if locked is not None and locked.mean.any():
        # A locked mean stays put; delta = kept mean - centre (exactly 0 in m_step, whose
        # centres are the previous means) makes the scatter below about the kept mean.
        lm = locked.mean
        prev_means = np.asarray(previous.means)
        delta[lm] = prev_means[lm] - centres[lm]
        means[lm] = prev_means[lm]
    # sum_i r (x-mean)(x-mean)^T = S2 - S1 delta^T - delta S1^T + S0 delta delta^T,
    # all offsets small relative to the spread, so no catastrophic cancellation.
    dx, dy = delta[:, 0], delta[:, 1]
    sxx = stats[:, 3] - 2.0 * s1[:, 0] * dx + s0 * dx * dx
    sxy = stats[:, 4] - s1[:, 0] * dy - s1[:, 1] * dx + s0 * dx * dy
    syy = stats[:, 5] - 2.0 * s1[:, 1] * dy + s0 * dy * dy
    cov = np.empty((k, 2, 2))
    if covariance_type == "full":
        cov[:, 0, 0] = sxx / nk + reg_covar
        cov[:, 0, 1] = cov[:, 1, 0] = sxy / nk
        cov[:, 1, 1] = syy / nk + reg_covar
    elif covariance_type == "tied":
        total = nk.sum()
        cov[:, 0, 0] = sxx.sum() / total + reg_covar
        cov[:, 0, 1] = cov[:, 1, 0] = sxy.sum() / total
        cov[:, 1, 1] = syy.sum() / total + reg_covar
    elif covariance_type == "diag":
        cov[:, 0, 0] = sxx / nk + reg_covar
        cov[:, 0, 1] = cov[:, 1, 0] = 0.0
        cov[:, 1, 1] = syy / nk + reg_covar
    elif covariance_type == "spherical":
        # scikit-learn averages the regularised diagonal: mean(vx + r, vy + r) = mean(vx, vy) + r.
        var = 0.5 * (sxx / nk + reg_covar + syy / nk + reg_covar)
        cov[:, 0, 0] = cov[:, 1, 1] = var
        cov[:, 0, 1] = cov[:, 1, 0] = 0.0
    else:
        raise InputError(f"unknown covariance type {covariance_type!r}")
    if locked is not None and locked.covariance.any():
        lc = locked.covariance
        if covariance_type == "tied":
            lc = np.ones(k, dtype=bool)  # one shared matrix: a lock on any locks it for all
        cov[lc] = np.asarray(previous.covariances)[lc]
    if locked is None or not locked.weight.any():
        weights = nk / nk.sum()
    else:
        weights = _constrained_weights(nk, locked.weight, np.asarray(previous.weights))
    _check_m_step(weights, means, cov, nk, reg_covar)
    # Checked just above (finite, positive definite); weights are >= 0 and sum to 1 by
    # construction, so skip the user-facing validation.
    return Mixture(weights, means, cov, covariance_type, True)


@dataclass(frozen=True, eq=False)
class _LockMasks:
    weight: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray


def _lock_masks(locks: Locks | None, previous: Mixture | None, k: int,
                covariance_type: str) -> _LockMasks | None:
    """Boolean (K,) masks of ``locks``, or None when nothing is locked (plain EM)."""
    if locks is None:
        return None
    if not isinstance(locks, Locks):
        raise InputError(f"locks must be a Locks value or None, got {type(locks).__name__}")
    if locks.n_components != k:
        raise InputError(f"the locks describe {locks.n_components} component(s) but the "
                         f"mixture has K={k}")
    if not locks.any:
        return None
    if previous is None:
        raise InputError("locked parameters need the previous mixture to take them from")
    if previous.n_components != k:
        raise InputError(f"the previous mixture has {previous.n_components} component(s), "
                         f"expected K={k}")
    if any(locks.covariance) and previous.covariance_type != covariance_type:
        raise InputError(
            f"a locked covariance cannot be kept when changing the covariance type from "
            f"{previous.covariance_type!r} to {covariance_type!r}; project the mixture first "
            "(project_covariance_type) or unlock the covariances")
    return _LockMasks(np.array(locks.weight, dtype=bool), np.array(locks.mean, dtype=bool),
                      np.array(locks.covariance, dtype=bool))


def _constrained_weights(nk: np.ndarray, locked: np.ndarray, previous: np.ndarray) -> np.ndarray:
    """Weights maximising ``sum_k nk log w_k`` with the ``locked`` ones held at ``previous``.

    With the free weights summing to ``1 - L`` (L = the locked mass), the Lagrange
    condition ``nk / w_k = const`` gives ``w_k = (1 - L) nk / sum_free(nk)``.
    """
    weights = previous.copy()
    free = ~locked
    if not free.any():
        return weights
    remaining = 1.0 - previous[locked].sum()
    if not remaining > 0.0:
        raise InputError(
            f"the locked weights sum to {previous[locked].sum():.6g}, leaving no weight for "
            "the unlocked components; unlock a weight")
    weights[free] = remaining * (nk[free] / nk[free].sum())
    return weights


def _check_m_step(weights, means, cov, nk, reg_covar) -> None:
    finite = np.isfinite(means).all(axis=1) & np.isfinite(cov).all(axis=(1, 2))
    valid = chol_is_valid(cholesky_2x2(cov)) & finite
    if np.all(valid):
        return
    j = int(np.argmin(valid))
    if not finite[j]:
        raise FitError(
            f"component {j + 1} overflowed to a non-finite mean or covariance: the data are "
            "too large for double precision; rescale the data (e.g. standardise it).")
    raise FitError(
        f"component {j + 1} has a covariance that is not positive definite "
        f"(it claims {nk[j]:.3g} points, collapsed onto a point or a line). "
        f"Increase reg_covar (now {reg_covar:g}), use fewer components, "
        "or rescale the data.")


def m_step(e: EStep, covariance_type: str | None = None, reg_covar: float = 1e-6,
           locks: Locks | None = None) -> Mixture:
    """Maximisation step: the parameters that maximise the expected log-likelihood.

    Parameters
    ----------
    e : EStep
        From :func:`e_step` on the same data.
    covariance_type : str, optional
        Defaults to that of ``e.mixture``.
    reg_covar : float
    locks : Locks, optional
        Parameters to keep exactly as in ``e.mixture``; the others are maximised given
        them (see :func:`parameters_from_statistics`).

    Returns
    -------
    Mixture
    """
    ctype = covariance_type or e.mixture.covariance_type
    return parameters_from_statistics(e.stats, np.asarray(e.mixture.means), ctype, reg_covar,
                                      locks, e.mixture)


def m_step_from_responsibilities(X, resp, covariance_type: str = "full",
                                 reg_covar: float = 1e-6) -> Mixture:
    """M-step from explicit responsibilities (scikit-learn's ``_initialize`` from ``resp``).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    resp : ndarray of shape (n_samples, n_components)
        Rows sum to 1.
    covariance_type : str
    reg_covar : float

    Returns
    -------
    Mixture
    """
    X = as_points(X)
    resp = np.asarray(resp, dtype=np.float64)
    # Centre each component at its own weighted mean first (two passes), so the second
    # moments are taken about a nearby point and keep full precision.
    s0 = resp.sum(axis=0)
    centres = weighted_sums(X, resp) / np.where(s0 > 0, s0, 1.0)[:, None]
    stats = statistics_from_responsibilities(X, resp, centres)
    return parameters_from_statistics(stats, centres, covariance_type, reg_covar)


def diagnose(mix: Mixture, n_effective: np.ndarray,
             reg_covar: float = 1e-6) -> tuple[ComponentDiagnostics, ...]:
    """Per-component numerical health of ``mix``, given the points each component claims."""
    lam_max, lam_min, _ = eigen_2x2(np.asarray(mix.covariances))
    out = []
    for j in range(mix.n_components):
        n_eff = float(n_effective[j])
        cond = float(lam_max[j] / lam_min[j]) if lam_min[j] > 0 else float("inf")
        if n_eff < 1.0:
            status = "empty"
        elif cond > 1e8 or (n_eff < 3.0 and lam_min[j] <= 10.0 * reg_covar):
            status = "collapsing"
        else:
            status = "ok"
        out.append(ComponentDiagnostics(float(mix.weights[j]), n_eff,
                                        (float(lam_max[j]), float(lam_min[j])), cond, status))
    return tuple(out)


def step_result(iteration: int, e: EStep, previous_mean_log_likelihoods=(),
                settings: EMSettings = EMSettings()) -> StepResult:
    """The :class:`StepResult` for the parameters ``e.mixture`` at ``iteration``.

    Parameters
    ----------
    iteration : int
    e : EStep
        The E-step of exactly those parameters (it carries their log-likelihood).
    previous_mean_log_likelihoods : sequence of float
        Mean log-likelihoods of the earlier iterations of the run (only the last two
        matter), for ``change`` and scikit-learn's convergence rule.
    settings : EMSettings
    """
    prev = list(previous_mean_log_likelihoods)[-2:]
    mean_ll = e.mean_log_likelihood
    change = None if not prev else mean_ll - prev[-1]
    # scikit-learn checks, at iteration n, the change measured by that iteration's E-step,
    # which evaluates the parameters of iteration n-1; hence the look-back by one.
    converged = len(prev) >= 2 and abs(prev[-1] - prev[-2]) < settings.tol
    decreased = change is not None and change < -DECREASE_RTOL * max(1.0, abs(mean_ll))
    n_eff = e.stats[:, 0].copy()
    n_eff.setflags(write=False)
    return StepResult(iteration, e.mixture, e.log_likelihood, mean_ll, e.n_samples, change,
                      converged, decreased, n_eff, settings.reg_covar)


def em_step(X, mixture: Mixture, settings: EMSettings = EMSettings(), *,
            backend: str | None = None, locks: Locks | None = None) -> tuple[EStep, Mixture]:
    """One EM iteration: E-step on ``mixture``, then M-step.

    ``locks`` (optional) keeps those parameters of ``mixture`` fixed; see :func:`m_step`.

    Returns
    -------
    e : EStep
        The E-step, carrying the log-likelihood of the *input* parameters.
    new : Mixture
        The parameters after the M-step.
    """
    e = e_step(X, mixture, backend=backend)
    return e, m_step(e, settings.covariance_type, settings.reg_covar, locks)


def iterate(X, start: Mixture, settings: EMSettings = EMSettings(), *,
            backend: str | None = None, first_iteration: int = 0,
            previous_mean_log_likelihoods: tuple[float, ...] = (),
            locks: Locks | None = None) -> Iterator[StepResult]:
    """Run EM as a generator of :class:`StepResult`, one per iteration.

    Yields the start (iteration ``first_iteration``) and then one result per M-step,
    stopping after a result with ``converged`` true or after ``settings.max_iter``
    M-steps. Each result's log-likelihood is that of its own parameters; computing it is
    the same pass that prepares the next M-step, so a run costs one pass per iteration.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    start : Mixture
        If its covariance type differs from ``settings.covariance_type``, its covariances
        are first projected onto that type (see :func:`project_covariance_type`).
    settings : EMSettings
    backend : {None, "numba", "numpy"}
    first_iteration : int
        Iteration number of ``start`` (to resume a run).
    previous_mean_log_likelihoods : tuple of float
        Mean log-likelihoods of the iterations before ``start`` (to resume a run with the
        same convergence decisions).
    locks : Locks, optional
        Parameters every M-step keeps fixed (generalised EM; see :func:`m_step`). Locked
        covariances are those of ``start`` after any projection onto the run's type.

    Raises
    ------
    FitError
        When EM cannot continue (see :func:`m_step`); results already yielded stand.
    """
    X = as_points(X)
    check_enough_points(X.shape[0], start.n_components)
    if locks is not None and locks.n_components != start.n_components:
        raise InputError(f"the locks describe {locks.n_components} component(s) but the "
                         f"mixture has K={start.n_components}")
    if start.covariance_type != settings.covariance_type:
        start = project_covariance_type(start, settings.covariance_type)
    prev = list(previous_mean_log_likelihoods[-2:])
    e = e_step(X, start, backend=backend, _checked=True)
    result = step_result(first_iteration, e, prev, settings)
    yield result
    for it in range(first_iteration + 1, first_iteration + settings.max_iter + 1):
        if result.converged:
            return
        new = m_step(e, settings.covariance_type, settings.reg_covar, locks)
        prev = (prev + [e.mean_log_likelihood])[-2:]
        e = e_step(X, new, backend=backend, _checked=True)
        result = step_result(it, e, prev, settings)
        yield result


def project_covariance_type(m: Mixture, covariance_type: str) -> Mixture:
    """Project a mixture's covariances onto the structure of ``covariance_type``.

    tied: the weighted average of the covariances; diag: off-diagonals zeroed;
    spherical: off-diagonals zeroed and the two variances averaged.
    """
    c = np.array(m.covariances)
    if covariance_type == "tied":
        c[:] = np.average(c, axis=0, weights=m.weights)
    elif covariance_type in ("diag", "spherical"):
        c[:, 0, 1] = c[:, 1, 0] = 0.0
        if covariance_type == "spherical":
            v = 0.5 * (c[:, 0, 0] + c[:, 1, 1])
            c[:, 0, 0] = c[:, 1, 1] = v
    return Mixture(m.weights, m.means, c, covariance_type)
