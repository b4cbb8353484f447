"""The session's rules for a change of algorithm: it applies from the next step, on a new
branch, and starts a new run for the convergence rule."""

from __future__ import annotations

from dataclasses import replace

from gmm_explorer import engine as E
from gmm_explorer.session import ModelSettings, Session


def test_a_change_of_algorithm_branches_and_restarts_the_run(faithful):
    s = Session()
    s.load(faithful)
    start = E.initialise(faithful, 2, "kmeans", seed=0)
    em = list(E.iterate(faithful, start, E.EMSettings(max_iter=3, tol=0.0)))
    for r in em:
        assert s.record(r, "M", s.model_version)
    assert len(s.run_mean_log_likelihoods()) == 3
    assert not s.set_settings(replace(s.settings, algorithm="cem")), "no reset"
    assert s.history == em and s.run_mean_log_likelihoods() == ()
    cem = [h for h in E.half_steps(faithful, em[-1].mixture,
                                   s.settings.em_settings(), first_iteration=3)]
    rescored, first_cem = cem[0].result, cem[2].result
    # The displayed state scored by CEM (an E-step) does not overwrite the EM state.
    assert s.record(rescored, "E", s.model_version)
    assert s.history[-1] is em[-1]
    assert s.record(first_cem, "M", s.model_version)
    assert len(s.branches) == 2 and s.active == 1
    assert s.branches[0].steps == em and s.history == em + [first_cem]
    # The run's objectives are CEM's only: the EM states before it are another quantity.
    assert s.run_mean_log_likelihoods() == ()
    second = cem[4].result
    assert s.record(second, "M", s.model_version)
    assert s.run_mean_log_likelihoods() == (first_cem.mean_objective,)
    assert ModelSettings(algorithm="kmeans").em_settings().covariance_type == "EII"
