"""The exploration features in the window (issue #5), driven as a user drives them."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gmm_explorer import engine as E
from tests.qt.window_helpers import (
    TIMEOUT,
    drag,
    idle,
    make_window,
    pixel_of,
    press,
    window_with,
)


def steps(qtbot, w, n):
    for _ in range(n):
        w.actions["step"].trigger()
        idle(qtbot, w)


def set_settings(w, **kw):
    new = replace(w.session.settings, **kw)
    w.controls.set_settings(new)
    w.controls.settings_edited.emit()  # as a user's change of a control does


# ------------------------------------------------------------------ history and branches


def test_scrubbing_restores_the_exact_parameters_of_iteration_n(window, qtbot):
    steps(qtbot, window, 6)
    hist = list(window.session.history)
    window.timeline.position_requested.emit(2)
    idle(qtbot, window)
    s = window.session
    assert s.current is hist[2]
    assert window.canvas.mixture is hist[2].mixture
    assert window.table.cell_text(0, 1) == f"{hist[2].mixture.weights[0]:.4g}"
    assert window.ll_panel.marker_position == (2.0, hist[2].mean_log_likelihood)
    assert window.timeline.position == 2 and window.timeline.last == 6
    assert "viewing iteration 2 of 6" in window.status_label.text()
    # The colours are those shown when iteration 2 was made: the E-step of iteration 1.
    resp = E.predict_proba(s.points, hist[1].mixture)
    qtbot.waitUntil(lambda: window.canvas.soft_colors is not None, timeout=TIMEOUT)
    from gmm_explorer.drawing import point_colors
    np.testing.assert_array_equal(window.canvas.soft_colors, point_colors(resp, resp.shape[0]))


def test_left_arrow_steps_back_and_right_forward(window, qtbot):
    steps(qtbot, window, 3)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Left)
    assert window.session.current_index == 2
    qtbot.keyClick(window.canvas, Qt.Key.Key_Left)
    assert window.session.current_index == 1
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    assert window.session.current_index == 2
    idle(qtbot, window)


def test_stepping_from_the_past_replays_then_a_change_forks_a_branch(window, qtbot):
    steps(qtbot, window, 5)
    old = list(window.session.history)
    window.history.scrub_to(2)
    steps(qtbot, window, 1)  # nothing changed: the branch replays
    assert len(window.session.branches) == 1 and window.session.current_index == 3
    window.history.scrub_to(2)
    window.panels["health"].raise_reg_covar_requested.emit()  # a change at iteration 2 ...
    assert window.session.settings.reg_covar == pytest.approx(1e-5)
    steps(qtbot, window, 2)  # ... and stepping again starts a new branch
    s = window.session
    assert len(s.branches) == 2 and s.active == 1
    assert s.branches[0].steps == old
    assert [r.iteration for r in s.history] == [0, 1, 2, 3, 4]
    assert len(window.ll_panel.other_curves()) == 1  # the old branch's curve, overlaid
    assert window.panels["branches"].list.count() == 2
    window.panels["branches"].branch_selected.emit(0)
    idle(qtbot, window)
    assert s.active == 0 and len(s.history) == 6
    window.panels["branches"].branch_renamed.emit(1, "more reg_covar")
    assert s.branches[1].name == "more reg_covar"
    window.panels["branches"].branch_delete_requested.emit(1)
    assert len(s.branches) == 1


def test_branches_survive_save_and_open(window, qtbot, tmp_path):
    steps(qtbot, window, 3)
    window.history.scrub_to(1)
    window.components.raise_reg_covar()
    steps(qtbot, window, 1)
    path = str(tmp_path / "b.gmmx")
    assert window.files.save_to(path)
    assert window.files.load_file(path, ask=False)
    idle(qtbot, window)
    s = window.session
    assert [b.name for b in s.branches] == ["main", "branch 2"] and s.active == 1
    assert window.panels["branches"].list.count() == 2


# ------------------------------------------------------------------ hand-made components


def test_dragging_a_mean_records_a_hand_made_state_that_em_starts_from(window, qtbot):
    s = window.session
    m = s.current.mixture
    a = pixel_of(window, *m.means[0])
    b = pixel_of(window, m.means[0, 0] + 0.5, m.means[0, 1] - 5)
    drag(qtbot, window.canvas.viewport(), a, b, Qt.KeyboardModifier.NoModifier)
    idle(qtbot, window)
    assert len(s.history) == 2
    assert s.branch.notes == {1: "moved the mean of component 1"}
    moved = s.current.mixture.means[0]
    assert moved[0] == pytest.approx(m.means[0, 0] + 0.5, abs=0.05)
    assert moved[1] == pytest.approx(m.means[0, 1] - 5, abs=0.5)
    np.testing.assert_array_equal(s.current.mixture.means[1], m.means[1])
    assert s.phase == "E"  # the points show the responsibilities under the edit
    steps(qtbot, window, 1)
    assert s.current.iteration == 2 and s.current.change is not None


def joined(x, y) -> set[tuple[float, float]]:
    """The (from, to) iterations the log-likelihood curve joins by a line (NaN breaks it)."""
    ok = np.isfinite(x) & np.isfinite(y)
    return {(float(x[j]), float(x[j + 1])) for j in range(len(x) - 1) if ok[j] and ok[j + 1]}


def test_a_hand_made_state_is_not_drawn_as_an_em_step(window, qtbot):
    steps(qtbot, window, 3)
    s, panel = window.session, window.ll_panel
    m = s.current.mixture
    drag(qtbot, window.canvas.viewport(), pixel_of(window, *m.means[0]),
         pixel_of(window, m.means[0, 0] + 0.5, m.means[0, 1] - 5),
         Qt.KeyboardModifier.NoModifier)
    idle(qtbot, window)
    assert s.branch.notes == {4: "moved the mean of component 1"}
    said = "iteration 4: set by hand (moved the mean of component 1) — not an EM step"
    assert panel.toolTip().startswith(said)
    hand_ll = s.history[4].mean_log_likelihood
    assert panel.marker_position == (4.0, hand_ll)
    steps(qtbot, window, 2)
    x, y = panel.active_curve()
    assert joined(x, y) == {(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)}  # none from 3 to 4
    np.testing.assert_array_equal(y[np.isfinite(y)], s.mean_log_likelihoods)
    assert [list(a) for a in panel.hand_made_markers()] == [[4.0], [hand_ll]]
    assert panel.state_tip(4).startswith(said)
    assert "by hand" not in panel.toolTip()  # iteration 6 is EM's
    window.history.scrub_to(4)
    idle(qtbot, window)
    assert panel.toolTip().startswith(said) and panel.marker_position == (4.0, hand_ll)


def test_a_hand_made_state_looks_the_same_whichever_path_reaches_it(window, qtbot):
    """Trap 6 of #11: drag a mean at iteration 2, run to convergence, scrub back to the
    hand-made iteration 3: the points were coloured by the E-step before the drag, so
    they disagreed with Health's n_k, and with the colours shown when it was made."""
    steps(qtbot, window, 2)
    s = window.session
    m = s.current.mixture
    drag(qtbot, window.canvas.viewport(), pixel_of(window, *m.means[0]),
         pixel_of(window, m.means[0, 0] + 0.5, m.means[0, 1] - 5),
         Qt.KeyboardModifier.NoModifier)
    idle(qtbot, window)
    assert s.branch.notes == {3: "moved the mean of component 1"}
    made = window.canvas.point_colors().copy()
    hand = s.current
    window.actions["converge"].trigger()
    qtbot.waitUntil(lambda: s.current.iteration > 4, timeout=TIMEOUT)
    idle(qtbot, window)
    window.history.scrub_to(3)
    idle(qtbot, window)
    assert s.current is hand
    np.testing.assert_array_equal(window.canvas.point_colors(), made)
    # ...and they are the responsibilities behind Health's n_k for that state.
    labels = E.predict(s.points, hand.mixture)
    counts = np.bincount(labels, minlength=hand.mixture.n_components)
    shown = np.bincount(window.run.colours.labels, minlength=hand.mixture.n_components)
    np.testing.assert_array_equal(shown, counts)
    assert "E-step is done" in _after_pressing_e(window, qtbot)


