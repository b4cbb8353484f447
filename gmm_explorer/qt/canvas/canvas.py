"""The canvas: points, component means, covariance ellipses and density contours.

A passive view: the window pushes state in with ``set_*`` methods, and the canvas asks
for edits through signals (it never changes the data itself). Mouse handling lives in
:class:`~gmm_explorer.qt.canvas.view_box.EditViewBox`, a ``pyqtgraph.ViewBox`` subclass,
as pyqtgraph's own examples do; every signal the canvas emits is on ``canvas.view``.

Layers, bottom to top (:data:`~gmm_explorer.qt.canvas.overlays.Z`): density shading,
decision regions, contours, points (markers or a raster image), selection, k-means
boundaries and centroids, ellipses, means, handles, health warnings, hover and pin markers.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import partial

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import QGraphicsItem

from gmm_explorer import engine as E
from gmm_explorer.drawing import RasterCache, view_ranges, weight_sizes
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.canvas.ghosts import GhostLayer
from gmm_explorer.qt.canvas.hint import CanvasHint
from gmm_explorer.qt.canvas.layers import CanvasLayers
from gmm_explorer.qt.canvas.overlays import density_picture
from gmm_explorer.qt.canvas.point_paint import PointPaint
from gmm_explorer.qt.canvas.presentation_style import CanvasPresentation
from gmm_explorer.qt.canvas.view_box import EditViewBox
from gmm_explorer.qt.plot_style import PlotStyle
from gmm_explorer.qt.threads import BackgroundThread, Task, TaskDone, unless_cancelled

#: Above this many points, points are drawn as an image of the view instead of markers.
MAX_MARKERS = 10_000
#: From this many points the image is made on a thread of its own (tens of milliseconds
#: at 10^7 points), so a step or a pan never waits for it: the last image stays on screen
#: until the new one is ready.
BACKGROUND_RASTER = 1_000_000


def _made_density(args, _report, _cancelled):
    """The density thread's task: a :class:`~.overlays.DensityPicture`."""
    return density_picture(*args)


def _made_raster(cache: RasterCache, args, _report, _cancelled):
    """The raster thread's task: ``(image, x_range, y_range)``."""
    points, colors, x_range, y_range, width, height = args
    return (cache.image(points, colors, tuple(x_range), tuple(y_range), width, height),
            x_range, y_range)


