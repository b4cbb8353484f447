"""scikit-learn interop (issue 14): ``gmm_explorer.GaussianMixture`` against scikit-learn's
from the same start, ``Mixture.from_sklearn`` / ``to_sklearn``, and the errors."""

from __future__ import annotations

import numpy as np
import pytest

import gmm_explorer
from gmm_explorer import engine as E
from gmm_explorer.engine.init import initialise
from gmm_explorer.engine.noise import noise_density, with_noise
from gmm_explorer.errors import InputError

sk_mixture = pytest.importorskip("sklearn.mixture")
TYPES = ("full", "tied", "diag", "spherical")


def _start(X, t, k=3, seed=0):
    rng = np.random.default_rng(seed)
    means = X[rng.choice(len(X), k, replace=False)]
    inv = np.linalg.inv(np.cov(X.T))
    prec = {"full": np.repeat(inv[None], k, 0), "tied": inv,
            "diag": np.repeat((1 / X.var(0))[None], k, 0),
            "spherical": np.full(k, 1 / X.var(0).mean())}[t]
    return dict(n_components=k, covariance_type=t, weights_init=np.full(k, 1 / k),
                means_init=means, precisions_init=prec)


def _close(a, b, tol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert a.shape == b.shape
    assert np.max(np.abs(a - b)) <= tol * max(1.0, np.max(np.abs(b)))


@pytest.mark.parametrize("t", TYPES)
@pytest.mark.parametrize("data, tol, max_iter", [("faithful", 1e-6, 300), ("synthetic", 1e-3, 100),
                                                 ("faithful", 0.0, 7)])
def test_the_estimator_fits_what_scikit_learn_fits_from_the_same_start(request, t, data, tol,
                                                                      max_iter):
    X = request.getfixturevalue(data)
    kw = dict(_start(X, t), tol=tol, max_iter=max_iter, random_state=0)
    if tol == 0.0:  # stopped by max_iter: both say so
        with pytest.warns(UserWarning, match="did not converge"):
            ours = gmm_explorer.GaussianMixture(**kw).fit(X)
        with pytest.warns(UserWarning, match="did not converge"):
            ref = sk_mixture.GaussianMixture(**kw).fit(X)
    else:
        ours = gmm_explorer.GaussianMixture(**kw).fit(X)
        ref = sk_mixture.GaussianMixture(**kw).fit(X)
    for name in ("weights_", "means_", "covariances_", "precisions_",
                 "precisions_cholesky_"):
        _close(getattr(ours, name), getattr(ref, name), 1e-8)
    assert ours.n_iter_ == ref.n_iter_ and ours.converged_ == ref.converged_
    assert ours.lower_bound_ == pytest.approx(ref.lower_bound_, abs=1e-8)
    _close(ours.predict_proba(X), ref.predict_proba(X), 1e-8)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))
    _close(ours.score_samples(X), ref.score_samples(X), 1e-8)
    assert ours.score(X) == pytest.approx(ref.score(X), rel=1e-10)
    assert ours.bic(X) == pytest.approx(ref.bic(X), rel=1e-10)
    assert ours.aic(X) == pytest.approx(ref.aic(X), rel=1e-10)
    # Sampling draws scikit-learn's numbers for the same random_state.
    a, ya = ours.sample(200)
    b, yb = ref.sample(200)
    np.testing.assert_array_equal(ya, yb)
    _close(a, b, 1e-8)


def test_to_sklearn_agrees_with_the_mixture_for_every_model(faithful):
    for model in ("full", "tied", "diag", "spherical", "EEV", "VEI", "EII"):
        m = initialise(faithful, 3, "kmeans", covariance_type=model, seed=1)
        sk = m.to_sklearn()
        assert sk.covariance_type == (model if model in TYPES else "full")
        _close(sk.predict_proba(faithful), E.predict_proba(faithful, m), 1e-12)
        _close(sk.score_samples(faithful), E.score_samples(faithful, m), 1e-12)
        back = E.Mixture.from_sklearn(sk)
        _close(back.covariances, m.covariances, 1e-15)
        _close(back.means, m.means, 0.0)
    # Its sample is the estimator's: the same draws for the same random_state.
    est = gmm_explorer.GaussianMixture(3, random_state=4).fit(faithful)
    sk = est.mixture_.to_sklearn()
    sk.random_state = 4
    a, _ = est.sample(300)
    b, _ = sk.sample(300)
    _close(a, b, 1e-12)