def _after_pressing_e(window, qtbot) -> str:
    window.actions["e_step"].trigger()
    return window.status_label.text() + window.statusBar().currentMessage()


def test_file_new_resets_the_likelihood_view(window, qtbot, monkeypatch):
    from gmm_explorer.qt.controllers.files import FilesController
    from gmm_explorer.qt.panels.likelihood import EMPTY_BOX

    steps(qtbot, window, 30)
    (x0, x1), (y0, y1) = window.ll_panel.plotItem.viewRange()
    assert x1 > 30 and y0 < window.session.current.mean_log_likelihood < y1
    monkeypatch.setattr(FilesController, "ask_save_changes", lambda self: "discard")
    window.actions["new"].trigger()
    idle(qtbot, window)
    assert window.session.n_points == 0 and window.ll_panel.marker_position is None
    # The empty panel's view: EMPTY_BOX (iterations 0..10) in its margins, the left one
    # the wider (it also holds iteration 0's tick label).
    (x0, x1), (y0, y1) = window.ll_panel.plotItem.viewRange()
    bx0, bx1, by0, by1 = EMPTY_BOX
    assert x0 < bx0 and bx1 < x1 < 30 and bx0 - x0 > x1 - bx1
    assert y0 < by0 and by1 < y1 and (y0 + y1) / 2 == pytest.approx((by0 + by1) / 2)


