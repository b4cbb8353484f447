"""The EM worker's requests, answered without a thread or a display: each kind consumes
the engine's one loop (engine.half_steps), so it agrees with engine.iterate."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.qt.em_worker import Ask, EMRequest, EMSolver
from gmm_explorer.session import ModelSettings
from tests.conftest import blobs


def _never():
    return False


def ask(solver, kind, points, settings, mixture=None, **kw):
    return solver.handle(EMRequest(kind, points, settings, mixture, **kw),
                         lambda p: None, _never)


@pytest.fixture
def setup():
    X = np.array(blobs((200, 120, 80), seed=4))
    X.setflags(write=False)
    settings = ModelSettings(k=3, seed=1, tol=1e-4, max_iter=60)
    solver = EMSolver()
    start = ask(solver, Ask.INITIALISE, X, settings).steps[0]
    return solver, X, settings, start


def test_initialise_is_iteration_zero_with_neutral_colours(setup):
    solver, X, settings, start = setup
    assert start.iteration == 0 and start.change is None
    m = E.initialise(X, 3, "kmeans", covariance_type="full", reg_covar=1e-6, seed=1)
    np.testing.assert_allclose(start.mixture.means, m.means)


def test_e_then_m_equals_step_equals_the_engine_loop(setup):
    solver, X, settings, start = setup
    e = ask(solver, Ask.E, X, settings, start.mixture)
    assert e.phase == "E" and e.steps[0].iteration == 0 and e.colors.shape == (400, 3)
    m = ask(solver, Ask.M, X, settings, start.mixture)
    step = ask(EMSolver(), Ask.STEP, X, settings, start.mixture)
    engine = list(E.iterate(X, start.mixture, settings.em_settings()))[1]
    for r in (m.steps[0], step.steps[0]):
        assert r.iteration == 1
        np.testing.assert_array_equal(r.mixture.means, engine.mixture.means)
        np.testing.assert_array_equal(r.mixture.covariances, engine.mixture.covariances)
    assert m.colors is None and step.colors is not None


def test_converge_stops_by_the_engine_rule_where_iterate_stops(setup):
    solver, X, settings, start = setup
    res = ask(solver, Ask.CONVERGE, X, settings, start.mixture,
              previous_mean_log_likelihoods=())
    engine = list(E.iterate(X, start.mixture, settings.em_settings()))
    assert [r.iteration for r in res.steps] == [r.iteration for r in engine[1:]]
    assert E.run_finished(res.steps[-1], settings.em_settings())
    np.testing.assert_allclose(res.steps[-1].mean_log_likelihood,
                               engine[-1].mean_log_likelihood, rtol=1e-12)
    assert not res.cancelled and res.colors is not None


def test_converge_resumed_midway_stops_at_the_same_iteration(setup):
    solver, X, settings, start = setup
    whole = list(E.iterate(X, start.mixture, settings.em_settings()))
    t = 5
    res = ask(solver, Ask.CONVERGE, X, settings, whole[t].mixture, iteration=t,
              previous_mean_log_likelihoods=tuple(r.mean_log_likelihood for r in whole[:t]))
    assert res.steps[-1].iteration == whole[-1].iteration


def test_converge_respects_max_iter_counted_from_iteration_zero(setup):
    solver, X, _, start = setup
    settings = ModelSettings(k=3, seed=1, tol=0.0, max_iter=7)
    res = ask(solver, Ask.CONVERGE, X, settings, start.mixture, iteration=4)
    assert [r.iteration for r in res.steps] == [5, 6, 7]


def test_a_cancelled_converge_returns_what_it_has(setup):
    solver, X, settings, start = setup
    calls = iter([False, False, True])
    res = solver.handle(EMRequest(Ask.CONVERGE, X, settings, start.mixture),
                        lambda p: None, lambda: next(calls, True))
    assert res.cancelled and len(res.steps) == 2


def test_edit_is_a_new_run_coloured_by_its_own_responsibilities(setup):
    solver, X, settings, start = setup
    res = ask(solver, Ask.EDIT, X, settings, start.mixture, iteration=3, note="moved",
              previous_mean_log_likelihoods=(-5.0, -4.0))
    r = res.steps[0]
    assert res.phase == "E" and res.note == "moved"
    assert r.iteration == 3 and r.change is None  # no earlier log-likelihoods
    assert res.labels.shape == (400,)


def test_colour_and_kmeans_record_nothing(setup):
    solver, X, settings, start = setup
    c = ask(solver, Ask.COLOUR, X, settings, start.mixture)
    assert c.steps == () and c.source_mixture is start.mixture
    u = 1 - E.e_step(X, start.mixture, want_resp=True).responsibilities.max(axis=1)
    assert c.uncertainty.dtype == np.uint8  # codes round(255 u)
    assert np.abs(c.uncertainty - 255 * u).max() <= 0.5 + 1e-9
    k = ask(solver, Ask.KMEANS, X, settings)
    assert k.steps == () and k.kmeans_centroids.shape == (3, 2)


def test_requests_without_parameters_explain_what_to_do(setup):
    solver, X, settings, _ = setup
    with pytest.raises(Exception, match="initialise the model first"):
        ask(solver, Ask.STEP, X, settings, None)


def test_every_kind_has_a_handler():
    from gmm_explorer.qt.em_worker import _HANDLERS

    assert set(_HANDLERS) == set(Ask)


def test_step_colours_are_the_responsibilities_blended(setup):
    # The worker takes colours, labels and uncertainty from the pass's own summary
    # (no N x K responsibilities kept): they are what the responsibilities give.
    from gmm_explorer.drawing import point_colors

    solver, X, settings, start = setup
    res = ask(solver, Ask.STEP, X, settings, start.mixture)
    resp = E.e_step(X, start.mixture, want_resp=True).responsibilities
    np.testing.assert_array_equal(res.labels, resp.argmax(axis=1))
    np.testing.assert_array_equal(res.uncertainty, np.round(255 * (1 - resp.max(axis=1))))
    assert np.abs(res.colors.astype(int) - point_colors(resp, len(X), "soft")).max() <= 1


@pytest.mark.parametrize("kind", [Ask.INITIALISE, Ask.EVALUATE])
def test_a_new_start_frees_the_last_pass_before_making_its_own(setup, monkeypatch, kind):
    # The worker keeps the last E-pass (its per-point summary, and the points) for the
    # next Step; a new start cannot use it, so it must not hold it while the new start
    # is made: at 1e7 points that is the data set and a summary more at the peak.
    import gc
    import weakref

    solver, _, settings, _ = setup
    old = np.array(blobs((150, 150, 100), seed=5))
    ask(solver, Ask.STEP, old, settings,
        ask(solver, Ask.INITIALISE, old, settings).steps[0].mixture)
    alive = weakref.ref(old)
    del old
    new = np.array(blobs((100, 100, 100), seed=6))
    seen = []
    real_initialise, real_half_steps = E.initialise, E.half_steps

    def spy(real):
        def call(*a, **kw):
            gc.collect()
            seen.append(alive() is None)
            return real(*a, **kw)
        return call

    monkeypatch.setattr(E, "initialise", spy(real_initialise))
    monkeypatch.setattr(E, "half_steps", spy(real_half_steps))
    mixture = E.initialise(new, 3, "kmeans", seed=0) if kind is Ask.EVALUATE else None
    seen.clear()
    res = ask(solver, kind, new, settings, mixture)
    assert res.steps[0].iteration == 0
    assert seen and all(seen)  # the old points were gone before any of the new work
