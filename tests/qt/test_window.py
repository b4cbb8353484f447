"""The window, driven as a user drives it (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QSettings, Qt

from gmm_explorer import engine as E
from gmm_explorer.qt.main_window import MainWindow
from tests.qt.window_helpers import (
    TIMEOUT,
    drag,
    idle,
    make_window,
    pixel_of,
    press,
    window_with,
)


def test_opens_with_old_faithful_initialised(window):
    s = window.session
    assert s.n_points == 272 and s.settings.k == 2
    assert s.initialised and s.current.iteration == 0
    assert "Old Faithful" in window.windowTitle() and "GMM Explorer" in window.windowTitle()
    assert "272 points" in window.status_label.text() and "initialised" in window.status_label.text()


def test_click_adds_a_point_at_the_clicked_data_coordinates(window, qtbot):
    window.canvas.view.setRange(xRange=(0, 10), yRange=(0, 100), padding=0)
    qtbot.wait(50)
    target = pixel_of(window, 3.0, 70.0)
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.LeftButton, pos=target)
    assert window.session.n_points == 273
    px, py = window.canvas.view.viewPixelSize()
    x, y = window.session.points[-1]
    assert abs(x - 3.0) <= px and abs(y - 70.0) <= py


def test_clicks_on_the_axes_do_not_add_points(window, qtbot):
    """pyqtgraph forwards an axis's clicks to its view box: only clicks inside the plot
    area may edit the data."""
    from PySide6.QtCore import QPointF

    window.resize(1280, 820)  # room for the axis labels
    qtbot.wait(100)

    plot = window.canvas.plotItem
    box = window.canvas.view.sceneBoundingRect()
    # The axis labels ("eruptions", "waiting") and the tick numbers just outside the box.
    places = [plot.getAxis(a).label.sceneBoundingRect().center() for a in ("bottom", "left")]
    places += [QPointF(box.center().x(), box.bottom() + 8), QPointF(box.left() - 12,
                                                                  box.center().y())]
    for centre in places:
        assert not box.contains(centre)
        pos = window.canvas.mapFromScene(centre)
        for button in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            qtbot.mouseClick(window.canvas.viewport(), button, pos=pos)
            assert window.session.n_points == 272


def test_right_click_deletes_the_nearest_point_and_undo_redo(window, qtbot):
    window.canvas.view.setRange(xRange=(1, 6), yRange=(40, 100), padding=0)
    qtbot.wait(50)
    s = window.session
    pos = pixel_of(window, *s.points[10]) + QPoint(2, 1)  # a couple of pixels off
    # The point nearest the click, measured in screen pixels, is the one to go.
    click = window.canvas.view.mapSceneToView(window.canvas.mapToScene(pos))
    px, py = window.canvas.view.viewPixelSize()
    d = np.hypot((s.points[:, 0] - click.x()) / px, (s.points[:, 1] - click.y()) / py)
    victim = s.points[np.argmin(d)].copy()
    assert d.min() < 4
    copies = np.sum(np.all(s.points == victim, axis=1))  # Old Faithful has duplicates
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.RightButton, pos=pos)
    assert s.n_points == 271
    assert np.sum(np.all(s.points == victim, axis=1)) == copies - 1
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert s.n_points == 272
    press(qtbot, window, Qt.Key.Key_Z,
          Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert s.n_points == 271
    # A right-click far from any point deletes nothing.
    qtbot.mouseClick(window.canvas.viewport(), Qt.MouseButton.RightButton,
                     pos=pixel_of(window, 1.2, 98.0))
    assert s.n_points == 271


def test_step_updates_the_likelihood_plot_table_and_status_bar(window, qtbot):
    press(qtbot, window, Qt.Key.Key_Space)
    idle(qtbot, window)
    s = window.session
    assert [r.iteration for r in s.history] == [0, 1]
    x, y = window.ll_panel.active_curve()
    np.testing.assert_array_equal(x, [0, 1])
    np.testing.assert_array_equal(y, [r.mean_log_likelihood for r in s.history])
    m = s.current.mixture
    assert window.table.rowCount() == 2
    assert window.table.cell_text(0, 1) == f"{m.weights[0]:.4g}"
    assert window.table.cell_text(1, 3) == f"{m.means[1, 1]:.4g}"
    status = window.status_label.text()
    assert "iteration 1" in status and f"{s.current.mean_log_likelihood:.6g}" in status
    assert "ΔLL" in status
    assert str(round(s.current.log_likelihood, 1))[:5] in window.ll_panel.toolTip()


def test_e_then_m_equals_one_step(window, qtbot):
    start = window.session.current.mixture
    press(qtbot, window, Qt.Key.Key_E)
    idle(qtbot, window)
    assert window.session.phase == "E"
    # After the E-step the colours changed but the ellipses did not move.
    assert window.session.displayed_mixture is start
    colors_e = np.array(window.canvas.point_colors())
    assert not np.all(colors_e == colors_e[0])
    press(qtbot, window, Qt.Key.Key_M)
    idle(qtbot, window)
    via_halves = window.session.current.mixture
    assert not via_halves.equals(start)
    np.testing.assert_array_equal(window.canvas.point_colors(), colors_e)  # M keeps colours

    press(qtbot, window, Qt.Key.Key_I)  # same seed: the same start again
    idle(qtbot, window)
    assert window.session.current.mixture.equals(start)
    press(qtbot, window, Qt.Key.Key_Space)
    idle(qtbot, window)
    assert window.session.current.mixture.equals(via_halves)
    np.testing.assert_array_equal(window.canvas.point_colors(), colors_e)


def test_run_then_pause_stops_within_one_step(window, qtbot):
    window.controls.tol.setValue(0.0)  # never converges: the run goes on until paused
    window.controls.max_iter.setValue(100000)
    idle(qtbot, window)
    window.controls.speed.setValue(window.controls.speed.maximum())
    press(qtbot, window, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: window.session.current.iteration >= 5, timeout=TIMEOUT)
    press(qtbot, window, Qt.Key.Key_R)
    at_pause = window.session.current.iteration
    assert not window.run.running
    idle(qtbot, window)
    qtbot.wait(300)
    assert window.session.current.iteration <= at_pause + 1


def test_changing_k_mid_run_discards_stale_results(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    w = window_with(qtbot, tmp_path,
                    rng.normal(size=(300_000, 2)) + rng.integers(0, 4, (300_000, 1)) * 3)
    w.controls.tol.setValue(0.0)
    w.controls.max_iter.setValue(5000)
    idle(qtbot, w)
    press(qtbot, w, Qt.Key.Key_C)  # run to convergence: a long request in the worker
    qtbot.waitUntil(lambda: w.run.busy, timeout=TIMEOUT)
    w.controls.k.setValue(3)  # mid-run
    idle(qtbot, w)
    assert w.run.dropped_results >= 1
    assert w.session.current.mixture.n_components == 3
    assert all(r.mixture.n_components == 3 for r in w.session.history)


def test_closing_mid_run_stops_the_worker_thread(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, np.random.default_rng(1).normal(size=(400_000, 2)))
    w.controls.tol.setValue(0.0)
    w.controls.max_iter.setValue(100000)
    idle(qtbot, w)
    press(qtbot, w, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: w.run.busy, timeout=TIMEOUT)
    w.close()
    assert w.run.thread.running is False


def test_bad_file_shows_an_error_and_keeps_the_data(window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    before = window.session.points
    assert not window.files.load_file(str(bad))
    assert "bad.csv:3" in window.feedback.last_error
    assert window.session.points is before and window.session.n_points == 272


def test_brush_stroke_paints_points_as_one_undo_step(window, qtbot):
    a, b = pixel_of(window, 2.0, 60.0), pixel_of(window, 4.0, 80.0)
    drag(qtbot, window.canvas.viewport(), a, b, Qt.KeyboardModifier.ShiftModifier)
    added = window.session.n_points - 272
    assert added >= 8
    press(qtbot, window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.session.n_points == 272


def test_rubber_band_selection_then_delete(window, qtbot):
    window.canvas.view.setRange(xRange=(1, 6), yRange=(40, 100), padding=0)
    qtbot.wait(50)
    a, b = pixel_of(window, 1.5, 45.0), pixel_of(window, 3.0, 70.0)
    drag(qtbot, window.canvas.viewport(), a, b, Qt.KeyboardModifier.ControlModifier)
    pts = window.session.points
    inside = ((pts[:, 0] >= 1.5) & (pts[:, 0] <= 3.0) & (pts[:, 1] >= 45.0)
              & (pts[:, 1] <= 70.0))
    assert abs(window.points.selection.size - inside.sum()) <= 3  # within a pixel of the edges
    n_sel = window.points.selection.size
    assert n_sel > 50
    press(qtbot, window, Qt.Key.Key_Delete)
    assert window.session.n_points == 272 - n_sel
    idle(qtbot, window)
    # The kept parameters were re-evaluated on the new data as iteration 0.
    assert window.session.current.iteration == 0
    assert window.session.current.n_samples == 272 - n_sel


def test_large_point_sets_are_drawn_as_an_image(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, np.random.default_rng(2).normal(size=(50_000, 2)))
    assert w.canvas.uses_raster
    img = w.canvas.layers.points.raster_image()
    assert img is not None and img.shape[2] == 4 and img[..., 3].max() > 0
    assert len(w.canvas.layers.points.marker_positions()) == 0


def test_a_million_points_are_drawn_off_the_gui_thread_as_the_gui_would(qtbot, tmp_path):
    from gmm_explorer.drawing import raster
    from gmm_explorer.qt.canvas.canvas import BACKGROUND_RASTER

    rng = np.random.default_rng(4)
    X = rng.normal(size=(BACKGROUND_RASTER, 2)) + rng.integers(0, 3, (BACKGROUND_RASTER, 1))
    w = window_with(qtbot, tmp_path, X)
    c = w.canvas
    pending_when_applied = []
    w.run.result_applied.connect(lambda _res: pending_when_applied.append(
        (c.raster_pending, c.density_pending, c.paint_held, w.presenter.panels_pending,
         w.ll_panel.marker_position)))
    qtbot.waitUntil(lambda: not w.presenter.panels_pending, timeout=TIMEOUT)
    before = w.ll_panel.marker_position  # iteration 0's, drawn a turn after the canvas
    assert before is not None
    press(qtbot, w, Qt.Key.Key_Space)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: not c.view_redraw_pending and not w.presenter.panels_pending,
                    timeout=TIMEOUT)
    # The step's result was applied while its image and its density were still being
    # made elsewhere, and the canvas did not paint until both were shown; the panels
    # were refreshed a turn of the event loop later...
    assert pending_when_applied == [(True, True, True, True, before)]
    assert not c.paint_held and c.viewport().updatesEnabled()
    cur = w.session.current
    assert w.ll_panel.marker_position == (cur.iteration, cur.mean_log_likelihood)
    # ...the contours being those the GUI thread would have drawn...
    from gmm_explorer.qt.canvas.overlays import density_picture

    here = density_picture(w.session.displayed_mixture, *c.view.viewRange(), True, False)
    assert here.segments[0].size
    for level, seg in enumerate(here.segments):
        np.testing.assert_array_equal(np.column_stack(c.layers.density.contour(level)), seg)
    # ...and a density overtaken by another choice (contours off as it is being worked
    # out) never shows.
    def contours_off(_res):
        assert c.density_pending
        w.controls.contours.setChecked(False)

    w.run.result_applied.connect(contours_off)
    w.actions["step"].trigger()
    idle(qtbot, w)
    w.run.result_applied.disconnect(contours_off)
    qtbot.waitUntil(lambda: not c.view_redraw_pending and not c.paint_held, timeout=TIMEOUT)
    assert c.layers.density.contour(0)[0].size == 0
    w.controls.contours.setChecked(True)
    qtbot.waitUntil(lambda: not c.view_redraw_pending, timeout=TIMEOUT)
    assert c.layers.density.contour(0)[0].size
    # ...and the image is the one the GUI thread would have made.

    def made_here():
        (x0, x1), (y0, y1) = c.view.viewRange()
        ratio = c.devicePixelRatioF()
        return raster(c.points, np.asarray(c.point_colors()), (x0, x1), (y0, y1),
                      max(1, round(c.view.width() * ratio)),
                      max(1, round(c.view.height() * ratio)))

    np.testing.assert_array_equal(c.layers.points.raster_image(), made_here())
    # An export does not wait for, or take, an image still being made elsewhere.
    c.set_color_mode("hard")
    assert c.raster_pending
    with c.paper():
        np.testing.assert_array_equal(c.layers.points.raster_image(), made_here())
    assert w.exports.canvas_png()[:4] == b"\x89PNG"
    # An image asked for and then overtaken by other points never shows.
    c.redraw_view_now()
    assert c.raster_pending
    w.data.load_sample()
    idle(qtbot, w)
    qtbot.waitUntil(lambda: not c.raster_pending, timeout=TIMEOUT)
    assert not c.uses_raster and c.layers.points.raster_image() is None
    assert len(c.layers.points.marker_positions()) == 272


def test_settings_are_remembered(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    w.controls.k.setValue(4)
    w.controls.covariance.setCurrentIndex(w.controls.covariance.findData("diag"))
    idle(qtbot, w)
    w.close()
    w2 = make_window(qtbot, tmp_path)
    assert w2.controls.k.value() == 4 and w2.controls.covariance.currentText() == "diag (VVI)"
    assert w2.session.settings.k == 4
    # The algorithm, the prior and the noise too.
    w2.data.load_sample()
    idle(qtbot, w2)
    w2.controls.prior.click()
    w2.controls.noise.setValue(0.0)
    box = w2.controls.algorithm
    box.setCurrentIndex(box.findData("cem"))
    idle(qtbot, w2)
    assert w2.session.settings.prior and w2.session.settings.algorithm == "cem"
    w2.close()
    w3 = make_window(qtbot, tmp_path)
    s = w3.session.settings
    assert (s.algorithm, s.prior, s.k) == ("cem", True, 4)
    assert w3.controls.prior.isChecked() and w3.controls.algorithm.currentData() == "cem"


def test_damaged_remembered_flags_fall_back_to_the_defaults(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    q = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    q.setValue("model/prior", "maybe")
    q.setValue("model/k", 5)
    q.sync()
    w = make_window(qtbot, tmp_path)
    assert w.session.settings == type(w.session.settings)()


def test_every_control_has_a_tooltip(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    widgets = window.controls.findChildren(QAbstractButton) + \
        window.controls.findChildren(QAbstractSpinBox) + \
        window.controls.findChildren(QComboBox) + window.controls.findChildren(QSlider)
    missing = [w for w in widgets if not (w.toolTip() or
                                          (hasattr(w, "defaultAction") and w.defaultAction()
                                           and w.defaultAction().toolTip()))]
    assert widgets and not missing


def test_engine_results_match_the_window(window, qtbot):
    """Ten steps in the window give exactly the engine's ten iterations."""
    start = window.session.current.mixture
    for _ in range(10):
        press(qtbot, window, Qt.Key.Key_Space)
        idle(qtbot, window)
    X = window.session.points
    # The window lets the user step on past convergence; compare with a run that does too.
    s = window.session.settings
    expected = list(E.iterate(X, start, E.EMSettings(s.covariance_type, s.reg_covar, 0.0, 10)))
    got = window.session.history
    assert len(got) == len(expected) == 11
    for a, b in zip(got, expected):
        assert a.mixture.equals(b.mixture) and a.log_likelihood == b.log_likelihood


