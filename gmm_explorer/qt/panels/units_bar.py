"""The line above the canvas about the data's units: it offers the standardised view when
the columns' spreads differ many times, and says so while the view is standardised."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton


class UnitsBar(QFrame):
    """Passive: :meth:`offer`, :meth:`standardised` or :meth:`hide` it; it emits
    ``standardise_requested(bool)`` (the button) and ``dismissed`` (its close button)."""

    standardise_requested = Signal(bool)
    dismissed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("unitsBar")
        # A light tint: dark ink on it in a dark theme too.
        self.setStyleSheet("#unitsBar { background: #fff4d6; border: 1px solid #e0c070; "
                           "border-radius: 3px; } "
                           "#unitsBar QLabel, #unitsBar QToolButton { color: #3a2a00; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 2, 2, 2)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setMinimumWidth(1)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.button = QPushButton()
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the window
        self.button.clicked.connect(self._clicked)
        self.close_button = QToolButton()
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setToolTip("Hide this offer (View › Standardised units still "
                                     "switches)")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(self.dismissed)
        row.addWidget(self.text, 1)
        row.addWidget(self.button)
        row.addWidget(self.close_button)
        self._turn_on = True
        self.hide()

    def _clicked(self) -> None:
        self.standardise_requested.emit(self._turn_on)

    def offer(self, ratio: float, wide: str, narrow: str) -> None:
        """Offer the standardised view: ``wide``'s spread is ``ratio`` times ``narrow``'s."""
        self._turn_on = True
        self.text.setText(
            f"“{wide}” spreads {ratio:.0f}× more than “{narrow}”: shapes on screen are "
            f"stretched {ratio:.0f}×.")
        self.text.setToolTip(
            "The axes are scaled separately, so what looks round here is a long ellipse in "
            "the data's units, and a k-means start, which measures plain distances, sees "
            f"mostly “{wide}”. Standardising shows and fits each column in units of its own "
            "spread; the log-likelihood is then that of the z-scores.")
        self.button.setText("Standardise")
        self.button.setToolTip("Show and fit each column as z = (value − mean) / SD; "
                               "exports stay in the data's units. The run starts over.")
        self.close_button.show()
        self.show()

    def standardised(self, names: tuple[str, str]) -> None:
        """Say the view is in standardised units and offer the way back."""
        self._turn_on = False
        self.text.setText(
            f"Standardised: “{names[0]}”, “{names[1]}” as z = (value − mean) / SD; "
            "exports in data units.")
        self.text.setToolTip("Points, parameters, the log-likelihood and Health are shown "
                             "in standardised units; every export (parameters, points, "
                             "responsibilities, history) is mapped back to the data's.")
        self.button.setText("Back to data units")
        self.button.setToolTip("Show and fit the data in its own units again; the run "
                               "starts over")
        self.close_button.hide()
        self.show()

    @property
    def offering(self) -> bool:
        """Whether the bar is shown offering to standardise."""
        return not self.isHidden() and self._turn_on
