"""Side panels: the log-likelihood curve, the parameter table and the model controls.

Passive views: they build widgets and expose ``update_*`` / ``set_*``; the window wires
them together.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer import engine as E
from gmm_explorer.render import component_color
from gmm_explorer.session import MAX_K, ModelSettings


@contextlib.contextmanager
def signals_blocked(*widgets):
    """Update widgets from the model without their signals firing back (napari's idiom)."""
    blockers = [QSignalBlocker(w) for w in widgets]
    try:
        yield
    finally:
        del blockers


class SciSpinBox(QDoubleSpinBox):
    """A spin box that shows small numbers as 1e-06 rather than 0.00000100."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(15)

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt API
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt API
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        t = text.strip()
        try:
            v = float(t)
        except ValueError:
            ok = t in ("", ".", "-", "+") or t.lower().endswith(("e", "e-", "e+"))
            return (QValidator.State.Intermediate if ok else QValidator.State.Invalid), text, pos
        in_range = self.minimum() <= v <= self.maximum()
        return (QValidator.State.Acceptable if in_range else QValidator.State.Intermediate), text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802 - Qt API
        # Step by factors of 10 (the natural scale of reg_covar and tol).
        v = self.value()
        if v <= 0:
            self.setValue(self.singleStep() if steps > 0 else 0.0)
        else:
            self.setValue(min(self.maximum(), max(self.minimum(), v * 10.0 ** steps)))


#: Line styles of the branches' curves, in branch order (the active one is also thicker).
BRANCH_STYLES = ("solid", "dash", "dot", "dashdot")
#: Colours of the branches' curves (Okabe-Ito, without the component colours' first two).
BRANCH_COLORS = ((0, 114, 178), (204, 121, 167), (0, 158, 115), (86, 180, 233),
                 (213, 94, 0), (120, 120, 120))
_PEN_STYLES = {"solid": Qt.PenStyle.SolidLine, "dash": Qt.PenStyle.DashLine,
               "dot": Qt.PenStyle.DotLine, "dashdot": Qt.PenStyle.DashDotLine}


def branch_style(i: int) -> tuple[str, tuple[int, int, int]]:
    """(line style, colour) of branch ``i`` in the log-likelihood panel and branch list."""
    return BRANCH_STYLES[i % len(BRANCH_STYLES)], BRANCH_COLORS[i % len(BRANCH_COLORS)]


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
            c.setPen(pg.mkPen(*color, width=1.6, style=_PEN_STYLES[style]))
            c.setData([r.iteration for r in steps], [r.mean_log_likelihood for r in steps])
            c.setVisible(True)
        if not history:
            self._curve.setData([], [])
            self._current.setData([], [])
            self._converged.hide()
            self.setToolTip("Mean log-likelihood per point at each iteration (none yet)")
            return
        style, color = branch_style(active)
        self._curve.setPen(pg.mkPen(*color, width=2.4, style=_PEN_STYLES[style]))
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


class ParameterTable(QTableWidget):
    """Per component: weight, mean, covariance entries, principal standard deviations,
    angle, effective points, and check boxes that lock the weight, mean or covariance."""

    #: (str kind, int component, bool on): the user ticked or cleared a lock box.
    lock_toggled = Signal(str, int, bool)

    LOCK_KINDS = ("weight", "mean", "covariance")
    HEADERS = ["", "weight", "mean x", "mean y", "Σxx", "Σxy", "Σyy", "sd₁", "sd₂", "angle°",
               "n_k now", "lock w", "lock μ", "lock Σ"]
    TIPS = ["component colour", "mixing weight", "mean, x", "mean, y",
            "covariance matrix entry xx (a variance)", "covariance matrix entry xy",
            "covariance matrix entry yy (a variance)",
            "sd₁: standard deviation along the major axis",
            "sd₂: standard deviation along the minor axis",
            "angle of the major axis from the x axis in degrees, in data units (it looks "
            "different on screen unless View › Equal axes is on)",
            "points the component claims under these parameters (sum of its "
            "responsibilities); the next M-step sets weight = n_k / N",
            "lock the weight: the M-step keeps it; the unlocked weights share the rest",
            "lock the mean: the M-step keeps it (the covariance is then estimated about it)",
            "lock the covariance: the M-step keeps it (tied: the shared covariance)"]

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(self.HEADERS), parent)
        self.setHorizontalHeaderLabels(self.HEADERS)
        for j, tip in enumerate(self.TIPS):
            self.horizontalHeaderItem(j).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(24)
        self.setColumnWidth(0, 24)
        self.setToolTip("Parameters of each component at the current iteration; tick a lock "
                        "to keep that parameter fixed in the M-step")
        self.itemChanged.connect(self._on_item_changed)
        self._n_values = 10

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        col = item.column() - 1 - self._n_values
        if 0 <= col < 3:
            self.lock_toggled.emit(self.LOCK_KINDS[col], item.row(),
                                   item.checkState() == Qt.CheckState.Checked)

    def lock_item(self, row: int, kind: str) -> QTableWidgetItem:
        return self.item(row, 1 + self._n_values + self.LOCK_KINDS.index(kind))

    def update_result(self, result: E.StepResult | None, locks=None) -> None:
        """Show ``result``'s parameters and ``locks`` (engine Locks or None)."""
        with signals_blocked(self):
            self._update(result, locks)

    def _update(self, result, locks) -> None:
        if result is None:
            self.setRowCount(0)
            return
        m = result.mixture
        k = m.n_components
        self.setRowCount(k)
        sd_major, sd_minor, angle = E.ellipse_axes(m)
        for j in range(k):
            c = m.covariances[j]
            if self.item(j, 0) is None:
                # Items are created once per row and then only their text changes.
                swatch = QTableWidgetItem("")
                swatch.setBackground(QColor(*component_color(j)))
                swatch.setToolTip(f"component {j + 1}")
                self.setItem(j, 0, swatch)
                for col in range(1, self._n_values + 1):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight
                                          | Qt.AlignmentFlag.AlignVCenter)
                    self.setItem(j, col, item)
                for i, kind in enumerate(self.LOCK_KINDS):
                    item = QTableWidgetItem()
                    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                    item.setToolTip(f"lock the {kind} of component {j + 1}")
                    self.setItem(j, 1 + self._n_values + i, item)
            values = [m.weights[j], m.means[j, 0], m.means[j, 1], c[0, 0], c[0, 1], c[1, 1],
                      sd_major[j], sd_minor[j], angle[j], result.n_effective[j]]
            status = result.diagnostics[j].status
            for col, v in enumerate(values, start=1):
                item = self.item(j, col)
                n_k = col == len(values)
                item.setText(f"{v:,.0f}" if n_k and v >= 1000 else
                             f"{v:.1f}" if col == 9 else f"{v:.4g}")
                item.setForeground(QColor(190, 40, 0) if status != "ok" else QColor(0, 0, 0))
                item.setToolTip(f"component {j + 1} is {status}" if status != "ok" else "")
            for kind in self.LOCK_KINDS:
                on = locks is not None and locks.n_components == k and getattr(locks, kind)[j]
                self.lock_item(j, kind).setCheckState(Qt.CheckState.Checked if on
                                                      else Qt.CheckState.Unchecked)

    def cell_text(self, row: int, col: int) -> str:
        item = self.item(row, col)
        return "" if item is None else item.text()


