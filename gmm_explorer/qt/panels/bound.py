"""The bound panel: EM as coordinate ascent on a lower bound, with the user's numbers.

ln p(X | θ) = 𝓛(q, θ) + KL(q ‖ p(Z | X, θ)) at the displayed half-step (Bishop's PRML
figure 9.11), the three at each recent half-step (the E-step closes the KL gap, the
M-step raises 𝓛 and reopens it), and the slice through the last M-step (figure 9.14):
ln p and 𝓛(q_old, ·) along θ(t) = θ_old + t (θ_new − θ_old), touching at t = 0 and the
bound's peak at t = 1. The numbers come from :mod:`gmm_explorer.engine.bound`; this view
only draws what its controller hands it (:class:`BoundView`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.panels.widgets import format_number, hint_label, set_text_px
from gmm_explorer.qt.plot_style import MIN_TEXT_PX, PlotLook, PlotStyle
from gmm_explorer.qt.theme import mute

#: ln p(X | θ): blue; the bound 𝓛: vermilion, dashed; the KL gap between them: its shade.
LL_COLOR = (0, 114, 178)
BOUND_COLOR = (213, 94, 0)
GAP_COLOR = (213, 94, 0, 60)
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
#: The panel's text in presentation mode, as a share of the status line's size.
PRESENTING_TEXT = 0.85
#: Half-steps the strip chart shows (drag it to see earlier ones), and how many of the
#: latest set its vertical range: the first iterations climb so far that a range over all
#: of them would hide the small gaps of the later ones.
STRIP_SHOWN = 8
STRIP_RANGE_FROM = 4


def colored(text: str, rgb) -> str:
    """``text`` in colour ``rgb``, as rich text for a plot title."""
    r, g, b = rgb[:3]
    return f'<span style="color: #{r:02x}{g:02x}{b:02x}">{text}</span>'


def padded_range(values, fraction: float = 0.12) -> tuple[float, float] | None:
    """The finite values' (min, max) widened by ``fraction`` of their span on each side
    (by a small absolute amount when they are all equal), or None when none is finite."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    pad = fraction * (hi - lo) if hi > lo else max(1e-9, 1e-9 * abs(hi))
    return lo - pad, hi + pad


def sub(n: int) -> str:
    """``n`` as subscript digits: 12 -> "₁₂"."""
    return str(n).translate(_SUB)


def half_label(half) -> str:
    """"E₃" or "M₃": which half-step of which iteration."""
    return f"{half.half}{sub(half.iteration)}"


def decimals_for(kl: float) -> int:
    """Decimals that show ln p and 𝓛 apart: enough for three significant digits of their
    gap ``kl`` (2 to 9; 4 when the gap is 0)."""
    if not (np.isfinite(kl) and kl > 0.0):
        return 4
    return int(min(9, max(2, 2 - math.floor(math.log10(kl)))))


@dataclass(frozen=True, eq=False)
class BoundView:
    """What the panel shows.

    Attributes
    ----------
    halves : tuple of HalfStepBound
        The recent half-steps, oldest first; the last is the displayed one.
    slice : BoundSlice or None
        Along the M-step that made the displayed iteration (None at iteration 0).
    slice_from, slice_to : int
        That M-step's iterations (θ_old's and θ_new's).
    note : str
        A caveat for this run (the prior, reg_covar's ridge), or "".
    e_pending : bool
        The displayed state is a start whose E-step has not been taken yet: its "E" half
        is what that E-step will give.
    """

    halves: tuple
    slice: object | None
    slice_from: int = 0
    slice_to: int = 0
    note: str = ""
    e_pending: bool = False

    @property
    def shown(self):
        """The displayed half-step."""
        return self.halves[-1]


