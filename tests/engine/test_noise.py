"""The uniform noise component against R's mclust (tests/mclust/reference_noise.json, made
by ``python tests/mclust/make_reference.py noise``): from the same z with a noise column,
after 50 EM iterations with Vinv = 1/hypvol, every model's log-likelihood, proportions
(the noise's included), means and covariances agree; and the noise's invariants."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import noise as N
from gmm_explorer.engine.models import MODEL_TYPES, mclust_code
from gmm_explorer.engine.mstep import (
    parameters_from_statistics,
    statistics_from_responsibilities,
    weighted_sums,
)
from gmm_explorer.errors import InputError
from tests.engine.invariants import assert_run_invariants
from tests.engine.mclust_reference import case, reference

REF = reference("reference_noise")
CASES = sorted(REF["cases"])
CODES = [mclust_code(m) for m in MODEL_TYPES]


def _case(name):
    return case(name, "znoise")


def _me_with_noise(X, z, code, iterations):
    """mclust's me(..., Vinv): an M-step from z (the noise's column last), then EM."""
    zg = z[:, :-1]
    centres = weighted_sums(X, zg) / zg.sum(axis=0)[:, None]
    stats = statistics_from_responsibilities(X, zg, centres)
    start = parameters_from_statistics(stats, centres, code, 0.0,
                                       noise=(X.shape[0], N.noise_density(X)))
    settings = E.EMSettings(code, reg_covar=0.0, tol=0.0, max_iter=iterations - 1,
                            noise=float(z[0, -1]))
    return list(E.iterate(X, start, settings))


@pytest.mark.parametrize("case", CASES)
def test_the_noise_density_is_mclusts_hypvol(case):
    X, _ = _case(case)
    assert N.hypervolume(X) == pytest.approx(REF["cases"][case]["hypvol"], rel=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("code", CODES)
def test_em_with_noise_from_the_same_z_matches_mclust(case, code):
    ref = REF["cases"][case]["models"][code]
    X, z = _case(case)
    run = _me_with_noise(X, z, code, REF["iterations"])
    last = run[-1]
    m = last.mixture
    assert last.iteration == REF["iterations"] - 1
    assert last.log_likelihood == pytest.approx(ref["loglik"][0], rel=1e-6)
    np.testing.assert_allclose(np.append(m.weights, m.noise_weight), ref["pro"], rtol=1e-6)
    np.testing.assert_allclose(m.means, np.reshape(ref["mean"], (-1, 2)), rtol=1e-6)
    np.testing.assert_allclose(m.covariances, np.reshape(ref["sigma"], (-1, 2, 2)),
                               rtol=1e-6, atol=1e-6 * np.abs(ref["sigma"]).max())
    # BIC counts the noise's weight, as mclust's (which has the opposite sign).
    assert m.n_parameters() == ref["npar"]
    assert E.bic(X, m) == pytest.approx(-ref["bic"][0], rel=1e-6)
    assert_run_invariants(run, 1e-12)


def outliers(seed=0):
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(0, 1, (300, 2)), rng.normal((5, 3), 0.7, (200, 2)),
                      rng.uniform(-10, 15, (60, 2))])


def test_the_noise_start_takes_the_most_isolated_points():
    X = outliers()
    mask = N.isolated_points(X, 0.1)
    assert mask.sum() == 56
    # Most of them are the scattered points (the last 60), few from the two clusters.
    assert mask[500:].sum() >= 45
    m = E.initialise(X, 2, "kmeans", seed=0, noise=0.1)
    assert m.noise_weight == 0.1 and m.noise_density == pytest.approx(1 / N.hypervolume(X))
    assert np.sum(m.weights) == pytest.approx(0.9)


def test_em_with_noise_finds_the_outliers_and_both_passes_agree():
    X = outliers()
    start = E.initialise(X, 2, "kmeans", seed=0, noise=0.1)
    result = E.fit(X, settings=E.EMSettings(noise=0.1, tol=1e-8, max_iter=500), init=start)
    m = result.mixture
    assert 60 / 560 * 0.7 < m.noise_weight < 60 / 560 * 1.3
    gaussian = [E.e_step(X, m, backend=b, want_resp=True) for b in ("numpy", "numba")]
    np.testing.assert_allclose(gaussian[0].responsibilities, gaussian[1].responsibilities,
                               rtol=1e-12, atol=1e-15)
    assert gaussian[0].log_likelihood == pytest.approx(gaussian[1].log_likelihood, rel=1e-13)
    # The noise's responsibility is the rest of each point: high on the scattered points.
    r0 = 1.0 - gaussian[0].responsibilities.sum(axis=1)
    assert np.mean(r0[500:] > 0.5) > 0.7 and np.mean(r0[:500] > 0.5) < 0.02
    assert E.score_samples(X, m).sum() == pytest.approx(result.log_likelihood, rel=1e-12)


def test_a_run_adds_or_drops_the_noise_as_its_settings_say():
    X = outliers(1)
    plain = E.initialise(X, 2, "kmeans", seed=0)
    first = next(E.iterate(X, plain, E.EMSettings(noise=0.2, max_iter=0)))
    assert first.mixture.noise_weight == 0.2 and first.run_kind[-1] is True
    back = next(E.iterate(X, first.mixture, E.EMSettings(max_iter=0)))
    assert not back.mixture.has_noise and np.sum(back.mixture.weights) == pytest.approx(1.0)


@pytest.mark.parametrize("bad, message", [
    (dict(noise=1.0), r"\[0, 1\)"), (dict(noise=-0.1), r"\[0, 1\)"),
    (dict(noise=float("nan")), r"\[0, 1\)"), (dict(noise=True), r"\[0, 1\)"),
    (dict(noise=0.1, algorithm="cem"), "goes with EM"),
    (dict(noise=0.1, prior=True, algorithm="sem"), "goes with EM"),
])
def test_bad_noise_settings_are_input_errors(bad, message):
    with pytest.raises(InputError, match=message):
        E.EMSettings(**bad)


def test_points_on_a_line_have_no_noise_density():
    X = np.column_stack([np.arange(10.0), 2 * np.arange(10.0)])
    with pytest.raises(InputError, match="span no area"):
        E.initialise(X, 2, "kmeans", noise=0.1)


def test_a_mixture_checks_its_noise_fields():
    cov = np.tile(np.eye(2), (2, 1, 1))
    with pytest.raises(Exception, match="not 1 - the noise weight"):
        E.Mixture([0.5, 0.5], [[0, 0], [1, 1]], cov, noise_weight=0.1, noise_density=1.0)
    with pytest.raises(Exception, match="noise.density"):
        E.Mixture([0.45, 0.45], [[0, 0], [1, 1]], cov, noise_weight=0.1)
    m = E.Mixture([0.45, 0.45], [[0, 0], [1, 1]], cov, noise_weight=0.1, noise_density=0.01)
    assert m.n_parameters() == E.Mixture([0.5, 0.5], [[0, 0], [1, 1]], cov).n_parameters() + 2
