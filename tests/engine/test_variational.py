"""Variational Bayes against scikit-learn's BayesianGaussianMixture from the same start
(the same initial responsibilities): parameters, lower bound and iteration count, for
both weight priors and scikit-learn's four covariance types; and its invariants."""

import warnings

import numpy as np
import pytest
from sklearn.mixture import BayesianGaussianMixture

from gmm_explorer import engine as E
from gmm_explorer.engine import variational
from gmm_explorer.engine.em import algorithm_pass, half_steps, vb_start
from gmm_explorer.errors import InputError
from tests.engine.invariants import assert_run_invariants

TYPES = ["full", "tied", "diag", "spherical"]
PRIORS = ["dirichlet_process", "dirichlet_distribution"]


def data(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, (300, 2)), rng.normal(4, 1, (300, 2)) * [1, 2],
                      rng.normal((0, 6), 0.5, (100, 2))])


def sklearn_from(X, resp, **kw):
    class FromResp(BayesianGaussianMixture):
        def _initialize_parameters(self, X, random_state, xp=None):
            self._initialize(X, resp)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
        return FromResp(n_components=resp.shape[1], random_state=0, **kw).fit(X)


def full_covariances(b, k):
    c = b.covariances_
    return {"full": lambda: c, "tied": lambda: np.tile(c, (k, 1, 1)),
            "diag": lambda: np.array([np.diag(v) for v in c]),
            "spherical": lambda: np.array([np.eye(2) * v for v in c])}[b.covariance_type]()


def ours(X, resp, settings):
    start = vb_start(X, None, settings, resp=resp)
    return [h.result for h in half_steps(X, start, settings) if h.phase == "M"]


@pytest.mark.parametrize("ctype", TYPES)
@pytest.mark.parametrize("prior", PRIORS)
def test_fifty_iterations_agree_with_scikit_learn(ctype, prior):
    X = data()
    k = 5
    resp = np.random.default_rng(1).dirichlet(np.ones(k), size=X.shape[0])
    b = sklearn_from(X, resp, covariance_type=ctype, weight_concentration_prior_type=prior,
                     max_iter=50, tol=0.0)
    run = ours(X, resp, E.EMSettings(ctype, algorithm="vb", weight_prior=prior, tol=0.0,
                                     max_iter=50))
    last = run[-1]
    m, post = last.mixture, last.mixture.posterior
    assert last.iteration == 50
    np.testing.assert_allclose(m.weights, b.weights_, rtol=1e-8)
    np.testing.assert_allclose(m.means, b.means_, rtol=1e-8)
    np.testing.assert_allclose(m.covariances, full_covariances(b, k), rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(post.mean_precision, b.mean_precision_, rtol=1e-8)
    np.testing.assert_allclose(np.broadcast_to(b.degrees_of_freedom_, (k,)),
                               post.degrees_of_freedom, rtol=1e-8)
    np.testing.assert_allclose(post.weight_concentration, np.asarray(b.weight_concentration_),
                               rtol=1e-8)
    assert last.objective == pytest.approx(float(np.ravel(b.lower_bound_)[0]), rel=1e-8)


@pytest.mark.parametrize("prior", PRIORS)
@pytest.mark.parametrize("k", [3, 6])
def test_convergence_stops_where_scikit_learn_stops(faithful, prior, k):
    labels = np.random.default_rng(k).integers(0, k, faithful.shape[0])
    resp = np.eye(k)[labels]  # hard, as scikit-learn's k-means start
    b = sklearn_from(faithful, resp, weight_concentration_prior_type=prior, max_iter=500)
    run = ours(faithful, resp, E.EMSettings(algorithm="vb", weight_prior=prior, max_iter=500))
    assert b.converged_ and run[-1].converged
    assert run[-1].iteration == b.n_iter_
    assert run[-1].objective == pytest.approx(float(b.lower_bound_), rel=1e-8)
    np.testing.assert_allclose(run[-1].mixture.means, b.means_, rtol=1e-7)


@pytest.mark.parametrize("ctype", TYPES)
@pytest.mark.parametrize("seed", range(3))
def test_the_bound_never_decreases_and_weights_sum_to_one(ctype, seed):
    X = data(seed)
    settings = E.EMSettings(ctype, algorithm="vb", tol=0.0, max_iter=40, seed=seed)
    start = E.initialise(X, 6, "random_from_data", covariance_type=ctype, seed=seed)
    run = [h.result for h in half_steps(X, start, settings) if h.phase == "M"]
    assert_run_invariants(run, 1e-12)


def test_the_dirichlet_process_switches_unneeded_components_off(faithful):
    settings = E.EMSettings(algorithm="vb", max_iter=500)
    result = E.fit(faithful, 8, settings=settings, seed=0)
    statuses = [d.status for d in result.final.diagnostics]
    assert statuses.count("off") >= 4 and statuses.count("ok") >= 2
    assert not result.final.warnings(), "switching off is not a fault"
    on = np.asarray(result.mixture.weights)[[s != "off" for s in statuses]]
    assert on.sum() > 0.99


def test_the_entropy_from_statistics_is_the_responsibilities_entropy():
    X = data(4)
    settings = E.EMSettings(algorithm="vb")
    start = vb_start(X, E.initialise(X, 4, "kmeans", seed=0), settings)
    e = algorithm_pass(X, start, settings, 0, want_resp=True)
    r = e.responsibilities
    direct = -np.sum(np.where(r > 0, r * np.log(np.where(r > 0, r, 1.0)), 0.0))
    assert e.entropy == pytest.approx(direct, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("bad, message", [
    (dict(algorithm="vb", covariance_type="VEV"), "scikit-learn's four"),
    (dict(algorithm="vb", weight_prior="stick"), "unknown weight prior"),
    (dict(algorithm="vb", weight_concentration=0.0), "weight_concentration"),
    (dict(algorithm="vb", weight_concentration=float("nan")), "weight_concentration"),
])
def test_bad_vb_settings_are_input_errors(bad, message):
    with pytest.raises(InputError, match=message):
        E.EMSettings(**bad)


def test_locks_are_refused_with_a_reason(faithful):
    settings = E.EMSettings(algorithm="vb")
    start = E.initialise(faithful, 2, "kmeans", seed=0)
    locks = E.Locks((False, False), (True, False), (False, False))
    with pytest.raises(InputError, match="unlock"):
        list(half_steps(faithful, start, settings, locks=locks))


def test_weight_prior_names():
    assert variational.check_weight_prior("Process") == "dirichlet_process"
    assert variational.check_weight_prior("distribution") == "dirichlet_distribution"
