"""The canvas: points, component means, covariance ellipses and density contours.

A passive view: the window pushes state in with ``set_*`` methods, and the canvas asks
for edits through signals (it never changes the data itself). Mouse handling lives in
:class:`EditViewBox`, a ``pyqtgraph.ViewBox`` subclass, as pyqtgraph's own examples do.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QGraphicsItem

from gmm_explorer import engine as E
from gmm_explorer.render import (
    NEUTRAL,
    PALETTE,
    RasterCache,
    component_color,
    contour_levels,
    contour_segments,
)

#: Above this many points, points are drawn as an image of the view instead of markers.
MAX_MARKERS = 10_000
SIGMAS = (1, 2, 3)
GRID = (160, 120)  # contour grid, columns x rows
N_CONTOURS = 8

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


class EditViewBox(pg.ViewBox):
    """Mouse bindings for editing points.

    * left click: add a point (mode ``add``);
    * left drag in mode ``brush``, or Shift + left drag: paint points;
    * left drag in mode ``select``, or Ctrl + left drag: rubber-band selection;
    * right click: remove the nearest point within a few pixels;
    * other drags and the wheel: pan and zoom, as in pyqtgraph.
    """

    #: (x, y) in data coordinates: the user clicked to add a point.
    point_add_requested = Signal(float, float)
    #: (x, y, data units per pixel in x, in y): the user right-clicked to remove a point.
    point_remove_requested = Signal(float, float, float, float)
    #: None: a brush stroke begins (its points form one undo step).
    stroke_started = Signal()
    #: ndarray (m, 2): points painted by the brush.
    stroke_points_requested = Signal(object)
    #: None: the brush stroke ended.
    stroke_finished = Signal()
    #: (x0, y0, x1, y1) in data coordinates: a rubber band was drawn.
    selection_requested = Signal(float, float, float, float)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setMenuEnabled(False)
        self.mode = "add"
        self.brush_radius_px = 18.0
        self.brush_density = 4  # points per mouse move
        self._rng = np.random.default_rng()
        self._stroking = False
        self._selecting = False

    def mouseClickEvent(self, ev):  # noqa: N802 - Qt/pyqtgraph API
        p = self.mapSceneToView(ev.scenePos())
        if ev.button() == Qt.MouseButton.LeftButton and self.mode in ("add", "brush"):
            ev.accept()
            self.point_add_requested.emit(p.x(), p.y())
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            px, py = self.viewPixelSize()
            self.point_remove_requested.emit(p.x(), p.y(), px, py)
        else:
            super().mouseClickEvent(ev)

    def _brush_points(self, scene_pos) -> np.ndarray:
        c = self.mapSceneToView(scene_pos)
        px, py = self.viewPixelSize()
        n = self.brush_density
        r = self.brush_radius_px * np.sqrt(self._rng.random(n))
        t = self._rng.random(n) * 2 * np.pi
        return np.stack([c.x() + r * np.cos(t) * px, c.y() + r * np.sin(t) * py], axis=1)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - Qt/pyqtgraph API
        if ev.button() != Qt.MouseButton.LeftButton or axis is not None:
            return super().mouseDragEvent(ev, axis)
        mods = ev.modifiers()
        brush = self.mode == "brush" or bool(mods & Qt.KeyboardModifier.ShiftModifier)
        select = self.mode == "select" or bool(mods & Qt.KeyboardModifier.ControlModifier)
        if brush or self._stroking:
            ev.accept()
            if ev.isStart():
                self._stroking = True
                self.stroke_started.emit()
            if self._stroking:
                self.stroke_points_requested.emit(self._brush_points(ev.scenePos()))
            if ev.isFinish():
                self._stroking = False
                self.stroke_finished.emit()
            return None
        if select or self._selecting:
            ev.accept()
            self._selecting = not ev.isFinish()
            if ev.isFinish():
                self.rbScaleBox.hide()
                a = self.mapSceneToView(ev.buttonDownScenePos())
                b = self.mapSceneToView(ev.scenePos())
                self.selection_requested.emit(a.x(), a.y(), b.x(), b.y())
            else:
                self.updateScaleBox(ev.buttonDownPos(), ev.pos())
            return None
        return super().mouseDragEvent(ev, axis)


class Canvas(pg.PlotWidget):
    """The main plot. Push state in with the ``set_*`` methods; read edits from
    :attr:`view`'s signals."""

    def __init__(self, parent=None) -> None:
        self.view = EditViewBox()
        super().__init__(parent=parent, viewBox=self.view, background="w")
        self.setToolTip("")
        self.plotItem.showGrid(x=True, y=True, alpha=0.15)
        self.plotItem.hideButtons()  # pyqtgraph's auto-range "A": F / Fit view does that
        for ax in ("left", "bottom"):
            axis = self.plotItem.getAxis(ax)
            axis.setTextPen("k")
            axis.setPen(pg.mkPen(120, 120, 120))
            # The axes also draw the grid, so their bounds cover the plot and every step's
            # repaint would replay their text (~14 ms each); cache them as pixmaps instead.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._points = np.zeros((0, 2))
        self._colors: np.ndarray | None = None
        self._labels: np.ndarray | None = None
        self._mixture: E.Mixture | None = None
        self._selection = np.zeros(0, dtype=np.intp)
        self.color_mode = "soft"
        self.show_sigma = {1: True, 2: True, 3: False}
        self.show_contours = True
        self.show_density = False
        self._brush_cache: dict[tuple[int, int, int], QBrush] = {}

        # Persistent items, updated with setData (never rebuilt per frame).
        self._density = pg.ImageItem()
        self._density.setZValue(-20)
        self._density.setOpacity(0.55)
        self._density.setLookupTable(_density_lut())
        self.addItem(self._density)
        # Contours as line segments from a vectorised marching squares: pyqtgraph's
        # IsocurveItem traces in Python at paint time (~10 ms a level at this grid).
        self._contours = []
        for j in range(N_CONTOURS):
            c = pg.PlotCurveItem(pen=pg.mkPen(90, 90, 90, 150 - 12 * j, width=1),
                                 connect="pairs")
            c.setZValue(-10)
            self.addItem(c)
            self._contours.append(c)
        self._raster_cache = RasterCache()
        self._raster = pg.ImageItem()
        self._raster.setZValue(0)
        self.addItem(self._raster)
        self._scatter = pg.ScatterPlotItem(size=7, pen=None, pxMode=True)
        self._scatter.setZValue(1)
        self.addItem(self._scatter)
        self._selected = pg.ScatterPlotItem(size=12, pen=pg.mkPen(0, 0, 0, width=1.5),
                                            brush=None, pxMode=True)
        self._selected.setZValue(2)
        self.addItem(self._selected)
        self._ellipses: dict[tuple[int, int], pg.PlotCurveItem] = {}
        self._means = pg.ScatterPlotItem(size=13, pxMode=True)
        self._means.setZValue(5)
        self.addItem(self._means)

        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(40)
        self._view_timer.timeout.connect(self._redraw_view_dependent)
        self.view.sigRangeChanged.connect(lambda *_: self._view_timer.start())

    # ------------------------------------------------------------------ state in

    def set_points(self, points: np.ndarray) -> None:
        self._points = points
        self._redraw_points()

    def set_colors(self, colors: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Colours per point (soft) and hard labels; None draws points neutral."""
        self._colors, self._labels = colors, labels
        self._redraw_points()

    def set_color_mode(self, mode: str) -> None:
        self.color_mode = mode
        self._redraw_points()

    def set_selection(self, indices: np.ndarray) -> None:
        self._selection = np.asarray(indices, dtype=np.intp)
        sel = self._points[self._selection] if self._selection.size else np.zeros((0, 2))
        self._selected.setData(sel[:, 0], sel[:, 1])

    def set_mixture(self, mixture: E.Mixture | None) -> None:
        if mixture is self._mixture:
            return  # mixtures are immutable: the same object needs no redraw
        self._mixture = mixture
        self._redraw_model()
        self._redraw_density()

    def set_show_sigma(self, sigma: int, on: bool) -> None:
        self.show_sigma[sigma] = on
        self._redraw_model()

    def set_show_contours(self, on: bool) -> None:
        self.show_contours = on
        self._redraw_density()

    def set_equal_axes(self, on: bool) -> None:
        self.view.setAspectLocked(on, ratio=1.0)

    def set_show_density(self, on: bool) -> None:
        self.show_density = on
        self._redraw_density()

    def fit_view(self) -> None:
        """Zoom to the points (and the component means), with a margin."""
        pts = self._points
        if self._mixture is not None:
            pts = np.concatenate([pts, np.asarray(self._mixture.means)])
        if pts.shape[0] == 0:
            self.view.setRange(xRange=(0, 1), yRange=(0, 1))
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        span = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 1.0))
        self.view.setRange(xRange=(lo[0] - 0.05 * span[0], hi[0] + 0.05 * span[0]),
                           yRange=(lo[1] - 0.05 * span[1], hi[1] + 0.05 * span[1]), padding=0)

    @property
    def uses_raster(self) -> bool:
        return self._points.shape[0] > MAX_MARKERS

    def point_colors(self) -> np.ndarray:
        """The RGB colour each point is drawn with (n, 3), as currently shown."""
        n = self._points.shape[0]
        if self._colors is None or self._colors.shape[0] != n:
            return np.broadcast_to(NEUTRAL, (n, 3))
        if self.color_mode == "hard" and self._labels is not None:
            return PALETTE[self._labels % len(PALETTE)]
        return self._colors

    # ------------------------------------------------------------------ drawing

    def _brush(self, rgb) -> QBrush:
        key = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        b = self._brush_cache.get(key)
        if b is None:
            b = QBrush(QColor(*key, 230))
            self._brush_cache[key] = b
        return b

    def _redraw_points(self) -> None:
        pts = self._points
        if self.uses_raster:
            self._scatter.setData([], [])
            self._redraw_raster()
        else:
            self._raster.clear()
            cols = self.point_colors()
            # Quantise to 5 bits a channel: few distinct brushes, indistinguishable colours.
            q = (np.asarray(cols) >> 3 << 3) + 4
            brushes = [self._brush(c) for c in q.tolist()] if pts.shape[0] else []
            self._scatter.setData(pts[:, 0], pts[:, 1], brush=brushes)
        if self._selection.size:
            self.set_selection(self._selection[self._selection < pts.shape[0]])

    def _redraw_raster(self) -> None:
        (x0, x1), (y0, y1) = self.view.viewRange()
        w = max(1, int(self.view.width()))
        h = max(1, int(self.view.height()))
        img = self._raster_cache.image(self._points, np.asarray(self.point_colors()), (x0, x1),
                                       (y0, y1), w, h)
        self._raster.setImage(img, autoLevels=False, levels=(0, 255))
        self._raster.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _redraw_model(self) -> None:
        m = self._mixture
        k = 0 if m is None else m.n_components
        for (j, s), item in list(self._ellipses.items()):
            if j >= k:
                self.removeItem(item)
                del self._ellipses[(j, s)]
        if m is None:
            self._means.setData([], [])
            return
        spots = []
        for j in range(k):
            color = component_color(j)
            # Ellipses a shade darker than the points, so they stay visible over them.
            dark = tuple(int(0.72 * v) for v in color)
            for s in SIGMAS:
                item = self._ellipses.get((j, s))
                if item is None:
                    style = {1: Qt.PenStyle.SolidLine, 2: Qt.PenStyle.DashLine,
                             3: Qt.PenStyle.DotLine}[s]
                    item = pg.PlotCurveItem(pen=pg.mkPen(*dark, width=2.6 if s == 1 else 1.8,
                                                         style=style))
                    item.setZValue(4)
                    self.addItem(item)
                    self._ellipses[(j, s)] = item
                if self.show_sigma[s]:
                    xy = E.ellipse(m, j, float(s), 96)
                    item.setData(xy[:, 0], xy[:, 1])
                    item.show()
                else:
                    item.hide()
            spots.append({"pos": (float(m.means[j, 0]), float(m.means[j, 1])),
                          "brush": pg.mkBrush(255, 255, 255, 240),
                          "pen": pg.mkPen(*dark, width=3), "symbol": "o"})
        self._means.setData(spots)

    def _redraw_density(self) -> None:
        m = self._mixture
        if m is None or not (self.show_contours or self.show_density):
            self._density.clear()
            for c in self._contours:
                c.setData([], [])
            return
        (x0, x1), (y0, y1) = self.view.viewRange()
        nx, ny = GRID
        xs = np.linspace(x0, x1, nx)
        ys = np.linspace(y0, y1, ny)
        logd = E.log_density_grid(m, xs, ys)
        levels = contour_levels(logd, N_CONTOURS)
        finite = np.where(np.isfinite(logd), logd, -1e300)
        for j, c in enumerate(self._contours):
            if self.show_contours and j < levels.size:
                seg = contour_segments(logd, float(levels[j]), xs, ys)
                c.setData(seg[:, 0], seg[:, 1], connect="pairs")
            else:
                c.setData([], [])
        if self.show_density and levels.size:
            lo, hi = float(levels[-1]), float(levels[0] + np.log(10) * 0.5)
            self._density.setImage(np.clip(finite, lo, hi), autoLevels=False, levels=(lo, hi))
            self._density.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        else:
            self._density.clear()

    def _redraw_view_dependent(self) -> None:
        if self.uses_raster:
            self._redraw_raster()
        self._redraw_density()


def _density_lut() -> np.ndarray:
    """White to a pale blue-grey: shading that keeps coloured points readable."""
    t = np.linspace(0, 1, 256)[:, None]
    lo = np.array([255, 255, 255])
    hi = np.array([120, 150, 200])
    return (lo + (hi - lo) * t).astype(np.uint8)

