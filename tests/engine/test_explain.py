"""The explanation layer's numbers (engine/explain.py) against independent oracles:
scikit-learn's ``predict_proba`` and ``_estimate_gaussian_parameters``, scipy's
``multivariate_normal.pdf`` and ``logsumexp``, and the engine's own EM loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _estimate_gaussian_parameters

from gmm_explorer import engine as E
from gmm_explorer.engine.explain import e_step_terms, m_step_terms
from gmm_explorer.errors import FitError, InputError


def sklearn_holding(mix: E.Mixture, X) -> GaussianMixture:
    """A fitted GaussianMixture whose parameters are replaced by exactly ``mix``'s
    (weights, means, covariances and precisions_cholesky_, in scikit-learn's shapes for
    ``mix.covariance_type``)."""
    ct = mix.covariance_type
    g = GaussianMixture(mix.n_components, covariance_type=ct, max_iter=1,
                        init_params="random_from_data", random_state=0)
    with warnings.catch_warnings():
        # One iteration only: its parameters are replaced below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        g.fit(X)
    cov = np.array(mix.covariances)
    prec_chol = np.linalg.cholesky(np.linalg.inv(cov))
    var = cov[:, [0, 1], [0, 1]]
    g.weights_, g.means_ = np.array(mix.weights), np.array(mix.means)
    g.covariances_, g.precisions_cholesky_ = {
        "full": (cov, prec_chol),
        "tied": (cov[0], prec_chol[0]),
        "diag": (var, 1.0 / np.sqrt(var)),
        "spherical": (var[:, 0], 1.0 / np.sqrt(var[:, 0])),
    }[ct]
    return g


def sklearn_covariances(cov, ct: str, k: int) -> np.ndarray:
    """scikit-learn's covariances of type ``ct`` as K full 2x2 matrices."""
    return {"full": lambda: cov, "tied": lambda: np.broadcast_to(cov, (k, 2, 2)),
            "diag": lambda: np.stack([np.diag(v) for v in cov]),
            "spherical": lambda: np.stack([v * np.eye(2) for v in cov])}[ct]()


@pytest.fixture(scope="module", params=E.COVARIANCE_TYPES)
def state(request, synthetic):
    """(X, a state three iterations into a run, its covariance type)."""
    ct = request.param
    start = E.initialise(synthetic, 3, "kmeans", covariance_type=ct, seed=2)
    run = list(E.iterate(synthetic, start, E.EMSettings(ct, tol=0.0, max_iter=3)))
    return synthetic, run[-1].mixture, ct


def probe_points(X):
    rng = np.random.default_rng(11)
    lo, hi = X.min(axis=0) - 2, X.max(axis=0) + 2
    return np.concatenate([X[:4], rng.uniform(lo, hi, size=(20, 2))])


# ---------------------------------------------------------------------------- E-step