def test_space_steps_right_after_launch_and_after_editing_a_setting(window, qtbot):
    """The keyboard starts on the canvas, so the first Space steps EM."""
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Space)
    idle(qtbot, window)
    assert window.session.current.iteration == 1
    window.controls.seed.setFocus()
    window.controls.seed.selectAll()
    qtbot.keyClicks(window.controls.seed, "7")
    qtbot.keyClick(window.controls.seed, Qt.Key.Key_Return)
    idle(qtbot, window)
    qtbot.keyClick(window.focusWidget() or window, Qt.Key.Key_Space)
    idle(qtbot, window)
    assert window.session.settings.seed == 7
    assert window.session.current.iteration >= 1


def test_a_closed_window_is_freed_without_the_cyclic_collector(qtbot, tmp_path):
    """No Python reference cycle runs through the window or its controllers. Python's
    cyclic garbage collector runs in whichever thread happens to allocate, so a cycle
    would let the EM worker thread destroy widgets (a deadlock seen in the state-machine
    test): everything must be freed by reference counting, in the GUI thread."""
    import gc
    import weakref

    from PySide6.QtCore import QCoreApplication, QEvent

    gc.collect()
    gc.disable()
    try:
        w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
        w.show()
        qtbot.waitExposed(w)
        w.data.load_sample()
        idle(qtbot, w)
        w.actions["step"].trigger()
        idle(qtbot, w)
        refs = [weakref.ref(o) for o in (w, w.run, w.files, w.presenter, w.session)]
        w.session.mark_saved()
        w.close()
        w.deleteLater()
        del w
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
        assert [r() is None for r in refs] == [True] * len(refs)
    finally:
        gc.enable()


