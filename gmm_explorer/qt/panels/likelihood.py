"""The log-likelihood curve: mean log-likelihood per point against iteration, one curve per
branch of the history. States set by hand are not EM steps: the curve breaks before them
and marks them with their own symbol."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF, QPen
from PySide6.QtWidgets import QGraphicsItem

from gmm_explorer.engine.algorithms import objective_axis, objective_name, short_label
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.panels.widgets import LINE_STYLES, branch_style, curve_data
from gmm_explorer.qt.plot_style import PlotLook, PlotStyle, scale_spots, widened

#: The smallest y span shown, in mean log-likelihood per point: at least MIN_Y_SPAN and
#: MIN_Y_SPAN_FRACTION of |LL|. One state or a flat curve then gets a range whose tick
#: labels need three or four significant digits, not ±0.0005 around it.
MIN_Y_SPAN = 0.05
MIN_Y_SPAN_FRACTION = 0.01
#: Screen pixels kept clear between the view's edges and the outermost states, so the
#: largest marker (the displayed state, CURRENT_SIZE px wide plus its pen) is never cut.
#: On the left the first tick label's half width is kept clear too (see _left_margin_px).
MARGIN_PX = 10
#: Room left right of the last iteration when the view grows, as a fraction of the
#: iterations shown: a Run re-ranges (and re-renders the axes, up to 25 ms of the window's
#: thread at 10^6 points) at iterations 16, 26, 42, 67..., not every quarter more. Less
#: than 1: a view just grown is more than half full, so it never shrinks back at once.
X_ROOM = 0.6
#: The view shown with no history (also the panel's first view): iterations 0..10.
EMPTY_BOX = (0.0, 10.0, 0.0, 1.0)
#: Markers: EM states are filled circles; a state set by hand is a hollow diamond.
STATE_SIZE = 6
HAND_SYMBOL, HAND_SIZE = "d", 12
CURRENT_SIZE = 12


def min_y_span(ll: float) -> float:
    """The smallest y span shown around mean log-likelihood ``ll``."""
    return max(MIN_Y_SPAN, MIN_Y_SPAN_FRACTION * abs(ll))


def broken_line(x, y, hand: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
    """``x``, ``y`` with a NaN before each index in ``hand`` (index 0 has none): drawn with
    ``connect="finite"``, no segment joins a state set by hand to the state before it."""
    breaks = sorted(k for k in hand if 0 < k < len(x))
    return (np.insert(np.asarray(x, dtype=float), breaks, np.nan),
            np.insert(np.asarray(y, dtype=float), breaks, np.nan))


def describe_state(r, note: str | None) -> str:
    """The tooltip of one state: which iteration, whether EM made it, its log-likelihood
    (and, for the other algorithms, the objective the curve plots)."""
    over = (f"{r.n_samples} points" if r.total_weight is None else
            f"{r.n_samples} points of total weight {r.total_weight:.6g} (the mean is per "
            "unit of weight)")
    numbers = (f"mean log-likelihood {r.mean_log_likelihood:.6g}, total "
               f"{r.log_likelihood:.6g} over {over}")
    if r.objective is not None:
        numbers = f"{objective_name(r.algorithm)} {r.mean_objective:.6g}\n{numbers}"
    made = "" if r.algorithm == "em" else f" ({short_label(r.algorithm)})"
    if note is None:
        return f"iteration {r.iteration}{made}: {numbers}"
    return f"iteration {r.iteration}: set by hand ({note}) — not an EM step\n{numbers}"


def converged_label(state) -> str:
    """The convergence line's label: "converged", or "converged ⚠" when the converged
    state has health warnings (a collapsed component, duplicates)."""
    return "converged ⚠" if state.warnings() else "converged"


def axis_title(algorithm: str) -> str:
    """The y axis's title: the objective the algorithm climbs."""
    return objective_axis(algorithm)


