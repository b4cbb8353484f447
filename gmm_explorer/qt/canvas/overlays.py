"""The canvas's layers of persistent pyqtgraph items, each updated with ``setData``.

Every layer adds its items to the plot once, draws what it is given and offers read-only
accessors for what it shows; none keeps data of its own. Component ellipses, means and
handles are in :mod:`.components`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor

from gmm_explorer import engine as E
from gmm_explorer.contours import contour_levels, contour_segments
from gmm_explorer.drawing import (
    RasterCache,
    quantised_colors,
    region_image,
    voronoi_segments,
)

#: Stacking order of the layers' items (pyqtgraph z values), bottom to top.
Z = {"shading": -20, "decision": -15, "contours": -10, "raster": 0, "points": 1,
     "selection": 2, "kmeans_boundaries": 3, "ellipses": 4, "kmeans_centroids": 4.5,
     "means": 5, "handles": 6, "warnings": 6.5, "hover": 7, "pin": 8}
GRID = (160, 120)  # contour grid, columns x rows
N_CONTOURS = 8
#: Decision-region grid (columns x rows) and the opacity of its colours.
DECISION_GRID = (240, 180)
DECISION_ALPHA = 45

pg.setConfigOptions(imageAxisOrder="row-major", antialias=True)


class ClickThroughScatter(pg.ScatterPlotItem):
    """A scatter that never takes clicks: pyqtgraph's accepts a left click on any of its
    spots, which would keep it from the view box (add, place, pin)."""

    def mouseClickEvent(self, ev):
        ev.ignore()


def _added(plot: pg.PlotItem, item, z: float):
    item.setZValue(z)
    plot.addItem(item)
    return item


def _grid_axes(shape: tuple[int, int], x_range, y_range, centres: bool):
    (x0, x1), (y0, y1) = x_range, y_range
    nx, ny = shape
    if centres:  # pixel centres of an image covering the view
        xs = x0 + (np.arange(nx) + 0.5) * ((x1 - x0) / nx)
        ys = y0 + (np.arange(ny) + 0.5) * ((y1 - y0) / ny)
    else:
        xs = np.linspace(x0, x1, nx)
        ys = np.linspace(y0, y1, ny)
    return xs, ys, QRectF(x0, y0, x1 - x0, y1 - y0)


def _image_pixel(item: pg.ImageItem, x: float, y: float) -> np.ndarray | None:
    """The pixel of a row-major ``item`` (covering its rect) that shows data point (x, y)."""
    img = item.image
    if img is None:
        return None
    r = item.mapRectToParent(item.boundingRect())
    h, w = img.shape[:2]
    return img[int((y - r.top()) / r.height() * h), int((x - r.left()) / r.width() * w)]


def _xy(data) -> tuple[np.ndarray, np.ndarray]:
    x, y = data
    return (np.zeros(0) if x is None else np.asarray(x),
            np.zeros(0) if y is None else np.asarray(y))


def scatter_positions(scatter: pg.ScatterPlotItem) -> np.ndarray:
    """Where ``scatter`` draws its spots, (m, 2)."""
    return np.stack(_xy(scatter.getData()), axis=1)


def _density_lut() -> np.ndarray:
    """White to a pale blue-grey: shading that keeps coloured points readable."""
    t = np.linspace(0, 1, 256)[:, None]
    lo = np.array([255, 255, 255])
    hi = np.array([120, 150, 200])
    return (lo + (hi - lo) * t).astype(np.uint8)


class PointsLayer:
    """The points: markers, or for many points one image of the view; and the selection."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._raster_cache = RasterCache()
        self._raster = _added(plot, pg.ImageItem(), Z["raster"])
        self._scatter = _added(plot, ClickThroughScatter(size=7, pen=None, pxMode=True),
                               Z["points"])
        self._selected = _added(plot, ClickThroughScatter(
            size=12, pen=pg.mkPen(0, 0, 0, width=1.5), brush=None, pxMode=True),
            Z["selection"])
        self._brush_cache: dict[tuple[int, int, int], QBrush] = {}

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"raster": self._raster, "points": self._scatter, "selection": self._selected}

    def set_theme(self, theme) -> None:
        self._selected.setPen(pg.mkPen(*theme.ink, width=1.5))

    def _brush(self, rgb) -> QBrush:
        key = (int(rgb[0]), int(rgb[1]), int(rgb[2]))
        b = self._brush_cache.get(key)
        if b is None:
            b = QBrush(QColor(*key, 230))
            self._brush_cache[key] = b
        return b

    def draw_markers(self, points: np.ndarray, colors: np.ndarray, symbols,
                     sizes: np.ndarray | None = None) -> None:
        """One marker per point (and no image); ``sizes``: each marker's size relative to
        the layer's (sample weights), None for all the same."""
        self._raster.clear()
        q = quantised_colors(colors)
        brushes = [self._brush(c) for c in q.tolist()] if points.shape[0] else []
        extra = {}
        if sizes is not None and sizes.shape[0] == points.shape[0]:
            extra["size"] = self._scatter.opts["size"] * sizes
        self._scatter.setData(points[:, 0], points[:, 1], brush=brushes, symbol=symbols,
                              **extra)

    def marker_sizes(self) -> list[float]:
        """The size each marker is drawn at (pixels)."""
        return [float(spot.size()) for spot in self._scatter.points()]

    def clear_markers(self) -> None:
        self._scatter.setData([], [])

    def draw_raster(self, points: np.ndarray, colors: np.ndarray, x_range, y_range,
                    width: int, height: int) -> None:
        """The points as one image of the view ``x_range`` x ``y_range``."""
        img = self._raster_cache.image(points, np.asarray(colors), tuple(x_range),
                                       tuple(y_range), width, height)
        self.show_raster(img, x_range, y_range)

    def show_raster(self, img: np.ndarray, x_range, y_range) -> None:
        """Show ``img``, an RGBA image of the view ``x_range`` x ``y_range`` (rows from
        the bottom, as :class:`~gmm_explorer.drawing.RasterCache` makes it)."""
        (x0, x1), (y0, y1) = x_range, y_range
        self._raster.setImage(img, autoLevels=False, levels=(0, 255))
        self._raster.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def set_selection(self, selected: np.ndarray) -> None:
        """Ring the points ``selected``, (m, 2)."""
        self._selected.setData(selected[:, 0], selected[:, 1])

    def marker_positions(self) -> np.ndarray:
        """Where markers are drawn, (m, 2) (none while the points are an image)."""
        return scatter_positions(self._scatter)

    def marker_symbols(self) -> list[str]:
        """The shape each marker is drawn with."""
        return [spot.symbol() for spot in self._scatter.points()]

    def raster_image(self) -> np.ndarray | None:
        """The RGBA image (rows from the bottom) drawing the points, or None."""
        return self._raster.image

    def raster_color_at(self, x: float, y: float) -> np.ndarray | None:
        """RGBA of the points' image where it shows data point (x, y)."""
        return _image_pixel(self._raster, x, y)


