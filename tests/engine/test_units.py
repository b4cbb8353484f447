"""Standardised units (engine/units.py): the mixture maps exactly between z and the data's
units, checked against scipy's densities and against EM run in the data's own units."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_explorer import engine as E
from gmm_explorer.engine.units import Standardisation, spread_ratio


def _points(seed=0):
    rng = np.random.default_rng(seed)
    a = rng.multivariate_normal([0, 0], [[1, 0.6], [0.6, 1]], 150)
    b = rng.multivariate_normal([3, 2], [[0.5, -0.2], [-0.2, 0.8]], 150)
    return np.concatenate([a, b]) * [0.05, 40.0] + [3.0, 70.0]


def _scipy_log_density(points, m):
    comps = [np.log(w) + multivariate_normal(mu, c).logpdf(points)
             for w, mu, c in zip(m.weights, m.means, m.covariances)]
    return logsumexp(np.stack(comps), axis=0)


def test_spread_ratio():
    assert spread_ratio(_points()) == pytest.approx(
        _points().std(axis=0).max() / _points().std(axis=0).min())
    assert spread_ratio([[1, 2]]) is None
    assert spread_ratio([[1, 2], [1, 3]]) is None  # x does not vary


@pytest.mark.parametrize("kind", E.COVARIANCE_TYPES)
def test_a_z_mixture_in_data_units_is_the_same_density(kind):
    X = _points()
    u = Standardisation.of(X, ("a", "b"))
    Z = u.to_z(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(u.to_data(Z), X, rtol=1e-14)
    m = E.fit(Z, 2, settings=E.EMSettings(kind), init="kmeans", seed=0).mixture
    back = u.mixture_to_data(m)
    assert back.covariance_type == ("diag" if kind == "spherical" else kind)
    np.testing.assert_allclose(_scipy_log_density(X, back),
                               E.score_samples(Z, m) - u.log_scale, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(E.predict(X, back), E.predict(Z, m))


def test_em_in_z_is_em_in_the_data_units_mapped_back():
    # Full covariances are equivariant: the same start, mapped, gives the same fit.
    X = _points(1)
    u = Standardisation.of(X)
    start_z = E.initialise(u.to_z(X), 2, "kmeans", seed=0)
    s = E.EMSettings(tol=0.0, max_iter=30, reg_covar=0.0)
    in_z = list(E.iterate(u.to_z(X), start_z, s))
    in_x = list(E.iterate(X, u.mixture_to_data(start_z), s))
    assert len(in_z) == len(in_x) == 31
    for rz, rx in zip(in_z, in_x):
        mapped = u.step_to_data(rz)
        np.testing.assert_allclose(mapped.mixture.means, rx.mixture.means, rtol=1e-9)
        np.testing.assert_allclose(mapped.mixture.covariances, rx.mixture.covariances,
                                   rtol=1e-7)
        assert mapped.log_likelihood == pytest.approx(rx.log_likelihood, rel=1e-11)
        assert mapped.mean_log_likelihood == pytest.approx(rx.mean_log_likelihood, rel=1e-11)


@pytest.mark.parametrize("bad", [
    None, [], {"centre": [0, 0]}, {"centre": [0, 0], "scale": [1, 0]},
    {"centre": [0, "x"], "scale": [1, 1]}, {"centre": [0, 0, 0], "scale": [1, 1]},
    {"centre": [0, 0], "scale": [1, float("inf")]},
    {"centre": [0, 0], "scale": [1, 1], "names": ["a"]},
    {"centre": [0, 0], "scale": [1, 1], "names": [1, 2]},
])
def test_malformed_standardisations_are_refused(bad):
    with pytest.raises((ValueError, TypeError, KeyError)):
        Standardisation.from_dict(bad)


def test_round_trip_through_a_dict():
    u = Standardisation([1.5, -2.0], [0.1, 30.0], ("p", "q"))
    v = Standardisation.from_dict(u.as_dict())
    np.testing.assert_array_equal(v.centre, u.centre)
    np.testing.assert_array_equal(v.scale, u.scale)
    assert v.names == ("p", "q") and v.z_names == ("p (z)", "q (z)")


def test_column_spreads_are_numpys_std_without_a_copy_of_the_points():
    import tracemalloc

    from gmm_explorer.engine.units import SPREAD_BLOCK_ROWS, column_spreads

    rng = np.random.default_rng(3)
    X = rng.normal([1e6, -3.0], [2.0, 1e-3], size=(5 * SPREAD_BLOCK_ROWS + 17, 2))
    np.testing.assert_allclose(column_spreads(X), X.std(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(column_spreads(np.zeros((0, 2))), [0.0, 0.0])
    np.testing.assert_array_equal(column_spreads(np.ones((1, 2))), [0.0, 0.0])
    tracemalloc.start()
    try:
        column_spreads(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * X.nbytes  # np.std's deviations alone would be X.nbytes
