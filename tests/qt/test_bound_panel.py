"""The bound panel (issue 13, part 1): ln p = 𝓛 + KL at the displayed half-step with the
engine's numbers, the recent half-steps, and the slice through the last M-step, driven as
a user drives them (Space, E, the View › Panels menu, the algorithm box)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt

from gmm_explorer.engine.bound import bound_terms
from tests.qt.window_helpers import TIMEOUT, idle


def number(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def shown_at(qtbot, w, iteration, half):
    """Wait until the bound panel shows ``half`` ("E"/"M") of ``iteration``."""
    panel = w.panels["bound"]
    qtbot.waitUntil(lambda: panel.shown is not None
                    and (panel.shown.shown.iteration, panel.shown.shown.half)
                    == (iteration, half), timeout=TIMEOUT)
    return panel


def open_from_menu(w):
    """View › Panels › Bound, as a user opens it."""
    [act] = [a for a in w.menus["panels"].actions() if a.text().startswith("Bound")]
    if not w.docks["bound"].isVisible():
        act.trigger()
    w.docks["bound"].raise_()


def test_the_panel_shows_the_bound_after_an_m_step_with_the_engines_numbers(window, qtbot):
    open_from_menu(window)
    for _ in range(3):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    panel = shown_at(qtbot, window, 3, "M")
    s = window.session
    ref = bound_terms(s.points, s.history[2].mixture, s.history[3].mixture)
    ll, b, kl = (number(panel.value_text(k)) for k in ("ll", "bound", "kl"))
    assert ll == pytest.approx(ref.log_likelihood, abs=1e-3)
    assert b == pytest.approx(ref.bound, abs=1e-3)
    assert kl == pytest.approx(ref.kl, rel=1e-2) and kl > 0
    assert ll == pytest.approx(s.history[3].log_likelihood, abs=1e-3)
    # The numbers shown add up: ln p = 𝓛 + KL to the digits shown.
    places = len(panel.value_text("kl").split(".")[1])
    assert abs(ll - (b + kl)) <= 2 * 10.0 ** -places
    per_point = number(panel.value_text("ll", per_point=True))
    assert per_point == pytest.approx(s.history[3].mean_log_likelihood, abs=1e-5)
    assert "After the M-step that made iteration 3" in panel.headline.text()
    # The strip chart: E₀ M₁ E₁ M₂ E₂ M₃, the bound never falling, touching after each E.
    x, lls = panel.strip_ll.getData()
    _, bounds = panel.strip_bound.getData()
    assert len(x) == 6
    labels = [t[1] for t in panel.strip.getAxis("bottom")._tickLevels[0]]
    assert labels == ["E₀", "M₁", "E₁", "M₂", "E₂", "M₃"]
    assert np.all(np.diff(bounds) >= -1e-9 * abs(bounds[0]))
    assert np.allclose(lls[::2], bounds[::2], rtol=1e-12)  # the E half-steps
    assert np.all(lls[1::2] > bounds[1::2])  # the M half-steps: a gap
    # The slice: touching at t = 0, the bound's peak at (or next to) t = 1.
    t, sl = panel.slice_ll.getData()
    _, sb = panel.slice_bound.getData()
    i0 = int(np.flatnonzero(t == 0.0)[0])
    assert sl[i0] == pytest.approx(sb[i0], rel=1e-12)
    ok = np.isfinite(sb)
    assert np.all(sb[ok] <= sl[ok] + 1e-9 * np.abs(sl[ok]))
    assert abs(panel.shown.slice.best_t - 1.0) <= 0.05
    assert "M-step 2 → 3" in panel.slice_title.text()


def test_the_e_step_closes_the_gap(window, qtbot):
    open_from_menu(window)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    shown_at(qtbot, window, 1, "M")
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    idle(qtbot, window)
    panel = shown_at(qtbot, window, 1, "E")
    assert number(panel.value_text("kl")) == 0.0
    assert panel.value_text("ll") == panel.value_text("bound")
    assert "KL = 0" in panel.headline.text()
    # M after E: the next M-step reopens it.
    qtbot.keyClick(window.canvas, Qt.Key.Key_M)
    idle(qtbot, window)
    panel = shown_at(qtbot, window, 2, "M")
    assert number(panel.value_text("kl")) > 0


def test_stepping_back_shows_that_iterations_m_step(window, qtbot):
    open_from_menu(window)
    for _ in range(4):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    shown_at(qtbot, window, 4, "M")
    window.actions["step_back"].trigger()
    panel = shown_at(qtbot, window, 3, "M")
    s = window.session
    ref = bound_terms(s.points, s.history[2].mixture, s.history[3].mixture)
    assert number(panel.value_text("kl")) == pytest.approx(ref.kl, rel=1e-2)


def test_other_algorithms_are_told_the_bound_is_ems(window, qtbot):
    open_from_menu(window)
    box = window.controls.algorithm
    box.setCurrentIndex(box.findData("cem"))  # as choosing it from the list does
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    idle(qtbot, window)
    panel = window.panels["bound"]
    qtbot.waitUntil(lambda: "EM's bound" in panel.headline.text(), timeout=TIMEOUT)
    assert panel.shown is None and panel.value_text("ll") == "—"


def test_nothing_is_computed_while_the_panel_is_hidden(window, qtbot):
    for _ in range(2):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    assert window.panels["bound"].shown is None and not window.bound_explain.busy
    open_from_menu(window)
    shown_at(qtbot, window, 2, "M")


def test_a_start_before_its_e_step_says_so(window, qtbot):
    open_from_menu(window)
    qtbot.keyClick(window.canvas, Qt.Key.Key_I)
    idle(qtbot, window)
    panel = shown_at(qtbot, window, 0, "E")
    assert "before its E-step" in panel.headline.text()
    qtbot.keyClick(window.canvas, Qt.Key.Key_E)
    idle(qtbot, window)
    qtbot.waitUntil(lambda: "After the E-step of iteration 0" in panel.headline.text(),
                    timeout=TIMEOUT)


def test_presentation_mode_keeps_the_open_bound_panel_in_large_type(window, qtbot):
    open_from_menu(window)
    for _ in range(2):
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        idle(qtbot, window)
    panel = shown_at(qtbot, window, 2, "M")
    normal = panel.headline.font()
    qtbot.keyClick(window.canvas, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.presentation.active, timeout=TIMEOUT)
    style = window.presentation.style
    assert window.docks["bound"].isVisible() and not window.docks["health"].isVisible()
    assert window.presentation.kept == (window.docks["bound"],)
    assert panel.headline.font().pixelSize() == max(16, round(0.85 * style.text_px))
    # Everything fits the panel: nothing wider than its dock.
    dock = window.docks["bound"]
    assert panel.minimumSizeHint().width() <= dock.width()
    assert panel.value_text("kl")  # the numbers are still there
    pen = panel.slice_ll.opts["pen"]
    assert pg.mkPen(pen).widthF() == pytest.approx(2 * style.line_scale)
    qtbot.keyClick(window.canvas, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: not window.presentation.active, timeout=TIMEOUT)
    assert panel.headline.font() == normal
    assert pg.mkPen(panel.slice_ll.opts["pen"]).widthF() == pytest.approx(2.0)


def test_presentation_mode_hides_the_bound_panel_when_it_is_not_on_screen(window, qtbot):
    qtbot.keyClick(window.canvas, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: window.presentation.active, timeout=TIMEOUT)
    assert window.presentation.kept == () and not window.docks["bound"].isVisible()
    qtbot.keyClick(window.canvas, Qt.Key.Key_F5)
