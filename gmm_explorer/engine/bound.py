"""EM as coordinate ascent on a lower bound (Bishop, PRML §9.4, figures 9.11 and 9.14).

For any distribution ``q`` over each point's component,

    ln p(X | θ) = 𝓛(q, θ) + KL(q ‖ p(Z | X, θ)),
    𝓛(q, θ)    = Σ_i Σ_k q_ik ln p(x_i, z_i = k | θ) − Σ_i Σ_k q_ik ln q_ik,

the expected complete-data log-likelihood plus the entropy of ``q``. Since KL ≥ 0, 𝓛 is
a lower bound on the log-likelihood. The E-step sets ``q`` to the posterior under θ: KL
is then 0 and the bound touches. The M-step raises 𝓛(q, ·) with ``q`` held; the
log-likelihood rises at least as much, because a KL gap reopens.

* :func:`bound_terms` — ln p, 𝓛, KL, the expected complete-data log-likelihood and the
  entropy, for ``q`` the posterior under one mixture and θ another.
* :func:`half_step_bounds` — those terms at each half-step of a run (after each M-step and
  after each E-step); :func:`half_steps`, the order of those half-steps.
* :func:`bound_slice` — ln p(X | θ(t)) and 𝓛(q_old, θ(t)) along the line
  θ(t) = θ_old + t (θ_new − θ_old) through one M-step: Bishop's figure 9.14 drawn from the
  data.

A uniform noise component counts as one more component (its log-joint ln(π₀ V⁻¹) is the
same at every point); sample weights count point i ``w_i`` times. Every sum runs in blocks
of points, so memory stays bounded at any N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine._kernels import NUMPY_BLOCK
from gmm_explorer.engine.density import _logsumexp_rows, _with_noise, weighted_log_prob
from gmm_explorer.engine.mixture import Mixture, chol_is_valid, cholesky_2x2
from gmm_explorer.engine.validation import as_points, as_sample_weights, readonly
from gmm_explorer.errors import InputError

#: The slice's default range of t, as in the issue: from half a step back to half a step
#: beyond the M-step's parameters.
SLICE_RANGE = (-0.5, 1.5)
#: The slice's default number of evaluations (t = 0 and t = 1 are always among them).
SLICE_POINTS = 41


@dataclass(frozen=True)
class BoundTerms:
    """The decomposition ln p(X | θ) = 𝓛(q, θ) + KL(q ‖ p(Z | X, θ)), totals over the
    points (weighted by the sample weights, if any).

    Attributes
    ----------
    log_likelihood : float
        ``ln p(X | θ) = Σ_i ln Σ_k p(x_i, k | θ)``.
    bound : float
        ``𝓛(q, θ) = expected_complete + entropy``.
    kl : float
        ``KL(q ‖ p(Z | X, θ)) = Σ_i Σ_k q_ik (ln q_ik − ln p(k | x_i, θ))``, computed from
        its own definition (not as ``log_likelihood − bound``), so the identity is a check.
    expected_complete : float
        ``Σ_i Σ_k q_ik ln p(x_i, k | θ)``, the quantity the M-step maximises.
    entropy : float
        ``−Σ_i Σ_k q_ik ln q_ik``.
    sample_size : float
        The number of points, or the sum of their weights: divide by it for values per
        point (the log-likelihood curve's scale).
    """

    log_likelihood: float
    bound: float
    kl: float
    expected_complete: float
    entropy: float
    sample_size: float

    @property
    def gap(self) -> float:
        """``log_likelihood − bound``: equal to :attr:`kl` up to rounding."""
        return self.log_likelihood - self.bound


def log_joint(X, mixture: Mixture) -> np.ndarray:
    """``ln p(x_i, z_i = k | θ) = ln π_k + ln N(x_i | μ_k, Σ_k)`` for every point and
    component, the noise component's ``ln(π₀ V⁻¹)`` as a last column when there is one.

    Returns
    -------
    ndarray of shape (n_samples, n_components [+ 1])
    """
    return _with_noise(weighted_log_prob(X, mixture), mixture)


def _columns(mixture: Mixture) -> int:
    return mixture.n_components + int(mixture.has_noise)


def _check_pair(q_from: Mixture, theta: Mixture) -> None:
    if q_from.n_components != theta.n_components or q_from.has_noise != theta.has_noise:
        raise InputError(
            f"q comes from a mixture of {q_from.n_components} component(s)"
            f"{' and noise' if q_from.has_noise else ''}, θ has {theta.n_components}"
            f"{' and noise' if theta.has_noise else ''}: the bound needs the same components")


def _xlogy_sum(q: np.ndarray, log_values: np.ndarray, w: np.ndarray | None) -> float:
    """``Σ_i w_i Σ_k q_ik log_values_ik`` with ``0 · (−inf) = 0``: a component a point
    gives no responsibility contributes nothing, however unlikely it makes the point."""
    with np.errstate(invalid="ignore"):
        terms = np.where(q > 0.0, q * log_values, 0.0).sum(axis=1)
    return float(terms.sum() if w is None else w @ terms)


def bound_terms(X, q_from: Mixture, theta: Mixture | None = None,
                weights=None) -> BoundTerms:
    """ln p, 𝓛, KL and their parts for ``q`` = the posterior under ``q_from`` and θ =
    ``theta``.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    q_from : Mixture
        ``q_ik = p(z_i = k | x_i, q_from)``: after an E-step on θ, ``q_from`` is θ itself;
        after an M-step, the parameters before it.
    theta : Mixture, optional
        Where the log-likelihood and the bound are evaluated; None: ``q_from`` (the state
        after its E-step, where KL is 0).
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies).

    Returns
    -------
    BoundTerms

    Raises
    ------
    InputError
        Bad points or weights, or mixtures with different components (or one with noise
        and one without).
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    theta = q_from if theta is None else theta
    _check_pair(q_from, theta)
    ll = expected = entropy = kl = 0.0
    for lo in range(0, X.shape[0], NUMPY_BLOCK):
        hi = min(X.shape[0], lo + NUMPY_BLOCK)
        block, wb = X[lo:hi], None if w is None else w[lo:hi]
        a = log_joint(block, theta)
        lse = _logsumexp_rows(a)
        if q_from is theta:
            b, lse_q = a, lse
        else:
            b = log_joint(block, q_from)
            lse_q = _logsumexp_rows(b)
        with np.errstate(invalid="ignore"):
            log_q = b - lse_q[:, None]          # ln q_ik
            log_post = a - lse[:, None]         # ln p(k | x_i, θ)
        q = np.exp(log_q)
        ll += float(lse.sum() if wb is None else wb @ lse)
        expected += _xlogy_sum(q, a, wb)
        entropy -= _xlogy_sum(q, log_q, wb)
        with np.errstate(invalid="ignore"):
            kl += _xlogy_sum(q, log_q - log_post, wb)
    n = float(X.shape[0] if w is None else np.sum(w))
    return BoundTerms(ll, expected + entropy, kl, expected, entropy, n)


