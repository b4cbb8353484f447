"""Hand edits keep a model's structure for all fourteen models: a dragged ellipse's shared
parts (volume, shape, orientation) follow in every component, variable ones stay put."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, mclust_code
from gmm_explorer.engine.mixture import eigen_2x2


def parts(c):
    """(volume, shape, angle) of 2x2 covariances: sqrt(det), the eigenvalue ratio (>= 1)
    and the major axis's angle."""
    lam_max, lam_min, angle = eigen_2x2(c)
    return np.sqrt(lam_max * lam_min), lam_max / lam_min, angle


@pytest.fixture(scope="module")
def fits(faithful):
    return {t: E.fit(faithful, 3, settings=E.EMSettings(t), seed=0).mixture
            for t in MODEL_TYPES}


@pytest.mark.parametrize("model", MODEL_TYPES)
def test_a_dragged_handle_keeps_the_model_and_moves_its_shared_parts(fits, model):
    m = fits[model]
    code = mclust_code(model)
    mu = m.means[1]
    e = E.drag_handle(m, 1, "major", (mu[0] + 0.4, mu[1] + 6.0))
    assert e.covariance_type == model  # the Mixture checked the structure
    vol0, ratio0, angle0 = parts(np.asarray(m.covariances))
    vol1, ratio1, angle1 = parts(np.asarray(e.covariances))
    assert not np.allclose(e.covariances[1], m.covariances[1])
    others = [0, 2]
    if code[0] == "V":
        np.testing.assert_allclose(vol1[others], vol0[others], rtol=1e-9)
    if code[1] == "V" and code[2] != "I":
        np.testing.assert_allclose(ratio1[others], ratio0[others], rtol=1e-9)
    if code == "VVV" or code[2] == "V":
        # Its own orientation: the other components do not turn.
        np.testing.assert_allclose(np.cos(2 * angle1[others]), np.cos(2 * angle0[others]),
                                   atol=1e-9)
    if code[0] == "E":
        np.testing.assert_allclose(vol1, vol1[1], rtol=1e-9)


@pytest.mark.parametrize("model", MODEL_TYPES)
def test_adding_reseeding_removing_and_projecting_keep_the_model(fits, faithful, model):
    m = fits[model]
    a = E.add_component(m, (3.0, 70.0))
    r = E.reseed_component(a, 3, faithful)
    for x in (a, r, E.remove_component(r, 0)):
        assert x.covariance_type == model
    p = E.project_covariance_type(m, model)
    np.testing.assert_allclose(p.covariances, m.covariances, rtol=1e-9,
                               atol=1e-12 * np.abs(m.covariances).max())
    full = fits["full"]
    q = E.project_covariance_type(full, model)  # any covariances onto the model
    assert q.covariance_type == model


@pytest.mark.parametrize("model", ["VEV", "EEI", "tied"])
def test_a_covariance_lock_on_a_shared_model_keeps_every_covariance(fits, faithful, model):
    from gmm_explorer.engine.explain import m_step_terms

    m = fits[model]
    locks = E.Locks.none(3).toggled("covariance", 1)
    new = E.m_step(E.e_step(faithful, m), reg_covar=1e-6, locks=locks)
    np.testing.assert_array_equal(new.covariances, m.covariances)
    terms = m_step_terms(faithful, m, reg_covar=1e-6, locks=locks)
    assert all(terms.locked("covariance", j) for j in range(3))
    np.testing.assert_array_equal(terms.mixture.covariances, new.covariances)
