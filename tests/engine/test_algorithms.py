"""CEM, SEM and k-means: the hard variants of the one EM loop, against independent
references (a plain numpy CEM on scipy's densities, scikit-learn's KMeans) and their
invariants."""

import numpy as np
import pytest
from scipy.stats import multivariate_normal
from sklearn.cluster import KMeans

from gmm_explorer.engine import EMSettings, Mixture, e_step, fit, half_steps, initialise
from gmm_explorer.engine import algorithms
from gmm_explorer.engine._kernels import HAVE_NUMBA
from gmm_explorer.engine.init import rng_from
from gmm_explorer.errors import FitError, InputError
from tests.engine.invariants import assert_run_invariants

BACKENDS = ["numpy"] + (["numba"] if HAVE_NUMBA else [])


def blobs(seed=0, n=400):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal((0, 0), (1.0, 0.6), (n, 2)),
                      rng.normal((4, 1), (0.7, 1.2), (n, 2)),
                      rng.normal((1, 5), (0.5, 0.5), (n // 2, 2))])


def states(X, start, settings, backend=None):
    return [h.result for h in half_steps(X, start, settings, backend=backend)
            if h.phase == "M"]


def reference_cem(X, mixture, n_iter, reg_covar):
    """Classification EM written from Celeux & Govaert (1992) on scipy's densities."""
    w = np.array(mixture.weights)
    mu = np.array(mixture.means)
    cov = np.array(mixture.covariances)
    k = len(w)
    for _ in range(n_iter):
        lp = np.column_stack([np.log(w[j]) + multivariate_normal(mu[j], cov[j]).logpdf(X)
                              for j in range(k)])
        z = lp.argmax(axis=1)
        nk = np.bincount(z, minlength=k) + 10 * np.finfo(float).eps
        w = nk / nk.sum()
        for j in range(k):
            xj = X[z == j]
            mu[j] = xj.sum(axis=0) / nk[j]
            d = xj - mu[j]
            cov[j] = d.T @ d / nk[j] + reg_covar * np.eye(2)
    lp = np.column_stack([np.log(w[j]) + multivariate_normal(mu[j], cov[j]).logpdf(X)
                          for j in range(k)])
    return w, mu, cov, lp.max(axis=1).sum()


@pytest.mark.parametrize("backend", BACKENDS)
def test_cem_matches_a_plain_reference(backend):
    X = blobs()
    start = initialise(X, 3, "random_from_data", seed=4)
    settings = EMSettings("full", algorithm="cem", tol=0.0, max_iter=15)
    last = states(X, start, settings, backend)[-1]
    w, mu, cov, cll = reference_cem(X, start, 15, settings.reg_covar)
    np.testing.assert_allclose(last.mixture.weights, w, rtol=1e-12)
    np.testing.assert_allclose(last.mixture.means, mu, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(last.mixture.covariances, cov, rtol=1e-9, atol=1e-12)
    assert last.objective == pytest.approx(cll, rel=1e-10)
    assert last.algorithm == "cem"


@pytest.mark.parametrize("backend", BACKENDS)
def test_kmeans_matches_scikit_learn_lloyd(backend):
    X = blobs(1)
    start = initialise(X, 3, "random_from_data", seed=2)
    settings = EMSettings("EII", algorithm="kmeans", tol=0.0, max_iter=60)
    run = states(X, start, settings, backend)
    last = run[-1]
    km = KMeans(3, init=np.asarray(start.means), n_init=1, algorithm="lloyd", tol=0.0,
                max_iter=300).fit(X)
    np.testing.assert_allclose(last.mixture.means, km.cluster_centers_, rtol=1e-10)
    assert -last.objective == pytest.approx(km.inertia_, rel=1e-10)
    labels = e_step(X, last.mixture, assignment="hard", want_resp=True).responsibilities
    np.testing.assert_array_equal(labels.argmax(axis=1), km.labels_)
    np.testing.assert_array_equal(last.mixture.weights, np.full(3, 1 / 3))
    assert last.mixture.covariance_type == "EII"


def test_kmeans_converges_relative_to_the_data_scale():
    # The same data in kilometres and in millimetres stop at the same iteration.
    X = blobs(2)
    start = initialise(X, 3, "random_from_data", seed=5)
    runs = []
    for scale in (1e-3, 1.0, 1e3):
        s = Mixture(start.weights, np.asarray(start.means) * scale,
                    np.asarray(start.covariances) * scale**2, start.covariance_type)
        runs.append(states(X * scale, s, EMSettings("EII", algorithm="kmeans")))
    assert len({len(r) for r in runs}) == 1
    assert runs[0][-1].converged


@pytest.mark.parametrize("algorithm", ["cem", "kmeans"])
@pytest.mark.parametrize("seed", range(6))
def test_hard_objectives_never_decrease(algorithm, seed):
    X = blobs(seed, 150)
    cov = "EII" if algorithm == "kmeans" else "VVV"
    start = initialise(X, 4, "random_from_data", seed=seed)
    run = states(X, start, EMSettings(cov, algorithm=algorithm, tol=0.0, max_iter=30,
                                      reg_covar=0.0 if algorithm == "kmeans" else 1e-6))
    assert_run_invariants(run, 1e-12)


def test_hard_pass_gives_one_hot_responsibilities_of_the_most_probable_component():
    X = blobs(3)
    m = initialise(X, 3, "kmeans", seed=0)
    soft = e_step(X, m, want_resp=True).responsibilities
    for backend in BACKENDS:
        hard = e_step(X, m, want_resp=True, assignment="hard", backend=backend)
        np.testing.assert_array_equal(hard.responsibilities.sum(axis=1), 1.0)
        np.testing.assert_array_equal(hard.responsibilities.argmax(axis=1),
                                      soft.argmax(axis=1))
        np.testing.assert_array_equal(hard.stats[:, 0],
                                      np.bincount(soft.argmax(axis=1), minlength=3))
        # The observed log-likelihood is the soft pass's.
        assert hard.log_likelihood == pytest.approx(e_step(X, m).log_likelihood, rel=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sampled_assignments_follow_the_responsibilities(backend):
    # One point repeated: the share drawn to each component is its responsibility.
    m = Mixture([0.5, 0.3, 0.2], [[0, 0], [1, 0], [0, 1]], np.tile(np.eye(2), (3, 1, 1)),
                "full")
    n = 200_000
    X = np.tile([[0.4, 0.3]], (n, 1))
    r = e_step(X[:1], m, want_resp=True).responsibilities[0]
    e = e_step(X, m, assignment="sample", draws=algorithms.draws(7, 0, n), backend=backend)
    share = e.stats[:, 0] / n
    sigma = np.sqrt(r * (1 - r) / n)
    assert np.all(np.abs(share - r) < 5 * sigma)


def test_sem_is_reproducible_and_resumable():
    X = blobs(4)
    start = initialise(X, 3, "kmeans", seed=1)
    settings = EMSettings("full", algorithm="sem", seed=11, max_iter=12)
    a = states(X, start, settings)
    b = states(X, start, settings)
    assert [r.log_likelihood for r in a] == [r.log_likelihood for r in b]
    other = states(X, start, EMSettings("full", algorithm="sem", seed=12, max_iter=12))
    assert [r.log_likelihood for r in other] != [r.log_likelihood for r in a]
    # Resumed at iteration 5, it draws what the uninterrupted run drew.
    resumed = [h.result for h in half_steps(X, a[5].mixture, settings, first_iteration=5)
               if h.phase == "M"]
    np.testing.assert_array_equal(resumed[-1].mixture.means, a[-1].mixture.means)
    # SEM never claims convergence: it runs its max_iter iterations.
    assert len(a) == 13 and not any(r.converged for r in a)
    for backend in BACKENDS:
        c = states(X, start, settings, backend)
        np.testing.assert_allclose(c[-1].mixture.means, a[-1].mixture.means, rtol=1e-9)


def test_kmeans_equalises_a_starts_weights():
    X = blobs(5)
    start = Mixture([0.7, 0.2, 0.1], [[0, 0], [4, 1], [1, 5]], np.tile(np.eye(2), (3, 1, 1)),
                    "full")
    first = states(X, start, EMSettings("EII", algorithm="kmeans", max_iter=0))[0]
    np.testing.assert_array_equal(first.mixture.weights, np.full(3, 1 / 3))
    assert first.mixture.covariance_type == "EII"


def test_fit_keeps_the_restart_with_the_best_objective():
    X = blobs(6)
    settings = EMSettings("EII", algorithm="kmeans")
    result = fit(X, 6, settings=settings, init="random_from_data", n_init=5, seed=0)
    rng = rng_from(0)  # the restarts' starts, drawn as fit draws them
    finals = [states(X, initialise(X, 6, "random_from_data", covariance_type="EII",
                                   seed=rng), settings)[-1] for _ in range(5)]
    assert result.final.algorithm == "kmeans"
    assert result.final.objective == max(r.objective for r in finals)
    assert len({round(r.objective, 6) for r in finals}) > 1  # the restarts differ


@pytest.mark.parametrize("bad, message", [
    (dict(algorithm="vb2"), "unknown algorithm"),
    (dict(algorithm="kmeans", covariance_type="full"), "k-means fits equal round"),
    (dict(algorithm=3), "unknown algorithm"),
    (dict(seed=1.5), "seed must be an integer"),
])
def test_bad_algorithm_settings_are_input_errors(bad, message):
    with pytest.raises(InputError, match=message):
        EMSettings(**bad)


def test_algorithm_names_are_case_insensitive_with_aliases():
    assert EMSettings("EII", algorithm="K-Means").algorithm == "kmeans"
    assert EMSettings(algorithm="CEM").algorithm == "cem"
    assert algorithms.objective_name("kmeans").startswith("\u2212")


def test_hard_pass_reports_points_lost_to_every_component():
    m = Mixture([0.5, 0.5], [[0, 0], [1, 1]], np.tile(np.eye(2) * 1e-6, (2, 1, 1)), "full")
    X = np.array([[0.0, 0.0], [1e160, 1e160], [1.0, 1.0]])
    for backend in BACKENDS:
        with pytest.raises(FitError, match="zero density"):
            e_step(X, m, assignment="hard", backend=backend)