class Canvas(pg.PlotWidget):
    """The main plot. Push state in with the ``set_*`` methods; read edits from
    :attr:`view`'s signals."""

    def __init__(self, parent=None) -> None:
        self.view = EditViewBox()
        self._theme = themes.current()
        super().__init__(parent=parent, viewBox=self.view, background=self._theme.background)
        self.setToolTip("")
        self.plotItem.showGrid(x=True, y=True, alpha=0.15)
        self.plotItem.hideButtons()  # pyqtgraph's auto-range "A": F / Fit view does that
        for ax in ("left", "bottom"):
            axis = self.plotItem.getAxis(ax)
            # The axes also draw the grid, so their bounds cover the plot and every step's
            # repaint would replay their text (~14 ms each); cache them as pixmaps instead.
            axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self._points = np.zeros((0, 2))
        self._sizes: np.ndarray | None = None  # per-marker sizes from sample weights
        self._paint = PointPaint()  # colour mode, colours and shapes given
        self._mixture: E.Mixture | None = None
        self._grids_stale = False  # density/decision lag a preview mixture
        self._status: tuple[str, ...] | None = None
        self._kmeans: np.ndarray | None = None
        self._selection = np.zeros(0, dtype=np.intp)
        self._pinned: int | None = None
        self._hovered: int | None = None
        self.show_sigma = {1: True, 2: True, 3: False}
        self.show_contours = True
        self.show_density = False
        self.show_decision = False
        self.show_kmeans = False
        self.show_handles = True

        # Persistent items, updated with setData (never rebuilt per frame).
        self._layers = CanvasLayers.on(self.plotItem)

        self._ghosts = GhostLayer(self.plotItem)
        self._take_theme(self._theme)
        #: Point colours as the theme shows them: (source array, shown array).
        self._shown_colors: tuple[np.ndarray, np.ndarray] | None = None
        self._hint = CanvasHint()
        self.plotItem.addItem(self._hint, ignoreBounds=True)
        self.view.sigRangeChanged.connect(lambda *_: self._hint.place(self.view.viewRange()))
        #: Presentation mode's look (F5), see :meth:`set_presentation_style`.
        self.presentation = CanvasPresentation(self.plotItem, self._layers, self._hint)

        self._view_timer = QTimer(self)
        self._view_timer.setSingleShot(True)
        self._view_timer.setInterval(40)
        self._view_timer.timeout.connect(self.redraw_view_now)
        self.view.sigRangeChanged.connect(lambda *_: self._view_timer.start())
        #: Makes large rasters, with a cache of its own (the GUI thread's small rasters
        #: use the layer's); an image made for points since replaced is dropped.
        self._raster_version = 0
        self._background_cache = RasterCache()
        self._raster_thread = self._drawing_thread(
            "raster", lambda: self._raster_version, self._show_background_raster)
        #: Works out the density's contours and shading over the view for as many points
        #: (11 ms a step of the window's thread at K=10); a picture for a mixture, view or
        #: choice since replaced is dropped.
        self._density_version = 0
        self._density_thread = self._drawing_thread(
            "density", lambda: self._density_version, self._show_background_density)
        #: A step's image or density is being made on those threads: the canvas paints
        #: once they are shown, with that step's ellipses (one paint per step, not two).
        self._paint_held = False

    def _drawing_thread(self, name: str, current_version, show) -> BackgroundThread:
        """A thread making one layer's picture: only the newest task counts, its outcome
        comes after the input already due, ``show`` draws it, and any outcome (shown,
        failed, dropped as stale) may release a held paint."""
        thread = BackgroundThread(name, current_version, latest_only=True, yield_first=True,
                                  parent=self)
        thread.finished.connect(show)
        thread.failed.connect(self._release_paint)
        thread.dropped.connect(self._release_paint)
        return thread

    # ------------------------------------------------------------------ state in

    def set_points(self, points: np.ndarray, weights: np.ndarray | None = None) -> None:
        """The points to draw, (n, 2). Indices of hover, pin and shapes refer to them.
        ``weights``: their sample weights, drawn as marker sizes (a marker's area grows
        with its weight); None: every marker the same size."""
        self._points = points
        self._raster_version += 1  # an image of the old points must not show
        self._sizes = weight_sizes(weights)
        self.view.hit_targets.set_points(points)
        self._redraw_points()
        self._redraw_markers()
        self.view.forget_hover()  # indices into the old points mean nothing now

    def set_colors(self, colors: np.ndarray | None, labels: np.ndarray | None) -> None:
        """Colours per point (soft) and hard labels; None draws points neutral (and also
        forgets the uncertainty)."""
        self._paint.set_colors(colors, labels)
        if colors is not None and self._paint.mode == "uncertainty":
            return  # not drawn in this mode: set_uncertainty redraws
        self._redraw_points(hold=True)

    def set_uncertainty(self, u: np.ndarray | None) -> None:
        """Classification uncertainty ``1 - max responsibility`` per point, (n,), or None.

        Drawn in colour mode "uncertainty" (points are neutral there without it)."""
        self._paint.set_uncertainty(u)
        if self._paint.mode == "uncertainty":
            self._redraw_points(hold=True)

    @property
    def color_mode(self) -> str:
        """"soft" (blend), "hard" (arg-max) or "uncertainty"."""
        return self._paint.mode

    @property
    def has_uncertainty(self) -> bool:
        """Whether the points' uncertainty was given for the colours shown."""
        return self._paint.has_uncertainty

    def set_color_mode(self, mode: str) -> None:
        """Colour points by "soft" (blend), "hard" (arg-max) or "uncertainty"."""
        self._paint.set_mode(mode)
        self._redraw_points()

    def set_label_shapes(self, codes: np.ndarray | None) -> None:
        """Ground-truth class code per point, (n,) int, drawn as marker shapes; or None.

        Only with markers (n <= MAX_MARKERS): see :attr:`label_shapes_shown`."""
        self._paint.set_label_codes(codes)
        if not self.uses_raster:
            self._redraw_points()

    def set_selection(self, indices: np.ndarray) -> None:
        self._selection = np.asarray(indices, dtype=np.intp)
        sel = self._points[self._selection] if self._selection.size else np.zeros((0, 2))
        self._layers.points.set_selection(sel)

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
            self._redraw_grids(hold=True)

    def set_component_status(self, statuses) -> None:
        """Health of each component: a sequence of ``engine.diagnostics.STATUSES``, or None.

        Components not "ok" get red, heavier dashed ellipses and a warning by the mean."""
        status = None if statuses is None else tuple(str(x) for x in statuses)
        if status == self._status:
            return  # unchanged (every step of a healthy run): no redraw
        self._status = status
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

    @property
    def theme(self):
        """The light or dark :class:`~gmm_explorer.qt.theme.Theme` the canvas draws with."""
        return self._theme

    def set_theme(self, theme) -> None:
        """Draw on ``theme``'s background, with its inks and component colours."""
        if theme is self._theme:
            return
        self._theme = theme
        self._take_theme(theme)
        self._shown_colors = None
        self._redraw_points()
        self._redraw_model()
        self._redraw_grids()
        self._redraw_ghosts()

    def _take_theme(self, theme) -> None:
        """Give the axes, layers, ghosts and hard colours ``theme``'s colours."""
        themes.style_plot(self, theme)
        self._layers.set_theme(theme)
        self._ghosts.set_theme(theme)
        self._paint.palette = theme.palette

    @contextmanager
    def paper(self):
        """Draw on white paper (the light theme) inside the block, for an export: the
        drawing is complete on entry (:meth:`draw_now`)."""
        shown = self._theme
        self.set_theme(themes.LIGHT)
        self.draw_now()
        try:
            yield self
        finally:
            self.set_theme(shown)

    def fit_view(self) -> None:
        """Zoom to the points (and the component means), with a margin."""
        if self._points.shape[0] == 0 and self._mixture is None:
            self.view.setRange(xRange=(0, 1), yRange=(0, 1))
            return
        x_range, y_range = view_ranges(self._points, [self._mixture])
        self.view.setRange(xRange=x_range, yRange=y_range, padding=0)

    def set_ghost(self, previous: E.Mixture | None) -> None:
        """The state before an M-step, drawn faintly with arrows to the current means
        (None: no ghost)."""
        self._ghosts.previous = previous
        self._redraw_ghosts()

    def set_show_ghosts(self, on: bool) -> None:
        self._ghosts.enabled = on
        self._redraw_ghosts()

    @property
    def ghost(self) -> E.Mixture | None:
        """The ghost drawn (the previous state), or None."""
        return self._ghosts.shown

    def _redraw_ghosts(self) -> None:
        self._ghosts.redraw(self._mixture, self.view.viewPixelSize())

    def show_neutral_view(self) -> None:
        """A square 0-10 view, for data drawn from scratch (Clear all, New): clicked clumps
        then have the shape they look to have, not the previous data's scale."""
        self.view.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)

    def set_hint(self, text: str | None) -> None:
        """A centred hint over the plot (an empty canvas says what to do), or none."""
        self._hint.show_text(text, self.view.viewRange())

    @property
    def hint(self) -> str | None:
        """The hint shown over the plot, or None."""
        return self._hint.text

    def draw_now(self) -> None:
        """Bring every layer up to date now, on this thread, for a picture taken at once
        (an export, ``render``): what depends on the view, and the points' image even of
        a million points or more (an image still being made on its thread is dropped)."""
        self._view_timer.stop()
        self._raster_version += 1
        self.redraw_view_now(here=True)
        self._release_paint()

    def redraw_view_now(self, here: bool = False) -> None:
        """Redraw what depends on the view (raster, density, decision regions, k-means
        boundaries) now, rather than shortly after the view last changed (``here``: the
        points' image too is made on this thread, whatever their number)."""
        if self.uses_raster:
            self._redraw_raster(here)
        self._redraw_grids(here)
        self._redraw_kmeans_lines()
        self._redraw_ghosts()

    def set_presentation_style(self, style: PlotStyle | None) -> None:
        """Large type and thick lines for a projector (presentation mode; see
        :class:`~gmm_explorer.qt.canvas.presentation_style.CanvasPresentation`). None: the
        normal look."""
        self.presentation.set_style(style)
        if self._sizes is not None:
            self._redraw_points()  # the style set one size for all: weights' sizes again
        self._redraw_model()  # in the normal look, then restyled

    # ------------------------------------------------------------------ state out

    @property
    def points(self) -> np.ndarray:
        """The points drawn, as given to :meth:`set_points`."""
        return self._points

    @property
    def mixture(self) -> E.Mixture | None:
        """The mixture drawn (the latest given to :meth:`set_mixture`)."""
        return self._mixture

    @property
    def soft_colors(self) -> np.ndarray | None:
        """The per-point colours given to :meth:`set_colors` (None: none yet)."""
        return self._paint.colors

    @property
    def layers(self) -> CanvasLayers:
        """The layers, to read what each one shows."""
        return self._layers

    @property
    def view_redraw_pending(self) -> bool:
        """Whether the view changed and its dependent layers are not yet redrawn (a large
        raster and the density over the view included)."""
        return self._view_timer.isActive() or self.raster_pending or self.density_pending

    @property
    def raster_pending(self) -> bool:
        """Whether an image of many points is being made on its thread."""
        return self._raster_thread.busy

    def shutdown(self) -> None:
        """Stop the raster's and the density's threads (the window is closing)."""
        self._raster_thread.shutdown()
        self._density_thread.shutdown()

    @property
    def uses_raster(self) -> bool:
        return self._points.shape[0] > MAX_MARKERS

    @property
    def label_shapes_shown(self) -> bool:
        """Whether class shapes are drawn: codes were given and points are markers."""
        return self._paint.shapes_shown(self._points.shape[0], not self.uses_raster)

    def point_colors(self) -> np.ndarray:
        """The RGB colour each point is drawn in (n, 3), as the theme shows it."""
        colors = self._paint.colors_for(self._points.shape[0])
        if not self._theme.dark or (self._paint.mode == "hard"
                                    and self._paint.labels is not None):
            return colors  # hard colours come from the theme's palette already
        cached = self._shown_colors
        if cached is None or cached[0] is not colors:
            cached = self._shown_colors = (colors, self._theme.points(colors))
        return cached[1]

    def point_symbols(self):
        """The marker symbol of every point (an object array), or "o" for all."""
        return self._paint.symbols_for(self._points.shape[0], not self.uses_raster)

    def component_at(self, scene_pos, means_only: bool = False):
        """The mean or visible handle near a scene position: ``(j, part, (x, y))`` or None
        (see :meth:`~gmm_explorer.qt.canvas.hit_test.HitTargets.component_at`)."""
        return self.view.component_at(scene_pos, means_only=means_only)

    def point_at(self, scene_pos) -> int:
        """Index of the point nearest a scene position within a few pixels, or -1."""
        return self.view.point_at(scene_pos)

    def part_position(self, j: int, part: str) -> tuple[float, float] | None:
        """Data position of component ``j``'s "mean", "major" or "minor" handle."""
        return self.view.hit_targets.part_position(j, part)

    # ------------------------------------------------------------------ mouse

    def mouseMoveEvent(self, ev):
        if ev.buttons() == Qt.MouseButton.NoButton:
            self.view.track_hover(self.mapToScene(ev.position().toPoint()))
        else:
            # Pans, strokes and drags: no hover search while a button is down.
            self.view.stop_hover()
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
        self.view.hover_left()

    # ------------------------------------------------------------------ drawing

    def _redraw_points(self, hold: bool = False) -> None:
        """``hold``: new colours (a step's): an image made on the raster's thread is
        painted together with the step's ellipses, not after them in a second paint."""
        pts = self._points
        if self.uses_raster:
            self._layers.points.clear_markers()
            self._redraw_raster(hold=hold)
        else:
            self._layers.points.draw_markers(pts, self.point_colors(), self.point_symbols(),
                                             self._sizes)
        if self._selection.size:
            self.set_selection(self._selection[self._selection < pts.shape[0]])

    def _redraw_raster(self, here: bool = False, hold: bool = False) -> None:
        x_range, y_range = self.view.viewRange()
        # One image pixel per device pixel: crisp on a HiDPI screen (ratio 2, say).
        ratio = self.devicePixelRatioF()
        args = (self._points, np.asarray(self.point_colors()), x_range, y_range,
                max(1, round(self.view.width() * ratio)),
                max(1, round(self.view.height() * ratio)))
        if here or self._points.shape[0] < BACKGROUND_RASTER:
            self._layers.points.draw_raster(*args)
            return
        # latest_only: a raster still queued when the next is asked for is never made.
        self._raster_thread.submit(Task("raster", unless_cancelled(
            partial(_made_raster, self._background_cache, args)), self._raster_version))
        if hold:  # not while panning: the old image moves with the view until the new one
            self._hold_paint()

    def _hold_paint(self) -> None:
        if not self._paint_held:
            self._paint_held = True
            self.viewport().setUpdatesEnabled(False)

    @property
    def paint_held(self) -> bool:
        """Whether the canvas waits for a step's image or density before it paints."""
        return self._paint_held

    @property
    def density_pending(self) -> bool:
        """Whether the density over the view is being worked out on its thread."""
        return self._density_thread.busy

    @Slot(object)
    def _show_background_density(self, done: TaskDone) -> None:
        if done.value is not None:
            self._layers.density.show(done.value)
        self._release_paint()

    @Slot(object)
    def _show_background_raster(self, done: TaskDone) -> None:
        if done.value is not None and self.uses_raster:
            img, x_range, y_range = done.value
            self._layers.points.show_raster(img, x_range, y_range)
        self._release_paint()

    @Slot()
    @Slot(object)
    def _release_paint(self, _outcome=None) -> None:
        """Paint again once no image is being made (shown, failed, dropped or stale)."""
        if self._paint_held and not (self._raster_thread.busy or self._density_thread.busy):
            self._paint_held = False
            self.viewport().setUpdatesEnabled(True)  # (and repaints the whole view)

    def _redraw_markers(self) -> None:
        n = self._points.shape[0]
        for kind, index in (("hover", self._hovered), ("pin", self._pinned)):
            shown = index is not None and index < n
            self._layers.markers.place(kind, self._points[index] if shown else None)

    def _redraw_model(self) -> None:
        geometry = self._layers.components.redraw(self._mixture, self._status,
                                                  self.show_sigma, self.show_handles)
        self.view.hit_targets.set_parts(geometry, self.show_handles)
        self.presentation.restyle_components()

    def _redraw_grids(self, here: bool = False, hold: bool = False) -> None:
        self._grids_stale = False
        self._redraw_density(here, hold)
        self._redraw_decision()

    def _redraw_density(self, here: bool = False, hold: bool = False) -> None:
        """``here``: on this thread whatever the number of points; ``hold``: a step's
        (painted with its ellipses once worked out on the density's thread)."""
        self._density_version += 1  # a picture still being worked out is now stale
        m = self._mixture
        if m is None or not (self.show_contours or self.show_density):
            self._layers.density.clear()
            return
        x_range, y_range = self.view.viewRange()
        args = (m, x_range, y_range, self.show_contours, self.show_density)
        if here or self._points.shape[0] < BACKGROUND_RASTER:
            self._layers.density.redraw(*args)
            return
        self._density_thread.submit(Task("density", unless_cancelled(
            partial(_made_density, args)), self._density_version))
        if hold:
            self._hold_paint()

    def _redraw_decision(self) -> None:
        m = self._mixture
        if m is None or not self.show_decision:
            self._layers.decision.clear()
            return
        x_range, y_range = self.view.viewRange()
        self._layers.decision.redraw(m, x_range, y_range)

    def _redraw_kmeans(self) -> None:
        c = self._kmeans
        if c is None or not self.show_kmeans or c.shape[0] == 0:
            self._layers.kmeans.clear()
            return
        self._layers.kmeans.draw_centroids(c)
        self._redraw_kmeans_lines()

    def _redraw_kmeans_lines(self) -> None:
        c = self._kmeans
        if c is None or not self.show_kmeans:
            return
        x_range, y_range = self.view.viewRange()
        self._layers.kmeans.draw_boundaries(c, x_range, y_range)