def test_place_mode_adds_components_and_right_click_removes(window, qtbot):
    window.actions["mode_place"].trigger()
    window.canvas.view.setRange(xRange=(1, 6), yRange=(40, 100), padding=0)
    qtbot.wait(50)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton,
                     pos=pixel_of(window, 3.5, 70.0))
    idle(qtbot, window)
    s = window.session
    m = s.current.mixture
    assert m.n_components == 3 and s.settings.k == 3 and window.controls.k.value() == 3
    np.testing.assert_allclose(m.means[2], (3.5, 70.0), rtol=0.02)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.RightButton,
                     pos=pixel_of(window, *m.means[2]))
    idle(qtbot, window)
    assert s.current.mixture.n_components == 2
    assert s.branch.notes == {1: "placed component 3", 2: "removed component 3"}


def test_placing_components_on_an_empty_model(qtbot, tmp_path):
    X = np.random.default_rng(0).normal(size=(50, 2))
    w = window_with(qtbot, tmp_path, X)
    w.session.reset_model()
    w.presenter.refresh()
    assert w.components.place_component(0.0, 0.0)
    idle(qtbot, w)
    assert w.session.current.mixture.n_components == 1
    assert w.components.place_component(1.0, 1.0)
    idle(qtbot, w)
    assert w.session.current.mixture.n_components == 2
    steps(qtbot, w, 2)
    assert w.session.current.iteration == 3


# ------------------------------------------------------------------ locks


def test_a_locked_mean_does_not_move_over_20_steps(window, qtbot):
    set_settings(window, tol=0.0)
    idle(qtbot, window)
    m0 = window.session.current.mixture
    item = window.table.lock_item(0, "mean")
    item.setCheckState(Qt.CheckState.Checked)
    assert window.session.locks.mean == (True, False)
    steps(qtbot, window, 20)
    hist = window.session.history
    assert len(hist) == 21
    for r in hist:
        np.testing.assert_array_equal(r.mixture.means[0], m0.means[0])
    assert not np.array_equal(hist[-1].mixture.means[1], m0.means[1])
    lls = [r.log_likelihood for r in hist]
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(lls, lls[1:]))
    assert window.table.lock_item(0, "mean").checkState() == Qt.CheckState.Checked


# ------------------------------------------------------------------ health


def test_health_panel_reseed_and_remove(window, qtbot):
    k = window.session.current.mixture.n_components
    assert window.panels["health"].n_components() == k
    window.panels["health"].reseed_button(1).click()
    idle(qtbot, window)
    assert window.session.branch.notes[1].startswith("re-seeded component 2")
    window.panels["health"].remove_button(1).click()
    idle(qtbot, window)
    assert window.session.current.mixture.n_components == 1
    assert window.panels["health"].n_components() == 1


def test_a_collapsing_component_is_flagged_and_fixed(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(200, 2)), np.zeros((2, 2)) + 8.0])
    w = window_with(qtbot, tmp_path, X)
    # A tight component on the two identical points collapses onto them.
    m = E.Mixture([0.98, 0.02], [[0, 0], [8, 8]], [np.eye(2), np.eye(2) * 1e-3])
    w.run.start_from(m, "test")
    idle(qtbot, w)
    steps(qtbot, w, 3)
    assert w.panels["health"].warning_visible
    assert "collapsing" in w.status_label.text() or "empty" in w.status_label.text()
    w.components.raise_reg_covar()
    assert w.session.settings.reg_covar == pytest.approx(1e-5)


