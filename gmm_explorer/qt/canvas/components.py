"""The mixture's components on the canvas: covariance ellipses, mean rings, the handles
that drag an ellipse's axes, and a warning beside any component that is not healthy."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gmm_explorer import engine as E
from gmm_explorer.qt.canvas.overlays import ClickThroughScatter, Z, scatter_positions
from gmm_explorer.qt.plot_style import brush, pen
from gmm_explorer.qt.theme import LIGHT

SIGMAS = (1, 2, 3)
#: The handles sit on the ellipse at this many standard deviations.
HANDLE_N_STD = 1.0
#: Colour of the ellipses and warning of a component that is not "ok".
WARNING_RGB = (200, 0, 0)


#: Colour of a component variational Bayes has switched off.
OFF_RGB = (150, 150, 150)


def ellipse_pen(dark: tuple[int, int, int], sigma: int, warn: bool | str):
    """The pen of a component's ``sigma`` ellipse; red, heavier and dashed if ``warn``;
    thin, grey and dotted if ``warn`` is "off" (switched off by variational Bayes)."""
    if warn == "off":
        return pg.mkPen(*OFF_RGB, width=1.2, style=Qt.PenStyle.DotLine)
    if warn:
        style = {1: Qt.PenStyle.DashLine, 2: Qt.PenStyle.DashDotLine,
                 3: Qt.PenStyle.DotLine}[sigma]
        return pg.mkPen(*WARNING_RGB, width=3.4 if sigma == 1 else 2.4, style=style)
    style = {1: Qt.PenStyle.SolidLine, 2: Qt.PenStyle.DashLine, 3: Qt.PenStyle.DotLine}[sigma]
    return pg.mkPen(*dark, width=2.6 if sigma == 1 else 1.8, style=style)


def part_positions(m: E.Mixture) -> dict[str, np.ndarray]:
    """Data positions, (K, 2) each, of every component's "mean" and of its "major" and
    "minor" handles (on the ellipse's axes, :data:`HANDLE_N_STD` deviations out)."""
    means = np.asarray(m.means, dtype=np.float64)
    sd_major, sd_minor, angle = E.ellipse_axes(m)
    a = np.radians(angle)
    along = np.stack([np.cos(a), np.sin(a)], axis=1)
    across = np.stack([-np.sin(a), np.cos(a)], axis=1)
    return {
        "mean": means,
        "major": means + (HANDLE_N_STD * sd_major)[:, None] * along,
        "minor": means + (HANDLE_N_STD * sd_minor)[:, None] * across,
    }


#: Switched-off components whose means lie within this many of their standard deviations
#: of one another share one label (they are drawn on top of each other).
SAME_PLACE_SD = 0.05


def _switched_off_labels(m: E.Mixture, statuses) -> dict[int, str]:
    """The label of each group of switched-off components sitting at one place (VB
    leaves them all near the prior's mean): on the group's first component, naming them
    all (1-based), e.g. "3–6 switched off"; the others of the group get none."""
    if statuses is None:
        return {}
    means = np.asarray(m.means)
    sd = np.sqrt(np.trace(np.asarray(m.covariances), axis1=1, axis2=2) / 2.0)
    off = [j for j, st in enumerate(statuses) if st == "off" and j < len(means)]
    labels: dict[int, str] = {}
    done: set[int] = set()
    for j in off:
        if j in done:
            continue
        group = [i for i in off if i not in done
                 and np.hypot(*(means[i] - means[j])) <= SAME_PLACE_SD * sd[j]]
        done.update(group)
        names = [i + 1 for i in group]
        run = len(names) > 2 and names == list(range(names[0], names[-1] + 1))
        who = (f"{names[0]}–{names[-1]}" if run else ", ".join(map(str, names)))
        labels[j] = f"{who} switched off"
    return labels


class ComponentLayer:
    """Ellipses at 1, 2 and 3 sigma, means, handles and health warnings, per component."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._ellipses: dict[tuple[int, int], pg.PlotCurveItem] = {}
        self._ellipse_warn: dict[tuple[int, int], bool] = {}  # pen state of each ellipse
        self._means = ClickThroughScatter(size=13, pxMode=True)
        self._means.setZValue(Z["means"])
        plot.addItem(self._means)
        self._handles = ClickThroughScatter(size=8, symbol="s", pxMode=True)
        self._handles.setZValue(Z["handles"])
        plot.addItem(self._handles)
        self._warnings: dict[int, pg.TextItem] = {}
        self._theme = LIGHT

    def items(self) -> dict[str, pg.GraphicsObject]:
        return {"means": self._means, "handles": self._handles}

    def set_theme(self, theme) -> None:
        """Ellipse colours for ``theme``'s background (drawn at the next redraw)."""
        self._theme = theme
        for key in self._ellipse_warn:  # every ellipse's pen is set again
            self._ellipse_warn[key] = "new colours"

    def redraw(self, m: E.Mixture | None, statuses: tuple[str, ...] | None,
               show_sigma: dict[int, bool], show_handles: bool) -> dict[str, np.ndarray] | None:
        """Draw mixture ``m`` (None: nothing); ``statuses`` is each component's health
        (None: all "ok"). Returns :func:`part_positions` of ``m``, or None."""
        k = 0 if m is None else m.n_components
        for (j, s), item in list(self._ellipses.items()):
            if j >= k:
                self._plot.removeItem(item)
                del self._ellipses[(j, s)]
                del self._ellipse_warn[(j, s)]
        for j, text in list(self._warnings.items()):
            if j >= k:
                self._plot.removeItem(text)
                del self._warnings[j]
        if m is None:
            self._means.setData([], [])
            self._handles.setData([], [])
            return None
        geometry = part_positions(m)
        means = geometry["mean"]
        spots = []
        handles = []
        off_labels = _switched_off_labels(m, statuses)
        # Every component's outline at each sigma shown, from one decomposition each.
        outlines = {s: E.ellipses(m, float(s), 96) for s in SIGMAS if show_sigma[s]}
        for j in range(k):
            dark = self._theme.ellipse(j)
            status = "ok" if statuses is None or j >= len(statuses) else statuses[j]
            warn = "off" if status == "off" else status != "ok"
            for s in SIGMAS:
                self._draw_ellipse(j, s, dark, warn, outlines[s][j] if show_sigma[s] else None)
            mx, my = float(means[j, 0]), float(means[j, 1])
            ring = pen(*OFF_RGB, width=1.5) if warn == "off" else pen(*dark, width=3)
            spots.append({"pos": (mx, my), "brush": brush(255, 255, 255, 240),
                          "pen": ring, "symbol": "o"})
            if show_handles:
                handle_pen = pen(*(OFF_RGB if warn == "off" else dark), width=1.5)
                for part in ("major", "minor"):
                    hx, hy = geometry[part][j]
                    if np.isfinite(hx) and np.isfinite(hy):
                        handles.append({"pos": (float(hx), float(hy)), "pen": handle_pen,
                                        "brush": brush(255, 255, 255, 230)})
            self._draw_warning(j, status, mx, my, off_labels.get(j))
        self._means.setData(spots)
        self._handles.setData(handles)
        return geometry

    def _draw_ellipse(self, j: int, s: int, dark, warn: bool | str,
                      xy: np.ndarray | None) -> None:
        """Component ``j``'s ``s``-sigma ellipse along the outline ``xy`` (None: hidden)."""
        item = self._ellipses.get((j, s))
        if item is None:
            item = pg.PlotCurveItem()
            item.setZValue(Z["ellipses"])
            self._plot.addItem(item)
            self._ellipses[(j, s)] = item
            self._ellipse_warn[(j, s)] = None
        if self._ellipse_warn[(j, s)] != warn:
            self._ellipse_warn[(j, s)] = warn
            item.setPen(ellipse_pen(dark, s, warn))
        if xy is not None:
            item.setData(xy[:, 0], xy[:, 1])
            item.show()
        else:
            item.hide()

    def _draw_warning(self, j: int, status: str, mx: float, my: float,
                      off_label: str | None = None) -> None:
        text = self._warnings.get(j)
        if status == "off" and off_label is None:
            # Another switched-off component at the same place carries the label.
            if text is not None:
                text.hide()
            return
        if status != "ok":
            if text is None:
                text = pg.TextItem(color=WARNING_RGB, anchor=(-0.12, 1.1))
                text.setZValue(Z["warnings"])
                self._plot.addItem(text)
                self._warnings[j] = text
            off = status == "off"
            text.setColor(OFF_RGB if off else WARNING_RGB)
            text.setText(off_label if off else f"⚠ {status}")
            text.setPos(mx, my)
            text.show()
        elif text is not None:
            text.hide()

    # ------------------------------------------------------------------ what is shown

    def mean_positions(self) -> np.ndarray:
        """The mean rings drawn, (K, 2)."""
        return scatter_positions(self._means)

    def handle_positions(self) -> np.ndarray:
        """The axis handles drawn, (m, 2)."""
        return scatter_positions(self._handles)

    def ellipse_pen(self, j: int, sigma: int):
        """The pen of component ``j``'s ``sigma`` ellipse (a QPen)."""
        return self._ellipses[(j, sigma)].opts["pen"]

    def warning_text(self, j: int) -> str:
        """The warning shown beside component ``j``; "" when none is shown."""
        text = self._warnings.get(j)
        return text.toPlainText() if text is not None and text.isVisible() else ""

