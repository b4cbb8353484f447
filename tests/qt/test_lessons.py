"""Help › Lessons (issue 13, part 5): each shipped lesson, run end to end offscreen as a
student would, its steps done through the window and what each says to notice checked;
and a bad lesson file leaves the session as it was."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gmm_explorer import engine as E
from gmm_explorer.io.lessons import bundled_lessons
from tests.qt.window_helpers import TIMEOUT, idle, make_window, pixel_of

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def w(qtbot, tmp_path):
    return make_window(qtbot, tmp_path)


def open_lesson(qtbot, w, number: int):
    """Help › Lessons › the lesson ``number`` (1-based), as a student opens it."""
    [help_menu] = [a for a in w.menuBar().actions() if a.text() == "&Help"]
    [lessons] = [a for a in help_menu.menu().actions() if a.text() == "&Lessons"]
    title = bundled_lessons()[number - 1].title
    [item] = [a for a in lessons.menu().actions() if a.text() == title]
    item.trigger()
    idle(qtbot, w)
    assert w.lesson_dock.isVisible() and w.lesson_panel.title.text() == title
    assert w.files.session_path is None  # an untitled copy: Save never overwrites it
    return w.lesson_panel


def key(qtbot, w, k, times=1):
    for _ in range(times):
        qtbot.keyClick(w.canvas, k)
        idle(qtbot, w)


def next_step(qtbot, panel):
    qtbot.mouseClick(panel.next, LEFT)


def converge(qtbot, w):
    key(qtbot, w, Qt.Key.Key_C)
    qtbot.waitUntil(lambda: not w.run.busy and w.session.current.converged, timeout=TIMEOUT)


def test_lesson_1_one_gaussian_is_the_samples_mean_and_covariance(w, qtbot):
    panel = open_lesson(qtbot, w, 1)
    assert panel.counter.text() == "Step 1 of 3" and not panel.back.isEnabled()
    key(qtbot, w, Qt.Key.Key_I)
    key(qtbot, w, Qt.Key.Key_Space)
    s = w.session
    X = s.points
    m = s.current.mixture
    np.testing.assert_allclose(m.means[0], X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(m.covariances[0], np.cov(X.T, bias=True) + 1e-6 * np.eye(2),
                               rtol=1e-10)
    next_step(qtbot, panel)
    key(qtbot, w, Qt.Key.Key_Space)
    assert s.current.converged  # flat: nothing changes after the first step
    next_step(qtbot, panel)
    assert panel.counter.text() == "Step 3 of 3" and not panel.next.isEnabled()


def test_lesson_2_two_bumps_beat_one(w, qtbot):
    panel = open_lesson(qtbot, w, 2)
    key(qtbot, w, Qt.Key.Key_I)
    converge(qtbot, w)
    one = w.session.current.mean_log_likelihood
    next_step(qtbot, panel)
    w.controls.k.setValue(2)
    idle(qtbot, w)
    key(qtbot, w, Qt.Key.Key_I)
    converge(qtbot, w)
    two = w.session.current.mean_log_likelihood
    assert two - one == pytest.approx(0.59, abs=0.1)  # "about half a nat per point"
    next_step(qtbot, panel)
    assert w.docks["selection"].isVisible()
    qtbot.waitUntil(lambda: bool(w.analyses.rows) and not w.analyses.selection_runner.busy,
                    timeout=120_000)
    full = E.best_row([r for r in w.analyses.rows if r.covariance_type == "full"], "bic")
    assert full.n_components == 2
    best = E.best_row(w.analyses.rows, "bic")
    assert (best.n_components, best.covariance_type) == (3, "tied")


def test_lesson_3_half_steps_close_and_reopen_the_gap(w, qtbot):
    panel = open_lesson(qtbot, w, 3)
    key(qtbot, w, Qt.Key.Key_I)
    key(qtbot, w, Qt.Key.Key_E)
    assert w.docks["bound"].isVisible()
    bound = w.panels["bound"]
    qtbot.waitUntil(lambda: bound.shown is not None and bound.shown.shown.half == "E",
                    timeout=TIMEOUT)
    assert float(bound.value_text("kl").replace("−", "-")) == 0.0
    next_step(qtbot, panel)
    key(qtbot, w, Qt.Key.Key_M)
    qtbot.waitUntil(lambda: bound.shown is not None and bound.shown.shown.half == "M",
                    timeout=TIMEOUT)
    assert float(bound.value_text("kl")) > 0
    assert abs(bound.shown.slice.best_t - 1.0) <= 0.05
    next_step(qtbot, panel)
    assert w.docks["mstep"].isVisible()
    next_step(qtbot, panel)
    for k in (Qt.Key.Key_E, Qt.Key.Key_M, Qt.Key.Key_Space):
        key(qtbot, w, k)
    qtbot.waitUntil(lambda: bound.shown is not None
                    and bound.shown.shown.iteration == w.session.current.iteration,
                    timeout=TIMEOUT)
    b = [h.terms.bound for h in bound.shown.halves]
    assert np.all(np.diff(b) >= -1e-9 * abs(b[0]))


def test_lesson_4_restarts_find_other_optima(w, qtbot):
    panel = open_lesson(qtbot, w, 4)
    key(qtbot, w, Qt.Key.Key_I)
    converge(qtbot, w)
    first = w.session.current.log_likelihood
    next_step(qtbot, panel)
    gallery = w.panels["gallery"]
    assert w.docks["gallery"].isVisible()
    qtbot.mouseClick(gallery.run_controls.run_button, LEFT)
    qtbot.waitUntil(lambda: bool(w.analyses.optima) and not w.analyses.gallery_runner.busy,
                    timeout=120_000)
    assert len(w.analyses.optima) >= 2  # different hilltops
    next_step(qtbot, panel)
    gallery.optimum_chosen.emit(0)  # as clicking the best thumbnail does
    idle(qtbot, w)
    assert w.session.current.log_likelihood >= first - 1e-6
    qtbot.waitUntil(lambda: w.landscape_window.isVisible(), timeout=TIMEOUT)


def test_lesson_5_bic_and_icl_disagree_on_iris(w, qtbot):
    panel = open_lesson(qtbot, w, 5)
    assert w.docks["selection"].isVisible()
    qtbot.waitUntil(lambda: bool(w.analyses.rows) and not w.analyses.selection_runner.busy,
                    timeout=180_000)
    bic = E.best_row(w.analyses.rows, "bic")
    next_step(qtbot, panel)
    sp = w.panels["selection"]
    qtbot.mouseClick(sp.criterion_buttons["icl"], LEFT)
    assert sp.criterion == "icl"
    icl = E.best_row(w.analyses.rows, "icl")
    assert icl.n_components < bic.n_components
    next_step(qtbot, panel)
    assert w.docks["truth"].isVisible()


def test_lesson_6_a_singularity_and_its_cures(w, qtbot):
    panel = open_lesson(qtbot, w, 6)
    s = w.session
    assert s.settings.reg_covar == 0.0
    key(qtbot, w, Qt.Key.Key_I)
    converge(qtbot, w)
    next_step(qtbot, panel)
    assert w.docks["health"].isVisible()
    lone = s.points[-1]
    key(qtbot, w, Qt.Key.Key_P)
    qtbot.mouseClick(w.canvas.viewport(), LEFT, pos=pixel_of(w, *lone))
    idle(qtbot, w)
    assert s.current.mixture.n_components == 3
    placed = s.current_index
    key(qtbot, w, Qt.Key.Key_Space, times=3)
    assert w.feedback.last_error is not None
    assert "not positive definite" in w.feedback.last_error
    # The log-likelihood jumped up at each step while the covariance shrank; the states
    # before stay, every number finite.
    lls = [r.log_likelihood for r in s.history[placed:]]
    assert len(lls) == 3 and np.all(np.diff(lls) > 10.0)
    assert np.all(np.isfinite([r.log_likelihood for r in s.history]))
    assert s.history[-1].mixture.covariances[2, 0, 0] < \
        1e-3 * s.history[placed].mixture.covariances[2, 0, 0]
    # The student reads the message and presses OK (it is window-modal).
    box = QApplication.activeModalWidget()
    assert isinstance(box, QMessageBox)
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), LEFT)
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None, timeout=TIMEOUT)
    w.activateWindow()  # back in the main window, where the keys act
    qtbot.waitUntil(w.isActiveWindow, timeout=TIMEOUT)
    next_step(qtbot, panel)
    w.controls.reg_covar.setValue(1e-6)
    idle(qtbot, w)
    ridged = s.current_index
    key(qtbot, w, Qt.Key.Key_Space)
    assert s.current_index == ridged + 1
    assert s.current.reg_covar == 1e-6 and np.isfinite(s.current.log_likelihood)
    assert s.current.mixture.n_components == 3
    statuses = [d.status for d in s.current.diagnostics]
    assert "collapsing" in statuses
    next_step(qtbot, panel)
    qtbot.mouseClick(w.controls.prior, LEFT)
    idle(qtbot, w)
    assert s.settings.prior
    converge(qtbot, w)
    assert "collapsing" not in [d.status for d in s.current.diagnostics]
    next_step(qtbot, panel)
    assert panel.counter.text() == "Step 5 of 5"
    qtbot.mouseClick(w.controls.prior, LEFT)
    idle(qtbot, w)
    assert not s.settings.prior
    qtbot.mouseClick(w.panels["health"].reseed_button(2), LEFT)
    idle(qtbot, w)
    moved = s.current.mixture.means[2]
    assert np.linalg.norm(moved - lone) > 1.0  # off the lone point, into the data
    converge(qtbot, w)
    assert s.current.reg_covar == 1e-6 and not s.current.prior
    assert "collapsing" not in [d.status for d in s.current.diagnostics]


def test_lesson_7_compares_the_algorithms_from_one_start(w, qtbot):
    panel = open_lesson(qtbot, w, 7)
    key(qtbot, w, Qt.Key.Key_I)
    next_step(qtbot, panel)
    assert w.compare_window.isVisible()
    qtbot.waitUntil(lambda: w.compare.runs is not None and not w.compare.busy,
                    timeout=TIMEOUT)
    next_step(qtbot, panel)
    cw = w.compare_window
    cw.slider.setValue(cw.slider.maximum())  # as dragging it to the end does
    vb = next(r for r in w.compare.runs if r.algorithm == "vb")
    last = vb.at(cw.slider.value())
    assert int(np.sum(last.mixture.weights * last.sample_size >= 1.0)) == 3  # one off
    sem = next(r for r in w.compare.runs if r.algorithm == "sem")
    assert np.any(np.diff(sem.objectives) < 0)  # it wanders
    next_step(qtbot, panel)
    assert panel.counter.text() == "Step 4 of 4"


def test_a_bad_lesson_file_changes_nothing(w, qtbot, tmp_path):
    w.data.load_sample()
    idle(qtbot, w)
    points = w.session.points
    bad = tmp_path / "bad.lesson.json"
    bad.write_text('{"format": "gmm-explorer.lesson", "version": 1}', encoding="utf-8")
    assert not w.lessons.open(str(bad))
    assert "title" in w.feedback.last_error
    assert w.session.points is points and not w.lesson_dock.isVisible()


def test_close_lesson_keeps_the_run(w, qtbot):
    panel = open_lesson(qtbot, w, 1)
    key(qtbot, w, Qt.Key.Key_I)
    qtbot.mouseClick(panel.close_button, LEFT)
    assert not w.lesson_dock.isVisible() and w.session.initialised
