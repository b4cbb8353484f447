"""Drag handles: on the drawn ellipse, and every drag gives a valid covariance of the
mixture's type with the geometry the handle promises."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_explorer import engine as E
from gmm_explorer.engine import handles as hd
from gmm_explorer.engine.mixture import eigen_2x2
from tests.engine.hand_mixtures import assert_structure, make, rotated, three


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@pytest.mark.parametrize("n_std", [1.0, 2.0])
def test_handles_are_on_the_drawn_ellipse(ctype, n_std):
    m = three(ctype)
    for j in range(3):
        h = hd.handle_positions(m, j, n_std)
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
        h = hd.handle_positions(m, j, n_std) - mu
        xy = mu + t * h[0] + u * h[1]
    elif kind == "on_axis":
        t = draw(st.floats(-3, 3))
        xy = mu + t * (hd.handle_positions(m, j, n_std)[0] - mu)
    elif kind == "handle":
        xy = hd.handle_positions(m, j, n_std)[0 if which == "major" else 1]
    else:
        f = {"near": 1e-9, "random": 1.0, "far": 1e3}[kind]
        off = draw(st.tuples(st.floats(-5, 5), st.floats(-5, 5)))
        xy = mu + np.array(off) * scale * f
    return m, j, which, np.asarray(xy, dtype=float), n_std


@pytest.mark.parametrize("which", hd.HANDLES)
@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
@settings(max_examples=50, deadline=None)
@given(draws=st.data())
def test_drag_handle_always_valid_and_geometric(ctype, which, draws):
    m, j, which, xy, n_std = draws.draw(drags(ctype, which))
    new = hd.drag_handle(m, j, which, xy, n_std)
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
    floor = hd.SD_FLOOR_FRACTION * math.sqrt(eigen_2x2(np.asarray(m.covariances))[0].max())
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
        h = hd.handle_positions(new, j, n_std)[0]
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
    new = hd.drag_handle(m, 0, "major", (4.0, 5.0))  # offset (3, 4): length 5
    np.testing.assert_allclose(hd.handle_positions(new, 0)[0], (4.0, 5.0), atol=1e-12)
    sd_major, sd_minor, angle = E.ellipse_axes(new)
    np.testing.assert_allclose([sd_major[0], sd_minor[0]], [5.0, 0.5], rtol=1e-12)
    np.testing.assert_allclose(angle[0], math.degrees(math.atan2(4, 3)), rtol=1e-12)
    # n_std = 2: the handle sits at 2 sd, so the sd is half the distance.
    two = hd.drag_handle(m, 0, "major", (4.0, 5.0), n_std=2.0)
    np.testing.assert_allclose(E.ellipse_axes(two)[0], [2.5], rtol=1e-12)
    np.testing.assert_allclose(hd.handle_positions(two, 0, 2.0)[0], (4.0, 5.0), atol=1e-12)
    # The minor handle sets the distance from the major-axis line.
    minor = hd.drag_handle(new, 0, "minor", (1.0 - 4.0 * 0.2 + 3.0, 1.0 + 3.0 * 0.2 + 4.0))
    np.testing.assert_allclose(E.ellipse_axes(minor)[:2], [[5.0], [1.0]], rtol=1e-12)
    # Onto the mean: the axis collapses to the floor, still positive definite.
    flat = hd.drag_handle(m, 0, "major", (1.0, 1.0))
    assert np.all(np.linalg.eigvalsh(flat.covariances) > 0)
    np.testing.assert_allclose(E.ellipse_axes(flat)[0], [0.5], rtol=1e-12)


def test_minor_larger_than_major_swaps_the_axes():
    m = make("full", [rotated(2.0, 0.5, 0.0)], means=np.zeros((1, 2)))
    new = hd.drag_handle(m, 0, "minor", (0.0, 3.0))
    sd_major, sd_minor, angle = E.ellipse_axes(new)
    np.testing.assert_allclose([sd_major[0], sd_minor[0], angle[0]], [3.0, 2.0, 90.0], atol=1e-12)


def test_diag_drags_stay_axis_aligned():
    m = make("diag", [np.diag([4.0, 1.0])], means=np.zeros((1, 2)))
    # Major handle dragged nearest the y axis: the major axis snaps to y, projecthd.
    new = hd.drag_handle(m, 0, "major", (1.0, 3.0))
    np.testing.assert_array_equal(new.covariances[0], np.diag([1.0, 9.0]))
    new = hd.drag_handle(m, 0, "major", (3.0, 1.0))
    np.testing.assert_array_equal(new.covariances[0], np.diag([9.0, 1.0]))
    # Minor handle: the variance across the (x) major axis from the distance to it.
    new = hd.drag_handle(m, 0, "minor", (5.0, -0.5))
    np.testing.assert_array_equal(new.covariances[0], np.diag([4.0, 0.25]))


def test_spherical_and_tied_drags():
    s = make("spherical", [np.eye(2), 4 * np.eye(2)])
    for which in hd.HANDLES:
        new = hd.drag_handle(s, 1, which, s.means[1] + (3.0, 4.0))
        np.testing.assert_array_equal(new.covariances[1], 25.0 * np.eye(2))
        np.testing.assert_array_equal(new.covariances[0], np.eye(2))
    t = three("tied")
    new = hd.drag_handle(t, 2, "major", t.means[2] + (0.0, 2.0))
    assert np.all(new.covariances == new.covariances[0])
    np.testing.assert_allclose(E.ellipse_axes(new)[0], 2.0, rtol=1e-12)
