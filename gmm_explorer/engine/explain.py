"""EM, term by term: the numbers behind the window's explanations of one E-step and one
M-step.

* :func:`e_step_terms` — one point's responsibilities written out: each factor of
  ``r_k = pi_k N(x | mu_k, Sigma_k) / sum_j pi_j N(x | mu_j, Sigma_j)``, and the log-space
  form the engine really computes (``a_k = log pi_k + log N_k``, ``r_k = exp(a_k - lse)``).
* :func:`m_step_terms` — the M-step from a state's responsibilities written out: ``N_k``,
  ``sum_i r_ik x_i``, the scatter about the new mean, and the new parameters, equal to the
  engine's own M-step (:func:`~gmm_explorer.engine.mstep.parameters_from_statistics`).

Both return frozen values with read-only arrays, so they can cross threads and panels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine.em import e_step
from gmm_explorer.engine.locks import Locks
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.mstep import (
    NK_FLOOR,
    _lock_masks,
    parameters_from_statistics,
    statistics_from_responsibilities,
    weighted_sums,
)
from gmm_explorer.engine.point_report import point_report
from gmm_explorer.engine.validation import (
    as_points,
    as_sample_weights,
    check_enough_points,
    readonly,
)

# ---------------------------------------------------------------------------- E-step


@dataclass(frozen=True, eq=False)
class EStepTerms:
    """The responsibilities of one point, factor by factor.

    Attributes
    ----------
    xy : ndarray of shape (2,)
    weights : ndarray of shape (n_components,)
        ``pi_k``.
    density : ndarray of shape (n_components,)
        ``N(x | mu_k, Sigma_k)``, the component's density at the point (without its
        weight). May underflow to 0 in double precision far from a component.
    weighted_density : ndarray of shape (n_components,)
        ``pi_k N(x | mu_k, Sigma_k)``.
    total_density : float
        ``p(x) = sum_j pi_j N(x | mu_j, Sigma_j)``, the mixture's density at the point.
    linear_responsibilities : ndarray of shape (n_components,)
        ``weighted_density / total_density``: the textbook formula evaluated as written;
        NaN where it is ``0 / 0`` (every density underflowed).
    log_weights : ndarray of shape (n_components,)
        ``log pi_k`` (-inf for a zero weight).
    component_log_density : ndarray of shape (n_components,)
        ``log N(x | mu_k, Sigma_k)``, computed directly in log space (never underflows).
    log_terms : ndarray of shape (n_components,)
        ``a_k = log pi_k + log N(x | mu_k, Sigma_k)``.
    max_log_term : float
        ``max_k a_k``, the shift that keeps the exponentials below in range.
    log_total : float
        ``logsumexp(a) = max a + log sum_j exp(a_j - max a) = log p(x)``.
    responsibilities : ndarray of shape (n_components,)
        ``r_k = exp(a_k - logsumexp(a))``: what the engine's E-step computes.
    """

    xy: np.ndarray
    weights: np.ndarray
    density: np.ndarray
    weighted_density: np.ndarray
    total_density: float
    linear_responsibilities: np.ndarray
    log_weights: np.ndarray
    component_log_density: np.ndarray
    log_terms: np.ndarray
    max_log_term: float
    log_total: float
    responsibilities: np.ndarray

    @property
    def n_components(self) -> int:
        return int(self.weights.shape[0])

    @property
    def scaled_sum(self) -> float:
        """``sum_j exp(a_j - max a)``, the sum inside the log-sum-exp (between 1 and K)."""
        return float(np.exp(self.log_total - self.max_log_term))

    @property
    def underflows(self) -> bool:
        """Whether some density underflows to 0 in linear space although its log is
        finite: the direct formula loses what the log-space form keeps."""
        lost = (self.density == 0.0) & np.isfinite(self.component_log_density)
        return bool(lost.any())


def e_step_terms(mixture: Mixture, xy) -> EStepTerms:
    """One point's E-step, term by term, under ``mixture``.

    Parameters
    ----------
    mixture : Mixture
    xy : array-like of shape (2,)

    Returns
    -------
    EStepTerms

    Raises
    ------
    InputError
        If ``xy`` is not two finite numbers.
    """
    r = point_report(mixture, xy)
    w = np.asarray(mixture.weights)
    log_dens = np.asarray(r.component_log_density)
    with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
        log_w = np.log(w)
        a = log_w + log_dens
        dens = np.exp(log_dens)
        weighted = w * dens
        total = float(weighted.sum())
        linear = weighted / total if total > 0 else np.full_like(weighted, np.nan)
    return EStepTerms(r.xy, readonly(w), readonly(dens), readonly(weighted), total,
                      readonly(linear), readonly(log_w), readonly(log_dens), readonly(a),
                      float(a.max()), float(r.log_density), readonly(r.responsibilities))


# ---------------------------------------------------------------------------- M-step


@dataclass(frozen=True, eq=False)
class MStepTerms:
    """One M-step, term by term: from the responsibilities under ``previous`` to the new
    parameters.

    Attributes
    ----------
    previous : Mixture
        The parameters whose E-step gave the responsibilities ("before").
    mixture : Mixture
        The new parameters ("after"): those the engine's M-step makes (locked parameters
        kept from ``previous``).
    covariance_type : str
    reg_covar : float
        Added to the diagonal of each new covariance (not to a locked one).
    n_samples : int
        ``N``.
    n_k : ndarray of shape (n_components,)
        ``N_k = sum_i r_ik`` (plus scikit-learn's floor ``10 eps``, which keeps an empty
        component's division finite and is below the last digit of any other).
    weighted_sums : ndarray of shape (n_components, 2)
        ``sum_i r_ik x_i``.
    scatter : ndarray of shape (n_components, 2, 2)
        ``S_k = sum_i r_ik (x_i - mu_k)(x_i - mu_k)^T`` about the new mean ``mu_k`` (the
        kept mean when it is locked).
    locks : Locks or None
        The locks the M-step applied (None when nothing was locked).
    total_weight : float or None
        Under sample weights ``w_i``, their sum, the ``N`` of the weights ``N_k / N``;
        every sum over the points above then counts point i ``w_i`` times
        (``N_k = sum_i w_i r_ik``). None: unweighted.
    """

    previous: Mixture
    mixture: Mixture
    covariance_type: str
    reg_covar: float
    n_samples: int
    n_k: np.ndarray
    weighted_sums: np.ndarray
    scatter: np.ndarray
    locks: Locks | None = None
    total_weight: float | None = None

    @property
    def sample_size(self) -> float:
        """``N``: the number of points, or the sum of their sample weights."""
        return self.n_samples if self.total_weight is None else self.total_weight

    @property
    def n_components(self) -> int:
        return int(self.n_k.shape[0])

    @property
    def weights(self) -> np.ndarray:
        """(n_components,) new ``pi_k = N_k / N`` (unless locked)."""
        return self.mixture.weights

    @property
    def means(self) -> np.ndarray:
        """(n_components, 2) new ``mu_k = sum_i r_ik x_i / N_k`` (unless locked)."""
        return self.mixture.means

    @property
    def covariances(self) -> np.ndarray:
        """(n_components, 2, 2) new ``Sigma_k`` (``S_k / N_k + reg_covar I`` for
        ``"full"``; see :func:`m_step_terms` for the other types)."""
        return self.mixture.covariances

    def locked(self, kind: str, j: int) -> bool:
        """Whether the M-step kept ``kind`` (``"weight"``, ``"mean"``, ``"covariance"``)
        of component ``j`` from :attr:`previous` (for ``"tied"`` and mclust's models that
        share a volume, shape or orientation, a covariance lock on any component keeps
        every covariance, as the M-step does)."""
        if self.locks is None:
            return False
        if kind == "covariance" and self.covariance_type not in ("full", "diag", "spherical"):
            return any(self.locks.covariance)
        return bool(getattr(self.locks, kind)[j])

    def relative_difference(self, other: Mixture) -> float:
        """Largest difference between these new parameters and ``other``'s, relative to
        the size of each array (weights, means, covariances); inf when K differs.

        A state EM made from :attr:`previous` with the same settings differs by rounding
        only (about 1e-13); more means it was made under other settings or locks.
        """
        m = self.mixture
        if other.n_components != m.n_components:
            return float("inf")
        worst = 0.0
        for a, b in ((m.weights, other.weights), (m.means, other.means),
                     (m.covariances, other.covariances)):
            scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(b))))
            if scale > 0:
                worst = max(worst, float(np.max(np.abs(a - b))) / scale)
        return worst


def m_step_terms(X, previous: Mixture, covariance_type: str | None = None,
                 reg_covar: float = 1e-6, locks: Locks | None = None,
                 weights=None) -> MStepTerms:
    """The M-step from ``previous``'s responsibilities on ``X``, term by term.

    One E-pass (the responsibilities under ``previous``) and two passes over the
    responsibilities (the weighted sums, then the scatter about the new means).

    With ``N_k = sum_i r_ik`` and ``S_k`` the scatter about the new mean, the new
    covariances are, by type:

    * ``"full"``: ``S_k / N_k + reg I``;
    * ``"tied"``: ``sum_j S_j / sum_j N_j + reg I``, shared by all components;
    * ``"diag"``: the diagonal of ``S_k / N_k`` + ``reg``;
    * ``"spherical"``: ``(S_k,xx + S_k,yy) / (2 N_k) + reg`` on the diagonal.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    previous : Mixture
    covariance_type : str, optional
        Of the new parameters; defaults to that of ``previous``.
    reg_covar : float
    locks : Locks, optional
        Parameters kept from ``previous`` (generalised EM, as in
        :func:`~gmm_explorer.engine.mstep.parameters_from_statistics`).
    weights : array-like of shape (n_samples,), optional
        Sample weights: every sum counts point i ``w_i`` times, as the engine's M-step.

    Returns
    -------
    MStepTerms

    Raises
    ------
    InputError
        Bad points, too few of them, or locks that do not fit.
    FitError
        If some point has zero density under every component, or a new covariance is not
        positive definite (as the engine's M-step would).
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    check_enough_points(X.shape[0], previous.n_components)
    ctype = covariance_type or previous.covariance_type
    resp = e_step(X, previous, want_resp=True, _checked=True).responsibilities
    if w is not None:
        resp = resp * w[:, None]
    nk = resp.sum(axis=0) + NK_FLOOR
    sums = weighted_sums(X, resp)
    # scikit-learn's mu_k = sum_i r_ik x_i / N_k, with N_k floored as above.
    means = sums / nk[:, None]
    masks = _lock_masks(locks, previous, previous.n_components, ctype)
    if masks is not None and masks.mean.any():
        means[masks.mean] = np.asarray(previous.means)[masks.mean]
    # Second moments about the new means themselves (a second pass), so the scatter keeps
    # full precision; their first moments are then ~0 (exactly 0 but for the floor).
    stats = statistics_from_responsibilities(X, resp, means)
    noise = ((X.shape[0] if w is None else float(np.sum(w)), previous.noise_density)
             if previous.has_noise else None)
    new = parameters_from_statistics(stats, means, ctype, reg_covar, locks, previous, noise)
    # The second moments were taken about these very means, so they are S_k (the M-step's
    # own mean differs from them by a rounding-level correction for the floor only).
    scatter = np.empty((previous.n_components, 2, 2))
    scatter[:, 0, 0] = stats[:, 3]
    scatter[:, 0, 1] = scatter[:, 1, 0] = stats[:, 4]
    scatter[:, 1, 1] = stats[:, 5]
    return MStepTerms(previous, new, ctype, float(reg_covar), int(X.shape[0]), readonly(nk),
                      readonly(sums), readonly(scatter),
                      locks if masks is not None else None,
                      None if w is None else float(np.sum(w)))
