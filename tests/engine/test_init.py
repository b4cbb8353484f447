"""The "centre" start: deterministic, at the data's centre along its minor axis, and slow
enough that EM is seen to walk (the first-launch demo)."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.init import centre_start


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