def test_converging_on_a_symmetric_random_start_is_neither_all_ok_nor_plain_converged(
        qtbot, tmp_path):
    # Issue #11, trap 5: blobs, K=5, the "random" start puts all five components at the
    # grand mean; EM stops at iteration 2 with them still on top of one another.
    from tests.qt.test_explore_panels import unreadable_cells

    w = make_window(qtbot, tmp_path)
    w.resize(1280, 720)
    assert w.data.generate_data("separated", 50_000, 5, 0, ask=False)
    idle(qtbot, w)
    set_settings(w, k=5, init="random", seed=0)
    idle(qtbot, w)
    w.actions["converge"].trigger()
    idle(qtbot, w)
    s, health = w.session, w.panels["health"]
    assert s.current.converged and s.current.iteration == 2
    assert w.statusBar().currentMessage().startswith("Converged at iteration 2 — but ")
    assert "all ok" not in health.summary.text()
    assert health.summary.text() == "5 of 5 components need attention"
    assert [health.status_text(j) for j in range(5)] == ["⚠ duplicate"] * 5
    assert "Components 1, 2, 3, 4 and 5 are the same Gaussian" in health.banner.text()
    status = w.status_label.text()
    assert ("converged (|ΔLL| < tol, scikit-learn's rule) — but components 1, 2, 3, 4 and 5 "
            "are duplicates") in status
    assert not re.search(r"converged[^—]*(·|$)", status)  # never a plain "converged"
    assert w.ll_panel.converged_text() == "converged ⚠"  # nor on the curve
    # At 1280 x 720 every number of the panel is whole, without scrolling sideways.
    w.show_panel("health")
    qtbot.waitUntil(lambda: health.table.isVisible(), timeout=TIMEOUT)
    assert unreadable_cells(health.table) == []
    assert health.table.horizontalHeader().length() <= health.table.viewport().width()
    # Re-seeding breaks the tie: EM separates the components and Health agrees.
    for j in range(1, 5):
        health.reseed_button(j).click()
        idle(qtbot, w)
    w.actions["converge"].trigger()
    idle(qtbot, w)
    assert "duplicate" not in " ".join(health.status_text(j) for j in range(5))


# ------------------------------------------------------------------ model selection


def _cli_best_k(path, *args):
    import contextlib
    import io

    from gmm_explorer.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["select", str(path), *args]) == 0
    return int(re.search(r"best by BIC: K=(\d+) full", out.getvalue()).group(1))


def test_bic_panel_best_k_on_old_faithful_equals_the_command_line(window, qtbot):
    from gmm_explorer.resources import sample_path

    from gmm_explorer.io.samples import get_sample
    from gmm_explorer.qt.panels.selection_options import SelectionOptions

    sp = window.panels["selection"]
    sp.set_options(SelectionOptions(k_max=8, n_init=1, covariance_types=("full",),
                                    criterion="bic", auto=False))
    assert window.analyses.start_selection()
    qtbot.waitUntil(lambda: not window.analyses.selection_runner.busy, timeout=60_000)
    rows = window.analyses.rows
    assert [r.n_components for r in rows] == list(range(1, 9))
    best = sp.best_row()
    sample = get_sample("faithful")
    cli_k = _cli_best_k(sample_path(sample.filename), "--k", "1-8", "--covariance", "full",
                        "--seed", "0")
    assert best.n_components == cli_k
    sp.model_chosen.emit(best)  # clicking a point loads that model
    idle(qtbot, window)
    s = window.session
    assert s.settings.k == cli_k and s.current.iteration == 0
    np.testing.assert_array_equal(s.current.mixture.means, best.result.mixture.means)


