"""The exploration panels, driven through their API and as a user drives them (pytest-qt,
offscreen): what they show and which requests they emit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QMouseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QStyle,
    QStyleOptionSlider,
)

from gmm_explorer.drawing import component_color
from gmm_explorer.engine import Mixture, StepResult, datasets
from gmm_explorer.engine.diagnostics import ComponentDiagnostics
from gmm_explorer.engine.selection import SelectionRow, sweep
from gmm_explorer.qt.panels import likelihood
from gmm_explorer.qt.panels.branches import BranchPanel, BranchRow
from gmm_explorer.qt.panels.ground_truth import GroundTruthPanel
from gmm_explorer.qt.panels.health import HealthPanel
from gmm_explorer.qt.panels.inspector import InspectorPanel
from gmm_explorer.qt.panels.model_selection import SelectionPanel
from gmm_explorer.qt.panels.optima_gallery import GalleryItem, GalleryPanel
from gmm_explorer.qt.panels.selection_options import DEFAULT_N_INIT, SelectionOptions
from gmm_explorer.qt.panels.timeline import TimelineBar

LEFT = Qt.MouseButton.LeftButton


class Recorder:
    """Collects the payloads of every emission of a signal."""

    def __init__(self, signal) -> None:
        self.calls: list[tuple] = []
        signal.connect(lambda *args: self.calls.append(args))

    @property
    def values(self) -> list:
        return [c[0] if len(c) == 1 else c for c in self.calls]


def shown(qtbot, widget, width=340, height=620):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click(qtbot, widget, pos=None, button=LEFT):
    if pos is None:
        pos = widget.rect().center()
    qtbot.mouseClick(widget, button, pos=pos)


def double_click(qtbot, widget, pos):
    """Press, release, double-click press, release: what a user's double-click sends (QTest's
    mouseDClick alone sends no first press, so item views would not start editing)."""
    qtbot.mousePress(widget, LEFT, pos=pos)
    qtbot.mouseRelease(widget, LEFT, pos=pos)
    qtbot.mouseDClick(widget, LEFT, pos=pos)
    qtbot.mouseRelease(widget, LEFT, pos=pos)


def wait_closed(qtbot, list_widget):
    editing = QAbstractItemView.State.EditingState
    qtbot.waitUntil(lambda: list_widget.state() != editing, timeout=2000)


def item_center(list_widget, row: int) -> QPoint:
    return list_widget.visualItemRect(list_widget.item(row)).center()


def open_editor(qtbot, list_widget) -> QLineEdit:
    qtbot.waitUntil(lambda: any(e.isVisible() for e in list_widget.findChildren(QLineEdit)),
                    timeout=2000)
    return next(e for e in list_widget.findChildren(QLineEdit) if e.isVisible())


# --- TimelineBar --------------------------------------------------------------------------

def test_timeline_shows_range_without_emitting(qtbot):
    bar = shown(qtbot, TimelineBar(), 600, 40)
    got = Recorder(bar.position_requested)
    bar.set_range(10, 5, "main")
    assert bar.label.text() == "iteration 5 of 10 · main"
    assert (bar.slider.minimum(), bar.slider.maximum(), bar.slider.value()) == (0, 10, 5)
    assert bar.isEnabled()
    bar.set_range(7, 7)
    assert bar.label.text() == "iteration 7 of 7"
    assert got.calls == []
    bar.set_range(0, 0)
    assert not bar.isEnabled()
    assert got.calls == []


def test_timeline_buttons_step_and_clamp(qtbot):
    bar = shown(qtbot, TimelineBar(), 600, 40)
    got = Recorder(bar.position_requested)
    bar.set_range(10, 5)
    click(qtbot, bar.back)
    assert got.values == [4]
    bar.set_range(10, 5)
    click(qtbot, bar.forward)
    assert got.values == [4, 6]
    # At the end: forward is disabled and asks for nothing; back asks for n - 1.
    bar.set_range(10, 10)
    assert not bar.forward.isEnabled()
    click(qtbot, bar.forward)
    assert got.values == [4, 6]
    click(qtbot, bar.back)
    assert got.values == [4, 6, 9]
    bar.set_range(10, 0)
    assert not bar.back.isEnabled()
    click(qtbot, bar.back)
    click(qtbot, bar.forward)
    assert got.values == [4, 6, 9, 1]
    assert bar.label.text() == "iteration 1 of 10"


def test_timeline_keyboard_and_drag_emit_positions(qtbot):
    bar = shown(qtbot, TimelineBar(), 600, 40)
    got = Recorder(bar.position_requested)
    bar.set_range(20, 3)
    qtbot.keyClick(bar.slider, Qt.Key.Key_Right)
    qtbot.keyClick(bar.slider, Qt.Key.Key_End)
    assert got.values == [4, 20]

    # Drag the handle with the button held: positions arrive while dragging.
    bar.set_range(20, 0)
    got.calls.clear()
    s = bar.slider
    opt = QStyleOptionSlider()
    s.initStyleOption(opt)
    handle = s.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderHandle, s).center()

    def send(kind, pos, button, buttons):
        p = QPointF(pos)
        QApplication.sendEvent(s, QMouseEvent(kind, p, QPointF(s.mapToGlobal(pos)), button,
                                              buttons, Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, handle, LEFT, LEFT)
    for i in range(1, 11):
        send(QEvent.Type.MouseMove, handle + QPoint(i * s.width() // 20, 0),
             Qt.MouseButton.NoButton, LEFT)
    during = list(got.values)
    # The window answering an earlier request does not pull the handle back mid-drag.
    bar.set_range(20, during[0])
    assert bar.slider.value() == during[-1]
    end = handle + QPoint(10 * s.width() // 20, 0)
    send(QEvent.Type.MouseButtonRelease, end, LEFT, Qt.MouseButton.NoButton)
    assert len(during) >= 3
    assert during == sorted(during) and during[-1] > 5
    assert bar.slider.value() == during[-1]


# --- BranchPanel --------------------------------------------------------------------------

BRANCHES = [BranchRow("main", 42, -3.2345, "solid", (0, 114, 178)),
            BranchRow("branch 2", 17, -3.1, "dash", (0, 114, 178)),
            BranchRow("reg 1e-3", 5, None, "dot", (0, 114, 178))]


def test_branch_rows_show_name_iterations_and_likelihood(qtbot):
    panel = shown(qtbot, BranchPanel())
    got = Recorder(panel.branch_selected)
    panel.set_branches(BRANCHES, 1)
    texts = [panel.list.item(i).text() for i in range(3)]
    assert texts[0] == "main — 42 iterations, LL −3.2345"
    assert texts[1] == "branch 2 — 17 iterations, LL −3.1000"
    assert texts[2] == "reg 1e-3 — 5 iterations, LL —"
    assert [panel.list.item(i).font().bold() for i in range(3)] == [False, True, False]
    assert panel.list.currentRow() == 1
    assert not panel.list.item(0).icon().isNull()
    assert panel.delete_button.isEnabled()
    assert "EM continues on a new branch" in panel.help.text()
    assert got.calls == []
    panel.set_branches(BRANCHES[:1], 0)
    assert not panel.delete_button.isEnabled()
    with pytest.raises(ValueError):
        BranchRow("x", 1, None, "wiggly", (0, 0, 0))


def test_branch_click_selects_and_delete_requests(qtbot):
    panel = shown(qtbot, BranchPanel())
    selected = Recorder(panel.branch_selected)
    deleted = Recorder(panel.branch_delete_requested)
    panel.set_branches(BRANCHES, 1)
    click(qtbot, panel.list.viewport(), item_center(panel.list, 2))
    assert selected.values == [2]
    click(qtbot, panel.delete_button)
    assert deleted.values == [2]


def test_branch_rename_button_edits_name_in_place(qtbot):
    panel = shown(qtbot, BranchPanel())
    renamed = Recorder(panel.branch_renamed)
    panel.set_branches(BRANCHES, 1)
    click(qtbot, panel.rename_button)
    editor = open_editor(qtbot, panel.list)
    # The editor holds the bare name, selected, not the row's summary.
    assert editor.text() == "branch 2"
    assert editor.selectedText() == "branch 2"
    qtbot.keyClicks(editor, "  tuned  ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on the next turn of the event loop.
    qtbot.waitUntil(lambda: len(renamed.calls) > 0, timeout=2000)
    assert renamed.calls == [(1, "tuned")]
    # Passive: the row changes when the window sends the renamed branches.
    assert panel.list.item(1).text().startswith("branch 2 ")
    panel.set_branches([BRANCHES[0], BranchRow("tuned", 17, -3.1, "dash", (0, 114, 178)),
                        BRANCHES[2]], 1)
    assert panel.list.item(1).text().startswith("tuned — ")


def test_branch_double_click_and_f2_ignore_empty_or_unchanged_names(qtbot):
    panel = shown(qtbot, BranchPanel())
    renamed = Recorder(panel.branch_renamed)
    panel.set_branches(BRANCHES, 0)
    double_click(qtbot, panel.list.viewport(), item_center(panel.list, 0))
    editor = open_editor(qtbot, panel.list)
    qtbot.keyClicks(editor, "   ")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    wait_closed(qtbot, panel.list)
    assert renamed.calls == []

    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_F2)
    editor = open_editor(qtbot, panel.list)
    assert editor.text() == "main"
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # unchanged
    wait_closed(qtbot, panel.list)
    assert renamed.calls == []

    double_click(qtbot, panel.list.viewport(), item_center(panel.list, 2))
    editor = open_editor(qtbot, panel.list)
    qtbot.keyClicks(editor, "ridge")
    qtbot.keyClick(editor, Qt.Key.Key_Escape)  # cancelled
    wait_closed(qtbot, panel.list)
    assert renamed.calls == []
    double_click(qtbot, panel.list.viewport(), item_center(panel.list, 2))
    editor = open_editor(qtbot, panel.list)
    qtbot.keyClicks(editor, "ridge")
    qtbot.keyClick(editor, Qt.Key.Key_Enter)
    qtbot.waitUntil(lambda: len(renamed.calls) > 0, timeout=2000)
    assert renamed.calls == [(2, "ridge")]


# --- SelectionPanel -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def rows() -> tuple[SelectionRow, ...]:
    X, _ = datasets.generate("separated", 300, 3, 0)
    return sweep(X, range(1, 6), seed=0)


def selection_panel(qtbot, rows, complete=True) -> SelectionPanel:
    panel = shown(qtbot, SelectionPanel(), 340, 900)
    panel.set_rows(rows, complete)
    return panel


def pixel_of(plot, x: float, y: float) -> QPoint:
    """The viewport pixel showing data point (x, y)."""
    vb = plot.plotItem.vb
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def wait_in_view(qtbot, plot, xs, ys):
    def inside():
        (x0, x1), (y0, y1) = plot.plotItem.vb.viewRange()
        return (x0 <= min(xs) and max(xs) <= x1 and y0 <= min(ys) and max(ys) <= y1)
    qtbot.waitUntil(inside, timeout=3000)


def test_selection_marks_lowest_bic_then_lowest_aic(qtbot, rows):
    panel = selection_panel(qtbot, rows)
    changed = Recorder(panel.options_changed)
    lowest_bic = min((r for r in rows if r.result is not None), key=lambda r: r.bic)
    lowest_aic = min((r for r in rows if r.result is not None), key=lambda r: r.aic)
    assert panel.best_row() is lowest_bic
    assert lowest_bic.n_components == 3  # three separated blobs
    star = panel.best_marker()
    assert star == (lowest_bic.n_components, pytest.approx(lowest_bic.bic))
    assert panel.best_text() == (
        f"★ best: K={lowest_bic.n_components} {lowest_bic.covariance_type} "
        f"(BIC {lowest_bic.bic:.1f})")
    assert panel.status_text.text() == f"{len(rows)} fits"

    click(qtbot, panel.criterion_buttons["aic"])
    assert changed.calls == [()]
    assert panel.options().criterion == "aic"
    assert panel.best_row() is lowest_aic
    star = panel.best_marker()
    assert star[1] == pytest.approx(lowest_aic.aic)
    # BIC and AIC of every successful row are drawn, one series per type.
    for t in ("full", "tied", "diag", "spherical"):
        for c in ("bic", "aic"):
            x, y = panel.series(t, c)
            mine = sorted((r for r in rows if r.covariance_type == t),
                          key=lambda r: r.n_components)
            assert list(x) == [r.n_components for r in mine]
            assert list(y) == pytest.approx([getattr(r, c) for r in mine])


def test_selection_click_on_point_chooses_that_row(qtbot, rows):
    panel = selection_panel(qtbot, rows)
    chosen = Recorder(panel.model_chosen)
    plot = panel.plot
    # The plot ranges y on the competitive models (far worse cells leave the top): the
    # points it shows are the ones a user can click.
    lo, hi = panel.y_range()
    ok = [r for r in rows if r.result is not None and lo <= r.bic <= hi and lo <= r.aic <= hi]
    assert len(ok) >= 10
    wait_in_view(qtbot, plot, [r.n_components for r in ok],
                 [v for r in ok for v in (r.bic, r.aic)])
    best = panel.best_row()
    # A BIC point whose symbol (9 px) no other symbol, nor the star (26 px), overlaps,
    # so the click is unambiguous.
    pixels = {(id(r), c): pixel_of(plot, r.n_components, getattr(r, c))
              for r in ok for c in ("bic", "aic")}
    star = pixels[(id(best), "bic")]

    def clearance(r):
        p = pixels[(id(r), "bic")]
        others = [q for key, q in pixels.items() if key != (id(r), "bic")]
        near = min(max(abs((p - q).x()), abs((p - q).y())) for q in others)
        return min(near, max(abs((p - star).x()), abs((p - star).y())) - 8)

    target = max((r for r in ok if r is not best), key=clearance)
    assert clearance(target) > 9
    click(qtbot, plot.viewport(), pixels[(id(target), "bic")])
    assert len(chosen.calls) == 1 and chosen.values[0] is target
    # The star is clickable too and chooses the best row.
    click(qtbot, plot.viewport(), pixel_of(plot, best.n_components, best.bic))
    assert chosen.values[-1] is best
    # Empty plot area chooses nothing.
    click(qtbot, plot.viewport(), pixel_of(plot, 5.4, max(r.bic for r in ok)))
    assert len(chosen.calls) == 2


def test_selection_controls_and_options(qtbot, rows):
    panel = selection_panel(qtbot, rows)
    assert panel.options() == SelectionOptions(8, DEFAULT_N_INIT,
                                               ("spherical", "diag", "tied", "full"), "bic",
                                               True)
    changed = Recorder(panel.options_changed)
    qtbot.keyClick(panel.k_max, Qt.Key.Key_Up)
    qtbot.keyClick(panel.n_init, Qt.Key.Key_Up)
    click(qtbot, panel.auto)
    for t in ("tied", "diag", "spherical"):
        click(qtbot, panel.type_boxes[t])
    assert len(changed.calls) == 6
    opts = panel.options()
    assert (opts.k_max, opts.n_init, opts.covariance_types, opts.auto) == (
        9, DEFAULT_N_INIT + 1, ("full",), False)
    # The last type left cannot be unticked: a sweep needs one.
    assert not panel.type_boxes["full"].isEnabled()
    click(qtbot, panel.type_boxes["full"])
    assert panel.options().covariance_types == ("full",)
    click(qtbot, panel.type_boxes["diag"])
    assert panel.type_boxes["full"].isEnabled()
    assert panel.options().covariance_types == ("diag", "full")  # mclust's order
    # Restoring options emits nothing.
    n = len(changed.calls)
    panel.set_options(SelectionOptions(5, 3, ("tied",), "aic", True))
    assert len(changed.calls) == n
    assert panel.options() == SelectionOptions(5, 3, ("tied",), "aic", True)
    for w in (panel.k_max, panel.n_init, panel.auto, panel.recompute_button,
              panel.cancel_button, *panel.type_boxes.values(),
              *panel.criterion_buttons.values()):
        assert w.toolTip()
    assert "n_init" in panel.n_init.toolTip()


def test_selection_running_progress_and_buttons(qtbot, rows):
    panel = selection_panel(qtbot, rows[:5], complete=False)
    recompute = Recorder(panel.recompute_requested)
    cancel = Recorder(panel.cancel_requested)
    assert panel.best_text().startswith("★ best so far: K=")
    click(qtbot, panel.recompute_button)
    assert len(recompute.calls) == 1
    panel.set_running(True)
    assert not panel.recompute_button.isEnabled() and panel.cancel_button.isEnabled()
    assert panel.progress.isVisible()
    panel.set_progress(11, 32, "fitting K=3 full")
    assert panel.progress.text() == "fitting K=3 full (11/32)"
    assert panel.status_text.text() == "11 of 32 fits"
    click(qtbot, panel.cancel_button)
    assert len(cancel.calls) == 1
    panel.set_running(False)
    panel.set_status("cancelled")
    assert panel.recompute_button.isEnabled() and not panel.cancel_button.isEnabled()
    assert not panel.progress.isVisible()
    assert panel.status_text.text() == "cancelled"


def test_selection_current_model_failed_rows_and_clear(qtbot, rows):
    failed = SelectionRow(6, "full", math.inf, math.inf, None, "component collapsed")
    panel = selection_panel(qtbot, (*rows, failed))
    assert panel.best_row() is not failed
    assert 6 not in panel.series("full", "bic")[0]
    assert "1 failed" in panel.status_text.text()
    panel.set_current(2, "diag")
    assert panel.loaded_line() == (2, "loaded: K=2 diag")
    assert panel.loaded_ring()[0] == 2
    panel.set_current(None)
    assert panel.loaded_line() is None
    panel.clear()
    assert panel.best_row() is None
    assert panel.best_marker() is None
    assert not panel.best_label.isVisible()
    assert all(len(panel.series(t, c)[0]) == 0
               for t in ("full", "tied", "diag", "spherical") for c in ("bic", "aic"))


# --- GalleryPanel -------------------------------------------------------------------------

def gallery_items() -> list[GalleryItem]:
    out = []
    for i, (rgb, count) in enumerate((((200, 220, 255), 14), ((255, 220, 200), 4),
                                      ((220, 255, 220), 2))):
        image = QImage(150, 112, QImage.Format.Format_RGB32)
        image.fill(QColor(*rgb))
        out.append(GalleryItem(image, -1.0345 - 0.1 * i, count, 20, f"optimum {i + 1}"))
    return out


def test_gallery_shows_optima_best_first(qtbot):
    panel = shown(qtbot, GalleryPanel())
    panel.set_optima(gallery_items())
    assert panel.list.count() == 3
    assert panel.list.item(0).text() == "#1 · mean LL −1.0345\n14/20 restarts"
    assert panel.list.item(2).text() == "#3 · mean LL −1.2345\n2/20 restarts"
    assert panel.list.item(1).toolTip() == "optimum 2"
    assert not panel.list.item(0).icon().isNull()
    assert panel.status_text.text() == "3 distinct optima from 20 restarts"
    # One thumbnail a row at the dock's width, as wide as the list leaves room for.
    assert 250 <= panel.list.iconSize().width() <= panel.THUMB.width()
    assert not panel.list.dragEnabled()
    assert (panel.list.visualItemRect(panel.list.item(1)).top()
            >= panel.list.visualItemRect(panel.list.item(0)).bottom())
    panel.set_current(1)
    assert panel.list.item(1).background().color() != panel.list.item(0).background().color()
    assert "currently loaded" in panel.list.item(1).toolTip()
    panel.clear()
    assert panel.list.count() == 0 and panel.status_text.text() == ""


def test_gallery_click_and_enter_choose_an_optimum(qtbot):
    panel = shown(qtbot, GalleryPanel())
    chosen = Recorder(panel.optimum_chosen)
    panel.set_optima(gallery_items())
    click(qtbot, panel.list.viewport(), item_center(panel.list, 1))
    assert chosen.values == [1]
    panel.list.setFocus()
    qtbot.keyClick(panel.list, Qt.Key.Key_Right)
    qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert chosen.values == [1, 2]


def test_gallery_find_cancel_and_progress(qtbot):
    panel = shown(qtbot, GalleryPanel())
    run = Recorder(panel.run_requested)
    cancel = Recorder(panel.cancel_requested)
    assert panel.n_restarts() == 20
    assert (panel.restarts.minimum(), panel.restarts.maximum()) == (2, 200)
    click(qtbot, panel.find_button)
    panel.restarts.selectAll()
    qtbot.keyClicks(panel.restarts, "35")
    click(qtbot, panel.find_button)
    assert run.values == [20, 35]
    assert not panel.cancel_button.isEnabled()
    panel.set_running(True)
    assert not panel.find_button.isEnabled() and panel.progress.isVisible()
    panel.set_progress(5, 35)
    assert panel.progress.text() == "5/35 restarts"
    click(qtbot, panel.cancel_button)
    assert len(cancel.calls) == 1
    panel.set_running(False)
    assert panel.find_button.isEnabled() and not panel.progress.isVisible()


# --- HealthPanel --------------------------------------------------------------------------

OK1 = ComponentDiagnostics(0.6, 180.0, (1.2, 0.8), 1.5, "ok")
OK2 = ComponentDiagnostics(0.39, 117.0, (2.0, 0.5), 4.0, "ok")
COLLAPSING = ComponentDiagnostics(0.01, 2.0, (0.8, 1e-9), 8e8, "collapsing")


def test_health_no_model_then_all_ok(qtbot):
    panel = shown(qtbot, HealthPanel())
    assert panel.summary.text() == "no model yet"
    assert panel.n_components() == 0 and panel.table.rowCount() == 0
    assert not panel.warning_visible
    panel.update_diagnostics([OK1, OK2], 1e-6)
    assert panel.summary.text() == "2 components, all ok"
    assert not panel.warning_visible
    assert panel.reg_label.text() == "reg_covar = 1e−06"
    assert panel.value_text(0, 1) == "0.600"
    assert panel.value_text(1, 2) == "117.0"
    assert panel.value_text(1, 4) == "0.5"
    assert panel.value_text(1, 5) == "4"
    assert panel.status_text(0) == "ok"
    swatch = panel.table.item(2, 0)
    assert swatch.background().color() == QColor(*component_color(1))
    panel.update_diagnostics(None, 1e-5)
    assert panel.summary.text() == "no model yet" and panel.table.rowCount() == 0


def test_health_collapsing_component_shows_banner_and_fixes(qtbot):
    panel = shown(qtbot, HealthPanel())
    reseed = Recorder(panel.reseed_requested)
    remove = Recorder(panel.remove_requested)
    raise_reg = Recorder(panel.raise_reg_covar_requested)
    panel.update_diagnostics([OK1, COLLAPSING, OK2], 1e-6)
    assert panel.warning_visible and panel.banner.isVisible()
    assert "ill-defined empirical covariance" in panel.banner.text()
    assert "Component 2 (collapsing)" in panel.banner.text()
    assert panel.summary.text() == "1 of 3 components need attention"
    assert panel.status_text(1) == "⚠ collapsing"
    assert panel.table.item(3, 1).background().color() == QColor(255, 196, 196)
    assert panel.value_text(1, 4) == "1e−9"  # short exponents: the numbers fit their columns
    click(qtbot, panel.reseed_button(1))
    click(qtbot, panel.remove_button(2))
    click(qtbot, panel.raise_button)
    assert reseed.values == [1] and remove.values == [2] and len(raise_reg.calls) == 1
    assert panel.reseed_button(1).text() == "Re-seed"
    assert "worst-explained" in panel.reseed_button(1).toolTip()
    # Fixed: the banner goes away; a lone component cannot be removed.
    panel.update_diagnostics([OK1], 1e-5)
    assert not panel.warning_visible
    assert not panel.remove_button(0).isEnabled()
    click(qtbot, panel.reseed_button(0))
    assert reseed.values == [1, 0]


def test_health_empty_component_is_flagged(qtbot):
    panel = shown(qtbot, HealthPanel())
    empty = ComponentDiagnostics(0.001, 0.3, (0.5, 0.4), 1.25, "empty")
    panel.update_diagnostics([OK1, empty], 1e-6)
    assert panel.warning_visible
    assert panel.status_text(1) == "⚠ empty"
    assert panel.table.item(3, 1).background().color() == QColor(255, 222, 173)


def test_health_needle_unsupported_and_duplicates_need_attention(qtbot):
    panel = shown(qtbot, HealthPanel())
    needle = ComponentDiagnostics(0.3, 90.0, (2.0, 1e-7), 2e7, "needle", 4e-8)
    unsupported = ComponentDiagnostics(0.01, 2.9954, (0.4, 0.3), 1.33, "unsupported", 0.01)
    dup_a = ComponentDiagnostics(0.2, 60.0, (1.2, 0.8), 1.5, "duplicate", 0.7, (4,))
    dup_b = ComponentDiagnostics(0.2, 60.0, (1.2, 0.8), 1.5, "duplicate", 0.7, (3,))
    panel.update_diagnostics([OK1, needle, unsupported, dup_a, dup_b], 1e-6)
    assert panel.summary.text() == "4 of 5 components need attention"
    assert [panel.status_text(j) for j in range(5)] == [
        "ok", "⚠ needle", "⚠ unsupported", "⚠ duplicate of 5", "⚠ duplicate of 4"]
    red, orange = QColor(255, 196, 196), QColor(255, 222, 173)
    assert [panel.table.item(2 * j + 1, 1).background().color() for j in (1, 2, 3)] == [
        red, orange, orange]
    assert panel.value_text(2, 2) == "2.995"  # not "3.0": it falls short of 3 points
    banner = panel.banner.text()
    assert "Components 4 and 5 are the same Gaussian" in banner
    assert "fewer than 3 points" in banner and "1/1000 of the data's" in banner
    assert "of the data's" in panel.table.item(3, 1).toolTip()
    assert "same Gaussian as component 5" in panel.table.item(7, 1).toolTip()


def unreadable_cells(table) -> list[str]:
    """Cell texts wider than the room their cell (or span) leaves them: Qt elides those."""
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    fm = QFontMetrics(table.font())
    out = []
    for r in range(table.rowCount()):
        for c in range(table.columnCount()):
            item = table.item(r, c)
            if item is not None and item.text():
                room = table.visualItemRect(item).width() - 2 * margin
                if fm.horizontalAdvance(item.text()) > room:
                    out.append(item.text())
    return out


#: What Health shows on real fits: 1e6 points, a needle, a component on 2 points, a
#: large condition number, a tiny weight.
TYPICAL = [
    ComponentDiagnostics(0.2, 200_039.5, (124.797, 108.899), 1.146, "duplicate", 0.9997,
                         (1,)),
    ComponentDiagnostics(0.0009, 2.9954, (56.3429, 0.000431), 1.307e5, "unsupported", 8e-6),
    ComponentDiagnostics(0.133, 4.0, (2.08731, 0.000431541), 4837.0, "ok", 3.7e-6),
    ComponentDiagnostics(0.00741, 2.0, (0.5, 1.0e-6), 5.0e5, "collapsing", 4.3e-7),
    ComponentDiagnostics(0.172, 5093.1, (60.1264, 4.33e-11), 1.388e12, "needle", 5.7e-13),
]
#: Every column at once at its widest: exponents of three digits, infinity, millions.
EXTREME = [
    ComponentDiagnostics(0.000123, 1_234_567.0, (5.07e304, 1.23e-300), math.inf, "needle",
                         1e-9),
    ComponentDiagnostics(0.2, 2.9954, (123456.0, 0.000123), 1.004e9, "unsupported"),
    ComponentDiagnostics(0.333, 99_999.0, (1.23e-5, 1.01e-5), 1.2178, "duplicate", 0.9,
                         (3,)),
    ComponentDiagnostics(0.333, 9_999.4, (5.07e4, 1.01e-5), 5.07e9, "duplicate", 0.9,
                         (2, 0, 1)),
    ComponentDiagnostics(0.001, 0.3, (0.5, 0.4), 1.25, "empty"),
    ComponentDiagnostics(0.001, 2.0, (0.5, 1e-9), 5e8, "collapsing", 1e-10),
]


@pytest.mark.parametrize("k", [5, 9])  # 9: the table scrolls, its scroll bar takes width
def test_health_numbers_fit_their_columns_at_the_dock_width(qtbot, k):
    # 330 px: the Health dock's width in the window at 1280 x 720.
    panel = shown(qtbot, HealthPanel(), width=330)
    table = panel.table
    panel.update_diagnostics((TYPICAL * 2)[:k], 1e-6)
    qtbot.wait(10)
    assert unreadable_cells(table) == []
    assert table.horizontalHeader().length() <= table.viewport().width()  # no h-scrolling
    for j in range(k):
        for button in (panel.reseed_button(j), panel.remove_button(j)):
            assert button.width() >= button.sizeHint().width()  # "Re-seed" is not cut
    assert [panel.value_text(0, c) for c in range(1, 6)] == [
        "0.200", "200k", "125", "109", "1.15"]
    assert [panel.value_text(4, c) for c in range(1, 6)] == [
        "0.172", "5,093", "60.1", "4.33e−11", "1.39e12"]
    assert panel.value_text(1, 2) == "2.995"  # not "3.0": it falls short of 3 points
    assert "200040" in table.item(0, 2).toolTip()  # the full value, on hover
    # Extreme values may need the scroll bar, but are never elided.
    panel.update_diagnostics((EXTREME * 2)[:k], 1e-6)
    qtbot.wait(10)
    assert unreadable_cells(table) == []
    assert panel.value_text(0, 2) == "1.23M" and panel.value_text(0, 5) == "∞"
    assert panel.value_text(0, 4) == "1.23e−300" and panel.value_text(3, 5) == "5.07e9"


# --- InspectorPanel -----------------------------------------------------------------------

def test_inspector_hover_point_then_clear(qtbot):
    panel = shown(qtbot, InspectorPanel())
    assert panel.message.isVisible()
    assert "Inspect mode (T)" in panel.message.text()
    assert not panel.table.isVisible()
    panel.set_point(12, (1.2345, -0.5), -3.21, [0.8, 0.15, 0.05], [0.5, 2.3, 4.1],
                    [-2.1, -4.5, -9.9], pinned=False)
    assert not panel.message.isVisible() and panel.table.isVisible()
    assert panel.title.text() == "Point #12  (1.234, −0.5)"
    assert panel.density.text() == "log p(x) = −3.2100"
    assert [panel.responsibility_text(j) for j in range(3)] == ["0.800", "0.150", "0.050"]
    assert panel.table.item(1, 2).data(Qt.ItemDataRole.UserRole) == pytest.approx(0.15)
    assert panel.table.item(2, 3).text() == "4.1"
    assert panel.table.item(2, 4).text() == "−9.900"
    assert panel.table.item(0, 0).background().color() == QColor(*component_color(0))
    assert not panel.pinned_box.isVisible()
    panel.set_point(3, (0.0, 0.0), -1.0, [0.4, 0.6], [1.0, 1.0], [-1.0, -1.0], pinned=False)
    assert panel.table.rowCount() == 2
    panel.clear("Nothing to inspect")
    assert panel.message.text() == "Nothing to inspect" and not panel.table.isVisible()


def test_inspector_pinned_point_trajectory_and_unpin(qtbot):
    panel = shown(qtbot, InspectorPanel())
    unpin = Recorder(panel.unpin_requested)
    panel.set_point(7, (0.1, 0.2), -2.0, [0.7, 0.3], [0.9, 2.0], [-1.5, -3.0], pinned=True)
    assert panel.pinned_box.isVisible()
    assert panel.title.text().endswith("· pinned")
    it = np.arange(6)
    resp = np.stack([np.linspace(0.5, 0.7, 6), np.linspace(0.5, 0.3, 6)], axis=1)
    panel.set_trajectory(it, resp, 4)
    x, y = panel.trajectories()[1]
    assert list(x) == list(it) and y == pytest.approx(resp[:, 1])
    assert panel.trajectory_color(0) == QColor(*component_color(0))
    assert panel.iteration_marker() == 4
    panel.set_trajectory(it, resp, None)
    assert panel.iteration_marker() is None
    click(qtbot, panel.unpin_button)
    assert len(unpin.calls) == 1
    panel.clear_trajectory()
    assert len(panel.trajectories()[0][0]) == 0


# --- GroundTruthPanel ---------------------------------------------------------------------

def test_ground_truth_shows_agreement(qtbot):
    panel = shown(qtbot, GroundTruthPanel())
    toggled = Recorder(panel.shapes_toggled)
    table = np.array([[50, 0, 0, 0], [0, 45, 5, 0], [0, 3, 46, 1]])
    panel.set_agreement(0.912, 0.953, ["setosa", "versicolor", "virginica"], table,
                        [2, 0, 1, 3], "species")
    assert panel.ari.text() == "0.912"
    assert "chance" in panel.ari.toolTip() and "identical" in panel.ari.toolTip()
    assert panel.accuracy.text() == "matched accuracy 95.3 %"
    assert "species" in panel.caption.text()
    t = panel.table
    assert (t.rowCount(), t.columnCount()) == (3, 4)
    assert [t.verticalHeaderItem(i).text() for i in range(3)] == ["setosa", "versicolor",
                                                                  "virginica"]
    assert [t.horizontalHeaderItem(c).text() for c in range(4)] == ["3", "1", "2", "4"]
    assert not t.horizontalHeaderItem(0).icon().isNull()
    assert [[panel.cell_text(i, c) for c in range(4)] for i in range(3)] == [
        ["50", "0", "0", "0"], ["0", "45", "5", "0"], ["0", "3", "46", "1"]]
    matched = QColor(200, 236, 222)
    assert all(t.item(i, i).background().color() == matched for i in range(3))
    assert t.item(1, 2).background().color() != matched
    assert t.item(2, 3).background().color() != matched  # component 4 matches no class
    assert panel.shapes.isChecked() and panel.shapes.isEnabled()
    click(qtbot, panel.shapes)
    assert toggled.values == [False]
    panel.set_shapes_checked(True)
    assert toggled.values == [False]


def test_ground_truth_clear_explains_why(qtbot):
    panel = shown(qtbot, GroundTruthPanel())
    panel.set_agreement(0.5, 0.75, ["a", "b"], np.array([[3, 1], [1, 3]]), [1, 0], "class")
    msg = "This data set has no labels. Open iris or penguins from File › Samples."
    panel.clear(msg)
    assert panel.message.isVisible() and panel.message.text() == msg
    assert not panel.table.isVisible() and panel.table.rowCount() == 0
    assert panel.ari.text() == "—"
    assert not panel.shapes.isEnabled()


# --- LikelihoodPanel ----------------------------------------------------------------------

HAND_NOTE = "moved the mean of component 1"


def ll_states(values) -> list[StepResult]:
    """States whose mean log-likelihoods are ``values`` (iteration i at index i)."""
    m = Mixture(np.array([1.0]), np.zeros((1, 2)), np.eye(2)[None], "full")
    return [StepResult(i, m, 100 * v, v, 100, None, False, False, np.array([100.0]))
            for i, v in enumerate(values)]


def segments(x, y) -> set[tuple[float, float]]:
    """The (from, to) iterations a curve drawn with connect="finite" joins by a line."""
    ok = np.isfinite(x) & np.isfinite(y)
    return {(float(x[j]), float(x[j + 1])) for j in range(len(x) - 1) if ok[j] and ok[j + 1]}


def marker_clear_of_edges(plot, x: float, y: float, radius: float) -> bool:
    """Whether a marker of ``radius`` pixels at (x, y) lies wholly inside the plot's view."""
    vb = plot.plotItem.vb
    area = vb.sceneBoundingRect().adjusted(radius, radius, -radius, -radius)
    return area.contains(vb.mapViewToScene(QPointF(x, y)))


