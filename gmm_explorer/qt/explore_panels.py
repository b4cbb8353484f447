"""Exploration panels: the history timeline, branches, live model selection, the gallery of
local optima, numerical health, the point inspector and agreement with known labels.

Passive views: each builds its widgets, exposes ``set_*`` / ``update_*`` and emits signals
saying what the user asks. None of them computes a model or touches the session; the
window wires them together. They are meant for tabbed dock widgets about 340 px wide.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPen,
    QPixmap,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.engine.em import ComponentDiagnostics
from gmm_explorer.engine.mixture import COVARIANCE_TYPES
from gmm_explorer.engine.selection import SelectionRow
from gmm_explorer.engine.selection import best_row as _best_row
from gmm_explorer.qt.panels import signals_blocked
from gmm_explorer.render import component_color

#: Line styles shared with the log-likelihood panel's branch curves.
LINE_STYLES = {
    "solid": Qt.PenStyle.SolidLine,
    "dash": Qt.PenStyle.DashLine,
    "dot": Qt.PenStyle.DotLine,
    "dashdot": Qt.PenStyle.DashDotLine,
}

#: One colour per covariance type in the selection plot (Okabe-Ito, colour-blind safe).
COVARIANCE_COLORS = {
    "full": (0, 114, 178),        # blue
    "tied": (213, 94, 0),         # vermillion
    "diag": (0, 158, 115),        # bluish green
    "spherical": (204, 121, 167),  # reddish purple
}

_BAD = QColor(255, 196, 196)      # collapsing: a component about to break the fit
_WARN = QColor(255, 222, 173)     # empty: a component that claims (almost) nothing
_MATCH = QColor(200, 236, 222)    # matched class/component pairs
_HINT_STYLE = "color: #444; font-size: 11px;"
_BANNER_STYLE = ("background: #fff1e0; color: #5a2d00; border: 1px solid #e0a060; "
                 "border-radius: 3px; padding: 4px; font-size: 11px;")


# --- small helpers ----------------------------------------------------------------------

def _num(value: float | None, spec: str = ".4f") -> str:
    """Format with a true minus sign; None and non-finite values read as words."""
    if value is None:
        return "—"
    if not np.isfinite(value):
        return "∞" if value > 0 else ("−∞" if value < 0 else "n/a")
    return format(value, spec).replace("-", "−")


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(_HINT_STYLE)
    return label


def _color_icon(rgb, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(*rgb))
    return QIcon(pix)


def _line_icon(rgb, style: str, width: int = 28, height: int = 12) -> QIcon:
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


def _text_on(rgb) -> QColor:
    """Black or white, whichever reads better on ``rgb``."""
    r, g, b = rgb
    return QColor(0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 140 else QColor(255, 255, 255)


def _white_plot(plot: pg.PlotWidget, left: str, bottom: str) -> None:
    """White background, black axis text, no SI prefixes (as the LL panel)."""
    p = plot.plotItem
    p.setLabel("left", left, color="k")
    p.setLabel("bottom", bottom, color="k")
    p.showGrid(x=True, y=True, alpha=0.2)
    for ax in ("left", "bottom"):
        p.getAxis(ax).setTextPen("k")
        p.getAxis(ax).setPen("k")
        p.getAxis(ax).enableAutoSIPrefix(False)
    p.hideButtons()


def _right_item(text: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _fit_height(table: QTableWidget, max_rows: int = 12) -> None:
    """Make ``table`` as tall as its rows (up to ``max_rows``), so no empty area shows."""
    rows = table.rowCount()
    height = table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2
    height += sum(table.rowHeight(r) for r in range(min(rows, max_rows)))
    if table.horizontalScrollBar().isVisible():
        height += table.horizontalScrollBar().sizeHint().height()
    table.setFixedHeight(height)


def _compact_table(table: QTableWidget) -> None:
    table.verticalHeader().setVisible(False)
    table.verticalHeader().setDefaultSectionSize(22)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setMinimumSectionSize(20)


# --- 1. timeline ------------------------------------------------------------------------

class TimelineBar(QWidget):
    """A slider over the iterations of the active branch, with step buttons and a label."""

    #: int: the iteration the user asks to see (emitted continuously while dragging).
    position_requested = Signal(int)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        self.back = QToolButton()
        self.back.setText("◀")
        self.back.setToolTip("Step back one iteration in the history")
        self.back.setAutoRepeat(True)
        self.forward = QToolButton()
        self.forward.setText("▶")
        self.forward.setToolTip("Step forward one iteration in the history")
        self.forward.setAutoRepeat(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setPageStep(10)
        self.slider.setToolTip("Scrub through the iterations of the active branch; change "
                               "something at an earlier iteration and step to start a new "
                               "branch")
        self.label = QLabel()
        self.label.setToolTip("The iteration shown, out of the iterations this branch has")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance(
            "iteration 8888 of 8888"))
        row.addWidget(self.back)
        row.addWidget(self.slider, 1)
        row.addWidget(self.forward)
        row.addWidget(self.label)
        self._branch = ""
        self.slider.valueChanged.connect(self._on_value_changed)
        self.back.clicked.connect(lambda: self._step(-1))
        self.forward.clicked.connect(lambda: self._step(+1))
        self.set_range(0, 0)

    @property
    def position(self) -> int:
        return self.slider.value()

    @property
    def last(self) -> int:
        return self.slider.maximum()

    def set_range(self, last: int, position: int, branch_name: str = "") -> None:
        """Show iterations 0..``last`` with ``position`` current (no signal is emitted).

        While the user holds the handle, the position stays where the user drags it (the
        window's answer to an earlier request must not pull the handle back).
        """
        last = max(0, int(last))
        with signals_blocked(self.slider):
            self.slider.setRange(0, last)
            if not self.slider.isSliderDown():
                self.slider.setValue(min(max(0, int(position)), last))
        self._branch = branch_name
        self.setEnabled(last > 0)
        self._refresh()

    def _step(self, delta: int) -> None:
        # Through the slider, so rapid clicks accumulate and the label follows.
        self.slider.setValue(self.slider.value() + delta)

    def _on_value_changed(self, value: int) -> None:
        self._refresh()
        self.position_requested.emit(value)

    def _refresh(self) -> None:
        pos, last = self.slider.value(), self.slider.maximum()
        text = f"iteration {pos} of {last}"
        if self._branch:
            text += f" · {self._branch}"
        self.label.setText(text)
        self.back.setEnabled(pos > 0)
        self.forward.setEnabled(pos < last)


# --- 2. branches ------------------------------------------------------------------------

@dataclass(frozen=True)
class BranchRow:
    """One branch of the history as the branch list shows it.

    ``style`` is a key of :data:`LINE_STYLES` and ``color`` an RGB triple: the line the
    log-likelihood panel draws for this branch.
    """

    name: str
    n_iterations: int
    final_mean_ll: float | None
    style: str = "solid"
    color: tuple[int, int, int] = (0, 114, 178)

    def __post_init__(self) -> None:
        if self.style not in LINE_STYLES:
            raise ValueError(f"unknown line style {self.style!r}; expected one of "
                             + ", ".join(LINE_STYLES))


_NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class _RenameDelegate(QStyledItemDelegate):
    """Edits only the branch name (not the row's text) and reports it instead of storing it:
    the list changes when the window sends the renamed branches back."""

    #: (row, new name): the user committed an edit.
    committed = Signal(int, str)

    def setEditorData(self, editor, index) -> None:  # noqa: N802 - Qt API
        editor.setText(index.data(_NAME_ROLE) or "")
        editor.selectAll()

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 - Qt API
        self.committed.emit(index.row(), editor.text())


class BranchPanel(QWidget):
    """The branches of the history: select, rename or delete one."""

    #: int: index of the branch the user selected (to make it active).
    branch_selected = Signal(int)
    #: (int, str): index of a branch and its new name (stripped, non-empty, changed).
    branch_renamed = Signal(int, str)
    #: int: index of the branch the user asks to delete.
    branch_delete_requested = Signal(int)

    HELP = ("Scrub back on the timeline, change something (drag a component, lock a "
            "parameter, change reg_covar) and step: EM continues on a new branch; the old "
            "one is kept.")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setIconSize(QSize(28, 12))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setToolTip("Branches of the history; click to switch, double-click or F2 "
                             "to rename. The line matches the log-likelihood plot")
        self._delegate = _RenameDelegate(self.list)
        self.list.setItemDelegate(self._delegate)
        self._delegate.committed.connect(self._on_committed)
        self.list.currentRowChanged.connect(self._on_current_changed)
        # F2 on every platform (the platform edit key is Return on macOS).
        rename_key = QShortcut(QKeySequence(Qt.Key.Key_F2), self.list)
        rename_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        rename_key.activated.connect(self.start_rename)
        outer.addWidget(self.list, 1)

        buttons = QHBoxLayout()
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename the selected branch (F2)")
        self.rename_button.clicked.connect(self.start_rename)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected branch and its iterations (the "
                                      "last branch cannot be deleted)")
        self.delete_button.clicked.connect(self._on_delete)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.help = _hint(self.HELP)
        outer.addWidget(self.help)
        self._names: list[str] = []
        self._active = -1
        self._update_buttons()

    @property
    def active(self) -> int:
        return self._active

    def set_branches(self, rows: Sequence[BranchRow], active: int) -> None:
        """Show ``rows``; ``active`` (an index into them) is bold and selected."""
        rows = list(rows)
        with signals_blocked(self.list):
            if self.list.count() != len(rows):
                # Otherwise items are updated in place, so an open rename editor survives.
                self.list.clear()
                for _ in rows:
                    item = QListWidgetItem()
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    self.list.addItem(item)
            for i, r in enumerate(rows):
                item = self.list.item(i)
                ll = _num(r.final_mean_ll)
                its = f"{r.n_iterations} iteration{'' if r.n_iterations == 1 else 's'}"
                item.setText(f"{r.name} — {its}, LL {ll}")
                item.setData(_NAME_ROLE, r.name)
                item.setIcon(_line_icon(r.color, r.style))
                font = item.font()
                font.setBold(i == active)
                item.setFont(font)
                item.setToolTip(f"branch {r.name}{' (active)' if i == active else ''}: "
                                f"{its}, final mean log-likelihood {ll}")
            self.list.setCurrentRow(active if 0 <= active < len(rows) else -1)
        self._names = [r.name for r in rows]
        self._active = active
        self._update_buttons()

    def start_rename(self) -> None:
        """Open the in-place editor on the selected branch."""
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _update_buttons(self) -> None:
        has = self.list.currentRow() >= 0
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has and self.list.count() > 1)

    def _on_current_changed(self, row: int) -> None:
        self._update_buttons()
        if row >= 0:
            self.branch_selected.emit(row)

    def _on_committed(self, row: int, text: str) -> None:
        name = text.strip()
        if name and 0 <= row < len(self._names) and name != self._names[row]:
            self.branch_renamed.emit(row, name)

    def _on_delete(self) -> None:
        row = self.list.currentRow()
        if row >= 0 and self.list.count() > 1:
            self.branch_delete_requested.emit(row)


# --- 3. model selection -----------------------------------------------------------------

@dataclass(frozen=True)
class SelectionOptions:
    """What the user asks the selection sweep to cover.

    Attributes
    ----------
    k_max : int
        K runs from 1 to ``k_max``.
    n_init : int
        Best of this many initialisations per cell.
    covariance_types : tuple of str
        In the order of ``COVARIANCE_TYPES``; never empty.
    criterion : str
        ``"bic"`` or ``"aic"``: how the best model is marked.
    auto : bool
        Recompute when the data change.
    """

    k_max: int = 8
    n_init: int = 1
    covariance_types: tuple[str, ...] = COVARIANCE_TYPES
    criterion: str = "bic"
    auto: bool = True


class SelectionPanel(QWidget):
    """BIC and AIC against K, one colour per covariance type; click a point to load it."""

    #: None: the user asks for a fresh sweep.
    recompute_requested = Signal()
    #: None: the user asks to stop the running sweep.
    cancel_requested = Signal()
    #: None: an option changed; read them with options().
    options_changed = Signal()
    #: SelectionRow: the model the user clicked, to load into the window.
    model_chosen = Signal(object)

    SYMBOLS: ClassVar[dict[str, str]] = {"bic": "o", "aic": "t1"}
    STYLES: ClassVar[dict[str, Qt.PenStyle]] = {"bic": Qt.PenStyle.SolidLine,
                                                "aic": Qt.PenStyle.DashLine}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        self.k_max = QSpinBox()
        self.k_max.setRange(1, 20)
        self.k_max.setValue(8)
        self.k_max.setToolTip("Fit every K from 1 up to this many components")
        self.n_init = QSpinBox()
        self.n_init.setRange(1, 20)
        self.n_init.setValue(1)
        self.n_init.setToolTip("Best of this many initialisations per cell, like n_init")
        grid.addWidget(QLabel("K up to"), 0, 0)
        grid.addWidget(self.k_max, 0, 1)
        grid.addWidget(QLabel("restarts"), 0, 2)
        grid.addWidget(self.n_init, 0, 3)

        types = QHBoxLayout()
        self.type_boxes: dict[str, QCheckBox] = {}
        type_tips = {"full": "full: any ellipse per component",
                     "tied": "tied: one ellipse shape shared by all components",
                     "diag": "diag: axis-aligned ellipses",
                     "spherical": "spherical: circles"}
        for t in COVARIANCE_TYPES:
            box = QCheckBox(t)
            box.setChecked(True)
            box.setIcon(_color_icon(COVARIANCE_COLORS[t]))
            box.setToolTip(f"Include {type_tips[t]} (at least one type stays on)")
            box.toggled.connect(self._on_types_toggled)
            types.addWidget(box)
            self.type_boxes[t] = box
        types.addStretch(1)
        grid.addLayout(types, 1, 0, 1, 4)

        crit = QHBoxLayout()
        crit.addWidget(QLabel("Best by"))
        self.criterion_group = QButtonGroup(self)
        self.criterion_buttons: dict[str, QToolButton] = {}
        for c, tip in (("bic", ("BIC = −2 log L + p log N: penalises parameters more; "
                                "favours fewer components")),
                       ("aic", "AIC = −2 log L + 2p: penalises parameters less")):
            b = QToolButton()
            b.setText(c.upper())
            b.setCheckable(True)
            b.setToolTip(f"Mark the model with the lowest {c.upper()} as best. {tip}")
            self.criterion_group.addButton(b)
            self.criterion_buttons[c] = b
            crit.addWidget(b)
        self.criterion_buttons["bic"].setChecked(True)
        self.criterion_group.setExclusive(True)
        self.criterion_group.buttonToggled.connect(self._on_criterion_toggled)
        crit.addSpacing(8)
        self.auto = QCheckBox("Auto")
        self.auto.setChecked(True)
        self.auto.setToolTip("Recompute the sweep shortly after the data change")
        crit.addWidget(self.auto)
        crit.addStretch(1)
        grid.addLayout(crit, 2, 0, 1, 4)
        outer.addLayout(grid)

        buttons = QHBoxLayout()
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Fit every K and covariance type selected above "
                                         "and score each by BIC and AIC")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the sweep; the fits done so far stay shown")
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.recompute_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setToolTip("Progress of the sweep")
        self.progress.setTextVisible(True)
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.status_text = QLabel()
        self.status_text.setWordWrap(True)
        self.status_text.setStyleSheet(_HINT_STYLE)
        self.status_text.setToolTip("State of the sweep")
        outer.addWidget(self.status_text)

        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(220)
        _white_plot(self.plot, "criterion (lower is better)", "K")
        self.plot.setToolTip("BIC (solid, circles) and AIC (dashed, triangles) against K; "
                             "click a point to load that model")
        self.plot.plotItem.setMenuEnabled(False)
        self._curves: dict[tuple[str, str], pg.PlotCurveItem] = {}
        self._scatters: dict[tuple[str, str], pg.ScatterPlotItem] = {}
        for t in COVARIANCE_TYPES:
            rgb = COVARIANCE_COLORS[t]
            for c in ("bic", "aic"):
                curve = pg.PlotCurveItem(pen=pg.mkPen(*rgb, width=2, style=self.STYLES[c]))
                scatter = pg.ScatterPlotItem(symbol=self.SYMBOLS[c], size=9,
                                             brush=pg.mkBrush(*rgb), pen=pg.mkPen("w"),
                                             hoverable=True, tip=self._tip)
                scatter.setZValue(5)
                scatter.sigClicked.connect(self._on_points_clicked)
                self.plot.addItem(curve)
                self.plot.addItem(scatter)
                self._curves[(t, c)] = curve
                self._scatters[(t, c)] = scatter
        self._current_ring = pg.ScatterPlotItem(symbol="o", size=17, brush=None,
                                                pen=pg.mkPen("k", width=1.5))
        self._current_ring.setZValue(4)
        self.plot.addItem(self._current_ring)
        self._current_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(90, 90, 90, width=1.5, style=Qt.PenStyle.DashLine),
            label="loaded", labelOpts={"color": (60, 60, 60), "position": 0.95})
        self._current_line.hide()
        self.plot.addItem(self._current_line)
        self._star = pg.ScatterPlotItem(symbol="star", size=26, brush=pg.mkBrush(240, 228, 66),
                                        pen=pg.mkPen("k", width=1.5), hoverable=True,
                                        tip=self._tip)
        self._star.setZValue(10)
        self._star.sigClicked.connect(self._on_points_clicked)
        self.plot.addItem(self._star)
        self.best_label = pg.TextItem("", color=(0, 0, 0), anchor=(0.5, 1.3),
                                      fill=pg.mkBrush(255, 255, 255, 210))
        self.best_label.setZValue(11)
        self.plot.addItem(self.best_label)
        # The legend sits under the plot, where it hides no data.
        self.legend = pg.LegendItem(colCount=3, labelTextColor="k", labelTextSize="8pt")
        self.plot.plotItem.layout.addItem(self.legend, 4, 1)
        self._legend_proxies = []
        for t in COVARIANCE_TYPES:
            proxy = pg.PlotDataItem(pen=pg.mkPen(*COVARIANCE_COLORS[t], width=3))
            self._legend_proxies.append(proxy)
            self.legend.addItem(proxy, t)
        for c in ("bic", "aic"):
            proxy = pg.PlotDataItem(pen=pg.mkPen("k", width=1.5, style=self.STYLES[c]),
                                    symbol=self.SYMBOLS[c], symbolSize=7, symbolBrush="k",
                                    symbolPen=None)
            self._legend_proxies.append(proxy)
            self.legend.addItem(proxy, c.upper())
        outer.addWidget(self.plot, 1)

        self._rows: tuple[SelectionRow, ...] = ()
        self._complete = False
        self._current: tuple[int, str] | None = None
        self.recompute_button.clicked.connect(self.recompute_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self.k_max.valueChanged.connect(self.options_changed)
        self.n_init.valueChanged.connect(self.options_changed)
        self.auto.toggled.connect(self.options_changed)

    # -- options

    def options(self) -> SelectionOptions:
        return SelectionOptions(
            self.k_max.value(), self.n_init.value(),
            tuple(t for t in COVARIANCE_TYPES if self.type_boxes[t].isChecked()),
            self.criterion, self.auto.isChecked())

    def set_options(self, options: SelectionOptions) -> None:
        """Show ``options`` (e.g. restored from settings) without emitting options_changed."""
        boxes = list(self.type_boxes.values())
        with signals_blocked(self.k_max, self.n_init, self.auto, self.criterion_group, *boxes):
            self.k_max.setValue(options.k_max)
            self.n_init.setValue(options.n_init)
            types = options.covariance_types or COVARIANCE_TYPES
            for t, box in self.type_boxes.items():
                box.setChecked(t in types)
            self.criterion_buttons[options.criterion].setChecked(True)
            self.auto.setChecked(options.auto)
        self._lock_last_type()
        self._redraw()

    @property
    def criterion(self) -> str:
        return "aic" if self.criterion_buttons["aic"].isChecked() else "bic"

    def _on_types_toggled(self) -> None:
        self._lock_last_type()
        self.options_changed.emit()

    def _lock_last_type(self) -> None:
        # The sweep needs at least one covariance type: the last one on cannot be unticked.
        on = [b for b in self.type_boxes.values() if b.isChecked()]
        for b in self.type_boxes.values():
            b.setEnabled(not (len(on) == 1 and b.isChecked()))

    def _on_criterion_toggled(self, _button, checked: bool) -> None:
        if checked:
            self._redraw()
            self.options_changed.emit()

    # -- state from the window

    def set_rows(self, rows: Sequence[SelectionRow], complete: bool) -> None:
        """Show the fits done so far; ``complete`` when the sweep has finished."""
        self._rows = tuple(rows)
        self._complete = bool(complete)
        if complete:
            failed = sum(r.result is None for r in self._rows)
            text = f"{len(self._rows)} fit{'' if len(self._rows) == 1 else 's'}"
            if failed:
                text += f", {failed} failed (hover the plot for why)"
            self.set_status(text)
        self._redraw()

    def clear(self) -> None:
        self._rows = ()
        self._complete = False
        self.set_status("")
        self._redraw()

    def set_progress(self, done: int, total: int, text: str = "") -> None:
        """``text`` describes the fit in hand, e.g. ``"fitting K=3 full"``; the counts are
        appended."""
        self.progress.setRange(0, max(1, int(total)))
        self.progress.setValue(min(int(done), max(1, int(total))))
        label = f"{text} ({done}/{total})" if text else f"{done}/{total}"
        self.progress.setFormat(label.replace("%", "%%"))
        self.set_status(f"{done} of {total} fits")

    def set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.recompute_button.setEnabled(not running)
        self.progress.setVisible(running)

    def set_status(self, text: str) -> None:
        self.status_text.setText(text)

    def set_current(self, k: int | None, covariance_type: str | None = None) -> None:
        """Mark the model loaded in the window (None: none)."""
        self._current = None if k is None else (int(k), covariance_type)
        self._redraw()

    def rows(self) -> tuple[SelectionRow, ...]:
        return self._rows

    def best_row(self) -> SelectionRow | None:
        """The row with the lowest selected criterion among successful fits."""
        return _best_row(self._rows, self.criterion)

    # -- drawing

    @staticmethod
    def _tip(x, y, data) -> str:
        r = data
        if not isinstance(r, SelectionRow):
            return ""
        return (f"K={r.n_components} {r.covariance_type}\nBIC {_num(r.bic, '.1f')}\n"
                f"AIC {_num(r.aic, '.1f')}\nclick to load this model")

    def _redraw(self) -> None:
        crit = self.criterion
        for (t, c), scatter in self._scatters.items():
            rows = [r for r in self._rows if r.covariance_type == t and r.result is not None
                    and np.isfinite(getattr(r, c))]
            rows.sort(key=lambda r: r.n_components)
            x = np.array([r.n_components for r in rows], dtype=float)
            y = np.array([getattr(r, c) for r in rows], dtype=float)
            # The criterion that picks the best is drawn strong, the other faint.
            alpha = 255 if c == crit else 110
            rgb = COVARIANCE_COLORS[t]
            self._curves[(t, c)].setPen(pg.mkPen(*rgb, alpha, width=2 if c == crit else 1.5,
                                                 style=self.STYLES[c]))
            self._curves[(t, c)].setData(x, y)
            scatter.setData(x=x, y=y, data=rows, brush=pg.mkBrush(*rgb, alpha),
                            pen=pg.mkPen(255, 255, 255, alpha))
        best = self.best_row()
        if best is None:
            self._star.setData([], [])
            self.best_label.setText("")
            self.best_label.hide()
        else:
            v = float(getattr(best, crit))
            self._star.setData(x=[best.n_components], y=[v], data=[best])
            prefix = "best" if self._complete else "best so far"
            self.best_label.setText(f"{prefix}: K={best.n_components} {best.covariance_type}")
            self.best_label.setPos(best.n_components, v)
            self.best_label.show()
        if self._current is None:
            self._current_line.hide()
            self._current_ring.setData([], [])
        else:
            k, t = self._current
            # The label only re-renders while visible: show first.
            self._current_line.show()
            self._current_line.setValue(k)
            self._current_line.label.setFormat(f"loaded: K={k}" + (f" {t}" if t else ""))
            match = [r for r in self._rows if r.n_components == k and r.covariance_type == t
                     and r.result is not None and np.isfinite(getattr(r, crit))]
            if match:
                self._current_ring.setData([k], [float(getattr(match[0], crit))])
            else:
                self._current_ring.setData([], [])
        k_hi = max([r.n_components for r in self._rows] + [self.k_max.value(), 2])
        self.plot.plotItem.getAxis("bottom").setTickSpacing(major=1 if k_hi <= 10 else 2,
                                                            minor=1)
        self.plot.plotItem.setXRange(0.5, k_hi + 0.5, padding=0)

    def _on_points_clicked(self, _item, points, _ev) -> None:
        if len(points):
            row = points[0].data()
            if isinstance(row, SelectionRow):
                self.model_chosen.emit(row)


# --- 4. gallery of local optima ---------------------------------------------------------

@dataclass(frozen=True, eq=False)
class GalleryItem:
    """One distinct local optimum found by repeated restarts.

    Attributes
    ----------
    image : QImage
        A thumbnail of the fit (about 150 x 112).
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
    """Thumbnails of the distinct optima that many restarts of EM end in, best first."""

    #: int: the number of restarts the user asks to run.
    run_requested = Signal(int)
    #: None: the user asks to stop the restarts.
    cancel_requested = Signal()
    #: int: index (into the items given to set_optima) of the optimum to load.
    optimum_chosen = Signal(int)

    THUMB = QSize(150, 112)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 6, 4, 6)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("restarts"))
        self.restarts = QSpinBox()
        self.restarts.setRange(2, 200)
        self.restarts.setValue(20)
        self.restarts.setToolTip("Run EM to convergence from this many random "
                                 "initialisations and group the results that agree")
        controls.addWidget(self.restarts)
        self.find_button = QPushButton("Find")
        self.find_button.setToolTip("Find the distinct local optima EM ends in")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop; the optima found so far stay shown")
        self.cancel_button.setEnabled(False)
        controls.addWidget(self.find_button)
        controls.addWidget(self.cancel_button)
        controls.addStretch(1)
        outer.addLayout(controls)
        self.progress = QProgressBar()
        self.progress.setToolTip("Restarts done")
        self.progress.setFormat("%v/%m restarts")
        self.progress.setVisible(False)
        outer.addWidget(self.progress)
        self.status_text = QLabel()
        self.status_text.setStyleSheet(_HINT_STYLE)
        self.status_text.setWordWrap(True)
        self.status_text.setToolTip("How many distinct optima the restarts found")
        outer.addWidget(self.status_text)

        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(self.THUMB)
        self.list.setGridSize(QSize(self.THUMB.width() + 4, self.THUMB.height() + 40))
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
        outer.addWidget(_hint("EM climbs to the nearest peak of the likelihood, so different "
                              "starts can end in different fits. How often each one is "
                              "reached shows how much the start matters."))

        self._items: tuple[GalleryItem, ...] = ()
        self._current: int | None = None
        self._last_choice: tuple[int, float] = (-1, 0.0)
        self.find_button.clicked.connect(lambda: self.run_requested.emit(self.n_restarts()))
        self.cancel_button.clicked.connect(self.cancel_requested)

    def n_restarts(self) -> int:
        return self.restarts.value()

    def set_optima(self, items: Sequence[GalleryItem]) -> None:
        """Show ``items`` (best first) as thumbnails."""
        self._items = tuple(items)
        with signals_blocked(self.list):
            self.list.clear()
            for i, it in enumerate(self._items, start=1):
                text = (f"#{i} · mean LL {_num(it.mean_log_likelihood)}\n"
                        f"{it.count}/{it.total} restarts")
                item = QListWidgetItem(QIcon(QPixmap.fromImage(it.image)), text)
                item.setToolTip(it.tooltip or text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.list.addItem(item)
        if self._items:
            total = self._items[0].total
            n = len(self._items)
            text = f"{n} distinct optim{'um' if n == 1 else 'a'} from {total} restarts"
            failed = total - sum(it.count for it in self._items)
            if failed > 0:
                text += f" ({failed} failed)"
            self.status_text.setText(text)
        else:
            self.status_text.setText("")
        self._show_current()

    def set_current(self, index: int | None) -> None:
        """Highlight the optimum loaded in the window (None: none of them)."""
        self._current = index
        self._show_current()

    def set_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(1, int(total)))
        self.progress.setValue(min(int(done), max(1, int(total))))

    def set_running(self, running: bool) -> None:
        self.cancel_button.setEnabled(running)
        self.find_button.setEnabled(not running)
        self.restarts.setEnabled(not running)
        self.progress.setVisible(running)

    def set_status(self, text: str) -> None:
        self.status_text.setText(text)

    def clear(self) -> None:
        self._current = None
        self.set_optima(())

    def _show_current(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            loaded = i == self._current
            # Background only: bold text would no longer fit under the thumbnail.
            item.setBackground(QBrush(_MATCH) if loaded else QBrush())
            base = self._items[i].tooltip or item.text()
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


# --- 5. numerical health ----------------------------------------------------------------

class HealthPanel(QWidget):
    """Per component: weight, points, covariance eigenvalues and condition; fixes for
    collapsing or empty components.

    Each component takes two table rows, so the panel fits a narrow dock: its numbers,
    then its status with the Re-seed and Remove buttons.
    """

    #: int: the component the user asks to move to the worst-explained points.
    reseed_requested = Signal(int)
    #: int: the component the user asks to remove.
    remove_requested = Signal(int)
    #: None: the user asks for reg_covar × 10.
    raise_reg_covar_requested = Signal()

    HEADERS = ("", "weight", "n_k", "λ₁", "λ₂", "cond.")
    TIPS = ("component colour and number", "mixing weight",
            "points the component claims (sum of its responsibilities)",
            "λ₁: larger eigenvalue of the covariance (variance along the major axis)",
            "λ₂: smaller eigenvalue of the covariance (variance along the minor axis)",
            "condition number λ₁ / λ₂; huge means the ellipse has flattened onto a line")
    RESEED_COL, REMOVE_COL = 4, 5

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel("no model yet")
        self.summary.setToolTip("Numerical health of the components")
        outer.addWidget(self.summary)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        for j, tip in enumerate(self.TIPS):
            self.table.horizontalHeaderItem(j).setToolTip(tip)
        _compact_table(self.table)
        self.table.verticalHeader().setDefaultSectionSize(24)
        for col in range(1, len(self.HEADERS)):
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Numerical health of each component at the current iteration: "
                              "its numbers, then its status and fixes")
        outer.addWidget(self.table)

        reg = QHBoxLayout()
        self.reg_label = QLabel()
        self.reg_label.setToolTip("reg_covar: added to the diagonal of every covariance "
                                  "after each M-step")
        self.raise_button = QPushButton("Raise reg_covar ×10")
        self.raise_button.setToolTip("Multiply reg_covar by 10: every covariance gets a "
                                     "larger floor, so no component can become singular "
                                     "(ellipses cannot get thinner than about √reg_covar)")
        self.raise_button.clicked.connect(self.raise_reg_covar_requested)
        reg.addWidget(self.reg_label)
        reg.addStretch(1)
        reg.addWidget(self.raise_button)
        outer.addLayout(reg)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(_BANNER_STYLE)
        self.banner.setToolTip("What the warning means and what each fix does")
        self.banner.setVisible(False)
        outer.addWidget(self.banner)
        outer.addStretch(1)
        self._diagnostics: tuple[ComponentDiagnostics, ...] = ()
        self.update_diagnostics(None, 1e-6)

    @property
    def warning_visible(self) -> bool:
        return not self.banner.isHidden()

    def n_components(self) -> int:
        """Components shown (0 before a model exists)."""
        return len(self._diagnostics)

    def update_diagnostics(self, diagnostics: Sequence[ComponentDiagnostics] | None,
                           reg_covar: float) -> None:
        """Show one entry per component; None: no model yet."""
        self.reg_label.setText(f"reg_covar = {_num(reg_covar, 'g')}")
        diags = () if diagnostics is None else tuple(diagnostics)
        self._diagnostics = diags
        k = len(diags)
        if self.table.rowCount() != 2 * k:
            self._build_rows(k)
        for j, d in enumerate(diags):
            lam1, lam2 = d.eigenvalues
            n_k = (f"{d.n_effective:,.0f}" if d.n_effective >= 1000 else
                   _num(d.n_effective, ".1f"))
            values = [_num(d.weight, ".3f"), n_k, _num(lam1, ".3g"), _num(lam2, ".3g"),
                      _num(d.condition_number, ".3g")]
            for col, text in enumerate(values, start=1):
                self.table.item(2 * j, col).setText(text)
            status = self.table.item(2 * j + 1, 1)
            ok = d.status == "ok"
            status.setText(d.status if ok else f"⚠ {d.status}")
            status.setBackground(QBrush() if ok else
                                 QBrush(_BAD if d.status == "collapsing" else _WARN))
            status.setToolTip(self._status_tip(j, d))
            self.remove_button(j).setEnabled(k > 1)
        _fit_height(self.table)
        bad = [(j, d) for j, d in enumerate(diags) if d.status != "ok"]
        if diagnostics is None:
            self.summary.setText("no model yet")
        elif not bad:
            self.summary.setText(f"{k} component{'' if k == 1 else 's'}, all ok")
        else:
            self.summary.setText(f"{len(bad)} of {k} components need attention")
        self.banner.setText(self._banner_text(bad) if bad else "")
        self.banner.setVisible(bool(bad))

    def status_text(self, component: int) -> str:
        return self.table.item(2 * component + 1, 1).text()

    def value_text(self, component: int, column: int) -> str:
        """Text of ``column`` (a position in HEADERS) for ``component``."""
        return self.table.item(2 * component, column).text()

    def reseed_button(self, component: int) -> QToolButton:
        return self.table.cellWidget(2 * component + 1, self.RESEED_COL)

    def remove_button(self, component: int) -> QToolButton:
        return self.table.cellWidget(2 * component + 1, self.REMOVE_COL)

    def _build_rows(self, k: int) -> None:
        self.table.clearSpans()
        self.table.setRowCount(0)
        self.table.setRowCount(2 * k)
        for j in range(k):
            top, bottom = 2 * j, 2 * j + 1
            rgb = component_color(j)
            swatch = QTableWidgetItem(str(j + 1))
            swatch.setBackground(QColor(*rgb))
            swatch.setForeground(_text_on(rgb))
            swatch.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
            swatch.setToolTip(f"component {j + 1}")
            self.table.setItem(top, 0, swatch)
            self.table.setSpan(top, 0, 2, 1)
            for col in range(1, len(self.HEADERS)):
                self.table.setItem(top, col, _right_item())
            status = QTableWidgetItem()
            status.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(bottom, 1, status)
            self.table.setSpan(bottom, 1, 1, 3)
            for col, text, tip, signal in (
                    (self.RESEED_COL, "Re-seed",
                     (f"Move component {j + 1} to the worst-explained points (those the "
                      "model finds least likely)"), self.reseed_requested),
                    (self.REMOVE_COL, "Remove", f"Remove component {j + 1} (K − 1)",
                     self.remove_requested)):
                b = QToolButton()
                b.setText(text)
                b.setToolTip(tip)
                b.clicked.connect(lambda _=False, j=j, s=signal: s.emit(j))
                self.table.setCellWidget(bottom, col, b)

    @staticmethod
    def _status_tip(j: int, d: ComponentDiagnostics) -> str:
        if d.status == "collapsing":
            return (f"component {j + 1} is collapsing: its ellipse is shrinking onto a point "
                    f"or a line (condition number {_num(d.condition_number, '.3g')})")
        if d.status == "empty":
            return (f"component {j + 1} is empty: it claims {_num(d.n_effective, '.3g')} "
                    "points")
        return f"component {j + 1} is healthy"

    @staticmethod
    def _banner_text(bad) -> str:
        names = ", ".join(f"{j + 1} ({d.status})" for j, d in bad)
        return (f"⚠ Component{'s' if len(bad) > 1 else ''} {names}. A component that "
                "shrinks onto a single point or onto a line gets a covariance with a zero "
                "variance in some direction: the matrix is singular, its density grows "
                "without bound and the log-likelihood runs off to infinity. scikit-learn "
                "stops at this point with “ill-defined empirical covariance”. An empty "
                "component claims almost no points and does nothing. Fixes: Re-seed moves "
                "the component to the points the model explains worst; Remove drops it "
                "(K − 1); Raise reg_covar adds more to every covariance diagonal, so no "
                "ellipse can become that thin.")