def test_model_selection_is_recomputed_when_the_data_change(window, qtbot):
    from gmm_explorer.qt.panels.selection_options import SelectionOptions

    window.panels["selection"].set_options(SelectionOptions(k_max=3, covariance_types=("full",),
                                                        auto=True))
    window.analyses.start_selection()
    qtbot.waitUntil(lambda: len(window.analyses.rows) == 3, timeout=60_000)
    before = window.analyses.rows[0].bic
    window.points.add_point(3.0, 70.0)
    assert window.analyses.rows == ()  # stale results are gone at once ...
    qtbot.waitUntil(lambda: len(window.analyses.rows) == 3, timeout=60_000)  # ... and back
    X = window.session.points
    assert X.shape[0] == 273
    assert window.analyses.rows[0].bic == pytest.approx(E.bic(X, window.analyses.rows[0]
                                                              .result.mixture))
    assert window.analyses.rows[0].bic != before


def test_model_selection_can_be_cancelled(qtbot, tmp_path):
    from gmm_explorer.engine.datasets import generate

    X, _ = generate("overlapping", 20_000, 4, 0)
    w = window_with(qtbot, tmp_path, X)
    w.analyses.start_selection()
    w.panels["selection"].cancel_requested.emit()
    qtbot.waitUntil(lambda: not w.analyses.selection_runner.busy, timeout=60_000)
    assert len(w.analyses.rows) < 32


# ------------------------------------------------------------------ gallery


def test_gallery_finds_distinct_optima_and_loads_one(qtbot, tmp_path):
    from gmm_explorer.engine.datasets import GENERATORS, generate

    kind = next(k for k, v in GENERATORS.items() if "optima" in v[0].lower())
    X, lab = generate(kind, 600, 4, 0)
    w = window_with(qtbot, tmp_path, X)
    set_settings(w, k=4)
    idle(qtbot, w)
    assert w.analyses.start_gallery(20)
    qtbot.waitUntil(lambda: not w.analyses.gallery_runner.busy, timeout=120_000)
    optima = w.analyses.optima
    assert len(optima) >= 2
    assert w.panels["gallery"].list.count() == len(optima)
    assert sum(o.count for o in optima) <= 20
    w.panels["gallery"].optimum_chosen.emit(1)
    idle(qtbot, w)
    np.testing.assert_array_equal(w.session.current.mixture.means, optima[1].mixture.means)


# ------------------------------------------------------------------ inspector, colours


def test_inspector_shows_the_hovered_point_and_pins_a_trajectory(window, qtbot):
    steps(qtbot, window, 4)
    s = window.session
    window.canvas.view.point_hovered.emit(10)
    text = window.panels["inspector"].responsibility_text(0)
    r = E.predict_proba(s.points[10:11], s.current.mixture)[0]
    assert f"{r[0]:.3f}" in text
    window.canvas.view.point_pinned.emit(10)
    assert window.overlays.pinned == 10
    def trajectory_length():
        lines = window.panels["inspector"].trajectories()
        return len(lines[0][0]) if lines else 0

    qtbot.waitUntil(lambda: trajectory_length() == 5, timeout=TIMEOUT)
    window.panels["inspector"].unpin_requested.emit()
    assert window.overlays.pinned is None


def test_uncertainty_colouring(window, qtbot):
    from gmm_explorer.drawing import uncertainty_colors

    steps(qtbot, window, 2)
    # Coloured by the blend, the passes leave the uncertainty out (1 byte a point)...
    assert not window.canvas.has_uncertainty
    window.actions["uncertainty"].trigger()
    # ... so turning to it asks for these colours again, with it.
    qtbot.waitUntil(lambda: window.canvas.has_uncertainty, timeout=TIMEOUT)
    idle(qtbot, window)
    s = window.session
    resp = E.predict_proba(s.points, s.history[-2].mixture)
    # The E-pass's codes round(255 u) give the colours of u to within one step of the
    # 256-colour map (1 / 255 of u is about half a step at the map's scale, 0.5).
    shown = window.canvas.point_colors().astype(int)
    exact = uncertainty_colors((1 - resp.max(axis=1)).astype(np.float32)).astype(int)
    assert np.abs(shown - exact).max() <= 2
    np.testing.assert_array_equal(
        window.canvas.point_colors(),
        uncertainty_colors(np.round(255 * (1 - resp.max(axis=1))).astype(np.uint8)))
    window.actions["decision"].trigger()
    assert window.canvas.show_decision


