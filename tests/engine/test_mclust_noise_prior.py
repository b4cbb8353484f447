"""The noise component under mclust's conjugate prior, against R's mclust
(tests/mclust/reference_noise_prior.json, made by ``python tests/mclust/make_reference.py
noise_prior``): ``me(..., prior = priorControl(), Vinv = 1/hypvol)`` from the same z with a
noise column. The engine's own EM loop (EMSettings(prior=True, noise=...)) runs from
mclust's first M-step; after as many iterations the log-likelihood, proportions (the
noise's included), means and covariances agree, and where mclust gives up the engine
raises FitError at the same M-step."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import noise as N
from gmm_explorer.engine.mstep import statistics_from_responsibilities, weighted_sums
from gmm_explorer.engine.priors import default_prior, map_parameters
from gmm_explorer.errors import FitError
from tests.engine.mclust_reference import case, reference

REF = reference("reference_noise_prior")
CASES = sorted(REF["cases"])
CODES = ["EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV"]
RTOL = 1e-6


def _first_m_step(X, z, code):
    """mclust's me() starts with an M-step from z (the noise's column last)."""
    zg = z[:, :-1]
    centres = weighted_sums(X, zg) / zg.sum(axis=0)[:, None]
    stats = statistics_from_responsibilities(X, zg, centres)
    prior = default_prior(X.mean(axis=0), np.cov(X.T, ddof=1), X.shape[0], zg.shape[1], code)
    weights, means, cov = map_parameters(stats, centres, X.shape[0], code, prior, None,
                                         noise=True)
    return E.Mixture(weights, means, cov, code, noise_weight=1.0 - weights.sum(),
                     noise_density=N.noise_density(X))


def _settings(code, m_steps):
    return E.EMSettings(code, tol=0.0, max_iter=m_steps, prior=True,
                        noise=REF["noise_start"])


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("code", CODES)
def test_noise_under_the_prior_matches_mclust(name, code):
    ref = REF["cases"][name]["models"][code]
    if "loglik" not in ref:
        pytest.skip("mclust gave up at its first M-step")  # none in the reference
    X, z = case(name, "znoise")
    start = _first_m_step(X, z, code)
    # me()'s iterations count its M-steps, the first included (the start above).
    run = list(E.iterate(X, start, _settings(code, ref["iterations"] - 1)))
    final = run[-1]
    m = final.mixture
    assert final.log_likelihood == pytest.approx(ref["loglik"][0], rel=RTOL)
    np.testing.assert_allclose(np.append(m.weights, m.noise_weight), ref["pro"], rtol=RTOL)
    np.testing.assert_allclose(m.means, np.reshape(ref["mean"], (-1, 2)), rtol=RTOL)
    np.testing.assert_allclose(m.covariances, np.reshape(ref["sigma"], (-1, 2, 2)),
                               rtol=RTOL, atol=0)
    assert m.noise_density == pytest.approx(1.0 / REF["cases"][name]["hypvol"], rel=1e-12)


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("code", CODES)
def test_fails_where_mclust_gives_up(name, code):
    ref = REF["cases"][name]["models"][code]
    X, z = case(name, "znoise")
    start = _first_m_step(X, z, code)
    failed_at = ref.get("failed_at")
    if failed_at is None:
        list(E.iterate(X, start, _settings(code, ref["iterations"])))  # one more: no failure
        return
    ok = list(E.iterate(X, start, _settings(code, failed_at - 2)))
    assert ok[-1].iteration == failed_at - 2
    with pytest.raises(FitError, match="claims .* points"):
        list(E.iterate(X, start, _settings(code, failed_at - 1)))


def test_the_reference_has_failures_to_reproduce():
    failures = [m for m in REF["cases"]["faithful"]["models"].values() if "failed_at" in m]
    assert len(failures) >= 3 and all("mixing proportion" in m["failure"] for m in failures)


def test_the_settings_allow_noise_under_the_prior_with_em_only():
    E.EMSettings("VVV", prior=True, noise=0.1)
    with pytest.raises(Exception, match="goes with EM"):
        E.EMSettings("VVV", prior=True, noise=0.1, algorithm="cem")