@pytest.mark.parametrize("t", TYPES)
def test_from_sklearn_reads_every_type_and_the_bayesian_mixture(faithful, t):
    g = sk_mixture.GaussianMixture(3, covariance_type=t, random_state=0).fit(faithful)
    m = E.Mixture.from_sklearn(g)
    assert m.covariance_type == t
    _close(E.predict_proba(faithful, m), g.predict_proba(faithful), 1e-10)
    _close(E.score_samples(faithful, m), g.score_samples(faithful), 1e-10)
    b = sk_mixture.BayesianGaussianMixture(n_components=4, covariance_type=t,
                                           random_state=0, max_iter=200).fit(faithful)
    mb = E.Mixture.from_sklearn(b)
    _close(mb.means, b.means_, 0.0)
    _close(mb.weights, b.weights_ / b.weights_.sum(), 1e-15)


def test_bad_uses_say_what_is_wrong(faithful):
    with pytest.raises(ValueError, match="fits 2-D data: X has 3 features"):
        gmm_explorer.GaussianMixture(2).fit(np.random.default_rng(0).normal(size=(50, 3)))
    with pytest.raises(ValueError, match="NaN"):
        gmm_explorer.GaussianMixture(2).fit(np.array([[0.0, np.nan]] * 5))
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        gmm_explorer.GaussianMixture(5).fit(faithful[:3])
    with pytest.raises(ValueError, match="covariance"):
        gmm_explorer.GaussianMixture(2, covariance_type="blobby").fit(faithful)
    with pytest.raises(ValueError, match="means_init"):
        gmm_explorer.GaussianMixture(2, weights_init=[0.5, 0.5]).fit(faithful)
    # Means alone: the covariances of the points nearest each mean start it.
    means = faithful[[0, 1]]
    fitted = gmm_explorer.GaussianMixture(2, means_init=means, tol=1e-6).fit(faithful)
    assert fitted.converged_ and fitted.score(faithful) > -4.2
    unfitted = gmm_explorer.GaussianMixture(2)
    with pytest.raises(AttributeError, match="not fitted"):
        unfitted.predict(faithful)
    with pytest.raises(InputError, match="not a fitted"):
        E.Mixture.from_sklearn(sk_mixture.GaussianMixture(2))
    g3 = sk_mixture.GaussianMixture(2, random_state=0).fit(
        np.random.default_rng(1).normal(size=(40, 3)))
    with pytest.raises(InputError, match="2-D"):
        E.Mixture.from_sklearn(g3)
    noisy = with_noise(initialise(faithful, 2, "kmeans", seed=0), 0.1,
                       noise_density(faithful))
    with pytest.raises(InputError, match="noise"):
        noisy.to_sklearn()


def test_it_is_a_scikit_learn_estimator(faithful):
    from sklearn.base import clone

    est = gmm_explorer.GaussianMixture(3, covariance_type="diag", tol=1e-4, random_state=2)
    assert est.get_params()["covariance_type"] == "diag"
    copy = clone(est)
    assert copy.get_params() == est.get_params() and copy is not est
    assert est.set_params(n_init=2) is est and est.n_init == 2
    with pytest.raises(ValueError, match="Invalid parameter"):
        est.set_params(colour="red")
    assert repr(est) == ("GaussianMixture(n_components=3, covariance_type='diag', "
                         "tol=0.0001, n_init=2, random_state=2)")
    labels = est.fit_predict(faithful)
    np.testing.assert_array_equal(labels, est.predict(faithful))
    # The same seed fits the same mixture; warm_start goes on from the last fit.
    again = clone(est).fit(faithful)
    np.testing.assert_array_equal(again.means_, est.means_)
    warm = gmm_explorer.GaussianMixture(3, warm_start=True, max_iter=2, tol=0.0,
                                        random_state=0)
    with pytest.warns(UserWarning, match="did not converge"):
        first = warm.fit(faithful).means_.copy()
    with pytest.warns(UserWarning, match="did not converge"):
        assert not np.array_equal(warm.fit(faithful).means_, first)