def test_e_step_terms_match_predict_proba_and_scipy(state):
    X, mix, _ = state
    g = sklearn_holding(mix, X)
    pts = probe_points(X)
    proba = g.predict_proba(pts)
    for i, p in enumerate(pts):
        t = e_step_terms(mix, p)
        np.testing.assert_array_equal(t.xy, p)
        assert t.n_components == 3
        # Each factor, by hand with scipy.
        pdf = np.array([multivariate_normal(mix.means[k], mix.covariances[k]).pdf(p)
                        for k in range(3)])
        np.testing.assert_allclose(t.density, pdf, rtol=1e-11, atol=1e-300)
        np.testing.assert_array_equal(t.weights, mix.weights)
        np.testing.assert_allclose(t.weighted_density, mix.weights * pdf, rtol=1e-11,
                                   atol=1e-300)
        assert t.total_density == pytest.approx(float((mix.weights * pdf).sum()), rel=1e-11)
        # The textbook formula and the log-space form both give scikit-learn's answer.
        np.testing.assert_allclose(t.linear_responsibilities, proba[i], rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(t.responsibilities, proba[i], rtol=1e-9, atol=1e-14)
        # The log-space terms, with scipy's logsumexp as the oracle.
        logpdf = np.array([multivariate_normal(mix.means[k], mix.covariances[k]).logpdf(p)
                           for k in range(3)])
        np.testing.assert_allclose(t.component_log_density, logpdf, rtol=1e-11)
        np.testing.assert_allclose(t.log_weights, np.log(mix.weights), rtol=1e-15)
        np.testing.assert_allclose(t.log_terms, np.log(mix.weights) + logpdf, rtol=1e-11)
        assert t.max_log_term == pytest.approx(float(np.max(t.log_terms)), rel=1e-15)
        assert t.log_total == pytest.approx(logsumexp(t.log_terms), rel=1e-12)
        assert t.log_total == pytest.approx(g.score_samples(p[None])[0], rel=1e-12)
        assert t.max_log_term + np.log(t.scaled_sum) == pytest.approx(t.log_total, rel=1e-12)
        assert 1.0 <= t.scaled_sum <= 3.0 + 1e-12
        np.testing.assert_allclose(t.responsibilities, np.exp(t.log_terms - t.log_total),
                                   rtol=1e-12)
        assert not t.underflows
        for a in (t.density, t.responsibilities, t.log_terms):
            assert not a.flags.writeable


def test_e_step_terms_far_from_every_component_only_log_space_works():
    mix = E.Mixture([0.3, 0.7], [[0.0, 0.0], [3.0, 0.0]], [np.eye(2), np.eye(2)])
    t = e_step_terms(mix, (45.0, 0.0))  # log N is about -900 and -760: exp underflows
    assert np.all(t.density == 0.0) and t.total_density == 0.0
    assert t.underflows
    assert np.all(np.isnan(t.linear_responsibilities))  # 0 / 0
    assert np.all(np.isfinite(t.log_terms))
    expected = np.exp(t.log_terms - logsumexp(t.log_terms))
    np.testing.assert_allclose(t.responsibilities, expected, rtol=1e-12)
    assert t.responsibilities[1] == pytest.approx(1.0)
    with pytest.raises(InputError):
        e_step_terms(mix, (np.nan, 0.0))


def test_a_zero_weight_component_has_no_responsibility():
    mix = E.Mixture([0.0, 1.0], [[0.0, 0.0], [1.0, 0.0]], [np.eye(2), np.eye(2)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = e_step_terms(mix, (0.0, 0.0))
    assert t.log_weights[0] == -np.inf and t.log_terms[0] == -np.inf
    assert t.responsibilities[0] == 0.0 and t.responsibilities[1] == 1.0
    np.testing.assert_array_equal(t.linear_responsibilities, [0.0, 1.0])


# ---------------------------------------------------------------------------- M-step


def test_m_step_terms_match_sklearn_on_the_same_responsibilities(state):
    X, mix, ct = state
    reg = 1e-4
    resp = sklearn_holding(mix, X).predict_proba(X)
    nk, means, cov = _estimate_gaussian_parameters(X, resp, reg, ct)
    t = m_step_terms(X, mix, ct, reg)
    assert (t.n_components, t.n_samples, t.covariance_type, t.reg_covar) == (3, len(X), ct, reg)
    assert t.previous is mix and t.locks is None
    np.testing.assert_allclose(t.n_k, nk, rtol=1e-10)
    np.testing.assert_allclose(t.n_k, resp.sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(t.weights, nk / nk.sum(), rtol=1e-10)
    np.testing.assert_allclose(t.weighted_sums, resp.T @ X, rtol=1e-10)
    np.testing.assert_allclose(t.means, means, rtol=1e-10)
    np.testing.assert_allclose(t.covariances, sklearn_covariances(cov, ct, 3), rtol=1e-9)
    # The scatter about the new means, by hand.
    d = X[:, None, :] - np.asarray(t.means)[None]
    by_hand = np.einsum("nk,nki,nkj->kij", resp, d, d)
    np.testing.assert_allclose(t.scatter, by_hand, rtol=1e-9)
    # ... from which each type's covariance is built as the docstring says.
    s, n, k = np.asarray(t.scatter), np.asarray(t.n_k), 3
    eye = np.eye(2) * reg
    expected = {
        "full": s / n[:, None, None] + eye,
        "tied": np.broadcast_to(s.sum(0) / n.sum() + eye, (k, 2, 2)),
        "diag": (s / n[:, None, None]) * np.eye(2) + eye,
        "spherical": ((s[:, 0, 0] + s[:, 1, 1]) / (2 * n))[:, None, None] * np.eye(2) + eye,
    }[ct]
    np.testing.assert_allclose(t.covariances, expected, rtol=1e-9)


def test_m_step_terms_give_the_next_state_of_the_em_loop(state):
    X, mix, ct = state
    settings = E.EMSettings(ct, reg_covar=1e-5, tol=0.0, max_iter=1)
    nxt = list(E.iterate(X, mix, settings))[-1]
    assert nxt.iteration == 1
    t = m_step_terms(X, mix, ct, settings.reg_covar)
    for a, b in ((t.weights, nxt.mixture.weights), (t.means, nxt.mixture.means),
                 (t.covariances, nxt.mixture.covariances)):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)
    assert t.relative_difference(nxt.mixture) < 1e-11
    # Another reg_covar gives another state, and the difference says so.
    assert m_step_terms(X, mix, ct, 0.1).relative_difference(nxt.mixture) > 1e-3


def test_m_step_terms_with_locks_are_the_engines_generalised_m_step(synthetic):
    start = E.initialise(synthetic, 3, "kmeans", seed=1)
    locks = E.Locks.none(3).toggled("mean", 1).toggled("weight", 0)
    t = m_step_terms(synthetic, start, "full", 1e-6, locks)
    _, expected = E.em_step(synthetic, start, E.EMSettings(), locks=locks)
    np.testing.assert_allclose(t.covariances, expected.covariances, rtol=1e-10)
    np.testing.assert_array_equal(t.means[1], start.means[1])
    assert t.weights[0] == start.weights[0]
    assert t.locked("mean", 1) and t.locked("weight", 0) and not t.locked("mean", 0)
    assert not t.locked("covariance", 2)
    # The scatter of the locked mean's component is about the kept mean.
    resp = E.predict_proba(synthetic, start)
    d = synthetic - start.means[1]
    np.testing.assert_allclose(t.scatter[1], (resp[:, 1, None] * d).T @ d, rtol=1e-9)
    assert t.relative_difference(expected) < 1e-11
    # No lock at all is plain EM, reported as no locks.
    assert m_step_terms(synthetic, start, "full", 1e-6, E.Locks.none(3)).locks is None


def test_m_step_terms_are_read_only_and_check_their_input(faithful):
    start = E.initialise(faithful, 2, "kmeans", seed=0)
    t = m_step_terms(faithful, start)
    assert t.covariance_type == "full" and t.reg_covar == 1e-6
    for a in (t.n_k, t.weighted_sums, t.scatter):
        assert not a.flags.writeable
    assert t.relative_difference(E.initialise(faithful, 3, "kmeans", seed=0)) == np.inf
    with pytest.raises(InputError):
        m_step_terms(faithful[:1], start)
    with pytest.raises(InputError):
        m_step_terms(faithful, start, locks=E.Locks.none(3).toggled("mean", 0))
    # A component claiming a single point collapses without reg_covar, as in the M-step.
    pts = np.array([[0.0, 0.0], [10.0, 10.0], [10.5, 9.0], [9.0, 10.2]])
    lone = E.Mixture([0.25, 0.75], [[0.0, 0.0], [10.0, 10.0]], [np.eye(2) * 0.01, np.eye(2)])
    with pytest.raises(FitError):
        m_step_terms(pts, lone, "full", 0.0)
