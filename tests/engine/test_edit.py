"""Hand edits of components: geometry, covariance-type constraints, validity, reseeding."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmm_explorer import engine as E
from gmm_explorer.engine import edit as ed
from gmm_explorer.engine.mixture import eigen_2x2
from gmm_explorer.errors import InputError
from tests.conftest import blobs


def rotated(sd1, sd2, angle) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    r = np.array([[c, -s], [s, c]])
    return r @ np.diag([sd1 * sd1, sd2 * sd2]) @ r.T


def make(ctype: str, covs, weights=None, means=None) -> E.Mixture:
    covs = np.array(covs, dtype=float)
    k = covs.shape[0]
    if ctype == "tied":
        covs[:] = covs[0]
    elif ctype in ("diag", "spherical"):
        covs[:, 0, 1] = covs[:, 1, 0] = 0.0
        if ctype == "spherical":
            covs[:, 0, 0] = covs[:, 1, 1] = 0.5 * (covs[:, 0, 0] + covs[:, 1, 1])
    w = np.full(k, 1.0 / k) if weights is None else weights
    mu = np.arange(2 * k, dtype=float).reshape(k, 2) * 3 if means is None else means
    covs = 0.5 * (covs + np.swapaxes(covs, 1, 2))
    return E.Mixture(w, mu, covs, ctype)


def three(ctype: str) -> E.Mixture:
    covs = [rotated(2.0, 0.5, 0.3), rotated(1.0, 0.8, -1.0), rotated(0.7, 0.3, 2.0)]
    return make(ctype, covs, [0.2, 0.5, 0.3])


def assert_structure(m: E.Mixture) -> None:
    c = m.covariances
    assert np.all(np.linalg.eigvalsh(c) > 0)
    np.testing.assert_array_equal(c[:, 0, 1], c[:, 1, 0])
    if m.covariance_type in ("diag", "spherical"):
        assert np.all(c[:, 0, 1] == 0.0)
    if m.covariance_type == "spherical":
        np.testing.assert_array_equal(c[:, 0, 0], c[:, 1, 1])
    if m.covariance_type == "tied":
        assert np.all(c == c[0])
    assert abs(m.weights.sum() - 1.0) <= 1e-12


# --------------------------------------------------------------------------- move, handles

@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_move_mean(ctype):
    m = three(ctype)
    new = ed.move_mean(m, 1, (10.0, -2.5))
    np.testing.assert_array_equal(new.means[1], [10.0, -2.5])
    np.testing.assert_array_equal(new.means[[0, 2]], m.means[[0, 2]])
    np.testing.assert_array_equal(new.covariances, m.covariances)
    np.testing.assert_array_equal(new.weights, m.weights)
    assert new.covariance_type == ctype


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@pytest.mark.parametrize("n_std", [1.0, 2.0])
def test_handles_are_on_the_drawn_ellipse(ctype, n_std):
    m = three(ctype)
    for j in range(3):
        h = ed.handle_positions(m, j, n_std)
        assert h.shape == (2, 2)
        # density.ellipse with 4 segments draws t = 0, pi/2, pi, 3pi/2, 2pi.
        outline = E.ellipse(m, j, n_std, n_points=4)
        np.testing.assert_allclose(h, outline[:2], rtol=0, atol=1e-12)
        sd_major, sd_minor, _ = E.ellipse_axes(m)
        np.testing.assert_allclose(np.hypot(*(h - m.means[j]).T),
                                   n_std * np.array([sd_major[j], sd_minor[j]]), rtol=1e-12)


# --------------------------------------------------------------------------- drag_handle

@st.composite
def drags(draw, ctype, which):
    k = draw(st.integers(1, 3))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    sds = draw(st.lists(st.tuples(st.floats(0.05, 5.0), st.floats(1.0, 100.0),
                                  st.floats(-math.pi, math.pi)), min_size=k, max_size=k))
    covs = [rotated(s * r * scale, s * scale, a) for s, r, a in sds]
    means = np.array(draw(st.lists(st.tuples(st.floats(-10, 10), st.floats(-10, 10)),
                                   min_size=k, max_size=k))) * scale
    m = make(ctype, covs, means=means)
    j = draw(st.integers(0, k - 1))
    n_std = draw(st.sampled_from([1.0, 2.0, 0.5]))
    kind = draw(st.sampled_from(["mean", "near", "random", "far", "on_axis", "handle",
                                 "inside", "inside"]))
    mu = m.means[j]
    if kind == "mean":
        xy = mu.copy()
    elif kind == "inside":
        # Within the box spanned by the two handles: the typical drag.
        t, u = draw(st.floats(-1.5, 1.5)), draw(st.floats(-1.5, 1.5))
        h = ed.handle_positions(m, j, n_std) - mu
        xy = mu + t * h[0] + u * h[1]
    elif kind == "on_axis":
        t = draw(st.floats(-3, 3))
        xy = mu + t * (ed.handle_positions(m, j, n_std)[0] - mu)
    elif kind == "handle":
        xy = ed.handle_positions(m, j, n_std)[0 if which == "major" else 1]
    else:
        f = {"near": 1e-9, "random": 1.0, "far": 1e3}[kind]
        off = draw(st.tuples(st.floats(-5, 5), st.floats(-5, 5)))
        xy = mu + np.array(off) * scale * f
    return m, j, which, np.asarray(xy, dtype=float), n_std


@pytest.mark.parametrize("which", ed.HANDLES)
@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@settings(max_examples=50, deadline=None)
@given(draws=st.data())
def test_drag_handle_always_valid_and_geometric(ctype, which, draws):
    m, j, which, xy, n_std = draws.draw(drags(ctype, which))
    new = ed.drag_handle(m, j, which, xy, n_std)
    ctype = m.covariance_type
    assert new.covariance_type == ctype
    np.testing.assert_array_equal(new.means, m.means)
    np.testing.assert_array_equal(new.weights, m.weights)
    assert_structure(new)
    if ctype != "tied":
        others = np.arange(m.n_components) != j
        np.testing.assert_array_equal(new.covariances[others], m.covariances[others])
    v = xy - m.means[j]
    r = float(np.hypot(*v))
    old_max, old_min, old_angle = (x[j] for x in eigen_2x2(np.asarray(m.covariances)))
    new_max, new_min, new_angle = (x[j] for x in eigen_2x2(np.asarray(new.covariances)))
    floor = ed.SD_FLOOR_FRACTION * math.sqrt(eigen_2x2(np.asarray(m.covariances))[0].max())
    if ctype == "spherical":
        np.testing.assert_allclose(new.covariances[j, 0, 0],
                                   max(r / n_std, floor) ** 2, rtol=1e-12)
        return
    if ctype == "diag":
        c_old, c_new = np.diag(m.covariances[j]), np.diag(new.covariances[j])
        axis = 0 if c_old[0] >= c_old[1] else 1
        if which == "major":
            kept, axis = c_old[1 - axis], (0 if abs(v[0]) >= abs(v[1]) else 1)
            want = abs(v[axis]) / n_std
        else:
            kept, axis = c_old[axis], 1 - axis
            want = abs(v[axis]) / n_std
        assert c_new[1 - axis] == kept
        if want > 2 * floor:
            np.testing.assert_allclose(math.sqrt(c_new[axis]), want, rtol=1e-12)
        return
    # full and tied
    cond = new_max / new_min
    rtol = 1e-9 + 1e-13 * cond
    if which == "major" and r / n_std > 1.01 * math.sqrt(old_min) and r / n_std > 2 * floor:
        # The major handle lands on the dragged point (or its mirror image through the mean).
        h = ed.handle_positions(new, j, n_std)[0]
        err = min(np.hypot(*(h - xy)), np.hypot(*(h - (2 * m.means[j] - xy))))
        assert err <= 1e-8 * r
        np.testing.assert_allclose(new_max, (r / n_std) ** 2, rtol=1e-9)
        np.testing.assert_allclose(new_min, old_min, rtol=rtol)
    if which == "minor":
        d = abs(-math.sin(old_angle) * v[0] + math.cos(old_angle) * v[1]) / n_std
        if d < math.sqrt(old_max) / 1.01 and d > 2 * floor:
            np.testing.assert_allclose(new_max, old_max, rtol=1e-9)
            np.testing.assert_allclose(new_min, d * d, rtol=rtol)
            # Same direction (angles are defined modulo pi).
            turn = (new_angle - old_angle + math.pi / 2) % math.pi - math.pi / 2
            assert abs(turn) <= 1e-6


def test_drag_major_handle_exact_cases():
    m = make("full", [rotated(2.0, 0.5, 0.3)], means=np.array([[1.0, 1.0]]))
    new = ed.drag_handle(m, 0, "major", (4.0, 5.0))  # offset (3, 4): length 5
    np.testing.assert_allclose(ed.handle_positions(new, 0)[0], (4.0, 5.0), atol=1e-12)
    sd_major, sd_minor, angle = E.ellipse_axes(new)
    np.testing.assert_allclose([sd_major[0], sd_minor[0]], [5.0, 0.5], rtol=1e-12)
    np.testing.assert_allclose(angle[0], math.degrees(math.atan2(4, 3)), rtol=1e-12)
    # n_std = 2: the handle sits at 2 sd, so the sd is half the distance.
    two = ed.drag_handle(m, 0, "major", (4.0, 5.0), n_std=2.0)
    np.testing.assert_allclose(E.ellipse_axes(two)[0], [2.5], rtol=1e-12)
    np.testing.assert_allclose(ed.handle_positions(two, 0, 2.0)[0], (4.0, 5.0), atol=1e-12)
    # The minor handle sets the distance from the major-axis line.
    minor = ed.drag_handle(new, 0, "minor", (1.0 - 4.0 * 0.2 + 3.0, 1.0 + 3.0 * 0.2 + 4.0))
    np.testing.assert_allclose(E.ellipse_axes(minor)[:2], [[5.0], [1.0]], rtol=1e-12)
    # Onto the mean: the axis collapses to the floor, still positive definite.
    flat = ed.drag_handle(m, 0, "major", (1.0, 1.0))
    assert np.all(np.linalg.eigvalsh(flat.covariances) > 0)
    np.testing.assert_allclose(E.ellipse_axes(flat)[0], [0.5], rtol=1e-12)


def test_minor_larger_than_major_swaps_the_axes():
    m = make("full", [rotated(2.0, 0.5, 0.0)], means=np.zeros((1, 2)))
    new = ed.drag_handle(m, 0, "minor", (0.0, 3.0))
    sd_major, sd_minor, angle = E.ellipse_axes(new)
    np.testing.assert_allclose([sd_major[0], sd_minor[0], angle[0]], [3.0, 2.0, 90.0], atol=1e-12)


def test_diag_drags_stay_axis_aligned():
    m = make("diag", [np.diag([4.0, 1.0])], means=np.zeros((1, 2)))
    # Major handle dragged nearest the y axis: the major axis snaps to y, projected.
    new = ed.drag_handle(m, 0, "major", (1.0, 3.0))
    np.testing.assert_array_equal(new.covariances[0], np.diag([1.0, 9.0]))
    new = ed.drag_handle(m, 0, "major", (3.0, 1.0))
    np.testing.assert_array_equal(new.covariances[0], np.diag([9.0, 1.0]))
    # Minor handle: the variance across the (x) major axis from the distance to it.
    new = ed.drag_handle(m, 0, "minor", (5.0, -0.5))
    np.testing.assert_array_equal(new.covariances[0], np.diag([4.0, 0.25]))


def test_spherical_and_tied_drags():
    s = make("spherical", [np.eye(2), 4 * np.eye(2)])
    for which in ed.HANDLES:
        new = ed.drag_handle(s, 1, which, s.means[1] + (3.0, 4.0))
        np.testing.assert_array_equal(new.covariances[1], 25.0 * np.eye(2))
        np.testing.assert_array_equal(new.covariances[0], np.eye(2))
    t = three("tied")
    new = ed.drag_handle(t, 2, "major", t.means[2] + (0.0, 2.0))
    assert np.all(new.covariances == new.covariances[0])
    np.testing.assert_allclose(E.ellipse_axes(new)[0], 2.0, rtol=1e-12)


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
    calls = [lambda j: ed.move_mean(m, j, (0, 0)), lambda j: ed.handle_positions(m, j),
             lambda j: ed.drag_handle(m, j, "major", (0, 0)), lambda j: ed.remove_component(m, j),
             lambda j: ed.reseed_component(m, j, X)]
    for call in calls:
        with pytest.raises(InputError, match=r"there is no component 4: the mixture has K=3"):
            call(3)
        with pytest.raises(InputError, match="there is no component 0"):
            call(-1)
        with pytest.raises(InputError, match="must be an integer"):
            call(1.0)
    with pytest.raises(InputError, match="unknown handle 'side'"):
        ed.drag_handle(m, 0, "side", (0, 0))
    for n_std in (0, -1.0, float("nan")):
        with pytest.raises(InputError, match="n_std"):
            ed.handle_positions(m, 0, n_std)
    for fraction in (0, 1.5):
        with pytest.raises(InputError, match="fraction"):
            ed.reseed_component(m, 0, X, fraction)
