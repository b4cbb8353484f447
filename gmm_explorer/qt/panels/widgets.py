"""Small widgets and helpers the panels share: signal blocking, number formatting, icons,
compact tables, branch line styles and the run/cancel/progress controls."""

from __future__ import annotations

import contextlib
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.drawing import component_color
from gmm_explorer.qt.plot_style import font_px
from gmm_explorer.qt.theme import mute

#: Qt pen style of each line style name (branch curves and their icons).
LINE_STYLES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
    "dashdot": Qt.PenStyle.DashDotLine,
}
#: Line styles of the branches' curves, in branch order (the active one is also thicker).
BRANCH_STYLES = ("solid", "dash", "dot", "dashdot")
#: Colours of the branches' curves (Okabe-Ito, without the component colours' first two).
BRANCH_COLORS = ((0, 114, 178), (204, 121, 167), (0, 158, 115), (86, 180, 233),
                 (213, 94, 0), (120, 120, 120))

#: Background of matched class/component pairs and of the loaded optimum.
MATCH_COLOR = QColor(200, 236, 222)
#: Text on a light tint (MATCH_COLOR, a locked cell, a warning): dark in either theme.
INK_ON_TINT = QColor(0, 0, 0)
HINT_STYLE = "font-size: 11px;"  # in the palette's placeholder colour (theme.mute)
BANNER_STYLE = ("background: #fff1e0; color: #5a2d00; border: 1px solid #e0a060; "
                "border-radius: 3px; padding: 4px; font-size: 11px;")


@contextlib.contextmanager
def signals_blocked(*widgets):
    """Update widgets from the model without their signals firing back (napari's idiom)."""
    blockers = [QSignalBlocker(w) for w in widgets]
    try:
        yield
    finally:
        del blockers


def branch_style(i: int) -> tuple[str, tuple[int, int, int]]:
    """(line style, colour) of branch ``i`` in the log-likelihood panel and branch list."""
    return BRANCH_STYLES[i % len(BRANCH_STYLES)], BRANCH_COLORS[i % len(BRANCH_COLORS)]


def format_number(value: float | None, spec: str = ".4f") -> str:
    """Format with a true minus sign; None and non-finite values read as words."""
    if value is None:
        return "—"
    if not np.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "n/a")
    return format(value, spec).replace("-", "−")


def set_text_px(fonts: dict, px: int | None) -> None:
    """Give each widget of ``fonts`` (widget -> its normal font) text ``px`` pixels tall,
    or (None) its normal font back; labels sized by their style sheet (:func:`hint_label`)
    get the size in their style sheet too."""
    for w, font in fonts.items():
        w.setFont(font if px is None else font_px(px, font))
        sheet = w.property("normal_sheet")
        if sheet is None and "font-size" in (w.styleSheet() or ""):
            sheet = w.styleSheet()
            w.setProperty("normal_sheet", sheet)
        if sheet is not None:
            w.setStyleSheet(sheet if px is None else
                            re.sub(r"font-size:\s*\d+px", f"font-size: {px}px", sheet))


def keep_on_screen(window: QWidget) -> None:
    """Move a shown top-level ``window`` (after its contents grew) back inside its
    screen's available area, as far as it fits."""
    screen = window.screen()
    if screen is None or not window.isVisible():
        return
    area = screen.availableGeometry()
    frame = window.frameGeometry()
    x = max(area.left(), min(frame.left(), area.right() - frame.width()))
    y = max(area.top(), min(frame.top(), area.bottom() - frame.height()))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)


def hint_label(text: str) -> QLabel:
    """A small grey word-wrapped explanation."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(HINT_STYLE)
    return mute(label)


def color_icon(rgb, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(*rgb))
    return QIcon(pix)


def line_icon(rgb, style: str, width: int = 28, height: int = 12) -> QIcon:
    """A short line in ``rgb`` drawn in one of :data:`LINE_STYLES`, as in the LL plot."""
    pix = QPixmap(width, height)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(*rgb), 2)
    pen.setStyle(LINE_STYLES[style])
    painter.setPen(pen)
    painter.drawLine(QPointF(1, height / 2), QPointF(width - 1, height / 2))
    painter.end()
    return QIcon(pix)


def symbol_icon(rgb, symbol: str, width: int = 24, height: int = 14) -> QIcon:
    """A short line in ``rgb`` with one pyqtgraph marker ``symbol`` on it (a legend entry)."""
    from pyqtgraph.graphicsItems.ScatterPlotItem import drawSymbol

    pix = QPixmap(width, height)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(*rgb), 2))
    painter.drawLine(QPointF(1, height / 2), QPointF(width - 1, height / 2))
    painter.translate(width / 2, height / 2)
    outline = QPen(QColor(255, 255, 255), 1)
    outline.setCosmetic(True)  # drawSymbol scales the painter to the marker's size
    drawSymbol(painter, symbol, height - 4, outline, QColor(*rgb))
    painter.end()
    return QIcon(pix)


def _text_on(rgb) -> QColor:
    """Black or white, whichever reads better on ``rgb``."""
    r, g, b = rgb
    return QColor(0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else QColor(255, 255, 255)


def component_swatch(j: int) -> QTableWidgetItem:
    """A table cell in component ``j``'s colour showing its number (1-based)."""
    rgb = component_color(j)
    swatch = QTableWidgetItem(str(j + 1))
    swatch.setBackground(QColor(*rgb))
    swatch.setForeground(_text_on(rgb))
    swatch.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
    swatch.setToolTip(f"component {j + 1}")
    return swatch


