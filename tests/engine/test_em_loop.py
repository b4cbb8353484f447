"""The one EM loop: half-steps, the stop rule, resuming, and iterate as its filter."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.locks import Locks
from gmm_explorer.errors import InputError

#: Converges well before max_iter on the synthetic blobs from k-means.
CONVERGING = E.EMSettings(tol=1e-3, max_iter=100)
#: Never converges (tol 0): max_iter cuts the run.
CUT = E.EMSettings(tol=0.0, max_iter=12)


@pytest.fixture(scope="module")
def start(synthetic) -> E.Mixture:
    # Random responsibilities start far from the optimum: many iterations to converge.
    return E.initialise(synthetic, 3, "random", seed=4)


def run(X, start, settings, **kw) -> list[E.HalfStep]:
    return list(E.half_steps(X, start, settings, **kw))


def same_state(a: E.StepResult, b: E.StepResult) -> bool:
    """Bit-for-bit the same state and the same verdicts."""
    return (a.iteration == b.iteration and a.mixture.equals(b.mixture)
            and a.log_likelihood == b.log_likelihood and a.change == b.change
            and a.converged == b.converged and a.ll_decreased == b.ll_decreased)


def states(units) -> list[E.StepResult]:
    return [u.result for u in units if u.phase == "M"]


@pytest.mark.parametrize("settings", [CONVERGING, CUT], ids=["converging", "cut"])
def test_phases_alternate_and_an_e_shares_its_m(synthetic, start, settings):
    units = run(synthetic, start, settings)
    assert [u.phase for u in units] == ["M", "E"] * (len(units) // 2)
    for m, e in zip(units[::2], units[1::2]):
        assert e.result is m.result and e.estep is m.estep
        assert m.estep.mixture is m.result.mixture
        assert m.estep.log_likelihood == m.result.log_likelihood
    assert [r.iteration for r in states(units)] == list(range(len(units) // 2))
    # With stop, the run ends on the "E" of its final state, which the rule finishes.
    assert units[-1].phase == "E" and E.run_finished(units[-1].result, settings)
    assert not any(E.run_finished(r, settings) for r in states(units)[:-1])


def test_the_stop_rule():
    s = E.EMSettings(max_iter=5)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5]])
    r = next(E.iterate(X, E.Mixture([1.0], [[1.0, 0.5]], [np.eye(2)])))
    for iteration, converged, finished in [(0, False, False), (4, False, False),
                                           (5, False, True), (9, False, True),
                                           (2, True, True)]:
        res = E.StepResult(iteration, r.mixture, r.log_likelihood, r.mean_log_likelihood,
                           r.n_samples, None, converged, False, r.n_effective)
        assert E.run_finished(res, s) is finished


@pytest.mark.parametrize("settings", [CONVERGING, CUT, E.EMSettings("diag", tol=1e-4),
                                      E.EMSettings(max_iter=0)],
                         ids=["converging", "cut", "projected", "max_iter_0"])
def test_iterate_is_the_m_half_steps(synthetic, start, settings):
    via_iterate = list(E.iterate(synthetic, start, settings))
    via_units = states(run(synthetic, start, settings))
    assert len(via_iterate) == len(via_units) >= 1
    assert all(same_state(a, b) for a, b in zip(via_iterate, via_units))
    assert via_iterate[-1].iteration <= settings.max_iter


def test_the_converging_run_converges_before_max_iter(synthetic, start):
    full = list(E.iterate(synthetic, start, CONVERGING))
    assert full[-1].converged and 5 < full[-1].iteration < CONVERGING.max_iter
    cut = list(E.iterate(synthetic, start, CUT))
    assert not cut[-1].converged and cut[-1].iteration == CUT.max_iter


@pytest.mark.parametrize("settings", [CONVERGING, CUT], ids=["converging", "cut"])
def test_a_resumed_run_stops_where_the_uninterrupted_one_does(synthetic, start, settings):
    full = list(E.iterate(synthetic, start, settings))
    last = full[-1].iteration
    for t in (1, 2, last // 2, last - 1, last):
        prev = tuple(r.mean_log_likelihood for r in full[:t])
        resumed = list(E.iterate(synthetic, full[t].mixture, settings, first_iteration=t,
                                 previous_mean_log_likelihoods=prev))
        assert len(resumed) == len(full) - t, t
        assert all(same_state(a, b) for a, b in zip(resumed, full[t:])), t
        units = run(synthetic, full[t].mixture, settings, first_iteration=t,
                    previous_mean_log_likelihoods=prev)
        assert [(u.phase, u.result.iteration) for u in units] == \
            [(p, r.iteration) for r in full[t:] for p in "ME"]


def test_a_run_resumed_at_max_iter_yields_only_its_start(synthetic, start):
    full = list(E.iterate(synthetic, start, CUT))
    units = run(synthetic, full[-1].mixture, CUT, first_iteration=CUT.max_iter)
    assert [u.phase for u in units] == ["M", "E"]
    assert units[0].result.iteration == CUT.max_iter
    assert units[0].result.mixture.equals(full[-1].mixture)


def test_without_stop_the_loop_goes_past_convergence_and_max_iter(synthetic, start):
    full = list(E.iterate(synthetic, start, CONVERGING))
    stopped_at = full[-1].iteration
    settings = E.EMSettings(tol=1e-3, max_iter=stopped_at + 2)
    units = E.half_steps(synthetic, start, settings, stop=False)
    more = [u.result for u in (next(units) for _ in range(2 * (stopped_at + 6))) if u.phase == "M"]
    assert [r.iteration for r in more] == list(range(stopped_at + 6))
    assert all(same_state(a, b) for a, b in zip(more, full))
    assert all(r.converged for r in more[stopped_at:])
    assert more[-1].iteration > settings.max_iter


def test_a_given_start_estep_is_reused(synthetic, start):
    e0 = E.e_step(synthetic, start, want_resp=True)
    with_e0 = run(synthetic, start, CUT, start_estep=e0, want_resp=True)
    without = run(synthetic, start, CUT, want_resp=True)
    assert with_e0[0].estep is e0 and with_e0[1].estep is e0
    assert with_e0[0].result.log_likelihood == without[0].result.log_likelihood
    assert all(same_state(a, b) for a, b in zip(states(with_e0), states(without)))
    assert len(with_e0) == len(without)


def test_a_start_estep_is_ignored_when_it_does_not_fit(synthetic, start):
    full_pass = E.e_step(synthetic, start)
    # The start is projected onto the run's diag type: its pass is of another mixture.
    diag = run(synthetic, start, E.EMSettings("diag", max_iter=3), start_estep=full_pass)
    first = diag[0]
    assert first.estep is not full_pass
    assert first.result.mixture.covariance_type == "diag"
    projected = E.project_covariance_type(start, "diag")
    assert first.result.log_likelihood == E.e_step(synthetic, projected).log_likelihood
    assert first.result.log_likelihood != full_pass.log_likelihood
    # Responsibilities asked for but missing from the given pass: a new pass has them.
    units = run(synthetic, start, CUT, start_estep=full_pass, want_resp=True)
    assert units[0].estep is not full_pass and units[0].estep.responsibilities is not None
    # A pass of another mixture (equal parameters are not enough: it must be that object).
    copy = E.Mixture(start.weights, start.means, start.covariances, start.covariance_type)
    assert run(synthetic, copy, CUT, start_estep=full_pass)[0].estep is not full_pass


def test_responsibilities_on_request(synthetic, start):
    units = run(synthetic, start, E.EMSettings(max_iter=4), want_resp=True)
    for u in units:
        resp = u.estep.responsibilities
        assert resp.shape == (synthetic.shape[0], 3) and not resp.flags.writeable
        np.testing.assert_allclose(resp, E.predict_proba(synthetic, u.result.mixture),
                                   rtol=1e-12, atol=1e-300)
    assert len({id(u.estep.responsibilities) for u in units}) == len(units) // 2
    assert all(u.estep.responsibilities is None
               for u in run(synthetic, start, E.EMSettings(max_iter=2)))


def test_locks_are_honoured(synthetic, start):
    locks = Locks.none(3).toggled("weight", 0).toggled("mean", 1).toggled("covariance", 2)
    units = run(synthetic, start, CUT, locks=locks)
    results = states(units)
    assert len(results) == CUT.max_iter + 1
    for r in results:
        assert r.mixture.weights[0] == start.weights[0]
        np.testing.assert_array_equal(r.mixture.means[1], start.means[1])
        np.testing.assert_array_equal(r.mixture.covariances[2], start.covariances[2])
    assert not results[-1].mixture.equals(start)
    lls = [r.log_likelihood for r in results]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(lls, lls[1:]))
    via_iterate = list(E.iterate(synthetic, start, CUT, locks=locks))
    assert all(same_state(a, b) for a, b in zip(via_iterate, results))
    with pytest.raises(InputError, match="locks describe 2"):
        next(E.half_steps(synthetic, start, locks=Locks.none(2)))


def test_nothing_runs_before_the_first_next(start):
    units = E.half_steps([[0.0, float("nan")]], start)
    with pytest.raises(InputError, match="not finite"):
        next(units)


@pytest.mark.skipif(not E.HAVE_NUMBA, reason="numba is a runtime dependency")
def test_numba_and_numpy_backends_agree(synthetic, start):
    a = run(synthetic, start, CONVERGING, backend="numba", want_resp=True)
    b = run(synthetic, start, CONVERGING, backend="numpy", want_resp=True)
    assert [(u.phase, u.result.iteration, u.result.converged) for u in a] == \
        [(u.phase, u.result.iteration, u.result.converged) for u in b]
    for u, v in zip(a, b):
        assert u.result.log_likelihood == pytest.approx(v.result.log_likelihood, rel=1e-12)
        np.testing.assert_allclose(u.result.mixture.means, v.result.mixture.means, rtol=1e-10)
        np.testing.assert_allclose(u.result.mixture.covariances, v.result.mixture.covariances,
                                   rtol=1e-9)
        np.testing.assert_allclose(u.estep.responsibilities, v.estep.responsibilities,
                                   rtol=1e-10, atol=1e-300)
