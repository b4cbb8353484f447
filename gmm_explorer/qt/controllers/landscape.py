"""The likelihood landscape's controller: opens the window (View › Likelihood landscape…),
offers the displayed mixture's coordinates, and computes the grid on a
:class:`~gmm_explorer.qt.threads.BackgroundThread` with progress and cancel, again
whenever the displayed state, the data or the choice changes while the window is open.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Slot

from gmm_explorer.engine.landscape import (
    Coordinate,
    coordinates,
    default_pair,
    default_values,
    landscape,
    local_maxima,
    parameter_path,
)
from gmm_explorer.qt.dialogs.landscape import LandscapeView
from gmm_explorer.qt.threads import (
    BackgroundThread,
    Task,
    TaskDone,
    TaskFailed,
    TaskProgress,
    unless_cancelled,
)


def restart_track(paths, first: Coordinate, second: Coordinate):
    """Restarts' paths of means (each (n_iterations, K, 2)) in the two coordinates, one
    after another with a row of NaN between them; None for None."""
    if paths is None:
        return None
    rows = []
    for p in paths:
        rows.append(np.column_stack([p[:, first.component, first.axis],
                                     p[:, second.component, second.axis]]))
        rows.append(np.full((1, 2), np.nan))
    return np.vstack(rows) if rows else np.empty((0, 2))


#: Milliseconds to coalesce bursts of session events (a Run) into one recomputation.
REFRESH_MS = 150


class LandscapeController(QObject):
    """Parameters
    ----------
    session : Session
        Read only.
    window : LandscapeWindow
    gallery_paths : callable() -> tuple of ndarray, optional
        The optima gallery's restarts' paths of means, each (n_iterations, K, 2).
    """

    def __init__(self, session, window, gallery_paths=lambda: (),
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.window = window
        self._gallery_paths = gallery_paths
        self.runner = BackgroundThread("landscape", latest_only=True, parent=self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.progressed.connect(self._on_progress)
        self._key: tuple | None = None
        #: The restarts' paths of the key (held so that their ids stay theirs).
        self._paths = None
        #: The mixture size the boxes were filled for.
        self._offered: int | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self._refresh_if_open)
        window.choice_changed.connect(self.recompute)
        window.controls.run_requested.connect(self.recompute)
        window.controls.cancel_requested.connect(self.cancel)
        session.events.subscribe(self._on_session_event)  # held weakly

    @property
    def busy(self) -> bool:
        """Whether a grid is queued or being computed."""
        return self.runner.busy

    @Slot()
    def open(self) -> None:
        """Show the window (raised) and compute the landscape of the displayed state."""
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        self.refresh()

    def _on_session_event(self, topic: str) -> None:
        if topic != "saved" and self.window.isVisible():
            self._timer.start()

    @Slot()
    def _refresh_if_open(self) -> None:
        if self.window.isVisible():
            self.refresh()

    @Slot()
    def recompute(self) -> None:
        """Compute again (the user changed the choice or pressed Compute)."""
        self._key = None
        self.refresh()

    @Slot()
    def cancel(self) -> None:
        """Stop the computation in flight; the window says so."""
        self.runner.cancel()
        self._key = None
        self.window.controls.set_running(False)
        self.window.controls.set_status("Cancelled. Press Compute to compute it again.")

    @Slot()
    def refresh(self) -> None:
        """Compute the landscape of the displayed state now, unless already shown."""
        self._timer.stop()
        s = self.session
        cur = s.current
        if cur is None:
            self._key = None
            self.runner.cancel()
            self.window.controls.set_running(False)
            self.window.clear("No model yet: initialise (I), then open this again or step.")
            return
        k = cur.mixture.n_components
        names = s.column_names
        self.window.set_names(names)
        if self._offered != k:
            self._offered = k
            self.window.set_coordinates([(c.label(names), c) for c in coordinates(k)],
                                        *default_pair(k))
        first, second, grid = self.window.chosen()
        if not (isinstance(first, Coordinate) and isinstance(second, Coordinate)):
            return
        if first == second:
            self._key = None
            self.runner.cancel()
            self.window.controls.set_running(False)
            self.window.clear("Choose two different parameters.")
            return
        paths = self._gallery_paths() if self.window.show_restarts.isChecked() else None
        if paths is not None:
            paths = tuple(p for p in paths if p.shape[1] == cur.mixture.n_components)
        # The paths by identity (arrays do not compare as keys); the view keeps them
        # alive, so an id is not reused while it is in the key.
        key = (cur, s.data_version, first, second, grid,
               None if paths is None else tuple(id(p) for p in paths))
        if key == self._key:
            return
        self._key, self._paths = key, paths
        X, w, mixture = s.points, s.weights, cur.mixture
        states = [r.mixture for r in s.history[:s.current_index + 1]]

        def work(report, cancelled):
            scape = landscape(X, mixture, first, second,
                              first_values=default_values(X, first, grid),
                              second_values=default_values(X, second, grid), weights=w,
                              progress=lambda d, n: report((d, n)), cancelled=cancelled)
            if scape is None:
                return None
            return key, LandscapeView(scape, parameter_path(states, first, second),
                                      local_maxima(scape), cur.iteration,
                                      cur.log_likelihood, restart_track(paths, first, second),
                                      0 if paths is None else len(paths))

        self.window.controls.set_running(True)
        self.window.controls.set_progress(0, 1, "Computing the landscape…")
        self.runner.submit(Task("landscape", unless_cancelled(work)))

    @Slot(object)
    def _on_progress(self, p: TaskProgress) -> None:
        done, total = p.payload
        self.window.controls.set_progress(done, total, f"Computing the landscape… "
                                                       f"{100 * done // max(1, total)}%")

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        if done.cancelled or done.value is None:
            return
        key, view = done.value
        if key != self._key:
            return
        self.window.controls.set_running(False)
        self.window.set_view(view)

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        self._key = None
        self.window.controls.set_running(False)
        self.window.clear(f"Could not compute the landscape: {failure.message}")

    def shutdown(self) -> None:
        """Stop the timer and the thread (on close)."""
        self._timer.stop()
        self.runner.shutdown()
