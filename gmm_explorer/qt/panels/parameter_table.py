"""The parameter table: each component's parameters at the displayed iteration, with
check boxes that lock the weight, mean or covariance."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from gmm_explorer import engine as E
from gmm_explorer.drawing import component_color
from gmm_explorer.qt.panels.widgets import signals_blocked


class ParameterTable(QTableWidget):
    """Per component: weight, mean, covariance entries, principal standard deviations,
    angle, effective points, and check boxes that lock the weight, mean or covariance."""

    #: (str kind, int component, bool on): the user ticked or cleared a lock box.
    lock_toggled = Signal(str, int, bool)

    LOCK_KINDS = ("weight", "mean", "covariance")
    HEADERS = ["", "weight", "mean x", "mean y", "Σxx", "Σxy", "Σyy", "sd₁", "sd₂", "angle°",
               "n_k now", "lock w", "lock μ", "lock Σ"]
    TIPS = ["component colour", "mixing weight", "mean, x", "mean, y",
            "covariance matrix entry xx (a variance)", "covariance matrix entry xy",
            "covariance matrix entry yy (a variance)",
            "sd₁: standard deviation along the major axis",
            "sd₂: standard deviation along the minor axis",
            "angle of the major axis from the x axis in degrees, in data units (it looks "
            "different on screen unless View › Equal axes is on)",
            "points the component claims under these parameters (sum of its "
            "responsibilities); the next M-step sets weight = n_k / N",
            "lock the weight: the M-step keeps it; the unlocked weights share the rest",
            "lock the mean: the M-step keeps it (the covariance is then estimated about it)",
            "lock the covariance: the M-step keeps it (tied: the shared covariance)"]

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        for j, tip in enumerate(self.TIPS):
            self.horizontalHeaderItem(j).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(24)
        self.setColumnWidth(0, 24)
        self.setToolTip("Parameters of each component at the current iteration; tick a lock "
                        "to keep that parameter fixed in the M-step")
        self.itemChanged.connect(self._on_item_changed)
        self._n_values = 10

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        col = item.column() - 1 - self._n_values
        if 0 <= col < 3:
            self.lock_toggled.emit(self.LOCK_KINDS[col], item.row(),
                                   item.checkState() == Qt.CheckState.Checked)

    def lock_item(self, row: int, kind: str) -> QTableWidgetItem:
        return self.item(row, 1 + self._n_values + self.LOCK_KINDS.index(kind))

    def update_result(self, result: E.StepResult | None, locks=None) -> None:
        """Show ``result``'s parameters and ``locks`` (engine Locks or None)."""
        with signals_blocked(self):
            self._update(result, locks)

    def _update(self, result, locks) -> None:
        if result is None:
            self.setRowCount(0)
            return
        m = result.mixture
        k = m.n_components
        self.setRowCount(k)
        sd_major, sd_minor, angle = E.ellipse_axes(m)
        for j in range(k):
            c = m.covariances[j]
            if self.item(j, 0) is None:
                # Items are created once per row and then only their text changes.
                swatch = QTableWidgetItem("")
                swatch.setBackground(QColor(*component_color(j)))
                swatch.setToolTip(f"component {j + 1}")
                self.setItem(j, 0, swatch)
                for col in range(1, self._n_values + 1):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(j, col, item)
                for i, kind in enumerate(self.LOCK_KINDS):
                    item = QTableWidgetItem()
                    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip(f"lock the {kind} of component {j + 1}")
                    self.setItem(j, 1 + self._n_values + i, item)
            values = [m.weights[j], m.means[j, 0], m.means[j, 1], c[0, 0], c[0, 1], c[1, 1],
                      sd_major[j], sd_minor[j], angle[j], result.n_effective[j]]
            status = result.diagnostics[j].status
            for col, v in enumerate(values, start=1):
                item = self.item(j, col)
                n_k = col == len(values)
                item.setText(f"{v:,.0f}" if n_k and v >= 1000 else
                             f"{v:.1f}" if col == 9 else f"{v:.4g}")
                item.setForeground(QColor(190, 40, 0) if status != "ok" else QColor(0, 0, 0))
                item.setToolTip(f"component {j + 1} is {status}" if status != "ok" else "")
            for kind in self.LOCK_KINDS:
                on = locks is not None and locks.n_components == k and getattr(locks, kind)[j]
                self.lock_item(j, kind).setCheckState(Qt.CheckState.Checked if on
                                                      else Qt.CheckState.Unchecked)

    def cell_text(self, row: int, col: int) -> str:
        item = self.item(row, col)
        return "" if item is None else item.text()
