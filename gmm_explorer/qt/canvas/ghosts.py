"""Ghosts: after an M-step, the previous state's 1σ ellipses stay, faint and dashed, and
an arrow runs from each old mean to its new one, so the move EM just made is visible."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gmm_explorer import engine as E
from gmm_explorer.qt.canvas.overlays import ClickThroughScatter, Z
from gmm_explorer.qt.plot_style import brush, pen
from gmm_explorer.qt.theme import LIGHT

#: Opacity of the ghost ellipses and arrows (0-255).
GHOST_ALPHA = 120


class GhostLayer:
    """The previous state's ellipses and the arrows to the current means."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._ellipses: list[pg.PlotCurveItem] = []
        self._arrows = pg.PlotCurveItem(connect="pairs")
        self._arrows.setZValue(Z["ellipses"] - 0.5)
        plot.addItem(self._arrows)
        self._heads = ClickThroughScatter(symbol="t", size=9, pxMode=True)
        self._heads.setZValue(Z["ellipses"] - 0.5)
        plot.addItem(self._heads)
        #: The state before the M-step, as asked for (drawn when :attr:`enabled`).
        self.previous: E.Mixture | None = None
        #: Whether ghosts are drawn at all (the Ghosts toggle).
        self.enabled = True
        #: The ghost drawn, or None.
        self.shown: E.Mixture | None = None
        for item in (self._arrows, self._heads):
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # the view box edits
        self._theme = LIGHT

    def set_theme(self, theme) -> None:
        """Colours for ``theme``'s background (drawn at the next redraw)."""
        self._theme = theme

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"ghost_arrows": self._arrows, "ghost_heads": self._heads}

    def _arrow_ink(self) -> tuple[int, int, int]:
        return self._theme.soft_ink if self._theme.dark else (60, 60, 60)

    def redraw(self, current: E.Mixture | None,
               pixel_size: tuple[float, float] = (1.0, 1.0)) -> None:
        """Draw :attr:`previous` (if :attr:`enabled`) as ghosts with arrows to
        ``current``'s means (same K), or nothing. ``pixel_size``: data units per screen
        pixel (the heads point on screen)."""
        previous = self.previous if self.enabled else None
        if (previous is None or current is None
                or previous.n_components != current.n_components):
            previous = None
        self.shown = previous
        k = 0 if previous is None else previous.n_components
        while len(self._ellipses) < k:
            item = pg.PlotCurveItem()
            item.setZValue(Z["ellipses"] - 0.5)
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
            self._plot.addItem(item)
            self._ellipses.append(item)
        outlines = E.ellipses(previous, 1.0, 72) if k else None
        for j, item in enumerate(self._ellipses):
            if j >= k:
                item.hide()
                continue
            r, g, b = self._theme.ellipse(j)
            item.setPen(pen(r, g, b, GHOST_ALPHA, width=1.5, style=Qt.PenStyle.DashLine))
            item.setData(outlines[j, :, 0], outlines[j, :, 1])
            item.show()
        if previous is None:
            self._arrows.setData([], [])
            self._heads.setData([])
            return
        start, end = previous.means, current.means
        segments = np.empty((2 * k, 2))
        segments[0::2], segments[1::2] = start, end
        self._arrows.setData(segments[:, 0], segments[:, 1],
                             pen=pen(*self._arrow_ink(), GHOST_ALPHA + 60, width=1.5))
        self._heads.setData(pos=end, brush=brush(*self._arrow_ink(), GHOST_ALPHA + 60),
                            pen=None, symbol=[_arrow_symbol(a, b, pixel_size)
                                              for a, b in zip(start, end)])


def _arrow_symbol(a, b, pixel_size) -> str:
    """A triangle marker pointing from ``a`` to ``b`` on screen (to the nearest of four
    directions; pyqtgraph's t1 points up, t down, t2 right, t3 left)."""
    dx, dy = (b[0] - a[0]) / pixel_size[0], (b[1] - a[1]) / pixel_size[1]
    if abs(dx) >= abs(dy):
        return "t2" if dx > 0 else "t3"
    return "t1" if dy > 0 else "t"