def test_likelihood_breaks_the_line_before_a_hand_made_state_and_marks_it(qtbot):
    panel = shown(qtbot, likelihood.LikelihoodPanel(), 300, 220)
    states = ll_states([-4.3, -4.25, -4.2, -10.4, -6.0, -5.0])
    panel.update_branches([states, states[:4]], 0, None,
                          [{3: HAND_NOTE}, {3: "placed component 3"}])
    x, y = panel.active_curve()
    assert segments(x, y) == {(0, 1), (1, 2), (3, 4), (4, 5)}  # no line from 2 to 3
    np.testing.assert_array_equal(x[np.isfinite(x)], [0, 1, 2, 3, 4, 5])
    np.testing.assert_array_equal(y[np.isfinite(y)], [r.mean_log_likelihood for r in states])
    hx, hy = panel.hand_made_markers()
    np.testing.assert_array_equal(hx, [3])
    np.testing.assert_array_equal(hy, [-10.4])
    [(ox, oy)] = panel.other_curves()  # the inactive branch breaks there too
    assert segments(ox, oy) == {(0, 1), (1, 2)}
    # Each state's hover tip says how it was made; the hand-made one is not an EM step.
    assert panel.state_tip(3).startswith(
        f"iteration 3: set by hand ({HAND_NOTE}) — not an EM step")
    assert "by hand" not in panel.state_tip(2) and "by hand" not in panel.state_tip(4)
    # Hovering the diamond shows that tip.
    qtbot.mouseMove(panel.viewport(), pixel_of(panel, 3, -10.4))
    qtbot.waitUntil(lambda: "not an EM step" in panel.plotItem.vb.toolTip(), timeout=3000)
    # Displayed there, the panel's tooltip says so too.
    panel.update_branches([states], 0, 3, [{3: HAND_NOTE}])
    assert panel.marker_position == (3.0, -10.4)
    assert panel.toolTip().startswith(
        f"iteration 3: set by hand ({HAND_NOTE}) — not an EM step")
    panel.update_branches([states], 0, 4, [{3: HAND_NOTE}])
    assert "by hand" not in panel.toolTip() and "total -600" in panel.toolTip()
    # Without notes nothing is hand-made: one unbroken line.
    panel.update_branches([states], 0)
    assert segments(*panel.active_curve()) == {(i, i + 1) for i in range(5)}
    assert len(panel.hand_made_markers()[0]) == 0