def test_kmeans_overlay_shows_the_centroids_of_the_initialisation(window, qtbot):
    from gmm_explorer.engine.init import kmeans_details

    window.actions["kmeans_overlay"].trigger()
    idle(qtbot, window)
    s = window.session
    expected = kmeans_details(s.points, s.settings.k, s.settings.seed).centroids
    np.testing.assert_array_equal(window.overlays.kmeans_centroids, expected)
    window.actions["initialise"].trigger()
    idle(qtbot, window)
    np.testing.assert_array_equal(window.overlays.kmeans_centroids, expected)


# ------------------------------------------------------------------ ground truth


def test_ground_truth_ari_on_iris_petals_matches_scikit_learn(window, qtbot):
    from sklearn.metrics import adjusted_rand_score

    assert window.data.open_sample("iris", ask=False)
    idle(qtbot, window)
    set_settings(window, k=3)
    idle(qtbot, window)
    window.actions["converge"].trigger()
    idle(qtbot, window)
    window.show_panel("truth")
    s = window.session
    expected = adjusted_rand_score(np.asarray(s.labels), E.predict(s.points, s.current.mixture))
    qtbot.waitUntil(lambda: window.overlays.last_agreement is not None
                    and window.overlays.last_agreement[0] is s.current.mixture, timeout=TIMEOUT)
    assert window.overlays.last_agreement[2].ari == pytest.approx(expected, abs=1e-12)
    assert f"{expected:.3f}" in window.panels["truth"].ari.text()
    assert window.canvas.label_shapes_shown


def test_ground_truth_of_parameters_no_e_step_has_seen_says_so(window, qtbot):
    # The ARI of a start is the agreement of a guess: labelled as such until an E-step.
    assert window.data.open_sample("iris", ask=False)
    idle(qtbot, window)
    set_settings(window, k=3, init="random", seed=1)
    idle(qtbot, window)
    window.show_panel("truth")
    s, truth, overlays = window.session, window.panels["truth"], window.overlays

    def labelled(suffix):
        qtbot.waitUntil(lambda: truth.ari.text().endswith(suffix), timeout=TIMEOUT)

    assert s.current.iteration == 0 and s.phase == "M"
    qtbot.waitUntil(lambda: (overlays.last_agreement or (None,))[0] is s.current.mixture,
                    timeout=TIMEOUT)
    ari = f"{overlays.last_agreement[2].ari:.3f}"
    assert truth.ari.text() == f"{ari} (start)"
    assert truth.caption.text().startswith("ARI of the start (no E-step yet)")
    assert "not of EM" in truth.ari.toolTip()
    window.actions["e_step"].trigger()
    idle(qtbot, window)
    labelled(ari)  # the same parameters, now evaluated: the same number, unlabelled
    assert "no E-step" not in truth.caption.text()
    steps(qtbot, window, 1)
    qtbot.waitUntil(lambda: overlays.last_agreement[0] is s.current.mixture, timeout=TIMEOUT)
    assert s.current.iteration == 1 and "(" not in truth.ari.text()  # an M-step's
    # A state made by hand is evaluated at once (its responsibilities colour the points)...
    m = s.current.mixture
    drag(qtbot, window.canvas.viewport(), pixel_of(window, *m.means[0]),
         pixel_of(window, m.means[0, 0] + 0.3, m.means[0, 1] + 0.3),
         Qt.KeyboardModifier.NoModifier)
    idle(qtbot, window)
    hand = s.current_index
    assert hand in s.branch.notes and s.phase == "E"
    qtbot.waitUntil(lambda: overlays.last_agreement[0] is s.current.mixture, timeout=TIMEOUT)
    assert "(" not in truth.ari.text()
    # ... and shown again from the timeline it looks as it did when made (trap 6).
    steps(qtbot, window, 1)
    window.history.scrub_to(hand)
    idle(qtbot, window)
    assert s.phase == "E"
    qtbot.waitUntil(lambda: overlays.last_agreement[0] is s.current.mixture, timeout=TIMEOUT)
    assert "(" not in truth.ari.text() and "no E-step" not in truth.caption.text()
    window.history.scrub_to(0)
    idle(qtbot, window)
    labelled("(start)")


# ------------------------------------------------------------------ animation