@dataclass(frozen=True, eq=False)
class DensityPicture:
    """A mixture's density over a view, ready to draw: each contour level's endpoint
    pairs, (m, 2) (None: not drawn), the shading image and its levels (or None), and the
    rectangle ``(x, y, width, height)`` the grid covers."""

    segments: tuple
    shading: tuple | None
    rect: tuple[float, float, float, float]


def density_picture(mixture: E.Mixture, x_range, y_range, contours: bool,
                    shading: bool) -> DensityPicture:
    """Work out ``mixture``'s contours and/or shading over the view (numpy only: the
    canvas does this on its own thread for a million points or more)."""
    xs, ys, _ = _grid_axes(GRID, x_range, y_range, centres=False)
    logd = E.log_density_grid(mixture, xs, ys)
    levels = contour_levels(logd, N_CONTOURS)
    segments = tuple(
        contour_segments(logd, float(levels[j]), xs, ys)
        if contours and j < levels.size else None for j in range(N_CONTOURS))
    image = None
    if shading and levels.size:
        finite = np.where(np.isfinite(logd), logd, -1e300)
        lo, hi = float(levels[-1]), float(levels[0] + np.log(10) * 0.5)
        image = (np.clip(finite, lo, hi), (lo, hi))
    (x0, x1), (y0, y1) = x_range, y_range
    return DensityPicture(segments, image, (x0, y0, x1 - x0, y1 - y0))


class DensityLayer:
    """The mixture's log-density: contours (line segments from a vectorised marching
    squares) and, optionally, shading."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._shading = _added(plot, pg.ImageItem(), Z["shading"])
        self._shading.setOpacity(0.55)
        self._shading.setLookupTable(_density_lut())
        self._contours = [
            _added(plot, pg.PlotCurveItem(pen=pg.mkPen(90, 90, 90, 150 - 12 * j, width=1),
                                          connect="pairs"), Z["contours"])
            for j in range(N_CONTOURS)]

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"shading": self._shading, "contours": self._contours[0]}

    def set_theme(self, theme) -> None:
        for j, c in enumerate(self._contours):
            c.setPen(pg.mkPen(*theme.soft_ink, 150 - 12 * j, width=1))

    def clear(self) -> None:
        self._shading.clear()
        for c in self._contours:
            c.setData([], [])

    def redraw(self, mixture: E.Mixture, x_range, y_range, contours: bool,
               shading: bool) -> None:
        """Draw ``mixture``'s density over the view (contours and/or shading)."""
        self.show(density_picture(mixture, x_range, y_range, contours, shading))

    def show(self, picture: "DensityPicture") -> None:
        """Draw a density worked out by :func:`density_picture` (on any thread)."""
        for seg, c in zip(picture.segments, self._contours):
            if seg is None:
                c.setData([], [])
            else:
                c.setData(seg[:, 0], seg[:, 1], connect="pairs")
        if picture.shading is not None:
            image, levels = picture.shading
            self._shading.setImage(image, autoLevels=False, levels=levels)
            self._shading.setRect(QRectF(*picture.rect))
        else:
            self._shading.clear()

    def contour(self, level: int) -> tuple[np.ndarray, np.ndarray]:
        """Endpoint pairs (x, y) of the contour at ``level`` (0: the highest)."""
        return _xy(self._contours[level].getData())