@dataclass(frozen=True)
class HalfStepBound:
    """The bound after one half-step of a run.

    Attributes
    ----------
    iteration : int
        The state whose parameters θ are evaluated.
    half : str
        ``"E"`` (q is the posterior under θ: KL = 0) or ``"M"`` (θ was made by the M-step
        from the posterior under the state before).
    terms : BoundTerms
    """

    iteration: int
    half: str
    terms: BoundTerms


def half_step_bounds(X, states, *, weights=None, last_e: bool = True,
                     cancelled=None) -> tuple[HalfStepBound, ...]:
    """The bound at each half-step through ``states`` (consecutive EM states, each made by
    an M-step from the one before): E₀, M₁, E₁, M₂, …, M_T, and E_T when ``last_e``.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    states : sequence of Mixture
        θ₀ … θ_T.
    weights : array-like of shape (n_samples,), optional
    last_e : bool
        Whether the last state's E-step has been taken (a run stopped after an M-step
        has not).
    cancelled : callable() -> bool, optional
        Checked between states: when it says stop, the half-steps so far are returned.

    Returns
    -------
    tuple of HalfStepBound
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    out: list[HalfStepBound] = []
    for t, half in half_steps(len(states), last_e):
        if cancelled is not None and cancelled():
            break
        q = states[t - 1] if half == "M" else states[t]
        theta = states[t] if half == "M" else None
        out.append(HalfStepBound(t, half, bound_terms(X, q, theta, w)))
    return tuple(out)


def half_steps(n_states: int, last_e: bool = True) -> tuple[tuple[int, str], ...]:
    """The half-steps through ``n_states`` consecutive EM states, in order, as (index of
    the state whose θ is evaluated, ``"M"`` or ``"E"``): E₀, M₁, E₁, …, M_T, and E_T when
    ``last_e``. An M half's q is the posterior under the state before; an E half's, under
    its own state."""
    out = []
    for t in range(n_states):
        if t > 0:
            out.append((t, "M"))
        if t < n_states - 1 or last_e:
            out.append((t, "E"))
    return tuple(out)


@dataclass(frozen=True, eq=False)
class BoundSlice:
    """ln p(X | θ(t)) and 𝓛(q_old, θ(t)) along θ(t) = θ_old + t (θ_new − θ_old).

    Attributes
    ----------
    t : ndarray of shape (n_t,)
        Increasing, with 0 (θ_old) and 1 (θ_new) among the values.
    log_likelihood, bound : ndarray of shape (n_t,)
        Totals over the points; NaN where θ(t) is not a mixture (a weight at or below 0,
        or a covariance that is not positive definite: the straight line leaves the
        parameter space there).
    sample_size : float
    """

    t: np.ndarray
    log_likelihood: np.ndarray
    bound: np.ndarray
    sample_size: float

    @property
    def best_t(self) -> float:
        """The ``t`` where the bound is largest among the evaluations (NaN if none is
        valid): 1, to the grid's spacing, when the M-step maximises it."""
        b = self.bound
        return float(self.t[np.nanargmax(b)]) if np.isfinite(b).any() else float("nan")


