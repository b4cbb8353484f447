"""The Qt-free state of one exploration: points, settings, undoable edits and EM progress.

The window owns one :class:`Session`; views read from it and never own data. Every edit
of the points is undoable. Anything that invalidates the EM state (an edit, a change of
K or of a setting, a reset) bumps :attr:`Session.model_version`; work requested under an
older version is stale and is dropped when it comes back.

EM progress is a list of :class:`gmm_explorer.engine.StepResult` per *branch* (iteration 0
is the initial parameters; entry ``i`` is iteration ``i``) plus a *phase*:

* ``"M"``: the newest parameters came from an initialisation or an M-step; the point
  colours still show the responsibilities that produced them (none after initialising);
* ``"E"``: an E-step has shown the responsibilities under the newest parameters.

A Step is an E-step followed by an M-step, so both routes give identical parameters.

History and branches: the timeline can be scrubbed to any past iteration of the active
branch (:meth:`Session.scrub`); :attr:`Session.current` is then that iteration and new work
starts from it. A new state recorded at a past position either *replays* the branch (it
equals the next recorded state: the position just advances) or *forks* a new branch that
shares the states up to the position; the old branch is kept. Manual edits of the
components (:meth:`Session.record` with a ``note``) are states too, so changing anything at
a past iteration and stepping again starts a new branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from gmm_explorer.engine import COVARIANCE_TYPES, INIT_METHODS, EMSettings, Mixture, StepResult
from gmm_explorer.errors import GMMExplorerError, InputError

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


@dataclass(eq=False)
class Branch:
    """One line of EM history: its states (entry ``i`` is iteration ``i``), a user-facing
    name, and notes on states made by hand (index -> e.g. "moved the mean of component 2")."""

    name: str
    steps: list[StepResult] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)

    def copy_through(self, position: int, name: str) -> "Branch":
        """A new branch sharing this one's states ``0..position`` (states are immutable)."""
        return Branch(name, list(self.steps[:position + 1]),
                      {i: t for i, t in self.notes.items() if i <= position})


