"""How controllers talk to the user: error dialogs and status-bar messages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QStatusBar


class Feedback:
    """Non-blocking error dialogs (never a traceback) and transient status messages.

    ``last_error`` keeps the text of the last error shown (tests and the crash report read
    it).
    """

    def __init__(self, status_bar: QStatusBar) -> None:
        # Dialogs are parented to the status bar's window, looked up when needed: holding
        # the window here would make a reference cycle through it (see ARCHITECTURE.md).
        self._status_bar = status_bar
        self.last_error: str | None = None
        self._box: QMessageBox | None = None

    def error(self, title: str, text: str) -> None:
        """A non-modal warning dialog with ``text``."""
        self.last_error = text
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self._status_bar.window())
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self._box = box

    def status(self, text: str, ms: int = 0) -> None:
        """Show ``text`` in the status bar for ``ms`` milliseconds (0: until replaced)."""
        self._status_bar.showMessage(text, ms)
