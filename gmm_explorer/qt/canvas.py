"""The canvas: points, component means, covariance ellipses and density contours.

A passive view: the window pushes state in with ``set_*`` methods, and the canvas asks
for edits through signals (it never changes the data itself). Mouse handling lives in
:class:`EditViewBox`, a ``pyqtgraph.ViewBox`` subclass, as pyqtgraph's own examples do;
every signal the canvas emits is on ``canvas.view``.

Layers, bottom to top: density shading, decision regions, contours, points (markers or a
raster image), selection, k-means boundaries and centroids, ellipses, means, handles,
health warnings, hover and pin markers.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
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
    region_image,
    uncertainty_colors,
    voronoi_segments,
)

#: Above this many points, points are drawn as an image of the view instead of markers.
MAX_MARKERS = 10_000
SIGMAS = (1, 2, 3)
GRID = (160, 120)  # contour grid, columns x rows
N_CONTOURS = 8
#: Decision-region grid (columns x rows) and the opacity of its colours.
DECISION_GRID = (240, 180)
DECISION_ALPHA = 45
#: A drag or right click this close (screen pixels) to a mean or handle grabs it.
HANDLE_PICK_PX = 9.0
#: Hover and pin pick the nearest point within this many screen pixels.
POINT_PICK_PX = 10.0
#: Hover is evaluated at most this often (ms), at the latest mouse position.
HOVER_INTERVAL_MS = 30
#: The handles sit on the ellipse at this many standard deviations.
HANDLE_N_STD = 1.0
#: Above this many points, hover searches an x-sorted index instead of every point.
BRUTE_FORCE_MAX = 100_000
#: Marker shape of ground-truth class c is LABEL_SYMBOLS[c % len(LABEL_SYMBOLS)].
LABEL_SYMBOLS = ("o", "s", "t", "d", "star", "+", "x", "h", "p", "t1", "t2", "t3")
COLOR_MODES = ("soft", "hard", "uncertainty")
COMPONENT_PARTS = ("mean", "major", "minor")
#: Colour of the ellipses and warning of a component that is not "ok".
WARNING_RGB = (200, 0, 0)

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


class _Scatter(pg.ScatterPlotItem):
    """A scatter that never takes clicks: pyqtgraph's accepts a left click on any of its
    spots, which would keep it from the :class:`EditViewBox` (add, place, pin)."""

    def mouseClickEvent(self, ev):
        ev.ignore()


class EditViewBox(pg.ViewBox):
    """Mouse bindings for editing points and components.

    In every mode, a left drag starting within :data:`HANDLE_PICK_PX` of a component mean
    or of a visible ellipse handle drags that part (``component_drag_*``). Otherwise:

    * left click: add a point (modes ``add``, ``brush``); place a component (``place``,
      unless on a mean or handle); pin the nearest point or unpin (``inspect``);
    * left drag in mode ``brush``, or Shift + left drag: paint points;
    * left drag in mode ``select``, or Ctrl + left drag: rubber-band selection;
    * right click: in mode ``place`` on a mean, remove that component; otherwise remove
      the nearest point within a few pixels;
    * other drags and the wheel: pan and zoom, as in pyqtgraph.
    """

    MODES = ("add", "brush", "select", "place", "inspect")

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
    #: (j, part): the user grabbed component j's part ("mean", "major" or "minor").
    component_drag_started = Signal(int, str)
    #: (j, part, x, y): the grabbed part is dragged to data point (x, y).
    component_drag_moved = Signal(int, str, float, float)
    #: (j, part, x, y): the drag ended with the part at data point (x, y).
    component_drag_finished = Signal(int, str, float, float)
    #: (x, y) in data coordinates: the user asked for a new component there (mode place).
    component_place_requested = Signal(float, float)
    #: j: the user right-clicked component j's mean in mode place, to remove it.
    component_remove_requested = Signal(int)
    #: index of the point under the mouse (nearest within POINT_PICK_PX), or -1 for none.
    point_hovered = Signal(int)
    #: index of the point clicked in mode inspect, or -1: click in empty space, unpin.
    point_pinned = Signal(int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setMenuEnabled(False)
        self.mode = "add"
        self.brush_radius_px = 18.0
        self.brush_density = 4  # points per mouse move
        #: Hit tests (the :class:`Canvas`): ``component_at`` and ``point_at``.
        self.picker = None
        self._rng = np.random.default_rng()
        self._stroking = False
        self._selecting = False
        self._component_drag: tuple[int, str, float, float] | None = None

    @property
    def dragging_component(self) -> bool:
        """Whether a mean or handle is being dragged."""
        return self._component_drag is not None

    def _component_at(self, scene_pos, means_only: bool = False):
        if self.picker is None:
            return None
        return self.picker.component_at(scene_pos, means_only=means_only)

    def mouseClickEvent(self, ev):
        p = self.mapSceneToView(ev.scenePos())
        left = ev.button() == Qt.MouseButton.LeftButton
        if left and self.mode == "place":
            ev.accept()
            if self._component_at(ev.scenePos()) is None:
                self.component_place_requested.emit(p.x(), p.y())
        elif left and self.mode == "inspect":
            ev.accept()
            hit = -1 if self.picker is None else self.picker.point_at(ev.scenePos())
            self.point_pinned.emit(hit)
        elif left and self.mode in ("add", "brush"):
            ev.accept()
            self.point_add_requested.emit(p.x(), p.y())
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            hit = (self._component_at(ev.scenePos(), means_only=True)
                   if self.mode == "place" else None)
            if hit is not None:
                self.component_remove_requested.emit(hit[0])
            else:
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

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton or axis is not None:
            return super().mouseDragEvent(ev, axis)
        if ev.isStart() and not (self._stroking or self._selecting):
            hit = self._component_at(ev.buttonDownScenePos())
            if hit is not None:
                j, part, (hx, hy) = hit
                down = self.mapSceneToView(ev.buttonDownScenePos())
                # Keep the grab offset, so the part does not jump to the cursor.
                self._component_drag = (j, part, hx - down.x(), hy - down.y())
                self.component_drag_started.emit(j, part)
        if self._component_drag is not None:
            ev.accept()
            j, part, ox, oy = self._component_drag
            p = self.mapSceneToView(ev.scenePos())
            if ev.isFinish():
                self._component_drag = None
                self.component_drag_finished.emit(j, part, p.x() + ox, p.y() + oy)
            else:
                self.component_drag_moved.emit(j, part, p.x() + ox, p.y() + oy)
            return None
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
        self.view.picker = self
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
        self._uncertainty: np.ndarray | None = None
        self._uncertainty_rgb: np.ndarray | None = None  # cache of uncertainty_colors
        self._label_codes: np.ndarray | None = None
        self._mixture: E.Mixture | None = None
        self._grids_stale = False  # density/decision lag a preview mixture
        self._status: tuple[str, ...] | None = None
        self._kmeans: np.ndarray | None = None
        self._selection = np.zeros(0, dtype=np.intp)
        self._pinned: int | None = None
        self._hovered: int | None = None
        # Handle geometry of the shown mixture, (K, 2) each: "mean", "major", "minor".
        self._geometry: dict[str, np.ndarray] | None = None
        self._x_index: tuple[np.ndarray, np.ndarray] | None = None  # (order, sorted x)
        self.color_mode = "soft"
        self.show_sigma = {1: True, 2: True, 3: False}
        self.show_contours = True
        self.show_density = False
        self.show_decision = False
        self.show_kmeans = False
        self.show_handles = True
        self._brush_cache: dict[tuple[int, int, int], QBrush] = {}

        # Persistent items, updated with setData (never rebuilt per frame).
        self._density = pg.ImageItem()
        self._density.setZValue(-20)
        self._density.setOpacity(0.55)
        self._density.setLookupTable(_density_lut())
        self.addItem(self._density)
        self._decision = pg.ImageItem()
        self._decision.setZValue(-15)
        self.addItem(self._decision)
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
        self._scatter = _Scatter(size=7, pen=None, pxMode=True)
        self._scatter.setZValue(1)
        self.addItem(self._scatter)
        self._selected = _Scatter(size=12, pen=pg.mkPen(0, 0, 0, width=1.5), brush=None,
                                  pxMode=True)
        self._selected.setZValue(2)
        self.addItem(self._selected)
        self._kmeans_lines = pg.PlotCurveItem(
            pen=pg.mkPen(40, 40, 40, 200, width=1.2, style=Qt.PenStyle.DashLine),
            connect="pairs")
        self._kmeans_lines.setZValue(3)
        self.addItem(self._kmeans_lines)
        self._kmeans_markers = _Scatter(size=15, symbol="x", pen=pg.mkPen(255, 255, 255, 220),
                                        brush=pg.mkBrush(0, 0, 0), pxMode=True)
        self._kmeans_markers.setZValue(4.5)
        self.addItem(self._kmeans_markers)
        self._ellipses: dict[tuple[int, int], pg.PlotCurveItem] = {}
        self._ellipse_warn: dict[tuple[int, int], bool] = {}  # pen state of each ellipse
        self._means = _Scatter(size=13, pxMode=True)
        self._means.setZValue(5)
        self.addItem(self._means)
        self._handles = _Scatter(size=8, symbol="s", pxMode=True)
        self._handles.setZValue(6)
        self.addItem(self._handles)
        self._warnings: dict[int, pg.TextItem] = {}
        self._hover_marker = _Scatter(size=14, symbol="o", brush=None,
                                      pen=pg.mkPen(110, 110, 110, 220, width=1.5), pxMode=True)
        self._hover_marker.setZValue(7)
        self.addItem(self._hover_marker)
        # pyqtgraph's "crosshair": a ring with a cross reaching past it.
        self._pin_marker = _Scatter(size=20, symbol="crosshair", brush=None,
                                    pen=pg.mkPen(0, 0, 0, width=2), pxMode=True)
        self._pin_marker.setZValue(8)
        self.addItem(self._pin_marker)

        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(40)
        self._view_timer.timeout.connect(self._redraw_view_dependent)
        self.view.sigRangeChanged.connect(lambda *_: self._view_timer.start())

        # Hover: the latest mouse position is searched at most every HOVER_INTERVAL_MS.
        self._hover_scene: QPointF | None = None
        self._last_hovered = -1
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_INTERVAL_MS)
        self._hover_timer.timeout.connect(self._update_hover)
        self._grab_cursor = False

    # ------------------------------------------------------------------ state in

    def set_points(self, points: np.ndarray) -> None:
        """The points to draw, (n, 2). Indices of hover, pin and shapes refer to them."""
        self._points = points
        self._x_index = None
        self._redraw_points()
        self._redraw_markers()
        # Indices into the old points mean nothing now: clear the hover, then look again.
        if self._last_hovered != -1:
            self._last_hovered = -1
            self.view.point_hovered.emit(-1)
        if self._hover_scene is not None:
            self._hover_timer.start()

    def set_colors(self, colors: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Colours per point (soft) and hard labels; None draws points neutral (and also
        forgets the uncertainty)."""
        self._colors, self._labels = colors, labels
        if colors is None:
            self._uncertainty = self._uncertainty_rgb = None
        elif self.color_mode == "uncertainty":
            return  # not drawn in this mode: set_uncertainty redraws
        self._redraw_points()

    def set_uncertainty(self, u: np.ndarray | None) -> None:
        """Classification uncertainty ``1 - max responsibility`` per point, (n,), or None.

        Drawn in colour mode "uncertainty" (points are neutral there without it)."""
        self._uncertainty = None if u is None else np.asarray(u, dtype=np.float64)
        self._uncertainty_rgb = None
        if self.color_mode == "uncertainty":
            self._redraw_points()

    def set_color_mode(self, mode: str) -> None:
        """Colour points by "soft" (blend), "hard" (arg-max) or "uncertainty"."""
        if mode not in COLOR_MODES:
            raise ValueError(f"colour mode must be one of {COLOR_MODES}, got {mode!r}")
        self.color_mode = mode
        self._redraw_points()

    def set_label_shapes(self, codes: np.ndarray | None) -> None:
        """Ground-truth class code per point, (n,) int, drawn as marker shapes; or None.

        Only with markers (n <= MAX_MARKERS): see :attr:`label_shapes_shown`."""
        self._label_codes = None if codes is None else np.asarray(codes, dtype=np.intp)
        if not self.uses_raster:
            self._redraw_points()

    def set_selection(self, indices: np.ndarray) -> None:
        self._selection = np.asarray(indices, dtype=np.intp)
        sel = self._points[self._selection] if self._selection.size else np.zeros((0, 2))
        self._selected.setData(sel[:, 0], sel[:, 1])

    def set_mixture(self, mixture: E.Mixture | None, preview: bool = False) -> None:
        """The mixture to draw. ``preview=True`` (while dragging) redraws only the means,
        ellipses and handles; the next non-preview call redraws the density, contours and
        decision regions too."""
        if mixture is self._mixture:
            # Mixtures are immutable: the same object needs no redraw, unless the grids
            # still show an earlier mixture after previews.
            if self._grids_stale and not preview:
                self._redraw_grids()
            return
        self._mixture = mixture
        self._redraw_model()
        if preview and mixture is not None:
            self._grids_stale = True
        else:
            self._redraw_grids()

    def set_component_status(self, statuses) -> None:
        """Health of each component: a sequence of "ok", "empty" or "collapsing", or None.

        Components not "ok" get red, heavier dashed ellipses and a warning by the mean."""
        self._status = None if statuses is None else tuple(str(x) for x in statuses)
        self._redraw_model()

    def set_show_handles(self, on: bool) -> None:
        """Show (and allow dragging) the axis handles of the 1-sigma ellipses."""
        self.show_handles = bool(on)
        self._redraw_model()

    def set_show_decision(self, on: bool) -> None:
        """Shade the arg-max decision region of each component."""
        self.show_decision = bool(on)
        self._redraw_decision()

    def set_kmeans(self, centroids: np.ndarray | None) -> None:
        """k-means centroids, (K, 2), for the overlay (drawn when :meth:`set_show_kmeans`)."""
        self._kmeans = None if centroids is None else np.asarray(centroids, dtype=np.float64)
        self._redraw_kmeans()

    def set_show_kmeans(self, on: bool) -> None:
        """Show the k-means centroids and their Voronoi boundaries."""
        self.show_kmeans = bool(on)
        self._redraw_kmeans()

    def set_pinned(self, index: int | None) -> None:
        """Mark point ``index`` as pinned (ring and crosshair); None (or -1) unpins."""
        self._pinned = None if index is None or index < 0 else int(index)
        self._redraw_markers()

    def set_hovered(self, index: int | None) -> None:
        """Mark point ``index`` as hovered (a light ring); None (or -1) clears."""
        self._hovered = None if index is None or index < 0 else int(index)
        self._redraw_markers()

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

    @property
    def label_shapes_shown(self) -> bool:
        """Whether class shapes are drawn: codes were given and points are markers."""
        c = self._label_codes
        n = self._points.shape[0]
        return c is not None and n > 0 and c.shape[0] == n and not self.uses_raster

    def point_colors(self) -> np.ndarray:
        """The RGB colour each point is drawn with (n, 3), as currently shown."""
        n = self._points.shape[0]
        if self.color_mode == "uncertainty":
            u = self._uncertainty
            if u is None or u.shape[0] != n:
                return np.broadcast_to(NEUTRAL, (n, 3))
            if self._uncertainty_rgb is None:
                self._uncertainty_rgb = uncertainty_colors(u)
            return self._uncertainty_rgb
        if self._colors is None or self._colors.shape[0] != n:
            return np.broadcast_to(NEUTRAL, (n, 3))
        if self.color_mode == "hard" and self._labels is not None:
            return PALETTE[self._labels % len(PALETTE)]
        return self._colors

    def point_symbols(self):
        """The marker symbol of every point (an object array), or "o" for all."""
        if not self.label_shapes_shown:
            return "o"
        return np.array(LABEL_SYMBOLS, dtype=object)[self._label_codes % len(LABEL_SYMBOLS)]

    # ------------------------------------------------------------------ hit tests

    def _scene_affine(self) -> tuple[float, float, float, float] | None:
        """``(sx, ox, sy, oy)`` with scene = (sx * x + ox, sy * y + oy) for data (x, y)."""
        r = self.view.viewRect()
        if not (r.width() > 0 and r.height() > 0):
            return None
        a = self.view.mapViewToScene(QPointF(r.left(), r.top()))
        b = self.view.mapViewToScene(QPointF(r.right(), r.bottom()))
        sx = (b.x() - a.x()) / r.width()
        sy = (b.y() - a.y()) / r.height()
        if not (np.isfinite(sx) and np.isfinite(sy) and sx != 0 and sy != 0):
            return None
        return sx, a.x() - sx * r.left(), sy, a.y() - sy * r.top()

    def component_at(self, scene_pos, means_only: bool = False):
        """The mean or visible handle within :data:`HANDLE_PICK_PX` of a scene position.

        Returns
        -------
        (j, part, (x, y)) or None
            Component, "mean"/"major"/"minor", and the part's data position. The nearest
            wins; at equal distance a mean wins over a handle.
        """
        g = self._geometry
        aff = self._scene_affine()
        if g is None or aff is None:
            return None
        sx, ox, sy, oy = aff
        parts = ("mean",) if means_only or not self.show_handles else COMPONENT_PARTS
        best = None
        with np.errstate(over="ignore", invalid="ignore"):
            for part in parts:
                xy = g[part]
                d = np.hypot(sx * xy[:, 0] + ox - scene_pos.x(),
                             sy * xy[:, 1] + oy - scene_pos.y())
                d = np.where(np.isfinite(d), d, np.inf)
                j = int(np.argmin(d))
                if d[j] <= HANDLE_PICK_PX and (best is None or d[j] < best[0]):
                    best = (float(d[j]), j, part, (float(xy[j, 0]), float(xy[j, 1])))
        return None if best is None else best[1:]

    def point_at(self, scene_pos) -> int:
        """Index of the point nearest a scene position within :data:`POINT_PICK_PX`, or -1.

        Up to BRUTE_FORCE_MAX points are all measured; above, only those in a vertical
        slab around the mouse, found by binary search in an x-sorted index built once
        per point set (~0.1 s at 1e6 points, on the first hover)."""
        pts = self._points
        aff = self._scene_affine()
        if pts.shape[0] == 0 or aff is None:
            return -1
        sx, ox, sy, oy = aff
        x = (scene_pos.x() - ox) / sx
        y = (scene_pos.y() - oy) / sy
        if pts.shape[0] <= BRUTE_FORCE_MAX:
            cand = None
            sub = pts
        else:
            if self._x_index is None:
                order = np.argsort(pts[:, 0], kind="stable")
                self._x_index = (order, pts[order, 0])
            order, xs = self._x_index
            half = POINT_PICK_PX / abs(sx)
            lo = np.searchsorted(xs, x - half, side="left")
            hi = np.searchsorted(xs, x + half, side="right")
            cand = order[lo:hi]
            sub = pts[cand]
        if sub.shape[0] == 0:
            return -1
        with np.errstate(over="ignore", invalid="ignore"):
            d2 = (sx * (sub[:, 0] - x)) ** 2 + (sy * (sub[:, 1] - y)) ** 2
        i = int(np.argmin(d2))
        if not d2[i] <= POINT_PICK_PX ** 2:
            return -1
        return i if cand is None else int(cand[i])

    # ------------------------------------------------------------------ mouse

    def mouseMoveEvent(self, ev):
        if ev.buttons() == Qt.MouseButton.NoButton:
            scene = self.mapToScene(ev.position().toPoint())
            self._update_cursor(scene)
            self._hover_scene = scene
            if not self._hover_timer.isActive():
                self._hover_timer.start()
        else:
            # Pans, strokes and drags: no hover search while a button is down.
            self._hover_scene = None
            self._hover_timer.stop()
        super().mouseMoveEvent(ev)

    # pyqtgraph's scene turns presses and releases into click and drag events even when
    # no item claims them; the canvas consumes them so they never reach a parent widget
    # (a bare canvas would otherwise leave them unaccepted).
    def mousePressEvent(self, ev):
        super().mousePressEvent(ev)
        ev.accept()

    def mouseReleaseEvent(self, ev):
        super().mouseReleaseEvent(ev)
        ev.accept()

    def leaveEvent(self, ev):
        super().leaveEvent(ev)
        self._hover_scene = None
        self._hover_timer.stop()
        self._set_last_hovered(-1)
        if self._grab_cursor:
            self._grab_cursor = False
            self.view.unsetCursor()

    def _update_cursor(self, scene_pos) -> None:
        grab = self.component_at(scene_pos) is not None
        if grab != self._grab_cursor:
            self._grab_cursor = grab
            if grab:
                self.view.setCursor(Qt.CursorShape.SizeAllCursor)
            else:
                self.view.unsetCursor()

    def _update_hover(self) -> None:
        pos = self._hover_scene
        if pos is None:
            return
        inside = self.view.sceneBoundingRect().contains(pos)
        self._set_last_hovered(self.point_at(pos) if inside else -1)

    def _set_last_hovered(self, index: int) -> None:
        if index != self._last_hovered:
            self._last_hovered = index
            self.view.point_hovered.emit(index)

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
            self._scatter.setData(pts[:, 0], pts[:, 1], brush=brushes,
                                  symbol=self.point_symbols())
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

    def _redraw_markers(self) -> None:
        n = self._points.shape[0]
        for item, index in ((self._hover_marker, self._hovered), (self._pin_marker, self._pinned)):
            if index is not None and index < n:
                x, y = self._points[index]
                item.setData([float(x)], [float(y)])
            else:
                item.setData([], [])

    def _status_of(self, j: int) -> str:
        s = self._status
        return "ok" if s is None or j >= len(s) else s[j]

    def _redraw_model(self) -> None:
        m = self._mixture
        k = 0 if m is None else m.n_components
        for (j, s), item in list(self._ellipses.items()):
            if j >= k:
                self.removeItem(item)
                del self._ellipses[(j, s)]
                del self._ellipse_warn[(j, s)]
        for j, text in list(self._warnings.items()):
            if j >= k:
                self.removeItem(text)
                del self._warnings[j]
        if m is None:
            self._geometry = None
            self._means.setData([], [])
            self._handles.setData([], [])
            return
        means = np.asarray(m.means, dtype=np.float64)
        sd_major, sd_minor, angle = E.ellipse_axes(m)
        a = np.radians(angle)
        along = np.stack([np.cos(a), np.sin(a)], axis=1)
        across = np.stack([-np.sin(a), np.cos(a)], axis=1)
        self._geometry = {
            "mean": means,
            "major": means + (HANDLE_N_STD * sd_major)[:, None] * along,
            "minor": means + (HANDLE_N_STD * sd_minor)[:, None] * across,
        }
        spots = []
        handles = []
        for j in range(k):
            color = component_color(j)
            # Ellipses a shade darker than the points, so they stay visible over them.
            dark = tuple(int(0.72 * v) for v in color)
            status = self._status_of(j)
            warn = status != "ok"
            for s in SIGMAS:
                item = self._ellipses.get((j, s))
                if item is None:
                    item = pg.PlotCurveItem()
                    item.setZValue(4)
                    self.addItem(item)
                    self._ellipses[(j, s)] = item
                    self._ellipse_warn[(j, s)] = None
                if self._ellipse_warn[(j, s)] != warn:
                    self._ellipse_warn[(j, s)] = warn
                    item.setPen(_ellipse_pen(dark, s, warn))
                if self.show_sigma[s]:
                    xy = E.ellipse(m, j, float(s), 96)
                    item.setData(xy[:, 0], xy[:, 1])
                    item.show()
                else:
                    item.hide()
            mx, my = float(means[j, 0]), float(means[j, 1])
            spots.append({"pos": (mx, my), "brush": pg.mkBrush(255, 255, 255, 240),
                          "pen": pg.mkPen(*dark, width=3), "symbol": "o"})
            if self.show_handles:
                pen = pg.mkPen(*dark, width=1.5)
                for part in ("major", "minor"):
                    hx, hy = self._geometry[part][j]
                    if np.isfinite(hx) and np.isfinite(hy):
                        handles.append({"pos": (float(hx), float(hy)), "pen": pen,
                                        "brush": pg.mkBrush(255, 255, 255, 230)})
            text = self._warnings.get(j)
            if warn:
                if text is None:
                    text = pg.TextItem(color=WARNING_RGB, anchor=(-0.12, 1.1))
                    text.setZValue(6.5)
                    self.addItem(text)
                    self._warnings[j] = text
                text.setText(f"⚠ {status}")
                text.setPos(mx, my)
                text.show()
            elif text is not None:
                text.hide()
        self._means.setData(spots)
        self._handles.setData(handles)

    def _grid_axes(self, shape: tuple[int, int], centres: bool):
        (x0, x1), (y0, y1) = self.view.viewRange()
        nx, ny = shape
        if centres:  # pixel centres of an image covering the view
            xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
            ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
        else:
            xs = np.linspace(x0, x1, nx)
            ys = np.linspace(y0, y1, ny)
        return xs, ys, QRectF(x0, y0, x1 - x0, y1 - y0)

    def _redraw_grids(self) -> None:
        self._grids_stale = False
        self._redraw_density()
        self._redraw_decision()

    def _redraw_density(self) -> None:
        m = self._mixture
        if m is None or not (self.show_contours or self.show_density):
            self._density.clear()
            for c in self._contours:
                c.setData([], [])
            return
        xs, ys, rect = self._grid_axes(GRID, centres=False)
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
            self._density.setRect(rect)
        else:
            self._density.clear()

    def _redraw_decision(self) -> None:
        m = self._mixture
        if m is None or not self.show_decision:
            self._decision.clear()
            return
        xs, ys, rect = self._grid_axes(DECISION_GRID, centres=True)
        # (ny, nx), row 0 at the bottom (y0); the labels predict() gives those points.
        labels = E.decision_grid(m, xs, ys)
        img = region_image(labels, DECISION_ALPHA)
        self._decision.setImage(img, autoLevels=False, levels=(0, 255))
        self._decision.setRect(rect)

    def _redraw_kmeans(self) -> None:
        c = self._kmeans
        if c is None or not self.show_kmeans or c.shape[0] == 0:
            self._kmeans_markers.setData([], [])
            self._kmeans_lines.setData([], [])
            return
        self._kmeans_markers.setData(c[:, 0], c[:, 1])
        self._redraw_kmeans_lines()

    def _redraw_kmeans_lines(self) -> None:
        c = self._kmeans
        if c is None or not self.show_kmeans:
            return
        # Exact bisector segments clipped to the view (recomputed with it): crisp at any
        # zoom, and short, so the dashed pen never strokes a line far outside the view.
        x_range, y_range = self.view.viewRange()
        seg = voronoi_segments(c, tuple(x_range), tuple(y_range))
        self._kmeans_lines.setData(seg[:, 0], seg[:, 1], connect="pairs")

    def _redraw_view_dependent(self) -> None:
        if self.uses_raster:
            self._redraw_raster()
        self._redraw_grids()
        self._redraw_kmeans_lines()


def _ellipse_pen(dark: tuple[int, int, int], sigma: int, warn: bool):
    """The pen of a component's ``sigma`` ellipse; red, heavier and dashed if ``warn``."""
    if warn:
        style = {1: Qt.PenStyle.DashLine, 2: Qt.PenStyle.DashDotLine,
                 3: Qt.PenStyle.DotLine}[sigma]
        return pg.mkPen(*WARNING_RGB, width=3.4 if sigma == 1 else 2.4, style=style)
    style = {1: Qt.PenStyle.SolidLine, 2: Qt.PenStyle.DashLine, 3: Qt.PenStyle.DotLine}[sigma]
    return pg.mkPen(*dark, width=2.6 if sigma == 1 else 1.8, style=style)


def _density_lut() -> np.ndarray:
    """White to a pale blue-grey: shading that keeps coloured points readable."""
    t = np.linspace(0, 1, 256)[:, None]
    lo = np.array([255, 255, 255])
    hi = np.array([120, 150, 200])
    return (lo + (hi - lo) * t).astype(np.uint8)

