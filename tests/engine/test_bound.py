"""The bound panel's numbers (engine/bound.py): ln p = 𝓛 + KL at every half-step, KL = 0
after an E-step, 𝓛 never falling over a half-step, the slice's tangency at t = 0 and its
maximum at t = 1; 𝓛 and KL against scikit-learn's responsibilities and scipy's
densities."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.stats import multivariate_normal

from gmm_explorer import engine as E
from gmm_explorer.engine import bound as B
from gmm_explorer.engine.init import initialise
from gmm_explorer.engine.noise import noise_density, with_noise
from gmm_explorer.errors import InputError


def _settings(start, reg_covar=1e-6, max_iter=30):
    return E.EMSettings("full", reg_covar, 0.0, max_iter, noise=start.noise_weight)


def _run(X, k, *, reg_covar=1e-6, seed=0, weights=None, start=None, max_iter=30):
    start = start or initialise(X, k, "random_from_data", seed=seed, weights=weights)
    settings = _settings(start, reg_covar, max_iter)
    return [start] + [r.mixture for r in list(E.iterate(X, start, settings,
                                                          weights=weights))[1:]]


def _oracle(X, q_from, theta):
    """𝓛, KL and ln p from scikit-learn's responsibilities and scipy's densities."""
    sklearn_mixture = pytest.importorskip("sklearn.mixture")

    def model(m):
        g = sklearn_mixture.GaussianMixture(m.n_components, covariance_type="full")
        g.weights_ = np.array(m.weights)
        g.means_ = np.array(m.means)
        g.covariances_ = np.array(m.covariances)
        g.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(g.covariances_))
        return g

    q = model(q_from).predict_proba(X)
    post = model(theta).predict_proba(X)
    joint = np.column_stack([np.log(theta.weights[k]) + multivariate_normal.logpdf(
        X, theta.means[k], theta.covariances[k]) for k in range(theta.n_components)])
    log_p = model(theta).score_samples(X).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        entropy = -np.where(q > 0, q * np.log(q), 0.0).sum()
        kl = np.where(q > 0, q * (np.log(q) - np.log(post)), 0.0).sum()
    return (q * joint).sum() + entropy, kl, log_p


def test_the_bound_and_kl_agree_with_scikit_learn_and_scipy(faithful):
    states = _run(faithful, 3, max_iter=5)
    for old, new in itertools.pairwise(states):
        got = B.bound_terms(faithful, old, new)
        bound, kl, log_p = _oracle(faithful, old, new)
        assert got.bound == pytest.approx(bound, rel=1e-10)
        assert got.kl == pytest.approx(kl, rel=1e-8, abs=1e-9)
        assert got.log_likelihood == pytest.approx(log_p, rel=1e-12)
        assert got.sample_size == faithful.shape[0]


@pytest.mark.parametrize("case", ["plain", "weights", "noise"])
def test_log_likelihood_is_bound_plus_kl_at_every_half_step(faithful, case):
    X, w, start = faithful, None, None
    if case == "weights":
        w = np.random.default_rng(1).integers(1, 4, X.shape[0]).astype(float)
    if case == "noise":
        start = with_noise(initialise(X, 2, "kmeans", seed=0), 0.1, noise_density(X))
    states = _run(X, 2, weights=w, start=start, max_iter=25)
    halves = B.half_step_bounds(X, states, weights=w)
    assert [(h.iteration, h.half) for h in halves[:4]] == [(0, "E"), (1, "M"), (1, "E"),
                                                          (2, "M")]
    assert len(halves) == 2 * len(states) - 1
    previous = -np.inf
    for h in halves:
        t = h.terms
        scale = abs(t.log_likelihood)
        assert t.log_likelihood == pytest.approx(t.bound + t.kl, rel=1e-10)
        assert t.kl >= -1e-10 * scale
        if h.half == "E":
            assert abs(t.kl) <= 1e-10 * scale
            assert t.bound == pytest.approx(t.log_likelihood, rel=1e-12)
        # Each half-step raises the bound: the E-step to the log-likelihood, the M-step
        # by maximising it (reg_covar's ridge costs far less than 1e-9 of it here).
        assert t.bound >= previous - 1e-9 * scale
        previous = t.bound
    # The log-likelihood is the engine's own.
    run = list(E.iterate(X, states[0], _settings(states[0], max_iter=25), weights=w))
    e_halves = [h for h in halves if h.half == "E"]
    for h, r in zip(e_halves, run):
        assert h.terms.log_likelihood == pytest.approx(r.log_likelihood, rel=1e-10)


def test_integer_weights_are_repeated_points(faithful):
    w = np.random.default_rng(2).integers(0, 3, faithful.shape[0]).astype(float)
    repeated = np.repeat(faithful, w.astype(int), axis=0)
    states = _run(faithful, 3, weights=w, max_iter=4)
    got = B.bound_terms(faithful, states[2], states[3], weights=w)
    ref = B.bound_terms(repeated, states[2], states[3])
    for a, b in ((got.bound, ref.bound), (got.kl, ref.kl),
                 (got.log_likelihood, ref.log_likelihood), (got.sample_size, ref.sample_size)):
        assert a == pytest.approx(b, rel=1e-10, abs=1e-9)


def test_the_slice_touches_at_zero_and_peaks_at_the_m_step(faithful):
    # Without reg_covar the M-step maximises the bound exactly.
    states = _run(faithful, 2, reg_covar=0.0, seed=3, max_iter=3)
    old, new = states[1], states[2]
    s = B.bound_slice(faithful, old, new)
    assert s.t[0] == -0.5 and s.t[-1] == 1.5 and {0.0, 1.0} <= set(s.t.tolist())
    valid = np.isfinite(s.bound)
    assert valid.sum() >= 30
    # Jensen: the bound lies under the log-likelihood, and touches it at t = 0.
    assert np.all(s.bound[valid] <= s.log_likelihood[valid] + 1e-9 * abs(s.log_likelihood[valid]))
    i0 = int(np.flatnonzero(s.t == 0.0)[0])
    assert s.bound[i0] == pytest.approx(s.log_likelihood[i0], rel=1e-12)
    assert s.best_t == 1.0
    # Tangent at t = 0: the same slope from either side, to the step's second order.
    h = 1e-4
    fine = B.bound_slice(faithful, old, new, ts=[-h, h])
    j = np.searchsorted(fine.t, [-h, h])
    slope_ll = (fine.log_likelihood[j[1]] - fine.log_likelihood[j[0]]) / (2 * h)
    slope_bound = (fine.bound[j[1]] - fine.bound[j[0]]) / (2 * h)
    assert slope_bound == pytest.approx(slope_ll, rel=1e-5)
    assert slope_ll > 0  # the M-step goes uphill
    # At t = 1 the bound is flat (its maximum) while the log-likelihood still climbs or
    # has a KL gap above it.
    near = B.bound_slice(faithful, old, new, ts=[1 - h, 1 + h])
    k = np.searchsorted(near.t, [1 - h, 1 + h])
    assert abs(near.bound[k[1]] - near.bound[k[0]]) / (2 * h) < 1e-4 * abs(slope_bound)


def test_the_slice_leaves_gaps_where_the_line_leaves_the_mixtures():
    old = E.Mixture([0.5, 0.5], [[0, 0], [3, 0]], [np.eye(2), np.eye(2)])
    new = E.Mixture([0.9, 0.1], [[0, 0], [3, 0]], [np.eye(2), 0.2 * np.eye(2)])
    X = np.random.default_rng(0).normal(size=(50, 2))
    s = B.bound_slice(X, old, new, ts=[-0.5, 0.5, 1.2, 1.5])
    # At t = 1.5 the second weight is 0.5 - 0.6 < 0 and its variance 1 - 1.2 < 0.
    assert np.isnan(s.bound[s.t == 1.5]).all() and np.isnan(s.log_likelihood[s.t == 1.5]).all()
    assert np.isfinite(s.bound[s.t == 0.5]).all()
    assert B.interpolate(old, new, 1.5) is None
    mid = B.interpolate(old, new, 0.5)
    np.testing.assert_allclose(mid.weights, [0.7, 0.3])
    np.testing.assert_allclose(mid.covariances[1], 0.6 * np.eye(2))


def test_a_cancelled_slice_returns_nothing_and_mismatched_mixtures_are_refused(faithful):
    a = initialise(faithful, 2, "kmeans", seed=0)
    assert B.bound_slice(faithful, a, a, cancelled=lambda: True) is None
    with pytest.raises(InputError, match="same components"):
        B.bound_terms(faithful, a, initialise(faithful, 3, "kmeans", seed=0))
    with pytest.raises(InputError, match="same components"):
        B.bound_terms(faithful, a, with_noise(a, 0.1, noise_density(faithful)))
    seen = []
    B.bound_slice(faithful, a, a, ts=[0.5], progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (3, 3)  # 0 and 1 are always evaluated
