"""The lesson panel: the open lesson's title, and one step at a time, "Do this" and
"Notice", with Back, Next and Close (Help › Lessons). A passive view: the lessons
controller (:mod:`gmm_explorer.qt.controllers.lessons`) fills it and acts on its buttons.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import hint_label
from gmm_explorer.qt.theme import mute


def _wrapped(bold: bool = False) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    return label


class LessonPanel(QWidget):
    """Passive view: :meth:`set_lesson`, :meth:`set_step`."""

    #: None: the user asked for the previous step.
    back_requested = Signal()
    #: None: the user asked for the next step.
    next_requested = Signal()
    #: None: the user closed the lesson.
    close_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        # The text scrolls when the panel is small; the buttons stay in view.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        self.title = _wrapped(bold=True)
        self.summary = hint_label("")
        self.counter = QLabel()
        mute(self.counter)
        self.do_label = QLabel("Do this")
        self.do_label.setStyleSheet("font-weight: bold;")
        self.do_label.setForegroundRole(QPalette.ColorRole.Link)  # blue, or light blue
        self.do_text = _wrapped()
        self.notice_label = QLabel("Notice")
        self.notice_label.setStyleSheet("font-weight: bold;")
        self.notice_text = _wrapped()
        for w in (self.title, self.summary, self.counter, self.do_label, self.do_text,
                  self.notice_label, self.notice_text):
            layout.addWidget(w)
        layout.addStretch(1)
        row = QHBoxLayout()
        self.back = QPushButton("◀ Back")
        self.back.setToolTip("The previous step")
        self.next = QPushButton("Next ▶")
        self.next.setToolTip("The next step")
        self.close_button = QPushButton("Close lesson")
        self.close_button.setToolTip("Close this panel; the data and the run stay")
        row.addWidget(self.back)
        row.addWidget(self.next)
        row.addStretch(1)
        row.addWidget(self.close_button)
        outer.addLayout(row)
        self.back.clicked.connect(self.back_requested)
        self.next.clicked.connect(self.next_requested)
        self.close_button.clicked.connect(self.close_requested)

    def set_lesson(self, title: str, summary: str) -> None:
        self.title.setText(title)
        self.summary.setText(summary)
        self.summary.setVisible(bool(summary))

    def set_step(self, index: int, total: int, do: str, notice: str) -> None:
        """Show step ``index`` (0-based) of ``total``."""
        self.counter.setText(f"Step {index + 1} of {total}")
        self.do_text.setText(do)
        self.notice_text.setText(notice)
        self.back.setEnabled(index > 0)
        self.next.setEnabled(index < total - 1)
