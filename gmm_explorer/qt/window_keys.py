"""The EM keys act window-wide, whatever has the keyboard focus.

Qt offers a key to the focused widget first (a ShortcutOverride event): a spin box claims
Space, the letters and the arrows, so pressing Space after clicking K's arrow blanked K
instead of stepping. :class:`WindowKeys` filters those overrides out for the window's
widgets, so the window's shortcuts (Space, E, M, R, C, I, Esc, ← / →) always fire and
never edit a field. Digits, Enter, ↑ / ↓ and Backspace still reach the field, and free
text fields (a branch being renamed) keep every key.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

#: The keys that belong to the window (with no modifier held).
WINDOW_KEYS = frozenset({Qt.Key.Key_Space, Qt.Key.Key_E, Qt.Key.Key_M, Qt.Key.Key_R,
                         Qt.Key.Key_C, Qt.Key.Key_I, Qt.Key.Key_Escape, Qt.Key.Key_Left,
                         Qt.Key.Key_Right})


def _free_text(widget: QWidget) -> bool:
    """A field where letters and spaces are text: a line edit that is not part of a spin
    box or a combo box, or a text editor."""
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return True
    if isinstance(widget, QLineEdit):
        parent = widget.parentWidget()
        return not isinstance(parent, (QAbstractSpinBox, QComboBox))
    return False


class WindowKeys(QObject):
    """An application event filter, a child of ``window``, routing :data:`WINDOW_KEYS` of
    the window's widgets to the window's shortcuts."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(obj, QWidget):
            return False
        if event.key() not in WINDOW_KEYS or event.modifiers() not in (
                Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier):
            return False
        if obj.window() is not self.parent() or _free_text(obj):
            return False
        event.ignore()  # not the field's: the shortcut map gets it
        return True
