"""The Qt-free state of one exploration: points, settings, undoable edits and EM progress.

The window owns one :class:`Session` for its lifetime; views read from it and never own
data, and they learn *that* something changed through :attr:`Session.events`. Every rule
about the state lives here: a widget or a controller calls a session method and never
assigns a session field.

Versions: anything that invalidates the EM state (an edit, a change of K or of a setting,
a reset, a hand-made state, a scrub) bumps :attr:`Session.model_version`; work requested
under an older version is stale and is dropped when it comes back. A change of the points
also bumps :attr:`Session.data_version` (background analyses of older data are stale).
Both keep increasing across :meth:`Session.restore`.

History and branches are described in :mod:`gmm_explorer.session.history`; the undoable
point edits in :mod:`gmm_explorer.session.points`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from gmm_explorer.engine import Mixture, StepResult
from gmm_explorer.engine.units import (SPREAD_RATIO_TO_OFFER, Standardisation, column_spreads,
                                       spread_ratio_of)
from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.session.events import Events
from gmm_explorer.session.history import Branch, History
from gmm_explorer.session.points import PointEdits, frozen_points
from gmm_explorer.session.settings import MAX_K, ModelSettings


@dataclass(eq=False)
class Session(PointEdits, History):
    """Points, settings and EM progress of one exploration (no Qt)."""

    points: np.ndarray = field(default_factory=lambda: frozen_points(np.zeros((0, 2))))
    source: str | None = None
    column_names: tuple[str, str] = ("x", "y")
    #: Ground-truth labels (e.g. iris species), one per point, or None.
    labels: tuple[str, ...] | None = None
    label_name: str | None = None
    #: Sample weights (frequencies), one per point, read-only; None: every point counts
    #: once. They follow the points through edits (see :mod:`gmm_explorer.session.points`).
    weights: np.ndarray | None = None
    weights_name: str | None = None
    #: Set while the points are shown and fitted in standardised units (z-scores); every
    #: export goes back to the data's units through it (see :meth:`in_data_units`).
    units: Standardisation | None = None
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
    #: Parameters awaiting evaluation on the data as the new iteration 0 (kept across an
    #: edit of the points, loaded from a file, placed by hand before any model).
    pending_start: Mixture | None = None
    #: The observer views subscribe to (see :mod:`gmm_explorer.session.events`).
    events: Events = field(default_factory=Events, repr=False)
    _undo: list = field(default_factory=list, repr=False)
    _redo: list = field(default_factory=list, repr=False)
    _stroke: object | None = field(default=None, repr=False)
    #: (standardised points, the data's points they came from): switching back while the
    #: points are unedited gives the data back bit for bit.
    _unstandardised: tuple | None = field(default=None, repr=False)
    _spread_of: tuple = field(default=(None, None), repr=False)
    #: The parameters forgotten when every point was removed, back on undo.
    _cleared_model: Mixture | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- whole sessions

    def load(self, points, source: str | None = None,
             column_names: tuple[str, str] = ("x", "y"), labels=None,
             label_name: str | None = None, units: Standardisation | None = None,
             weights=None, weights_name: str | None = None) -> None:
        """Replace the data (not undoable: a new exploration) and reset the model.
        ``units``: the points are standardised by it (else they are in the data's units).
        ``weights``: sample weights, one per point (checked: finite, >= 0, not all zero)."""
        from gmm_explorer.engine.validation import as_sample_weights

        points = frozen_points(points)
        weights = as_sample_weights(weights, points.shape[0])
        self.points = points
        self.weights = weights
        self.weights_name = None if weights is None else (weights_name or "weights")
        self.source = source
        self.column_names = tuple(column_names)
        self.labels = None if labels is None else tuple(labels)
        self.label_name = label_name
        self.units = units
        self._forget_edits()
        self.data_version += 1
        self._reset_model()
        self.dirty = False
        self.events.emit("points")

    # ----------------------------------------------------------------- units

    @property
    def column_spreads(self) -> np.ndarray:
        """The columns' standard deviations (one pass over the points per change)."""
        if self._spread_of[0] is not self.points:
            sd = column_spreads(self.points)
            self._spread_of = (self.points, sd)
        return self._spread_of[1]

    @property
    def spread_ratio(self) -> float | None:
        """How many times one column's spread is the other's (the same in either units)."""
        return spread_ratio_of(self.column_spreads) if self.n_points >= 2 else None

    @property
    def standardising_helps(self) -> bool:
        """Whether the columns' spreads differ enough to offer the standardised view."""
        r = self.spread_ratio
        return self.units is None and r is not None and r > SPREAD_RATIO_TO_OFFER

    @property
    def data_points(self) -> np.ndarray:
        """The points in the data's units (:attr:`points` unless standardised)."""
        return self.points if self.units is None else self.units.to_data(self.points)

    @property
    def data_column_names(self) -> tuple[str, str]:
        return self.column_names if self.units is None else self.units.names

    def in_data_units(self, mixture: Mixture) -> Mixture:
        """``mixture`` (fitted to :attr:`points`) in the data's units, for exports."""
        return mixture if self.units is None else self.units.mixture_to_data(mixture)

    def set_standardised(self, on: bool) -> bool:
        """Show and fit the points in standardised units (z-scores), or back in the data's
        units. Like opening the data again, it starts a new exploration (the model is
        reset; undo of earlier edits is forgotten) keeping the labels and the source; it
        is an unsaved change. Returns whether anything changed."""
        if on == (self.units is not None):
            return False
        if on:
            if self.n_points < 2 or self.spread_ratio is None:
                raise InputError("Standardising needs at least two points that vary in "
                                 "both columns")
            units = Standardisation.of(self.points, self.column_names)
            raw, names = self.points, units.z_names
            points = frozen_points(units.to_z(raw))
        else:
            units, points, names = None, self.data_points, self.units.names
            if self._unstandardised is not None and self._unstandardised[0] is self.points:
                points = self._unstandardised[1]
        self.load(points, self.source, names, self.labels, self.label_name, units,
                  self.weights, self.weights_name)
        self._unstandardised = (self.points, raw) if on else None
        self.dirty = True
        return True

    def restore(self, other: "Session") -> None:
        """Take over ``other``'s whole state (an opened or recovered session, or a new
        empty one). Versions keep increasing: work in flight for the old state is stale."""
        model_version = max(other.model_version, self.model_version) + 1
        data_version = max(other.data_version, self.data_version) + 1
        for f in fields(self):
            if f.name != "events":
                setattr(self, f.name, getattr(other, f.name))
        self.model_version, self.data_version = model_version, data_version
        self.events.emit("points")

    def to_record(self):
        """This session as a :class:`gmm_explorer.io.session_file.SessionRecord`."""
        from gmm_explorer.io.session_file import BranchRecord, SessionRecord

        return SessionRecord(self.points, self.settings.as_dict(), tuple(self.history),
                             self.phase, self.pending_start, self.source, self.column_names,
                             self.labels, self.label_name, self.current_index,
                             tuple(BranchRecord(b.name, tuple(b.steps), dict(b.notes))
                                   for b in self.branches),
                             self.active, None if self.locks is None else self.locks.as_dict(),
                             self.units, self.weights, self.weights_name)

    @classmethod
    def from_record(cls, rec) -> "Session":
        """A session restored from a record (settings validated here)."""
        s = cls(points=frozen_points(rec.points), source=rec.source,
                column_names=tuple(rec.column_names), labels=rec.labels,
                label_name=rec.label_name, settings=ModelSettings.from_dict(rec.settings),
                phase=rec.phase, pending_start=rec.pending_start, units=rec.units,
                weights=rec.weights, weights_name=rec.weights_name)
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
        if s.weights is not None:
            from gmm_explorer.engine.validation import as_sample_weights

            s.weights = as_sample_weights(s.weights, s.n_points)
        return s

    def mark_saved(self) -> None:
        """The state now matches a file (saved, or only bookkeeping happened)."""
        self.dirty = False
        self.events.emit("saved")

    def mark_unsaved(self) -> None:
        """The state is not in any file (e.g. restored from the recovery file)."""
        self.dirty = True
        self.events.emit("saved")

    # ----------------------------------------------------------------- data

    def _points_changed(self) -> None:
        self.dirty = True
        self.data_version += 1
        # Log-likelihoods of the old data are not comparable with the new data: keep the
        # displayed parameters as the start of a new run (iteration 0) and drop the history
        # (every branch). A run in flight becomes stale: editing pauses a run.
        self.model_version += 1
        if self.history:
            self.pending_start = self.current.mixture
            self._clear_branches()
        if self.n_points == 0:
            # No data, no model: parameters of points that are gone would be drawn over an
            # empty canvas (and evaluated on the first clicks, far from them). Undoing the
            # removal brings them back (see undo).
            self._cleared_model = self.pending_start or self._cleared_model
            self.pending_start = None
            self.locks = None
        self.phase = "M"
        self.events.emit("points")

    def undo(self) -> bool:
        """Undo the last edit of the points; undoing a Clear all brings back the model the
        points had."""
        was_empty = self.n_points == 0
        m = self._cleared_model
        if was_empty and self.can_undo and m is not None \
                and (m.n_components, m.covariance_type) == (self.settings.k,
                                                            self.settings.covariance_type):
            self.pending_start = m  # before the views hear of it
        if not super().undo():
            if was_empty:
                self.pending_start = None
            return False
        if was_empty and self.n_points:
            self._cleared_model = None
        return True

    # ----------------------------------------------------------------- settings

    #: Settings that change how the next steps run but not the current parameters.
    RUN_SETTINGS = ("seed", "reg_covar", "tol", "max_iter", "algorithm", "weight_prior",
                    "prior", "noise", "noise_region")

    def set_settings(self, settings: ModelSettings) -> bool:
        """Change settings; a change of K, covariance type or initialisation resets the
        model. Seed, reg_covar, tol, max_iter and the algorithm apply from the next step on
        (stepping from a past iteration with a new reg_covar therefore starts a new branch,
        and the first step of another algorithm always does: see :meth:`record`).

        Returns whether the model was reset.
        """
        old, self.settings = self.settings, settings
        if old != settings:
            self.dirty = True
        keep = {name: getattr(settings, name) for name in self.RUN_SETTINGS}
        reset = replace(old, **keep) != settings
        if reset:
            self._reset_model()
        self.events.emit("model")
        return reset

    def raise_reg_covar(self) -> float:
        """The health panel's fix: reg_covar x10, from the next M-step on; the new value."""
        from gmm_explorer.engine import edit

        self.set_settings(replace(self.settings,
                                  reg_covar=edit.raise_reg_covar(self.settings.reg_covar)))
        return self.settings.reg_covar

    def check_can_fit(self) -> None:
        """Raise :class:`InputError` with a user-facing reason if EM cannot start."""
        if self.n_points == 0:
            raise InputError("there are no points: click on the canvas to add some, or open a file")
        if self.n_points < self.settings.k:
            raise InputError(f"{self.n_points} points are fewer than K={self.settings.k}; "
                             "add points or lower K")

    # ----------------------------------------------------------------- model

    def _reset_model(self) -> None:
        self._cleared_model = None  # a new model: undo brings no old one back
        self.model_version += 1
        self._clear_branches()
        self.phase = "M"
        self.pending_start = None
        self.locks = None

    def reset_model(self) -> None:
        """Forget the parameters, history, branches and locks (a run in flight becomes
        stale)."""
        self._reset_model()
        self.events.emit("model")

    def _adopt_shape(self, mixture: Mixture) -> None:
        """K and the covariance type follow parameters that come from elsewhere."""
        s = self.settings
        if mixture.n_components != s.k or mixture.covariance_type != s.covariance_type:
            self.settings = replace(s, k=mixture.n_components,
                                    covariance_type=mixture.covariance_type)
            self.dirty = True

    def start_from(self, mixture: Mixture) -> None:
        """Parameters (from a file, model selection or the optima gallery) become a new
        start, iteration 0, once evaluated: K and the covariance type follow them."""
        self._adopt_shape(mixture)
        self._reset_model()
        self.pending_start = mixture
        self.events.emit("model")

    def apply_result(self, steps: tuple[StepResult, ...], phase: str, version: int,
                     note: str | None = None) -> bool:
        """Record the states of one piece of EM work computed under ``version`` and set
        the phase; False (nothing changes) if the work is stale."""
        if version != self.model_version:
            return False
        for step in steps:
            self.record(step, phase, version, note)
        self.phase = phase
        self.events.emit("model")
        return True

    # ----------------------------------------------------------------- hand edits, locks

    def hand_edit(self, mixture: Mixture, lock_change=None) -> bool:
        """Accept parameters made by hand as the next state to evaluate.

        Steps still in flight would land after the edit with the wrong iteration, so the
        model version moves on; K and the covariance type follow ``mixture``;
        ``lock_change(locks)`` adapts the locks to a component added or removed.

        Returns True when there was no model yet: the edit is then the start, awaiting
        evaluation as iteration 0 (:attr:`pending_start`); False when it is the next state
        of the displayed one. Raises :class:`InputError` when there are too few points.
        """
        if self.n_points == 0:
            raise InputError("Add points first: a component needs data to be evaluated on")
        if self.n_points < mixture.n_components:
            raise InputError(f"{self.n_points} points are fewer than K={mixture.n_components}")
        self.model_version += 1
        self._adopt_shape(mixture)
        if lock_change is not None and self.locks is not None:
            self.locks = lock_change(self.locks)
        is_start = self.current is None
        if is_start:
            self._reset_model()
            self.pending_start = mixture
        self.events.emit("model")
        return is_start

    def set_lock(self, kind: str, j: int, on: bool) -> bool:
        """Lock or unlock one parameter (``"weight"``, ``"mean"``, ``"covariance"``) of
        component ``j`` for the M-step; returns whether anything changed."""
        from gmm_explorer.engine.locks import Locks

        m = self.displayed_mixture
        if m is None or not 0 <= j < m.n_components:
            return False
        locks = self.locks if self.locks is not None \
            and self.locks.n_components == m.n_components else Locks.none(m.n_components)
        if getattr(locks, kind)[j] != on:
            locks = locks.toggled(kind, j)
        self.locks = locks
        self.dirty = True
        self.events.emit("model")
        return True

    def locks_for(self, mixture: Mixture | None):
        """The locks that apply to an M-step from ``mixture`` (None when nothing is
        locked or the locks describe another K)."""
        locks = self.locks
        if locks is None or mixture is None or locks.n_components != mixture.n_components:
            return None
        return locks if locks.any else None


__all__ = ["MAX_K", "ModelSettings", "Session"]
