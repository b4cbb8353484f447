"""The bound panel's controller: ln p = 𝓛 + KL at the displayed half-step, the recent
half-steps and the slice through the last M-step.

Each half-step costs an evaluation of the mixture on every point, and the slice
:data:`~gmm_explorer.engine.bound.SLICE_POINTS` more (about 0.5 s in all at 1e5 points and
K=5), so they run on a :class:`~gmm_explorer.qt.threads.BackgroundThread`, only while the
panel is on screen (:class:`~.docked_computation.DockedComputation`), with progress. Half-steps already computed are kept (by the states
themselves), so a Step computes only the new ones and the new slice.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gmm_explorer.engine.bound import (
    SLICE_POINTS,
    BoundTerms,
    HalfStepBound,
    bound_slice,
    bound_terms,
    half_steps,
)
from gmm_explorer.qt.controllers.docked_computation import DockedComputation
from gmm_explorer.qt.panels.bound import BoundView
from gmm_explorer.qt.threads import (
    Task,
    TaskDone,
    TaskFailed,
    TaskProgress,
    unless_cancelled,
)

#: Milliseconds to coalesce bursts of session events (a Run) into one recomputation.
REFRESH_MS = 120
#: The most iterations the strip chart goes back (two half-steps each).
MAX_ITERATIONS = 12
#: Half-step terms kept between refreshes (by the states they evaluate).
KEPT = 256


def why_no_bound(session) -> str | None:
    """Why the displayed state has no bound to show, or None when it has one."""
    cur = session.current
    if cur is None:
        return ("No model yet: initialise (I), then step (Space). This panel then shows "
                "EM as the climb of a lower bound: ln p(X | θ) = 𝓛(q, θ) + KL.")
    if cur.algorithm != "em":
        from gmm_explorer.engine.algorithms import short_label

        return (f"Iteration {cur.iteration} was made by {short_label(cur.algorithm)}. This "
                "panel shows EM's bound, ln p = 𝓛 + KL, where the E-step sets q to the "
                "posterior: choose EM in the model settings and step to see it.")
    return None


def run_window(session) -> tuple[int, int]:
    """The iterations ``(first, last)`` the strip chart covers: back from the displayed
    state through the states its run made by M-steps (a state set by hand, or a change
    of algorithm or prior, starts a new run), at most :data:`MAX_ITERATIONS`."""
    last = session.current_index
    history = session.history
    notes = session.branch.notes
    first = max([j for j in notes if j <= last], default=0)
    kind = history[last].run_kind
    for j in range(last, first, -1):
        if (history[j].run_kind != kind or history[j - 1].run_kind != kind
                or history[j].mixture.n_components != history[j - 1].mixture.n_components
                or history[j].mixture.has_noise != history[j - 1].mixture.has_noise):
            first = j
            break
    return max(first, last - MAX_ITERATIONS), last


def run_note(cur, slice_) -> str:
    """A caveat for the displayed run, or ""."""
    if cur.prior:
        return ("Under the conjugate prior the M-step maximises 𝓛 + ln prior, not 𝓛 alone: "
                "𝓛 may dip a little at an M-step, and the slice's peak may miss t = 1.")
    if slice_ is not None and slice_.best_t != 1.0 and cur.reg_covar > 0:
        return (f"The bound's peak on this line is at t = {slice_.best_t:g}, not 1: "
                f"reg_covar ({cur.reg_covar:g}) adds a small ridge to each covariance, so "
                "the M-step maximises 𝓛 only up to it.")
    return ""


class BoundController(DockedComputation):
    """Parameters
    ----------
    session : Session
        Read only; its ``events`` say when the displayed state may have changed.
    panel : BoundPanel
    dock : QDockWidget
        The panel's dock: its visibility decides whether anything is computed.
    """

    def __init__(self, session, panel, dock, parent: QObject | None = None) -> None:
        super().__init__(session, panel, dock, "bound", REFRESH_MS, parent)
        self.runner.progressed.connect(self._on_progress)
        #: (q's state, θ's state, data version) -> BoundTerms, for states already seen.
        self._known: dict[tuple, BoundTerms] = {}
        #: The last BoundView shown (None before the first).
        self.last_view: BoundView | None = None

    @Slot()
    def refresh(self) -> None:
        """Compute the displayed half-step's bound now (it arrives from the thread)."""
        self._begin_refresh()
        s = self.session
        why = why_no_bound(s)
        if why is not None:
            self._show_reason(why)
            return
        first, last = run_window(s)
        states = tuple(s.history[first:last + 1])
        # A run's first state has no M-step to show: its E half is shown, said to be
        # pending until the E-step is taken.
        last_e = s.phase == "E" or last == first
        pending = last == first and s.phase != "E"
        version = s.data_version
        key = (states, last_e, pending, version)
        if key == self._key:
            return
        self._key = key
        X, w = s.points, s.weights
        known = dict(self._known)  # a snapshot: the worker only reads it

        def work(report, cancelled):
            pairs = [(states[t - 1] if half == "M" else states[t], states[t], half)
                     for t, half in half_steps(len(states), last_e)]
            with_slice = len(states) > 1
            total = len(pairs) + (SLICE_POINTS if with_slice else 0)
            halves, new = [], {}
            for i, (q, theta, half) in enumerate(pairs):
                if cancelled():
                    return None
                k = (q, theta, version)
                terms = known.get(k)
                if terms is None:
                    terms = new[k] = bound_terms(
                        X, q.mixture, None if half == "E" else theta.mixture, w)
                halves.append(HalfStepBound(theta.iteration, half, terms))
                report((i + 1, total))
            slice_ = None
            if with_slice:
                done = len(pairs)
                slice_ = bound_slice(
                    X, states[-2].mixture, states[-1].mixture, weights=w,
                    progress=lambda d, n: report((done + d, done + n)), cancelled=cancelled)
                if slice_ is None:
                    return None
            return key, tuple(halves), slice_, new

        if self.panel.shown is None:
            self.panel.clear(f"Computing the bound on {s.n_points:,} points…")
        self.runner.submit(Task("bound", unless_cancelled(work)))

    @Slot(object)
    def _on_progress(self, p: TaskProgress) -> None:
        done, total = p.payload
        self.panel.set_progress(done, total)

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        if done.cancelled or done.value is None:
            return
        key, halves, slice_, new = done.value
        self._known.update(new)
        while len(self._known) > KEPT:
            self._known.pop(next(iter(self._known)))
        if key != self._key:
            return
        states = key[0]
        view = BoundView(halves, slice_, states[-2].iteration if slice_ is not None else 0,
                         states[-1].iteration, run_note(states[-1], slice_), key[2])
        self.last_view = view
        self.panel.set_view(view)

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        self.panel.clear(f"Could not compute the bound: {failure.message}")
