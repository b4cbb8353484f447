"""The likelihood landscape window (View › Likelihood landscape…): ln p(X | θ) as a heat
map over two of θ's coordinates, the rest held at the displayed state, with the branch's
EM path, the grid's local maxima and label switching's mirror.

A passive view: its controller (:mod:`gmm_explorer.qt.controllers.landscape`) computes the
grid in the background and hands it a :class:`LandscapeView`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import (
    RunControls,
    hint_label,
    keep_on_screen,
    set_text_px,
    signals_blocked,
)
from gmm_explorer.qt.plot_style import MIN_TEXT_PX, PlotLook, PlotStyle

#: The colour bar's title.
BAR_LABEL = "nats below the grid's best"
#: Drops below the grid's best (nats) labelled on the colour bar.
BAR_TICKS = (0, 1, 10, 100, 1000, 10_000, 100_000)


def shade(drop):
    """The colour scale's value for a drop below the best, in nats: −log₁₀(1 + drop), so
    that one nat, ten and a thousand are all told apart."""
    return -np.log10(1.0 + np.asarray(drop, dtype=float))


@dataclass(frozen=True, eq=False)
class LandscapeView:
    """What the window draws.

    Attributes
    ----------
    scape : Landscape
    path : ndarray of shape (n_states, 2)
        The branch's states from iteration 0 to the displayed one, in the two coordinates.
    peaks : tuple of (float, float)
        The grid's local maxima, highest first.
    iteration : int
        The displayed iteration (the held parameters').
    log_likelihood : float
        The displayed state's own ln p.
    restarts : ndarray of shape (n, 2) or None
        The optima gallery's restarts' paths in the two coordinates, one after another
        with a row of NaN between them (None: not shown).
    n_restarts : int
        How many paths ``restarts`` holds.
    """

    scape: object
    path: np.ndarray
    peaks: tuple
    iteration: int
    log_likelihood: float
    restarts: np.ndarray | None = None
    n_restarts: int = 0


def index_of(box: QComboBox, data) -> int:
    """The index of the item holding ``data`` (compared in Python: ``findData`` cannot
    compare Python objects), or 0."""
    return next((i for i in range(box.count()) if box.itemData(i) == data), 0)


class LandscapeWindow(QWidget):
    """A top-level tool window; passive: :meth:`set_coordinates`, :meth:`set_view`,
    :meth:`clear`, and its :attr:`controls` for progress and cancel."""

    #: None: the user chose other coordinates or another grid size.
    choice_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Likelihood landscape — GMM Explorer")
        self.resize(760, 680)
        layout = QVBoxLayout(self)
        self.first = QComboBox()
        self.first.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.first.setToolTip("The parameter along the vertical axis")
        self.second = QComboBox()
        self.second.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.second.setToolTip("The parameter along the horizontal axis")
        self.grid = QSpinBox()
        self.grid.setRange(20, 200)
        self.grid.setSingleStep(10)
        self.grid.setValue(100)
        self.grid.setSuffix(" per side")
        self.grid.setToolTip("Cells along each side of the grid")
        self.show_restarts = QCheckBox("gallery's restarts")
        self.show_restarts.setToolTip(
            "Also draw the paths of the optima gallery's restarts (press Find in the Optima "
            "tab first; shown when the gallery's K is the displayed K)")
        self.controls = RunControls(
            "Compute", run_tip="Compute the landscape again",
            cancel_tip="Stop computing the landscape",
            progress_tip="Rows of the grid computed",
            status_tip="What the landscape shows",
            leading=(QLabel("Vary"), self.first, QLabel("against"), self.second,
                     QLabel("grid"), self.grid, self.show_restarts))
        layout.addWidget(self.controls)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.showGrid(x=False, y=False)
        self.image = pg.ImageItem()
        self.plot.addItem(self.image)
        self.bar = pg.ColorBarItem(values=(float(shade(BAR_TICKS[-1])), 0.0),
                                   colorMap=pg.colormap.get("viridis"), interactive=False,
                                   label=BAR_LABEL)
        self.bar.setImageItem(self.image, insert_in=self.plot.getPlotItem())
        self.bar.axis.setTicks([[(float(shade(d)), f"{d:,}") for d in BAR_TICKS]])
        self.diagonal = pg.PlotDataItem([], [], pen=pg.mkPen((255, 255, 255, 170), width=1,
                                                             style=Qt.PenStyle.DashLine))
        self.restarts = pg.PlotDataItem([], [], pen=pg.mkPen((235, 235, 235, 150), width=1),
                                        connect="finite")
        self.path = pg.PlotDataItem([], [], pen=pg.mkPen("w", width=2), symbol="o",
                                    symbolSize=5, symbolBrush="w", symbolPen=None)
        self.current = pg.ScatterPlotItem(size=16, symbol="o", brush=pg.mkBrush(None),
                                          pen=pg.mkPen("w", width=3))
        self.peaks = pg.ScatterPlotItem(size=16, symbol="star",
                                        brush=pg.mkBrush(255, 215, 0),
                                        pen=pg.mkPen((60, 60, 60), width=1))
        self.mirror = pg.ScatterPlotItem(size=15, symbol="d", brush=pg.mkBrush(None),
                                         pen=pg.mkPen((255, 120, 120), width=2.5))
        for item in (self.diagonal, self.restarts, self.path, self.current, self.peaks,
                     self.mirror):
            self.plot.addItem(item)
        layout.addWidget(self.plot, 1)
        self.legend = hint_label(
            "White line: this branch's EM path, iteration 0 to the displayed one (ring); "
            "faint lines: the optima gallery's restarts, when shown. "
            "Stars: the grid's local maxima. Pink diamond: the displayed state with the two "
            "components' labels swapped, the same likelihood when they are alike (label "
            "switching); the dashed diagonal is where the two are equal. Every other "
            "parameter is held at the displayed state's value.")
        layout.addWidget(self.legend)
        #: The view shown (None while a message is).
        self.shown: LandscapeView | None = None
        #: Its normal look, for presentation mode (see set_presentation_style).
        self._look = PlotLook(self.plot.getPlotItem(),
                              scatters=(self.current, self.peaks, self.mirror))
        self._fonts = {w: w.font() for w in self.findChildren(QWidget)}
        self.first.currentIndexChanged.connect(self._chosen)
        self.second.currentIndexChanged.connect(self._chosen)
        self.grid.editingFinished.connect(self.choice_changed)
        self.show_restarts.toggled.connect(self._chosen)

    def _chosen(self, _index: int) -> None:
        self.choice_changed.emit()

    # ------------------------------------------------------------------ updates

    def set_coordinates(self, choices, first, second) -> None:
        """Offer ``choices`` ((label, Coordinate) pairs) in both boxes, ``first`` and
        ``second`` chosen."""
        with signals_blocked(self.first, self.second):
            for box, chosen in ((self.first, first), (self.second, second)):
                box.clear()
                for label, c in choices:
                    box.addItem(label, c)
                box.setCurrentIndex(index_of(box, chosen))

    def chosen(self):
        """(first Coordinate, second Coordinate, grid size)."""
        return self.first.currentData(), self.second.currentData(), self.grid.value()

    def clear(self, message: str) -> None:
        """No landscape: ``message`` says why."""
        self.shown = None
        self.image.clear()
        for item in (self.diagonal, self.path, self.restarts):
            item.setData([], [])
        for item in (self.current, self.peaks, self.mirror):
            item.setData([], [])
        self.controls.set_status(message)

    def set_view(self, view: LandscapeView) -> None:
        """Draw ``view``'s landscape with its overlays."""
        self.shown = view
        s = view.scape
        va, vb = np.asarray(s.first_values), np.asarray(s.second_values)
        ll = np.asarray(s.log_likelihood)
        drop = np.nanmax(ll) - ll
        # Row-major image: rows are the vertical axis (the first coordinate), columns
        # the horizontal one (the second); each cell centred on its grid values.
        da = (va[-1] - va[0]) / max(1, va.size - 1)
        db = (vb[-1] - vb[0]) / max(1, vb.size - 1)
        self.image.setImage(shade(drop), autoLevels=False)
        self.image.setRect(float(vb[0] - db / 2), float(va[0] - da / 2),
                           float(db * vb.size), float(da * va.size))
        self.bar.setLevels((float(shade(max(BAR_TICKS[-1], np.nanmax(drop)))), 0.0))
        self.plot.setLabel("left", s.first.label(self._names))
        self.plot.setLabel("bottom", s.second.label(self._names))
        path = np.asarray(view.path)
        self.path.setData(path[:, 1], path[:, 0], connect="finite")
        if view.restarts is None:
            self.restarts.setData([], [])
        else:
            self.restarts.setData(view.restarts[:, 1], view.restarts[:, 0], connect="finite")
        held = (s.first.value(s.held), s.second.value(s.held))
        self.current.setData([held[1]], [held[0]])
        self.peaks.setData([p[1] for p in view.peaks], [p[0] for p in view.peaks])
        mirror = s.mirror_of_held
        if mirror is None:
            self.mirror.setData([], [])
            self.diagonal.setData([], [])
        else:
            self.mirror.setData([mirror[1]], [mirror[0]])
            lo, hi = max(va[0], vb[0]), min(va[-1], vb[-1])
            self.diagonal.setData([lo, hi], [lo, hi])
        self.plot.setRange(xRange=(vb[0], vb[-1]), yRange=(va[0], va[-1]), padding=0.02)
        best = np.nanmax(ll)
        self.controls.set_status(
            f"ln p over {va.size} × {vb.size} values at iteration {view.iteration}: the "
            f"grid's best {best:,.4f} (per point {best / s.sample_size:.6f}); the displayed state "
            f"{view.log_likelihood:,.4f}. {len(view.peaks)} local "
            f"maxim{'um' if len(view.peaks) == 1 else 'a'} on the grid."
            + ("" if view.restarts is None else
               f" {view.n_restarts} restart paths from the optima gallery."))

    @Slot()
    def _keep_on_screen(self) -> None:
        keep_on_screen(self)

    def set_presentation_style(self, style: PlotStyle | None) -> None:
        """Large type and thick lines while presentation mode is on (None: the normal
        look): the controls' and notes' text, the axes, the markers and the path."""
        px = None if style is None else max(MIN_TEXT_PX, round(0.85 * style.text_px))
        set_text_px(self._fonts, px)
        # Once the window has taken its new size (after the event loop lays it out).
        QTimer.singleShot(60, self._keep_on_screen)
        self._look.apply(style)
        self._look.pens.apply([self.path, self.restarts, self.diagonal],
                              1.0 if style is None else style.line_scale)
        # The colour bar keeps its size: its axis does not widen for larger ticks.
        for box in (self.first, self.second):
            box.setMinimumWidth(0 if style is None else box.sizeHint().width())

    #: The data's column names, for the axis titles.
    _names = ("x", "y")

    def set_names(self, names) -> None:
        """The data's column names (the coordinates' labels)."""
        self._names = tuple(names)

