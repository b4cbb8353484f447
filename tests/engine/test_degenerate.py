"""Degenerate and extreme data: never NaN or inf parameters; a specific error when EM cannot go on."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import FitError, InputError


def assert_finite_valid(result: E.FitResult) -> None:
    for r in result.history:
        m = r.mixture
        assert np.all(np.isfinite(m.weights)) and np.all(np.isfinite(m.means))
        assert np.all(np.isfinite(m.covariances))
        assert np.all(np.linalg.eigvalsh(m.covariances) > 0)
        assert np.isfinite(r.log_likelihood)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@pytest.mark.parametrize("init", E.INIT_METHODS)
def test_all_identical_points(ctype, init):
    X = np.full((40, 2), 3.5)
    result = E.fit(X, 3, settings=E.EMSettings(ctype), init=init, seed=0)
    assert_finite_valid(result)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_collinear_points(ctype):
    t = np.linspace(-5, 5, 200)
    X = np.stack([t, 2 * t + 1], axis=1)
    result = E.fit(X, 2, settings=E.EMSettings(ctype), seed=0)
    assert_finite_valid(result)


@pytest.mark.parametrize("init", E.INIT_METHODS)
def test_k_greater_than_distinct_points(init):
    X = np.repeat([[0.0, 0.0], [1.0, 2.0], [5.0, -1.0]], 10, axis=0)
    result = E.fit(X, 6, init=init, seed=1)
    assert_finite_valid(result)


def test_component_losing_all_its_points(synthetic):
    # Component 3 starts far from every point: it loses all of them.
    start = E.Mixture([0.4, 0.4, 0.2], [[0, 0], [6, 5], [1e4, 1e4]],
                      [np.eye(2), np.eye(2), np.eye(2) * 0.01])
    result = E.fit(synthetic, init=start, settings=E.EMSettings(tol=0.0, max_iter=20))
    assert_finite_valid(result)
    assert result.history[1].mixture.weights[2] < 1e-12
    assert result.history[0].diagnostics[2].status == "empty"
    assert "component 3 is empty" in " ".join(result.history[0].warnings())


@pytest.mark.parametrize("scale", [1e150, 1e-150])
@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_extreme_coordinates_scale_exactly(synthetic, scale, ctype):
    # EM is equivariant under scaling when reg_covar scales with the square of the data.
    base = E.fit(synthetic, 3, settings=E.EMSettings(ctype, reg_covar=1e-6), seed=4)
    X = synthetic * scale
    big = E.fit(X, 3, settings=E.EMSettings(ctype, reg_covar=1e-6 * scale**2), seed=4)
    assert_finite_valid(big)
    assert big.n_iter == base.n_iter
    np.testing.assert_allclose(big.mixture.weights, base.mixture.weights, rtol=1e-9)
    np.testing.assert_allclose(big.mixture.means / scale, base.mixture.means, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(big.mixture.covariances / scale**2, base.mixture.covariances,
                               rtol=1e-9, atol=1e-12)
    # log-likelihood shifts by exactly -N * log(scale**2) (the density's Jacobian).
    shift = -X.shape[0] * 2 * np.log(scale)
    assert big.log_likelihood == pytest.approx(base.log_likelihood + shift, rel=1e-10)


def test_huge_offset_with_default_reg_covar():
    # Coordinates near 1e150 with the default reg_covar: finite, sensible fit.
    rng = np.random.default_rng(0)
    X = 1e150 * (1.0 + rng.normal(size=(300, 2)) * np.array([1e-3, 2e-3]))
    result = E.fit(X, 2, seed=0)
    assert_finite_valid(result)
    assert np.all(np.abs(result.mixture.means / 1e150 - 1) < 1e-2)


def test_zero_reg_covar_on_identical_points_says_what_to_change():
    X = np.full((30, 2), 2.0)
    with pytest.raises(FitError, match="reg_covar"):
        E.fit(X, 1, settings=E.EMSettings(reg_covar=0.0), seed=0)


@pytest.mark.parametrize("backend", [None, "numpy", "numba"])
def test_point_beyond_double_precision_says_rescale(backend):
    if backend == "numba" and not E.HAVE_NUMBA:
        pytest.skip("numba is not available")
    mix = E.Mixture([1.0], [[0.0, 0.0]], [np.eye(2) * 1e-300])
    with pytest.raises(FitError, match="Rescale"):
        E.e_step(np.array([[1e200, 1e200]]), mix, backend=backend)


def test_fewer_points_than_components():
    with pytest.raises(InputError, match="fewer than the K=5"):
        E.fit(np.zeros((3, 2)), 5)


@pytest.mark.parametrize("bad", [np.zeros((0, 2)), np.zeros((5, 3)), np.array([[1, np.nan]]),
                                 np.array([[np.inf, 1.0]]), [["a", "b"]]])
def test_bad_point_arrays_are_input_errors(bad):
    with pytest.raises(InputError):
        E.fit(bad, 1)
