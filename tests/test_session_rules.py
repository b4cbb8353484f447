"""The session owns every rule about its state (no Qt): versions, hand edits, locks,
starts from parameters, restoring a whole session, and the events views listen to."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.errors import InputError
from gmm_explorer.session import ModelSettings, Session


def fitted_session(n=60, k=2, steps=3) -> Session:
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(0, 1, (n // 2, 2)), rng.normal(5, 1, (n - n // 2, 2))])
    s = Session(settings=ModelSettings(k=k))
    s.load(X)
    start = E.initialise(X, k, "kmeans", seed=0)
    run = list(E.iterate(X, start, s.settings.em_settings()))[:steps + 1]
    s.apply_result((run[0],), "M", s.model_version)
    s.apply_result(tuple(run[1:]), "M", s.model_version)
    return s


def test_events_tell_views_what_changed():
    s = Session()
    seen = []
    s.events.subscribe(seen.append)
    s.add_point(1, 2)
    s.set_settings(ModelSettings(k=1))
    s.mark_saved()
    assert seen == ["points", "model", "saved"]
    with pytest.raises(ValueError):
        s.events.emit("nonsense")


def test_a_subscribed_view_is_not_kept_alive_by_the_session():
    import gc
    import weakref

    class View:
        def __init__(self):
            self.seen = []

        def on_event(self, topic):
            self.seen.append(topic)

    s = Session()
    view = View()
    s.events.subscribe(view.on_event)
    s.add_point(0, 0)
    assert view.seen == ["points"]
    ref = weakref.ref(view)
    gc.disable()
    try:
        del view
        assert ref() is None  # freed by reference counting: no cycle through the session
    finally:
        gc.enable()
    s.add_point(1, 1)  # a gone subscriber is skipped


def test_apply_result_drops_stale_work():
    s = fitted_session()
    n = len(s.history)
    stale = s.model_version - 1
    assert not s.apply_result((s.current,), "E", stale)
    assert len(s.history) == n and s.phase == "M"


def test_a_hand_edit_moves_the_version_on_and_adopts_k():
    s = fitted_session(k=2)
    v = s.model_version
    m = s.current.mixture
    three = E.Mixture(np.array([0.4, 0.3, 0.3]), np.vstack([m.means, [[9.0, 9.0]]]),
                      np.concatenate([m.covariances, m.covariances[:1]]), "full")
    assert s.hand_edit(three) is False  # the next state of the displayed one
    assert s.model_version > v and s.settings.k == 3


def test_a_hand_edit_before_any_model_is_the_start():
    s = Session(settings=ModelSettings(k=1))
    s.load(np.random.default_rng(1).normal(size=(10, 2)))
    m = E.Mixture(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[None], "full")
    assert s.hand_edit(m) is True
    assert s.pending_start is m and not s.initialised


def test_a_hand_edit_needs_enough_points():
    s = Session()
    m = E.Mixture(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[None], "full")
    with pytest.raises(InputError, match="Add points first"):
        s.hand_edit(m)


def test_locks_toggle_and_follow_added_components():
    s = fitted_session(k=2)
    assert s.set_lock("mean", 1, True)
    assert s.locks.mean == (False, True)
    assert s.locks_for(s.current.mixture) is s.locks
    m = s.current.mixture
    three = E.Mixture(np.array([0.4, 0.3, 0.3]), np.vstack([m.means, [[9.0, 9.0]]]),
                      np.concatenate([m.covariances, m.covariances[:1]]), "full")
    s.hand_edit(three, lambda L: L.with_added())
    assert s.locks.mean == (False, True, False)
    assert not s.set_lock("mean", 7, True)


def test_start_from_resets_and_waits_for_evaluation():
    s = fitted_session(k=2)
    m = s.current.mixture
    v = s.model_version
    s.start_from(m)
    assert not s.initialised and s.pending_start is m and s.model_version > v


def test_restore_keeps_versions_increasing():
    s = fitted_session()
    other = fitted_session()
    other.model_version = other.data_version = 0
    before = (s.model_version, s.data_version)
    seen = []
    s.events.subscribe(seen.append)
    s.restore(other)
    assert s.model_version > before[0] and s.data_version > before[1]
    assert len(s.history) == len(other.history) and seen == ["points"]


def test_raise_reg_covar_applies_from_the_next_step():
    s = fitted_session()
    n = len(s.history)
    assert s.raise_reg_covar() == pytest.approx(1e-5)
    assert len(s.history) == n  # the run is kept


def test_settings_round_trip_through_a_dict():
    st = ModelSettings(k=3, covariance_type="diag", seed=4)
    assert ModelSettings.from_dict(st.as_dict()) == st
    with pytest.raises(InputError, match="settings"):
        ModelSettings.from_dict({"k": "three"})


def test_clearing_every_point_forgets_the_model():
    s = fitted_session()
    s.clear()
    assert s.n_points == 0 and s.displayed_mixture is None and s.pending_start is None
    s.add_point(1.0, 1.0)
    assert s.displayed_mixture is None and not s.pending_evaluable


def test_parameters_kept_across_an_edit_are_shown_only_when_they_can_be_evaluated():
    s = fitted_session(k=2)
    m = s.current.mixture
    s.remove_indices(range(s.n_points - 1))  # one point left: too few for K=2
    assert s.pending_start is m and not s.pending_evaluable and s.displayed_mixture is None
    s.undo()
    assert s.pending_evaluable and s.displayed_mixture is m


def test_undoing_clear_all_brings_the_model_back():
    s = fitted_session()
    m = s.current.mixture
    s.clear()
    assert s.displayed_mixture is None
    assert s.undo()
    assert s.pending_start is m and s.displayed_mixture is m


def test_a_new_model_after_clear_all_is_not_replaced_by_undo():
    """Found by the window state machine: Clear all, change K, undo."""
    s = fitted_session(k=2)
    s.clear()
    s.set_settings(ModelSettings(k=1))
    s.undo()
    assert s.pending_start is None and s.settings.k == 1 and not s.initialised
