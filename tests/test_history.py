"""History and branches in the Qt-free session: scrubbing, replay, forks, persistence."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.datasets import generate
from gmm_explorer.io.session_file import dumps_session, loads_session
from gmm_explorer.session import ModelSettings, Session


def _run(points, start, n, settings=E.EMSettings(tol=0.0), first=0, prev=()):
    """n+1 StepResults from ``start`` (iteration ``first``), as the worker makes them
    (``max_iter`` counts from iteration 0 of the run, so it is ``first + n``)."""
    s = E.EMSettings(settings.covariance_type, settings.reg_covar, 0.0, first + n)
    return list(E.iterate(points, start, s, first_iteration=first,
                          previous_mean_log_likelihoods=prev))


@pytest.fixture
def session():
    pts, _ = generate("overlapping", 300, 3, 1)
    s = Session()
    s.load(pts)
    s.set_settings(ModelSettings(k=3))
    start = E.initialise(pts, 3, "kmeans", seed=0)
    steps = _run(pts, start, 8)
    v = s.model_version
    for r in steps:
        assert s.record(r, "M", v)
    return s


def test_scrub_shows_the_exact_parameters_of_iteration_n(session):
    s = session
    expected = [r.mixture for r in s.history]
    for n in (0, 3, 7, 8):
        s.scrub(n)
        assert s.current.iteration == n
        m = s.displayed_mixture
        assert m is expected[n]
        np.testing.assert_array_equal(m.means, expected[n].means)
    s.scrub(100)
    assert s.at_end and s.current.iteration == 8
    s.scrub(-5)
    assert s.current_index == 0


def test_scrub_makes_work_in_flight_stale(session):
    v = session.model_version
    session.scrub(2)
    assert session.model_version > v
    late = _run(session.points, session.latest.mixture, 1, first=8)[1]
    assert not session.record(late, "M", v)
    assert len(session.history) == 9


def test_stepping_from_the_past_unchanged_replays_the_branch(session):
    s = session
    s.scrub(4)
    nxt = _run(s.points, s.current.mixture, 1, first=4,
               prev=s.run_mean_log_likelihoods())[1]
    assert s.record(nxt, "M", s.model_version)
    assert len(s.branches) == 1
    assert s.current_index == 5 and s.current is s.history[5]
    assert len(s.history) == 9


def test_a_change_at_a_past_iteration_starts_a_new_branch_and_keeps_the_old(session):
    s = session
    old = list(s.history)
    s.scrub(3)
    # A different reg_covar changes the next M-step: the result differs from iteration 4.
    settings = E.EMSettings(reg_covar=0.5, tol=0.0)
    nxt = _run(s.points, s.current.mixture, 2, settings, first=3)[1:]
    for r in nxt:
        assert s.record(r, "M", s.model_version)
    assert len(s.branches) == 2
    assert s.active == 1 and s.at_end
    assert [r.iteration for r in s.history] == [0, 1, 2, 3, 4, 5]
    assert s.history[:4] == old[:4]  # shared states
    assert s.history[4] is nxt[0]
    assert s.branches[0].steps == old  # the old branch is kept whole
    assert s.branches[1].name == "branch 2"


def test_a_hand_edit_at_a_past_iteration_forks_and_starts_a_new_run(session):
    from gmm_explorer.engine.edit import move_mean

    s = session
    s.scrub(5)
    moved = move_mean(s.current.mixture, 0, (0.0, 0.0))
    e = E.e_step(s.points, moved)
    r = E.step_result(6, e, (), E.EMSettings())
    assert s.record(r, "E", s.model_version, note="moved the mean of component 1")
    assert len(s.branches) == 2 and s.active == 1
    assert s.branch.notes == {6: "moved the mean of component 1"}
    assert s.run_mean_log_likelihoods() == ()  # a hand-made state starts a new run
    nxt = _run(s.points, moved, 1, first=6)[1]
    s.record(nxt, "M", s.model_version)
    assert s.run_mean_log_likelihoods() == (r.mean_log_likelihood,)


def test_a_hand_made_state_is_shown_in_the_phase_it_was_made_whichever_path(session):
    """Trap 6 of #11: scrubbing back to a hand-made state showed it as after an M-step
    (coloured by the E-step before the edit) while it had been shown with its own
    responsibilities; each state now looks the same however it is reached."""
    from gmm_explorer.engine.edit import move_mean

    s = session
    s.scrub(2)
    moved = move_mean(s.current.mixture, 0, (5.0, 5.0))
    r = E.step_result(3, E.e_step(s.points, moved), (), E.EMSettings())
    assert s.record(r, "E", s.model_version, note="moved the mean of component 1")
    made = s.phase
    for r in _run(s.points, moved, 4, first=3)[1:]:
        assert s.record(r, "M", s.model_version)
    s.scrub(3)
    assert s.phase == made == "E"
    s.scrub(5)
    assert s.phase == "M"
    s.select_branch(0)
    assert s.phase == "M"
    s.select_branch(1)
    assert s.phase == "M"  # its newest state, made by an M-step
    s.scrub(3)
    s.delete_branch(1)  # the active one: the previous branch shows its newest state
    assert s.active == 0 and s.phase == "M"


def test_select_rename_delete_branches(session):
    s = session
    s.scrub(2)
    r = _run(s.points, s.current.mixture, 1, E.EMSettings(reg_covar=1.0), first=2)[1]
    s.record(r, "M", s.model_version)
    assert s.active == 1
    assert s.select_branch(0) and s.active == 0 and len(s.history) == 9
    assert s.rename_branch(1, "  big reg  ") and s.branches[1].name == "big reg"
    assert not s.rename_branch(1, "   ")
    assert s.delete_branch(0)
    assert len(s.branches) == 1 and s.branches[0].name == "big reg" and s.active == 0
    assert not s.delete_branch(0)  # never the last branch


def test_edits_of_the_points_clear_every_branch(session):
    s = session
    s.scrub(2)
    r = _run(s.points, s.current.mixture, 1, E.EMSettings(reg_covar=1.0), first=2)[1]
    s.record(r, "M", s.model_version)
    shown = s.displayed_mixture
    s.add_point(0.0, 0.0)
    assert len(s.branches) == 1 and s.history == [] and s.pending_start is shown


def test_run_settings_do_not_reset_but_k_does(session):
    from dataclasses import replace

    s = session
    assert not s.set_settings(replace(s.settings, reg_covar=1e-3, tol=1e-5, max_iter=7))
    assert len(s.history) == 9
    assert s.set_settings(replace(s.settings, k=2))
    assert s.history == []


def test_branches_round_trip_through_the_session_file(session):
    s = session
    s.scrub(3)
    r = _run(s.points, s.current.mixture, 1, E.EMSettings(reg_covar=1.0), first=3)[1]
    s.record(r, "M", s.model_version, note="by hand")
    s.rename_branch(0, "first try")
    s.scrub(2)
    back = Session.from_record(loads_session(dumps_session(s.to_record())))
    assert [b.name for b in back.branches] == ["first try", "branch 2"]
    assert back.active == 1 and back.current_index == 2
    assert back.branches[1].notes == {4: "by hand"}
    for a, b in zip(s.branches, back.branches):
        assert len(a.steps) == len(b.steps)
        for x, y in zip(a.steps, b.steps):
            np.testing.assert_array_equal(x.mixture.covariances, y.mixture.covariances)
            assert x.log_likelihood == y.log_likelihood


@pytest.mark.parametrize("patch, field", [
    ({"branches": []}, "branches"),
    ({"active": 5}, "active"),
    ({"branches": [{"name": "", "history": None}]}, "branches[0].name"),
    ({"branches": [{"name": "a", "history": []}]}, "branches[0].history"),
    ({"branches": [{"name": "a", "history": None, "notes": {"x": 1}}]}, "branches[0].notes"),
    ({"locks": {"weight": [True], "mean": "no", "covariance": []}}, "locks"),
    ({"units": {"centre": [0, 0], "scale": [1, -1]}}, "units"),
    ({"units": [1, 2]}, "units"),
    ({"units": {"centre": [0, 0]}}, "units"),
])
def test_malformed_branches_are_clear_errors(session, patch, field):
    import json

    from gmm_explorer.errors import InputError

    obj = json.loads(dumps_session(session.to_record()))
    obj.update(patch)
    with pytest.raises(InputError) as info:
        loads_session(json.dumps(obj), "bad.gmmx")
    assert field in str(info.value) and "bad.gmmx" in str(info.value)


def test_a_result_for_another_state_is_dropped(session):
    s = session
    far = _run(s.points, s.latest.mixture, 3, first=8)[-1]  # iteration 11, not 9
    assert not s.record(far, "M", s.model_version)
    assert len(s.history) == 9 and s.current.iteration == 8