def white_plot(plot: pg.PlotWidget, left: str, bottom: str) -> None:
    """The palette's paper (white, or dark in a dark theme) and ink, the axis titles, no
    SI prefixes (as the LL panel)."""
    from gmm_explorer.qt import theme as themes

    p = plot.plotItem
    p.setLabel("left", left)
    p.setLabel("bottom", bottom)
    p.showGrid(x=True, y=True, alpha=0.2)
    for ax in ("left", "bottom"):
        p.getAxis(ax).enableAutoSIPrefix(False)
    themes.style_plot(plot, themes.current())
    p.hideButtons()


def curve_data(item) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) a pyqtgraph curve or scatter draws, empty arrays when it has none."""
    x, y = item.getData()
    return (np.zeros(0) if x is None else np.asarray(x),
            np.zeros(0) if y is None else np.asarray(y))


def right_item(text: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def fit_height(table: QTableWidget, max_rows: int = 12) -> None:
    """Make ``table`` as tall as its rows (up to ``max_rows``), so no empty area shows."""
    rows = table.rowCount()
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
    height += sum(table.rowHeight(r) for r in range(min(rows, max_rows)))
    if table.horizontalScrollBar().isVisible():
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(height)


def columns_width(table: QTableWidget, max_rows: int = 12) -> int:
    """The width that shows every column of ``table`` whole and nothing beside them (with
    room for the vertical scroll bar when it has more than ``max_rows`` rows)."""
    width = sum(table.columnWidth(c) for c in range(table.columnCount()))
    width += 2 * table.frameWidth()
    if table.rowCount() > max_rows:
        width += table.verticalScrollBar().sizeHint().width()
    return width


def header_table(headers, tips) -> QTableWidget:
    """A :func:`compact_table` with ``headers``, each with its tooltip in ``tips``."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    for j, tip in enumerate(tips):
        table.horizontalHeaderItem(j).setToolTip(tip)
    compact_table(table)
    return table


def compact_table(table: QTableWidget) -> None:
    """Read-only, no selection, no row numbers, columns sized to their contents."""
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setMinimumSectionSize(20)


class SciSpinBox(QDoubleSpinBox):
    """A spin box that shows small numbers as 1e-06 rather than 0.00000100."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            ok = t in ("", ".", "-", "+") or t.lower().endswith(("e", "e-", "e+"))
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        in_range = self.minimum() <= v <= self.maximum()
        return (QValidator.State.Acceptable if in_range else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        # Step by factors of 10 (the natural scale of reg_covar and tol).
        v = self.value()
        if v <= 0:
            self.setValue(self.singleStep() if steps > 0 else 0.0)
        else:
            self.setValue(min(self.maximum(), max(self.minimum(), v * 10.0 ** steps)))


class RunControls(QWidget):
    """Run and Cancel buttons (after optional leading widgets, in one row), a progress bar
    shown while running and a status line: the controls of a background computation."""

    #: None: the user pressed the run button.
    run_requested = Signal()
    #: None: the user pressed Cancel.
    cancel_requested = Signal()

    def __init__(self, run_text: str, *, run_tip: str, cancel_tip: str, progress_tip: str,
                 status_tip: str, leading=(), progress_format: str | None = None,
                 parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        for w in leading:
            row.addWidget(w)
        self.run_button = QPushButton(run_text)
        self.run_button.setToolTip(run_tip)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip(cancel_tip)
        self.cancel_button.setEnabled(False)
        row.addWidget(self.run_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        outer.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setToolTip(progress_tip)
        if progress_format is not None:
            self.progress.setFormat(progress_format)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setStyleSheet(HINT_STYLE)
        mute(self.status)
        self.status.setToolTip(status_tip)
        outer.addWidget(self.status)
        self.run_button.clicked.connect(self.run_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)

    def set_running(self, running: bool) -> None:
        """While running: Cancel enabled, the run button disabled, the progress shown."""
        self.cancel_button.setEnabled(running)
        self.run_button.setEnabled(not running)
        self.progress.setVisible(running)

    def set_progress(self, done: int, total: int, text: str | None = None) -> None:
        """``done`` of ``total``; ``text``, if given, replaces the bar's label."""
        self.progress.setRange(0, max(1, int(total)))
        self.progress.setValue(min(int(done), max(1, int(total))))
        if text is not None:
            self.progress.setFormat(text.replace("%", "%%"))

    def set_status(self, text: str) -> None:
        self.status.setText(text)


class ElidedLabel(QLabel):
    """A one-line plain-text label that, when narrower than its text, ends it with "…"
    rather than cutting it mid-letter; the whole text is its tooltip (the status line,
    beside a busy indicator on a 1280-pixel screen)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.setToolTip(text)

    def shown_text(self) -> str:
        """The text as drawn now (elided to the label's width)."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def minimumSizeHint(self):  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        hint.setWidth(0)
        return hint

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(self.contentsRect(), int(self.alignment()), self.shown_text())
