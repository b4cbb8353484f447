"""mclust's conjugate prior against R's mclust (tests/mclust/reference_prior.json, made by
``python tests/mclust/make_reference.py prior``; rerun it with R to refresh).

From the same z, EM whose M-step is :func:`~gmm_explorer.engine.priors.map_parameters`
follows mclust's ``me(..., prior = priorControl())`` for the ten models that have a prior:
after as many iterations as mclust ran, the log-likelihood and every parameter agree, and
where mclust gives up, the port raises FitError at the same M-step. The default prior agrees
with mclust's ``defaultPrior``.
"""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, canonical, mclust_code
from gmm_explorer.engine.mstep import statistics_from_responsibilities, weighted_sums
from gmm_explorer.engine.priors import (
    PRIOR_MODELS,
    ConjugatePrior,
    check_prior_model,
    default_prior,
    map_parameters,
)
from gmm_explorer.errors import FitError, InputError
from tests.engine.mclust_reference import case, reference

REF = reference("reference_prior")
CASES = sorted(REF["cases"])
CODES = ["EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV"]
WITHOUT_PRIOR = ["VEE", "EVE", "VVE", "EVV"]
RTOL = 1e-6


def _case(name):
    return case(name, "z")


def _prior(X, n_components, code):
    return default_prior(X.mean(axis=0), np.cov(X.T, ddof=1), X.shape[0], n_components, code)


class _State:
    """Where EM with the prior stands: the last mixture, its E-step, and what the next
    M-step needs (statistics about the mixture's means, the covariances to go on from)."""

    def __init__(self, X, z, code):
        self.X, self.code = X, code
        self.prior = _prior(X, z.shape[1], code)
        # me() starts with an M-step from z, its statistics about the z-weighted means.
        self.centres = weighted_sums(X, z) / z.sum(axis=0)[:, None]
        self.stats = statistics_from_responsibilities(X, z, self.centres)
        self.previous = None
        self.mixture = self.e = None

    def m_step(self):
        return map_parameters(self.stats, self.centres, self.X.shape[0], self.code,
                              self.prior, self.previous)

    def iterate(self, m_steps, *, warm=True):
        """``m_steps`` M-steps, each followed by an E-step (whose log-likelihood is the
        one mclust reports after its last M-step)."""
        for _ in range(m_steps):
            weights, means, covariances = self.m_step()
            self.mixture = E.Mixture(weights, means, covariances, self.code)
            self.e = E.e_step(self.X, self.mixture, backend="numpy")
            self.stats, self.centres = self.e.stats, np.asarray(self.mixture.means)
            self.previous = np.asarray(self.mixture.covariances) if warm else None
        return self


def _assert_matches(state, ref, rtol):
    m = state.mixture
    assert state.e.log_likelihood == pytest.approx(ref["loglik"][0], rel=rtol, abs=0)
    np.testing.assert_allclose(m.weights, ref["pro"], rtol=rtol, atol=0)
    np.testing.assert_allclose(m.means, np.reshape(ref["mean"], (-1, 2)), rtol=rtol, atol=0)
    # No absolute slack: the axis-aligned models' zeros are exact on both sides.
    np.testing.assert_allclose(m.covariances, np.reshape(ref["sigma"], (-1, 2, 2)),
                               rtol=rtol, atol=0)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("code", CODES)
def test_map_em_from_the_same_z_matches_mclust(case, code):
    """As many EM iterations as mclust ran (50, or fewer where its log-likelihood stopped
    changing at all: its stopping rule is err > tol = 0)."""
    ref = REF["cases"][case]["models"][code]
    X, z = _case(case)
    state = _State(X, z, code).iterate(ref["iterations"])
    _assert_matches(state, ref, RTOL)
    if "failed_at" not in ref and ref["iterations"] < REF["iterations"]:
        # mclust stopped because it had reached a fixed point: so has the port.
        last = state.e.log_likelihood
        assert state.iterate(1).e.log_likelihood == pytest.approx(last, rel=1e-15)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("code", CODES)
