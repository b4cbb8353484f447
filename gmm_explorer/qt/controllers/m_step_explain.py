"""The M-step panel's controller: explains the M-step that made the displayed state.

The displayed state at iteration t came from an M-step on the responsibilities under the
parameters of state t-1; :func:`gmm_explorer.engine.explain.m_step_terms` recomputes it
term by term. That costs an E-pass and two passes over the responsibilities (about 65 ms
at 1e5 points and K=5), so it runs on a :class:`~gmm_explorer.qt.threads.BackgroundThread`,
and only while the panel is on screen (:class:`~.docked_computation.DockedComputation`:
the controller listens to ``session.events``, marks the panel stale, and recomputes when
it is, or becomes, visible).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gmm_explorer.engine.explain import m_step_terms
from gmm_explorer.qt.controllers.docked_computation import DockedComputation
from gmm_explorer.qt.threads import Task, TaskDone, TaskFailed, unless_cancelled

#: Milliseconds to coalesce bursts of session events (a Run) into one recomputation.
REFRESH_MS = 60
#: A displayed state further than this (relative) from the recomputed M-step was not made
#: with the current reg_covar and locks; rounding differences are about 1e-13.
MISMATCH_RTOL = 1e-8


def why_no_m_step(session) -> str | None:
    """Why the displayed state has no M-step to explain, or None when it has one."""
    s = session
    cur = s.current
    if cur is None:
        return ("No model yet: initialise (I), then step (Space). This panel then shows "
                "how each M-step computes the new parameters.")
    t = s.current_index
    note = s.branch.notes.get(t)
    if note is not None:
        return (f"Iteration {cur.iteration} was set by hand ({note}), not by an M-step. "
                "Step (Space) to see the M-step that follows it.")
    if t == 0:
        return ("Iteration 0 is the start: no M-step has made it yet. Step (Space) to see "
                "the M-step that makes iteration 1 from the E-step's responsibilities.")
    if s.history[t - 1].mixture.n_components != cur.mixture.n_components:
        return (f"Iteration {cur.iteration} has another number of components than the "
                "state before it: it was not made by an M-step.")
    if cur.algorithm != "em" or cur.prior:
        from gmm_explorer.engine.algorithms import short_label

        how = (f"{short_label(cur.algorithm)}'s M-step" if cur.algorithm != "em"
               else "the MAP M-step under the conjugate prior")
        return (f"Iteration {cur.iteration} was made by {how}. This panel works through "
                "EM's maximum-likelihood M-step term by term: choose EM without the prior "
                "in the model settings and step to see it.")
    return None


class MStepExplainController(DockedComputation):
    """Parameters
    ----------
    session : Session
        Read only; its ``events`` say when the displayed state may have changed.
    panel : MStepPanel
    dock : QDockWidget
        The panel's dock: its visibility decides whether anything is computed.
    """

    def __init__(self, session, panel, dock, parent: QObject | None = None) -> None:
        super().__init__(session, panel, dock, "m-step-terms", REFRESH_MS, parent)
        # The key (DockedComputation._key) is (previous StepResult, displayed StepResult,
        # data version, locks).
        #: The last MStepTerms shown (None before the first).
        self.last_terms = None

    @Slot()
    def refresh(self) -> None:
        """Explain the displayed state's M-step now (the terms arrive from the thread)."""
        self._begin_refresh()
        s = self.session
        why = why_no_m_step(s)
        if why is not None:
            self._show_reason(why)
            return
        t = s.current_index
        prev, cur = s.history[t - 1], s.current
        locks = s.locks_for(prev.mixture)
        key = (prev, cur, s.data_version, locks)
        if key == self._key:
            return
        self._key = key
        X, ctype, reg = s.points, cur.mixture.covariance_type, cur.reg_covar
        weights = s.weights

        def work(_report, _cancelled):
            return key, m_step_terms(X, prev.mixture, ctype, reg, locks, weights)

        if self.panel.shown is None:
            self.panel.clear(f"Computing the M-step on {s.n_points:,} points…")
        self.runner.submit(Task("m-step terms", unless_cancelled(work)))

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        if done.cancelled or done.value is None:
            return
        key, terms = done.value
        if key != self._key:
            return
        prev, cur = key[0], key[1]
        diff = terms.relative_difference(cur.mixture)
        warning = None
        if not diff <= MISMATCH_RTOL:
            warning = (f"Iteration {cur.iteration} differs from this M-step, recomputed from "
                       f"iteration {prev.iteration} with its reg_covar and the current locks "
                       f"(largest relative difference {diff:.2g}): it was made under other "
                       "locks. The formulas show the recomputation; “after” shows the "
                       "state as it was made.")
        self.last_terms = terms
        self.panel.set_m_step(terms, cur.mixture, prev.iteration, cur.iteration, warning)

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        self.panel.clear(f"Could not recompute this M-step: {failure.message}")