def headline(view: BoundView) -> str:
    """The sentence over the numbers: which half-step, and what it did to the bound."""
    h = view.shown
    t = h.terms
    if h.half == "E" and view.e_pending:
        return (f"Iteration {h.iteration}, before its E-step: the E-step will set q to the "
                f"posterior p(Z | X, θ{sub(h.iteration)}), so that KL = 0 and the bound 𝓛 "
                "touches ln p, as shown. Press E (or Space) to take it.")
    if h.half == "E":
        return (f"After the E-step of iteration {h.iteration}: q is the posterior "
                f"p(Z | X, θ{sub(h.iteration)}), so KL = 0 and the bound 𝓛 touches ln p.")
    before = view.halves[-2].terms if len(view.halves) > 1 else None
    rise = "" if before is None else (
        f" It raised 𝓛 by {format_number(t.bound - before.bound, '.4g')}; ln p rose by "
        f"{format_number(t.log_likelihood - before.log_likelihood, '.4g')}, more, "
        "because the KL gap reopened.")
    return (f"After the M-step that made iteration {h.iteration}: q is still the posterior "
            f"under iteration {h.iteration - 1}, held while θ moved to maximise 𝓛." + rise)


def _title_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    return mute(label)


class BoundPanel(QWidget):
    """Passive view: :meth:`set_view`, :meth:`set_progress`, :meth:`clear`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.headline)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(2)
        self.values: dict[str, tuple[QLabel, QLabel]] = {}
        rows = (("ll", "ln p(X | θ)", "the log-likelihood"),
                ("bound", "𝓛(q, θ)", ("the lower bound: expected complete-data "
                                       "log-likelihood + entropy of q")),
                ("kl", "KL(q ‖ p(Z | X, θ))", "the gap: ln p − 𝓛, never negative"),
                ("expected", "  𝔼_q[ln p(X, Z | θ)]", "what the M-step maximises"),
                ("entropy", "  H(q)", "the entropy of the responsibilities"))
        for col, title in ((1, "total"), (2, "per point")):
            head = QLabel(title)
            head.setAlignment(Qt.AlignmentFlag.AlignRight)
            mute(head)
            grid.addWidget(head, 0, col)
        for r, (key, name, tip) in enumerate(rows, start=1):
            label = QLabel(name)
            label.setToolTip(tip)
            if key in ("ll", "bound", "kl"):
                font = label.font()
                font.setBold(True)
                label.setFont(font)
            total, per = QLabel("—"), QLabel("—")
            for value in (total, per):
                value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                value.setToolTip(tip)
            color = {"ll": LL_COLOR, "bound": BOUND_COLOR}.get(key)
            if color is not None:
                label.setStyleSheet("color: rgb({}, {}, {});".format(*color))
            grid.addWidget(label, r, 0)
            grid.addWidget(total, r, 1)
            grid.addWidget(per, r, 2)
            self.values[key] = (total, per)
        layout.addLayout(grid)

        theme = themes.current()
        self.strip = pg.PlotWidget(background=theme.background)
        self.strip.setMinimumHeight(150)
        # Titles are word-wrapped labels over the plots (a plot's own title would keep
        # the panel from narrowing, and large type in presentation mode would cut it).
        self.strip_title = _title_label(colored("ln p", LL_COLOR) + " and "
                                        + colored("𝓛 (dashed)", BOUND_COLOR)
                                        + " at each half-step")
        self.strip.setLabel("left", "total")
        self.strip.showGrid(x=False, y=True, alpha=0.2)
        self.strip.setMenuEnabled(False)
        self.strip_ll = self.strip.plot([], [], pen=pg.mkPen(LL_COLOR, width=2),
                                        symbol="o", symbolSize=6, symbolBrush=LL_COLOR,
                                        symbolPen=None)
        self.strip_bound = self.strip.plot(
            [], [], pen=pg.mkPen(BOUND_COLOR, width=2, style=Qt.PenStyle.DashLine),
            symbol="s", symbolSize=6, symbolBrush=BOUND_COLOR, symbolPen=None)
        self.strip_gap = pg.FillBetweenItem(self.strip_ll, self.strip_bound,
                                            brush=pg.mkBrush(GAP_COLOR))
        self.strip.addItem(self.strip_gap)
        self.strip_now = pg.InfiniteLine(angle=90, pen=pg.mkPen((120, 120, 120), width=1,
                                                                style=Qt.PenStyle.DotLine))
        self.strip.addItem(self.strip_now)
        self.strip.setToolTip("Each E-step lifts 𝓛 to touch ln p (KL = 0); each M-step "
                              "raises 𝓛 and ln p rises more: the shaded gap is KL. Drag "
                              "to see earlier half-steps.")
        layout.addWidget(self.strip_title)
        layout.addWidget(self.strip, 1)

        self.slice_title = _title_label("")
        layout.addWidget(self.slice_title)
        self.slice_plot = pg.PlotWidget(background=theme.background)
        self.slice_plot.setMinimumHeight(150)
        self.slice_plot.setLabel("bottom", "t")
        self.slice_plot.setLabel("left", "total")
        self.slice_plot.showGrid(x=True, y=True, alpha=0.2)
        self.slice_plot.setMenuEnabled(False)
        self.slice_plot.setToolTip(
            "ln p(X | θ(t)) (blue) and the bound 𝓛(q_old, θ(t)) (dashed) along the straight "
            "line through the M-step. They touch, and are tangent, at t = 0 (the E-step's q "
            "is the posterior there); the M-step maximises the bound, so its peak (the dot) "
            "is at t = 1. Gaps in a curve: the line leaves the mixtures there (a weight "
            "below 0 or a covariance not positive definite).")
        self.slice_ll = self.slice_plot.plot([], [], pen=pg.mkPen(LL_COLOR, width=2),
                                             connect="finite")
        self.slice_bound = self.slice_plot.plot(
            [], [], pen=pg.mkPen(BOUND_COLOR, width=2, style=Qt.PenStyle.DashLine),
            connect="finite")
        self.slice_peak = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(BOUND_COLOR),
                                             pen=pg.mkPen("w"))
        self.slice_plot.addItem(self.slice_peak)
        self.slice_marks = []
        # θ old's label right of its line at the top, θ new's left of its line at the
        # bottom: where the curves are not, and never past the plot's right edge.
        for t, text, where, anchor in ((0.0, "θ old", 0.95, (-0.05, 0.0)),
                                       (1.0, "θ new", 0.04, (1.05, 1.0))):
            line = pg.InfiniteLine(t, angle=90, pen=pg.mkPen((90, 90, 90), width=1,
                                                             style=Qt.PenStyle.DashLine),
                                   label=text, labelOpts={"position": where,
                                                          "anchors": [anchor, anchor]})
            self.slice_plot.addItem(line)
            self.slice_marks.append(line)
        layout.addWidget(self.slice_plot, 1)
        for plot in (self.strip, self.slice_plot):
            themes.style_plot(plot, theme)
        self.retheme(theme)
        self.note = hint_label("")
        layout.addWidget(self.note)
        self.status = hint_label("")
        layout.addWidget(self.status)
        #: The view shown (None while a message is).
        self.shown: BoundView | None = None
        #: The plots' looks in presentation mode (see set_presentation_style).
        self._looks = (PlotLook(self.strip.getPlotItem(), scatters=()),
                       PlotLook(self.slice_plot.getPlotItem(), scatters=(self.slice_peak,),
                                texts=[line.label for line in self.slice_marks]))
        self._text_widgets = (self.headline, self.note, self.status,
                              *(w for pair in self.values.values() for w in pair),
                              *self.findChildren(QLabel))
        self._fonts = {w: w.font() for w in self._text_widgets}
        self.clear("No model yet: initialise (I), then step (Space).")

    # ------------------------------------------------------------------ updates

    def retheme(self, theme) -> None:
        """The θ marks' labels in the theme's ink (the plots: theme.style_plot)."""
        for line in self.slice_marks:
            line.label.setColor(theme.soft_ink)

    def clear(self, message: str) -> None:
        """Show ``message`` instead of numbers (nothing to show, or a reason why not)."""
        self.shown = None
        self.headline.setText(message)
        for total, per in self.values.values():
            total.setText("—")
            per.setText("—")
        for item in (self.strip_ll, self.strip_bound, self.slice_ll, self.slice_bound):
            item.setData([], [])
        self.slice_peak.setData([], [])
        self.slice_title.setText("")
        self.note.setText("")
        self.status.setText("")

    def set_progress(self, done: int, total: int) -> None:
        """Say how far the computation is (``done`` of ``total`` evaluations)."""
        self.status.setText(f"Computing the bound… {done} of {total}")

    def set_view(self, view: BoundView) -> None:
        """Show the bound at ``view``'s half-steps and its slice."""
        self.shown = view
        self.status.setText("")
        # "ln p" never broken across lines.
        self.headline.setText(headline(view).replace("ln p", "ln\u00a0p"))
        t = view.shown.terms
        places = decimals_for(t.kl)
        n = t.sample_size
        for key, value in (("ll", t.log_likelihood), ("bound", t.bound), ("kl", t.kl),
                           ("expected", t.expected_complete), ("entropy", t.entropy)):
            total, per = self.values[key]
            total.setText(format_number(value, f",.{places}f"))
            per.setText(format_number(value / n, f".{places + 3}f"))
        self._set_strip(view)
        self._set_slice(view)
        self.note.setText(view.note)

    def _set_strip(self, view: BoundView) -> None:
        x = np.arange(len(view.halves), dtype=float)
        ll = np.array([h.terms.log_likelihood for h in view.halves])
        bound = np.array([h.terms.bound for h in view.halves])
        self.strip_ll.setData(x, ll)
        self.strip_bound.setData(x, bound)
        ticks = [(float(i), half_label(h)) for i, h in enumerate(view.halves)]
        every = max(1, math.ceil(len(ticks) / 12))  # at most a dozen labels
        shown = [tick for i, tick in enumerate(ticks)
                 if i % every == (len(ticks) - 1) % every]
        self.strip.getAxis("bottom").setTicks([shown])
        n = len(view.halves)
        self.strip_now.setValue(float(n - 1))
        self.strip.setXRange(max(-0.5, n - STRIP_SHOWN - 0.5), n - 0.5, padding=0)
        y = padded_range(np.concatenate([ll[-STRIP_RANGE_FROM:], bound[-STRIP_RANGE_FROM:]]))
        if y is not None:
            self.strip.setYRange(*y, padding=0)

    def _set_slice(self, view: BoundView) -> None:
        s = view.slice
        if s is None:
            self.slice_title.setText("Step once: the M-step's slice appears here")
            self.slice_ll.setData([], [])
            self.slice_bound.setData([], [])
            self.slice_peak.setData([], [])
            return
        self.slice_title.setText(
            f"Along the M-step {view.slice_from} → {view.slice_to}, θ(t) = θ_old + t (θ_new "
            f"− θ_old): " + colored("ln p", LL_COLOR) + " and "
            + colored("𝓛(q_old, θ(t)) (dashed)", BOUND_COLOR))
        self.slice_ll.setData(np.asarray(s.t), np.asarray(s.log_likelihood))
        self.slice_bound.setData(np.asarray(s.t), np.asarray(s.bound))
        best = s.best_t
        if np.isfinite(best):
            i = int(np.flatnonzero(np.asarray(s.t) == best)[0])
            self.slice_peak.setData([best], [float(s.bound[i])])
            self.slice_peak.setToolTip(f"the bound's largest value on the line: t = {best:g}")
        else:
            self.slice_peak.setData([], [])
        t = np.asarray(s.t)
        self.slice_plot.setXRange(float(t[0]), float(t[-1]), padding=0.02)
        y = padded_range(np.concatenate([s.log_likelihood, s.bound]), 0.06)
        if y is not None:
            self.slice_plot.setYRange(*y, padding=0)

    def set_presentation_style(self, style: PlotStyle | None) -> None:
        """Large type and thick lines for a projector (presentation mode keeps this panel
        when it is on screen): its text at ``style.text_px``, the plots' axes, titles,
        lines and markers at its sizes. None: the normal look."""
        # A little under the status line's size: the numbers' grid must fit a third of
        # the screen.
        px = None if style is None else max(MIN_TEXT_PX, round(PRESENTING_TEXT * style.text_px))
        set_text_px(self._fonts, px)
        for look in self._looks:
            look.apply(style)
        line = 1.0 if style is None else style.line_scale
        self._looks[0].pens.apply([self.strip_ll, self.strip_bound], line)
        self._looks[1].pens.apply([self.slice_ll, self.slice_bound], line)

    # ------------------------------------------------------------------ reading back

    def value_text(self, key: str, per_point: bool = False) -> str:
        """The text shown for ``key`` ("ll", "bound", "kl", "expected", "entropy")."""
        return self.values[key][1 if per_point else 0].text()