def test_fails_where_mclust_gives_up(case, code):
    """Where mclust's routine returns its failure code (faithful's VEI: a component's mass
    falls below sqrt(eps) at the 32nd M-step), the port raises FitError at the same M-step;
    elsewhere it goes on."""
    ref = REF["cases"][case]["models"][code]
    X, z = _case(case)
    state = _State(X, z, code).iterate(ref.get("failed_at", ref["iterations"] + 1) - 1)
    if "failed_at" in ref:
        with pytest.raises(FitError, match="component 1 claims .* points"):
            state.m_step()
    else:
        state.m_step()


def test_the_reference_has_a_failure_to_reproduce():
    # The reference must keep the case that exercises mclust's failure code.
    ref = REF["cases"]["faithful"]["models"]["VEI"]
    assert ref["failed_at"] == 32 and "mixing proportion" in ref["failure"]


@pytest.mark.parametrize("code", ["VEI", "VEV"])
def test_inner_iterations_go_on_from_the_previous_m_step(code):
    """meveip and mevevp keep their λ_k and A between EM iterations. Restarting them at
    every M-step moves faithful's parameters by ~1e-10 relative (below the main test's
    1e-6), so check at 1e-11; the port agrees with mclust to ~1e-14 here."""
    ref = REF["cases"]["faithful"]["models"][code]
    X, z = _case("faithful")
    _assert_matches(_State(X, z, code).iterate(ref["iterations"]), ref, 1e-11)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("code", CODES)
def test_default_prior_matches_mclust(case, code):
    ref = REF["cases"][case]["models"][code]["prior"]
    X, z = _case(case)
    prior = _prior(X, z.shape[1], code)
    assert isinstance(prior, ConjugatePrior)
    assert prior.shrinkage == pytest.approx(ref["shrinkage"][0], rel=1e-12)
    assert prior.dof == pytest.approx(ref["dof"][0], rel=1e-12)
    np.testing.assert_allclose(prior.mean, ref["mean"], rtol=1e-12, atol=0)
    # One number for the spherical and diagonal models, 2 x 2 (column-major in R,
    # symmetric) for the ellipsoidal ones.
    expected_shape = () if code[2] == "I" else (2, 2)
    assert prior.scale.shape == expected_shape
    np.testing.assert_allclose(prior.scale, np.reshape(ref["scale"], expected_shape),
                               rtol=1e-12, atol=0)
    assert not prior.scale.flags.writeable and not prior.mean.flags.writeable


def test_default_prior_with_two_points_keeps_only_the_variances():
    # defaultPrior: fac * diag(apply(data, 2, var)) when n <= p.
    cov = np.array([[2.0, 1.0], [1.0, 3.0]])
    prior = default_prior([0.0, 0.0], cov, 2, 2, "VVV")
    np.testing.assert_array_equal(prior.scale, np.diag([1.0, 1.5]))
    np.testing.assert_array_equal(default_prior([0.0, 0.0], cov, 3, 2, "VVV").scale, cov / 2)
    assert default_prior([0.0, 0.0], cov, 3, 2, "VVI").scale == pytest.approx(1.25)


def test_a_variance_at_mclusts_floor_raises_and_the_prior_scale_lifts_it():
    """Points all on the prior mean: meeiip, which never adds the prior scale, has σ² = 0
    and gives up ("sigma-squared falls below threshold"); meviip adds Λ_P and goes on."""
    stats = np.array([[5.0, 0.0, 0.0, 0.0, 0.0, 0.0]])
    centres = np.array([[1.0, 2.0]])
    prior = default_prior([1.0, 2.0], np.eye(2), 5, 1, "EII")
    with pytest.raises(FitError, match="EII .* the variance σ² fell to mclust's floor"):
        map_parameters(stats, centres, 5, "EII", prior)
    _, means, cov = map_parameters(stats, centres, 5, "VII", prior)
    # σ² = Λ_P / (ν + p n + 2 + p) = 1 / (4 + 10 + 2 + 2)
    np.testing.assert_allclose(cov, [np.eye(2) / 18], rtol=1e-15)
    np.testing.assert_array_equal(means, centres)


