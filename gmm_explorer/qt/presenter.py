"""Views pull from the session: on every session event (see
:mod:`gmm_explorer.session.events`) the presenter reads the session and updates the passive
views. No controller pushes into these views; they only ask the session to change."""

from __future__ import annotations

from PySide6.QtCore import QTimer

from gmm_explorer.engine.algorithms import short_label
from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.qt.canvas.canvas import BACKGROUND_RASTER

#: From this many points the panels (likelihood plot, parameter table, timeline,
#: branches, health, model selection's mark) are refreshed a turn of the event loop after
#: the canvas: input and timers already due run between the two. Together they were one
#: unbroken stall of the window's thread at every step.
PANELS_LATER_AT = BACKGROUND_RASTER

#: What an empty canvas says.
EMPTY_HINT = ("Click to add points (B: brush), or open a file (Ctrl+O)\n"
              "then Space steps EM: an E-step, then an M-step")


def status_text(session, running: bool) -> str:
    """The status bar's summary of the session: points, model, iteration, convergence."""
    s = session
    points = f"{s.n_points} points"
    if s.weights is not None:
        points += f" weighted by {s.weights_name} (total {float(s.weights.sum()):.6g})"
    parts = [points, f"K={s.settings.k} {s.settings.covariance_type}"]
    cur = s.current
    if cur is None:
        if s.n_points == 0:
            parts.append("no model: click on the canvas to add points, or open a file")
        elif s.n_points < s.settings.k:
            parts.append(f"no model: K={s.settings.k} needs at least {s.settings.k} points")
        else:
            parts.append("evaluating…" if s.pending_evaluable else "not initialised")
    else:
        phase = "after E-step" if s.phase == "E" else "after M-step"
        if cur.iteration == 0 and s.phase == "M":
            phase = "initialised"
        if s.at_end:
            parts.append(f"iteration {cur.iteration} ({phase})")
        else:
            parts.append(f"viewing iteration {cur.iteration} of {s.latest.iteration} "
                         "(Step continues from here; a change starts a new branch)")
        note = s.branch.notes.get(s.current_index)
        if note:
            parts.append(f"by hand: {note}")
        # In standardised units the log-likelihood is of the z-scores: not comparable
        # with the same data's in its own units (they differ by log(sx·sy) per point).
        units = " (z units)" if s.units is not None else ""
        parts.append(f"mean LL {cur.mean_log_likelihood:.6g}{units}")
        em = cur.algorithm == "em"
        if cur.objective is not None:
            # The curve plots the algorithm's own objective; its change is what converges.
            # Short: the curve's axis and tooltips say what the objective is.
            parts.append(f"{short_label(cur.algorithm)} objective {cur.mean_objective:.6g}")
        delta = "ΔLL" if em else "Δ"
        if cur.change is not None:
            parts.append(f"{delta} {cur.change:+.3g}")
        warnings = cur.warnings()
        if cur.algorithm == "sem":
            verdict = "SEM never converges: it runs Max iterations"
        elif cur.converged and cur.algorithm == "vb":
            verdict = "converged (Δbound < tol)"
        elif cur.converged:
            verdict = f"converged (|{delta}| < tol, scikit-learn's rule)"
        elif cur.change is not None and abs(cur.change) < s.settings.tol \
                and cur.algorithm not in ("kmeans", "vb"):
            verdict = f"|{delta}| < tol: converged after one more step (scikit-learn's rule)"
        else:
            verdict = None
        if verdict is None:
            parts.append("not converged")
            parts.extend(warnings)
        elif warnings:
            # Never a plain "converged" over a model Health rejects: say what is wrong.
            parts.append(f"{verdict} — but {'; '.join(warnings)}")
        else:
            parts.append(verdict)
    if running:
        parts.append("running")
    return "   ·   ".join(parts)


def ghost_of(session):
    """The state an M-step just moved away from (drawn faintly with arrows), or None: only
    right after an M-step of EM, not after an E-step, a start or a change made by hand."""
    s = session
    i = s.current_index
    if i < 1 or s.phase != "M" or i in s.branch.notes:
        return None
    before, now = s.history[i - 1].mixture, s.history[i].mixture
    return before if before.n_components == now.n_components else None


