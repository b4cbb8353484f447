"""The run: initialise, half-steps, Step, Run, Run to convergence, and the point colours.

Policy: an edit of the points, a change of K or of a setting, or loading data *pauses* a
run; results computed for an older state are dropped (their version is stale). After an
edit of the points the displayed parameters are evaluated on the new data as iteration 0,
so the user can go on stepping from where they were.

Run is Step repeated at the chosen speed; Run to convergence is one request that consumes
the engine's loop up to its stop rule. Both stop by :func:`gmm_explorer.engine.run_finished`.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from gmm_explorer import engine as E
from gmm_explorer.engine.algorithms import objective_name
from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.qt.controllers.point_colours import PointColours
from gmm_explorer.qt.em_worker import (
    WAITING_FOR,
    Ask,
    EMProgress,
    EMRequest,
    EMResult,
    EMSolver,
)
from gmm_explorer.qt.threads import BackgroundThread, Task, TaskDone, TaskFailed
from gmm_explorer.session import narration


class RunController(QObject):
    """Drives EM for one session: owns the EM worker thread and the point colours (shown
    on ``canvas``). ``controls`` give the settings the user edits and Run's speed;
    ``kernels`` the engine backend to ask for (numpy until the kernels are compiled);
    ``want_kmeans()`` whether an initialisation also returns the k-means centroids."""

    #: ndarray (k, 2): the k-means centroids for the current data, K and seed.
    kmeans_computed = Signal(object)
    #: bool: a Run started (True) or stopped (False).
    running_changed = Signal(bool)
    #: EMResult: a result was applied to the session (tests and benchmarks wait on it).
    result_applied = Signal(object)
    #: str: what the EM worker is busy with ("" when idle), for the busy indicator.
    activity_changed = Signal(str)
    #: str: one line saying what the last piece of EM work did (see session.narration).
    narrated = Signal(str)

    def __init__(self, session, canvas, controls, feedback, kernels, want_kmeans=lambda: False,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.kernels = kernels
        self.canvas = canvas
        self.controls = controls
        self.feedback = feedback
        self._want_kmeans = want_kmeans
        self.running = False
        #: Results dropped because the state changed while they were computed.
        self.dropped_results = 0
        self._queued_steps = 0
        #: The action (e_step, m_step, converge) asked for while the worker was busy: it
        #: runs when the worker is free.
        self._deferred = None
        self._closed = False
        #: The task whose result is bookkeeping, not a user's change (the initialisation
        #: after opening a file, the recolouring after opening a session).
        self._bookkeeping_id: int | None = None
        self.colours = PointColours(canvas)
        self._solver = EMSolver()
        # The version getter captures the session, not this controller: no reference cycle
        # (see ARCHITECTURE.md, "Rules of the house").
        # Results are redrawn at once: each waits for the event loop's next turn, so that
        # one arriving during a paint does not extend that paint's stall.
        self.thread = BackgroundThread("em-worker", lambda: session.model_version,
                                       yield_first=True, parent=self)
        self.thread.finished.connect(self._on_finished)
        self.thread.failed.connect(self._on_failed)
        self.thread.dropped.connect(self._on_dropped)
        self.thread.progressed.connect(self._on_progress)
        self._run_timer = QTimer(self)
        self._run_timer.setSingleShot(True)
        self._run_timer.timeout.connect(self._run_next)

    @property
    def queued_steps(self) -> int:
        """Step presses waiting for the worker (each will be one iteration)."""
        return self._queued_steps

    @property
    def busy(self) -> bool:
        """Whether EM work is queued or running."""
        return self.thread.pending > 0

    # ------------------------------------------------------------------ requests

    def _submit(self, kind: Ask, mixture=None, note: str | None = None) -> int:
        """Ask the worker for ``kind`` from the displayed state (or, for EDIT, COLOUR and
        EVALUATE, about ``mixture``); returns the task id."""
        s = self.session
        cur = s.current
        if mixture is None and cur is not None:
            mixture = cur.mixture
        iteration = 0 if cur is None else cur.iteration
        if kind is Ask.EDIT:
            iteration += 1
        req = EMRequest(kind, s.points, s.settings, mixture, iteration,
                        s.run_mean_log_likelihoods(), s.locks_for(mixture), note,
                        want_kmeans=kind is Ask.INITIALISE and self._want_kmeans(),
                        backend=self.kernels.backend, weights=s.weights,
                        want_uncertainty=self.colours.wants_uncertainty)
        task = self.thread.submit(Task(kind, partial(self._solver.handle, req),
                                       s.model_version))
        self.activity_changed.emit(f"{WAITING_FOR[kind]} on {s.n_points:,} points")
        return task

    def _can_fit(self) -> bool:
        try:
            self.session.check_can_fit()
        except InputError as exc:
            self.feedback.status(str(exc), 6000)
            return False
        return True

    def evaluate_pending(self) -> None:
        """Evaluate parameters awaiting evaluation (the new iteration 0), if any."""
        s = self.session
        if s.pending_start is not None and s.n_points >= s.pending_start.n_components:
            self._submit(Ask.EVALUATE, s.pending_start)

    def request_kmeans(self) -> None:
        """Ask for the k-means centroids of the current data (the k-means overlay)."""
        s = self.session
        if s.n_points >= s.settings.k:
            self._submit(Ask.KMEANS)

    def stop(self) -> None:
        """Pause a run and forget queued Step presses and deferred requests."""
        self.pause()
        self._queued_steps = 0
        self._deferred = None

    def _defer_if_busy(self, action, what: str) -> bool:
        """While the worker is busy, keep ``action`` for when it is free (the latest
        asked wins) and say so: a request is never dropped without a word."""
        if not self.busy:
            return False
        self._deferred = action
        self.feedback.status(f"{what} will start when the current computation ends", 4000)
        return True

    @Slot()
    def initialise(self, *, bookkeeping: bool = False) -> None:
        """New parameters by the chosen initialisation (iteration 0). ``bookkeeping``:
        the result does not count as an unsaved change (a file was just opened)."""
        self.stop()
        self.session.reset_model()
        self.colours.show(None, None)
        if self._can_fit():
            task = self._submit(Ask.INITIALISE)
            self._bookkeeping_id = task if bookkeeping else None

    def _ensure_started(self) -> bool:
        """True when there is a model to step; otherwise start one, or say why not (a
        start being evaluated is one step away)."""
        s = self.session
        if s.initialised:
            return True
        if not s.pending_evaluable and self._can_fit():
            self._submit(Ask.INITIALISE)
        return False

    @Slot()
    def e_step(self) -> None:
        if self._defer_if_busy(self.e_step, "The E-step") or not self._ensure_started():
            return
        if self.session.phase == "E":
            self.feedback.status("The E-step is done: press M for the M-step", 3000)
            return
        self._submit(Ask.E)

    @Slot()
    def m_step(self) -> None:
        if self._defer_if_busy(self.m_step, "The M-step") or not self._ensure_started():
            return
        if self.session.phase != "E":
            self.feedback.status("Do the E-step first (E): the M-step needs responsibilities",
                                 3000)
            return
        self._submit(Ask.M)

    @Slot()
    def step(self) -> None:
        if self.busy:
            self._queued_steps += 1
            return
        if not self._ensure_started():
            return
        self._submit(Ask.M if self.session.phase == "E" else Ask.STEP)

    @Slot()
    def toggle_run(self) -> None:
        if self.running:
            self.pause()
            return
        if not self._ensure_started() and not self.busy:
            return
        self.running = True
        self._queued_steps = 0
        self.running_changed.emit(True)
        if not self.busy:
            self._run_next()

    @Slot()
    def pause(self) -> None:
        was = self.running
        self.running = False
        self._run_timer.stop()
        self.thread.cancel()
        if was:
            self.running_changed.emit(False)

    @Slot()
    def converge(self) -> None:
        if self._defer_if_busy(self.converge, "Run to convergence") or not self._ensure_started():
            return
        self.pause()
        self._submit(Ask.CONVERGE)
        self.feedback.status("Running to convergence… (Esc to stop)")

    def run_finished(self) -> bool:
        """Whether a Run has nothing left to do (the engine's stop rule)."""
        cur = self.session.current
        return cur is None or E.run_finished(cur, self.session.settings.em_settings())

    @Slot()
    def _run_next(self) -> None:
        if not self.running or self.busy:
            return
        if self.run_finished():
            self.pause()
            return
        self._submit(Ask.M if self.session.phase == "E" else Ask.STEP)

    # ------------------------------------------------------------------ changes from elsewhere

    @Slot()
    def settings_edited(self) -> None:
        """The user changed a setting in the controls."""
        try:
            new = self.controls.settings()
        except GMMExplorerError as exc:
            # Settings that cannot go together (variational Bayes on VEV): say why, and
            # show the settings still in force.
            self.feedback.status(str(exc), 8000)
            self.controls.set_settings(self.session.settings)
            return
        self.apply_settings(new)

    #: NNclean looks at most at this many points (a seeded sample beyond: its fraction
    #: hardly changes, and the nearest-neighbour search stays well under half a second).
    NNCLEAN_SAMPLE = 50_000

    @Slot()
    def estimate_noise(self) -> None:
        """Noise's "auto": set the noise fraction to the share of points NNclean classes as
        clutter (a settings change, as typing it would be)."""
        from gmm_explorer.engine.noise import NEIGHBOUR_K, nnclean

        X = self.session.points
        if X.shape[0] <= NEIGHBOUR_K:
            self.feedback.status(f"NNclean needs more than {NEIGHBOUR_K} points", 6000)
            return
        sample = ""
        if X.shape[0] > self.NNCLEAN_SAMPLE:
            rng = np.random.default_rng(0)
            X = X[rng.choice(X.shape[0], self.NNCLEAN_SAMPLE, replace=False)]
            sample = f" (on a sample of {self.NNCLEAN_SAMPLE:,} points)"
        try:
            cleaned = nnclean(X, NEIGHBOUR_K)
        except GMMExplorerError as exc:
            self.feedback.error("Could not estimate the noise", str(exc))
            return
        box = self.controls.noise
        fraction = min(cleaned.fraction, box.maximum())
        m = int(cleaned.noise.sum())
        self.feedback.status(
            f"NNclean classes {m} of {X.shape[0]:,} points as clutter{sample}: Noise "
            f"{fraction:.2f}" + ("" if m else " (off: no clutter found)")
            + ("; Initialise (I) starts the noise from them" if m else ""), 10000)
        box.setValue(round(fraction, box.decimals()))  # valueChanged applies it

    def apply_settings(self, settings) -> None:
        """Use ``settings``; a change of K, covariance type or initialisation starts over."""
        self.stop()
        if self.session.set_settings(settings) or not self.session.initialised:
            self.colours.show(None, None)
            self.initialise()

    def points_edited(self) -> None:
        """The points changed: pause, and evaluate the kept parameters on the new data
        (after a brush stroke ends, not during it)."""
        self.stop()
        self.colours.show(None, None)
        if not self.session.in_stroke:
            self.evaluate_pending()

    def session_restored(self) -> None:
        """A whole session was restored: colour the points as its phase shows them
        (responsibilities are not stored; they are recomputed from the parameters, and
        the restored states themselves stay exactly as saved)."""
        self.stop()
        self.colours.show(None, None)
        if self.session.current is not None:
            self.request_colours()

    def start_from(self, mixture, description: str) -> None:
        """Parameters from a file, model selection or the optima gallery become a new
        start, iteration 0: K and the covariance type follow them."""
        self.stop()
        self.session.start_from(mixture)
        self.colours.show(None, None)
        self.evaluate_pending()
        self.feedback.status(f"Loaded {description}", 5000)

    def apply_hand_edit(self, mixture, note: str, lock_change=None) -> bool:
        """Record parameters made by hand as a new state (a new branch when the timeline
        is scrubbed back), evaluated on the data; EM can start from it."""
        try:
            is_start = self.session.hand_edit(mixture, lock_change)
        except InputError as exc:
            self.feedback.status(str(exc), 5000)
            return False
        self.stop()
        if is_start:
            self.evaluate_pending()
        else:
            self._submit(Ask.EDIT, mixture, note)
        self.feedback.status(f"By hand: {note} — Step to run EM from here", 4000)
        return True

    def request_colours(self) -> None:
        """Colour the points as the displayed state shows them (see PointColours)."""
        self.colours.want_for_displayed(self.session)
        self._request_colours_if_pending()

    def _request_colours_if_pending(self) -> None:
        # One colour request at a time: scrubbing fast asks only for the last position.
        if not self.busy and (mixture := self.colours.take_request()) is not None:
            self._submit(Ask.COLOUR, mixture)

    # ------------------------------------------------------------------ outcomes

    def _idle_check(self) -> None:
        if not self.busy:
            self.activity_changed.emit("")

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        if self._closed:
            return
        self._idle_check()
        res: EMResult = done.value
        if res.kmeans_centroids is not None:
            self.kmeans_computed.emit(res.kmeans_centroids)
        if res.kind is Ask.KMEANS:
            self._step_if_queued()
            return
        if res.kind is Ask.COLOUR:
            if res.source_mixture is self.colours.source:
                self.colours.show(res.colors, res.labels, res.uncertainty)
            self._request_colours_if_pending()
            self._step_if_queued()
            return
        s = self.session
        before = s.current
        s.apply_result(res.steps, res.phase, done.version, res.note)
        self._narrate(res, before)
        if done.task_id == self._bookkeeping_id:
            s.mark_saved()
            self._bookkeeping_id = None
        self.colours.show_result(res)
        if self.colours.lacks_uncertainty and not self.running:
            # Asked for before the view turned to the uncertainty (a run's next step
            # brings it): ask for these colours again, with it.
            self.request_colours()
        if res.kind is Ask.CONVERGE:
            self.feedback.status(narration.convergence(s.current, res.cancelled), 5000)
        self.result_applied.emit(res)
        if not self._step_if_queued() and self.running:
            sps = self.controls.steps_per_second
            self._run_timer.start(0 if sps == 0 else int(1000 / sps))

    def _narrate(self, res: EMResult, before) -> None:
        """One line on what ``res`` did to the state ``before`` it."""
        s, changed = self.session, self.colours.changed_since(res.labels)
        text = narration.describe(res.kind.value, res.steps, before, changed, s.points,
                                  s.settings.init, res.cancelled)
        if text:
            self.narrated.emit(text)

    def narrate_view(self) -> None:
        """The line for a change of the displayed state (a scrub, another branch): what
        is shown now, so that the line never describes a step the view has left."""
        s = self.session
        if s.current is not None:
            self.narrated.emit(narration.viewing(s.current.iteration, s.latest.iteration,
                                                 s.branch.name, s.at_end))

    def _step_if_queued(self) -> bool:
        """Run what was asked while the worker was busy: a Step press, or a deferred
        E-step, M-step or run to convergence. True if something was started."""
        if self._queued_steps and not self.running:
            self._queued_steps -= 1
            self.step()
            return True
        if self._deferred is not None and not self.busy:
            action, self._deferred = self._deferred, None
            action()
            return True
        return False

    @Slot(object)
    def _on_dropped(self, outcome) -> None:
        if self._closed:
            return
        self._idle_check()
        if isinstance(outcome, TaskDone):
            self.dropped_results += 1
            self._request_colours_if_pending()
            self._step_if_queued()

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        if self._closed:
            return
        self._idle_check()
        self.stop()
        self.feedback.error("EM cannot continue", failure.message)

    @Slot(object)
    def _on_progress(self, p) -> None:
        progress: EMProgress = p.payload
        self.feedback.status(
            f"Running to convergence… iteration {progress.iteration}, "
            f"{objective_name(progress.algorithm)} {progress.mean_objective:.6g} "
            "(Esc to stop)")

    def shutdown(self) -> None:
        """Stop the run and the worker thread (on close)."""
        self._closed = True
        self.pause()
        self.thread.shutdown()
