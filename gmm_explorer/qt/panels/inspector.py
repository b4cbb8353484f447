"""The point inspector: the hovered or pinned point's density and what each component
makes of it, the pinned point's responsibilities over the iterations and its E-step with
numbers (:mod:`.e_step_terms`)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.drawing import component_color
from gmm_explorer.qt.panels.e_step_terms import EStepTermsView
from gmm_explorer.qt.panels.widgets import (
    component_swatch,
    curve_data,
    fit_height,
    format_number,
    header_table,
    hint_label,
    right_item,
    white_plot,
)


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

    HEADERS = ("", "resp.", "responsibility", "Mahal.", "log 𝒩ₖ")
    TIPS = ("component colour and number",
            "responsibility: probability that the point came from this component",
            "responsibility as a bar",
            ("Mahalanobis distance from the component mean (in standard deviations along "
             "the ellipse)"),
            ("log 𝒩ₖ = log 𝒩(x | μₖ, Σₖ): the log of the component's Gaussian density at "
             "the point, without its weight"))
    DEFAULT_MESSAGE = "Hover over a point to inspect it; in Inspect mode (T) click to pin it."

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        # The pinned point's E-step makes the panel tall: it scrolls rather than squeeze.
        shell = QVBoxLayout(self)
        shell.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        self.scroll.setWidget(body)
        shell.addWidget(self.scroll)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(6, 6, 6, 6)
        self.message = hint_label(self.DEFAULT_MESSAGE)
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
        self.table = header_table(self.HEADERS, self.TIPS)
        self.table.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.Stretch)
        self.table.setItemDelegateForColumn(2, _BarDelegate(self.table))
        self.table.setToolTip("Per component: responsibility, Mahalanobis distance and "
                              "log Gaussian density at the point")
        outer.addWidget(self.table)

        self.pinned_box = QWidget()
        pin = QVBoxLayout(self.pinned_box)
        pin.setContentsMargins(0, 0, 0, 0)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumHeight(140)
        self.plot.setMaximumHeight(220)
        # The axis is as short as the chart is low: a short name, the full one on hover.
        white_plot(self.plot, "rₖ", "iteration")
        self.plot.getPlotItem().getAxis("left").setToolTip(
            "rₖ: the responsibility of component k for the pinned point")
        self.plot.plotItem.setMenuEnabled(False)
        self.plot.setYRange(0, 1, padding=0.04)
        self.plot.plotItem.vb.setMouseEnabled(x=True, y=False)
        self.plot.setToolTip("Responsibility rₖ of each component for the pinned point at "
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
        # The chart under the table it follows over time, the long E-step below: the
        # chart then shows whole in a pane 720 pixels tall, without scrolling.
        outer.addWidget(self.pinned_box)
        #: The pinned point's E-step with numbers (shown by :meth:`set_e_step`).
        self.e_step = EStepTermsView()
        outer.addWidget(self.e_step)
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
        self.title.setText(f"Point #{index}  ({format_number(xy[0], '.4g')}, {format_number(xy[1], '.4g')})"
                           + ("  · pinned" if pinned else ""))
        self.density.setText(f"log p(x) = {format_number(log_density, '.4f')}")
        self.title.show()
        self.density.show()
        self.table.show()
        if self.table.rowCount() != k:
            self.table.setRowCount(k)
            for j in range(k):
                self.table.setItem(j, 0, component_swatch(j))
                self.table.setItem(j, 1, right_item())
                bar = QTableWidgetItem()
                bar.setData(Qt.ItemDataRole.UserRole + 1, component_color(j))
                self.table.setItem(j, 2, bar)
                self.table.setItem(j, 3, right_item())
                self.table.setItem(j, 4, right_item())
            fit_height(self.table)
        for j in range(k):
            self.table.item(j, 1).setText(format_number(resp[j], ".3f"))
            bar = self.table.item(j, 2)
            bar.setData(Qt.ItemDataRole.UserRole, float(resp[j]))
            bar.setToolTip(f"component {j + 1}: responsibility {resp[j]:.4f}")
            self.table.item(j, 3).setText(format_number(maha[j], ".3g"))
            self.table.item(j, 4).setText(format_number(logc[j], ".3f"))
        self.pinned = bool(pinned)
        self.pinned_box.setVisible(self.pinned)

    def clear(self, message: str = DEFAULT_MESSAGE) -> None:
        self.message.setText(message)
        self.message.show()
        for w in (self.title, self.density, self.table, self.pinned_box):
            w.hide()
        self.table.setRowCount(0)
        self.pinned = False
        self.clear_e_step()
        self.clear_trajectory()

    def set_e_step(self, terms) -> None:
        """Show the pinned point's E-step, term by term (an
        :class:`~gmm_explorer.engine.explain.EStepTerms`)."""
        self.e_step.set_terms(terms)

    def clear_e_step(self) -> None:
        self.e_step.clear()

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

    def trajectories(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(iterations, responsibilities) of each component's line shown, component order."""
        return [curve_data(line) for line in self._lines if line.isVisible()]

    def trajectory_color(self, component: int) -> QColor:
        return self._lines[component].opts["pen"].color()

    def iteration_marker(self) -> float | None:
        """The iteration the dashed marker shows, or None when hidden."""
        return float(self._marker.value()) if self._marker.isVisible() else None

    def responsibility_text(self, component: int) -> str:
        item = self.table.item(component, 1)
        return "" if item is None else item.text()
