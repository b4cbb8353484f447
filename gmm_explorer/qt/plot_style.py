"""How a plot looks on a projector: the sizes presentation mode gives the canvas and the
log-likelihood panel, and the helpers that apply them to pyqtgraph items and take them off.

A lecture hall sees the screen scaled down to the projector's resolution, in the worst
case 1024 x 768. :func:`projector_style` picks sizes that, after that scaling, are what
they are on a 1024 x 768 screen: tick labels :data:`TICK_PX` pixels tall, and so on.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass

import pyqtgraph as pg
from PySide6.QtGui import QFont, QPen

#: The smallest projector the text must stay readable on (width, height in pixels).
PROJECTOR = (1024, 768)
#: On a PROJECTOR-sized screen: tick label and axis label heights (pixels), and the factors
#: that widen lines and enlarge markers.
TICK_PX, LABEL_PX = 18, 20
LINE_SCALE, MARKER_SCALE = 1.6, 1.3
#: The height of other text (the status line), at least MIN_TEXT_PX: that text is long, so
#: it grows more slowly than the plots' (TEXT_PX per PROJECTOR-sized screen).
TEXT_PX, MIN_TEXT_PX = 14, 16


@dataclass(frozen=True)
class PlotStyle:
    """Sizes for a plot shown on a projector: text heights in pixels (tick labels, axis
    labels, and other text such as the status line), and the factors that multiply the
    normal line widths and marker sizes."""

    tick_px: int
    label_px: int
    text_px: int
    line_scale: float
    marker_scale: float


def projector_style(width: int, height: int) -> PlotStyle:
    """The style for a window of ``width`` x ``height`` pixels whose picture is scaled down
    to fit :data:`PROJECTOR`: the sizes grow with the factor of that scaling, so the
    projected picture looks as a PROJECTOR-sized screen would (never smaller)."""
    f = max(1.0, width / PROJECTOR[0], height / PROJECTOR[1])
    return PlotStyle(tick_px=math.ceil(TICK_PX * f), label_px=math.ceil(LABEL_PX * f),
                     text_px=max(MIN_TEXT_PX, math.ceil(TEXT_PX * f)),
                     line_scale=LINE_SCALE * f, marker_scale=MARKER_SCALE * f)


def font_px(px: int, like: QFont | None = None) -> QFont:
    """``like`` (default: the application's font), ``px`` pixels tall."""
    font = QFont() if like is None else QFont(like)
    font.setPixelSize(px)
    return font


def widened(pen: QPen, factor: float) -> QPen:
    """A copy of ``pen`` ``factor`` times as wide."""
    out = QPen(pen)
    out.setWidthF(pen.widthF() * factor)
    return out


# A scatter item caches each spot's rendered symbol by the *identity* of its pen and
# brush objects: a new QPen or QBrush at every redraw renders every spot anew and grows
# that cache at every EM step. Spots take their pens and brushes from here.


@functools.lru_cache(maxsize=512)
def pen(*args, **kwargs) -> QPen:
    """``pg.mkPen(*args, **kwargs)``, the same QPen object for the same arguments (for
    scatter spots; nobody may change it)."""
    return pg.mkPen(*args, **kwargs)


@functools.lru_cache(maxsize=512)
def brush(*args):
    """``pg.mkBrush(*args)``, the same QBrush object for the same arguments."""
    return pg.mkBrush(*args)


#: Widened pens handed out by scale_spots, by what the pen looks like and the factor.
_WIDENED: dict[tuple, QPen] = {}


def _widened_shared(pen: QPen, factor: float) -> QPen:
    """:func:`widened`, one QPen object per look and factor (the pens of spots that
    presentation mode enlarges at every redraw)."""
    key = (pen.color().rgba(), pen.widthF(), pen.style(), pen.capStyle(), pen.joinStyle(),
           pen.isCosmetic(), factor)
    out = _WIDENED.get(key)
    if out is None:
        if len(_WIDENED) > 1024:  # bounded: looks come and go with themes and sizes
            _WIDENED.clear()
        out = _WIDENED[key] = widened(pen, factor)
    return out


def scale_spots(scatter: pg.ScatterPlotItem, factor: float) -> None:
    """Give every spot of ``scatter`` its size and pen width times ``factor`` (they stay
    until the scatter's owner next sets its data)."""
    spots = scatter.points()
    if factor == 1.0 or len(spots) == 0:
        return
    scatter.setSize([s.size() * factor for s in spots], update=False)
    scatter.setPen([_widened_shared(s.pen(), factor) for s in spots])


class AxesStyle:
    """The tick labels and axis labels of a plot's left and bottom axes at a
    :class:`PlotStyle`'s sizes, or (None) at their own."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._axes = [plot.getAxis(name) for name in ("left", "bottom")]
        self._normal = [axis.label.font() for axis in self._axes]

    def apply(self, style: PlotStyle | None) -> None:
        for axis, normal in zip(self._axes, self._normal, strict=True):
            if style is None:
                axis.setStyle(tickFont=None)
                axis.label.setFont(normal)
            else:
                axis.setStyle(tickFont=font_px(style.tick_px))
                axis.label.setFont(font_px(style.label_px, normal))
            # Lays the axis out again for the label's new height.
            axis.showLabel(axis.label.isVisible())


class PenWidths:
    """Widens the pens of line items whose owner sets their pens now and then.

    A pen is *fresh* when the owner replaced it since the last :meth:`apply`; its width is
    the normal one. Otherwise the normal pen is the one remembered from before."""

    def __init__(self) -> None:
        #: item -> (its normal pen, the pen this set)
        self._pens: dict = {}

    def apply(self, items: Iterable, factor: float) -> None:
        """Give ``items`` (``PlotCurveItem`` or ``PlotDataItem``) their normal pen
        ``factor`` times as wide; items not passed are forgotten."""
        pens = {}
        for item in items:
            pen = item.opts["pen"]
            normal, mine = self._pens.get(item, (None, None))
            if pen is not mine:
                normal = pen
            item.setPen(widened(pg.mkPen(normal), factor))
            pens[item] = (normal, item.opts["pen"])
        self._pens = pens


class PlotLook:
    """A plot's look in a :class:`PlotStyle`, and back: its normal look is remembered at
    creation (the axes' text, the default sizes of ``scatters``, the fonts of the
    ``texts``); :attr:`pens` widens the line items whose owner sets their pens."""

    def __init__(self, plot: pg.PlotItem, scatters: Iterable[pg.ScatterPlotItem] = (),
                 texts: Iterable[pg.TextItem] = ()) -> None:
        self.axes = AxesStyle(plot)
        self.pens = PenWidths()
        self._sizes = {s: s.opts["size"] for s in scatters}
        self._fonts = {t: t.textItem.font() for t in texts}

    def apply(self, style: PlotStyle | None) -> None:
        """Axes, scatter sizes and text fonts at ``style``'s sizes (None: the normal)."""
        self.axes.apply(style)
        for scatter, size in self._sizes.items():
            scatter.setSize(size if style is None else size * style.marker_scale)
        for text, font in self._fonts.items():
            text.setFont(font if style is None else font_px(style.label_px, font))
