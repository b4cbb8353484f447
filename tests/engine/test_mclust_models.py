"""The fourteen covariance models against R's mclust (tests/mclust/reference.json, made by
tests/mclust/make_reference.py; rerun it with R to refresh). From the same z, after 50 EM
iterations, the log-likelihood and every parameter agree with mclust's."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, canonical, mclust_code
from tests.engine.mclust_reference import case, reference

REF = reference("reference")
CASES = sorted(REF["cases"])
CODES = [mclust_code(m) for m in MODEL_TYPES]


def _case(name):
    return case(name, "z")


def _em_like_mclust(X, z, code, iterations):
    """mclust's me(): an M-step from z, then EM; ``iterations`` M-steps in all."""
    settings = E.EMSettings(code, reg_covar=0.0, tol=0.0, max_iter=iterations - 1)
    start = E.m_step_from_responsibilities(X, z, code, reg_covar=0.0)
    return list(E.iterate(X, start, settings))[-1]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("code", CODES)
def test_em_from_the_same_z_matches_mclust(case, code):
    ref = REF["cases"][case]["models"][code]
    X, z = _case(case)
    last = _em_like_mclust(X, z, code, REF["iterations"])
    m = last.mixture
    assert last.iteration == REF["iterations"] - 1
    assert last.log_likelihood == pytest.approx(ref["loglik"][0], rel=1e-6)
    np.testing.assert_allclose(m.weights, ref["pro"], rtol=1e-6)
    np.testing.assert_allclose(m.means, np.reshape(ref["mean"], (-1, 2)), rtol=1e-6)
    np.testing.assert_allclose(m.covariances, np.reshape(ref["sigma"], (-1, 2, 2)),
                               rtol=1e-6, atol=1e-6 * np.abs(ref["sigma"]).max())


@pytest.mark.parametrize("code", CODES)
def test_parameter_counts_and_bic_follow_mclust(code):
    for case in CASES:
        ref = REF["cases"][case]["models"][code]
        X, z = _case(case)
        m = E.m_step_from_responsibilities(X, z, code, reg_covar=0.0)
        assert m.n_parameters() == ref["npar"]
        # mclust's BIC is 2 log L − p log n (higher is better); ours is its negative.
        assert -E.bic(X, m) == pytest.approx(
            2 * E.score_samples(X, m).sum() - ref["npar"] * np.log(len(X)), rel=1e-12)


@pytest.mark.parametrize("code", CODES)
def test_icl_follows_mclust(code):
    # mclust's icl = its BIC + 2 sum_i log z_i,map(i); ours is the same with our sign.
    for case in CASES:
        ref = REF["cases"][case]["models"][code]
        X, z = _case(case)
        m = _em_like_mclust(X, z, code, REF["iterations"]).mixture
        assert E.icl(X, m) == pytest.approx(-ref["icl"][0], rel=1e-7)
        assert E.icl(X, m) >= E.bic(X, m)


def test_names_and_aliases():
    assert len(MODEL_TYPES) == 14 and len(set(CODES)) == 14
    assert canonical("VVV") == "full" and canonical("eee") == "tied"
    assert canonical("VVI") == "diag" and canonical("VII") == "spherical"
    assert canonical("vev") == "VEV" and canonical("Full") == "full"
    assert E.Mixture([1.0], [[0, 0]], [np.eye(2)], "VVV").covariance_type == "full"


@pytest.mark.parametrize("sample", sorted(REF["selection"]["choices"]))
def test_select_agrees_with_mclust_or_finds_a_better_healthy_model(sample):
    """Over the fourteen models and K = 1..5, select's defaults (mixed restarts, tol 1e-6)
    pick Mclust's (K, model), or a non-degenerate model with a better BIC (our restarts
    can find optima mclust's single hierarchical start misses: penguins' EEE, K=4)."""
    from gmm_explorer.io.loaders import load_points
    from gmm_explorer.io.samples import get_sample
    from gmm_explorer.resources import sample_path

    choice = REF["selection"]["choices"][sample]
    info = get_sample(sample)
    X = load_points(str(sample_path(info.filename)), columns=info.columns).points
    rows = E.sweep(X, range(1, 6), MODEL_TYPES, init="mixed", n_init=10, seed=0,
                   settings=E.EMSettings(tol=1e-6))
    best = E.best_row(rows, "bic")
    assert best.degenerate is None
    theirs = -choice["bic"]  # mclust's BIC is 2 log L - p log n
    if (best.n_components, mclust_code(best.covariance_type)) == (choice["G"],
                                                                   choice["model"]):
        assert best.bic == pytest.approx(theirs, abs=0.05)
    else:
        assert best.bic < theirs
