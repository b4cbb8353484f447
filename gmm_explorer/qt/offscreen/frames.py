"""Offscreen frames of a mixture over its points: gallery thumbnails and animation frames.

Drawn with ``QPainter`` on a ``QImage`` only (no widget, no pyqtgraph), so
:func:`render_frame` may run in a worker ``QThread``: painting on a ``QImage`` is
thread-safe, widgets are not. The look follows the canvas: points coloured by
responsibility (or neutral grey), each component's ellipses a shade darker than its
colour (1 sigma solid, 2 sigma dashed, 3 sigma dotted) and its mean as a white ring.
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
)

from gmm_explorer import engine as E
from gmm_explorer.drawing import NEUTRAL, ellipse_color, quantised_colors, raster

#: Above this many points, points are drawn as one raster image instead of one by one.
MAX_DRAWN_POINTS = 20_000
_SIGMA_STYLE = {1: Qt.PenStyle.SolidLine, 2: Qt.PenStyle.DashLine, 3: Qt.PenStyle.DotLine}
_FRAME_GREY = QColor(120, 120, 120)


def qimage_to_rgb(img: QImage) -> np.ndarray:
    """The pixels of ``img`` as an ndarray of shape (height, width, 3), uint8 (a copy)."""
    rgba = img.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = rgba.width(), rgba.height()
    buf = np.frombuffer(rgba.constBits(), dtype=np.uint8)
    # Rows may be padded: take bytesPerLine, then the first 4 * w bytes of each row.
    rows = buf[:h * rgba.bytesPerLine()].reshape(h, rgba.bytesPerLine())
    return rows[:, :4 * w].reshape(h, w, 4)[..., :3].copy()


def _nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[np.ndarray, int]:
    """Ticks at 1, 2 or 5 times a power of ten inside [lo, hi], and the decimals to show."""
    if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
        return np.zeros(0), 0
    p = 10.0 ** math.floor(math.log10((hi - lo) / target))
    step = min((m * p for m in (1, 2, 5, 10)), key=lambda s: abs((hi - lo) / s - target))
    ticks = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step
    return ticks, max(0, -math.floor(math.log10(step)))


def _scale(size) -> float:
    """Marks and text grow with the image; 1 at 640 x 480."""
    return min(size[0] / 640, size[1] / 480)


def _font(pixels: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setPixelSize(max(6, round(pixels)))  # pixels, not points: independent of the DPI
    f.setBold(bold)
    return f


def _text_lines(size, title: str, subtitle: str, text_scale: float | None = None):
    """(text, font, grey level) of the lines above the plot."""
    s = _scale(size) if text_scale is None else text_scale
    return [(text, _font(px * s, bold), grey) for text, px, bold, grey in
            ((title, 17, True, 20), (subtitle, 12, False, 95)) if text]


def plot_area(size=(640, 480), *, title: str = "", subtitle: str = "",
              axes: bool = True, text_scale: float | None = None) -> QRectF:
    """The rectangle of a frame (in pixels) that shows the data, below the text and
    inside the tick labels; :func:`render_frame` draws into exactly this rectangle."""
    w, h = size
    top = 6 + sum(QFontMetricsF(font).height() for _, font, _ in _text_lines(
        size, title, subtitle, text_scale))
    s = _scale(size) if text_scale is None else text_scale
    left, bottom = (round(46 * s), round(22 * s)) if axes else (6, 6)
    return QRectF(left, top + 4, w - left - 8, h - top - 4 - bottom)


def data_to_pixels(xy: np.ndarray, plot: QRectF, x_range, y_range) -> np.ndarray:
    """Pixel coordinates (x right, y down) of data points ``xy`` of shape (n, 2) in a frame
    whose :func:`plot_area` is ``plot`` showing ``x_range`` x ``y_range``."""
    (x0, x1), (y0, y1) = x_range, y_range
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return np.stack([plot.left() + (xy[:, 0] - x0) * (plot.width() / (x1 - x0)),
                     plot.bottom() - (xy[:, 1] - y0) * (plot.height() / (y1 - y0))], axis=1)


def render_frame(points: np.ndarray, colors: np.ndarray | None, mixture: E.Mixture | None, *,
                 size=(640, 480), x_range, y_range, title: str = "", subtitle: str = "",
                 sigmas=(1, 2), show_means: bool = True, axes: bool = True,
                 background=(255, 255, 255), text_scale: float | None = None) -> QImage:
    """Draw points and a mixture's ellipses and means on a new image (thread-safe).

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    colors : ndarray of shape (n, 3), uint8, or None
        Colour of each point; None draws every point in the neutral grey.
    mixture : Mixture or None
    size : (int, int)
        Width and height in pixels.
    x_range, y_range : (float, float)
        The data shown, increasing (see :func:`gmm_explorer.drawing.view_ranges`).
    title, subtitle : str
        Text above the plot (the subtitle smaller, in grey).
    sigmas : iterable of {1, 2, 3}
        The ellipses drawn for each component.
    show_means : bool
    axes : bool
        Light grid lines and tick labels on the left and bottom edges.
    background : (int, int, int)
    text_scale : float, optional
        The text's size (1: as at 640 x 480); by default it grows and shrinks with the
        image. A small frame shown on screen asks for more, to stay legible.

    Returns
    -------
    QImage
        Format ARGB32_Premultiplied, opaque, ``size`` pixels.
    """
    size = w, h = max(1, int(size[0])), max(1, int(size[1]))
    if not (x_range[1] > x_range[0] and y_range[1] > y_range[0]):
        raise ValueError(f"empty view: x {x_range}, y {y_range}")
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(*background))
    plot = plot_area(size, title=title, subtitle=subtitle, axes=axes, text_scale=text_scale)
    scale = _scale(size)
    text = scale if text_scale is None else text_scale

    def to_px(xy: np.ndarray) -> np.ndarray:
        return data_to_pixels(xy, plot, x_range, y_range)

    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        top = 6.0
        for line_text, font, grey in _text_lines(size, title, subtitle, text_scale):
            p.setFont(font)
            p.setPen(QColor(grey, grey, grey))
            line = QFontMetricsF(font).height()
            p.drawText(QRectF(0, top, w, line), Qt.AlignmentFlag.AlignCenter, line_text)
            top += line
        if plot.width() < 4 or plot.height() < 4:
            return img  # too small for a plot: the text only
        if axes:
            _draw_axes(p, plot, x_range, y_range, to_px, _font(11 * text))
        p.save()
        p.setClipRect(plot)
        _draw_points(p, np.asarray(points, dtype=float).reshape(-1, 2), colors, plot,
                     x_range, y_range, to_px, scale)
        if mixture is not None:
            _draw_mixture(p, mixture, sigmas, show_means, to_px, scale)
        p.restore()
        p.setPen(QPen(_FRAME_GREY, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(plot)
    finally:
        p.end()
    return img


def _draw_axes(p: QPainter, plot: QRectF, x_range, y_range, to_px, font: QFont) -> None:
    p.setFont(font)
    fm = p.fontMetrics()
    grid, text = QPen(QColor(0, 0, 0, 22), 1), QColor(90, 90, 90)
    for axis, (lo, hi) in enumerate((x_range, y_range)):
        ticks, decimals = _nice_ticks(lo, hi)
        for t in ticks:
            xy = to_px(np.array([[t, y_range[0]] if axis == 0 else [x_range[0], t]]))[0]
            label = f"{t:.{decimals}f}"
            p.setPen(grid)
            if axis == 0:
                p.drawLine(QPointF(xy[0], plot.top()), QPointF(xy[0], plot.bottom()))
                r = QRectF(xy[0] - 40, plot.bottom() + 2, 80, fm.height())
                flags = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop
            else:
                p.drawLine(QPointF(plot.left(), xy[1]), QPointF(plot.right(), xy[1]))
                r = QRectF(0, xy[1] - fm.height() / 2, plot.left() - 4, fm.height())
                flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            p.setPen(text)
            p.drawText(r, flags, label)


def _draw_points(p: QPainter, points, colors, plot: QRectF, x_range, y_range, to_px,
                 scale: float) -> None:
    n = points.shape[0]
    if n == 0:
        return
    if colors is None:
        colors = np.broadcast_to(NEUTRAL, (n, 3))
    if n > MAX_DRAWN_POINTS:
        # One image of the view (row 0 = bottom), flipped to image rows (row 0 = top).
        rgba = np.ascontiguousarray(raster(points, np.asarray(colors, np.uint8), x_range,
                                           y_range, int(plot.width()), int(plot.height()))[::-1])
        hh, ww = rgba.shape[:2]
        layer = QImage(rgba.data, ww, hh, 4 * ww, QImage.Format.Format_RGBA8888)
        p.drawImage(plot, layer)  # drawn before ``rgba`` goes out of scope
        return
    # Points as round dots of one pen per colour: colours quantised (as on the canvas), so
    # a soft colouring needs a few hundred drawPoints calls, not n.
    q = quantised_colors(colors)
    keys, inverse, counts = np.unique(q, axis=0, return_inverse=True, return_counts=True)
    xy = to_px(np.asarray(points, dtype=float))[np.argsort(inverse.ravel(), kind="stable")]
    pen = QPen()
    pen.setWidthF(max(3.0, 6.0 * scale))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    for rgb, group in zip(keys.tolist(), np.split(xy, np.cumsum(counts)[:-1])):
        pen.setColor(QColor(*rgb, 225))
        p.setPen(pen)
        p.drawPoints(QPolygonF([QPointF(a, b) for a, b in group.tolist()]))


def _draw_mixture(p: QPainter, m: E.Mixture, sigmas, show_means: bool, to_px,
                  scale: float) -> None:
    p.setBrush(Qt.BrushStyle.NoBrush)
    darks = []
    for j in range(m.n_components):
        dark = QColor(*ellipse_color(j))  # as on the canvas
        darks.append(dark)
        for s in sorted(sigmas):
            pen = QPen(dark, (2.6 if s == 1 else 1.8) * max(scale, 0.5), _SIGMA_STYLE[s])
            p.setPen(pen)
            xy = to_px(E.ellipse(m, j, float(s), 96))
            p.drawPolyline(QPolygonF([QPointF(a, b) for a, b in xy.tolist()]))
    if show_means:
        r = 6.5 * max(scale, 0.5)
        p.setBrush(QColor(255, 255, 255, 240))
        for j, (cx, cy) in enumerate(to_px(np.asarray(m.means)).tolist()):
            p.setPen(QPen(darks[j], 3 * max(scale, 0.5)))
            p.drawEllipse(QPointF(cx, cy), r, r)
