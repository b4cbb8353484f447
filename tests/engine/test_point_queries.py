"""The point inspector and decision regions, against independent oracles: scipy.stats,
scipy.spatial.distance and scikit-learn's GaussianMixture with the same parameters."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.spatial.distance import mahalanobis
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from gmm_explorer import engine as E
from gmm_explorer.engine.density import decision_grid, uncertainty
from gmm_explorer.engine.init import kmeans_details, mixture_from_labels
from gmm_explorer.engine.point_report import point_report, point_reports_along
from gmm_explorer.errors import InputError


@pytest.fixture(scope="module")
def fitted(synthetic):
    return E.fit(synthetic, 3, settings=E.EMSettings(tol=1e-6), seed=0)


def sklearn_with(mix: E.Mixture, X) -> GaussianMixture:
    """A GaussianMixture holding exactly ``mix``'s parameters (fitted once for its attributes)."""
    g = GaussianMixture(mix.n_components, max_iter=1, init_params="random_from_data",
                        random_state=0)
    with warnings.catch_warnings():
        # One iteration only: the parameters are replaced below.
        warnings.simplefilter("ignore", ConvergenceWarning)
        g.fit(X)
    g.weights_, g.means_ = np.array(mix.weights), np.array(mix.means)
    g.covariances_ = np.array(mix.covariances)
    g.precisions_cholesky_ = np.linalg.cholesky(np.linalg.inv(mix.covariances))
    return g


def probe_points(X):
    rng = np.random.default_rng(7)
    lo, hi = X.min(axis=0) - 3, X.max(axis=0) + 3
    return np.concatenate([X[:5], rng.uniform(lo, hi, size=(30, 2))])


def test_point_report_matches_scipy_and_sklearn(synthetic, fitted):
    mix = fitted.mixture
    pts = probe_points(synthetic)
    g = sklearn_with(mix, synthetic)
    resp_sk = g.predict_proba(pts)
    for i, p in enumerate(pts):
        rep = point_report(mix, p)
        np.testing.assert_array_equal(rep.xy, p)
        comp = [multivariate_normal(mix.means[k], mix.covariances[k]).logpdf(p)
                for k in range(3)]
        np.testing.assert_allclose(rep.component_log_density, comp, rtol=1e-11)
        maha = [mahalanobis(p, mix.means[k], np.linalg.inv(mix.covariances[k]))
                for k in range(3)]
        np.testing.assert_allclose(rep.mahalanobis, maha, rtol=1e-10)
        mixture_logpdf = logsumexp(np.log(mix.weights) + np.array(comp))
        assert rep.log_density == pytest.approx(mixture_logpdf, rel=1e-12)
        assert rep.log_density == pytest.approx(g.score_samples(p[None])[0], rel=1e-12)
        np.testing.assert_allclose(rep.responsibilities, resp_sk[i], rtol=1e-9, atol=1e-14)
        assert rep.responsibilities.sum() == pytest.approx(1.0)
        assert not rep.responsibilities.flags.writeable


def test_point_report_far_away_and_bad_input(fitted):
    rep = point_report(fitted.mixture, (1e200, -1e200))
    assert rep.log_density == -np.inf and np.all(np.isnan(rep.responsibilities))
    for bad in [(1.0,), (np.nan, 0.0), "xy", [[1.0, 2.0]]]:
        with pytest.raises(InputError):
            point_report(fitted.mixture, bad)


def test_point_reports_along_a_history(synthetic, fitted):
    history = [s.mixture for s in fitted.history]
    xy = synthetic[3]
    along = point_reports_along(history, xy)
    assert along.shape == (len(history), 3)
    expected = np.array([point_report(m, xy).responsibilities for m in history])
    np.testing.assert_allclose(along, expected, rtol=1e-12, atol=1e-15)
    assert point_reports_along([], xy).shape == (0, 0)
    with pytest.raises(InputError):
        point_reports_along([history[0], E.initialise(synthetic, 2, seed=0)], xy)