@pytest.mark.parametrize("code", WITHOUT_PRIOR)
def test_models_without_a_prior_are_refused(code):
    X, z = _case("synthetic")
    for name in (code, code.lower(), canonical(code)):
        with pytest.raises(InputError, match=f"no conjugate prior for {code}"):
            check_prior_model(name)
    with pytest.raises(InputError, match=f"no conjugate prior for {code}"):
        default_prior(X.mean(axis=0), np.cov(X.T), len(X), 3, code)
    prior = _prior(X, 3, "VVV")
    stats = statistics_from_responsibilities(X, z, np.zeros((3, 2)))
    with pytest.raises(InputError, match=f"no conjugate prior for {code}"):
        map_parameters(stats, np.zeros((3, 2)), len(X), code, prior)


def test_the_ten_models_are_accepted_by_code_and_by_name():
    assert len(PRIOR_MODELS) == 10
    assert set(PRIOR_MODELS) == {canonical(c) for c in CODES}
    assert set(PRIOR_MODELS) == set(MODEL_TYPES) - {canonical(c) for c in WITHOUT_PRIOR}
    for name in PRIOR_MODELS:
        for alias in (name, mclust_code(name), mclust_code(name).lower()):
            check_prior_model(alias)
    for sklearn_name in ("spherical", "diag", "tied", "full"):
        assert sklearn_name in PRIOR_MODELS
    with pytest.raises(InputError, match="unknown covariance model"):
        check_prior_model("XYZ")


def test_a_scale_of_the_wrong_shape_for_the_model_is_refused():
    X, z = _case("synthetic")
    centres = weighted_sums(X, z) / z.sum(axis=0)[:, None]
    stats = statistics_from_responsibilities(X, z, centres)
    with pytest.raises(InputError, match=r"needs a scale of shape \(2, 2\)"):
        map_parameters(stats, centres, len(X), "VVV", _prior(X, 3, "VVI"))
    with pytest.raises(InputError, match=r"needs a scale of shape \(\)"):
        map_parameters(stats, centres, len(X), "VEI", _prior(X, 3, "VEV"))


@pytest.mark.parametrize("case, code", [
    (case, code) for case in CASES for code in ("EII", "VEI", "EEV", "VVV")
    if "failed_at" not in REF["cases"][case]["models"][code]])  # where mclust went on
def test_the_engines_own_loop_with_the_prior_matches_mclust(case, code):
    """EMSettings(prior=True) runs the same MAP EM through the one loop (half_steps): its
    prior is computed from the data's moments in the start's pass."""
    ref = REF["cases"][case]["models"][code]
    X, z = _case(case)
    start = _State(X, z, code).iterate(1).mixture  # me()'s first M-step, from z
    settings = E.EMSettings(code, reg_covar=0.0, tol=0.0, max_iter=ref["iterations"] - 1,
                            prior=True)
    last = list(E.iterate(X, start, settings))[-1]
    assert last.prior and last.iteration == ref["iterations"] - 1
    assert last.log_likelihood == pytest.approx(ref["loglik"][0], rel=RTOL)
    np.testing.assert_allclose(last.mixture.covariances, np.reshape(ref["sigma"], (-1, 2, 2)),
                               rtol=RTOL, atol=0)


def test_a_sweep_under_the_prior_marks_models_without_one_as_mclust_does():
    from gmm_explorer.engine.selection import sweep

    X, _ = _case("synthetic")
    rows = sweep(X, [2], ["VEE", "VVV"], settings=E.EMSettings(prior=True), n_init=1, seed=0)
    by_type = {r.covariance_type: r for r in rows}
    assert by_type["VEE"].result is None and "no conjugate prior" in by_type["VEE"].error
    assert by_type["full"].result.final.prior
