"""The gallery of local optima: thumbnails of the distinct fits that restarts of EM end in.

One thumbnail a row at the dock's width (two side by side in a dock twice as wide), with
tick labels drawn at a fixed, readable pixel size (:func:`render_thumbnail`); the optimum
the window shows now is marked.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import (
    INK_ON_TINT,
    MATCH_COLOR,
    RunControls,
    format_number,
    hint_label,
    signals_blocked,
)

#: Pixel size of a thumbnail's tick labels, whatever the thumbnail's size (as the panels'
#: hint text).
TICK_PX = 11
#: Room under each thumbnail for its two lines of text, and around it, in pixels.
TEXT_ROOM = 40
PADDING = 8


def _ticks(lo: float, hi: float, target: int) -> tuple[np.ndarray, int]:
    """About ``target`` ticks at 1, 2 or 5 times a power of ten inside [lo, hi], and the
    decimals that show them."""
    p = 10.0 ** math.floor(math.log10((hi - lo) / target))
    step = min((m * p for m in (1, 2, 5, 10)), key=lambda s: abs((hi - lo) / s - target))
    ticks = np.arange(math.ceil(lo / step), math.floor(hi / step) + 1) * step
    return ticks, max(0, -math.floor(math.log10(step)))


def render_thumbnail(points, colors, mixture, *, size, x_range, y_range) -> QImage:
    """A gallery thumbnail: :func:`~gmm_explorer.qt.offscreen.frames.render_frame`'s
    picture of points and ellipses, with tick labels of :data:`TICK_PX` pixels on the left
    and bottom (render_frame scales its labels with the image, too small to read at a
    thumbnail's size). QImage and QPainter only: safe in a worker thread.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    colors : ndarray of shape (n, 3), uint8, or None
    mixture : Mixture
    size : (int, int)
    x_range, y_range : (float, float)
        Increasing; the same for every thumbnail of a gallery.

    Returns
    -------
    QImage
        ``size`` pixels.
    """
    from gmm_explorer.qt.offscreen.frames import data_to_pixels, plot_area, render_frame

    w, h = int(size[0]), int(size[1])
    font = QFont()
    font.setPixelSize(TICK_PX)
    fm = QFontMetricsF(font)
    (x0, x1), (y0, y1) = x_range, y_range
    xt, xd = _ticks(x0, x1, 4)
    yt, yd = _ticks(y0, y1, 4)
    x_labels = [format_number(t, f".{xd}f") for t in xt]
    y_labels = [format_number(t, f".{yd}f") for t in yt]
    left = math.ceil(max((fm.horizontalAdvance(t) for t in y_labels), default=0)) + 4
    bottom = math.ceil(fm.height()) + 2
    inner = (w - left, h - bottom)
    frame = render_frame(points, colors, mixture, size=inner, x_range=x_range,
                         y_range=y_range, sigmas=(1,), axes=False)
    plot = plot_area(inner, axes=False).translated(left, 0)
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    try:
        p.drawImage(left, 0, frame)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        p.setFont(font)
        mark, text = QPen(QColor(120, 120, 120), 1), QColor(70, 70, 70)
        xs = data_to_pixels(np.stack([xt, np.full_like(xt, y0)], axis=1), plot, x_range, y_range)
        ys = data_to_pixels(np.stack([np.full_like(yt, x0), yt], axis=1), plot, x_range, y_range)
        for (px, _), label in zip(xs.tolist(), x_labels):
            p.setPen(mark)
            p.drawLine(QPointF(px, plot.bottom()), QPointF(px, plot.bottom() - 4))
            p.setPen(text)
            half = fm.horizontalAdvance(label) / 2 + 1
            # Keep the first and last labels inside the image.
            cx = min(max(px, left + half), w - half)
            p.drawText(QRectF(cx - half, h - bottom, 2 * half, bottom),
                       Qt.AlignmentFlag.AlignCenter, label)
        for (_, py), label in zip(ys.tolist(), y_labels):
            p.setPen(mark)
            p.drawLine(QPointF(plot.left(), py), QPointF(plot.left() + 4, py))
            p.setPen(text)
            cy = min(max(py, fm.height() / 2), h - bottom - fm.height() / 2)
            p.drawText(QRectF(0, cy - fm.height() / 2, left - 3, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
    finally:
        p.end()
    return img


@dataclass(frozen=True, eq=False)
class GalleryItem:
    """One distinct local optimum found by repeated restarts.

    Attributes
    ----------
    image : QImage
        A thumbnail of the fit (see :func:`render_thumbnail`), shown at most at
        ``GalleryPanel.THUMB`` and scaled down to the panel's width.
    mean_log_likelihood : float
    count : int
        Restarts that ended in this optimum.
    total : int
        Restarts run in all.
    tooltip : str
    """

    image: QImage
    mean_log_likelihood: float
    count: int
    total: int
    tooltip: str = ""


class GalleryPanel(QWidget):
    """Thumbnails of the distinct optima that many restarts of EM end in, best first; the
    one the window shows is marked."""

    #: int: the number of restarts the user asks to run.
    run_requested = Signal(int)
    #: None: the user asks to stop the restarts.
    cancel_requested = Signal()
    #: int: index (into the items given to set_optima) of the optimum to load.
    optimum_chosen = Signal(int)

    #: The largest a thumbnail is shown (the size the gallery renders them at).
    THUMB = QSize(288, 216)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 6, 4, 6)
        self.restarts = QSpinBox()
        self.restarts.setRange(2, 200)
        self.restarts.setValue(20)
        self.restarts.setToolTip("Run EM to convergence from this many random "
                                 "initialisations and group the results that agree")
        self.run_controls = RunControls(
            "Find", run_tip="Find the distinct local optima EM ends in",
            cancel_tip="Stop; the optima found so far stay shown", progress_tip="Restarts done",
            status_tip="How many distinct optima the restarts found",
            leading=(QLabel("restarts"), self.restarts), progress_format="%v/%m restarts")
        outer.addWidget(self.run_controls)
        self.find_button = self.run_controls.run_button
        self.cancel_button = self.run_controls.cancel_button
        self.progress = self.run_controls.progress
        self.status_text = self.run_controls.status

        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        # Always there, so that the thumbnails' width does not depend on their number.
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._set_thumb_size(self.THUMB)
        self.list.setSpacing(0)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setWordWrap(True)
        self.list.setDragEnabled(False)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setToolTip("Distinct optima, best first; click one to load it")
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        outer.addWidget(self.list, 1)
        outer.addWidget(hint_label("EM climbs to the nearest peak of the likelihood, so different "
                              "starts can end in different fits. How often each one is "
                              "reached shows how much the start matters."))

        self._items: tuple[GalleryItem, ...] = ()
        self._current: int | None = None
        self._last_choice: tuple[int, float] = (-1, 0.0)
        self.run_controls.run_requested.connect(
            lambda: self.run_requested.emit(self.n_restarts()))
        self.run_controls.cancel_requested.connect(self.cancel_requested)

    def n_restarts(self) -> int:
        return self.restarts.value()

    # -- thumbnails that fit

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_thumbnails()

    def _fit_thumbnails(self) -> None:
        """As large as :attr:`THUMB` allows and one fits across the list (two side by side
        only when both fit whole)."""
        room = self.list.viewport().width() - PADDING
        width = max(80, min(self.THUMB.width(), room))
        self._set_thumb_size(QSize(width, round(width * self.THUMB.height()
                                                / self.THUMB.width())))

    def _set_thumb_size(self, icon: QSize) -> None:
        if icon != self.list.iconSize():
            self.list.setIconSize(icon)
            self.list.setGridSize(QSize(icon.width() + PADDING, icon.height() + TEXT_ROOM))

    def set_optima(self, items: Sequence[GalleryItem]) -> None:
        """Show ``items`` (best first) as thumbnails, none marked (see set_current)."""
        self._items = tuple(items)
        self._current = None
        with signals_blocked(self.list):
            self.list.clear()
            for i, it in enumerate(self._items, start=1):
                item = QListWidgetItem(QIcon(QPixmap.fromImage(it.image)), self._text(i - 1))
                item.setToolTip(it.tooltip or item.text())
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.list.addItem(item)
        if self._items:
            total = self._items[0].total
            n = len(self._items)
            text = f"{n} distinct optim{'um' if n == 1 else 'a'} from {total} restarts"
            failed = total - sum(it.count for it in self._items)
            if failed > 0:
                text += f" ({failed} failed)"
            self.set_status(text)
        else:
            self.set_status("")
        self._show_current()

    def set_current(self, index: int | None) -> None:
        """Mark the optimum the window shows (None: none of them)."""
        if index == self._current:
            return  # called on every displayed state: repaint only on a change
        self._current = index
        self._show_current()

    def marked(self) -> tuple[int, ...]:
        """The rows drawn as the one the window shows (at most one)."""
        return tuple(i for i in range(self.list.count())
                     if self.list.item(i).background().color() == MATCH_COLOR
                     and self.list.item(i).background().style() != Qt.BrushStyle.NoBrush)

    def set_progress(self, done: int, total: int) -> None:
        self.run_controls.set_progress(done, total)

    def set_running(self, running: bool) -> None:
        self.run_controls.set_running(running)
        self.restarts.setEnabled(not running)

    def set_status(self, text: str) -> None:
        self.run_controls.set_status(text)

    def clear(self) -> None:
        self._current = None
        self.set_optima(())

    def _text(self, i: int, loaded: bool = False) -> str:
        it = self._items[i]
        return (f"#{i + 1} · mean LL {format_number(it.mean_log_likelihood)}\n"
                f"{it.count}/{it.total} restarts" + (" · shown now" if loaded else ""))

    def _show_current(self) -> None:
        with signals_blocked(self.list):
            for i in range(self.list.count()):
                item = self.list.item(i)
                loaded = i == self._current
                item.setBackground(QBrush(MATCH_COLOR) if loaded else QBrush())
                item.setForeground(QBrush(INK_ON_TINT) if loaded else QBrush())
                item.setText(self._text(i, loaded))
                base = self._items[i].tooltip or self._text(i)
                item.setToolTip(base + ("\n(currently loaded)" if loaded else ""))

    def _on_item(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        # A click can also activate (single-click platforms, double-clicks): one request.
        now = time.monotonic()
        last_row, last_t = self._last_choice
        if row == last_row and now - last_t < QApplication.doubleClickInterval() / 1000.0:
            return
        self._last_choice = (row, now)
        if 0 <= row < len(self._items):
            self.optimum_chosen.emit(row)
