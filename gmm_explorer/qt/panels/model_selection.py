"""Live model selection: BIC and AIC against K for each covariance type."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QFontMetricsF
from PySide6.QtWidgets import (
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.engine.mixture import COVARIANCE_TYPES
from gmm_explorer.engine.models import MODEL_TYPES, describe, label, mclust_code
from gmm_explorer.engine.selection import CRITERIA, SelectionRow
from gmm_explorer.engine.selection import best_row as _best_row
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.panels.selection_options import (
    COVARIANCE_COLORS,
    COVARIANCE_SYMBOLS,
    DEFAULT_TYPES,
    SelectionOptions,
    SelectionOptionsForm,
)
from gmm_explorer.qt.panels.widgets import (
    RunControls,
    curve_data,
    format_number,
    white_plot,
)

#: Height in pixels of the row above the plot that names the best model, and its text size.
BEST_LABEL_HEIGHT = 22
BEST_LABEL_PT = 9
#: The star before the best model's name, as the star marker in the plot.
STAR_HTML = '<span style="color:#b09a00">★</span>'
#: The selection plot's y range leaves out far worse values (see SelectionPanel._focus_y):
#: those more than FOCUS_OUTLIER times the median's distance above the lowest value; it
#: then reaches FOCUS_SPREAD times that distance.
FOCUS_OUTLIER = 10.0
FOCUS_SPREAD = 4.0


class SelectionPanel(QWidget):
    """BIC and AIC against K, one colour and marker per covariance type; click a point to
    load it. The best model is starred and named above the plot, where it hides no data."""

    #: None: the user asks for a fresh sweep.
    recompute_requested = Signal()
    #: None: the user asks to stop the running sweep.
    cancel_requested = Signal()
    #: None: an option changed; read them with options().
    options_changed = Signal()
    #: SelectionRow: the model the user clicked, to load into the window.
    model_chosen = Signal(object)
    #: Whether the y range leaves some (far worse) points out (see _focus_y).
    focused = False

    #: BIC: solid lines and filled markers; AIC: dashed lines and hollow markers; ICL:
    #: dotted lines and filled markers.
    STYLES: ClassVar[dict[str, Qt.PenStyle]] = {"bic": Qt.PenStyle.SolidLine,
                                                "aic": Qt.PenStyle.DashLine,
                                                "icl": Qt.PenStyle.DotLine}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)

        self.form = SelectionOptionsForm()
        outer.addWidget(self.form)
        # The form's widgets, for code and tests that set them as a user does.
        f = self.form
        self.k_max, self.n_init, self.auto = f.k_max, f.n_init, f.auto
        self.type_boxes, self.criterion_buttons = f.type_boxes, f.criterion_buttons
        self.criterion_group = f.criterion_group
        f.options_changed.connect(self.options_changed)
        f.criterion_changed.connect(self._redraw)

        self.run_controls = RunControls(
            "Recompute", run_tip=("Fit every K and covariance type selected above and score "
                                  "each by BIC and AIC"),
            cancel_tip="Stop the sweep; the fits done so far stay shown",
            progress_tip="Progress of the sweep", status_tip="State of the sweep")
        outer.addWidget(self.run_controls)
        self.recompute_button = self.run_controls.run_button
        self.cancel_button = self.run_controls.cancel_button
        self.progress = self.run_controls.progress
        self.status_text = self.run_controls.status

        theme = themes.current()
        self.plot = pg.PlotWidget(background=theme.background)
        self.plot.setMinimumHeight(220)
        white_plot(self.plot, "criterion (lower is better)", "K")
        self.plot.setToolTip("BIC (solid lines, filled markers), AIC (dashed, hollow) and "
                             "ICL (dotted, filled) against K, one colour per family of "
                             "models and one marker per model; click a point to load that "
                             "model")
        self.plot.plotItem.setMenuEnabled(False)
        self._curves: dict[tuple[str, str], pg.PlotCurveItem] = {}
        self._scatters: dict[tuple[str, str], pg.ScatterPlotItem] = {}
        for t in MODEL_TYPES:
            rgb = COVARIANCE_COLORS[t]
            for c in CRITERIA:
                curve = pg.PlotCurveItem(pen=pg.mkPen(*rgb, width=2, style=self.STYLES[c]))
                scatter = pg.ScatterPlotItem(symbol=COVARIANCE_SYMBOLS[t], size=9,
                                             brush=pg.mkBrush(*rgb), pen=pg.mkPen("w"),
                                             hoverable=True, tip=self._tip)
                scatter.setZValue(5)
                scatter.sigClicked.connect(self._on_points_clicked)
                self.plot.addItem(curve)
                self.plot.addItem(scatter)
                self._curves[(t, c)] = curve
                self._scatters[(t, c)] = scatter
        # Its pen, the crosses', the legend's text: the theme's inks (retheme, below).
        self._current_ring = pg.ScatterPlotItem(symbol="o", size=17, brush=None)
        self._current_ring.setZValue(4)
        self.plot.addItem(self._current_ring)
        self._current_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(90, 90, 90, width=1.5, style=Qt.PenStyle.DashLine),
            label="loaded", labelOpts={"color": (60, 60, 60), "position": 0.95,
                                       # Readable where it crosses a curve.
                                       "fill": (255, 255, 255, 230),
                                       "border": (150, 150, 150)})
        self._current_line.setZValue(20)  # the label over the curves, not under them
        self._current_line.hide()
        self.plot.addItem(self._current_line)
        # Degenerate fits (a component collapsed): crossed out, never best.
        self._degenerate = pg.ScatterPlotItem(symbol="x", size=13, hoverable=True,
                                              tip=self._tip)
        self._degenerate.setZValue(6)
        self.plot.addItem(self._degenerate)
        self._star = pg.ScatterPlotItem(symbol="star", size=26, brush=pg.mkBrush(240, 228, 66),
                                        pen=pg.mkPen("k", width=1.5), hoverable=True,
                                        tip=self._tip)
        self._star.setZValue(10)
        self._star.sigClicked.connect(self._on_points_clicked)
        self.plot.addItem(self._star)
        # The best model is named in the plot's title row, above the data, so that it never
        # hides a curve; the row keeps its height when empty, so the plot does not jump.
        p = self.plot.plotItem
        p.setTitle("")
        p.layout.setRowFixedHeight(0, BEST_LABEL_HEIGHT)
        p.titleLabel.setMaximumHeight(BEST_LABEL_HEIGHT)
        self.best_label = p.titleLabel
        self.best_label.setToolTip("The model with the lowest criterion (starred in the plot)")
        # The legend sits under the plot, where it hides no data.
        self.legend = pg.LegendItem(colCount=3, labelTextSize="8pt")
        self.plot.plotItem.layout.addItem(self.legend, 4, 1)
        # Proxies (never in the plot) with one point each: the legend draws the marker of
        # a PlotDataItem from its scatter, which takes the symbol options with the data.
        self._legend_proxies = []
        self._legend_models: tuple[str, ...] = ()
        self._criterion_proxies = []
        for c in CRITERIA:
            proxy = pg.PlotDataItem([0.0], [0.0], pen=pg.mkPen(style=self.STYLES[c]),
                                    symbol="o", symbolSize=7)
            self._criterion_proxies.append((proxy, c.upper()))
        self._set_legend(DEFAULT_TYPES)
        outer.addWidget(self.plot, 1)

        self._rows: tuple[SelectionRow, ...] = ()
        #: The best model's name, longest first (the label shows the first that fits).
        self._best_texts: tuple[str, ...] = ()
        self._complete = False
        self._current: tuple[int, str] | None = None
        self.retheme(theme)
        self.run_controls.run_requested.connect(self.recompute_requested)
        self.run_controls.cancel_requested.connect(self.cancel_requested)

    def retheme(self, theme) -> None:
        """The marks drawn in the theme's inks (the plot itself: theme.style_plot)."""
        grey = (60, 60, 60) if not theme.dark else theme.soft_ink
        cross = (40, 40, 40) if not theme.dark else theme.soft_ink
        self._current_ring.setPen(pg.mkPen(*theme.ink, width=1.5))
        self._degenerate.setPen(pg.mkPen(*cross, width=1.5))
        self._degenerate.setBrush(pg.mkBrush(*cross))
        for proxy, text in self._criterion_proxies:
            proxy.setPen(pg.mkPen(*grey, width=1.5, style=proxy.opts["pen"].style()))
            proxy.setSymbolPen(pg.mkPen(*grey))
            if text != "AIC":
                proxy.setSymbolBrush(pg.mkBrush(*grey))
            else:
                proxy.setSymbolBrush(pg.mkBrush(*theme.background))
        self.legend.setLabelTextColor(theme.ink)
        self._fit_best_label()

    def _set_legend(self, models) -> None:
        """The legend names the models a sweep covers (then BIC and AIC)."""
        models = tuple(models)
        if models == self._legend_models:
            return
        self._legend_models = models
        self.legend.clear()
        self._legend_proxies = []
        for t in models:
            rgb = COVARIANCE_COLORS[t]
            proxy = pg.PlotDataItem([0.0], [0.0], pen=pg.mkPen(*rgb, width=2.5),
                                    symbol=COVARIANCE_SYMBOLS[t], symbolSize=8,
                                    symbolBrush=pg.mkBrush(*rgb), symbolPen=pg.mkPen("w"))
            self._legend_proxies.append(proxy)
            self.legend.addItem(proxy, t if t in COVARIANCE_TYPES else mclust_code(t))
        for proxy, text in self._criterion_proxies:
            self.legend.addItem(proxy, text)

    def legend_entries(self) -> list[str]:
        """The legend's texts, in order."""
        return [lab.text for _, lab in self.legend.items]

    # -- options

    def options(self) -> SelectionOptions:
        return self.form.options()

    def set_options(self, options: SelectionOptions) -> None:
        """Show ``options`` (e.g. restored from settings) without emitting options_changed."""
        self.form.set_options(options)

    @property
    def criterion(self) -> str:
        return self.form.criterion

    # -- state from the window

    def set_rows(self, rows: Sequence[SelectionRow], complete: bool) -> None:
        """Show the fits done so far; ``complete`` when the sweep has finished."""
        self._rows = tuple(rows)
        present = {r.covariance_type for r in self._rows}
        self._set_legend([t for t in MODEL_TYPES if t in present]
                         or self.options().covariance_types)
        self._complete = bool(complete)
        if complete:
            failed = sum(r.result is None for r in self._rows)
            text = f"{len(self._rows)} fit{'' if len(self._rows) == 1 else 's'}"
            if failed:
                text += f", {failed} failed (hover the plot for why)"
            bad = sum(r.degenerate is not None for r in self._rows if r.result is not None)
            if bad:
                text += f", {bad} degenerate (×: a component collapsed; never best)"
            self.set_status(text)
        self._redraw()

    def clear(self) -> None:
        self._rows = ()
        self._complete = False
        self.set_status("")
        self._redraw()

    def set_progress(self, done: int, total: int, text: str = "") -> None:
        """``text`` describes the fit in hand, e.g. ``"fitting K=3 full"``; the counts are
        appended."""
        label = f"{text} ({done}/{total})" if text else f"{done}/{total}"
        self.run_controls.set_progress(done, total, label)
        self.set_status(f"{done} of {total} fits")

    def set_running(self, running: bool) -> None:
        self.run_controls.set_running(running)

    def set_status(self, text: str) -> None:
        self.run_controls.set_status(text)

    @property
    def loaded_marker(self) -> pg.InfiniteLine:
        """The dashed line (and its "loaded: K=…" label) at the model the window shows."""
        return self._current_line

    def set_current(self, k: int | None, covariance_type: str | None = None) -> None:
        """Mark the model loaded in the window (None: none)."""
        current = None if k is None else (int(k), covariance_type)
        if current == self._current:
            return  # the same model (every step of a run): nothing moves
        self._current = current
        self._redraw()

    def rows(self) -> tuple[SelectionRow, ...]:
        return self._rows

    def best_row(self) -> SelectionRow | None:
        """The row with the lowest selected criterion among successful fits."""
        return _best_row(self._rows, self.criterion)

    def best_text(self) -> str:
        """What the label above the plot says about the best model ("" when none)."""
        return self.best_label.item.toPlainText() if self.best_label.isVisible() else ""

    # -- what the plot shows

    def series(self, covariance_type: str, criterion: str) -> tuple[np.ndarray, np.ndarray]:
        """(K, criterion value) of the points drawn for one covariance type and criterion."""
        return curve_data(self._scatters[(covariance_type, criterion)])

    def degenerate_marks(self) -> tuple[np.ndarray, np.ndarray]:
        """(K, criterion value) of the crossed-out (degenerate) fits."""
        return curve_data(self._degenerate)

    def series_color(self, covariance_type: str, criterion: str) -> tuple[int, int, int]:
        """RGB of the line drawn for one covariance type and criterion."""
        c = self._curves[(covariance_type, criterion)].opts["pen"].color()
        return c.red(), c.green(), c.blue()

    def best_marker(self) -> tuple[float, float] | None:
        """(K, criterion value) of the star on the best model, or None."""
        x, y = curve_data(self._star)
        return (float(x[0]), float(y[0])) if x.size else None

    def loaded_line(self) -> tuple[float, str] | None:
        """(K, label) of the line marking the model loaded in the window, or None."""
        if not self._current_line.isVisible():
            return None
        return float(self._current_line.value()), self._current_line.label.toPlainText()

    def loaded_ring(self) -> tuple[float, float] | None:
        """(K, criterion value) of the ring on the loaded model's point, or None."""
        x, y = curve_data(self._current_ring)
        return (float(x[0]), float(y[0])) if x.size else None

    # -- drawing

    @staticmethod
    def _tip(x, y, data) -> str:
        r = data
        if not isinstance(r, SelectionRow):
            return ""
        bad = (f"\ndegenerate: {r.degenerate} (never best; mclust reports NA)"
               if r.degenerate else "")
        return (f"K={r.n_components} {label(r.covariance_type)}: {describe(r.covariance_type)}"
                f"{bad}"
                f"\nBIC {format_number(r.bic, '.1f')}\n"
                f"AIC {format_number(r.aic, '.1f')}\nICL {format_number(r.icl, '.1f')}\n"
                "click to load this model")

    def _redraw(self) -> None:
        crit = self.criterion
        for (t, c), scatter in self._scatters.items():
            rows = [r for r in self._rows if r.covariance_type == t and r.result is not None
                    and np.isfinite(getattr(r, c))]
            rows.sort(key=lambda r: r.n_components)
            x = np.array([r.n_components for r in rows], dtype=float)
            y = np.array([getattr(r, c) for r in rows], dtype=float)
            # The criterion that picks the best is drawn strong, the others faint.
            alpha = 255 if c == crit else 110
            rgb = COVARIANCE_COLORS[t]
            self._curves[(t, c)].setPen(pg.mkPen(*rgb, alpha, width=2 if c == crit else 1.5,
                                                 style=self.STYLES[c]))
            self._curves[(t, c)].setData(x, y)
            # BIC and ICL filled, AIC hollow (white inside, the type's colour round it).
            if c != "aic":
                brush, pen = pg.mkBrush(*rgb, alpha), pg.mkPen(255, 255, 255, alpha)
            else:
                brush, pen = pg.mkBrush(255, 255, 255, alpha), pg.mkPen(*rgb, alpha, width=1.5)
            scatter.setData(x=x, y=y, data=rows, brush=brush, pen=pen)
        bad = [r for r in self._rows if r.result is not None and r.degenerate is not None
               and np.isfinite(getattr(r, crit))]
        self._degenerate.setData(x=[float(r.n_components) for r in bad],
                                 y=[float(getattr(r, crit)) for r in bad], data=bad)
        best = self.best_row()
        if best is None:
            self._star.setData([], [])
            self._best_texts = ()
            self.best_label.setText("")
            self.best_label.hide()
        else:
            v = float(getattr(best, crit))
            self._star.setData(x=[best.n_components], y=[v], data=[best])
            prefix = "best" if self._complete else "best so far"
            name = f"{prefix}: K={best.n_components} {best.covariance_type}"
            self._best_texts = (f"{name} ({crit.upper()} {format_number(v, '.1f')})", name)
            self._fit_best_label()
            self.best_label.show()
        if self._current is None:
            self._current_line.hide()
            self._current_ring.setData([], [])
        else:
            k, t = self._current
            # The label only re-renders while visible: show first.
            self._current_line.show()
            self._current_line.setValue(k)
            self._current_line.label.setFormat(f"loaded: K={k}" + (f" {t}" if t else ""))
            match = [r for r in self._rows if r.n_components == k and r.covariance_type == t
                     and r.result is not None and np.isfinite(getattr(r, crit))]
            if match:
                self._current_ring.setData([k], [float(getattr(match[0], crit))])
            else:
                self._current_ring.setData([], [])
        k_hi = max([r.n_components for r in self._rows] + [self.k_max.value(), 2])
        self.plot.plotItem.getAxis("bottom").setTickSpacing(major=1 if k_hi <= 10 else 2,
                                                            minor=1)
        self.plot.plotItem.setXRange(0.5, k_hi + 0.5, padding=0)
        self._focus_y()

    def _focus_y(self) -> None:
        """Range y on the models worth comparing. When the worst value drawn (of any
        criterion) lies more than FOCUS_OUTLIER times the median's distance above the
        lowest, the range stops at FOCUS_SPREAD times that distance, so that a few far
        worse cells (circles for elongated clusters) do not squash the close ones; those
        leave the top. Otherwise all the points show."""
        vals = np.array([getattr(r, c) for r in self._rows if r.result is not None
                         for c in CRITERIA], dtype=float)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            self.plot.plotItem.enableAutoRange(axis="y")
            return
        lo, hi, med = float(vals.min()), float(vals.max()), float(np.median(vals))
        far = vals.size >= 8 and hi - lo > FOCUS_OUTLIER * (med - lo)
        top = lo + FOCUS_SPREAD * (med - lo) if far else hi
        pad = 0.06 * max(top - lo, 1e-9 + 1e-6 * abs(lo))
        self.plot.plotItem.setYRange(lo - pad, top + pad, padding=0)
        self.focused = top < hi

    def y_range(self) -> tuple[float, float]:
        """The criterion range the plot shows."""
        return tuple(self.plot.plotItem.viewRange()[1])

    def _fit_best_label(self) -> None:
        """Name the best model in the longest form that fits above the plot (a label wider
        than the plot would widen the plot out of its panel)."""
        if not self._best_texts:
            return
        room = self.plot.width() - self.plot.plotItem.getAxis("left").width() - 24
        font = QFont()
        font.setPointSizeF(BEST_LABEL_PT)
        fm = QFontMetricsF(font)
        room -= fm.horizontalAdvance("★ ")
        text = next((t for t in self._best_texts if fm.horizontalAdvance(t) <= room),
                    fm.elidedText(self._best_texts[-1], Qt.TextElideMode.ElideRight,
                                  max(room, 0)))
        self.best_label.setText(f"{STAR_HTML} {html.escape(text)}", color=themes.current().ink,
                                size=f"{BEST_LABEL_PT}pt")

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self._fit_best_label()

    def _on_points_clicked(self, _item, points, _ev) -> None:
        if len(points):
            row = points[0].data()
            if isinstance(row, SelectionRow):
                self.model_chosen.emit(row)