def test_gif_export_of_the_run(window, qtbot, tmp_path):
    from PIL import Image

    steps(qtbot, window, 4)
    path = tmp_path / "run.gif"
    assert window.exports.export("gif", str(path), size=(320, 240))
    qtbot.waitUntil(lambda: not window.gif_export.runner.busy, timeout=60_000)
    assert window.gif_export.last_frames == 5
    with Image.open(path) as im:
        assert im.n_frames == 5 and im.size == (320, 240)


# ------------------------------------------------------------------ closing (issue #6)


@pytest.mark.parametrize("what", ["selection", "gallery", "gif"])
def test_closing_during_background_work(qtbot, tmp_path, what):
    from gmm_explorer.engine.datasets import generate

    X, _ = generate("overlapping", 50_000, 4, 0)
    w = window_with(qtbot, tmp_path, X)
    steps(qtbot, w, 2)
    if what == "selection":
        w.analyses.start_selection()
        runner = w.analyses.selection_runner
    elif what == "gallery":
        w.analyses.start_gallery(30)
        runner = w.analyses.gallery_runner
    else:
        w.exports.export("gif", str(tmp_path / "a.gif"))
        runner = w.gif_export.runner
    assert runner.busy
    w.session.mark_saved()
    w.close()
    assert not runner.running
    assert not w.run.thread.running


# ------------------------------------------------------------------ narration and ghosts


def test_the_canvas_keeps_its_size_whatever_the_narration_says(window, qtbot):
    # The narration line is two lines high whether its text is empty, short or wraps:
    # stepping never moves the canvas (a moving canvas also redraws every point).
    window.resize(900, 700)
    QApplication.processEvents()
    heights = {window.canvas.height()}
    for _ in range(4):
        window.actions["step"].trigger()
        idle(qtbot, window)
        QApplication.processEvents()
        heights.add(window.canvas.height())
    line = window.narration
    assert line.fontMetrics().horizontalAdvance(line.text()) > line.width()  # it wraps
    line.setText("")
    QApplication.processEvents()
    heights.add(window.canvas.height())
    assert len(heights) == 1
    assert line.height() >= 2 * line.fontMetrics().lineSpacing()


@pytest.mark.parametrize("px", [14, 27, 40])
def test_both_lines_of_the_narration_show_whole(qtbot, px):
    """Two wrapped lines fit the narration line's height, descenders and all, at the
    normal size and at projector sizes (Qt's default indent of half an "x" on the top
    edge pushed the second line down and cut its descenders when presenting)."""
    from gmm_explorer.qt.layout import NarrationLine
    from gmm_explorer.qt.plot_style import font_px

    line = NarrationLine()
    qtbot.addWidget(line)
    line.setFont(font_px(px, line.font()))
    line.setText("Step 3: no point changed its most likely component; component 1 moved "
                 "by (-0.00207, -0.0244), weight 0.36 → 0.36; Δ mean log-likelihood")
    # As wide as makes two lines, and as high as the window's layout makes it.
    line.resize(line.fontMetrics().horizontalAdvance(line.text()) * 6 // 10,
                line.sizeHint().height())
    line.show()
    qtbot.waitExposed(line)
    image = line.grab().toImage()
    background = image.pixelColor(image.width() - 1, 0)

    def inked(y: int) -> bool:
        return any(image.pixelColor(x, y) != background for x in range(image.width()))

    rows = [y for y in range(image.height()) if inked(y)]
    assert rows, "nothing drawn"
    # The text's last row of the label's contents is clear: nothing was cut there.
    assert rows[-1] < line.contentsRect().bottom(), (rows[-1], line.contentsRect())
    # And there are two lines of ink: a gap of clear rows between them.
    assert any(not inked(y) for y in range(rows[0], rows[-1]))


def test_each_step_is_narrated_in_one_line(window, qtbot):
    window.actions["e_step"].trigger()
    idle(qtbot, window)
    assert window.narration.text().startswith("E-step: each of the 272 points")
    window.actions["m_step"].trigger()
    idle(qtbot, window)
    s = window.session
    before, after = s.history[0].mixture, s.history[1].mixture
    text = window.narration.text()
    assert text.startswith("M-step: component ")
    j = int(text.split("component ")[1].split(" ")[0]) - 1
    dx = after.means[j, 0] - before.means[j, 0]
    assert f"({dx:+.3g}, " in text and f"{s.current.change:+.3g}" in text
    window.actions["step"].trigger()
    idle(qtbot, window)
    assert window.narration.text().startswith("Step 2: ")
    window.actions["e_step"].trigger()  # recolours by iteration 2's responsibilities
    idle(qtbot, window)
    old = E.predict(s.points, s.history[1].mixture)  # the colours Step 2 showed
    new = E.predict(s.points, s.history[2].mixture)
    changed = int(np.count_nonzero(old != new))
    assert window.narration.text() == (
        "E-step: no point changed its most likely component" if changed == 0 else
        f"E-step: {changed} point{'s' if changed != 1 else ''} changed "
        f"{'their' if changed != 1 else 'its'} most likely component")