# --- 6. point inspector -----------------------------------------------------------------

class _BarDelegate(QStyledItemDelegate):
    """Paints a horizontal bar of length ``UserRole`` (0..1) in the ``UserRole + 1`` colour."""

    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        style = opt.widget.style() if opt.widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter,
                            opt.widget)
        frac = index.data(Qt.ItemDataRole.UserRole)
        rgb = index.data(Qt.ItemDataRole.UserRole + 1)
        if frac is None or rgb is None:
            return
        r = option.rect.adjusted(3, 5, -3, -5)
        painter.save()
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(r)
        w = round(r.width() * min(max(float(frac), 0.0), 1.0))
        if w > 0:
            painter.fillRect(r.x(), r.y(), w, r.height(), QColor(*rgb))
        painter.restore()


class InspectorPanel(QWidget):
    """The hovered or pinned point: its density and what each component makes of it."""

    #: None: the user asks to unpin the point.
    unpin_requested = Signal()

    HEADERS = ("", "resp.", "responsibility", "Mahal.", "log pₖ")
    TIPS = ("component colour and number",
            "responsibility: probability that the point came from this component",
            "responsibility as a bar",
            ("Mahalanobis distance from the component mean (in standard deviations along "
             "the ellipse)"),
            "log-density of the point under this component alone (without its weight)")
    DEFAULT_MESSAGE = "Hover over a point to inspect it; in Inspect mode (T) click to pin it."

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.message = _hint(self.DEFAULT_MESSAGE)
        outer.addWidget(self.message)
        self.title = QLabel()
        bold = self.title.font()
        bold.setBold(True)
        self.title.setFont(bold)
        self.title.setToolTip("Index of the point in the data and its coordinates")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.density = QLabel()
        self.density.setToolTip("log p(x): log-density of the whole mixture at the point")
        outer.addWidget(self.title)
        outer.addWidget(self.density)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        for j, tip in enumerate(self.TIPS):
            self.table.horizontalHeaderItem(j).setToolTip(tip)
        _compact_table(self.table)
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(2, _BarDelegate(self.table))
        self.table.setToolTip("Per component: responsibility, Mahalanobis distance and "
                              "log-density at the point")
        outer.addWidget(self.table)

        self.pinned_box = QWidget()
        pin = QVBoxLayout(self.pinned_box)
        pin.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(140)
        self.plot.setMaximumHeight(220)
        _white_plot(self.plot, "responsibility", "iteration")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.setYRange(0, 1, padding=0.04)
        self.plot.plotItem.vb.setMouseEnabled(x=True, y=False)
        self.plot.setToolTip("Responsibility of each component for the pinned point at "
                             "every iteration of the active branch")
        self._lines: list[pg.PlotDataItem] = []
        self._marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(60, 60, 60, width=1.5,
                                                              style=Qt.PenStyle.DashLine))
        self._marker.hide()
        self.plot.addItem(self._marker)
        pin.addWidget(self.plot)
        row = QHBoxLayout()
        row.addStretch(1)
        self.unpin_button = QPushButton("Unpin")
        self.unpin_button.setToolTip("Stop following this point; hovering inspects again")
        self.unpin_button.clicked.connect(self.unpin_requested)
        row.addWidget(self.unpin_button)
        pin.addLayout(row)
        outer.addWidget(self.pinned_box)
        outer.addStretch(1)
        self.pinned = False
        self.clear()

    def set_point(self, index: int, xy: tuple[float, float], log_density: float,
                  responsibilities, mahalanobis, component_log_density,
                  pinned: bool) -> None:
        resp = np.asarray(responsibilities, dtype=float)
        maha = np.asarray(mahalanobis, dtype=float)
        logc = np.asarray(component_log_density, dtype=float)
        k = resp.shape[0]
        self.message.hide()
        self.title.setText(f"Point #{index}  ({_num(xy[0], '.4g')}, {_num(xy[1], '.4g')})"
                           + ("  · pinned" if pinned else ""))
        self.density.setText(f"log p(x) = {_num(log_density, '.4f')}")
        self.title.show()
        self.density.show()
        self.table.show()
        if self.table.rowCount() != k:
            self.table.setRowCount(k)
            for j in range(k):
                rgb = component_color(j)
                swatch = QTableWidgetItem(str(j + 1))
                swatch.setBackground(QColor(*rgb))
                swatch.setForeground(_text_on(rgb))
                swatch.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                swatch.setToolTip(f"component {j + 1}")
                self.table.setItem(j, 0, swatch)
                self.table.setItem(j, 1, _right_item())
                bar = QTableWidgetItem()
                bar.setData(Qt.ItemDataRole.UserRole + 1, rgb)
                self.table.setItem(j, 2, bar)
                self.table.setItem(j, 3, _right_item())
                self.table.setItem(j, 4, _right_item())
            _fit_height(self.table)
        for j in range(k):
            self.table.item(j, 1).setText(_num(resp[j], ".3f"))
            bar = self.table.item(j, 2)
            bar.setData(Qt.ItemDataRole.UserRole, float(resp[j]))
            bar.setToolTip(f"component {j + 1}: responsibility {resp[j]:.4f}")
            self.table.item(j, 3).setText(_num(maha[j], ".3g"))
            self.table.item(j, 4).setText(_num(logc[j], ".3f"))
        self.pinned = bool(pinned)
        self.pinned_box.setVisible(self.pinned)

    def clear(self, message: str = DEFAULT_MESSAGE) -> None:
        self.message.setText(message)
        self.message.show()
        for w in (self.title, self.density, self.table, self.pinned_box):
            w.hide()
        self.table.setRowCount(0)
        self.pinned = False
        self.clear_trajectory()

    def set_trajectory(self, iterations, resp, current_iteration: int | None) -> None:
        """``iterations`` (T,) and ``resp`` (T, K): the pinned point's responsibilities."""
        it = np.asarray(iterations, dtype=float)
        r = np.asarray(resp, dtype=float).reshape(it.shape[0], -1)
        k = r.shape[1]
        while len(self._lines) < k:
            j = len(self._lines)
            line = self.plot.plot([], [], pen=pg.mkPen(*component_color(j), width=2))
            self._lines.append(line)
        for j, line in enumerate(self._lines):
            if j < k:
                line.setData(it, r[:, j])
                line.show()
            else:
                line.setData([], [])
                line.hide()
        if current_iteration is None:
            self._marker.hide()
        else:
            self._marker.setValue(current_iteration)
            self._marker.show()
        if it.size:
            self.plot.setXRange(float(it.min()), max(float(it.max()), float(it.min()) + 1),
                                padding=0.02)

    def clear_trajectory(self) -> None:
        for line in self._lines:
            line.setData([], [])
        self._marker.hide()

    def responsibility_text(self, component: int) -> str:
        item = self.table.item(component, 1)
        return "" if item is None else item.text()


