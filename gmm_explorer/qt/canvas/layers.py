"""The canvas's layers as one read-only bundle, and the order they are stacked in."""

from __future__ import annotations

from dataclasses import dataclass, fields

import pyqtgraph as pg

from gmm_explorer.qt.canvas.components import ComponentLayer
from gmm_explorer.qt.canvas.overlays import (
    DecisionLayer,
    DensityLayer,
    KMeansLayer,
    PointMarkers,
    PointsLayer,
)


@dataclass(frozen=True)
class CanvasLayers:
    """The canvas's layers, for reading what each one shows (the window drives the canvas
    through its ``set_*`` methods, never through the layers)."""

    density: DensityLayer
    decision: DecisionLayer
    points: PointsLayer
    kmeans: KMeansLayer
    components: ComponentLayer
    markers: PointMarkers

    @classmethod
    def on(cls, plot: pg.PlotItem) -> CanvasLayers:
        """Every layer, its items added to ``plot``."""
        return cls(density=DensityLayer(plot), decision=DecisionLayer(plot),
                   points=PointsLayer(plot), kmeans=KMeansLayer(plot),
                   components=ComponentLayer(plot), markers=PointMarkers(plot))

    def set_theme(self, theme) -> None:
        """Inks and component colours for the background of ``theme`` (qt/theme.py)."""
        for f in fields(self):
            layer = getattr(self, f.name)
            if hasattr(layer, "set_theme"):
                layer.set_theme(theme)

    def stacking_order(self) -> list[str]:
        """Names of the layers' persistent items, bottom to top, as stacked now."""
        items = {}
        for f in fields(self):
            items.update(getattr(self, f.name).items())
        return sorted(items, key=lambda name: items[name].zValue())
