"""Qt-free drawing helpers (``drawing``, ``contours``): colours, rasters, contours."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.contours import contour_levels, contour_segments
from gmm_explorer.drawing import NEUTRAL, PALETTE, RasterCache, point_colors, raster


def test_soft_colours_blend_and_hard_colours_pick_the_argmax():
    resp = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.2, 0.8]])
    soft = point_colors(resp, 4, "soft")
    np.testing.assert_array_equal(soft[0], PALETTE[0])
    np.testing.assert_array_equal(soft[1], PALETTE[1])
    expect = np.round((PALETTE[0].astype(float) + PALETTE[1]) / 2).astype(np.uint8)
    assert np.max(np.abs(soft[2].astype(int) - expect)) <= 1
    hard = point_colors(resp, 4, "hard")
    np.testing.assert_array_equal(hard[3], PALETTE[1])
    np.testing.assert_array_equal(point_colors(None, 3), np.broadcast_to(NEUTRAL, (3, 3)))


def test_raster_mean_colour_and_coverage():
    pts = np.array([[0.25, 0.25], [0.25, 0.25], [0.75, 0.75], [5.0, 5.0]])
    cols = np.array([[255, 0, 0], [0, 0, 255], [0, 255, 0], [9, 9, 9]], dtype=np.uint8)
    img = raster(pts, cols, (0, 1), (0, 1), 2, 2)
    np.testing.assert_array_equal(img[0, 0, :3], [128, 0, 128])  # mean of red and blue
    np.testing.assert_array_equal(img[1, 1, :3], [0, 255, 0])    # row 1 = upper half
    assert img[0, 1, 3] == 0 and img[0, 0, 3] == 255 and img[1, 1, 3] >= 110


def test_raster_cache_matches_raster():
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(20000, 2))
    cache = RasterCache()
    for _ in range(2):  # the second call reuses the pixel indices
        cols = rng.integers(0, 256, (20000, 3)).astype(np.uint8)
        np.testing.assert_array_equal(cache.image(pts, cols, (-2, 2), (-1, 3), 64, 48),
                                      raster(pts, cols, (-2, 2), (-1, 3), 64, 48))


def test_contours_of_a_gaussian_are_its_circles():
    m = E.Mixture([1.0], [[1.0, -2.0]], [np.eye(2) * 4.0])
    xs, ys = np.linspace(-9, 11, 161), np.linspace(-12, 8, 141)
    grid = E.log_density_grid(m, xs, ys)
    for level in contour_levels(grid, 4):
        seg = contour_segments(grid, level, xs, ys)
        assert seg.shape[0] > 20 and seg.shape[0] % 2 == 0
        # log N = -log(2 pi 4) - r^2 / 8  =>  r^2 = -8 (level + log(8 pi))
        r = np.sqrt(-8 * (level + np.log(8 * np.pi)))
        d = np.hypot(seg[:, 0] - 1.0, seg[:, 1] + 2.0)
        np.testing.assert_allclose(d, r, rtol=0.01)


def test_contours_handle_saddles_and_empty_levels():
    xs = ys = np.arange(3.0)
    saddle = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)
    seg = contour_segments(saddle, 0.5, xs, ys)
    assert seg.shape[0] == 16  # four cells, each a saddle cut twice
    assert contour_segments(saddle, 5.0, xs, ys).shape == (0, 2)
    assert contour_segments(np.full((3, 3), -np.inf), 0.0, xs, ys).shape == (0, 2)


@pytest.mark.parametrize("mode", ["blend"])
def test_point_colors_rejects_unknown_modes(mode):
    with pytest.raises(ValueError):
        point_colors(np.ones((2, 2)) / 2, 2, mode)


def test_numba_colour_sums_equal_numpy():
    from gmm_explorer.drawing import colour_sums

    rng = np.random.default_rng(3)
    flat = rng.integers(0, 500, 10000)
    inside = rng.permutation(20000)[:10000]
    cols = rng.integers(0, 256, (20000, 3)).astype(np.uint8)
    np.testing.assert_array_equal(colour_sums(flat, inside, cols, 500),
                                  colour_sums(flat, inside, cols, 500, backend="numpy"))
