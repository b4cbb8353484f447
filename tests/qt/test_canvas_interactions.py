"""The canvas on its own, driven with real mouse events (pytest-qt, offscreen).

Component handles, the inspector, colour modes and overlays. The window is not involved:
the canvas only emits requests, so each test checks the signal and its payload.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from gmm_explorer import engine as E
from gmm_explorer.drawing import (
    PALETTE,
    component_color,
    uncertainty_colors,
    voronoi_segments,
)
from gmm_explorer.qt.canvas.canvas import Canvas
from gmm_explorer.qt.canvas.hit_test import HANDLE_PICK_PX
from gmm_explorer.qt.canvas.point_paint import LABEL_SYMBOLS
from tests.qt.window_helpers import drag

NO_MODS = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton


def two_blobs() -> E.Mixture:
    """Two well separated components; the first is elongated along 30 degrees."""
    a = np.radians(30.0)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    c0 = r @ np.diag([1.5 ** 2, 0.5 ** 2]) @ r.T
    return E.Mixture(np.array([0.5, 0.5]), np.array([[2.0, 3.0], [7.0, 6.0]]),
                     np.stack([c0, np.diag([0.6, 0.4])]), "full")


@pytest.fixture
def canvas(qtbot):
    c = Canvas()
    qtbot.addWidget(c)
    c.resize(640, 480)
    c.show()
    qtbot.waitExposed(c)
    c.view.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    qtbot.waitUntil(lambda: not c.view_redraw_pending)
    return c


def pixel(c: Canvas, x: float, y: float) -> QPoint:
    """The viewport pixel showing data point (x, y)."""
    return c.mapFromScene(c.view.mapViewToScene(QPointF(x, y)))


def data_at(c: Canvas, p: QPoint) -> tuple[float, float]:
    v = c.view.mapSceneToView(c.mapToScene(p))
    return v.x(), v.y()


def move(c: Canvas, p: QPoint) -> None:
    """A mouse move with no button held (hover)."""
    vp = c.viewport()
    ev = QMouseEvent(QEvent.Type.MouseMove, QPointF(p), QPointF(vp.mapToGlobal(p)),
                     Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, NO_MODS)
    QApplication.sendEvent(vp, ev)


def record(qtbot, signal) -> list:
    got = []
    signal.connect(lambda *args: got.append(args))
    return got


def tol(c: Canvas) -> tuple[float, float]:
    """Data units of 1.5 pixels in x and y."""
    px, py = c.view.viewPixelSize()
    return 1.5 * px, 1.5 * py


# ---------------------------------------------------------------- component handles


def test_dragging_a_mean_asks_for_the_component_to_move(canvas, qtbot):
    canvas.set_mixture(two_blobs())
    canvas.view.mode = "brush"  # grabbing a mean wins over every mode's own drag
    started = record(qtbot, canvas.view.component_drag_started)
    moved = record(qtbot, canvas.view.component_drag_moved)
    finished = record(qtbot, canvas.view.component_drag_finished)
    strokes = record(qtbot, canvas.view.stroke_started)
    before = canvas.view.viewRange()
    a, b = pixel(canvas, 7.0, 6.0), pixel(canvas, 5.0, 4.5)
    drag(qtbot, canvas.viewport(), a, b, NO_MODS)
    assert started == [(1, "mean")]
    assert len(moved) >= 3 and all(m[:2] == (1, "mean") for m in moved)
    assert len(finished) == 1
    j, part, x, y = finished[0]
    tx, ty = tol(canvas)
    ex, ey = data_at(canvas, b)
    assert (j, part) == (1, "mean") and abs(x - ex) <= tx and abs(y - ey) <= ty
    assert not strokes and canvas.view.viewRange() == before
    np.testing.assert_array_equal(canvas.mixture.means, two_blobs().means)  # passive


def test_dragging_a_major_handle_reports_part_major(canvas, qtbot):
    m = two_blobs()
    canvas.set_mixture(m)
    sd_major, sd_minor, angle = E.ellipse_axes(m)
    a = np.radians(angle[0])
    hx, hy = m.means[0] + sd_major[0] * np.array([np.cos(a), np.sin(a)])
    started = record(qtbot, canvas.view.component_drag_started)
    finished = record(qtbot, canvas.view.component_drag_finished)
    target = pixel(canvas, hx + 1.0, hy + 0.5)
    drag(qtbot, canvas.viewport(), pixel(canvas, hx, hy), target, NO_MODS)
    assert started == [(0, "major")]
    j, part, x, y = finished[0]
    tx, ty = tol(canvas)
    ex, ey = data_at(canvas, target)
    assert (j, part) == (0, "major") and abs(x - ex) <= tx and abs(y - ey) <= ty
    # The minor handle is perpendicular, one minor standard deviation from the mean.
    mx, my = m.means[0] + sd_minor[0] * np.array([-np.sin(a), np.cos(a)])
    hit = canvas.component_at(canvas.view.mapViewToScene(QPointF(mx, my)))
    assert hit is not None and hit[:2] == (0, "minor")


def test_handles_can_be_hidden_and_then_are_not_grabbed(canvas):
    m = two_blobs()
    canvas.set_mixture(m)
    assert len(canvas.layers.components.handle_positions()) == 4
    hx, hy = canvas.part_position(0, "major")
    scene = canvas.view.mapViewToScene(QPointF(hx, hy))
    assert canvas.component_at(scene)[:2] == (0, "major")
    canvas.set_show_handles(False)
    assert len(canvas.layers.components.handle_positions()) == 0
    assert canvas.component_at(scene) is None


def test_a_drag_elsewhere_in_add_mode_still_pans(canvas, qtbot):
    canvas.set_mixture(two_blobs())
    signals = (canvas.view.component_drag_started, canvas.view.component_drag_moved,
               canvas.view.component_drag_finished)
    got = [record(qtbot, s) for s in signals]
    before = canvas.view.viewRange()
    drag(qtbot, canvas.viewport(), pixel(canvas, 5.0, 1.0), pixel(canvas, 6.5, 2.0), NO_MODS)
    after = canvas.view.viewRange()
    assert after[0][0] < before[0][0] - 1.0 and after[1][0] < before[1][0] - 0.5
    assert got == [[], [], []]


def test_hovering_a_mean_shows_the_move_cursor(canvas, qtbot):
    canvas.set_mixture(two_blobs())
    move(canvas, pixel(canvas, 2.0, 3.0) + QPoint(3, 2))
    assert canvas.view.cursor().shape() == Qt.CursorShape.SizeAllCursor
    move(canvas, pixel(canvas, 5.0, 9.0))
    assert canvas.view.cursor().shape() != Qt.CursorShape.SizeAllCursor


def test_place_mode_click_asks_for_a_component_at_the_click(canvas, qtbot):
    canvas.set_mixture(two_blobs())
    canvas.view.mode = "place"
    placed = record(qtbot, canvas.view.component_place_requested)
    added = record(qtbot, canvas.view.point_add_requested)
    p = pixel(canvas, 4.0, 8.0)
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=p)
    assert len(placed) == 1 and not added
    tx, ty = tol(canvas)
    ex, ey = data_at(canvas, p)
    assert abs(placed[0][0] - ex) <= tx and abs(placed[0][1] - ey) <= ty
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=pixel(canvas, 7.0, 6.0))  # on a mean
    assert len(placed) == 1


def test_place_mode_right_click_on_a_mean_asks_to_remove_it(canvas, qtbot):
    canvas.set_mixture(two_blobs())
    canvas.view.mode = "place"
    removed = record(qtbot, canvas.view.component_remove_requested)
    points = record(qtbot, canvas.view.point_remove_requested)
    near = pixel(canvas, 7.0, 6.0) + QPoint(int(HANDLE_PICK_PX) - 3, 2)
    qtbot.mouseClick(canvas.viewport(), RIGHT, pos=near)
    assert removed == [(1,)] and not points
    qtbot.mouseClick(canvas.viewport(), RIGHT, pos=pixel(canvas, 4.0, 8.0))  # elsewhere
    assert removed == [(1,)] and len(points) == 1
    canvas.view.mode = "add"  # outside place mode a right click on a mean removes points
    qtbot.mouseClick(canvas.viewport(), RIGHT, pos=near)
    assert removed == [(1,)] and len(points) == 2


def test_preview_redraws_the_model_only_until_the_final_mixture(canvas):
    canvas.set_show_decision(True)
    m = two_blobs()
    canvas.set_mixture(m)
    contours = canvas.layers.density.contour(0)[0].copy()
    decision = canvas.layers.decision.image().copy()
    moved = E.Mixture(m.weights, m.means + [[1.0, 0.0], [0.0, 0.0]], m.covariances)
    canvas.set_mixture(moved, preview=True)
    assert canvas.layers.components.mean_positions()[0, 0] == pytest.approx(3.0)
    np.testing.assert_array_equal(canvas.layers.density.contour(0)[0], contours)
    np.testing.assert_array_equal(canvas.layers.decision.image(), decision)
    canvas.set_mixture(moved)  # the same object, no longer a preview: now the grids
    assert not np.array_equal(canvas.layers.density.contour(0)[0], contours)
    assert not np.array_equal(canvas.layers.decision.image(), decision)


# ---------------------------------------------------------------- inspector


def scattered_points(canvas):
    pts = np.array([[1.0, 1.0], [3.0, 4.0], [8.0, 2.0], [3.02, 4.02]])
    canvas.set_points(pts)
    return pts


def test_hover_reports_the_nearest_point_and_minus_one_away(canvas, qtbot):
    scattered_points(canvas)
    with qtbot.waitSignal(canvas.view.point_hovered, timeout=2000) as sig:
        move(canvas, pixel(canvas, 8.0, 2.0) + QPoint(4, -3))
    assert sig.args == [2]
    with qtbot.waitSignal(canvas.view.point_hovered, timeout=2000) as sig:
        move(canvas, pixel(canvas, 6.0, 8.0))
    assert sig.args == [-1]
    canvas.set_hovered(2)
    assert canvas.layers.markers.position("hover") == (8.0, 2.0)


def test_hover_is_throttled_and_only_reports_changes(canvas, qtbot):
    scattered_points(canvas)
    got = record(qtbot, canvas.view.point_hovered)
    p = pixel(canvas, 1.0, 1.0)
    for dx in range(6):  # a burst of moves over one point
        move(canvas, p + QPoint(dx % 3, 0))
    qtbot.waitUntil(lambda: got == [(0,)], timeout=2000)
    move(canvas, p + QPoint(1, 1))
    qtbot.wait(80)
    assert got == [(0,)]


def test_hover_finds_points_among_a_million(canvas, qtbot):
    rng = np.random.default_rng(3)
    pts = rng.uniform(0, 10, size=(1_000_000, 2))
    pts[123_456] = (5.0, 5.0)
    pts[np.hypot(pts[:, 0] - 5, pts[:, 1] - 5) < 0.3] += 1.0  # clear space around it
    pts[123_456] = (5.0, 5.0)
    canvas.set_points(pts)
    assert canvas.uses_raster
    with qtbot.waitSignal(canvas.view.point_hovered, timeout=5000) as sig:
        move(canvas, pixel(canvas, 5.0, 5.0) + QPoint(2, 2))
    assert sig.args == [123_456]


def test_inspect_click_pins_the_nearest_point_and_empty_space_unpins(canvas, qtbot):
    scattered_points(canvas)
    canvas.view.mode = "inspect"
    pinned = record(qtbot, canvas.view.point_pinned)
    added = record(qtbot, canvas.view.point_add_requested)
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=pixel(canvas, 1.0, 1.0) + QPoint(3, 3))
    qtbot.mouseClick(canvas.viewport(), LEFT, pos=pixel(canvas, 6.0, 8.0))
    assert pinned == [(0,), (-1,)] and not added
    canvas.set_pinned(2)
    assert canvas.layers.markers.position("pin") == (8.0, 2.0)
    assert canvas.layers.markers.symbol("pin") == "crosshair"
    canvas.set_pinned(None)
    assert canvas.layers.markers.position("pin") is None


# ---------------------------------------------------------------- colour modes, overlays


def test_uncertainty_colours_darken_monotonically():
    u = np.linspace(0.0, 0.5, 51)
    rgb = uncertainty_colors(u).astype(float)
    luminance = rgb @ [0.2126, 0.7152, 0.0722]
    assert np.all(np.diff(luminance) < 0)
    assert np.all(rgb[0] > 200) and np.ptp(rgb[0]) == 0  # light grey when certain
    assert rgb[-1, 0] > 100 and rgb[-1, 1] < 20  # dark red at the top of the scale
    np.testing.assert_array_equal(uncertainty_colors(np.array([0.9]))[0], rgb[-1])


def test_uncertainty_mode_colours_points_and_the_raster(canvas, qtbot):
    pts = scattered_points(canvas)
    resp = np.array([[1.0, 0.0], [0.5, 0.5], [0.8, 0.2], [0.9, 0.1]])
    canvas.set_colors(np.full((4, 3), 100, np.uint8), resp.argmax(axis=1))
    canvas.set_uncertainty(1.0 - resp.max(axis=1))
    canvas.set_color_mode("uncertainty")
    np.testing.assert_array_equal(canvas.point_colors(), uncertainty_colors(1 - resp.max(1)))
    canvas.set_color_mode("soft")
    assert np.all(canvas.point_colors() == 100)
    canvas.set_color_mode("uncertainty")
    canvas.set_colors(None, None)  # a reset forgets the uncertainty too
    assert np.all(canvas.point_colors() == canvas.point_colors()[0])
    # The raster path for many points draws the same colours.
    big = np.repeat(pts, 5000, axis=0)
    canvas.set_points(big)
    canvas.set_uncertainty(np.repeat(1.0 - resp.max(axis=1), 5000))
    assert canvas.uses_raster
    # Point 2: uncertainty 0.2.
    np.testing.assert_array_equal(canvas.layers.points.raster_color_at(8.0, 2.0)[:3],
                                  uncertainty_colors(np.array([0.2]))[0])


def test_decision_regions_show_each_component_colour_at_its_mean(canvas, qtbot):
    m = two_blobs()
    canvas.set_mixture(m)
    decision = canvas.layers.decision
    assert decision.image() is None
    canvas.set_show_decision(True)
    img = decision.image()
    assert img is not None and img.shape == (180, 240, 4)
    for j in range(2):
        rgba = decision.color_at(*m.means[j])
        assert tuple(rgba[:3]) == component_color(j)
        assert rgba[3] == 45
    order = canvas.layers.stacking_order()
    assert order.index("shading") < order.index("decision") < order.index("raster")
    # Recomputed with the view.
    canvas.view.setRange(xRange=(6, 8), yRange=(5, 7), padding=0)
    qtbot.waitUntil(lambda: np.all(decision.image()[..., :3] == PALETTE[1]), timeout=2000)
    canvas.set_show_decision(False)
    assert decision.image() is None


def test_kmeans_overlay_draws_centroids_and_voronoi_boundaries(canvas, qtbot):
    cents = np.array([[2.0, 2.0], [8.0, 2.0], [5.0, 8.0]])
    canvas.set_kmeans(cents)
    kmeans = canvas.layers.kmeans
    assert len(kmeans.centroids()) == 0  # off until shown
    canvas.set_show_kmeans(True)
    assert len(kmeans.centroids()) == 3
    assert kmeans.centroid_symbol() == "x"
    x, y = kmeans.boundaries()
    assert len(x) == 6  # three boundaries, as endpoint pairs
    # Every boundary point is equidistant from its two nearest centroids.
    d = np.sort(np.hypot(x[:, None] - cents[:, 0], y[:, None] - cents[:, 1]), axis=1)
    np.testing.assert_allclose(d[:, 0], d[:, 1], atol=1e-9)
    assert kmeans.boundary_pen().style() == Qt.PenStyle.DashLine
    canvas.set_show_kmeans(False)
    assert len(kmeans.centroids()) == 0


def test_voronoi_segments_between_two_centroids_is_their_bisector():
    seg = voronoi_segments(np.array([[0.0, 0.0], [2.0, 0.0]]), (-1.0, 3.0), (-5.0, 5.0))
    np.testing.assert_allclose(seg, [[1.0, -5.0], [1.0, 5.0]])
    assert voronoi_segments(np.array([[0.0, 0.0]]), (0, 1), (0, 1)).shape == (0, 2)


def test_label_shapes_follow_the_class_codes(canvas):
    pts = scattered_points(canvas)
    assert not canvas.label_shapes_shown
    codes = np.array([0, 1, 2, 13])
    canvas.set_label_shapes(codes)
    assert canvas.label_shapes_shown
    assert canvas.layers.points.marker_symbols() == [LABEL_SYMBOLS[c % len(LABEL_SYMBOLS)]
                                                     for c in codes]
    canvas.set_points(np.repeat(pts, 3000, axis=0))  # the raster: no shapes
    canvas.set_label_shapes(np.repeat(codes, 3000))
    assert canvas.uses_raster and not canvas.label_shapes_shown
    canvas.set_points(pts)
    canvas.set_label_shapes(None)
    assert not canvas.label_shapes_shown
    assert canvas.layers.points.marker_symbols() == ["o"] * len(pts)


def test_component_status_marks_collapsing_components_in_red(canvas):
    canvas.set_mixture(two_blobs())
    canvas.set_component_status(["ok", "collapsing"])
    components = canvas.layers.components
    ok, bad = components.ellipse_pen(0, 1), components.ellipse_pen(1, 1)
    assert bad.color().getRgb()[:3] == (200, 0, 0) and bad.style() == Qt.PenStyle.DashLine
    assert bad.widthF() > ok.widthF() and ok.color().getRgb()[:3] != (200, 0, 0)
    assert "collapsing" in components.warning_text(1)
    assert components.warning_text(0) == ""
    canvas.set_component_status(["empty", "ok"])
    assert "empty" in components.warning_text(0) and components.warning_text(1) == ""
    assert components.ellipse_pen(1, 1).color().getRgb()[:3] != (200, 0, 0)
    canvas.set_component_status(None)
    assert [components.warning_text(j) for j in range(2)] == ["", ""]
