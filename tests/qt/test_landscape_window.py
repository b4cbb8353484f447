"""The likelihood landscape window (issue 13, part 2), driven as a user drives it: the
View menu's action, the two parameter boxes, Compute and Cancel; its grid, path and peaks
against the engine's."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from gmm_explorer.engine import landscape as L
from gmm_explorer.qt.dialogs.landscape import index_of
from tests.qt.window_helpers import TIMEOUT, idle, make_window


def open_landscape(qtbot, w):
    [act] = [a for a in w.menuBar().actions() if a.text() == "&View"]
    [item] = [a for a in act.menu().actions() if a.text().startswith("Likelihood")]
    item.trigger()
    qtbot.waitUntil(lambda: w.landscape_window.isVisible(), timeout=TIMEOUT)
    return w.landscape_window


def shown(qtbot, lw, iteration):
    qtbot.waitUntil(lambda: lw.shown is not None and lw.shown.iteration == iteration
                    and not lw.controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    return lw.shown


def test_the_landscape_is_the_engines_with_the_path_and_peaks(window, qtbot):
    for _ in range(3):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    lw = open_landscape(qtbot, window)
    view = shown(qtbot, lw, 3)
    s = window.session
    first, second = L.default_pair(2)
    assert lw.first.currentText() == "μ₁ " + s.column_names[0]
    assert lw.second.currentText() == "μ₂ " + s.column_names[0]
    ref = L.landscape(s.points, s.current.mixture, first, second,
                      first_values=L.default_values(s.points, first, 100),
                      second_values=L.default_values(s.points, second, 100))
    np.testing.assert_allclose(view.scape.log_likelihood, ref.log_likelihood, rtol=1e-12)
    assert view.peaks == L.local_maxima(ref)
    # The path: iteration 0 to 3 in those two coordinates, ending at the ring.
    path = np.asarray(view.path)
    assert path.shape == (4, 2)
    assert tuple(path[-1]) == (s.current.mixture.means[0, 0], s.current.mixture.means[1, 0])
    xs, ys = lw.path.getData()
    assert xs[-1] == path[-1, 1] and ys[-1] == path[-1, 0]
    assert lw.mirror.data.size == 1 and "local maxim" in lw.controls.status.text()
    # Back in the main window, a step moves the held parameters: the open window follows.
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    assert shown(qtbot, lw, 4).path.shape == (5, 2)


def test_choosing_other_parameters_recomputes(window, qtbot):
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    lw = open_landscape(qtbot, window)
    shown(qtbot, lw, 1)
    lw.second.setCurrentIndex(index_of(lw.second, L.Coordinate(0, 1)))  # μ₁ y
    qtbot.waitUntil(lambda: lw.shown is not None
                    and lw.shown.scape.second == L.Coordinate(0, 1)
                    and not lw.controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    assert lw.shown.scape.mirror_of_held is None and lw.mirror.data.size == 0
    # The same parameter twice is refused in words.
    lw.second.setCurrentIndex(index_of(lw.second, L.Coordinate(0, 0)))
    qtbot.waitUntil(lambda: "two different" in lw.controls.status.text(), timeout=TIMEOUT)
    assert lw.shown is None


def test_before_a_model_the_window_says_what_to_do(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    lw = open_landscape(qtbot, w)
    assert "No model yet" in lw.controls.status.text()


def test_cancel_stops_a_large_grid_and_compute_starts_it_again(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal((0, 0), 1, (60_000, 2)), rng.normal((5, 5), 1, (60_000, 2))])
    from tests.qt.window_helpers import window_with

    w = window_with(qtbot, tmp_path, X)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Space)
    idle(qtbot, w)
    lw = open_landscape(qtbot, w)
    lw.grid.setValue(200)
    lw.grid.editingFinished.emit()  # as leaving the box does
    qtbot.waitUntil(lambda: lw.controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    qtbot.mouseClick(lw.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelled" in lw.controls.status.text()
    qtbot.waitUntil(lambda: not w.landscape.busy, timeout=TIMEOUT)
    assert not lw.controls.progress.isVisible()
    lw.grid.setValue(30)
    qtbot.mouseClick(lw.controls.run_button, Qt.MouseButton.LeftButton)
    view = shown(qtbot, lw, 1)
    assert view.scape.log_likelihood.shape == (30, 30)


def test_closing_the_window_mid_computation_stops_the_thread(qtbot, tmp_path):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80_000, 2))
    from tests.qt.window_helpers import window_with

    w = window_with(qtbot, tmp_path, X)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Space)
    idle(qtbot, w)
    open_landscape(qtbot, w)
    qtbot.waitUntil(lambda: w.landscape.busy, timeout=TIMEOUT)
    w.close()
    assert not w.landscape.runner.running  # stopped, not left to abort the process


def test_the_gallerys_restarts_are_drawn_on_request(window, qtbot):
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    window.show_panel("gallery")
    gallery = window.panels["gallery"]
    qtbot.mouseClick(gallery.run_controls.run_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(window.analyses.optima)
                    and not window.analyses.gallery_runner.busy, timeout=120_000)
    n = len(window.analyses.restart_paths)
    lw = open_landscape(qtbot, window)
    view = shown(qtbot, lw, 1)
    assert view.restarts is None  # not asked for
    lw.show_restarts.setChecked(True)  # as ticking it does
    qtbot.waitUntil(lambda: lw.shown is not None and lw.shown.restarts is not None
                    and not lw.controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    view = lw.shown
    assert view.n_restarts == n >= 2
    # One NaN row after each path; each path ends where its restart ended.
    track = view.restarts
    assert int(np.isnan(track[:, 0]).sum()) == n
    first, second = view.scape.first, view.scape.second
    ends = track[np.flatnonzero(np.isnan(track[:, 0])) - 1]
    for p, end in zip(window.analyses.restart_paths, ends):
        assert tuple(end) == (p[-1, first.component, first.axis],
                              p[-1, second.component, second.axis])
    assert f"{n} restart paths" in lw.controls.status.text()


def test_presentation_mode_styles_the_open_tool_windows(window, qtbot):
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    lw = open_landscape(qtbot, window)
    shown(qtbot, lw, 1)
    normal = lw.first.font()
    window.actions["presentation"].trigger()  # F5, from the View menu
    style = window.presentation.style
    assert lw.first.font().pixelSize() == max(16, round(0.85 * style.text_px))
    assert window.compare_window.frame_text > 1.0
    window.actions["presentation"].trigger()
    assert lw.first.font() == normal and window.compare_window.frame_text == 0.9
