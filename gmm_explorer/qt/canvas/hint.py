"""The hint centred over the canvas (an empty canvas says what to do)."""

from __future__ import annotations

import pyqtgraph as pg


class CanvasHint(pg.TextItem):
    """A grey text at the centre of the view, hidden until given a text. It keeps no
    reference to the view: the canvas passes the view's range in."""

    def __init__(self) -> None:
        super().__init__("", color=(90, 90, 90), anchor=(0.5, 0.5))
        self.setZValue(1000)
        self.hide()

    def show_text(self, text: str | None, view_range) -> None:
        """Show ``text`` centred in ``view_range`` (``((x0, x1), (y0, y1))``); None hides."""
        if text is None:
            self.hide()
            return
        self.setText(text)
        self.show()
        self.place(view_range)

    @property
    def text(self) -> str | None:
        """The text shown, or None."""
        return self.textItem.toPlainText() if self.isVisible() else None

    def place(self, view_range) -> None:
        """Centre the hint in ``view_range``, ``((x0, x1), (y0, y1))``."""
        (x0, x1), (y0, y1) = view_range
        self.setPos((x0 + x1) / 2, (y0 + y1) / 2)
