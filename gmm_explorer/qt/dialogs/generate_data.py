"""The Generate data dialog: which synthetic data set, with its N, K and seed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QWidget,
)

__all__ = ["GenerateDialog"]


class GenerateDialog(QDialog):
    """Choose a synthetic data set: kind, N, K (where it applies) and seed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from gmm_explorer.engine.datasets import GENERATORS

        super().__init__(parent)
        self.setWindowTitle("Generate data")
        form = QFormLayout(self)
        self.kind = QComboBox()
        for key, (title, _, _) in GENERATORS.items():
            self.kind.addItem(title, key)
        self.kind.setToolTip("Which synthetic data set: the last ones show where a Gaussian "
                             "mixture fails")
        self.n = QSpinBox()
        self.n.setRange(2, 10_000_000)
        self.n.setValue(600)
        self.n.setGroupSeparatorShown(True)
        self.n.setToolTip("Number of points")
        self.k = QSpinBox()
        self.k.setRange(1, 20)
        self.k.setValue(3)
        self.k.setToolTip("Number of clusters (for the blob data sets)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed gives the same points")
        form.addRow("Data set", self.kind)
        form.addRow("Points (N)", self.n)
        form.addRow("Clusters (K)", self.k)
        form.addRow("Seed", self.seed)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._kind_changed()

    def _kind_changed(self) -> None:
        from gmm_explorer.engine.datasets import GENERATORS

        self.k.setEnabled(GENERATORS[self.kind.currentData()][2])

    def values(self) -> tuple[str, int, int, int]:
        """(kind, n, k, seed)."""
        return self.kind.currentData(), self.n.value(), self.k.value(), self.seed.value()
