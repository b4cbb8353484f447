"""The "centre" start: deterministic, at the data's centre along its minor axis, and slow
enough that EM is seen to walk (the first-launch demo)."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import _kernels
from gmm_explorer.engine.init import centre_start
from gmm_explorer.errors import InputError


def test_centre_start_geometry(faithful):
    m = E.initialise(faithful, 3, "centre", seed=123)
    assert m.equals(E.initialise(faithful, 3, "centre", seed=9))  # no randomness
    centre = faithful.mean(axis=0)
    cov = np.cov(faithful.T, bias=True) + 1e-6 * np.eye(2)
    values, vectors = np.linalg.eigh(cov)
    np.testing.assert_allclose(m.means[1], centre)
    np.testing.assert_allclose(m.means[2] - centre, np.sqrt(values[0]) * vectors[:, 0])
    np.testing.assert_allclose(m.means[0] - centre, -np.sqrt(values[0]) * vectors[:, 0])
    np.testing.assert_allclose(m.covariances, np.repeat(cov[None], 3, axis=0))
    np.testing.assert_allclose(m.weights, 1 / 3)
    np.testing.assert_allclose(centre_start(faithful, 1).means, centre[None])


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_centre_start_takes_every_covariance_type(faithful, ctype):
    m = E.initialise(faithful, 2, "centre", covariance_type=ctype)
    assert m.covariance_type == ctype


def test_from_the_centre_em_walks_to_the_kmeans_optimum_in_many_steps(faithful):
    settings = E.EMSettings()
    walk = list(E.iterate(faithful, E.initialise(faithful, 2, "centre"), settings))
    quick = list(E.iterate(faithful, E.initialise(faithful, 2, "kmeans", seed=0), settings))
    assert len(walk) - 1 >= 15 and len(quick) - 1 <= 5
    assert walk[-1].mean_log_likelihood == pytest.approx(quick[-1].mean_log_likelihood,
                                                         abs=1e-4)
    # The components travel: the first mean moves by more than a data standard deviation.
    sd = faithful.std(axis=0)
    moved = np.abs((walk[-1].mixture.means - walk[0].mixture.means) / sd).max()
    assert moved > 1.0


def test_a_start_from_a_selection_puts_component_1_on_it():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(6, 1, (100, 2)),
                   rng.normal((0, 8), 1, (100, 2))])
    chosen = np.arange(200, 300)
    m = E.initialise_from_selection(X, chosen, 3, "full", 1e-6, seed=0)
    np.testing.assert_allclose(m.means[0], X[chosen].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.covariances[0], np.cov(X[chosen].T, bias=True)
                               + 1e-6 * np.eye(2), rtol=1e-10)
    assert m.weights[0] == pytest.approx(1 / 3)
    # The other two are k-means on the rest: one on each of the other clusters.
    others = sorted(m.means[1:, 0])
    assert others[0] == pytest.approx(0, abs=0.5) and others[1] == pytest.approx(6, abs=0.5)


@pytest.mark.parametrize("selected, k, message", [
    ([0], 2, "at least two points"), ([], 2, "at least two points"),
    ([0, 1], 1, "K >= 2"), ([0, 999], 2, "outside"),
    (list(range(9)), 3, "left outside the selection"),
])
def test_bad_selections_are_input_errors(selected, k, message):
    X = np.random.default_rng(1).normal(size=(10, 2))
    with pytest.raises(InputError, match=message):
        E.initialise_from_selection(X, selected, k)


def test_the_hc_start_is_the_m_step_of_mclusts_hc_classes(faithful):
    from gmm_explorer.engine.hierarchical import hc_labels
    from gmm_explorer.engine.init import mixture_from_labels

    m = E.initialise(faithful, 3, "hc", covariance_type="VEV", seed=5)
    ref = mixture_from_labels(faithful, hc_labels(faithful, 3), 3, "VEV", 1e-6)
    assert m.equals(ref)
    assert m.equals(E.initialise(faithful, 3, "hc", covariance_type="VEV", seed=6))


def test_kmeans_on_large_data_seeds_on_a_subsample_then_refines_on_all_points():
    """Above KMEANS_SAMPLE points: k-means++ and scipy's Lloyd on a seeded subsample,
    then KMEANS_FULL_ITER Lloyd iterations on every point, each step scipy's own."""
    import warnings

    from scipy.cluster.vq import kmeans2

    from gmm_explorer.engine import init as I

    rng = np.random.default_rng(7)
    n = I.KMEANS_SAMPLE + 20_001
    X = np.round(rng.normal(size=(n, 2)) * rng.uniform(1, 3, (n, 1))
                 + rng.integers(0, 4, (n, 1)) * 6, 3)
    seeds, centroids, labels = I.run_kmeans(X, 4, np.random.default_rng(11))

    replay = np.random.default_rng(11)
    sample = X[np.sort(replay.choice(n, I.KMEANS_SAMPLE, replace=False))]
    expected_seeds = sample[I.kmeans_plusplus(sample, 4, replay)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code, _ = kmeans2(sample, expected_seeds, iter=I.KMEANS_ITER, minit="matrix",
                          missing="warn", check_finite=False)
        final, final_labels = kmeans2(X, code, iter=I.KMEANS_FULL_ITER, minit="matrix",
                                      missing="warn", check_finite=False)
    np.testing.assert_array_equal(seeds, expected_seeds)
    np.testing.assert_array_equal(centroids, final)
    np.testing.assert_array_equal(labels, final_labels)
    # The window's k-means overlay replays the same k-means.
    details = I.kmeans_details(X, 4, seed=11)
    np.testing.assert_array_equal(details.centroids, final)


def test_kmeans_up_to_the_sample_size_runs_on_every_point():
    import warnings

    from scipy.cluster.vq import kmeans2

    from gmm_explorer.engine import init as I

    X = np.random.default_rng(3).normal(size=(5000, 2))
    seeds, centroids, labels = I.run_kmeans(X, 3, np.random.default_rng(5))
    np.testing.assert_array_equal(
        seeds, X[I.kmeans_plusplus(X, 3, np.random.default_rng(5))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected, _ = kmeans2(X, seeds, iter=I.KMEANS_ITER, minit="matrix", missing="warn",
                              check_finite=False)
    np.testing.assert_array_equal(centroids, expected)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is a runtime dependency")
@pytest.mark.parametrize("weighted", [False, True])
def test_compiled_label_statistics_are_numpys_bit_for_bit(weighted):
    # Large k-means starts take the statistics of their labels from a compiled loop (no
    # N-sized temporaries); it must give the numpy path's numbers exactly.
    from gmm_explorer.engine.init import _label_statistics

    rng = np.random.default_rng(11)
    X = rng.normal(size=(40_000, 2)) * [3.0, 0.5] + 7.0
    labels = rng.integers(0, 6, X.shape[0]).astype(np.int32)
    labels[labels == 4] = 3  # an empty class keeps a zero count
    w = rng.uniform(0.0, 3.0, X.shape[0]) if weighted else None
    stats, centres = _label_statistics(X, labels, 6, w)  # numpy: fewer than KMEANS_SAMPLE
    c_stats, c_centres = _kernels.label_statistics_compiled(X, labels, 6, w)
    np.testing.assert_array_equal(c_stats, stats)
    np.testing.assert_array_equal(c_centres, centres)
    assert stats[4, 0] == 0.0
