"""The out-of-core window: a ``.npy`` file too large for the window to hold, shown as
the density of its points and fitted by EM over its blocks, one pass over the file per
iteration.

A passive view: its controller (:mod:`gmm_explorer.qt.controllers.out_of_core`) reads
the file in the background and hands it pictures, mixtures and lines to show.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.drawing import PALETTE
from gmm_explorer.engine.density import ellipse
from gmm_explorer.qt.panels.model_glyphs import ModelCombo
from gmm_explorer.qt.panels.widgets import RunControls, keep_on_screen

#: The ellipses drawn for each component: 1, 2 and 3 standard deviations.
SIGMAS = (1.0, 2.0, 3.0)


class OutOfCoreWindow(QWidget):
    """A top-level window; passive: :meth:`set_about`, :meth:`set_density`,
    :meth:`set_mixture`, :meth:`set_columns`, :meth:`set_result`, and its
    :attr:`controls` for progress, status and Fit/Cancel."""

    #: None: the user asked to save the fitted parameters.
    save_requested = Signal()
    #: None: the user chose other columns.
    columns_changed = Signal()
    #: None: the window is closing.
    closing = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle(f"{title} — out of core — GMM Explorer")
        self.resize(900, 760)
        layout = QVBoxLayout(self)
        self.about = QLabel()
        self.about.setWordWrap(True)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.about)
        self.k = QSpinBox()
        self.k.setRange(1, 30)
        self.k.setValue(3)
        self.k.setPrefix("K = ")
        self.k.setToolTip("The number of components to fit")
        self.covariance = ModelCombo()
        self.covariance.set_model("full")
        self.tol = QDoubleSpinBox()
        self.tol.setDecimals(6)
        self.tol.setRange(1e-6, 1.0)
        self.tol.setSingleStep(1e-3)
        self.tol.setValue(1e-3)
        self.tol.setPrefix("tol ")
        self.tol.setToolTip("EM stops when the mean log-likelihood changes by less than "
                            "this from one iteration to the next (scikit-learn's rule)")
        self.x_column = QComboBox()
        self.x_column.setToolTip("The file's column drawn across")
        self.y_column = QComboBox()
        self.y_column.setToolTip("The file's column drawn up")
        self.controls = RunControls(
            "Fit", run_tip="Fit the mixture by EM, reading the file once per iteration "
                           "(k-means start on a random sample of the points)",
            cancel_tip="Stop reading the file (a fit keeps the iterations it has done)",
            progress_tip="How far through the file or the fit",
            status_tip="What the window has done with the file",
            leading=(self.k, self.covariance, self.tol, QLabel("x"), self.x_column,
                     QLabel("y"), self.y_column))
        self.save_button = QPushButton("Save parameters…")
        self.save_button.setToolTip("Write the fitted parameters to a JSON file that "
                                    "gmm-explorer and the window can read")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save_requested)
        layout.addWidget(self.controls)
        row = QHBoxLayout()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setToolTip("The fitted state: its iteration and mean log-likelihood")
        row.addWidget(self.result, 1)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self._ellipses: list[pg.PlotCurveItem] = []
        self.means = pg.ScatterPlotItem(size=12, symbol="o", pen=pg.mkPen("w", width=2))
        self.plot.addItem(self.means)
        layout.addWidget(self.plot, 1)
        self.x_column.currentIndexChanged.connect(self._columns_edited)
        self.y_column.currentIndexChanged.connect(self._columns_edited)
        # Keys that work wherever the focus is in this window.
        for keys, button in (("Ctrl+Return", self.controls.run_button),
                             ("Esc", self.controls.cancel_button),
                             ("Ctrl+S", self.save_button)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(button.animateClick)
            button.setToolTip(f"{button.toolTip()} ({QKeySequence(keys).toString()})")
        QShortcut(QKeySequence(QKeySequence.StandardKey.Close), self).activated.connect(
            self.close)

    def show_on_screen(self) -> None:
        """Show the window, no larger than its screen's free area."""
        screen = self.screen()
        if screen is not None:
            area = screen.availableGeometry()
            self.resize(min(900, int(area.width() * 0.9)), min(760, int(area.height() * 0.9)))
        self.show()
        keep_on_screen(self)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.closing.emit()
        super().closeEvent(event)

    def _columns_edited(self) -> None:
        self.columns_changed.emit()

    # ------------------------------------------------------------------ set_*

    def set_about(self, text: str) -> None:
        self.about.setText(text)

    def set_result(self, text: str, can_save: bool) -> None:
        """The line about the fitted state, and whether there is one to save."""
        self.result.setText(text)
        self.save_button.setEnabled(can_save)

    def set_columns(self, names: list[str], chosen: tuple[int, int]) -> None:
        """The file's columns to choose from (hidden when there are only two)."""
        for box, c in ((self.x_column, chosen[0]), (self.y_column, chosen[1])):
            box.blockSignals(True)
            box.clear()
            box.addItems(names)
            box.setCurrentIndex(c)
            box.setEnabled(len(names) > 2)
            box.blockSignals(False)

    def columns(self) -> tuple[int, int]:
        return self.x_column.currentIndex(), self.y_column.currentIndex()

    def set_axis_names(self, x: str, y: str) -> None:
        self.plot.setLabel("bottom", x)
        self.plot.setLabel("left", y)

    def set_density(self, rgba: np.ndarray | None, x_range=None, y_range=None) -> None:
        """The points' density picture over the view ``x_range`` x ``y_range`` (None:
        none yet)."""
        if rgba is None:
            self.image.clear()
            return
        # The picture's rows are y; pyqtgraph takes them so in row-major order (the
        # canvas sets it for the application), else x first.
        if pg.getConfigOption("imageAxisOrder") != "row-major":
            rgba = np.transpose(rgba, (1, 0, 2))
        self.image.setImage(rgba, autoLevels=False, levels=(0, 255))
        (x0, x1), (y0, y1) = x_range, y_range
        self.image.setRect(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)

    def set_mixture(self, mixture) -> None:
        """Draw ``mixture``'s ellipses (1, 2, 3 sigma) and means (None: none)."""
        for item in self._ellipses:
            self.plot.removeItem(item)
        self._ellipses = []
        if mixture is None:
            self.means.setData([], [])
            return
        for j in range(mixture.n_components):
            colour = tuple(int(c) for c in PALETTE[j % len(PALETTE)])
            for s in SIGMAS:
                xy = ellipse(mixture, j, n_std=s)
                item = pg.PlotCurveItem(xy[:, 0], xy[:, 1],
                                        pen=pg.mkPen(colour, width=3 if s == 1.0 else 1.5))
                self.plot.addItem(item)
                self._ellipses.append(item)
        self.means.setData(mixture.means[:, 0], mixture.means[:, 1],
                           brush=[pg.mkBrush(tuple(int(c) for c in PALETTE[j % len(PALETTE)]))
                                  for j in range(mixture.n_components)])

    def set_busy(self, busy: bool) -> None:
        """While reading the file: the settings and Save wait, Stop is offered."""
        self.controls.set_running(busy)
        for w in (self.k, self.covariance, self.tol, self.x_column, self.y_column):
            w.setEnabled(not busy and (w not in (self.x_column, self.y_column)
                                       or w.count() > 2))