class Presenter:
    """Refreshes the passive views from the session.

    Parameters
    ----------
    session : Session
    views : SimpleNamespace-like
        ``canvas``, ``ll_panel``, ``table``, ``timeline``, ``branch_panel``,
        ``health_panel``, ``selection_panel``, ``controls`` and ``status_label`` (whose
        window gets the unsaved-changes mark).
    actions : dict of str -> QAction
        Enabled states and texts of undo, redo, delete, M-step and the history steps.
    points : PointsController
        Read for the selected points.
    run : RunController
        Read for whether a Run is going.
    overlays : OverlaysController
        Asked to refresh the views that cost a pass over the data.
    """

    def __init__(self, session, views, actions, points, run, overlays) -> None:
        self.session = session
        self.v = views
        self.actions = actions
        self._points = points
        self._run = run
        self._overlays = overlays
        #: Refreshes the panels on a later turn (PANELS_LATER_AT); a timer, not a queued
        #: call, so that what is already due (a click, a key, a timer) goes first.
        self._panels_later = QTimer(views.canvas)
        self._panels_later.setSingleShot(True)
        self._panels_later.setInterval(1)
        self._panels_later.timeout.connect(self.refresh_panels)
        session.events.subscribe(self.on_session_event)

    def on_session_event(self, topic: str) -> None:
        if topic == "points":
            self._show_points()
        if topic == "saved":
            self.v.status_label.window().setWindowModified(self.session.dirty)
            return
        self.refresh()

    def _show_points(self) -> None:
        s, c = self.session, self.v.canvas
        x, y = s.column_names
        c.plotItem.setLabel("bottom", x, color=c.theme.ink_hex)
        c.plotItem.setLabel("left", y, color=c.theme.ink_hex)
        c.set_points(s.points, s.weights)

    def _show_settings(self) -> None:
        controls = self.v.controls
        try:
            shown = controls.settings()
        except GMMExplorerError:
            shown = None
        if shown != self.session.settings:
            controls.set_settings(self.session.settings)

    def refresh(self) -> None:
        """Every cheap view, from the session as it is now (the panels a turn of the
        event loop later from PANELS_LATER_AT points)."""
        s, v = self.session, self.v
        cur = s.current
        self._show_settings()
        # The status first: the new mixture is then drawn once, with it.
        v.canvas.set_component_status(None if cur is None
                                      else [d.status for d in cur.diagnostics])
        v.canvas.set_mixture(s.displayed_mixture)
        v.canvas.set_hint(EMPTY_HINT if s.n_points == 0 else None)
        v.canvas.set_ghost(ghost_of(s))
        self.refresh_actions()
        if s.n_points >= PANELS_LATER_AT:
            self._panels_later.start()
        else:
            self._panels_later.stop()
            self.refresh_panels()
        self._overlays.schedule_slow_views()

    @property
    def panels_pending(self) -> bool:
        """Whether the panels are still to be refreshed (a turn after the canvas)."""
        return self._panels_later.isActive()

    def refresh_panels(self) -> None:
        """The panels, from the session as it is now."""
        from gmm_explorer.qt.panels.branches import BranchRow
        from gmm_explorer.qt.panels.widgets import branch_style

        s, v = self.session, self.v
        cur = s.current
        v.ll_panel.update_branches([b.steps for b in s.branches], s.active, s.position,
                                   [b.notes for b in s.branches])
        v.table.update_result(cur, s.locks)
        n = len(s.history)
        v.timeline.set_range(max(0, n - 1), max(0, s.current_index),
                             s.branch.name if len(s.branches) > 1 else "")
        rows = []
        for i, b in enumerate(s.branches):
            style, color = branch_style(i)
            rows.append(BranchRow(b.name, max(0, len(b.steps) - 1),
                                  b.steps[-1].mean_log_likelihood if b.steps else None,
                                  style, color))
        v.branch_panel.set_branches(rows, s.active)
        v.health_panel.update_diagnostics(
            None if cur is None else cur.diagnostics, s.settings.reg_covar,
            cur.mixture.noise_weight if cur is not None and cur.mixture.has_noise else None)
        if cur is not None:
            v.selection_panel.set_current(cur.mixture.n_components, cur.mixture.covariance_type)
        v.mark_optimum(s.displayed_mixture)

    def refresh_actions(self) -> None:
        """Enabled states and texts of the actions, and the status line."""
        s, a = self.session, self.actions
        a["undo"].setEnabled(s.can_undo)
        a["undo"].setText(f"&Undo {s.undo_label()}" if s.can_undo else "&Undo")
        a["redo"].setEnabled(s.can_redo)
        a["redo"].setText(f"&Redo {s.redo_label()}" if s.can_redo else "&Redo")
        a["delete"].setEnabled(self._points.selection.size > 0)
        a["m_step"].setEnabled(s.phase == "E" and s.initialised)
        a["step_back"].setEnabled(s.current_index > 0)
        a["step_forward"].setEnabled(not s.at_end)
        running = self._run.running
        a["run"].setText("&Pause" if running else "&Run")
        self.v.status_label.setText(status_text(s, running))
        self.v.status_label.window().setWindowModified(s.dirty)