def interpolate(old: Mixture, new: Mixture, t: float) -> Mixture | None:
    """``θ_old + t (θ_new − θ_old)`` in the weights (the noise's too), means and
    covariances, or None where that is not a mixture. Its covariance type is ``full``:
    a blend of two members of a parsimonious family need not be one."""
    _check_pair(old, new)
    w = old.weights + t * (new.weights - old.weights)
    noise = old.noise_weight + t * (new.noise_weight - old.noise_weight)
    cov = old.covariances + t * (new.covariances - old.covariances)
    cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
    if not (np.all(w > 0.0) and (not old.has_noise or 0.0 < noise < 1.0)
            and np.all(chol_is_valid(cholesky_2x2(cov)))):
        return None
    # The weights sum to 1 - noise up to rounding; renormalise so they do exactly.
    w = w / w.sum() * (1.0 - noise)
    return Mixture(w, old.means + t * (new.means - old.means), cov, "full",
                   noise_weight=noise if old.has_noise else 0.0,
                   noise_density=old.noise_density)


def bound_slice(X, old: Mixture, new: Mixture, *, weights=None, ts=None,
                progress=None, cancelled=None) -> BoundSlice | None:
    """ln p(X | θ(t)) and the bound 𝓛(q_old, θ(t)), ``q_old`` the posterior under
    ``old``, along the straight line from ``old`` (t = 0) through ``new`` (t = 1).

    At t = 0 the two curves touch and are tangent (the E-step's posterior makes KL = 0
    and its derivative 0); the M-step maximises the bound over all θ, so along the line
    its maximum is at t = 1 (up to ``reg_covar``'s small ridge and, for mclust's
    iterative models, their inner tolerance).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    old, new : Mixture
        The parameters before and after one M-step.
    weights : array-like of shape (n_samples,), optional
    ts : array-like, optional
        The values of t; default :data:`SLICE_POINTS` values over :data:`SLICE_RANGE`
        (0 and 1 among them). 0 and 1 are added when missing.
    progress : callable(done, total), optional
    cancelled : callable() -> bool, optional
        Checked between evaluations: when it says stop, None is returned.

    Returns
    -------
    BoundSlice or None
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    _check_pair(old, new)
    if ts is None:
        # Rounded so that 0 and 1 are among them exactly, not 1e-16 beside them.
        ts = np.round(np.linspace(*SLICE_RANGE, SLICE_POINTS), 12)
    ts = np.unique(np.concatenate([np.asarray(ts, dtype=float), [0.0, 1.0]]))
    ll = np.full(ts.shape, np.nan)
    bound = np.full(ts.shape, np.nan)
    n = float(X.shape[0] if w is None else np.sum(w))
    for i, t in enumerate(ts):
        if cancelled is not None and cancelled():
            return None
        theta = old if t == 0.0 else new if t == 1.0 else interpolate(old, new, float(t))
        if theta is not None:
            terms = bound_terms(X, old, theta, w)
            ll[i], bound[i] = terms.log_likelihood, terms.bound
        if progress is not None:
            progress(i + 1, ts.size)
    return BoundSlice(readonly(ts), readonly(ll), readonly(bound), n)
