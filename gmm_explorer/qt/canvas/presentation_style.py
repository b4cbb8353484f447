"""The canvas in presentation mode (F5): large type, thick lines and big markers for a
projector, at a :class:`~gmm_explorer.qt.plot_style.PlotStyle`'s sizes, and back."""

from __future__ import annotations

import pyqtgraph as pg

from gmm_explorer.qt.canvas.layers import CanvasLayers
from gmm_explorer.qt.canvas.overlays import Z
from gmm_explorer.qt.plot_style import PlotLook, PlotStyle, scale_spots


class CanvasPresentation:
    """The presentation style of a canvas's plot: tick labels, axis labels and the
    ``hint`` at the style's sizes; ellipse pens widened by its ``line_scale``; mean rings,
    handles and points enlarged by its ``marker_scale``.

    The canvas calls :meth:`set_style`, redraws its components (which draws them in their
    normal look) and then :meth:`restyle_components`, after every redraw of them."""

    def __init__(self, plot: pg.PlotItem, layers: CanvasLayers, hint: pg.TextItem) -> None:
        self._plot, self._layers, self._hint = plot, layers, hint
        #: The presentation style (None: the normal look).
        self.style: PlotStyle | None = None
        #: From the first use, the normal look to go back to.
        self._look: PlotLook | None = None
        #: The ellipses still have widened pens (the style was just taken off).
        self._unwiden = False

    def set_style(self, style: PlotStyle | None) -> None:
        """Axes, points and the hint at ``style``'s sizes (None: the normal look); the
        components follow at the next :meth:`restyle_components`."""
        if self._look is None:
            points = self._layers.points.items()
            self._look = PlotLook(self._plot, (points["points"], points["selection"]),
                                  (self._hint,))
        self.style = style
        self._look.apply(style)
        self._unwiden = style is None

    def restyle_components(self) -> None:
        """After the components are drawn: rings, handles and ellipses in the presentation
        style (the component layer draws rings and handles in their normal look on every
        redraw, and gives an ellipse its normal pen when the component's health changes);
        once the style is taken off, the ellipses' normal pens."""
        style = self.style
        if style is None:
            if self._unwiden:
                self._look.pens.apply(self._ellipse_items(), 1.0)
                self._unwiden = False
            return
        parts = self._layers.components.items()
        for name in ("means", "handles"):
            scale_spots(parts[name], style.marker_scale)
        self._look.pens.apply(self._ellipse_items(), style.line_scale)

    def _ellipse_items(self) -> list[pg.PlotCurveItem]:
        return [item for item in self._plot.items
                if isinstance(item, pg.PlotCurveItem) and item.zValue() == Z["ellipses"]]
