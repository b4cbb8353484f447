"""A status-bar indicator for waits: a moving bar and the reason, shown only once a wait
has lasted half a second (shorter ones would only flicker)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

#: Milliseconds a wait lasts before the indicator shows.
SHOW_AFTER_MS = 500
#: The widest a reason is drawn, in average characters of the label's font: a longer one
#: is cut with "…" (the tooltip has it whole), so that the status line beside it keeps
#: its room (the iteration, the log-likelihood and whether EM has converged).
MAX_CHARS = 36


class BusyIndicator(QWidget):
    """Passive: sources say what they are waiting for with :meth:`set_busy`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reasons: dict[str, str] = {}
        self._text = ""
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy, no known end
        self.bar.setFixedWidth(90)
        self.bar.setTextVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        self._delay = QTimer(self)
        self._delay.setSingleShot(True)
        self._delay.setInterval(SHOW_AFTER_MS)
        self._delay.timeout.connect(self._show_if_busy)
        self.hide()

    def set_busy(self, source: str, reason: str | None) -> None:
        """``source`` (e.g. "em", "compiler") waits for ``reason``; None: it is done."""
        if reason:
            self._reasons[source] = reason
        else:
            self._reasons.pop(source, None)
        if not self._reasons:
            self._delay.stop()
            self.hide()
            return
        self._text = "  ·  ".join(self._reasons.values())
        self._show_text()
        self.setToolTip(self._text)
        if not self.isVisible() and not self._delay.isActive():
            self._delay.start()

    def _show_text(self) -> None:
        metrics = self.label.fontMetrics()
        self.label.setText(metrics.elidedText(self._text, Qt.TextElideMode.ElideRight,
                                              metrics.averageCharWidth() * MAX_CHARS))

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # presentation mode's larger type
            self._show_text()

    @property
    def reason(self) -> str | None:
        """What is being waited for, whole, once the indicator shows (None when hidden)."""
        return self._text if self.isVisible() else None

    def _show_if_busy(self) -> None:
        if self._reasons:
            self.show()