def test_the_line_follows_the_view_when_it_moves_back(window, qtbot):
    for _ in range(3):
        window.actions["step"].trigger()
        idle(qtbot, window)
    assert window.narration.text().startswith("Step 3: ")
    press(qtbot, window, Qt.Key.Key_Left)  # back one iteration on the timeline
    idle(qtbot, window)
    assert window.narration.text() == ("Viewing iteration 2 of 3 on main: Step continues "
                                       "from here (a new branch)")
    press(qtbot, window, Qt.Key.Key_Right)
    idle(qtbot, window)
    assert window.narration.text() == "Showing iteration 3, the newest of main"


def test_ghosts_show_the_state_an_m_step_left(window, qtbot):
    s = window.session
    window.actions["step"].trigger()
    idle(qtbot, window)
    assert window.canvas.ghost is s.history[0].mixture  # arrows from the old means
    window.actions["e_step"].trigger()
    idle(qtbot, window)
    assert window.canvas.ghost is None  # the next step has begun
    window.actions["m_step"].trigger()
    idle(qtbot, window)
    assert window.canvas.ghost is s.history[1].mixture
    window.actions["ghosts"].trigger()  # G turns them off
    assert window.canvas.ghost is None
    window.actions["ghosts"].trigger()
    assert window.canvas.ghost is s.history[1].mixture
    window.history.scrub_to(0)
    assert window.canvas.ghost is None  # a start has no previous state
    m = s.current.mixture
    from gmm_explorer.engine import edit

    window.run.apply_hand_edit(edit.move_mean(m, 0, (3.0, 70.0)), "moved by hand")
    idle(qtbot, window)
    assert window.canvas.ghost is None  # a change by hand is not an M-step


def test_each_step_reuses_the_rendered_mean_rings_and_handles(window, qtbot):
    """Mean rings and handles (and ghost arrow heads) are scatter spots, whose symbols
    pyqtgraph renders once per pen and brush *object*: the same pens and brushes every
    step, so stepping renders nothing new and the symbol caches stay the same size (a new
    pen each redraw rendered every spot anew and grew the caches at every step)."""
    c = window.canvas.layers.components.items()
    scatters = [c["means"], c["handles"]]
    steps(qtbot, window, 2)
    sizes = [len(s.fragmentAtlas) for s in scatters]
    assert all(sizes)
    steps(qtbot, window, 5)
    assert [len(s.fragmentAtlas) for s in scatters] == sizes
    np.testing.assert_array_equal(window.canvas.layers.components.mean_positions(),
                                  window.session.current.mixture.means)


def test_uncertainty_turned_on_while_a_step_runs_is_shown_after_it(window, qtbot):
    # The step in flight was asked for without the uncertainty; once it lands, the
    # window asks for its colours again, with it: never left neutral.
    from gmm_explorer.drawing import uncertainty_colors

    steps(qtbot, window, 1)
    window.actions["step"].trigger()
    window.actions["uncertainty"].trigger()
    idle(qtbot, window)
    qtbot.waitUntil(lambda: window.canvas.has_uncertainty, timeout=TIMEOUT)
    idle(qtbot, window)
    s = window.session
    assert s.current.iteration == 2
    resp = E.predict_proba(s.points, s.history[-2].mixture)
    np.testing.assert_array_equal(
        window.canvas.point_colors(),
        uncertainty_colors(np.round(255 * (1 - resp.max(axis=1))).astype(np.uint8)))
    # Back to the blend: its colours, and the next step's pass again without uncertainty.
    window.actions["uncertainty"].trigger()
    steps(qtbot, window, 1)
    assert not window.canvas.has_uncertainty
    assert window.canvas.color_mode == "soft"
