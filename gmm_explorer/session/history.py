"""EM history as branches of states (a mixin of :class:`Session`).

EM progress is a list of :class:`gmm_explorer.engine.StepResult` per *branch* (iteration 0
is the initial parameters; entry ``i`` is iteration ``i``) plus a *phase*:

* ``"M"``: the newest parameters came from an initialisation or an M-step; the point
  colours still show the responsibilities that produced them (none after initialising);
* ``"E"``: an E-step has shown the responsibilities under the newest parameters.

The timeline can be scrubbed to any past iteration of the active branch (:meth:`scrub`);
:attr:`current` is then that iteration and new work starts from it. A new state recorded
at a past position either *replays* the branch (it equals the next recorded state: the
position just advances) or *forks* a new branch that shares the states up to the
position; the old branch is kept. States made by hand (:meth:`record` with a ``note``) are
states too, so changing anything at a past iteration and stepping again starts a branch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gmm_explorer.engine import Mixture, StepResult
from gmm_explorer.engine.steps import run_kind


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


class History:
    """Branches, scrubbing and recording; needs ``branches``, ``active``, ``position``,
    ``phase``, ``model_version``, ``dirty`` and ``pending_start`` on the class it is mixed
    into, and an ``events`` observer."""

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

    def _clear_branches(self) -> None:
        self.branches = [Branch("main")]
        self.active = 0
        self.position = None

    @property
    def displayed_mixture(self) -> Mixture | None:
        """The parameters to draw: the displayed iteration's, or those awaiting evaluation
        (none while there are too few points to evaluate them on: nothing is shown that
        is not, or will not at once be, a model of these data)."""
        cur = self.current
        if cur is not None:
            return cur.mixture
        return self.pending_start if self.pending_evaluable else None

    @property
    def pending_evaluable(self) -> bool:
        """Whether :attr:`pending_start` can be evaluated on the points (enough of them)."""
        p = self.pending_start
        return p is not None and self.n_points >= p.n_components

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

    @property
    def mean_log_likelihoods(self) -> tuple[float, ...]:
        return tuple(r.mean_log_likelihood for r in self.history)

    @property
    def converged(self) -> bool:
        cur = self.current
        return cur is not None and cur.converged

    def _shown_phase(self) -> str:
        """The phase the displayed state had when it was made, so that it looks the same
        whichever path reaches it: "E" for a state made by hand (its own
        responsibilities were shown), "M" for one an initialisation or M-step made."""
        return "E" if self.current_index in self.branch.notes else "M"

    def scrub(self, index: int) -> bool:
        """Show iteration ``index`` of the active branch (clamped); returns whether the
        displayed state changed. The phase becomes the one the state was made in
        (:meth:`_shown_phase`)."""
        if not self.history:
            return False
        index = max(0, min(int(index), len(self.history) - 1))
        before = self.current_index
        self.position = None if index == len(self.history) - 1 else index
        if index == before:
            return False
        self.phase = self._shown_phase()
        self.model_version += 1  # work started at the old position is stale
        self.events.emit("model")
        return True

    def select_branch(self, i: int) -> bool:
        """Make branch ``i`` active, showing its newest state."""
        if not 0 <= i < len(self.branches) or i == self.active:
            return False
        self.active = i
        self.position = None
        self.phase = self._shown_phase()
        self.model_version += 1
        self.dirty = True
        self.events.emit("model")
        return True

    def rename_branch(self, i: int, name: str) -> bool:
        name = str(name).strip()
        if not name or not 0 <= i < len(self.branches) or self.branches[i].name == name:
            return False
        self.branches[i].name = name
        self.dirty = True
        self.events.emit("model")
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
            self.phase = self._shown_phase()
            self.model_version += 1
        elif i < self.active:
            self.active -= 1
        self.dirty = True
        self.events.emit("model")
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
        by hand. Views are told by :meth:`Session.apply_result`, not here.
        """
        if version != self.model_version:
            return False
        self.dirty = True
        if not self.history or (result.iteration == 0 and note is None):
            self._clear_branches()
            self.history = [result]
            self.pending_start = None
        elif result.iteration == self.current.iteration:
            # The displayed state scored again (an E-step): kept when it is the same run's;
            # another algorithm's score of it belongs to the branch its next step starts.
            if self.position is None and note is None \
                    and result.run_kind == self.current.run_kind:
                self.history[-1] = result
        elif result.iteration != self.current.iteration + 1:
            return False  # not the next state of what is shown: computed for another one
        else:
            switched = result.run_kind != self.current.run_kind
            if self.position is not None or switched:
                # Scrubbed back, or the first state of another algorithm or prior (the
                # objective or the estimate is of another kind): a new branch from the
                # displayed state.
                p = self.current_index
                nxt = self.history[p + 1] if p + 1 < len(self.history) else None
                if note is None and nxt is not None and p + 1 not in self.branch.notes \
                        and nxt.run_kind == result.run_kind and _same_state(nxt, result):
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
        """The objectives per point (the mean log-likelihoods, for EM) of the states
        before :attr:`current` in its run, for ``change`` and the convergence rule. A state
        made by hand starts a new run, and so does a change of algorithm or prior: the
        objectives of another algorithm are another quantity."""
        i = self.current_index
        if i < 0:
            return ()
        kind = run_kind(self.settings.em_settings())
        if self.history[i].run_kind != kind:
            return ()
        notes = self.branch.notes
        start = max([j for j in notes if j <= i], default=0)
        start = max([start] + [j + 1 for j in range(start, i)
                               if self.history[j].run_kind != kind])
        return tuple(r.mean_objective for r in self.history[start:i])
