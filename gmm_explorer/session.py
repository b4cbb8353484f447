"""The Qt-free state of one exploration: points, settings, undoable edits and EM progress.

The window owns one :class:`Session`; views read from it and never own data. Every edit
of the points is undoable. Anything that invalidates the EM state (an edit, a change of
K or of a setting, a reset) bumps :attr:`Session.model_version`; work requested under an
older version is stale and is dropped when it comes back.

EM progress is a list of :class:`gmm_explorer.engine.StepResult` (iteration 0 is the
initial parameters) plus a *phase*:

* ``"M"``: the newest parameters came from an initialisation or an M-step; the point
  colours still show the responsibilities that produced them (none after initialising);
* ``"E"``: an E-step has shown the responsibilities under the newest parameters.

A Step is an E-step followed by an M-step, so both routes give identical parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from gmm_explorer.engine import COVARIANCE_TYPES, INIT_METHODS, EMSettings, Mixture, StepResult
from gmm_explorer.errors import InputError

MAX_K = 20


@dataclass(frozen=True)
class ModelSettings:
    """Everything the user chooses about the model (persisted between launches)."""

    k: int = 2
    covariance_type: str = "full"
    init: str = "kmeans"
    seed: int = 0
    reg_covar: float = 1e-6
    tol: float = 1e-3
    max_iter: int = 100

    def __post_init__(self) -> None:
        if not (1 <= int(self.k) <= MAX_K):
            raise InputError(f"K must be between 1 and {MAX_K}, got {self.k}")
        if self.covariance_type not in COVARIANCE_TYPES:
            raise InputError(f"unknown covariance type {self.covariance_type!r}")
        if self.init not in INIT_METHODS:
            raise InputError(f"unknown initialisation {self.init!r}")
        self.em_settings()  # validates reg_covar, tol, max_iter

    def em_settings(self) -> EMSettings:
        return EMSettings(self.covariance_type, float(self.reg_covar), float(self.tol),
                          int(self.max_iter))


@dataclass(frozen=True, eq=False)
class _Edit:
    """One undoable change of the point set: the arrays before and after."""

    label: str
    before: np.ndarray
    after: np.ndarray


def _frozen(points) -> np.ndarray:
    a = np.array(points, dtype=np.float64).reshape(-1, 2)
    a.setflags(write=False)
    return a


@dataclass(eq=False)
class Session:
    """Points, settings and EM progress of one exploration (no Qt)."""

    points: np.ndarray = field(default_factory=lambda: _frozen(np.zeros((0, 2))))
    source: str | None = None
    column_names: tuple[str, str] = ("x", "y")
    #: Ground-truth labels (e.g. iris species), one per point, or None.
    labels: tuple[str, ...] | None = None
    label_name: str | None = None
    #: Whether anything changed since the session was loaded or saved.
    dirty: bool = False
    settings: ModelSettings = field(default_factory=ModelSettings)
    history: list[StepResult] = field(default_factory=list)
    phase: str = "M"
    model_version: int = 0
    #: Parameters kept across an edit of the points, to be evaluated on the new data as
    #: the new iteration 0 (the window asks the worker to do so).
    pending_start: Mixture | None = None
    _undo: list[_Edit] = field(default_factory=list)
    _redo: list[_Edit] = field(default_factory=list)
    _stroke: _Edit | None = None

    # ----------------------------------------------------------------- data

    @property
    def n_points(self) -> int:
        return int(self.points.shape[0])

    def load(self, points, source: str | None = None,
             column_names: tuple[str, str] = ("x", "y"), labels=None,
             label_name: str | None = None) -> None:
        """Replace the data (not undoable: a new exploration) and reset the model."""
        self.points = _frozen(points)
        self.source = source
        self.column_names = tuple(column_names)
        self.labels = None if labels is None else tuple(labels)
        self.label_name = label_name
        self._undo.clear()
        self._redo.clear()
        self._stroke = None
        self.reset_model()
        self.dirty = False

    def to_record(self):
        """This session as a :class:`gmm_explorer.io.session_file.SessionRecord`."""
        from gmm_explorer.io.session_file import SessionRecord

        s = self.settings
        return SessionRecord(self.points, {"k": s.k, "covariance_type": s.covariance_type,
                                           "init": s.init, "seed": s.seed,
                                           "reg_covar": s.reg_covar, "tol": s.tol,
                                           "max_iter": s.max_iter},
                             tuple(self.history), self.phase, self.pending_start, self.source,
                             self.column_names, self.labels, self.label_name)

    @classmethod
    def from_record(cls, rec) -> "Session":
        """A session restored from a record (settings validated here)."""
        st = rec.settings
        try:
            settings = ModelSettings(int(st["k"]), str(st["covariance_type"]), str(st["init"]),
                                     int(st["seed"]), float(st["reg_covar"]), float(st["tol"]),
                                     int(st["max_iter"]))
        except (TypeError, ValueError) as exc:
            raise InputError(f"settings: {exc}") from None
        s = cls(points=_frozen(rec.points), source=rec.source,
                column_names=tuple(rec.column_names), labels=rec.labels,
                label_name=rec.label_name, settings=settings, history=list(rec.history),
                phase=rec.phase, pending_start=rec.pending_start)
        if s.labels is not None and len(s.labels) != s.n_points:
            s.labels = None  # labels belong to the points they came with
        return s

    def _apply(self, label: str, after: np.ndarray) -> None:
        after = _frozen(after)
        # Ground-truth labels describe the loaded points; once points are edited they no
        # longer line up, so they are dropped (undo does not bring them back).
        self.labels = None
        if self._stroke is not None:
            # Inside a brush stroke: extend the one edit the stroke makes.
            self._stroke = _Edit(self._stroke.label, self._stroke.before, after)
        else:
            self._undo.append(_Edit(label, self.points, after))
            self._redo.clear()
        self.points = after
        self._data_changed()

    def add_points(self, pts, label: str = "Add point") -> None:
        """Append points (x, y); one undo step."""
        pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        if pts.shape[0] == 0:
            return
        if not np.all(np.isfinite(pts)):
            raise InputError("points must be finite")
        self._apply(label, np.concatenate([self.points, pts]))

    def replace_points(self, pts, label: str = "Replace points") -> None:
        """Replace every point (one undo step)."""
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
        self._apply(label, self.points[keep])
        return int(idx.size)

    def clear(self) -> None:
        """Remove every point (undoable)."""
        if self.n_points:
            self._apply("Clear all", np.zeros((0, 2)))

    def begin_stroke(self, label: str = "Brush") -> None:
        """Start merging edits into one undo step (a brush stroke)."""
        self.end_stroke()
        self._stroke = _Edit(label, self.points, self.points)

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
        self._data_changed()
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        edit = self._redo.pop()
        self._undo.append(edit)
        self.points = edit.after
        self._data_changed()
        return True

    # ----------------------------------------------------------------- model

    def _data_changed(self) -> None:
        self.dirty = True
        # Log-likelihoods of the old data are not comparable with the new data: keep the
        # current parameters as the start of a new run (iteration 0) and drop the history.
        # A run in flight becomes stale (its results are dropped): editing pauses a run.
        self.model_version += 1
        if self.history:
            self.pending_start = self.history[-1].mixture
            self.history = []
        self.phase = "M"

    def set_settings(self, settings: ModelSettings) -> bool:
        """Change settings; a change of anything but the seed resets the model.

        Returns whether the model was reset.
        """
        old, self.settings = self.settings, settings
        if old != settings:
            self.dirty = True
        if replace(old, seed=settings.seed) == settings:
            return False
        self.reset_model()
        return True

    def reset_model(self) -> None:
        """Forget the parameters and history (a run in flight becomes stale)."""
        self.model_version += 1
        self.history = []
        self.phase = "M"
        self.pending_start = None

    @property
    def displayed_mixture(self) -> Mixture | None:
        """The parameters to draw: the newest iteration's, or those awaiting re-evaluation."""
        return self.history[-1].mixture if self.history else self.pending_start

    @property
    def current(self) -> StepResult | None:
        return self.history[-1] if self.history else None

    @property
    def initialised(self) -> bool:
        return bool(self.history)

    def record(self, result: StepResult, phase: str, version: int) -> bool:
        """Store a result computed under ``version``; returns False (dropped) if stale."""
        if version != self.model_version:
            return False
        self.dirty = True
        if result.iteration == 0 or not self.history:
            self.history = [result]
            self.pending_start = None
        elif result.iteration == self.history[-1].iteration:
            self.history[-1] = result
        else:
            self.history.append(result)
        self.phase = phase
        return True

    @property
    def mean_log_likelihoods(self) -> tuple[float, ...]:
        return tuple(r.mean_log_likelihood for r in self.history)

    @property
    def converged(self) -> bool:
        return bool(self.history) and self.history[-1].converged

    def check_can_fit(self) -> None:
        """Raise :class:`InputError` with a user-facing reason if EM cannot start."""
        if self.n_points == 0:
            raise InputError("there are no points: click on the canvas to add some, or open a file")
        if self.n_points < self.settings.k:
            raise InputError(f"{self.n_points} points are fewer than K={self.settings.k}; "
                             "add points or lower K")
