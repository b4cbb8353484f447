"""Mixtures made by hand for the edit and handle tests, and the structure they must keep."""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer import engine as E


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
