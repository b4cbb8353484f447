"""Light and dark: the plots and the canvas follow the application's palette.

A desktop in a dark colour scheme gives Qt a dark palette (the widgets follow it by
themselves). :func:`current` reads the palette the application has now and returns the
:class:`Theme` to draw with: the plots' background, axis and label colours, the
canvas's overlay inks, and the component colours, each mixed towards white just enough
to stand 3:1 against a dark background (WCAG's contrast for graphics). The light theme
is the one the app always had: white paper, black ink, the Okabe-Ito palette.

The window restyles its plots when the palette changes (:func:`style_plot`), and
secondary text takes the palette's placeholder colour (:func:`mute`), so it follows by
itself. Exports (PNG, GIF, ``render``) stay on white paper whatever the screen shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QWidget

from gmm_explorer.drawing import PALETTE, ellipse_color, readable_colors

__all__ = ["DARK", "LIGHT", "Theme", "current", "dark_palette", "mute", "style_plot"]


@dataclass(frozen=True, eq=False)
class Theme:
    """Colours to draw plots and the canvas with (RGB tuples, 0-255)."""

    name: str
    background: tuple[int, int, int]
    ink: tuple[int, int, int]          # axis text, labels, marker outlines
    axis: tuple[int, int, int]         # axis lines
    soft_ink: tuple[int, int, int]     # density contours, ghost arrows
    palette: np.ndarray = field(repr=False)  # component colours (n, 3) uint8

    @property
    def dark(self) -> bool:
        return self.name == "dark"

    @property
    def ink_hex(self) -> str:
        return "#{:02x}{:02x}{:02x}".format(*self.ink)

    def component(self, k: int) -> tuple[int, int, int]:
        """Component ``k``'s colour on this background."""
        r, g, b = self.palette[k % len(self.palette)]
        return int(r), int(g), int(b)

    def ellipse(self, k: int) -> tuple[int, int, int]:
        """Component ``k``'s ellipses and mean ring: a shade darker than its points on
        white, a shade lighter on a dark background, so they stand out of the points."""
        if not self.dark:
            return ellipse_color(k)  # the palette is drawing's own
        return tuple(int(v + 0.35 * (255 - v)) for v in self.component(k))

    def points(self, colors: np.ndarray) -> np.ndarray:
        """Point colours (n, 3) as this background shows them."""
        if not self.dark:
            return colors
        return readable_colors(colors, self.background)


LIGHT = Theme("light", background=(255, 255, 255), ink=(0, 0, 0), axis=(120, 120, 120),
              soft_ink=(90, 90, 90), palette=PALETTE)
_DARK_BACKGROUND = (30, 31, 34)
DARK = Theme("dark", background=_DARK_BACKGROUND, ink=(232, 232, 232), axis=(150, 150, 150),
             soft_ink=(178, 178, 178), palette=readable_colors(PALETTE, _DARK_BACKGROUND))


def current(palette: QPalette | None = None) -> Theme:
    """The theme of ``palette`` (default: the application's now): dark when its window
    colour is dark, whatever produced it (the desktop's colour scheme or a palette set
    by hand)."""
    if palette is None:
        palette = QGuiApplication.palette()
    return DARK if palette.color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT


def style_plot(plot: pg.PlotWidget, theme: Theme) -> None:
    """Give a plot the theme's background, axis pens and label colours (its labels keep
    their text)."""
    plot.setBackground(theme.background)
    for axis in plot.plotItem.axes.values():
        item = axis["item"]
        item.setTextPen(pg.mkPen(*theme.ink))
        item.setPen(pg.mkPen(*theme.axis))
        if item.labelStyle.get("color") is not None or item.labelText:
            item.labelStyle = {**item.labelStyle, "color": theme.ink_hex}
            item.label.setHtml(item.labelString())
    title = plot.plotItem.titleLabel
    if title.text:
        title.setText(title.text, color=theme.ink_hex)


def style_plots(root: QWidget, theme: Theme) -> None:
    """:func:`style_plot` on every pyqtgraph plot inside ``root``."""
    for plot in root.findChildren(pg.PlotWidget):
        style_plot(plot, theme)


def mute(widget: QWidget) -> QWidget:
    """Secondary text (hints, captions): the palette's placeholder colour, which is a
    grey on white and on a dark background alike and follows a change of palette."""
    widget.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return widget


def dark_palette() -> QPalette:
    """A dark palette for Qt's Fusion style, as a dark desktop gives (for tests and the
    screenshots; a desktop provides its own)."""
    p = QPalette()
    roles = QPalette.ColorRole
    colours = {roles.Window: (45, 45, 48), roles.WindowText: (230, 230, 230),
               roles.Base: (30, 30, 32), roles.AlternateBase: (45, 45, 48),
               roles.ToolTipBase: (50, 50, 52), roles.ToolTipText: (230, 230, 230),
               roles.PlaceholderText: (150, 150, 150), roles.Text: (230, 230, 230),
               roles.Button: (53, 53, 56), roles.ButtonText: (230, 230, 230),
               roles.BrightText: (255, 80, 80), roles.Link: (110, 170, 255),
               roles.Highlight: (42, 130, 218), roles.HighlightedText: (255, 255, 255),
               roles.Light: (80, 80, 84), roles.Midlight: (65, 65, 68),
               roles.Mid: (40, 40, 42), roles.Dark: (25, 25, 27), roles.Shadow: (0, 0, 0)}
    from PySide6.QtGui import QColor

    for role, rgb in colours.items():
        p.setColor(role, QColor(*rgb))
    for role in (roles.WindowText, roles.Text, roles.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor(127, 127, 127))
    return p
