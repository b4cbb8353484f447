"""The history timeline: a slider over the iterations of the active branch."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from gmm_explorer.qt.panels.widgets import signals_blocked


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