def line_breaks(history, hand: Iterable[int]) -> set[int]:
    """Where the line breaks: before each state set by hand, and where the algorithm
    changes (the objectives on either side are different quantities)."""
    return set(hand) | {i for i in range(1, len(history))
                        if history[i].algorithm != history[i - 1].algorithm}


class LikelihoodPanel(pg.PlotWidget):
    """Mean per-point log-likelihood against iteration, one curve per branch (the active
    one bold with a marker per state, the others in their own line styles); the displayed
    iteration highlighted and convergence marked. A state set by hand is not joined to the
    one before it and is drawn as a hollow diamond. Hovering a state, or the panel's own
    tooltip for the displayed one, tells its iteration, how it was made and its
    log-likelihood (mean and total)."""

    def __init__(self, parent=None) -> None:
        theme = themes.current()
        super().__init__(parent=parent, background=theme.background)
        self.setMinimumHeight(150)
        p = self.plotItem
        p.setLabel("left", "mean log-likelihood")
        p.setLabel("bottom", "iteration")
        p.showGrid(x=True, y=True, alpha=0.2)
        for ax in ("left", "bottom"):
            p.getAxis(ax).enableAutoSIPrefix(False)
            # The axes draw the grid across the whole plot, so every change of the curve
            # repainted both (their ticks, grid and text: ~4 ms each); cached as pixmaps
            # they are drawn again only when they change.
            p.getAxis(ax).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        themes.style_plot(self, theme)
        self._curve = p.plot([], [], pen=pg.mkPen(0, 114, 178, width=2), connect="finite")
        self._curve.setZValue(2)
        # The active branch's states: one marker each, the shape saying how it was made;
        # hovering one shows describe_state (the spot's data).
        self._states = pg.ScatterPlotItem(hoverable=True, tip=lambda x, y, data: data)
        self._states.setZValue(2.5)
        p.addItem(self._states)
        #: Curves of the inactive branches (persistent; hidden when unused).
        self._others: list[pg.PlotDataItem] = []
        # Neutral marker: orange or blue would read as a component.
        self._current = pg.ScatterPlotItem(size=CURRENT_SIZE, brush=pg.mkBrush(255, 255, 255),
                                           pen=pg.mkPen("k", width=2))
        self._current.setZValue(3)
        p.addItem(self._current)
        # Its label hangs from the top, beside the line: the view keeps a band free above
        # the highest state, while a state set by hand may sit anywhere below.
        self._converged = pg.InfiniteLine(
            angle=90, pen=pg.mkPen(0, 158, 115, width=2, style=Qt.PenStyle.DashLine),
            label="converged", labelOpts={"color": (0, 120, 90), "position": 0.98,
                                          "anchors": [(0, 0), (1, 0)]})
        self._converged.hide()
        p.addItem(self._converged)
        self._hand_x = np.zeros(0)
        self._hand_y = np.zeros(0)
        #: The data box the view shows, before the pixel margins (see _show_box).
        self._box = EMPTY_BOX
        p.vb.sigResized.connect(self._apply_box)
        self._show_box(EMPTY_BOX)
        self.setToolTip("Mean log-likelihood per point at each iteration")

    def update_history(self, history, position: int | None = None,
                       notes: Mapping[int, str] | None = None) -> None:
        """One branch: ``history`` is a list of StepResult, iteration 0 first;
        ``position`` the displayed index (None: the newest); ``notes`` the states set by
        hand (index -> what was done)."""
        self.update_branches([history], 0, position, None if notes is None else [notes])

    def active_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The (x, y) the active branch's line draws: one entry per state, and a NaN
        before each state set by hand (the line breaks there)."""
        return curve_data(self._curve)

    def hand_made_markers(self) -> tuple[np.ndarray, np.ndarray]:
        """The (iteration, mean log-likelihood) of the active branch's states set by hand,
        each drawn with the hand-made marker."""
        return self._hand_x.copy(), self._hand_y.copy()

    def state_tip(self, iteration: int) -> str | None:
        """The hover tooltip of the active branch's state at ``iteration`` (None: none)."""
        for spot in self._states.points():
            if spot.pos().x() == iteration:
                return spot.data()
        return None

    def other_curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (x, y) data of the inactive branches' curves shown (for tests)."""
        return [c.getData() for c in self._others if c.isVisible()]

    def update_branches(self, branches, active: int, position: int | None = None,
                        notes: Sequence[Mapping[int, str]] | None = None) -> None:
        """``branches``: a list of lists of StepResult (one per branch); ``active``: the
        index of the active one; ``position``: its displayed index (None: the newest);
        ``notes``: per branch, its states set by hand (index -> what was done; None: none).
        The notes are read here and not kept."""
        notes = [{}] * len(branches) if notes is None else [dict(n) for n in notes]
        history = branches[active] if branches else []
        shown = None
        if history:
            shown = history[len(history) - 1 if position is None else position].algorithm
        for c in self._others:
            c.setVisible(False)
        n_other = 0
        for i, steps in enumerate(branches):
            if i == active or not steps:
                continue
            if n_other == len(self._others):
                c = self.plotItem.plot([], [], connect="finite")
                c.setZValue(1)
                self._others.append(c)
            c = self._others[n_other]
            n_other += 1
            style, color = branch_style(i)
            c.setPen(pg.mkPen(*color, width=1.6, style=LINE_STYLES[style]))
            # Only the states of the displayed state's algorithm: the axis names its
            # objective, and another algorithm's is another quantity.
            c.setData(*broken_line([r.iteration for r in steps],
                                   [r.mean_objective if r.algorithm == shown else np.nan
                                    for r in steps],
                                   line_breaks(steps, notes[i])))
            c.setVisible(True)
        if not history:
            self._curve.setData([], [])
            self._states.setData([], [])
            self._current.setData([], [])
            self._hand_x = self._hand_y = np.zeros(0)
            self._converged.hide()
            self._set_left_title(axis_title("em"))
            self._show_box(EMPTY_BOX)
            self.setToolTip("Mean log-likelihood per point at each iteration (none yet)")
            self._restyle_lines()
            return
        hand = notes[active]
        style, color = branch_style(active)
        self._curve.setPen(pg.mkPen(*color, width=2.4, style=LINE_STYLES[style]))
        it = np.array([r.iteration for r in history], dtype=float)
        ll = np.array([r.mean_objective for r in history])
        index = len(history) - 1 if position is None else position
        cur = history[index]
        # Only the states of the displayed state's algorithm: another algorithm's
        # objective is another quantity, which this axis does not measure.
        own = np.array([r.algorithm == cur.algorithm for r in history])
        breaks = line_breaks(history, hand)
        self._curve.setData(*broken_line(it, np.where(own, ll, np.nan), breaks))
        self._show_states(history, hand, color, own)
        self._fit_view(branches, it[own], ll[own], cur.algorithm)
        self._current.setData([cur.iteration], [cur.mean_objective],
                              symbol=HAND_SYMBOL if index in hand else "o",
                              size=HAND_SIZE + 2 if index in hand else CURRENT_SIZE)
        self._set_left_title(axis_title(cur.algorithm))
        last = history[-1]
        if last.converged:
            self._converged.setValue(last.iteration)
            # Never a plain "converged" over a model Health rejects (the status bar says
            # what is wrong).
            self._converged.label.setFormat(converged_label(last))
            self._converged.show()
        else:
            self._converged.hide()
        self.setToolTip(describe_state(cur, hand.get(index)))
        self._restyle_lines()

    def _show_states(self, history, hand: Mapping[int, str], color, own) -> None:
        """One marker per state of the active branch made by the displayed state's
        algorithm (``own``): a filled circle for a state the algorithm made, a hollow
        diamond (with a thicker pen) for one set by hand."""
        keep = np.flatnonzero(own)
        made = np.array([i in hand for i in keep], dtype=bool)
        fill, white = pg.mkBrush(*color), pg.mkBrush(255, 255, 255)
        thin, thick = pg.mkPen(None), pg.mkPen(*color, width=2)
        self._states.setData(
            x=[history[i].iteration for i in keep], y=[history[i].mean_objective for i in keep],
            symbol=[HAND_SYMBOL if m else "o" for m in made],
            size=[HAND_SIZE if m else STATE_SIZE for m in made],
            brush=[white if m else fill for m in made],
            pen=[thick if m else thin for m in made],
            data=[describe_state(history[i], hand.get(i)) for i in keep])
        self._hand_x = np.array([history[i].iteration for i in keep[made]], float)
        self._hand_y = np.array([history[i].mean_objective for i in keep[made]])

    # ------------------------------------------------------------------ presentation

    #: The presentation style (None: the normal look) and, from its first use, the normal
    #: look to go back to (see set_presentation_style).
    _presentation: PlotStyle | None = None
    _look: PlotLook | None = None
    _normal_converged_pen: QPen | None = None

    def set_presentation_style(self, style: PlotStyle | None) -> None:
        """Large type, thick lines and big markers for a projector (presentation mode): the
        axes' text and the "converged" label at ``style``'s sizes; the curves and the
        convergence line widened by its ``line_scale``; the markers enlarged by its
        ``marker_scale``, up to the room the view keeps for them (see
        :meth:`marker_scale`). None: the normal look."""
        if self._look is None:
            self._look = PlotLook(self.plotItem, texts=(self._converged.label,))
            self._normal_converged_pen = QPen(self._converged.pen)
        before = self.marker_scale()
        self._presentation = style
        self._look.apply(style)
        for markers in (self._states, self._current):
            scale_spots(markers, self.marker_scale() / before)
        line = 1.0 if style is None else style.line_scale
        self._look.pens.apply([self._curve, *self._others], line)
        self._converged.setPen(widened(self._normal_converged_pen, line))
        self._apply_box()  # the left margin follows the tick labels' size

    def marker_scale(self) -> float:
        """How many times their normal size the markers are drawn: the presentation
        style's factor, but at most until the displayed state's marker is as wide as the
        MARGIN_PX the view keeps on each side (so it is never cut)."""
        if self._presentation is None:
            return 1.0
        return min(self._presentation.marker_scale, 2 * MARGIN_PX / CURRENT_SIZE)

    def _restyle_lines(self) -> None:
        """After an update (which draws the curves and markers in their normal look):
        them in the presentation style."""
        if self._presentation is None:
            return
        for markers in (self._states, self._current):
            scale_spots(markers, self.marker_scale())
        self._look.pens.apply([self._curve, *self._others], self._presentation.line_scale)

    # ------------------------------------------------------------------ the view's range

    def _set_left_title(self, title: str) -> None:
        """The y axis's title, in the theme's ink; only when either differs from what the
        axis shows: setting it, even to the same text, makes the axis lay out and render
        its ticks, grid and labels again (~5 ms, at every step of a run)."""
        axis, ink = self.plotItem.getAxis("left"), themes.current().ink_hex
        if axis.labelText != title or axis.labelStyle.get("color") != ink:
            self.plotItem.setLabel("left", title, color=ink)

    def _fit_view(self, branches, it: np.ndarray, ll: np.ndarray, algorithm: str) -> None:
        """Show every state of every branch (of ``algorithm``, the one the axis measures),
        at least ten iterations wide (the first steps do not fill the plot) with room to
        grow. Re-range only when the states leave the view or fill too little of it:
        re-ranging re-renders the axes."""
        all_ll = np.concatenate([ll] + [np.array([r.mean_objective for r in b
                                                  if r.algorithm == algorithm])
                                        for b in branches if b])
        all_ll = all_ll[np.isfinite(all_ll)]
        if all_ll.size == 0:
            return
        x_lo = min(float(it[0]), 0.0)
        x_last = max([float(it[-1])] + [float(b[-1].iteration) for b in branches if b])
        x_hi = max(10.0, x_last)
        lo, hi = float(all_ll.min()), float(all_ll.max())
        # One state or a flat curve is shown in the smallest span, centred; a band is
        # always kept above the highest state (the "converged" label hangs there).
        span = max(hi - lo, min_y_span(ll[-1]))
        extra = 0.5 * (span - (hi - lo))
        y_lo, y_hi = lo - extra - 0.1 * span, hi + extra + 0.18 * span
        (vx0, vx1), (vy0, vy1) = self._inner_range()
        if (x_lo < vx0 or x_last > vx1 or x_hi < 0.5 * vx1 or lo < vy0 or hi > vy1
                or (y_hi - y_lo) < 0.25 * (vy1 - vy0)):
            self._show_box((x_lo, x_hi + (x_hi - x_lo) * X_ROOM, y_lo, y_hi))

    def _show_box(self, box) -> None:
        """Show the data box ``(x0, x1, y0, y1)`` with MARGIN_PX pixels around it."""
        self._box = tuple(float(v) for v in box)
        self._apply_box()

    def _apply_box(self, *_) -> None:
        # The margins are in pixels, so they are recomputed whenever the view is resized.
        x0, x1, y0, y1 = self._box
        vb = self.plotItem.vb
        left, right = _margins(x1 - x0, vb.width(), self._left_margin_px(), MARGIN_PX)
        below, above = _margins(y1 - y0, vb.height(), MARGIN_PX, MARGIN_PX)
        self.plotItem.setRange(xRange=(x0 - left, x1 + right),
                               yRange=(y0 - below, y1 + above), padding=0)

    def _left_margin_px(self) -> float:
        """The pixels kept clear left of the first iteration: MARGIN_PX beyond half its
        tick label's width, in the axis's font. pyqtgraph leaves out a tick label that
        would overflow the axis, so the "0" under iteration 0 then shows, and iteration
        0's state stands clear of the y axis (however large presentation mode's type)."""
        axis = self.plotItem.getAxis("bottom")
        font = axis.style["tickFont"]
        label = axis.tickStrings([self._box[0]], 1.0, 1.0)[0]
        width = QFontMetricsF(self.font() if font is None else font).horizontalAdvance(label)
        return MARGIN_PX + width / 2

    def _inner_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The view's range less the pixel margins: where a state's marker shows whole
        (and, on the left, its tick label)."""
        (vx0, vx1), (vy0, vy1) = self.plotItem.viewRange()
        vb = self.plotItem.vb
        left = self._left_margin_px()
        px = (vx1 - vx0) / vb.width() if vb.width() > left + MARGIN_PX else 0.0
        py = (vy1 - vy0) / vb.height() if vb.height() > 2 * MARGIN_PX else 0.0
        return ((vx0 + left * px, vx1 - MARGIN_PX * px),
                (vy0 + MARGIN_PX * py, vy1 - MARGIN_PX * py))

    def converged_text(self) -> str | None:
        """The convergence line's label as shown (None: the line is hidden)."""
        return self._converged.label.format if self._converged.isVisible() else None

    @property
    def marker_position(self) -> tuple[float, float] | None:
        """(iteration, mean log-likelihood) of the displayed-iteration marker."""
        x, y = self._current.getData()
        return (float(x[0]), float(y[0])) if len(x) else None


def _margins(span: float, pixels: float, lo_px: float, hi_px: float) -> tuple[float, float]:
    """The data lengths that are ``lo_px`` and ``hi_px`` pixels either side of ``span``
    shown in ``pixels``: span * m / (pixels - lo - hi) for each margin m; in a view
    narrower than twice the margins (or not laid out yet), together the span."""
    unit = span / max(pixels - lo_px - hi_px, lo_px + hi_px)
    return lo_px * unit, hi_px * unit
