"""Sample weights are frequencies: a point of weight w counts as w copies of it.

The oracle is the unweighted engine (itself checked against scikit-learn and mclust) run on
the data with every point repeated w_i times: from the same start, every algorithm and
model must reach the same parameters, log-likelihood, mean per point, BIC and ICL. For
weights that are not integers, the M-step is checked against numpy's weighted average and
covariance. Weights of one are bit-identical to no weights, and bad weights are one
InputError."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import selection
from gmm_explorer.engine.init import initialise, mixture_from_labels
from gmm_explorer.engine.models import MODEL_TYPES
from gmm_explorer.errors import InputError

BACKENDS = ["numba", "numpy"]


@pytest.fixture(scope="module")
def data(faithful):
    """80 Old Faithful points, integer weights 0..3 (some zero), and the repeated data."""
    rng = np.random.default_rng(7)
    X = np.ascontiguousarray(faithful[::3][:80])
    w = rng.integers(0, 4, X.shape[0]).astype(np.float64)
    return X, w, np.repeat(X, w.astype(int), axis=0)


def _start(X, k=3, ctype="full"):
    return initialise(X, k, "kmeans", covariance_type=ctype, seed=3)


def _run(X, start, settings, weights=None, backend=None):
    return list(E.iterate(X, start, settings, backend=backend, weights=weights))


def _assert_same_state(a, b, rtol=1e-9):
    assert a.iteration == b.iteration
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=rtol)
    assert a.mean_objective == pytest.approx(b.mean_objective, rel=rtol)
    np.testing.assert_allclose(a.mixture.weights, b.mixture.weights, rtol=rtol, atol=1e-12)
    np.testing.assert_allclose(a.mixture.means, b.mixture.means, rtol=rtol)
    np.testing.assert_allclose(a.mixture.covariances, b.mixture.covariances, rtol=rtol,
                               atol=1e-12)
    assert a.mixture.noise_weight == pytest.approx(b.mixture.noise_weight, rel=rtol, abs=1e-14)
    np.testing.assert_allclose(a.n_effective, b.n_effective, rtol=rtol, atol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ctype", MODEL_TYPES)
def test_em_weighted_equals_repeated_points_for_every_model(data, ctype, backend):
    X, w, R = data
    start = _start(R, ctype=ctype)
    s = E.EMSettings(ctype, tol=0.0, max_iter=15)
    weighted = _run(X, start, s, w, backend)
    repeated = _run(R, start, s, None, backend)
    assert len(weighted) == len(repeated) == 16
    for a, b in zip(weighted, repeated):
        _assert_same_state(a, b)
    assert weighted[-1].sample_size == pytest.approx(w.sum())
    assert weighted[-1].n_samples == X.shape[0]  # the points, not their weights
    assert repeated[-1].total_weight is None


@pytest.mark.parametrize("algorithm,ctype", [("cem", "full"), ("cem", "VEV"),
                                             ("kmeans", "spherical_equal"),
                                             ("vb", "full"), ("vb", "diag")])
def test_other_algorithms_weighted_equal_repeated(data, algorithm, ctype):
    from gmm_explorer.engine.models import canonical

    X, w, R = data
    ctype = canonical("EII") if ctype == "spherical_equal" else ctype
    start = _start(R, ctype=ctype)
    s = E.EMSettings(ctype, tol=0.0, max_iter=12, algorithm=algorithm)
    weighted = _run(X, start, s, w)
    repeated = _run(R, start, s)
    for a, b in zip(weighted, repeated):
        _assert_same_state(a, b, rtol=1e-8)
        if a.objective is not None:
            assert a.objective == pytest.approx(b.objective, rel=1e-9)


def test_map_prior_and_noise_weighted_equal_repeated(data):
    X, w, R = data
    start = _start(R)
    for s in (E.EMSettings("full", tol=0.0, max_iter=10, prior=True),
              E.EMSettings("VVV", tol=0.0, max_iter=10, noise=0.1)):
        for a, b in zip(_run(X, start, s, w), _run(R, start, s)):
            _assert_same_state(a, b, rtol=1e-8)


def test_bic_aic_icl_and_fit_count_the_weights(data):
    X, w, R = data
    m = _run(R, _start(R), E.EMSettings(max_iter=20))[-1].mixture
    assert selection.bic(X, m, w) == pytest.approx(selection.bic(R, m), rel=1e-12)
    assert selection.aic(X, m, w) == pytest.approx(selection.aic(R, m), rel=1e-12)
    assert selection.icl(X, m, w) == pytest.approx(selection.icl(R, m), rel=1e-12)
    # A fit from given parameters: its BIC uses N = sum w, not the number of points.
    fw = E.fit(X, init=m, settings=E.EMSettings(max_iter=5), weights=w)
    fr = E.fit(R, init=m, settings=E.EMSettings(max_iter=5))
    assert fw.bic() == pytest.approx(fr.bic(), rel=1e-10)
    assert fw.final.n_samples == X.shape[0]


def test_sweep_with_weights_scores_as_the_repeated_data(data):
    X, w, R = data
    ks, types = [1, 2], ["full", "EII"]
    rw = selection.sweep(X, ks, types, init="centre", weights=w)
    rr = selection.sweep(R, ks, types, init="centre")
    for a, b in zip(rw, rr):
        assert (a.n_components, a.covariance_type) == (b.n_components, b.covariance_type)
        assert a.bic == pytest.approx(b.bic, rel=1e-8)
        assert a.icl == pytest.approx(b.icl, rel=1e-8)


def test_starts_from_labels_and_centre_count_the_weights(data):
    X, w, R = data
    labels = (X[:, 0] > 3.0).astype(np.intp)
    a = mixture_from_labels(X, labels, 2, "full", 1e-6, w)
    b = mixture_from_labels(R, np.repeat(labels, w.astype(int)), 2, "full", 1e-6)
    np.testing.assert_allclose(a.means, b.means, rtol=1e-12)
    np.testing.assert_allclose(a.covariances, b.covariances, rtol=1e-10)
    np.testing.assert_allclose(a.weights, b.weights, rtol=1e-12)
    c1 = initialise(X, 3, "centre", weights=w)
    c2 = initialise(R, 3, "centre")
    np.testing.assert_allclose(c1.means, c2.means, rtol=1e-12)
    np.testing.assert_allclose(c1.covariances, c2.covariances, rtol=1e-10)


@pytest.mark.parametrize("backend", BACKENDS)
def test_real_valued_weights_m_step_is_numpy_weighted_mean_and_covariance(faithful, backend):
    rng = np.random.default_rng(1)
    X = faithful
    w = rng.uniform(0.0, 2.5, X.shape[0])
    one = E.Mixture([1.0], [[3.0, 70.0]], [[[1.0, 0.0], [0.0, 100.0]]], "full")
    e, new = E.em_step(X, one, E.EMSettings(reg_covar=0.0), backend=backend, weights=w)
    np.testing.assert_allclose(new.means[0], np.average(X, axis=0, weights=w), rtol=1e-12)
    np.testing.assert_allclose(new.covariances[0], np.cov(X.T, aweights=w, bias=True),
                               rtol=1e-10)
    # The log-likelihood is the weighted sum of scipy's log densities.
    from scipy.stats import multivariate_normal

    ll = np.sum(w * multivariate_normal([3.0, 70.0], [[1.0, 0.0], [0.0, 100.0]]).logpdf(X))
    assert e.log_likelihood == pytest.approx(ll, rel=1e-12)
    assert e.sample_size == pytest.approx(w.sum(), rel=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_unit_weights_are_bit_identical_to_none(synthetic, backend):
    start = _start(synthetic)
    s = E.EMSettings(max_iter=8, tol=0.0)
    a = _run(synthetic, start, s, np.ones(synthetic.shape[0]), backend)
    b = _run(synthetic, start, s, None, backend)
    for x, y in zip(a, b):
        assert x.log_likelihood == y.log_likelihood
        assert np.array_equal(x.mixture.covariances, y.mixture.covariances)
        assert np.array_equal(x.mixture.means, y.mixture.means)


def test_zero_weight_points_are_as_if_dropped(data):
    X, w, _ = data
    keep = w > 0
    start = _start(X[keep])
    s = E.EMSettings(tol=0.0, max_iter=10)
    for a, b in zip(_run(X, start, s, w), _run(X[keep], start, s, w[keep])):
        _assert_same_state(a, b, rtol=1e-11)


def test_numba_and_numpy_weighted_passes_agree(synthetic):
    rng = np.random.default_rng(4)
    w = rng.exponential(1.0, synthetic.shape[0])
    m = _start(synthetic)
    for kind, draws in (("soft", None), ("hard", None),
                        ("sample", rng.random(synthetic.shape[0]))):
        a = E.e_step(synthetic, m, backend="numba", assignment=kind, draws=draws, weights=w,
                     want_resp=True)
        b = E.e_step(synthetic, m, backend="numpy", assignment=kind, draws=draws, weights=w,
                     want_resp=True)
        np.testing.assert_allclose(a.stats, b.stats, rtol=1e-11, atol=1e-9)
        assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=1e-13)
        assert a.stats[:, 0].sum() == pytest.approx(w.sum(), rel=1e-12)
        # Responsibilities stay per point: rows sum to one whatever the weight.
        np.testing.assert_allclose(a.responsibilities.sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("weights,match", [
    (lambda n: np.ones(n - 1), "one weight per point"),
    (lambda n: np.r_[np.ones(n - 1), -1.0], "finite numbers >= 0"),
    (lambda n: np.r_[np.ones(n - 1), np.nan], "finite numbers >= 0"),
    (lambda n: np.r_[np.ones(n - 1), np.inf], "finite numbers >= 0"),
    (lambda n: np.zeros(n), "every sample weight is zero"),
    (lambda n: ["a"] * n, "must be numbers"),
])
def test_bad_weights_are_one_input_error(synthetic, weights, match):
    start = _start(synthetic)
    w = weights(synthetic.shape[0])
    with pytest.raises(InputError, match=match):
        E.e_step(synthetic, start, weights=w)
    with pytest.raises(InputError, match=match):
        E.fit(synthetic, 2, weights=w, seed=0)
    with pytest.raises(InputError, match=match):
        selection.sweep(synthetic, [1], ["full"], weights=w)


def test_the_optima_gallerys_restarts_count_the_weights(data):
    from gmm_explorer.engine.optima import run_restarts

    X, w, R = data
    s = E.EMSettings(tol=1e-8, max_iter=300)
    plan = [(0, "centre"), (1, "centre")]
    a = run_restarts(X, 2, s, plan, weights=w)
    b = run_restarts(R, 2, s, plan)
    for x, y in zip(a, b):
        assert x.result.final.mean_log_likelihood == pytest.approx(
            y.result.final.mean_log_likelihood, rel=1e-9)
        assert x.result.final.total_weight == w.sum()
