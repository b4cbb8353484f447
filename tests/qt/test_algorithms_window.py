"""EM, CEM, SEM and k-means in the window (#12): the Algorithm box, a new branch on a
change of algorithm, hard colours, the curve's own objective, and sessions keep it all."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gmm_explorer import engine as E
from gmm_explorer.engine import algorithms
from gmm_explorer.io.session_file import read_session
from gmm_explorer.qt.panels.controls import split_choice
from tests.qt.window_helpers import TIMEOUT, idle, make_window, press


def choose(qtbot, window, algorithm):
    box = window.controls.algorithm
    box.setCurrentIndex(box.findData(algorithm))  # as choosing it from the list does
    idle(qtbot, window)


def step(qtbot, window, n=1):
    for _ in range(n):
        window.actions["step"].trigger()
        idle(qtbot, window)


def test_the_algorithm_box_offers_every_algorithm_with_explanations(window):
    box = window.controls.algorithm
    assert [box.itemData(i) for i in range(box.count())] == \
        list(algorithms.ALGORITHMS) + ["vb:dirichlet_distribution"]
    assert box.currentData() == "em"
    for i in range(box.count()):
        tip = box.itemData(i, Qt.ItemDataRole.ToolTipRole)
        name = split_choice(box.itemData(i))[0]
        assert tip.startswith(algorithms.describe(name)) and len(tip) > 40


def test_switching_to_cem_branches_and_steps_hard(window, qtbot):
    s = window.session
    step(qtbot, window, 3)
    em_state = s.current
    assert em_state.iteration == 3 and em_state.algorithm == "em"
    choose(qtbot, window, "cem")
    assert s.settings.algorithm == "cem"
    assert s.current is em_state, "a change of algorithm keeps the displayed state"
    step(qtbot, window, 2)
    # The first CEM step started a new branch from iteration 3; the EM branch is kept.
    assert len(s.branches) == 2 and s.active == 1
    assert [r.algorithm for r in s.history] == ["em"] * 4 + ["cem"] * 2
    assert s.branches[0].steps[-1] is em_state
    # The states are the engine's CEM from that EM state.
    ref = [h.result for h in E.half_steps(s.points, em_state.mixture,
                                          E.EMSettings(algorithm="cem", tol=0.0),
                                          first_iteration=3) if h.phase == "M"][:3]
    for got, want in zip(s.history[4:], ref[1:]):
        np.testing.assert_allclose(got.mixture.means, want.mixture.means, rtol=1e-12)
        assert got.objective == want.objective
    # The curve plots CEM's own objective, says so, and breaks where the algorithm changed.
    panel = window.ll_panel
    assert panel.plotItem.getAxis("left").labelText == "mean classification LL"
    x, y = panel.active_curve()
    # Only CEM's states: EM's objective is another quantity, which this axis does not
    # measure.
    assert list(y[np.isfinite(y)]) == [r.mean_objective for r in s.history[4:]]
    assert panel.state_tip(3) is None and "(CEM)" in panel.state_tip(4)
    assert "CEM objective" in window.status_label.text()
    # After CEM's E-step every point belongs wholly to one component: the blended
    # colours are the hard colours.
    press(qtbot, window, Qt.Key.Key_E)
    idle(qtbot, window)
    soft = window.canvas.point_colors().copy()
    window.controls.hard.click()
    assert np.array_equal(window.canvas.point_colors(), soft)


def test_kmeans_fits_equal_round_clusters_and_em_takes_its_model_back(window, qtbot):
    s = window.session
    box = window.controls.covariance
    box.setCurrentIndex(box.findData("tied"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: s.current is not None, timeout=TIMEOUT)
    choose(qtbot, window, "kmeans")
    assert not box.isEnabled() and "k-means" in box.toolTip()
    step(qtbot, window, 2)
    m = s.current.mixture
    assert m.covariance_type == "EII" and list(m.weights) == [0.5, 0.5]
    assert s.settings.covariance_type == "tied"  # kept for the other algorithms
    assert "k-means objective" in window.status_label.text()
    choose(qtbot, window, "em")
    assert box.isEnabled() and box.model() == "tied"
    step(qtbot, window)
    assert s.current.mixture.covariance_type == "tied" and s.current.algorithm == "em"


def test_sem_runs_its_iterations_and_never_claims_convergence(window, qtbot):
    s = window.session
    window.controls.max_iter.setValue(8)
    choose(qtbot, window, "sem")
    window.actions["converge"].trigger()
    qtbot.waitUntil(lambda: not window.run.busy and s.current.iteration == 8,
                    timeout=TIMEOUT)
    assert not any(r.converged for r in s.history)
    status = window.status_label.text()
    assert "SEM never converges" in status and "converged (" not in status


def test_a_session_keeps_the_algorithm_and_each_states_objective(window, qtbot, tmp_path):
    s = window.session
    choose(qtbot, window, "cem")
    step(qtbot, window, 2)
    path = tmp_path / "cem.gmmx"
    assert window.files.save_to(str(path))
    rec = read_session(path)
    assert rec.settings["algorithm"] == "cem"
    assert [r.algorithm for r in rec.history] == [r.algorithm for r in s.history]
    assert [r.objective for r in rec.history] == [r.objective for r in s.history]
    other = make_window(qtbot, tmp_path, "other.ini")
    assert other.files.load_file(str(path))
    idle(qtbot, other)
    assert other.controls.algorithm.currentData() == "cem"
    assert other.session.current.objective == s.current.objective


def test_variational_bayes_switches_components_off_visibly(window, qtbot):
    s = window.session
    window.controls.k.setValue(6)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: s.current is not None and s.current.mixture.n_components == 6,
                    timeout=TIMEOUT)
    choose(qtbot, window, "vb")
    assert s.settings.algorithm == "vb" and s.settings.weight_prior == "dirichlet_process"
    window.actions["converge"].trigger()
    qtbot.waitUntil(lambda: not window.run.busy and s.current.algorithm == "vb"
                    and s.current.converged, timeout=60_000)
    m = s.current.mixture
    assert m.posterior is not None
    off = [j for j, d in enumerate(s.current.diagnostics) if d.status == "off"]
    assert 2 <= len(off) <= 4, s.current.mixture.weights
    # Drawn as switched off (grey, dotted, labelled), not as a fault.
    layer = window.canvas.layers.components
    for j in off:
        assert layer.ellipse_pen(j, 1).style() == Qt.PenStyle.DotLine
    # They sit together at the prior's mean: one label names them all.
    labelled = [layer.warning_text(j) for j in off if layer.warning_text(j)]
    names = [j + 1 for j in off]
    assert labelled == [f"{names[0]}–{names[-1]} switched off"
                        if len(names) > 2 else f"{', '.join(map(str, names))} switched off"]
    health = window.panels["health"]
    assert health.summary.text() == (f"{6 - len(off)} of 6 components active, {len(off)} "
                                     "switched off (variational Bayes), all ok")
    assert health.status_text(off[0]) == "switched off"
    assert window.ll_panel.plotItem.getAxis("left").labelText == "ELBO + const. / point"
    # The states are the engine's VB: its bound never decreases.
    bounds = [r.objective for r in s.history if r.algorithm == "vb"]
    assert np.all(np.diff(bounds) > -1e-9 * np.abs(bounds[1:]))


def test_variational_bayes_refuses_mclusts_other_models_with_a_reason(window, qtbot):
    s = window.session
    box = window.controls.covariance
    box.setCurrentIndex(box.findData("VEV"))
    idle(qtbot, window)
    choose(qtbot, window, "vb")
    assert s.settings.algorithm == "em"
    assert "variational Bayes fits scikit-learn's four" in window.statusBar().currentMessage()
    assert window.controls.algorithm.currentData() == "em"


def test_the_prior_box_follows_the_model_and_steps_map_on_a_new_branch(window, qtbot):
    s = window.session
    prior, box = window.controls.prior, window.controls.covariance
    assert prior.isEnabled() and not prior.isChecked()
    box.setCurrentIndex(box.findData("VEE"))
    idle(qtbot, window)
    assert not prior.isEnabled() and "no conjugate prior for VEE" in prior.toolTip()
    box.setCurrentIndex(box.findData("VEV"))
    idle(qtbot, window)
    qtbot.waitUntil(lambda: s.current is not None, timeout=TIMEOUT)
    assert prior.isEnabled()
    step(qtbot, window, 2)
    ml_state = s.current
    prior.click()
    idle(qtbot, window)
    assert s.settings.prior and s.current is ml_state
    step(qtbot, window, 2)
    assert len(s.branches) == 2 and [r.prior for r in s.history] == [False] * 3 + [True] * 2
    ref = [h.result for h in E.half_steps(s.points, ml_state.mixture,
                                          E.EMSettings("VEV", prior=True, tol=0.0),
                                          first_iteration=2) if h.phase == "M"][:3]
    np.testing.assert_allclose(s.current.mixture.covariances, ref[2].mixture.covariances,
                               rtol=1e-12)
    choose(qtbot, window, "kmeans")
    assert not prior.isEnabled() and "no place for a prior" in prior.toolTip()
    assert s.settings.algorithm == "kmeans" and not s.settings.prior


def test_the_noise_component_claims_the_scattered_points_in_grey(qtbot, tmp_path):
    from gmm_explorer.drawing import NOISE_RGB
    from tests.qt.window_helpers import window_with

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal((5, 3), 0.7, (200, 2)),
                   rng.uniform(-10, 15, (60, 2))])
    window = window_with(qtbot, tmp_path, X)
    s = window.session
    assert window.controls.noise.specialValueText() == "off"
    window.controls.noise.setValue(0.1)  # as the arrows or Enter apply it
    idle(qtbot, window)
    assert s.settings.noise == 0.1
    window.actions["initialise"].trigger()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: s.current is not None and s.current.mixture.has_noise,
                    timeout=TIMEOUT)
    assert s.current.mixture.noise_weight == 0.1
    window.actions["converge"].trigger()
    qtbot.waitUntil(lambda: not window.run.busy and s.current.converged, timeout=TIMEOUT)
    press(qtbot, window, Qt.Key.Key_E)
    idle(qtbot, window)
    m = s.current.mixture
    assert 0.07 < m.noise_weight < 0.15
    # The table has the noise's row; the scattered points are drawn in the noise's grey.
    table = window.table
    assert table.rowCount() == 3 and table.cell_text(2, 0) == "0"
    assert table.cell_text(2, 2) == "noise"
    health = window.panels["health"].summary.text()
    assert health == f"2 components + noise (weight {m.noise_weight:.3g}), all ok"
    assert float(table.cell_text(2, 1)) == pytest.approx(m.noise_weight, rel=1e-3)
    rgb = window.canvas.point_colors().astype(float)
    grey = np.all(np.abs(rgb - NOISE_RGB) < 25, axis=1)
    assert grey[500:].mean() > 0.6 and grey[:500].mean() < 0.02
    # Other algorithms have no noise component: the box says so.
    choose(qtbot, window, "cem")
    assert not window.controls.noise.isEnabled()
    assert "goes with EM" in window.controls.noise.toolTip()


def test_initialise_from_a_framed_selection(window, qtbot):
    from tests.qt.window_helpers import drag, pixel_of

    window.controls.k.setValue(3)
    idle(qtbot, window)
    window.canvas.view.setRange(xRange=(1, 6), yRange=(40, 100), padding=0)
    qtbot.wait(50)
    a, b = pixel_of(window, 1.5, 45.0), pixel_of(window, 3.0, 70.0)
    drag(qtbot, window.canvas.viewport(), a, b, Qt.KeyboardModifier.ControlModifier)
    chosen = window.points.selection.copy()
    assert chosen.size > 50
    window.actions["init_selection"].trigger()
    idle(qtbot, window)
    s = window.session
    qtbot.waitUntil(lambda: s.current is not None and s.current.iteration == 0,
                    timeout=TIMEOUT)
    m = s.current.mixture
    assert m.n_components == 3
    np.testing.assert_allclose(m.means[0], s.points[chosen].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.weights[0], chosen.size / s.n_points, rtol=1e-12)
    assert "selected points" in window.statusBar().currentMessage()


def test_initialise_from_an_empty_selection_says_what_to_do(window, qtbot, monkeypatch):
    messages = []
    monkeypatch.setattr(window.feedback, "error", lambda title, text: messages.append(text))
    before = window.session.current
    window.actions["init_selection"].trigger()
    assert messages and "select at least two points" in messages[0]
    assert window.session.current is before


@pytest.mark.parametrize("algorithm,words", [("cem", "CEM's M-step"),
                                             ("kmeans", "k-means's M-step")])
def test_the_m_step_panel_says_which_m_step_made_a_state_of_another_algorithm(
        window, qtbot, algorithm, words):
    step(qtbot, window, 1)
    if algorithm == "kmeans":
        window.controls.covariance.setCurrentIndex(window.controls.covariance.findData("EII"))
        idle(qtbot, window)
    choose(qtbot, window, algorithm)
    step(qtbot, window, 2)
    window.show_panel("mstep")
    panel = window.panels["mstep"]
    qtbot.waitUntil(lambda: words in panel.message.text(), timeout=TIMEOUT)
    assert "choose EM without the prior" in panel.message.text()
    assert not panel.overview.isVisible()


def test_noise_auto_sets_the_fraction_nnclean_finds(qtbot, tmp_path):
    from gmm_explorer.engine.noise import nnclean
    from tests.mclust.make_reference import nnclean_points
    from tests.qt.window_helpers import window_with

    X = nnclean_points("outliers")
    w = window_with(qtbot, tmp_path, X)
    button = w.controls.noise_auto
    assert button.isEnabled() and "NNclean" in button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    cleaned = nnclean(X, 5)
    assert w.session.settings.noise == pytest.approx(round(cleaned.fraction, 2))
    assert f"{int(cleaned.noise.sum())} of {len(X)} points as clutter" in \
        w.statusBar().currentMessage()
    w.actions["initialise"].trigger()
    idle(qtbot, w)
    assert w.session.current.mixture.has_noise
    # Not offered where the noise component is not: CEM.
    choose(qtbot, w, "cem")
    assert not button.isEnabled()


def test_the_noise_region_is_chosen_in_the_auto_menu_and_kept(qtbot, tmp_path):
    from scipy.spatial import ConvexHull

    from gmm_explorer.qt.window_state import restore_model_settings
    from tests.mclust.make_reference import nnclean_points
    from tests.qt.window_helpers import window_with

    X = nnclean_points("outliers")
    w = window_with(qtbot, tmp_path, X)
    w.controls.noise.setValue(0.1)
    idle(qtbot, w)
    menu = w.controls.noise_auto.menu()
    hull = next(a for a in menu.actions() if a.text().startswith("Region: convex hull"))
    hull.trigger()  # as choosing it from the menu does
    idle(qtbot, w)
    assert w.session.settings.noise_region == "hull"
    w.actions["initialise"].trigger()
    idle(qtbot, w)
    assert w.session.current.mixture.noise_density == pytest.approx(1 / ConvexHull(X).volume)
    path = tmp_path / "hull.gmmx"
    assert w.files.save_to(str(path))
    assert read_session(path).settings["noise_region"] == "hull"
    w.close()  # later launches keep it, as the other model settings
    assert restore_model_settings(w.qsettings).noise_region == "hull"


def test_noise_stays_offered_under_the_prior_and_runs(qtbot, tmp_path):
    from tests.mclust.make_reference import nnclean_points
    from tests.qt.window_helpers import window_with

    w = window_with(qtbot, tmp_path, nnclean_points("outliers"))
    w.controls.prior.setChecked(True)  # as a click on MAP does
    idle(qtbot, w)
    assert w.session.settings.prior
    assert w.controls.noise.isEnabled() and w.controls.noise_auto.isEnabled()
    w.controls.noise.setValue(0.15)
    idle(qtbot, w)
    w.actions["initialise"].trigger()
    idle(qtbot, w)
    step(qtbot, w, 3)
    cur = w.session.current
    assert cur.prior and cur.mixture.has_noise and cur.iteration == 3
    assert np.sum(cur.mixture.weights) + cur.mixture.noise_weight == pytest.approx(1.0)
