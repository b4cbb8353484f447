"""Editing the points with the mouse and the Edit menu: add, brush, select, delete, clear,
undo and redo. Every edit is a session method (undoable); the run then pauses and the
kept parameters are evaluated on the new data. The selection can also seed a start
(EM › Initialise from the selection)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from gmm_explorer.errors import GMMExplorerError

#: Right-click removes the nearest point within this many pixels.
REMOVE_RADIUS_PX = 8.0


class PointsController(QObject):
    """Acts on the canvas's edit requests; owns the selection.

    Parameters
    ----------
    session : Session
    canvas : Canvas
    run : RunController
    feedback : Feedback
    """

    #: ndarray of int: the selected points changed.
    selection_changed = Signal(object)
    #: None: the points changed (by the user or a data source).
    points_edited = Signal()
    #: None: every point was removed (the data no longer come from their file).
    cleared = Signal()

    def __init__(self, session, canvas, run, feedback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.run = run
        self.feedback = feedback
        self.selection = np.zeros(0, dtype=np.intp)
        v = canvas.view
        v.point_add_requested.connect(self.add_point)
        v.point_remove_requested.connect(self.remove_point_near)
        v.stroke_started.connect(self._stroke_started)
        v.stroke_points_requested.connect(self._stroke_points)
        v.stroke_finished.connect(self._stroke_finished)
        v.selection_requested.connect(self.select_rect)

    def _set_selection(self, indices) -> None:
        self.selection = np.asarray(indices, dtype=np.intp)
        self.canvas.set_selection(self.selection)
        self.selection_changed.emit(self.selection)

    def after_edit(self) -> None:
        """Follow-up of any change of the points: the selection is gone, the run pauses."""
        self._set_selection(np.zeros(0, dtype=np.intp))
        self.run.points_edited()
        self.points_edited.emit()

    @Slot(float, float)
    def add_point(self, x: float, y: float) -> None:
        self.session.add_point(x, y)
        self.after_edit()

    @Slot(float, float, float, float)
    def remove_point_near(self, x: float, y: float, px: float, py: float) -> None:
        """Delete the point nearest (x, y) within a few pixels (``px``, ``py``: data units
        per pixel)."""
        i = self.session.nearest_point(x, y, px, py, REMOVE_RADIUS_PX)
        if i is None:
            self.feedback.status("No point within a few pixels to delete", 3000)
            return
        self.session.remove_indices([i], "Delete point")
        self.after_edit()

    @Slot()
    def _stroke_started(self) -> None:
        self.session.begin_stroke("Brush")

    @Slot(object)
    def _stroke_points(self, pts) -> None:
        self.session.add_points(pts, "Brush")
        self.after_edit()

    @Slot()
    def _stroke_finished(self) -> None:
        self.session.end_stroke()
        self.after_edit()

    @Slot(float, float, float, float)
    def select_rect(self, x0, y0, x1, y1) -> None:
        self._set_selection(self.session.indices_in_rect(x0, y0, x1, y1))
        self.feedback.status(
            f"{self.selection.size} points selected — press Delete to remove them", 5000)

    @Slot()
    def initialise_from_selection(self) -> bool:
        """EM › Initialise from the selection: component 1 on the selected points, the
        others by k-means on the rest (engine.initialise_from_selection)."""
        from gmm_explorer.engine import initialise_from_selection

        s, st = self.session, self.session.settings
        try:
            mixture = initialise_from_selection(s.points, self.selection, st.k,
                                                st.fitted_covariance_type, st.reg_covar,
                                                st.seed, weights=s.weights)
        except GMMExplorerError as exc:
            self.feedback.error("Could not initialise from the selection", str(exc))
            return False
        n = self.selection.size
        self.run.start_from(mixture, f"component 1 on the {n} selected points, the other "
                                     f"{st.k - 1} by k-means on the rest")
        return True

    @Slot()
    def delete_selection(self) -> None:
        if self.selection.size:
            self.session.remove_indices(self.selection, f"Delete {self.selection.size} points")
            self.after_edit()

    @Slot()
    def clear(self) -> None:
        n = self.session.n_points
        if n:
            self.session.clear()
            self.after_edit()
            self.canvas.show_neutral_view()
            self.cleared.emit()
            self.feedback.status(f"Cleared {n} points (Ctrl+Z to undo)", 5000)

    @Slot()
    def undo(self) -> None:
        if self.session.undo():
            self.after_edit()

    @Slot()
    def redo(self) -> None:
        if self.session.redo():
            self.after_edit()

    def data_replaced(self) -> None:
        """A new data set or session: nothing is selected."""
        self._set_selection(np.zeros(0, dtype=np.intp))
