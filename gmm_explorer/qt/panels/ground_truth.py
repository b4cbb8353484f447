"""Agreement of the fitted components with known class labels: ARI, matched accuracy and
the confusion table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.drawing import component_color
from gmm_explorer.qt.panels.widgets import (
    INK_ON_TINT,
    MATCH_COLOR,
    color_icon,
    compact_table,
    fit_height,
    format_number,
    hint_label,
    right_item,
    signals_blocked,
)


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
        self.message = hint_label("")
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
        self.caption = hint_label("")
        outer.addWidget(self.caption)
        self.table = QTableWidget(0, 0)
        compact_table(self.table)
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
        self.ari.setText(format_number(ari, ".3f"))
        self.accuracy.setText(f"matched accuracy {format_number(100.0 * accuracy, '.1f')} %")
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
            head = QTableWidgetItem(color_icon(component_color(comp), 10), str(comp + 1))
            head.setToolTip(f"component {comp + 1}"
                            + (f", matched to {classes[c]}" if c < n_matched else
                               ", matched to no class"))
            self.table.setHorizontalHeaderItem(c, head)
        for i in range(n_rows):
            row_total = counts[i].sum()
            for c in range(n_cols):
                v = counts[i, c]
                item = right_item(f"{v:,.0f}" if float(v).is_integer() else format_number(v, ".3g"))
                if v == 0:
                    item.setForeground(QColor(160, 160, 160))
                comp = order[c] + 1 if c < len(order) else c + 1
                share = f" ({100.0 * v / row_total:.0f}% of the class)" if row_total else ""
                item.setToolTip(f"{classes[i]} points claimed by component {comp}: "
                                f"{v:,.0f}{share}")
                if i == c and c < n_matched:
                    item.setBackground(MATCH_COLOR)
                    item.setForeground(INK_ON_TINT)  # a light tint: dark ink in any theme
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, c, item)
        fit_height(self.table)

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
