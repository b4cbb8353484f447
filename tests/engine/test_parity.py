"""The engine against scikit-learn, from the same start: the independent numerical oracle."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from gmm_explorer import engine as E

RTOL = 1e-8


def sklearn_from(start: E.Mixture, **kw) -> GaussianMixture:
    """A GaussianMixture started at exactly ``start``."""
    prec = np.linalg.inv(start.covariances)
    ct = start.covariance_type
    p = {"full": prec, "tied": prec[0], "diag": np.stack([prec[:, 0, 0], prec[:, 1, 1]], 1),
         "spherical": prec[:, 0, 0]}[ct]
    return GaussianMixture(start.n_components, covariance_type=ct, weights_init=start.weights,
                           means_init=start.means, precisions_init=p, **kw)


def sklearn_covariances(g: GaussianMixture) -> np.ndarray:
    c, k = g.covariances_, g.n_components
    return {"full": lambda: c, "tied": lambda: np.broadcast_to(c, (k, 2, 2)),
            "diag": lambda: np.stack([np.diag(v) for v in c]),
            "spherical": lambda: np.stack([v * np.eye(2) for v in c])}[g.covariance_type]()


def rel(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def assert_matches(mix: E.Mixture, mean_ll: float, g: GaussianMixture, X) -> None:
    assert rel(mix.weights, g.weights_) <= RTOL
    assert rel(mix.means, g.means_) <= RTOL
    assert rel(mix.covariances, sklearn_covariances(g)) <= RTOL
    assert abs(mean_ll - g.score(X)) <= RTOL * abs(g.score(X))


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@pytest.mark.parametrize("dataset,k", [("faithful", 2), ("synthetic", 3)])
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_fifty_iterations_match_sklearn(request, dataset, k, ctype, backend):
    X = request.getfixturevalue(dataset)
    start = E.initialise(X, k, "kmeans", covariance_type=ctype, seed=0)
    history = list(E.iterate(X, start, E.EMSettings(ctype, tol=0.0, max_iter=50), backend=backend))
    assert [r.iteration for r in history] == list(range(51))
    g = sklearn_from(start, tol=0.0, max_iter=50)
    with pytest.warns(ConvergenceWarning):
        g.fit(X)
    assert g.n_iter_ == 50
    assert_matches(history[-1].mixture, history[-1].mean_log_likelihood, g, X)


@pytest.mark.parametrize("init", E.INIT_METHODS)
def test_every_initialisation_then_fifty_iterations_match(synthetic, init):
    start = E.initialise(synthetic, 3, init, seed=5)
    last = list(E.iterate(synthetic, start, E.EMSettings(tol=0.0, max_iter=50)))[-1]
    g = sklearn_from(start, tol=0.0, max_iter=50)
    with pytest.warns(ConvergenceWarning):
        g.fit(synthetic)
    assert_matches(last.mixture, last.mean_log_likelihood, g, synthetic)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_converged_fit_matches_sklearn_iteration_count(faithful, ctype):
    start = E.initialise(faithful, 2, "random", covariance_type=ctype, seed=3)
    result = E.fit(faithful, init=start, settings=E.EMSettings(ctype))
    g = sklearn_from(start)  # default tol=1e-3, max_iter=100
    g.fit(faithful)
    assert g.converged_ and result.converged
    assert result.n_iter == g.n_iter_
    assert_matches(result.mixture, result.final.mean_log_likelihood, g, faithful)


def test_queries_match_sklearn(synthetic):
    start = E.initialise(synthetic, 3, "kmeans", seed=2)
    mix = E.fit(synthetic, init=start).mixture
    g = sklearn_from(start)
    g.fit(synthetic)
    # Put exactly our parameters into the fitted sklearn object and compare the queries.
    g.weights_, g.means_, g.covariances_ = mix.weights, mix.means, np.array(mix.covariances)
    g.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(mix.covariances))
    np.testing.assert_allclose(E.score_samples(synthetic, mix), g.score_samples(synthetic),
                               rtol=1e-12)
    np.testing.assert_allclose(E.predict_proba(synthetic, mix), g.predict_proba(synthetic),
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_array_equal(E.predict(synthetic, mix), g.predict(synthetic))
    assert E.bic(synthetic, mix) == pytest.approx(g.bic(synthetic), rel=1e-12)
    assert E.aic(synthetic, mix) == pytest.approx(g.aic(synthetic), rel=1e-12)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_parameter_counts_match_sklearn(synthetic, ctype):
    g = GaussianMixture(4, covariance_type=ctype, max_iter=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        g.fit(synthetic)
    mix = E.initialise(synthetic, 4, "kmeans", covariance_type=ctype, seed=0)
    assert mix.n_parameters() == g._n_parameters()