# --- 7. ground truth --------------------------------------------------------------------

class GroundTruthPanel(QWidget):
    """How well the fitted components agree with known class labels."""

    #: bool: whether the canvas should draw the known labels as marker shapes.
    shapes_toggled = Signal(bool)

    ARI_TIP = ("Adjusted Rand index: how often the clustering and the labels agree on "
               "whether two points belong together, corrected for chance. 1 = identical "
               "clusterings (up to renaming), about 0 = no better than chance, below 0 = "
               "worse than chance.")
    ACCURACY_TIP = ("Matched accuracy: the share of points whose component is paired with "
                    "their true class, under the one-to-one pairing of components and "
                    "classes that makes this share largest (Hungarian matching).")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.message = _hint("")
        outer.addWidget(self.message)
        numbers = QHBoxLayout()
        self.ari = QLabel("—")
        big = QFont(self.ari.font())
        big.setPointSizeF(max(big.pointSizeF(), 9.0) * 2.2)
        big.setBold(True)
        self.ari.setFont(big)
        self.ari.setToolTip(self.ARI_TIP)
        ari_caption = QLabel("ARI")
        ari_caption.setToolTip(self.ARI_TIP)
        self.accuracy = QLabel("—")
        self.accuracy.setToolTip(self.ACCURACY_TIP)
        numbers.addWidget(ari_caption)
        numbers.addWidget(self.ari)
        numbers.addSpacing(12)
        numbers.addWidget(self.accuracy)
        numbers.addStretch(1)
        outer.addLayout(numbers)
        self.caption = _hint("")
        outer.addWidget(self.caption)
        self.table = QTableWidget(0, 0)
        _compact_table(self.table)
        self.table.verticalHeader().setVisible(True)
        self.table.setToolTip("Confusion table: points of each true class (rows) claimed by "
                              "each fitted component (columns); matched pairs highlighted")
        self.table.setIconSize(QSize(10, 10))
        outer.addWidget(self.table)
        self.shapes = QCheckBox("Show labels as marker shapes")
        self.shapes.setChecked(True)
        self.shapes.setToolTip("Draw each point with a marker shape for its true class, so "
                               "colours (fit) and shapes (truth) can be compared")
        self.shapes.toggled.connect(self.shapes_toggled)
        outer.addWidget(self.shapes)
        outer.addStretch(1)
        self.clear("No labels.")

    def set_agreement(self, ari: float, accuracy: float, classes: Sequence[str],
                      table, component_order: Sequence[int], label_name: str) -> None:
        """``table``: (n_classes, n_cols) counts, columns already in ``component_order``
        (0-based component indices, matched ones first, in class order)."""
        counts = np.asarray(table)
        classes = [str(c) for c in classes]
        order = [int(c) for c in component_order]
        n_rows, n_cols = counts.shape
        self.message.hide()
        self.ari.setText(_num(ari, ".3f"))
        self.accuracy.setText(f"matched accuracy {_num(100.0 * accuracy, '.1f')} %")
        self.caption.setText(f"rows: {label_name} (true) · columns: fitted components")
        self.caption.show()
        self.table.show()
        self.shapes.setEnabled(True)
        self.table.clear()
        self.table.setRowCount(n_rows)
        self.table.setColumnCount(n_cols)
        self.table.setVerticalHeaderLabels(classes)
        n_matched = min(n_rows, n_cols)
        for c, comp in enumerate(order[:n_cols]):
            head = QTableWidgetItem(_color_icon(component_color(comp), 10), str(comp + 1))
            head.setToolTip(f"component {comp + 1}"
                            + (f", matched to {classes[c]}" if c < n_matched else
                               ", matched to no class"))
            self.table.setHorizontalHeaderItem(c, head)
        for i in range(n_rows):
            row_total = counts[i].sum()
            for c in range(n_cols):
                v = counts[i, c]
                item = _right_item(f"{v:,.0f}" if float(v).is_integer() else _num(v, ".3g"))
                if v == 0:
                    item.setForeground(QColor(160, 160, 160))
                comp = order[c] + 1 if c < len(order) else c + 1
                share = f" ({100.0 * v / row_total:.0f}% of the class)" if row_total else ""
                item.setToolTip(f"{classes[i]} points claimed by component {comp}: "
                                f"{v:,.0f}{share}")
                if i == c and c < n_matched:
                    item.setBackground(_MATCH)
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, c, item)
        _fit_height(self.table)

    def clear(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()
        self.ari.setText("—")
        self.accuracy.setText("")
        self.caption.hide()
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)
        self.table.hide()
        self.shapes.setEnabled(False)

    def set_shapes_checked(self, on: bool) -> None:
        with signals_blocked(self.shapes):
            self.shapes.setChecked(on)

    def cell_text(self, row: int, col: int) -> str:
        item = self.table.item(row, col)
        return "" if item is None else item.text()


__all__ = [
    "COVARIANCE_COLORS", "LINE_STYLES", "BranchPanel", "BranchRow", "GalleryItem",
    "GalleryPanel", "GroundTruthPanel", "HealthPanel", "InspectorPanel", "SelectionOptions",
    "SelectionPanel", "TimelineBar",
]