def test_likelihood_axes_are_laid_out_again_only_when_the_view_changes(qtbot):
    """A run adds a state a step; while the view keeps its range the axes keep their
    rendering (re-setting the same title re-rendered the y axis, its ticks, grid and
    text, ~5 ms at every step), and a re-ranged view or a new title renders them anew."""
    panel = shown(qtbot, likelihood.LikelihoodPanel(), 420, 260)
    lls = -5 + 1 - np.exp(-np.arange(30) / 4)   # a climb that flattens: few re-ranges
    left = panel.plotItem.getAxis("left")
    ranges = []
    panel.plotItem.vb.sigRangeChanged.connect(lambda *_: ranges.append(1))
    renderings = []  # the y axis's cached drawing after each step, as painted
    for n in range(5, 30):
        panel.update_branches([ll_states(lls[:n])], 0)
        QApplication.processEvents()  # the view's range and layout settle
        panel.viewport().repaint()
        if not renderings or left.picture is not renderings[-1]:
            renderings.append(left.picture)
    assert None not in renderings
    assert len(renderings) <= len(ranges) + 1 < 25
    assert left.labelText == "mean log-likelihood"


def test_likelihood_of_one_state_has_a_readable_range_and_a_whole_marker(qtbot):
    panel = shown(qtbot, likelihood.LikelihoodPanel(), 260, 220)
    panel.update_branches([ll_states([-4.2037])], 0)
    y0, y1 = panel.plotItem.viewRange()[1]
    assert y1 - y0 >= likelihood.min_y_span(-4.2037) >= likelihood.MIN_Y_SPAN
    assert y0 < -4.2037 < y1
    # Readable ticks: several labels, each with at most two decimals here.
    left = panel.plotItem.getAxis("left")
    values = [v for _, vs in left.tickValues(y0, y1, panel.plotItem.vb.height()) for v in vs]
    labels = left.tickStrings([v for v in values if y0 <= v <= y1], 1.0, 0.01)
    assert len(labels) >= 3 and all(len(t.split(".")[-1]) <= 2 for t in labels)
    radius = likelihood.CURRENT_SIZE / 2 + 1  # half the marker and its pen
    assert marker_clear_of_edges(panel, 0.0, -4.2037, radius)
    # The first and the last of a longer run are whole too, wherever the view is re-ranged.
    for n in (10, 11, 40):
        states = ll_states(np.linspace(-5, -4, n + 1))
        panel.update_branches([states], 0, 0)
        assert marker_clear_of_edges(panel, 0.0, -5.0, radius)
        assert marker_clear_of_edges(panel, float(n), -4.0, radius)
    # A resize keeps the margins in pixels.
    panel.resize(520, 300)
    qtbot.waitUntil(lambda: panel.plotItem.vb.width() > 400, timeout=3000)
    assert marker_clear_of_edges(panel, 0.0, -5.0, radius)
    assert marker_clear_of_edges(panel, 40.0, -4.0, radius)


def test_likelihood_resets_its_range_when_the_history_is_emptied(qtbot):
    panel = shown(qtbot, likelihood.LikelihoodPanel(), 260, 220)
    fresh = np.ravel(panel.plotItem.viewRange())
    for empty in ([], [[]]):  # no branches; File › New's one empty branch
        panel.update_branches([ll_states(np.linspace(-6, -4, 31))], 0)
        assert not np.allclose(np.ravel(panel.plotItem.viewRange()), fresh)
        panel.update_branches(empty, 0, None, [{}] * len(empty))
        np.testing.assert_allclose(np.ravel(panel.plotItem.viewRange()), fresh)
        assert panel.marker_position is None and len(panel.active_curve()[0]) == 0
        assert "none yet" in panel.toolTip()