def test_point_reports_along_is_cheap(synthetic, fitted):
    import time

    history = [s.mixture for s in fitted.history] * (3000 // len(fitted.history) + 1)
    t = time.perf_counter()
    out = point_reports_along(history[:3000], synthetic[0])
    assert out.shape == (3000, 3)
    assert time.perf_counter() - t < 0.5   # typically a few milliseconds


def test_uncertainty(synthetic, fitted):
    resp = E.predict_proba(synthetic, fitted.mixture)
    u = uncertainty(resp)
    assert u.shape == (synthetic.shape[0],)
    np.testing.assert_allclose(u, 1 - resp.max(axis=1))
    assert np.all((u >= 0) & (u <= 1 - 1 / 3 + 1e-12))
    np.testing.assert_array_equal(uncertainty([[1.0, 0.0], [0.5, 0.5]]), [0.0, 0.5])
    with pytest.raises(InputError):
        uncertainty([0.2, 0.8])


def test_decision_grid_matches_predict(synthetic, fitted):
    mix = fitted.mixture
    xs = np.linspace(synthetic[:, 0].min() - 2, synthetic[:, 0].max() + 2, 57)
    ys = np.linspace(synthetic[:, 1].min() - 2, synthetic[:, 1].max() + 2, 43)
    grid = decision_grid(mix, xs, ys)
    assert grid.shape == (43, 57) and grid.dtype == np.intp
    gx, gy = np.meshgrid(xs, ys)   # row-major: gx[j, i] = xs[i], gy[j, i] = ys[j]
    pts = np.stack([gx.ravel(), gy.ravel()], axis=1)
    np.testing.assert_array_equal(grid, E.predict(pts, mix).reshape(43, 57))
    assert set(np.unique(grid)) == {0, 1, 2}
    g = sklearn_with(mix, synthetic)
    np.testing.assert_array_equal(grid.ravel(), g.predict(pts))


def test_decision_grid_ties_go_to_the_first_component():
    same = E.Mixture([0.5, 0.5], [[0.0, 0.0], [0.0, 0.0]], [np.eye(2), np.eye(2)])
    assert np.all(decision_grid(same, [-1.0, 0.0, 1.0], [0.0, 2.0]) == 0)


@pytest.mark.parametrize("seed", [0, 1, 12345])
@pytest.mark.parametrize("k", [1, 3, 5])
def test_kmeans_details_are_the_kmeans_initialisation(synthetic, k, seed):
    det = kmeans_details(synthetic, k, seed)
    assert det.centroids.shape == (k, 2) and det.seeds.shape == (k, 2)
    assert det.labels.shape == (synthetic.shape[0],)
    for ctype in E.COVARIANCE_TYPES:
        init = E.initialise(synthetic, k, "kmeans", covariance_type=ctype, seed=seed)
        again = mixture_from_labels(synthetic, det.labels, k, ctype, 1e-6)
        assert again.equals(init)
    # Centroids are the means of the final labels (scipy's last update).
    for j in range(k):
        np.testing.assert_allclose(det.centroids[j], synthetic[det.labels == j].mean(axis=0),
                                   rtol=1e-12, atol=1e-12)
    # Seeds are data points; on this data Lloyd's iterations converge, so the labels are
    # the Voronoi regions of the centroids.
    assert all(any(np.array_equal(s, x) for x in synthetic) for s in det.seeds)
    assert det.converged
    d = ((synthetic[:, None, :] - det.centroids[None]) ** 2).sum(axis=2)
    np.testing.assert_array_equal(d.argmin(axis=1), det.labels)


def test_kmeans_details_advance_a_generator_as_initialise_does(synthetic):
    g1, g2 = np.random.default_rng(3), np.random.default_rng(3)
    kmeans_details(synthetic, 3, g1)
    E.initialise(synthetic, 3, "kmeans", seed=g2)
    assert g1.integers(2**62) == g2.integers(2**62)
    with pytest.raises(InputError):
        kmeans_details(synthetic[:2], 3, 0)
