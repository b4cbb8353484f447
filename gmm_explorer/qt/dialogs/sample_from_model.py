"""The Sample from the model dialog: how many points to draw, the seed, and whether they
replace the data or join it."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QRadioButton,
    QSpinBox,
    QWidget,
)

__all__ = ["SampleDialog"]


class SampleDialog(QDialog):
    """Draw N points from the current mixture, replacing or adding to the data."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sample from the model")
        form = QFormLayout(self)
        self.n = QSpinBox()
        self.n.setRange(1, 10_000_000)
        self.n.setValue(500)
        self.n.setGroupSeparatorShown(True)
        self.n.setToolTip("Number of points to draw from the fitted mixture")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed draws the same points")
        self.replace = QRadioButton("Replace the data")
        self.replace.setToolTip("The drawn points become the data (undoable)")
        self.add = QRadioButton("Add to the data")
        self.add.setToolTip("The drawn points join the current points (undoable)")
        self.replace.setChecked(True)
        form.addRow("Points (N)", self.n)
        form.addRow("Seed", self.seed)
        form.addRow(self.replace)
        form.addRow(self.add)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[int, int, bool]:
        """(n, seed, replace)."""
        return self.n.value(), self.seed.value(), self.replace.isChecked()