class ControlsPanel(QWidget):
    """Model settings, transport buttons and view options.

    Transport buttons are bound to the window's QActions (so the shortcuts, menus and
    buttons are one thing).
    """

    #: None: the user edited a model setting.
    settings_edited = Signal()
    #: int: steps per second for Run (0 = as fast as possible).
    speed_changed = Signal(int)

    def __init__(self, actions: dict, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        model = QGroupBox("Model")
        form = QFormLayout(model)
        self.k = QSpinBox()
        self.k.setRange(1, MAX_K)
        self.k.setToolTip("K: number of components (1–20)")
        self.covariance = QComboBox()
        self.covariance.addItems(list(E.COVARIANCE_TYPES))
        self.covariance.setToolTip("full: any ellipse per component; tied: one shared "
                                   "ellipse; diag: axis-aligned; spherical: circles")
        self.init = QComboBox()
        self.init.addItems(list(E.INIT_METHODS))
        self.init.setToolTip("How Initialise places the components: k-means, k-means++ "
                             "seeds, random responsibilities, or K random data points")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed gives the same initialisation")
        self.reg_covar = SciSpinBox()
        self.reg_covar.setRange(0.0, 10.0)
        self.reg_covar.setSingleStep(1e-6)
        self.reg_covar.setToolTip("Added to the diagonal of each covariance after every "
                                  "M-step; raise it if a component collapses")
        self.tol = SciSpinBox()
        self.tol.setRange(0.0, 10.0)
        self.tol.setSingleStep(1e-6)
        self.tol.setToolTip("Converged when the mean log-likelihood changes by less than this")
        self.max_iter = QSpinBox()
        self.max_iter.setRange(1, 100000)
        self.max_iter.setToolTip("Run stops after this many iterations")
        for label, w in (("K", self.k), ("Covariance", self.covariance), ("Init method", self.init),
                         ("Seed", self.seed), ("reg_covar", self.reg_covar), ("tol", self.tol),
                         ("Max iterations", self.max_iter)):
            form.addRow(label, w)
        for w in (self.k, self.seed, self.max_iter):
            w.valueChanged.connect(self.settings_edited)
        for w in (self.reg_covar, self.tol):
            w.valueChanged.connect(self.settings_edited)
        for w in (self.covariance, self.init):
            w.currentIndexChanged.connect(self.settings_edited)
        outer.addWidget(model)

        transport = QGroupBox("EM")
        grid = QGridLayout(transport)
        self.buttons = {}
        layout = [("initialise", 0, 0, 1, 2), ("e_step", 1, 0, 1, 1), ("m_step", 1, 1, 1, 1),
                  ("step", 2, 0, 1, 2), ("run", 3, 0, 1, 1), ("converge", 3, 1, 1, 1)]
        for name, r, c, rs, cs in layout:
            b = QToolButton()
            b.setDefaultAction(actions[name])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding,
                            b.sizePolicy().verticalPolicy())
            b.setMinimumHeight(28)
            grid.addWidget(b, r, c, rs, cs)
            self.buttons[name] = b
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel("Speed"))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 31)
        self.speed.setValue(5)
        self.speed.setToolTip("Run speed in steps per second (rightmost: as fast as possible)")
        self.speed.valueChanged.connect(lambda v: self.speed_changed.emit(self.steps_per_second))
        self.speed_label = QLabel()
        self.speed.valueChanged.connect(self._update_speed_label)
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        grid.addLayout(speed_row, 4, 0, 1, 2)
        self._update_speed_label()
        outer.addWidget(transport)

        view = QGroupBox("View")
        vgrid = QGridLayout(view)
        self.sigma_boxes = {}
        mass = {1: 39.3, 2: 86.5, 3: 98.9}  # 1 - exp(-s^2 / 2): mass inside, in 2-D
        for i, s in enumerate((1, 2, 3)):
            box = QCheckBox(f"{s}σ")
            box.setToolTip(f"Show the {s}σ ellipse of each component ({s} standard deviation"
                           f"{'s' if s > 1 else ''} along each axis); in two dimensions it "
                           f"holds {mass[s]}% of the component's mass")
            vgrid.addWidget(box, 0, i)
            self.sigma_boxes[s] = box
        self.contours = QCheckBox("Contours")
        self.contours.setToolTip("Density contours at log-spaced levels (half a decade apart)")
        self.density = QCheckBox("Shading")
        self.density.setToolTip("Shade the log-density of the mixture")
        self.hard = QCheckBox("Hard colours")
        self.hard.setToolTip("Colour points by their most responsible component instead of "
                             "blending colours by responsibility (H)")
        self.equal_axes = QCheckBox("Equal axes")
        self.equal_axes.setToolTip("One data unit is as long on both axes, so ellipses show "
                                   "their true shape and angle")
        vgrid.addWidget(self.contours, 1, 0)
        vgrid.addWidget(self.density, 1, 1)
        vgrid.addWidget(self.hard, 1, 2)
        vgrid.addWidget(self.equal_axes, 2, 0, 1, 2)
        # The legend lives here, not on the plot, where it would hide data.
        legend = QLabel("Ellipses: solid 1σ (39% of the mass), dashed 2σ (86%), dotted 3σ "
                        "(99%). Ring: component mean. Grey lines: density contours, half a "
                        "decade apart. Points: blended component colours by responsibility "
                        "(grey before the first E-step).")
        legend.setWordWrap(True)
        legend.setStyleSheet("color: #444; font-size: 11px;")
        vgrid.addWidget(legend, 3, 0, 1, 3)
        outer.addWidget(view)
        outer.addStretch(1)

    @property
    def steps_per_second(self) -> int:
        v = self.speed.value()
        return 0 if v >= self.speed.maximum() else v

    def _update_speed_label(self) -> None:
        sps = self.steps_per_second
        self.speed_label.setText("max" if sps == 0 else f"{sps}/s")

    def settings(self) -> ModelSettings:
        return ModelSettings(self.k.value(), self.covariance.currentText(),
                             self.init.currentText(), self.seed.value(),
                             self.reg_covar.value(), self.tol.value(), self.max_iter.value())

    def set_settings(self, s: ModelSettings) -> None:
        with signals_blocked(self.k, self.covariance, self.init, self.seed, self.reg_covar,
                             self.tol, self.max_iter):
            self.k.setValue(s.k)
            self.covariance.setCurrentText(s.covariance_type)
            self.init.setCurrentText(s.init)
            self.seed.setValue(s.seed)
            self.reg_covar.setValue(s.reg_covar)
            self.tol.setValue(s.tol)
            self.max_iter.setValue(s.max_iter)
