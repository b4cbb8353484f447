"""The point set of a session and its undoable edits (a mixin of :class:`Session`).

Every edit is one undo step (a brush stroke merges its edits into one). Ground-truth
labels describe the loaded points, so an edit drops them. Sample weights stay with their
points: a deleted point takes its weight along, an added point weighs 1, and undo brings
the weights back with the points (replacing every point drops them). After any change the
session's ``_points_changed`` hook runs (it keeps the EM state consistent with the new
data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError


@dataclass(frozen=True, eq=False)
class _Edit:
    """One undoable change of the point set: the arrays before and after, and the sample
    weights before and after (None: unweighted)."""

    label: str
    before: np.ndarray
    after: np.ndarray
    weights_before: np.ndarray | None = None
    weights_after: np.ndarray | None = None


def frozen_points(points) -> np.ndarray:
    """``points`` as a read-only (n, 2) float64 array: a copy, unless ``points`` is such
    an array already and owns its memory (then nothing else can write to it: a loader's
    frozen result, another session's points), which is taken as it is."""
    if (isinstance(points, np.ndarray) and points.dtype == np.float64 and points.ndim == 2
            and points.shape[1] == 2 and not points.flags.writeable
            and points.flags.owndata and points.flags.c_contiguous):
        return points
    a = np.array(points, dtype=np.float64).reshape(-1, 2)
    a.setflags(write=False)
    return a


class PointEdits:
    """Undoable edits of ``self.points`` (and ``self.weights`` with them); needs ``_undo``,
    ``_redo``, ``_stroke`` lists/slots and a ``_points_changed()`` hook on the class it is
    mixed into."""

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    @property
    def in_stroke(self) -> bool:
        """Whether a brush stroke is merging edits into one undo step."""
        return self._stroke is not None

    def _apply(self, label: str, after: np.ndarray, weights_after=None) -> None:
        after = frozen_points(after)
        if weights_after is not None:
            weights_after = np.array(weights_after, dtype=np.float64)
            weights_after.setflags(write=False)
        # Ground-truth labels describe the loaded points; once points are edited they no
        # longer line up, so they are dropped (undo does not bring them back).
        self.labels = None
        if self._stroke is not None:
            # Inside a brush stroke: extend the one edit the stroke makes.
            st = self._stroke
            self._stroke = _Edit(st.label, st.before, after, st.weights_before, weights_after)
        else:
            self._undo.append(_Edit(label, self.points, after, self.weights, weights_after))
            self._redo.clear()
        self.points = after
        self.weights = weights_after
        self._points_changed()

    def _forget_edits(self) -> None:
        self._undo.clear()
        self._redo.clear()
        self._stroke = None

    def add_points(self, pts, label: str = "Add point") -> None:
        """Append points (x, y); one undo step."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        if pts.shape[0] == 0:
            return
        if not np.all(np.isfinite(pts)):
            raise InputError("points must be finite")
        w = None if self.weights is None else np.concatenate([self.weights,
                                                               np.ones(pts.shape[0])])
        self._apply(label, np.concatenate([self.points, pts]), w)

    def replace_points(self, pts, label: str = "Replace points") -> None:
        """Replace every point (one undo step); the new points are unweighted."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        if not np.all(np.isfinite(pts)):
            raise InputError("points must be finite")
        self._apply(label, pts)

    def add_point(self, x: float, y: float) -> None:
        self.add_points([[x, y]])

    def remove_indices(self, indices, label: str = "Delete points") -> int:
        """Remove the points at ``indices``; returns how many were removed."""
        idx = np.unique(np.asarray(indices, dtype=np.intp))
        idx = idx[(idx >= 0) & (idx < self.n_points)]
        if idx.size == 0:
            return 0
        keep = np.ones(self.n_points, dtype=bool)
        keep[idx] = False
        w = None if self.weights is None or keep.sum() == 0 else self.weights[keep]
        self._apply(label, self.points[keep], w)
        return int(idx.size)

    def clear(self) -> None:
        """Remove every point (undoable)."""
        if self.n_points:
            self._apply("Clear all", np.zeros((0, 2)))

    def begin_stroke(self, label: str = "Brush") -> None:
        """Start merging edits into one undo step (a brush stroke)."""
        self.end_stroke()
        self._stroke = _Edit(label, self.points, self.points, self.weights, self.weights)

    def end_stroke(self) -> None:
        stroke, self._stroke = self._stroke, None
        if stroke is not None and stroke.after is not stroke.before:
            self._undo.append(stroke)
            self._redo.clear()

    def nearest_point(self, x: float, y: float, scale_x: float = 1.0, scale_y: float = 1.0,
                      max_distance: float = np.inf) -> int | None:
        """Index of the point nearest (x, y), distances measured in units of
        (scale_x, scale_y) (e.g. data units per screen pixel); None if none is within
        ``max_distance`` of those units."""
        if self.n_points == 0:
            return None
        d2 = ((self.points[:, 0] - x) / scale_x) ** 2 + ((self.points[:, 1] - y) / scale_y) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= max_distance**2 else None

    def indices_in_rect(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices of the points inside the axis-aligned rectangle with those corners."""
        lo_x, hi_x = sorted((x0, x1))
        lo_y, hi_y = sorted((y0, y1))
        p = self.points
        return np.flatnonzero((p[:, 0] >= lo_x) & (p[:, 0] <= hi_x)
                              & (p[:, 1] >= lo_y) & (p[:, 1] <= hi_y))

    # ----------------------------------------------------------------- undo

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo_label(self) -> str | None:
        return self._undo[-1].label if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1].label if self._redo else None

    def undo(self) -> bool:
        self.end_stroke()
        if not self._undo:
            return False
        edit = self._undo.pop()
        self._redo.append(edit)
        self.points = edit.before
        self.weights = edit.weights_before
        self._points_changed()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._undo.append(edit)
        self.points = edit.after
        self.weights = edit.weights_after
        self._points_changed()
        return True
