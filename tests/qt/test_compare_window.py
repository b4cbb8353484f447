"""Algorithms side by side (issue 13, part 4), driven as a user drives it: EM › Compare
algorithms…, the iteration slider (mouse and keys), Cancel, Run all, Export PNG and
Export GIF."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from gmm_explorer.engine.compare import COMPARED
from tests.qt.window_helpers import TIMEOUT, idle, make_window, window_with


def open_compare(qtbot, w):
    [em] = [a for a in w.menuBar().actions() if a.text() == "&EM"]
    [item] = [a for a in em.menu().actions() if a.text().startswith("Compare")]
    item.trigger()
    qtbot.waitUntil(lambda: w.compare_window.isVisible(), timeout=TIMEOUT)
    return w.compare_window


def ran(qtbot, w):
    cw = w.compare_window
    qtbot.waitUntil(lambda: w.compare.runs is not None and not w.compare.busy
                    and cw.view.image is not None, timeout=TIMEOUT)
    return w.compare.runs


def test_the_five_algorithms_run_from_the_displayed_state(window, qtbot):
    for _ in range(2):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    cw = open_compare(qtbot, window)
    runs = ran(qtbot, window)
    s = window.session
    assert [r.algorithm for r in runs] == list(COMPARED)
    for r in runs:
        if r.algorithm != "vb":
            np.testing.assert_array_equal(r.states[0].mixture.means, s.current.mixture.means)
    n = max(len(r.states) for r in runs) - 1
    assert cw.slider.maximum() == n == 30  # SEM runs every iteration
    assert "From iteration 2" in cw.controls.status.text()
    # The slider (keys) picks the iteration every frame shows.
    cw.slider.setFocus()
    before = cw.view.image
    qtbot.keyClick(cw.slider, Qt.Key.Key_End)
    assert cw.slider.value() == n and "iteration 30 of 30" in cw.iteration_label.text()
    assert cw.view.image is not before
    qtbot.keyClick(cw.slider, Qt.Key.Key_Home)
    assert cw.slider.value() == 0


def test_exports_write_a_png_and_a_gif(window, qtbot, tmp_path, monkeypatch):
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    cw = open_compare(qtbot, window)
    ran(qtbot, window)
    cw.n_iter.setValue(6)
    qtbot.mouseClick(cw.controls.run_button, Qt.MouseButton.LeftButton)
    runs = ran(qtbot, window)
    assert max(len(r.states) for r in runs) == 7
    png, gif = tmp_path / "side.png", tmp_path / "side.gif"
    answers = iter([str(png), str(gif)])
    monkeypatch.setattr(type(window.compare), "ask_path", lambda self, kind: next(answers))
    qtbot.mouseClick(cw.export_png, Qt.MouseButton.LeftButton)
    with Image.open(png) as im:
        assert im.size == (1200, 600)
    qtbot.mouseClick(cw.export_gif, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.compare.busy and "Exported" in
                    cw.controls.status.text() and "frames" in cw.controls.status.text(),
                    timeout=TIMEOUT)
    with Image.open(gif) as im:
        assert im.n_frames == 7


def test_cancel_leaves_nothing_running(qtbot, tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal((0, 0), 1, (40_000, 2)), rng.normal((4, 4), 1, (40_000, 2))])
    w = window_with(qtbot, tmp_path, X)
    qtbot.keyClick(w.canvas, Qt.Key.Key_Space)
    idle(qtbot, w)
    cw = open_compare(qtbot, w)
    cw.n_iter.setValue(200)
    qtbot.waitUntil(lambda: cw.controls.cancel_button.isEnabled(), timeout=TIMEOUT)
    qtbot.mouseClick(cw.controls.cancel_button, Qt.MouseButton.LeftButton)
    assert "Cancelled" in cw.controls.status.text()
    qtbot.waitUntil(lambda: not w.compare.busy, timeout=TIMEOUT)
    assert not cw.controls.progress.isVisible()
    w.close()
    assert not w.compare.runner.running


def test_before_a_model_the_window_says_what_to_do(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    cw = open_compare(qtbot, w)
    assert "No model yet" in cw.controls.status.text()
    assert not cw.export_png.isEnabled()