class DecisionLayer:
    """The arg-max decision region of each component, shaded in its colour."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._image = _added(plot, pg.ImageItem(), Z["decision"])

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"decision": self._image}

    def clear(self) -> None:
        self._image.clear()

    def redraw(self, mixture: E.Mixture, x_range, y_range) -> None:
        xs, ys, rect = _grid_axes(DECISION_GRID, x_range, y_range, centres=True)
        # (ny, nx), row 0 at the bottom (y0); the labels predict() gives those points.
        labels = E.decision_grid(mixture, xs, ys)
        self._image.setImage(region_image(labels, DECISION_ALPHA), autoLevels=False,
                             levels=(0, 255))
        self._image.setRect(rect)

    def image(self) -> np.ndarray | None:
        """The RGBA image of the regions (rows from the bottom), or None when hidden."""
        return self._image.image

    def color_at(self, x: float, y: float) -> np.ndarray | None:
        """RGBA of the regions' image where it shows data point (x, y)."""
        return _image_pixel(self._image, x, y)


class KMeansLayer:
    """k-means centroids and the boundaries of their (Voronoi) regions."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._lines = _added(plot, pg.PlotCurveItem(
            pen=pg.mkPen(40, 40, 40, 200, width=1.2, style=Qt.PenStyle.DashLine),
            connect="pairs"), Z["kmeans_boundaries"])
        self._markers = _added(plot, ClickThroughScatter(
            size=15, symbol="x", pen=pg.mkPen(255, 255, 255, 220), brush=pg.mkBrush(0, 0, 0),
            pxMode=True), Z["kmeans_centroids"])

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"kmeans_boundaries": self._lines, "kmeans_centroids": self._markers}

    def set_theme(self, theme) -> None:
        ink = (40, 40, 40) if not theme.dark else theme.ink
        self._lines.setPen(pg.mkPen(*ink, 200, width=1.2, style=Qt.PenStyle.DashLine))

    def clear(self) -> None:
        self._markers.setData([], [])
        self._lines.setData([], [])

    def draw_centroids(self, centroids: np.ndarray) -> None:
        self._markers.setData(centroids[:, 0], centroids[:, 1])

    def draw_boundaries(self, centroids: np.ndarray, x_range, y_range) -> None:
        # Exact bisector segments clipped to the view (recomputed with it): crisp at any
        # zoom, and short, so the dashed pen never strokes a line far outside the view.
        seg = voronoi_segments(centroids, tuple(x_range), tuple(y_range))
        self._lines.setData(seg[:, 0], seg[:, 1], connect="pairs")

    def centroids(self) -> np.ndarray:
        """The centroids drawn, (m, 2)."""
        return scatter_positions(self._markers)

    def centroid_symbol(self) -> str:
        return self._markers.opts["symbol"]

    def boundaries(self) -> tuple[np.ndarray, np.ndarray]:
        """Endpoint pairs (x, y) of the boundaries drawn."""
        return _xy(self._lines.getData())

    def boundary_pen(self):
        return self._lines.opts["pen"]


class PointMarkers:
    """A light ring on the hovered point and a ring with a cross on the pinned one."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._items = {
            "hover": _added(plot, ClickThroughScatter(
                size=14, symbol="o", brush=None, pen=pg.mkPen(110, 110, 110, 220, width=1.5),
                pxMode=True), Z["hover"]),
            # pyqtgraph's "crosshair": a ring with a cross reaching past it.
            "pin": _added(plot, ClickThroughScatter(
                size=20, symbol="crosshair", brush=None, pen=pg.mkPen(0, 0, 0, width=2),
                pxMode=True), Z["pin"]),
        }

    def items(self) -> dict[str, pg.GraphicsObject]:
        return dict(self._items)

    def set_theme(self, theme) -> None:
        self._items["pin"].setPen(pg.mkPen(*theme.ink, width=2))

    def place(self, kind: str, xy: tuple[float, float] | None) -> None:
        """Put the ``kind`` ("hover" or "pin") marker at data point ``xy`` (None: hide)."""
        item = self._items[kind]
        if xy is None:
            item.setData([], [])
        else:
            item.setData([float(xy[0])], [float(xy[1])])

    def position(self, kind: str) -> tuple[float, float] | None:
        x, y = _xy(self._items[kind].getData())
        return (float(x[0]), float(y[0])) if x.size else None

    def symbol(self, kind: str) -> str:
        return self._items[kind].opts["symbol"]
