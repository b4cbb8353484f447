"""The likelihood landscape (engine/landscape.py) against the mixture's own log-likelihood
with the two parameters substituted (scipy's densities), label switching's mirror, the
local maxima and a run's path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from gmm_explorer import engine as E
from gmm_explorer.engine import landscape as L
from gmm_explorer.engine.init import initialise
from gmm_explorer.engine.noise import noise_density, with_noise
from gmm_explorer.errors import InputError


def _direct(X, m, first, second, u, v, w=None):
    """ln p with the two coordinates set to (u, v), from scipy's densities."""
    means = np.array(m.means)
    means[first.component, first.axis] = u
    means[second.component, second.axis] = v
    cols = [np.log(m.weights[k]) + multivariate_normal.logpdf(X, means[k], m.covariances[k])
            for k in range(m.n_components)]
    if m.has_noise:
        cols.append(np.full(X.shape[0], np.log(m.noise_weight * m.noise_density)))
    logs = logsumexp(np.column_stack(cols), axis=1)
    return float(logs.sum() if w is None else w @ logs)


@pytest.mark.parametrize("pair", [((0, 0), (1, 0)), ((0, 1), (2, 0)), ((1, 0), (1, 1))])
def test_every_cell_is_the_log_likelihood_with_those_parameters(faithful, pair):
    m = with_noise(initialise(faithful, 3, "kmeans", seed=0), 0.05, noise_density(faithful))
    w = np.random.default_rng(0).uniform(0.5, 2.0, faithful.shape[0])
    first, second = (L.Coordinate(*p) for p in pair)
    va = L.default_values(faithful, first, 7)
    vb = L.default_values(faithful, second, 5)
    scape = L.landscape(faithful, m, first, second, first_values=va, second_values=vb,
                        weights=w)
    assert scape.log_likelihood.shape == (7, 5)
    for i in (0, 3, 6):
        for j in (0, 2, 4):
            assert scape.log_likelihood[i, j] == pytest.approx(
                _direct(faithful, m, first, second, va[i], vb[j], w), rel=1e-11)
    assert scape.sample_size == pytest.approx(w.sum())


def test_cells_far_from_every_point_keep_their_precision(faithful):
    # Both moved means far outside the data: at many points every term is far below the
    # point's largest over the grid, and those cells are summed again term by term.
    m = initialise(faithful, 2, "kmeans", seed=0)
    first, second = L.Coordinate(0, 1), L.Coordinate(1, 1)
    va = np.array([-3000.0, -500.0, 60.0, 900.0])
    vb = np.array([-2000.0, 70.0, 4000.0])
    scape = L.landscape(faithful, m, first, second, first_values=va, second_values=vb)
    for i in range(4):
        for j in range(3):
            assert scape.log_likelihood[i, j] == pytest.approx(
                _direct(faithful, m, first, second, va[i], vb[j]), rel=1e-11)


def test_the_compiled_grid_is_the_numpy_grid(faithful):
    m = initialise(faithful, 3, "kmeans", seed=1)
    first, second = L.Coordinate(0, 0), L.Coordinate(2, 1)
    va, vb = L.default_values(faithful, first, 9), L.default_values(faithful, second, 8)
    scape = L.landscape(faithful, m, first, second, first_values=va, second_values=vb)
    ref = np.zeros((9, 8))
    a = L._moved(faithful, m, 0, 0, va)
    b = L._moved(faithful, m, 2, 1, vb)
    L._pair_cells_numpy(a.T.copy(), b.T.copy(), L._rest(faithful, m, (0, 2)),
                        np.ones(faithful.shape[0]), ref)
    np.testing.assert_allclose(scape.log_likelihood, ref, rtol=1e-12)
    same = L.landscape(faithful, m, L.Coordinate(1, 0), L.Coordinate(1, 1),
                       first_values=va, second_values=vb)
    ref_same = np.zeros((9, 8))
    const = np.log(m.weights[1]) + m.log_det_precision_chol[1] - np.log(2 * np.pi)
    L._same_cells_numpy(faithful[:, 0], faithful[:, 1], np.ones(faithful.shape[0]),
                        L._rest(faithful, m, (1,)), m.precision_chol[1], const,
                        np.repeat(va[:, None], 8, axis=1), np.repeat(vb[None, :], 9, axis=0),
                        ref_same)
    np.testing.assert_allclose(same.log_likelihood, ref_same, rtol=1e-12)


def test_label_switching_mirrors_the_surface_and_both_optima_are_found():
    # Two alike components (equal weights and covariances) on two clusters.
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal((-2, 0), 0.5, (150, 2)), rng.normal((2, 0), 0.5, (150, 2))])
    m = E.Mixture([0.5, 0.5], [[-2, 0], [2, 0]], [0.25 * np.eye(2)] * 2)
    first, second = L.Coordinate(0, 0), L.Coordinate(1, 0)
    v = np.linspace(-4, 4, 41)
    scape = L.landscape(X, m, first, second, first_values=v, second_values=v)
    np.testing.assert_allclose(scape.log_likelihood, scape.log_likelihood.T, rtol=1e-12)
    peaks = L.local_maxima(scape)
    top = sorted(peaks[:2])
    assert top[0] == pytest.approx((-2.0, 2.0), abs=0.2)
    assert top[1] == pytest.approx((2.0, -2.0), abs=0.2)
    assert scape.mirror_of_held == (2.0, -2.0)
    assert scape.best in [p for p in peaks[:2]]


def test_the_path_follows_a_run_and_bad_pairs_are_refused(faithful):
    start = initialise(faithful, 2, "random_from_data", seed=2)
    states = [start] + [r.mixture for r in list(E.iterate(faithful, start,
                                                          E.EMSettings(max_iter=5)))[1:]]
    path = L.parameter_path(states, L.Coordinate(0, 0), L.Coordinate(1, 1))
    assert path.shape == (len(states), 2)
    assert path[0, 0] == start.means[0, 0] and path[-1, 1] == states[-1].means[1, 1]
    with pytest.raises(InputError, match="twice"):
        L.landscape(faithful, start, L.Coordinate(0, 0), L.Coordinate(0, 0))
    with pytest.raises(InputError, match="not a parameter"):
        L.landscape(faithful, start, L.Coordinate(0, 0), L.Coordinate(2, 0))
    assert L.landscape(faithful, start, L.Coordinate(0, 0), L.Coordinate(1, 0),
                       cancelled=lambda: True) is None
    seen = []
    L.landscape(faithful, start, *L.default_pair(2), progress=lambda d, n: seen.append(d))
    assert seen[-1] == len(seen) >= 1
    assert L.default_pair(1) == (L.Coordinate(0, 0), L.Coordinate(0, 1))
    assert [c.label(("eruptions", "waiting")) for c in L.coordinates(2)] == [
        "μ₁ eruptions", "μ₁ waiting", "μ₂ eruptions", "μ₂ waiting"]
