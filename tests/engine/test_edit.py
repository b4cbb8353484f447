"""Hand edits of components: geometry, covariance-type constraints, validity, reseeding.

Dragging ellipse handles is tested in test_handles.py."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmm_explorer import engine as E
from gmm_explorer.engine import edit as ed
from gmm_explorer.engine import handles as hd
from gmm_explorer.errors import InputError
from tests.conftest import blobs
from tests.engine.hand_mixtures import assert_structure, make, three

# --------------------------------------------------------------------------- move

@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_move_mean(ctype):
    m = three(ctype)
    new = ed.move_mean(m, 1, (10.0, -2.5))
    np.testing.assert_array_equal(new.means[1], [10.0, -2.5])
    np.testing.assert_array_equal(new.means[[0, 2]], m.means[[0, 2]])
    np.testing.assert_array_equal(new.covariances, m.covariances)
    np.testing.assert_array_equal(new.weights, m.weights)
    assert new.covariance_type == ctype


# --------------------------------------------------------------------------- add / remove

@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_add_component_defaults(ctype):
    m = three(ctype)
    new = ed.add_component(m, (7.0, 8.0))
    assert new.n_components == 4 and new.covariance_type == ctype
    assert_structure(new)
    np.testing.assert_array_equal(new.means[3], [7.0, 8.0])
    np.testing.assert_allclose(new.weights, [0.15, 0.375, 0.225, 0.25], rtol=1e-15)
    expected = m.covariances[0] if ctype == "tied" else (
        m.weights[:, None, None] * m.covariances).sum(axis=0)
    np.testing.assert_allclose(new.covariances[3], expected, rtol=1e-14)
    np.testing.assert_array_equal(new.covariances[:3], m.covariances)


@pytest.mark.parametrize("ctype", ["full", "diag", "spherical"])
def test_add_component_with_covariance_and_weight(ctype):
    m = three(ctype)
    cov = [[2.0, 0.5], [0.5, 1.0]]
    new = ed.add_component(m, (0.0, 0.0), cov, weight=0.1)
    assert_structure(new)
    np.testing.assert_allclose(new.weights, [0.18, 0.45, 0.27, 0.1], rtol=1e-14)
    want = {"full": cov, "diag": np.diag([2.0, 1.0]), "spherical": 1.5 * np.eye(2)}[ctype]
    np.testing.assert_array_equal(new.covariances[3], want)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_add_then_remove_round_trip(ctype):
    m = three(ctype)
    back = ed.remove_component(ed.add_component(m, (1.0, 2.0), weight=0.3), 3)
    np.testing.assert_allclose(back.weights, m.weights, rtol=1e-15)
    np.testing.assert_array_equal(back.means, m.means)
    np.testing.assert_array_equal(back.covariances, m.covariances)
    assert back.covariance_type == ctype


def test_remove_component():
    m = three("full")
    new = ed.remove_component(m, 1)
    np.testing.assert_allclose(new.weights, [0.4, 0.6], rtol=1e-15)
    np.testing.assert_array_equal(new.means, m.means[[0, 2]])
    np.testing.assert_array_equal(new.covariances, m.covariances[[0, 2]])
    with pytest.raises(InputError, match="only component"):
        ed.remove_component(ed.remove_component(new, 0), 0)
    lone = make("full", [np.eye(2), np.eye(2)], weights=[1.0, 0.0])
    np.testing.assert_array_equal(ed.remove_component(lone, 0).weights, [1.0])


def test_add_component_errors():
    m = three("tied")
    with pytest.raises(InputError, match="shares one covariance"):
        ed.add_component(m, (0, 0), np.eye(2))
    assert ed.add_component(m, (0, 0), m.covariances[0]).n_components == 4
    for w in (0.0, 1.0, -0.1, float("nan"), True):
        with pytest.raises(InputError, match="weight must be a number in"):
            ed.add_component(three("full"), (0, 0), weight=w)
    with pytest.raises(InputError, match="2x2 matrix"):
        ed.add_component(three("full"), (0, 0), np.eye(3))
    with pytest.raises(InputError, match="pair of numbers"):
        ed.add_component(three("full"), (0, 0, 0))
    with pytest.raises(InputError, match="finite"):
        ed.add_component(three("full"), (0, float("inf")))


# --------------------------------------------------------------------------- first / default

def test_first_component():
    for X in (np.zeros((0, 2)), [], [[3.0, 4.0]], [[1.0, 1.0]] * 5):
        m = ed.first_component(X, (1.0, 2.0))
        np.testing.assert_array_equal(m.covariances[0], np.eye(2))
    m = ed.first_component([[0.0, 0.0], [2.0, 2.0]], (5.0, 5.0))  # collinear: rank 1
    assert m.n_components == 1 and m.covariance_type == "full"
    np.testing.assert_array_equal(m.weights, [1.0])
    np.testing.assert_array_equal(m.means, [[5.0, 5.0]])
    assert np.all(np.linalg.eigvalsh(m.covariances) > 0)
    X = blobs()
    m = ed.first_component(X, (0.0, 0.0))
    np.testing.assert_allclose(m.covariances[0], np.cov(X.T, bias=True), rtol=1e-2)
    on_a_line = ed.first_component([[0, 0], [1, 1], [2, 2.0]], (0, 0))
    assert np.linalg.cond(on_a_line.covariances[0]) < 1e4


def test_default_covariance_for():
    X = blobs()
    c = ed.default_covariance_for(X, 4)
    np.testing.assert_allclose(c, ed.first_component(X, (0, 0)).covariances[0] / 4, rtol=1e-15)
    assert np.all(np.linalg.eigvalsh(c) > 0)
    np.testing.assert_array_equal(ed.default_covariance_for([], 2), 0.5 * np.eye(2))
    for k in (0, -1, 1.5, True):
        with pytest.raises(InputError, match="integer >= 1"):
            ed.default_covariance_for(X, k)


# --------------------------------------------------------------------------- reseed

def sklearn_scores(X, m: E.Mixture) -> np.ndarray:
    g = GaussianMixture(m.n_components, covariance_type="full")
    g.weights_, g.means_, g.covariances_ = m.weights, m.means, m.covariances
    g.precisions_cholesky_ = _compute_precision_cholesky(np.array(m.covariances), "full")
    return g.score_samples(X)


@pytest.fixture(scope="module")
def data():
    return blobs()


@pytest.fixture(scope="module")
def two_fitted(data):
    return E.fit(data, 2, seed=0).mixture


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_reseed_geometry(data, two_fitted, ctype):
    m = E.project_covariance_type(ed.add_component(two_fitted, (40.0, -40.0), 1e-4 * np.eye(2),
                                                   weight=1e-3), ctype)
    new = ed.reseed_component(m, 2, data, fraction=0.05)
    assert_structure(new)
    assert new.covariance_type == ctype
    # Oracle: scikit-learn's log-density picks the same worst points.
    worst = np.argsort(sklearn_scores(data, m), kind="stable")[:30]
    np.testing.assert_allclose(new.means[2], data[worst].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(new.weights[2], 1 / 3, rtol=1e-15)
    np.testing.assert_allclose(new.weights[:2], (2 / 3) * m.weights[:2] / m.weights[:2].sum(),
                               rtol=1e-14)
    np.testing.assert_array_equal(new.means[:2], m.means[:2])
    if ctype == "tied":
        np.testing.assert_array_equal(new.covariances, m.covariances)
    else:
        np.testing.assert_array_equal(new.covariances[:2], m.covariances[:2])
    if ctype == "full":
        scatter = np.cov(data[worst].T, bias=True)
        np.testing.assert_allclose(new.covariances[2],
                                   scatter + ed.COVARIANCE_REG_FRACTION * np.trace(scatter)
                                   * np.eye(2), rtol=1e-10)


def test_reseed_picks_at_least_two_points_and_handles_no_spread():
    X = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1], [9.0, 9.0], [9.0, 9.0], [0.05, 0.05]])
    m = make("full", [np.eye(2) * 0.01, np.eye(2) * 0.01], means=np.array([[0, 0], [0.1, 0.1]]))
    new = ed.reseed_component(m, 1, X, fraction=0.01)
    np.testing.assert_array_equal(new.means[1], [9.0, 9.0])
    # Two equal points: no spread, so the data covariance / K.
    np.testing.assert_allclose(new.covariances[1], ed.default_covariance_for(X, 2), rtol=1e-15)


# One component of a tied mixture cannot collapse on its own: tied is only "empty".
@pytest.mark.parametrize("ctype,trouble", [(c, t) for c in E.COVARIANCE_TYPES
                                           for t in ("empty", "collapsed")
                                           if (c, t) != ("tied", "collapsed")])
def test_reseed_rescues_a_component(data, two_fitted, ctype, trouble):
    if trouble == "empty":
        # Far from every point: it claims nothing.
        bad = ed.add_component(two_fitted, (40.0, -40.0), 1e-4 * np.eye(2), weight=1e-3)
    else:
        # Shrunk onto a single data point.
        bad = ed.add_component(two_fitted, data[0], 1e-9 * np.eye(2), weight=1.0 / len(data))
    if ctype == "tied":
        bad = E.Mixture(bad.weights, bad.means,
                        np.broadcast_to(two_fitted.covariances[0], (3, 2, 2)), "tied")
    else:
        bad = E.project_covariance_type(bad, ctype)
    s = E.EMSettings(ctype, tol=0.0, max_iter=10)
    without = list(E.iterate(data, bad, s))[-1]
    fixed = ed.reseed_component(bad, 2, data)
    with_fix = list(E.iterate(data, fixed, s))[-1]
    assert without.n_effective[2] < 3.0
    assert with_fix.n_effective[2] > 30.0
    assert with_fix.log_likelihood > without.log_likelihood + 10.0


# --------------------------------------------------------------------------- reg_covar, indices

def test_raise_reg_covar():
    assert ed.raise_reg_covar(0) == 1e-6
    assert ed.raise_reg_covar(0.0) == 1e-6
    assert ed.raise_reg_covar(1e-6) == pytest.approx(1e-5, rel=1e-15)
    assert ed.raise_reg_covar(0.5) == 5.0
    for bad in (-1e-6, float("nan"), float("inf"), "1e-6", None, True):
        with pytest.raises(InputError, match="reg_covar"):
            ed.raise_reg_covar(bad)


def test_component_indices_are_validated():
    m = three("full")
    X = blobs()
    calls = [lambda j: ed.move_mean(m, j, (0, 0)), lambda j: hd.handle_positions(m, j),
             lambda j: hd.drag_handle(m, j, "major", (0, 0)), lambda j: ed.remove_component(m, j),
             lambda j: ed.reseed_component(m, j, X)]
    for call in calls:
        with pytest.raises(InputError, match=r"there is no component 4: the mixture has K=3"):
            call(3)
        with pytest.raises(InputError, match="there is no component 0"):
            call(-1)
        with pytest.raises(InputError, match="must be an integer"):
            call(1.0)
    with pytest.raises(InputError, match="unknown handle 'side'"):
        hd.drag_handle(m, 0, "side", (0, 0))
    for n_std in (0, -1.0, float("nan")):
        with pytest.raises(InputError, match="n_std"):
            hd.handle_positions(m, 0, n_std)
    for fraction in (0, 1.5):
        with pytest.raises(InputError, match="fraction"):
            ed.reseed_component(m, 0, X, fraction)