def _same_state(a: StepResult, b: StepResult) -> bool:
    """Whether two states hold the same parameters (EM is deterministic, so replaying a
    branch reproduces them; the tolerance only absorbs summation-order noise)."""
    ma, mb = a.mixture, b.mixture
    if ma.n_components != mb.n_components or ma.covariance_type != mb.covariance_type:
        return False
    return all(np.allclose(x, y, rtol=1e-10, atol=1e-300) for x, y in (
        (ma.weights, mb.weights), (ma.means, mb.means), (ma.covariances, mb.covariances)))


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
    branches: list[Branch] = field(default_factory=lambda: [Branch("main")])
    #: Index of the active branch in :attr:`branches`.
    active: int = 0
    #: Index of the displayed state in the active branch, or None for its newest state.
    position: int | None = None
    #: Per-component locks applied by the M-step (None: nothing locked).
    locks: object | None = None
    phase: str = "M"
    model_version: int = 0
    #: Bumped whenever the points change (background analyses of older data are stale).
    data_version: int = 0
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
        self.data_version += 1
        self.reset_model()
        self.dirty = False

    def to_record(self):
        """This session as a :class:`gmm_explorer.io.session_file.SessionRecord`."""
        from gmm_explorer.io.session_file import BranchRecord, SessionRecord

        s = self.settings
        return SessionRecord(self.points, {"k": s.k, "covariance_type": s.covariance_type,
                                           "init": s.init, "seed": s.seed,
                                           "reg_covar": s.reg_covar, "tol": s.tol,
                                           "max_iter": s.max_iter},
                             tuple(self.history), self.phase, self.pending_start, self.source,
                             self.column_names, self.labels, self.label_name,
                             self.current_index,
                             tuple(BranchRecord(b.name, tuple(b.steps), dict(b.notes))
                                   for b in self.branches),
                             self.active, None if self.locks is None else self.locks.as_dict())

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
                label_name=rec.label_name, settings=settings, phase=rec.phase,
                pending_start=rec.pending_start)
        if rec.branches:
            s.branches = [Branch(b.name, list(b.history), dict(b.notes)) for b in rec.branches]
            s.active = rec.active
        s.history = list(rec.history)  # the active branch, as the file's "history"
        n = len(s.history)
        s.position = None if rec.position in (-1, n - 1) else rec.position
        if rec.locks is not None and s.history:
            from gmm_explorer.engine.locks import Locks

            try:
                locks = Locks.from_dict(rec.locks)
            except (GMMExplorerError, TypeError, ValueError, KeyError) as exc:
                raise InputError(f"locks: {exc}") from None
            if s.current is not None and locks.n_components == s.current.mixture.n_components:
                s.locks = locks
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

    @property
    def history(self) -> list[StepResult]:
        """The active branch's states (entry ``i`` is iteration ``i``)."""
        return self.branches[self.active].steps

    @history.setter
    def history(self, steps) -> None:
        b = self.branches[self.active]
        b.steps = list(steps)
        b.notes = {i: t for i, t in b.notes.items() if i < len(b.steps)}

    @property
    def branch(self) -> Branch:
        return self.branches[self.active]

    def _data_changed(self) -> None:
        self.dirty = True
        self.data_version += 1
        # Log-likelihoods of the old data are not comparable with the new data: keep the
        # displayed parameters as the start of a new run (iteration 0) and drop the history
        # (every branch). A run in flight becomes stale: editing pauses a run.
        self.model_version += 1
        if self.history:
            self.pending_start = self.current.mixture
            self._clear_branches()
        self.phase = "M"

    def _clear_branches(self) -> None:
        self.branches = [Branch("main")]
        self.active = 0
        self.position = None

    #: Settings that change how the next steps run but not the current parameters.
    RUN_SETTINGS = ("seed", "reg_covar", "tol", "max_iter")

    def set_settings(self, settings: ModelSettings) -> bool:
        """Change settings; a change of K, covariance type or initialisation resets the
        model. Seed, reg_covar, tol and max_iter apply from the next step on (stepping from
        a past iteration with a new reg_covar therefore starts a new branch).

        Returns whether the model was reset.
        """
        old, self.settings = self.settings, settings
        if old != settings:
            self.dirty = True
        keep = {name: getattr(settings, name) for name in self.RUN_SETTINGS}
        if replace(old, **keep) == settings:
            return False
        self.reset_model()
        return True

    def set_k(self, k: int) -> None:
        """Record a new K that came from the parameters themselves (a component added or
        removed by hand), without resetting the model."""
        self.settings = replace(self.settings, k=int(k))
        self.dirty = True

    def reset_model(self) -> None:
        """Forget the parameters, history, branches and locks (a run in flight becomes
        stale)."""
        self.model_version += 1
        self._clear_branches()
        self.phase = "M"
        self.pending_start = None
        self.locks = None

    @property
    def displayed_mixture(self) -> Mixture | None:
        """The parameters to draw: the displayed iteration's, or those awaiting evaluation."""
        cur = self.current
        return cur.mixture if cur is not None else self.pending_start

    @property
    def current(self) -> StepResult | None:
        """The displayed state: the newest of the active branch unless scrubbed back."""
        if not self.history:
            return None
        return self.history[-1 if self.position is None else self.position]

    @property
    def latest(self) -> StepResult | None:
        return self.history[-1] if self.history else None

    @property
    def current_index(self) -> int:
        """Index of :attr:`current` in the active branch (-1 without history)."""
        return len(self.history) - 1 if self.position is None else self.position

    @property
    def at_end(self) -> bool:
        return self.position is None

    @property
    def initialised(self) -> bool:
        return bool(self.history)

    def scrub(self, index: int) -> bool:
        """Show iteration ``index`` of the active branch (clamped); returns whether the
        displayed state changed. The phase becomes "M" (a state is after its M-step)."""
        if not self.history:
            return False
        index = max(0, min(int(index), len(self.history) - 1))
        before = self.current_index
        self.position = None if index == len(self.history) - 1 else index
        if index != before:
            self.phase = "M"
            self.model_version += 1  # work started at the old position is stale
            return True
        return False

    def select_branch(self, i: int) -> bool:
        """Make branch ``i`` active, showing its newest state."""
        if not 0 <= i < len(self.branches) or i == self.active:
            return False
        self.active = i
        self.position = None
        self.phase = "M"
        self.model_version += 1
        self.dirty = True
        return True

    def rename_branch(self, i: int, name: str) -> bool:
        name = str(name).strip()
        if not name or not 0 <= i < len(self.branches) or self.branches[i].name == name:
            return False
        self.branches[i].name = name
        self.dirty = True
        return True

    def delete_branch(self, i: int) -> bool:
        """Delete branch ``i`` (never the last one); the active branch stays active, or
        the previous one becomes active when the active one is deleted."""
        if len(self.branches) < 2 or not 0 <= i < len(self.branches):
            return False
        del self.branches[i]
        if i == self.active:
            self.active = max(0, i - 1)
            self.position = None
            self.phase = "M"
            self.model_version += 1
        elif i < self.active:
            self.active -= 1
        self.dirty = True
        return True

    def _new_branch_name(self) -> str:
        names = {b.name for b in self.branches}
        n = len(self.branches) + 1
        while f"branch {n}" in names:
            n += 1
        return f"branch {n}"

    def record(self, result: StepResult, phase: str, version: int,
               note: str | None = None) -> bool:
        """Store a result computed under ``version``; returns False (dropped) if stale.

        A result for the displayed iteration (an E-step) only sets the phase. A result one
        iteration on is a new state: appended at the end of the branch, or, when the
        timeline was scrubbed back, either a replay of the branch's next state (the
        position advances) or the first state of a new branch. ``note`` marks a state made
        by hand.
        """
        if version != self.model_version:
            return False
        self.dirty = True
        if not self.history or (result.iteration == 0 and note is None):
            self._clear_branches()
            self.history = [result]
            self.pending_start = None
        elif result.iteration == self.current.iteration:
            if self.position is None and note is None:
                self.history[-1] = result
        elif result.iteration != self.current.iteration + 1:
            return False  # not the next state of what is shown: computed for another one
        else:
            if self.position is not None:
                p = self.position
                nxt = self.history[p + 1]
                if note is None and p + 1 not in self.branch.notes and _same_state(nxt, result):
                    self.position = None if p + 1 == len(self.history) - 1 else p + 1
                    self.phase = phase
                    return True
                fork = self.branch.copy_through(p, self._new_branch_name())
                self.branches.append(fork)
                self.active = len(self.branches) - 1
                self.position = None
            self.history.append(result)
            if note is not None:
                self.branch.notes[len(self.history) - 1] = note
        self.phase = phase
        return True

    def run_mean_log_likelihoods(self) -> tuple[float, ...]:
        """Mean log-likelihoods of the states before :attr:`current` in its run, for
        ``change`` and the convergence rule: a state made by hand starts a new run."""
        i = self.current_index
        if i < 0:
            return ()
        notes = self.branch.notes
        start = max([j for j in notes if j <= i], default=0)
        return tuple(r.mean_log_likelihood for r in self.history[start:i])

    @property
    def mean_log_likelihoods(self) -> tuple[float, ...]:
        return tuple(r.mean_log_likelihood for r in self.history)

    @property
    def converged(self) -> bool:
        cur = self.current
        return cur is not None and cur.converged

    def check_can_fit(self) -> None:
        """Raise :class:`InputError` with a user-facing reason if EM cannot start."""
        if self.n_points == 0:
            raise InputError("there are no points: click on the canvas to add some, or open a file")
        if self.n_points < self.settings.k:
            raise InputError(f"{self.n_points} points are fewer than K={self.settings.k}; "
                             "add points or lower K")
