"""The log-likelihood curve: mean log-likelihood per point against iteration, one curve per
branch of the history."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from gmm_explorer.qt.panels.widgets import LINE_STYLES, branch_style, curve_data


class LikelihoodPanel(pg.PlotWidget):
    """Mean per-point log-likelihood against iteration, one curve per branch (the active
    one bold, the others in their own styles); the displayed iteration highlighted and
    convergence marked. The tooltip gives the total log-likelihood."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMinimumHeight(150)
        p = self.plotItem
        p.setLabel("left", "mean log-likelihood", color="k")
        p.setLabel("bottom", "iteration", color="k")
        p.showGrid(x=True, y=True, alpha=0.2)
        for ax in ("left", "bottom"):
            p.getAxis(ax).setTextPen("k")
            p.getAxis(ax).enableAutoSIPrefix(False)
        p.setXRange(0, 10, padding=0.02)
        self._curve = p.plot([], [], pen=pg.mkPen(0, 114, 178, width=2), symbol="o",
                             symbolSize=5, symbolBrush=(0, 114, 178), symbolPen=None)
        self._curve.setZValue(2)
        #: Curves of the inactive branches (persistent; hidden when unused).
        self._others: list[pg.PlotDataItem] = []
        # Neutral marker: orange or blue would read as a component.
        self._current = pg.ScatterPlotItem(size=11, brush=pg.mkBrush(255, 255, 255),
                                           pen=pg.mkPen("k", width=2))
        self._current.setZValue(3)
        p.addItem(self._current)
        self._converged = pg.InfiniteLine(angle=90, pen=pg.mkPen(0, 158, 115, width=2,
                                                                 style=Qt.PenStyle.DashLine),
                                          label="converged", labelOpts={"color": (0, 120, 90),
                                                                        "position": 0.15})
        self._converged.hide()
        p.addItem(self._converged)
        self.setToolTip("Mean log-likelihood per point at each iteration")

    def update_history(self, history, position: int | None = None) -> None:
        """One branch: ``history`` is a list of StepResult, iteration 0 first;
        ``position`` the displayed index (None: the newest)."""
        self.update_branches([history], 0, position)

    def active_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) data of the active branch's curve."""
        return curve_data(self._curve)

    def other_curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (x, y) data of the inactive branches' curves shown (for tests)."""
        return [c.getData() for c in self._others if c.isVisible()]

    def update_branches(self, branches, active: int, position: int | None = None) -> None:
        """``branches``: a list of lists of StepResult (one per branch); ``active``: the
        index of the active one; ``position``: its displayed index (None: the newest)."""
        history = branches[active] if branches else []
        for i, c in enumerate(self._others):
            c.setVisible(False)
        n_other = 0
        for i, steps in enumerate(branches):
            if i == active or not steps:
                continue
            if n_other == len(self._others):
                c = self.plotItem.plot([], [])
                c.setZValue(1)
                self._others.append(c)
            c = self._others[n_other]
            n_other += 1
            style, color = branch_style(i)
            c.setPen(pg.mkPen(*color, width=1.6, style=LINE_STYLES[style]))
            c.setData([r.iteration for r in steps], [r.mean_log_likelihood for r in steps])
            c.setVisible(True)
        if not history:
            self._curve.setData([], [])
            self._current.setData([], [])
            self._converged.hide()
            self.setToolTip("Mean log-likelihood per point at each iteration (none yet)")
            return
        style, color = branch_style(active)
        self._curve.setPen(pg.mkPen(*color, width=2.4, style=LINE_STYLES[style]))
        self._curve.setSymbolBrush(color)
        it = np.array([r.iteration for r in history], dtype=float)
        ll = np.array([r.mean_log_likelihood for r in history])
        self._curve.setData(it, ll)
        all_ll = np.concatenate([ll] + [np.array([r.mean_log_likelihood for r in b])
                                        for i, b in enumerate(branches) if i != active and b])
        all_it = max([float(it[-1])] + [float(b[-1].iteration) for b in branches if b])
        # At least ten iterations wide, so the first steps do not fill the whole plot.
        # Re-range only when the curve outgrows the view: re-ranging re-renders the axes.
        x_hi = max(10.0, all_it)
        span = max(float(all_ll.max() - all_ll.min()), 1e-3 * max(1.0, abs(float(ll[-1]))))
        y_lo, y_hi = float(all_ll.min()) - 0.1 * span, float(all_ll.max()) + 0.18 * span
        (vx0, vx1), (vy0, vy1) = self.plotItem.viewRange()
        if x_hi > vx1 or it[0] < vx0 or x_hi < 0.5 * vx1:
            self.plotItem.setXRange(min(it[0], 0), x_hi + (x_hi - min(it[0], 0)) * 0.25,
                                    padding=0.02)
        if y_lo < vy0 or y_hi > vy1 or (y_hi - y_lo) < 0.25 * (vy1 - vy0):
            self.plotItem.setYRange(y_lo, y_hi, padding=0)
        cur = history[-1 if position is None else position]
        self._current.setData([cur.iteration], [cur.mean_log_likelihood])
        last = history[-1]
        if last.converged:
            self._converged.setValue(last.iteration)
            self._converged.show()
        else:
            self._converged.hide()
        self.setToolTip(f"iteration {cur.iteration}: mean log-likelihood "
                        f"{cur.mean_log_likelihood:.6g}, total {cur.log_likelihood:.6g} "
                        f"over {cur.n_samples} points")

    @property
    def marker_position(self) -> tuple[float, float] | None:
        """(iteration, mean log-likelihood) of the displayed-iteration marker."""
        x, y = self._current.getData()
        return (float(x[0]), float(y[0])) if len(x) else None
