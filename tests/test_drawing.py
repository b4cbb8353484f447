"""Qt-free drawing helpers (``drawing``, ``contours``): colours, rasters, contours."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.contours import contour_levels, contour_segments
from gmm_explorer.drawing import NEUTRAL, PALETTE, RasterCache, pixel_index, point_colors, raster


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
        np.testing.assert_array_equal(
            RasterCache("numpy").image(pts, cols, (-2, 2), (-1, 3), 64, 48),
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


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("n", [20_000, 300_000])  # on the calling thread; shared
def test_numba_mean_colours_equal_numpy(n, threads):
    from gmm_explorer.drawing import mean_colours, pixel_counts
    from gmm_explorer.engine import work_split

    rng = np.random.default_rng(3)
    pts = rng.normal(size=(n, 2)) * 2  # some outside the view
    cols = rng.integers(0, 256, (n, 3)).astype(np.uint8)
    view = ((-2.0, 2.0), (-1.5, 2.5), 25, 20)
    counts = pixel_counts(pts, *view, backend="numpy")
    hit = np.flatnonzero(counts)
    before = work_split.get_num_threads()
    work_split.set_num_threads(threads)
    try:
        means = mean_colours(pts, cols, *view, hit, counts[hit])
    finally:
        work_split.set_num_threads(before)
    np.testing.assert_array_equal(
        means, mean_colours(pts, cols, *view, hit, counts[hit], backend="numpy"))
    # By definition: the mean of the colours in each pixel, rounded half up.
    flat, _ = pixel_index(pts, *view)
    p = hit[len(hit) // 2]
    mean = cols[flat == p].mean(axis=0)
    np.testing.assert_array_equal(means[len(hit) // 2], np.floor(mean + 0.5))


def test_numba_pixel_counts_equal_numpy():
    from gmm_explorer.drawing import pixel_counts

    rng = np.random.default_rng(4)
    pts = rng.normal(size=(30000, 2)) * 2
    # Edges, corners, just outside, and points that are not finite.
    pts[:8] = [[-2, -1], [2, 3], [2, -1], [-2, 3], [np.nan, 0], [0, np.inf],
               [-2 - 1e-12, 0], [1.99, 2.99]]
    view = ((-2.0, 2.0), (-1.0, 3.0), 64, 48)
    flat, counts_np = pixel_index(pts, *view)
    counts = pixel_counts(pts, *view)
    np.testing.assert_array_equal(counts, counts_np)
    assert flat.dtype == np.int32 and counts.sum() == np.count_nonzero(flat >= 0)
    assert list(flat[:8]) == [0, -1, -1, -1, -1, -1, -1, 64 * 48 - 1]
    # An empty view, and no points.
    assert (pixel_index(pts, (1.0, 1.0), (0.0, 1.0), 4, 4)[0] == -1).all()
    assert not pixel_counts(pts, (1.0, 1.0), (0.0, 1.0), 4, 4).any()
    assert pixel_index(np.zeros((0, 2)), (0.0, 1.0), (0.0, 1.0), 4, 4)[0].shape == (0,)
    assert pixel_counts(np.zeros((0, 2)), (0.0, 1.0), (0.0, 1.0), 4, 4).shape == (16,)


def test_wide_sums_give_the_same_means():
    # Beyond 2**32 / 255 points a thread's sums are uint64: the same kernel, same means.
    from gmm_explorer import drawing

    if not drawing._kernels.HAVE_NUMBA:
        pytest.skip("numba is a runtime dependency")
    rng = np.random.default_rng(8)
    pts = rng.uniform(0, 1, (5000, 2))
    cols = rng.integers(0, 256, (5000, 3)).astype(np.uint8)
    counts = drawing.pixel_counts(pts, (0.0, 1.0), (0.0, 1.0), 8, 8)
    hit = np.flatnonzero(counts)
    out = {}
    for dtype in (np.uint32, np.uint64):
        images = np.zeros((1, 64, 3), dtype)
        drawing._colour_sums_worker(np.ascontiguousarray(pts), 0.0, 8.0, 0.0, 8.0, 8, 8,
                                    cols, 5000, 1, np.zeros(1, np.int64),
                                    np.zeros(1, np.int64), images)
        out[dtype] = np.empty((hit.size, 3), np.uint8)
        drawing._means_numba(images, hit, counts[hit], out[dtype])
    np.testing.assert_array_equal(out[np.uint32], out[np.uint64])
    np.testing.assert_array_equal(
        out[np.uint32], drawing.mean_colours(pts, cols, (0.0, 1.0), (0.0, 1.0), 8, 8, hit,
                                             counts[hit], backend="numpy"))


@pytest.mark.parametrize("backend", ["numpy", None])
def test_raster_of_frozen_and_fresh_points_is_the_same(backend):
    rng = np.random.default_rng(5)
    pts = rng.normal(size=(5000, 2))
    frozen = pts.copy()
    frozen.flags.writeable = False
    cols = rng.integers(0, 256, (5000, 3)).astype(np.uint8)
    a = RasterCache(backend).image(pts, cols, (-2, 2), (-2, 2), 40, 30)
    b = RasterCache(backend).image(frozen, cols[::1], (-2, 2), (-2, 2), 40, 30)
    np.testing.assert_array_equal(a, b)
    assert a[..., 3].any()


def test_raster_of_one_broadcast_colour_is_that_colour():
    rng = np.random.default_rng(6)
    pts = rng.normal(size=(3000, 2))
    one = np.broadcast_to(NEUTRAL, (3000, 3))
    img = RasterCache().image(pts, one, (-2, 2), (-2, 2), 30, 20)
    full = RasterCache().image(pts, np.ascontiguousarray(one), (-2, 2), (-2, 2), 30, 20)
    np.testing.assert_array_equal(img, full)
    assert (img[img[..., 3] > 0][:, :3] == NEUTRAL).all()