def test_help_lists_the_keyboard_shortcuts(window, qtbot):
    from PySide6.QtWidgets import QApplication, QMessageBox

    def shown():
        return [b for b in QApplication.topLevelWidgets() if isinstance(b, QMessageBox)
                and b.isVisible() and b.windowTitle() == "Keyboard shortcuts"]

    window.actions["shortcuts"].trigger()
    qtbot.waitUntil(lambda: bool(shown()), timeout=TIMEOUT)
    box = shown()[0]
    assert "Space" in box.text() and "Run to convergence" in box.text()
    assert box.parent() is window
    box.close()


def _click_up_arrow(qtbot, spin):
    """A real click on a spin box's up arrow (it takes the keyboard focus)."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSpinBox

    opt = QStyleOptionSpinBox()
    spin.initStyleOption(opt)
    rect = spin.style().subControlRect(QStyle.ComplexControl.CC_SpinBox, opt,
                                       QStyle.SubControl.SC_SpinBoxUp, spin)
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton, pos=rect.center())


def test_em_keys_act_window_wide_even_in_a_spin_box(window, qtbot):
    """Click K's up arrow, then Space: EM steps and K stays what it is (it used to blank
    K and do nothing). E, M, the arrows and Esc act too; Esc gives the keys back to the
    canvas."""
    k = window.controls.k
    _click_up_arrow(qtbot, k)
    idle(qtbot, window)
    assert k.value() == 3 and window.session.settings.k == 3
    assert window.focusWidget() in (k, k.lineEdit())
    start = window.session.current.iteration
    focus = window.focusWidget()
    for key in (Qt.Key.Key_Space, Qt.Key.Key_Space):
        qtbot.keyClick(focus, key)
        idle(qtbot, window)
    assert window.session.current.iteration == start + 2
    qtbot.keyClick(focus, Qt.Key.Key_E)
    idle(qtbot, window)
    assert window.session.phase == "E"
    qtbot.keyClick(focus, Qt.Key.Key_M)
    idle(qtbot, window)
    assert window.session.current.iteration == start + 3 and window.session.phase == "M"
    qtbot.keyClick(focus, Qt.Key.Key_Left)
    idle(qtbot, window)
    assert window.session.current.iteration == start + 2
    qtbot.keyClick(focus, Qt.Key.Key_Right)
    idle(qtbot, window)
    assert window.session.current.iteration == start + 3
    assert k.value() == 3 and k.text() == "3"  # never edited by those keys
    qtbot.keyClick(focus, Qt.Key.Key_Escape)
    assert window.focusWidget() is window.canvas


def test_a_number_typed_into_k_applies_on_enter(window, qtbot):
    k = window.controls.k
    _click_up_arrow(qtbot, k)
    idle(qtbot, window)
    edit = k.lineEdit()
    edit.selectAll()
    qtbot.keyClicks(edit, "4")
    assert window.session.settings.k == 3  # not yet: typing is not choosing
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    idle(qtbot, window)
    assert window.session.settings.k == 4 and window.session.current.mixture.n_components == 4


def test_a_branch_name_still_takes_every_letter(window, qtbot):
    """Free text fields keep their keys: renaming a branch to "ice cream" types it."""
    from PySide6.QtWidgets import QLineEdit

    edit = QLineEdit(window)
    edit.show()
    edit.setFocus()
    qtbot.keyClicks(edit, "ice cream")
    assert edit.text() == "ice cream"
    assert window.session.phase == "M"  # no E-step was triggered


def test_clear_all_leaves_no_model_a_hint_and_a_neutral_view(window, qtbot):
    window.actions["step"].trigger()
    idle(qtbot, window)
    window.actions["clear"].trigger()
    idle(qtbot, window)
    assert window.session.n_points == 0
    assert window.canvas.mixture is None  # no ellipses of data that are gone
    assert window.canvas.hint and "Click to add points" in window.canvas.hint
    assert "no model" in window.status_label.text()
    (x0, x1), (y0, y1) = window.canvas.view.viewRange()
    assert (x1 - x0) == pytest.approx(y1 - y0, rel=0.05) and x0 <= 0.5 and x1 >= 9.5
    for key in ("e_step", "step", "converge", "m_step"):
        window.feedback.status("")
        window.actions[key].trigger()
        idle(qtbot, window)
        assert "evaluating" not in window.status_label.text()
    window.actions["e_step"].trigger()
    assert "no points" in window.statusBar().currentMessage()
    window.points.add_point(5.0, 5.0)
    idle(qtbot, window)
    assert window.canvas.hint is None and window.canvas.mixture is None
    assert "needs at least 2 points" in window.status_label.text()


def test_em_asked_for_while_busy_runs_when_the_worker_is_free(window, qtbot):
    """Change K and press C at once: the initialisation is still running, and Run to
    convergence used to be dropped without a word."""
    window.controls.k.setValue(3)
    assert window.run.busy
    window.actions["converge"].trigger()
    assert "when" in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: window.session.current is not None
                    and window.session.current.iteration > 0 and not window.run.busy,
                    timeout=TIMEOUT)
    cur = window.session.current
    assert cur.mixture.n_components == 3
    assert E.run_finished(cur, window.session.settings.em_settings())


def test_the_first_step_never_waits_for_the_compiler(qtbot, tmp_path, monkeypatch):
    """Until the numba kernels are compiled (25-95 s on a loaded machine's first launch),
    EM runs on the engine's numpy path; a busy indicator says why after half a second."""
    import threading

    from gmm_explorer.qt.busy_indicator import MAX_CHARS
    from gmm_explorer.qt.controllers import kernels as kernels_module

    release = threading.Event()

    def slow_compile(report, cancelled):
        release.wait(60)

    monkeypatch.setattr(kernels_module, "compile_kernels", slow_compile)
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    try:
        w.data.load_sample()
        for _ in range(3):
            w.actions["step"].trigger()
            qtbot.waitUntil(lambda: not w.run.busy, timeout=TIMEOUT)
        assert not w.kernels.ready and w.session.current.iteration == 3
        engine = list(E.iterate(w.session.points, w.session.history[0].mixture,
                                w.session.settings.em_settings(), backend="numba"))[3]
        np.testing.assert_allclose(w.session.current.mixture.means, engine.mixture.means,
                                   rtol=1e-12)
        qtbot.waitUntil(lambda: w.busy.reason is not None, timeout=TIMEOUT)
        assert "compiling" in w.busy.reason.lower()
        # The reason is cut to leave the status line its room, and whole in the tooltip.
        shown = w.busy.label.text()
        assert shown.endswith("…") and shown.startswith("Compiling the fast EM kernels")
        assert w.busy.toolTip() == w.busy.reason
        metrics = w.busy.label.fontMetrics()
        assert metrics.horizontalAdvance(shown) <= metrics.averageCharWidth() * MAX_CHARS
    finally:
        release.set()
    qtbot.waitUntil(lambda: w.kernels.ready and w.busy.reason is None, timeout=TIMEOUT)


def test_the_compiler_waits_for_the_windows_first_paint(qtbot, tmp_path, monkeypatch):
    """Importing numba and loading its kernels hold Python's lock for half a second: the
    compiler thread starts once the window has painted, so it never delays that paint."""
    from PySide6.QtCore import QEvent, QObject

    from gmm_explorer.qt.controllers import kernels as kernels_module

    paints = []
    compiled_after = []

    class PaintCount(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                paints.append(1)
            return False

    def recording_compile(report, cancelled):
        compiled_after.append(len(paints))

    monkeypatch.setattr(kernels_module, "compile_kernels", recording_compile)
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    counter = PaintCount()
    w.installEventFilter(counter)
    qtbot.wait(300)
    assert compiled_after == [] and not w.kernels.ready  # not shown: not yet compiling
    w.show()
    qtbot.waitUntil(lambda: w.kernels.ready, timeout=TIMEOUT)
    assert compiled_after and compiled_after[0] >= 1


def test_a_window_never_shown_still_gets_its_kernels(qtbot, tmp_path, monkeypatch):
    from gmm_explorer.qt.controllers import kernels as kernels_module

    monkeypatch.setattr(kernels_module, "compile_kernels", lambda report, cancelled: None)
    monkeypatch.setattr(kernels_module, "START_ANYWAY_MS", 200)
    w = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.kernels.ready, timeout=TIMEOUT)
    assert not w.isVisible()


def test_a_long_wait_shows_what_it_waits_for(window, qtbot):
    window.controls.tol.setValue(0.0)  # never converges: it runs until Esc
    window.controls.max_iter.setValue(100_000)
    idle(qtbot, window)
    window.actions["converge"].trigger()
    qtbot.waitUntil(lambda: window.busy.reason is not None, timeout=TIMEOUT)
    assert window.busy.reason == "Running to convergence (Esc stops) on 272 points"
    press(qtbot, window, Qt.Key.Key_Escape)
    idle(qtbot, window)
    assert window.busy.reason is None


def test_every_dock_tab_title_is_whole_at_1280x720(window, qtbot):
    """The docks are tabbed down the right edge: their titles fit unelided."""
    from PySide6.QtWidgets import QTabBar

    window.resize(1280, 720)
    qtbot.wait(100)
    bars = [b for b in window.findChildren(QTabBar) if b.count() == len(window.docks)]
    assert bars
    bar = bars[0]
    for i in range(bar.count()):
        text = bar.tabText(i)
        # Under a real display's larger fonts seven tabs of "Model selection" length did
        # not fit 720 px (checked in screenshots): the titles are at most 9 characters.
        assert len(text) <= 9, text
        needed = bar.fontMetrics().horizontalAdvance(text)
        assert bar.tabRect(i).height() >= needed, text  # tabs run down the East edge
    titles = {a.text() for a in window.menus["panels"].actions()}
    assert {"Model selection", "Local optima", "Ground truth"} <= titles


def test_ctrl_c_on_the_parameter_table_copies_it_for_a_spreadsheet(window, qtbot):
    from PySide6.QtGui import QGuiApplication

    window.actions["step"].trigger()
    idle(qtbot, window)
    table = window.table
    table.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    header = lines[0].split("\t")
    assert header[:4] == ["component", "w", "μx", "μy"] and "Σxy" in header
    m = window.session.current.mixture
    assert len(lines) == 1 + m.n_components
    for j, line in enumerate(lines[1:]):
        cells = line.split("\t")
        assert cells[0] == str(j + 1)
        assert float(cells[1]) == m.weights[j]  # full precision, not the 4 digits shown
        assert float(cells[2]) == m.means[j, 0] and float(cells[3]) == m.means[j, 1]
        assert float(cells[header.index("Σxy")]) == m.covariances[j, 0, 1]


def test_a_status_line_too_long_for_the_window_ends_with_an_ellipsis(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    label = w.status_label
    full = label.text()
    assert "not converged" in full and label.toolTip() == full
    w.resize(1280, 720)
    qtbot.waitUntil(lambda: label.width() > 0, timeout=TIMEOUT)
    assert label.shown_text() == full  # room enough: all of it
    label.setFixedWidth(label.fontMetrics().horizontalAdvance(full) // 2)
    shown = label.shown_text()
    assert shown.endswith("…") and full.startswith(shown[:-1]) and len(shown) < len(full)
    assert label.text() == full and label.toolTip() == full
