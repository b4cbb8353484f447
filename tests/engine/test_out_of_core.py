"""Points read from a .npy file a block at a time: the same EM as in memory, their
density picture, and every malformed file refused with a message (no crash)."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import out_of_core as O
from gmm_explorer.drawing import pixel_index
from gmm_explorer.engine import em
from gmm_explorer.engine.blocked import ArrayBlocks, start_from_sample
from gmm_explorer.engine.steps import EMSettings
from gmm_explorer.errors import InputError
from gmm_explorer.io.npy_map import (
    MEMORY_ENV,
    WINDOW_BYTES_PER_POINT,
    needs_out_of_core,
    open_npy_map,
    out_of_core_points,
)


def _data(n=40_000, seed=0, cols=2):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 2, cols))
    b = rng.normal(size=(n - n // 2, cols)) @ np.diag([0.6] * (cols - 1) + [0.3]) + 3.0
    return np.concatenate([a, b])


@pytest.mark.parametrize("covariance", ["full", "VEV", "spherical"])
@pytest.mark.parametrize("block_rows", [7_001, 40_000, 1_000_000])
def test_em_over_the_files_blocks_is_em_in_memory(tmp_path, covariance, block_rows):
    X = _data()
    np.save(tmp_path / "x.npy", X)
    points = out_of_core_points(tmp_path / "x.npy", block_rows=block_rows)
    settings = EMSettings(covariance_type=covariance, tol=1e-8, max_iter=30)
    states = list(O.fit_states(points, 3, settings, seed=5))
    start = start_from_sample(points, 3, "kmeans", settings, 5)
    ref = list(em.iterate(X, start, settings))
    assert len(states) == len(ref) > 3
    for a, b in zip(states, ref, strict=True):
        assert a.iteration == b.iteration
        np.testing.assert_allclose(a.mixture.means, b.mixture.means, rtol=1e-12, atol=0)
        np.testing.assert_allclose(a.mixture.covariances, b.mixture.covariances,
                                   rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(a.mixture.weights, b.mixture.weights, rtol=1e-12)
        assert a.mean_log_likelihood == pytest.approx(b.mean_log_likelihood, rel=1e-12)


def test_other_columns_of_a_wider_file(tmp_path):
    X = _data(cols=4)
    np.save(tmp_path / "x.npy", X)
    points = out_of_core_points(tmp_path / "x.npy", columns=(3, 1), block_rows=5_000)
    assert points.shape == (X.shape[0], 2)
    got = np.concatenate([b for _, b in points.blocks()])
    np.testing.assert_array_equal(got, X[:, [3, 1]])
    # The sample is of those columns, rows in their order.
    s = points.sample(1_000, seed=1)
    assert s.shape == (1_000, 2)
    assert np.isin(s[:, 0], X[:, 3]).all() and np.isin(s[:, 1], X[:, 1]).all()


def test_a_fortran_ordered_float32_file_is_read_as_float64(tmp_path):
    X = np.asfortranarray(_data(5_000).astype(np.float32))
    np.save(tmp_path / "x.npy", X)
    points = out_of_core_points(tmp_path / "x.npy", block_rows=999)
    got = np.concatenate([b for _, b in points.blocks()])
    assert got.dtype == np.float64 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, X.astype(np.float64))


def test_the_density_counts_every_point_where_it_falls(tmp_path):
    X = _data(20_000)
    np.save(tmp_path / "x.npy", X)
    points = out_of_core_points(tmp_path / "x.npy", block_rows=3_000)
    seen = []
    d = O.density(points, (64, 48), report=lambda done, total, text: seen.append(text))
    assert d.counts.shape == (48, 64) and d.counts.sum() == X.shape[0]
    _, whole = pixel_index(X, d.x_range, d.y_range, 64, 48)
    np.testing.assert_array_equal(d.counts.ravel(), whole)
    # The view holds every point, with a margin.
    assert d.x_range[0] < X[:, 0].min() and d.x_range[1] > X[:, 0].max()
    assert d.y_range[0] < X[:, 1].min() and d.y_range[1] > X[:, 1].max()
    assert seen[0] == "Measuring the points: block 1 of 7"
    assert seen[-1] == "Drawing the density: block 7 of 7"


def test_one_repeated_point_still_has_a_view(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((10, 2)))
    d = O.density(out_of_core_points(tmp_path / "x.npy"), (10, 10))
    assert d.x_range[0] < 1 < d.x_range[1] and d.counts.sum() == 10


def test_a_cancelled_reading_stops(tmp_path):
    np.save(tmp_path / "x.npy", _data(10_000))
    points = out_of_core_points(tmp_path / "x.npy", block_rows=1_000)
    with pytest.raises(O.Stopped):
        O.density(points, (10, 10), cancelled=lambda: True)


def test_the_picture_is_ink_where_there_are_points():
    counts = np.array([[0, 1], [10, 1000]])
    img = O.density_rgba(counts, (10, 20, 30))
    assert img.shape == (2, 2, 4)
    assert img[0, 0, 3] == 0
    assert 0 < img[0, 1, 3] < img[1, 0, 3] < img[1, 1, 3] == 255
    assert (img[counts > 0, :3] == (10, 20, 30)).all()


def test_a_point_that_is_not_finite_is_named_by_its_row(tmp_path):
    X = _data(10_000)
    X[7_777, 1] = np.nan
    np.save(tmp_path / "x.npy", X)
    points = out_of_core_points(tmp_path / "x.npy", block_rows=1_000)
    with pytest.raises(InputError, match="point 7777 is not finite"):
        O.density(points, (10, 10))
    with pytest.raises(InputError, match="point 7777 is not finite"):
        list(O.fit_states(points, 2, EMSettings(), seed=0))
    with pytest.raises(InputError, match="point 7777 is not finite"):
        points.sample(9_999, seed=0)  # the sample holds every row but one


def test_huge_finite_points_are_not_taken_for_infinities(tmp_path):
    # Their sum overflows (the quick check), but every one of them is finite.
    X = np.full((1_000, 2), 1e308)
    X[::2] *= -1
    X[1] = [1e308, 1e308]
    np.save(tmp_path / "x.npy", X)
    got = np.concatenate([b for _, b in out_of_core_points(tmp_path / "x.npy").blocks()])
    np.testing.assert_array_equal(got, X)


def test_more_components_than_points_is_an_error(tmp_path):
    np.save(tmp_path / "x.npy", _data(4))
    with pytest.raises(InputError, match="fewer than K=5"):
        list(O.fit_states(out_of_core_points(tmp_path / "x.npy"), 5, EMSettings(), seed=0))


def _write(path, kind):
    if kind == "garbage":
        path.write_bytes(b"\x93NUMPY garbage")
    elif kind == "text":
        path.write_text("1,2\n3,4\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        np.save(path, _data(1_000))
        path.write_bytes(path.read_bytes()[:2_000])
    elif kind == "one-d":
        np.save(path, np.arange(10.0))
    elif kind == "one column":
        np.save(path, np.zeros((10, 1)))
    elif kind == "no rows":
        np.save(path, np.zeros((0, 2)))
    elif kind == "three-d":
        np.save(path, np.zeros((2, 2, 2)))
    elif kind == "complex":
        np.save(path, np.zeros((4, 2), complex))
    elif kind == "strings":
        np.save(path, np.array([["1", "2"], ["3", "4"]]))
    elif kind == "objects":
        np.save(path, np.array([[1, None], [2, 3]], dtype=object), allow_pickle=True)
    elif kind == "booleans":
        np.save(path, np.zeros((4, 2), bool))
    elif kind == "folder":
        path.mkdir()


MALFORMED = ["garbage", "text", "empty", "truncated", "one-d", "one column", "no rows",
             "three-d", "complex", "strings", "objects", "booleans", "folder", "missing"]


@pytest.mark.parametrize("kind", MALFORMED)
def test_a_malformed_file_is_refused_with_a_message(tmp_path, kind):
    path = tmp_path / "bad.npy"
    _write(path, kind)
    with pytest.raises(InputError) as err:
        out_of_core_points(path)
    assert str(path) in str(err.value)
    # Not too large: the ordinary loader then says what is wrong.
    assert needs_out_of_core(path)[0] is False


@pytest.mark.parametrize("columns", [(0, 0), (0, 2), (-1, 1), (0, 1, 1)])
def test_a_bad_choice_of_columns_is_refused(tmp_path, columns):
    np.save(tmp_path / "x.npy", _data(100))
    with pytest.raises(InputError, match="choose two different columns"):
        out_of_core_points(tmp_path / "x.npy", columns=columns)


def test_blocks_need_a_row():
    with pytest.raises(InputError, match="at least one row"):
        ArrayBlocks(np.zeros((3, 2)), block_rows=0)


def test_a_file_is_too_large_when_the_window_would_need_more_than_is_free(tmp_path,
                                                                          monkeypatch):
    np.save(tmp_path / "x.npy", _data(1_000))
    need = 1_000 * WINDOW_BYTES_PER_POINT
    monkeypatch.setenv(MEMORY_ENV, str(need))
    assert needs_out_of_core(tmp_path / "x.npy") == (False, 1_000, need)
    monkeypatch.setenv(MEMORY_ENV, str(need - 1))
    assert needs_out_of_core(tmp_path / "x.npy") == (True, 1_000, need - 1)
    monkeypatch.delenv(MEMORY_ENV)
    too_large, rows, free = needs_out_of_core(tmp_path / "x.npy")
    assert rows == 1_000 and not too_large  # this machine holds 1,000 points
    assert free is None or free > 0


def test_the_memory_map_is_read_only_and_not_loaded(tmp_path):
    np.save(tmp_path / "x.npy", _data(1_000))
    mm = open_npy_map(tmp_path / "x.npy")
    assert isinstance(mm, np.memmap) and not mm.flags.writeable
