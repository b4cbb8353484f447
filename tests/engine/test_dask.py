"""EM over Dask blocks (engine/dask.py): the in-memory fit's parameters, on threads and on
a two-process LocalCluster, also when a worker dies mid-iteration."""

from __future__ import annotations

import os

import numpy as np
import pytest

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")

from gmm_explorer import engine as E  # noqa: E402
from gmm_explorer.engine import dask as engine_dask  # noqa: E402
from gmm_explorer.errors import InputError  # noqa: E402


@pytest.fixture(scope="module")
def points():
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(size=(60_000, 2)),
                           rng.normal(size=(50_000, 2)) * [0.5, 1.5] + [4.0, 1.0],
                           rng.normal(size=(40_000, 2)) * 0.7 + [-3.0, 4.0]])


@pytest.fixture(scope="module")
def reference(points):
    start = E.initialise(points, 3, "kmeans", seed=1)
    settings = E.EMSettings("full", tol=0.0, max_iter=15)
    return start, settings, E.fit(points, settings=settings, init=start)


def assert_same_fit(a, b, rtol=1e-12):
    for field in ("weights", "means", "covariances"):
        x, y = np.asarray(getattr(a.mixture, field)), np.asarray(getattr(b.mixture, field))
        np.testing.assert_allclose(y, x, rtol=rtol, atol=rtol * np.abs(x).max())
    assert b.n_iter == a.n_iter
    assert b.log_likelihood == pytest.approx(a.log_likelihood, rel=1e-12)


def test_threads_give_the_in_memory_fit(points, reference):
    start, settings, expected = reference
    got = engine_dask.fit(da.from_array(points, chunks=(40_000, 2)), settings=settings,
                          init=start)
    assert_same_fit(expected, got)
    again = engine_dask.fit(da.from_array(points, chunks=(40_000, 2)), settings=settings,
                            init=start, scheduler="synchronous")
    assert again.mixture.equals(got.mixture)  # the same blocks: the same sums, any scheduler


@pytest.mark.parametrize("covariance", ["tied", "diag", "spherical", "VEV", "EEI"])
def test_every_covariance_model_gives_the_in_memory_fit(points, covariance):
    start = E.initialise(points, 3, "kmeans", covariance_type=covariance, seed=2)
    settings = E.EMSettings(covariance, tol=0.0, max_iter=8)
    expected = E.fit(points, settings=settings, init=start)
    got = engine_dask.fit(points, settings=settings, init=start, chunks=33_333)
    assert_same_fit(expected, got, rtol=1e-11)


def test_a_kmeans_start_comes_from_a_seeded_subsample(points):
    a = engine_dask.fit(points, 3, seed=5, chunks=50_000)
    b = engine_dask.fit(points, 3, seed=5, chunks=50_000)
    assert a.mixture.equals(b.mixture) and a.init == "kmeans" and a.seed == 5


def test_what_the_dask_path_does_not_do_is_an_input_error(points):
    with pytest.raises(InputError, match="EM"):
        engine_dask.fit(points, 2, settings=E.EMSettings(algorithm="cem"))
    with pytest.raises(InputError, match="noise"):
        engine_dask.fit(points, 2, settings=E.EMSettings(noise=0.1))
    with pytest.raises(InputError, match=r"shape \(n, 2\)"):
        engine_dask.fit(da.zeros((10, 3)), 2)
    bad = points.copy()
    bad[70_123] = [np.nan, 1.0]
    with pytest.raises(InputError, match="point 70123 is not finite"):
        engine_dask.fit(bad, 2, init=E.initialise(points, 2, "kmeans", seed=0),
                        chunks=20_000)


def _block(path, lo, hi, flag):
    """A block of ``path``, whose first load kills the worker process it runs in."""
    if flag and not os.path.exists(flag):
        with open(flag, "w") as f:
            f.write(str(os.getpid()))
        os._exit(1)
    return np.load(path, mmap_mode="r")[lo:hi].copy()


@pytest.mark.slow
def test_a_local_cluster_of_two_processes_even_losing_a_worker(points, reference, tmp_path):
    distributed = pytest.importorskip("distributed")
    start, settings, expected = reference
    path = tmp_path / "points.npy"
    np.save(path, points)
    flag = tmp_path / "killed"
    rows = 30_000

    def array(kill: bool):
        return da.concatenate([
            da.from_delayed(dask.delayed(_block, pure=False)(
                str(path), lo, min(len(points), lo + rows),
                str(flag) if kill and lo == 2 * rows else ""),
                shape=(min(len(points), lo + rows) - lo, 2), dtype=np.float64)
            for lo in range(0, len(points), rows)])

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        calm = engine_dask.fit(array(False), settings=settings, init=start,
                               scheduler=client)
        assert_same_fit(expected, calm)
        # The third block's first load kills its worker in the middle of the first
        # pass; Dask reruns the lost tasks on a worker that is left (or restarted).
        hit = engine_dask.fit(array(True), settings=settings, init=start,
                              scheduler=client)
    assert flag.exists(), "no worker was killed"
    assert int(flag.read_text()) != os.getpid()
    assert hit.mixture.equals(calm.mixture)
