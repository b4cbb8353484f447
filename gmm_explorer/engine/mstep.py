"""The M-step: parameters that maximise the expected complete log-likelihood.

* :func:`m_step` — new parameters from an E-pass (:class:`~gmm_explorer.engine.steps.EStep`).
* :func:`m_step_from_responsibilities` — the same from explicit responsibilities
  (scikit-learn's ``_initialize`` from ``resp``).
* :func:`parameters_from_statistics` — the M-step proper, on sufficient statistics about
  given centres, with optional per-component locks (generalised EM).
* :class:`StartStatistics` — a start's statistics before its M-step.

The maths follow scikit-learn's ``GaussianMixture`` (``reg_covar`` added to the diagonal,
component mass floored at ``10 * eps``, weights ``nk / sum(nk)``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.engine.locks import Locks
from gmm_explorer.engine.mixture import Mixture, chol_is_valid, cholesky_2x2
from gmm_explorer.engine.models import canonical, covariances_from_scatter
from gmm_explorer.engine.steps import EStep
from gmm_explorer.engine.validation import as_points, as_sample_weights
from gmm_explorer.errors import FitError, InputError

#: scikit-learn's floor on component mass: ``nk = sum_i r_ik + 10 * eps``.
NK_FLOOR = 10 * np.finfo(np.float64).eps


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


@dataclass(frozen=True, eq=False)
class StartStatistics:
    """A start before its M-step: the statistics an initialisation fits its parameters
    to, about its centres (:func:`~gmm_explorer.engine.init.start_statistics`).

    :meth:`mixture` makes the start's parameters, what
    :func:`~gmm_explorer.engine.init.initialise` returns; model selection hands the
    statistics themselves to the compiled loop (:mod:`~gmm_explorer.engine.fast_fit`),
    which takes this M-step with the run's others.

    Attributes
    ----------
    stats : ndarray of shape (n_components, 6)
        ``S0, S1x, S1y, S2xx, S2xy, S2yy`` about ``centres`` (read-only).
    centres : ndarray of shape (n_components, 2)
    covariance_type : str
    reg_covar : float
    """

    stats: np.ndarray
    centres: np.ndarray
    covariance_type: str
    reg_covar: float

    @property
    def n_components(self) -> int:
        """K, the number of components."""
        return int(self.stats.shape[0])

    def mixture(self) -> Mixture:
        """The start's parameters (:func:`parameters_from_statistics`).

        Raises
        ------
        FitError
            If a covariance is not positive definite even after adding ``reg_covar``.
        """
        return parameters_from_statistics(self.stats, self.centres, self.covariance_type,
                                          self.reg_covar)


def parameters_from_statistics(stats: np.ndarray, centres: np.ndarray, covariance_type: str,
                               reg_covar: float, locks: Locks | None = None,
                               previous: Mixture | None = None,
                               noise: tuple[int, float] | None = None) -> Mixture:
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
    noise : (n_samples, density), optional
        A uniform noise component (mclust's): the statistics then cover only the points'
        Gaussian shares, each weight is ``n_k / n_samples`` and the noise keeps the rest,
        ``n_0 / n_samples`` (mclust's ``pro``), with this ``density``.

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
    covariance_type = canonical(covariance_type)
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
        # mclust's other models: their M-step on the scatters about the new means, going
        # on from the previous covariances of the same model (see engine/models.py).
        scatter = np.empty((k, 2, 2))
        scatter[:, 0, 0], scatter[:, 1, 1] = sxx, syy
        scatter[:, 0, 1] = scatter[:, 1, 0] = sxy
        prev = np.asarray(previous.covariances) if previous is not None \
            and previous.covariance_type == covariance_type \
            and previous.n_components == k else None
        cov = covariances_from_scatter(scatter, nk, covariance_type, reg_covar, prev)
    if locked is not None and locked.covariance.any():
        lc = locked.covariance
        if covariance_type not in ("full", "diag", "spherical"):
            # Tied and mclust's other models share a volume, shape or orientation: a lock
            # on any component keeps every covariance.
            lc = np.ones(k, dtype=bool)
        cov[lc] = np.asarray(previous.covariances)[lc]
    if noise is not None:
        if locked is not None and locked.weight.any():
            raise InputError("a locked weight cannot be kept beside a noise component; "
                             "unlock the weights or drop the noise component")
        n_samples, density = noise
        weights = nk / float(n_samples)
        noise_weight = max(0.0, 1.0 - float(weights.sum()))
        _check_m_step(weights, means, cov, nk, reg_covar)
        return Mixture(weights, means, cov, covariance_type, True,
                       noise_weight=noise_weight, noise_density=density)
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
        From :func:`~gmm_explorer.engine.em.e_step` on the same data.
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
    m = e.mixture
    noise = (e.sample_size, m.noise_density) if m.has_noise else None
    return parameters_from_statistics(e.stats, np.asarray(m.means), ctype, reg_covar,
                                      locks, m, noise)


def m_step_from_responsibilities(X, resp, covariance_type: str = "full",
                                 reg_covar: float = 1e-6, weights=None) -> Mixture:
    """M-step from explicit responsibilities (scikit-learn's ``_initialize`` from ``resp``).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    resp : ndarray of shape (n_samples, n_components)
        Rows sum to 1.
    covariance_type : str
    reg_covar : float
    weights : array-like of shape (n_samples,), optional
        Sample weights: point i counts ``w_i`` times.

    Returns
    -------
    Mixture
    """
    X = as_points(X)
    resp = np.asarray(resp, dtype=np.float64)
    w = as_sample_weights(weights, X.shape[0])
    if w is not None:
        resp = resp * w[:, None]
    # Centre each component at its own weighted mean first (two passes), so the second
    # moments are taken about a nearby point and keep full precision.
    s0 = resp.sum(axis=0)
    centres = weighted_sums(X, resp) / np.where(s0 > 0, s0, 1.0)[:, None]
    stats = statistics_from_responsibilities(X, resp, centres)
    return parameters_from_statistics(stats, centres, covariance_type, reg_covar)
