"""Presentation mode (F5) and Help › Getting started, driven as a user drives them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QSettings, Qt
from PySide6.QtGui import QFontInfo, QFontMetrics, QImage, QPainter
from PySide6.QtWidgets import QApplication, QToolBar

from gmm_explorer.qt.canvas.components import ellipse_pen
from gmm_explorer.qt.panels.likelihood import CURRENT_SIZE
from gmm_explorer.qt.plot_style import PROJECTOR, projector_style
from tests.qt.window_helpers import idle, make_window


def _toolbar(w) -> QToolBar:
    return w.findChild(QToolBar, "main-toolbar")


def _shown(w) -> dict[str, tuple[bool, bool]]:
    """(isVisible, isHidden) of every widget presentation mode may hide."""
    widgets = {"controls": w.controls, "table": w.table, "timeline": w.timeline,
               "toolbar": _toolbar(w), **{f"dock {k}": d for k, d in w.docks.items()}}
    return {name: (x.isVisible(), x.isHidden()) for name, x in widgets.items()}


def _splits(w) -> list:
    return [(s.orientation(), s.sizes()) for s in (w.main_split, w.center_split,
                                                     w.right_split)]


def _tick_font(plot, axis="bottom"):
    return plot.plotItem.getAxis(axis).style["tickFont"]


def _mean_rings(w) -> list[float]:
    """Size, pen width, size, pen width... of the mean rings drawn."""
    means = w.canvas.layers.components.items()["means"]
    return [x for s in means.points() for x in (s.size(), s.pen().widthF())]


def _press_f5(qtbot, w, on=None) -> None:
    qtbot.keyClick(on or w.focusWidget() or w, Qt.Key.Key_F5)
    qtbot.wait(20)


NORMAL_1SIGMA = ellipse_pen((0, 0, 0), 1, False).widthF()


def test_f5_shows_the_canvas_and_the_curve_full_screen_in_large_type(window, qtbot):
    w = window
    w.actions["step"].trigger()
    idle(qtbot, w)
    shown, geometry, state, splits = _shown(w), w.geometry(), w.windowState(), _splits(w)
    assert shown["controls"][0] and shown["toolbar"][0] and shown["dock health"][0]
    assert _tick_font(w.canvas) is None
    assert w.canvas.layers.components.ellipse_pen(0, 1).widthF() == NORMAL_1SIGMA
    rings = _mean_rings(w)
    ll_width = w.ll_panel._curve.opts["pen"].widthF()

    _press_f5(qtbot, w)
    style = w.presentation.style
    assert w.presentation.active and w.actions["presentation"].isChecked()
    assert w.windowState() & Qt.WindowState.WindowFullScreen
    # The canvas and the curve only: no controls, table, timeline, toolbar or dock.
    assert w.canvas.isVisible() and w.ll_panel.isVisible()
    for name, (visible, _) in _shown(w).items():
        assert not visible, name
    assert w.presentation.caption.isVisible() and "F5" in w.presentation.caption.text()
    # Large type, for the screen the window fills.
    screen = w.screen().geometry()
    assert w.geometry() == screen
    assert style == projector_style(screen.width(), screen.height())
    for plot in (w.canvas, w.ll_panel):
        for axis in ("bottom", "left"):
            assert QFontInfo(_tick_font(plot, axis)).pixelSize() >= 18
            label = plot.plotItem.getAxis(axis).label.font()
            assert QFontInfo(label).pixelSize() >= 20
    assert QFontInfo(w.status_label.font()).pixelSize() >= 16
    # Thick lines and big markers.
    assert w.canvas.layers.components.ellipse_pen(0, 1).widthF() == pytest.approx(
        NORMAL_1SIGMA * style.line_scale)
    assert w.canvas.layers.components.ellipse_pen(1, 1).widthF() >= 4.0
    assert _mean_rings(w) == pytest.approx([x * style.marker_scale for x in rings])
    assert w.canvas.layers.points.items()["points"].opts["size"] >= 9
    assert w.ll_panel._curve.opts["pen"].widthF() == pytest.approx(ll_width
                                                                   * style.line_scale)

    _press_f5(qtbot, w)
    assert not w.presentation.active and not w.actions["presentation"].isChecked()
    assert not w.presentation.caption.isVisible()
    assert _shown(w) == shown
    assert w.geometry() == geometry and w.windowState() == state
    assert _splits(w) == splits
    assert _tick_font(w.canvas) is None and _tick_font(w.ll_panel) is None
    assert w.status_label.font() == w.font()
    assert w.canvas.layers.components.ellipse_pen(0, 1).widthF() == NORMAL_1SIGMA
    assert _mean_rings(w) == pytest.approx(rings)
    assert w.ll_panel._curve.opts["pen"].widthF() == pytest.approx(ll_width)


def test_stepping_while_presenting_keeps_the_large_style(window, qtbot):
    w = window
    w.actions["presentation"].trigger()
    style = w.presentation.style
    for _ in range(2):
        qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Space)
        idle(qtbot, w)
    assert w.session.current.iteration == 2
    assert w.canvas.layers.components.ellipse_pen(0, 1).widthF() == pytest.approx(
        NORMAL_1SIGMA * style.line_scale)
    assert _mean_rings(w) == pytest.approx([13 * style.marker_scale, 3 * style.marker_scale]
                                           * 2)
    assert w.ll_panel._curve.opts["pen"].widthF() == pytest.approx(2.4 * style.line_scale)
    w.actions["presentation"].trigger()
    w.actions["step"].trigger()
    idle(qtbot, w)
    assert w.canvas.layers.components.ellipse_pen(0, 1).widthF() == NORMAL_1SIGMA
    assert _mean_rings(w) == [13, 3] * 2
    assert w.ll_panel._curve.opts["pen"].widthF() == pytest.approx(2.4)


def test_f5_works_from_a_spin_box_and_esc_still_pauses(window, qtbot):
    w = window
    k = w.controls.k
    k.setFocus()
    qtbot.waitUntil(lambda: w.focusWidget() in (k, k.lineEdit()))
    _press_f5(qtbot, w, on=w.focusWidget())
    assert w.presentation.active and k.value() == 2
    # Esc is Pause's key: it pauses a run and leaves presentation mode alone.
    w.actions["run"].trigger()
    qtbot.waitUntil(lambda: w.run.running)
    qtbot.keyClick(w.focusWidget() or w, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not w.run.running)
    assert w.presentation.active
    idle(qtbot, w)
    _press_f5(qtbot, w)
    assert not w.presentation.active and k.isVisible()


def test_leaving_restores_closed_and_raised_docks_exactly(window, qtbot):
    w = window
    w.docks["truth"].close()
    w.docks["branches"].raise_()
    qtbot.wait(20)
    shown, geometry = _shown(w), w.geometry()
    assert shown["dock truth"] == (False, True)
    w.actions["presentation"].trigger()
    w.actions["presentation"].trigger()
    assert _shown(w) == shown and w.geometry() == geometry


def test_the_sizes_follow_the_window_and_read_at_1024x768(window, qtbot):
    """No screenshot: the tick labels' font is at least 16 px tall at 1024 x 768, and
    larger windows get larger sizes, so a picture scaled down to 1024 x 768 keeps them."""
    w = window
    w.actions["presentation"].trigger()
    w.resize(1024, 768)
    qtbot.waitUntil(lambda: w.size().width() == 1024)
    font = _tick_font(w.canvas)
    assert QFontInfo(font).pixelSize() >= 16 and QFontMetrics(font).height() >= 16
    assert QFontInfo(_tick_font(w.ll_panel)).pixelSize() >= 16
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.size().width() == 1920)
    scaled = QFontInfo(_tick_font(w.canvas)).pixelSize() * PROJECTOR[0] / 1920
    assert scaled >= 16
    # Wide: the curve beside the canvas, each with room.
    assert w.center_split.orientation() == Qt.Orientation.Horizontal
    w.actions["presentation"].trigger()
    assert _tick_font(w.canvas) is None


def _tick_labels(plot, axis="bottom") -> list[str]:
    """The tick labels ``axis`` draws (pyqtgraph leaves out those that would overflow it)."""
    image = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    painter.setFont(plot.font())
    try:
        _, _, texts = plot.plotItem.getAxis(axis).generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


def test_presenting_at_1920x1080_iteration_0_stands_clear_of_the_axis(window, qtbot):
    w = window
    for _ in range(4):
        w.actions["step"].trigger()
        idle(qtbot, w)
    w.actions["presentation"].trigger()
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.presentation.style == projector_style(1920, 1080))
    panel = w.ll_panel
    qtbot.waitUntil(lambda: "2" in _tick_labels(panel))
    # The "0" under iteration 0 is drawn, in the large type.
    assert "0" in _tick_labels(panel)
    # Iteration 0's state is clear of the y axis by more than the largest marker's radius.
    vb = panel.plotItem.vb
    x0 = vb.mapViewToScene(QPointF(0.0, w.session.history[0].mean_log_likelihood)).x()
    largest = CURRENT_SIZE * panel.marker_scale() / 2 + 2 * w.presentation.style.line_scale
    assert x0 - vb.sceneBoundingRect().left() > largest + 3
    w.actions["presentation"].trigger()
    assert "0" in _tick_labels(panel)


@pytest.mark.parametrize("size", [(800, 600), (1024, 768), (1280, 800), (1366, 768),
                                  (1920, 1080), (2560, 1600), (3840, 2160)])
def test_projected_to_1024x768_the_text_stays_16px_tall(size):
    """A projector fits the picture into 1024 x 768: scale every size by that factor."""
    width, height = size
    style = projector_style(width, height)
    shrink = min(1.0, PROJECTOR[0] / width, PROJECTOR[1] / height)
    assert style.tick_px * shrink >= 16 and style.label_px * shrink >= 16
    assert style.text_px >= 16
    assert style.line_scale * shrink >= 1.5 and style.marker_scale * shrink >= 1.2


def test_closing_while_presenting_remembers_the_normal_window(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    idle(qtbot, w)
    geometry = w.geometry()
    w.actions["presentation"].trigger()
    w.close()
    w2 = make_window(qtbot, tmp_path)
    assert not w2.windowState() & Qt.WindowState.WindowFullScreen
    assert w2.geometry().size() == geometry.size()
    assert w2.controls.isVisible() and _toolbar(w2).isVisible()
    assert w2.docks["health"].isVisible()


def test_getting_started_is_a_non_modal_tour_of_five_things(window, qtbot):
    w = window
    w.actions["getting_started"].trigger()
    dialog = w.getting_started
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.isModal() and dialog.windowModality() == Qt.WindowModality.NonModal
    assert QApplication.activeModalWidget() is None
    items = dialog.items()
    assert len(items) == 5
    for item, key in zip(items, ("Space", "Ctrl+Shift+Backspace", "I", "←", "ring"),
                         strict=True):
        assert key in item
    assert "Step EM" in items[0] and "E-step" in items[0] and "M-step" in items[0]
    assert "Model selection" in items[4]
    # It fits a 1280 x 720 screen, in text larger than the window's.
    assert dialog.width() <= 1280 and dialog.height() <= 720 - 60
    assert dialog.font().pointSizeF() > w.font().pointSizeF()
    # The window still takes the keys while it is open.
    start = w.session.current.iteration
    w.actions["step"].trigger()
    idle(qtbot, w)
    assert w.session.current.iteration == start + 1
    dialog.close()
    w.actions["getting_started"].trigger()
    assert dialog.isVisible()
    dialog.close()


def test_a_first_launch_points_to_the_tour_without_opening_it(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)  # fresh settings: a first launch
    assert w.tour_pointer.isVisible() and "Getting started" in w.tour_pointer.text()
    assert not w.getting_started.isVisible()
    assert QApplication.activeModalWidget() is None
    w.tour_pointer.linkActivated.emit("#tour")
    assert w.getting_started.isVisible() and not w.tour_pointer.isVisible()
    w.getting_started.close()


def test_a_later_launch_has_no_pointer(qtbot, tmp_path):
    q = QSettings(str(tmp_path / "later.ini"), QSettings.Format.IniFormat)
    q.setValue("model/init", "kmeans")
    q.sync()
    w = make_window(qtbot, tmp_path, name="later.ini")
    assert not w.tour_pointer.isVisible()


def test_stepping_while_presenting_renders_no_new_ring_or_handle_symbols(window, qtbot):
    """Presenting enlarges the rings and handles with wider pens at every redraw; the
    same widened pen serves every step, so the scatter's cache of rendered symbols (keyed
    by pen object) keeps its size instead of growing by K symbols a step."""
    w = window
    w.actions["presentation"].trigger()
    parts = w.canvas.layers.components.items()
    scatters = [parts["means"], parts["handles"]]
    for _ in range(2):
        w.actions["step"].trigger()
        idle(qtbot, w)
    sizes = [len(s.fragmentAtlas) for s in scatters]
    for _ in range(4):
        w.actions["step"].trigger()
        idle(qtbot, w)
    assert [len(s.fragmentAtlas) for s in scatters] == sizes
    style = w.presentation.style
    assert _mean_rings(w) == pytest.approx([13 * style.marker_scale, 3 * style.marker_scale]
                                           * 2)
