"""Components made by hand: drag a mean or an ellipse handle, place or remove a
component, the health panel's fixes (re-seed, remove, raise reg_covar) and parameter locks.
The engine computes each edited mixture (:mod:`gmm_explorer.engine.edit`); the run
controller records it as a new state."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gmm_explorer.errors import GMMExplorerError


class ComponentsController(QObject):
    """Parameters
    ----------
    session : Session
    canvas : Canvas
        Its view box asks for drags, placements and removals; drags are previewed on it.
    table : ParameterTable
        Its lock boxes.
    health_panel : HealthPanel
        Its fix buttons.
    run : RunController
    feedback : Feedback
    """

    def __init__(self, session, canvas, table, health_panel, run, feedback,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.run = run
        self.feedback = feedback
        #: The mixture a drag of a mean or handle started from.
        self._drag_base = None
        v = canvas.view
        v.component_drag_started.connect(self._drag_started)
        v.component_drag_moved.connect(self._drag_moved)
        v.component_drag_finished.connect(self._drag_finished)
        v.component_place_requested.connect(self.place_component)
        v.component_remove_requested.connect(self.remove_component)
        table.lock_toggled.connect(self.set_lock)
        health_panel.reseed_requested.connect(self.reseed_component)
        health_panel.remove_requested.connect(self.remove_component)
        health_panel.raise_reg_covar_requested.connect(self.raise_reg_covar)

    @Slot(float, float)
    def place_component(self, x: float, y: float) -> bool:
        """Place mode: a new component with its mean at (x, y)."""
        from gmm_explorer.engine import edit, project_covariance_type
        from gmm_explorer.session import MAX_K

        s = self.session
        m = s.displayed_mixture
        try:
            if m is None:
                new = edit.first_component(s.points, (x, y))
                if s.settings.covariance_type != "full":
                    new = project_covariance_type(new, s.settings.covariance_type)
            else:
                if m.n_components >= MAX_K:
                    self.feedback.status(f"K is at most {MAX_K}", 4000)
                    return False
                cov = edit.default_covariance_for(s.points, m.n_components + 1) \
                    if s.n_points >= 2 else None
                new = edit.add_component(m, (x, y), covariance=cov)
        except GMMExplorerError as exc:
            self.feedback.error("Could not place the component", str(exc))
            return False
        return self.run.apply_hand_edit(new, f"placed component {new.n_components}",
                                        None if m is None else (lambda L: L.with_added()))

    def _hand_edit(self, make, title: str, note: str, lock_change=None) -> bool:
        """Apply ``make(displayed mixture)`` as a hand-made state; errors become a dialog."""
        m = self.session.displayed_mixture
        if m is None:
            return False
        try:
            new = make(m)
        except GMMExplorerError as exc:
            self.feedback.error(title, str(exc))
            return False
        return self.run.apply_hand_edit(new, note, lock_change)

    @Slot(int)
    def remove_component(self, j: int) -> bool:
        from gmm_explorer.engine import edit

        return self._hand_edit(lambda m: edit.remove_component(m, j),
                               "Could not remove the component", f"removed component {j + 1}",
                               lambda L: L.without(j))

    @Slot(int)
    def reseed_component(self, j: int) -> bool:
        from gmm_explorer.engine import edit

        return self._hand_edit(lambda m: edit.reseed_component(m, j, self.session.points),
                               "Could not re-seed the component",
                               f"re-seeded component {j + 1} at the worst-explained points")

    @Slot()
    def raise_reg_covar(self) -> None:
        """The health panel's fix: reg_covar x10 from the next M-step on."""
        value = self.session.raise_reg_covar()
        self.feedback.status(f"reg_covar is now {value:g}: it applies from the next M-step "
                             "(Step)", 6000)

    @Slot(str, int, bool)
    def set_lock(self, kind: str, j: int, on: bool) -> None:
        """Lock or unlock one parameter of component ``j`` for the M-step."""
        self.session.set_lock(kind, j, on)

    # ------------------------------------------------------------------ drags

    @Slot(int, str)
    def _drag_started(self, j: int, part: str) -> None:
        self.run.pause()
        self._drag_base = self.session.displayed_mixture

    def _dragged(self, j: int, part: str, x: float, y: float):
        from gmm_explorer.engine import edit, handles

        base = self._drag_base
        if base is None or not 0 <= j < base.n_components:
            return None
        try:
            if part == "mean":
                return edit.move_mean(base, j, (x, y))
            return handles.drag_handle(base, j, part, (x, y))
        except GMMExplorerError:
            return None

    @Slot(int, str, float, float)
    def _drag_moved(self, j: int, part: str, x: float, y: float) -> None:
        new = self._dragged(j, part, x, y)
        if new is not None:
            self.canvas.set_mixture(new, preview=True)

    @Slot(int, str, float, float)
    def _drag_finished(self, j: int, part: str, x: float, y: float) -> None:
        new = self._dragged(j, part, x, y)
        self._drag_base = None
        if new is None:
            self.canvas.set_mixture(self.session.displayed_mixture)
            return
        what = "moved the mean of" if part == "mean" else "reshaped"
        if not self.run.apply_hand_edit(new, f"{what} component {j + 1}"):
            self.canvas.set_mixture(self.session.displayed_mixture)
