"""The window's central area: the controls on the left; the units bar, the canvas, the narration line
and the timeline above the log-likelihood panel and the parameter table on the right."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QSplitter, QVBoxLayout, QWidget


class NarrationLine(QLabel):
    """The narration: always two lines high, so that a line that wraps (or stops
    wrapping) never resizes the canvas above it, step after step. Longer text is cut
    at the second line."""

    LINES = 2

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setToolTip("What the last piece of EM work did")
        self.setStyleSheet("padding: 1px 6px;")  # the palette's text colour
        # No indent: with a style sheet Qt indents a label's text by half an "x" (a frame
        # width appears), on the aligned edge, the top here, which pushed the second line
        # below the label's two lines of height (its descenders cut at projector sizes).
        self.setIndent(0)
        # A long line must not widen the canvas column: it wraps instead.
        self.setWordWrap(True)
        self.setMinimumWidth(1)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def _height(self) -> int:
        m = self.contentsMargins()
        # The style sheet's padding is inside the contents margins.
        return self.LINES * self.fontMetrics().lineSpacing() + m.top() + m.bottom() + 2

    def hasHeightForWidth(self) -> bool:
        return False

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(1, self._height())


class CentralLayout(NamedTuple):
    """The splitters (their states are saved with the window) and the narration line."""

    main_split: QSplitter    # controls | everything else
    center_split: QSplitter  # canvas column over the plots (side by side when presenting)
    right_split: QSplitter   # log-likelihood panel | parameter table
    narration: QLabel        # what the last piece of EM work did


def central_layout(controls: QWidget, canvas: QWidget, timeline: QWidget,
                   ll_panel: QWidget, table: QWidget, units_bar: QWidget) -> CentralLayout:
    """Lay the views out; ``main_split`` is the window's central widget."""
    right_split = QSplitter(Qt.Orientation.Horizontal)
    right_split.addWidget(ll_panel)
    right_split.addWidget(table)
    right_split.setSizes([420, 560])
    canvas_box = QWidget()
    box = QVBoxLayout(canvas_box)
    box.setContentsMargins(0, 0, 0, 0)
    box.setSpacing(2)
    box.addWidget(units_bar)
    box.addWidget(canvas, 1)
    narration = NarrationLine()
    box.addWidget(narration)
    box.addWidget(timeline)
    center_split = QSplitter(Qt.Orientation.Vertical)
    center_split.addWidget(canvas_box)
    center_split.addWidget(right_split)
    center_split.setSizes([560, 220])
    center_split.setStretchFactor(0, 1)
    main_split = QSplitter(Qt.Orientation.Horizontal)
    main_split.addWidget(controls)
    main_split.addWidget(center_split)
    main_split.setSizes([270, 1010])
    main_split.setStretchFactor(1, 1)
    return CentralLayout(main_split, center_split, right_split, narration)
