"""Random sequences of GUI actions on one window (hypothesis stateful testing).

The machine creates its own window per example (hypothesis runs many examples inside one
test, so a pytest fixture would be shared between them) and waits with a QEventLoop and a
QTimer, never with ``QTest.qWait``, which holds the GIL and starves the worker thread.
"""

from __future__ import annotations

import time

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from PySide6.QtCore import QSettings

from gmm_explorer.qt.eventloop import wait_until
from gmm_explorer.qt.main_window import MainWindow

TIMEOUT_S = 30.0




class WindowMachine(RuleBasedStateMachine):
    #: Set by the test: a folder for the window's QSettings.
    folder = None

    def __init__(self) -> None:
        super().__init__()
        WindowMachine.count = getattr(WindowMachine, "count", 0) + 1
        ini = str(self.folder / f"machine-{WindowMachine.count}.ini")
        self.w = MainWindow(settings=QSettings(ini, QSettings.Format.IniFormat))
        self.w.show()
        rng = np.random.default_rng(0)
        # A small, clustered start so that every action is quick.
        pts = np.concatenate([rng.normal(0, 1, (15, 2)), rng.normal(5, 1, (15, 2))])
        self.w.files.install_points(pts, "machine", ("x", "y"), None, None, "machine")
        self.idle()
        self.last_version = self.w.session.model_version

    def idle(self) -> None:
        wait_until(lambda: not self.w.run.busy and self.w.run.queued_steps == 0)

    def teardown(self) -> None:
        self.w.close()
        assert self.w.run.thread.running is False
        self.w.deleteLater()

    # ------------------------------------------------------------------ edits

    @rule(x=st.floats(-10, 10, allow_nan=False), y=st.floats(-10, 10, allow_nan=False))
    def add_point(self, x, y):
        n = self.w.session.n_points
        self.w.points.add_point(x, y)
        assert self.w.session.n_points == n + 1

    @rule(data=st.data())
    def remove_point(self, data):
        s = self.w.session
        if s.n_points == 0:
            return
        i = data.draw(st.integers(0, s.n_points - 1))
        s.remove_indices([i], "Delete point")
        self.w.points.after_edit()

    @rule(data=st.data())
    def right_click_a_point(self, data):
        s = self.w.session
        if s.n_points == 0:
            return
        x, y = s.points[data.draw(st.integers(0, s.n_points - 1))]
        n = s.n_points
        self.w.points.remove_point_near(float(x), float(y), 1.0, 1.0)
        assert self.w.session.n_points == n - 1

    @rule()
    def undo(self):
        self.w.actions["undo"].trigger()

    @rule()
    def redo(self):
        self.w.actions["redo"].trigger()

    @rule()
    def clear(self):
        self.w.actions["clear"].trigger()
        assert self.w.session.n_points == 0

    # ------------------------------------------------------------------ EM

    @rule()
    def step(self):
        self.w.actions["step"].trigger()

    @rule(n=st.integers(2, 8))
    def steps_pressed_fast(self, n):
        for _ in range(n):
            self.w.actions["step"].trigger()

    @rule()
    def e_step(self):
        self.w.actions["e_step"].trigger()

    @rule()
    def m_step(self):
        self.w.actions["m_step"].trigger()

    @rule()
    def initialise(self):
        self.w.actions["initialise"].trigger()

    @rule(k=st.integers(1, 4))
    def change_k(self, k):
        self.w.controls.k.setValue(k)

    @rule(ms=st.integers(0, 30))
    def run_briefly(self, ms):
        self.w.controls.speed.setValue(self.w.controls.speed.maximum())
        self.w.actions["run"].trigger()
        deadline = time.monotonic() + ms / 1000
        wait_until(lambda: time.monotonic() >= deadline)
        if self.w.run.running:
            self.w.actions["run"].trigger()
        assert not self.w.run.running

    # ------------------------------------------------------------------ invariants

    @invariant()
    def consistent_after_idle(self):
        self.idle()
        w, s = self.w, self.w.session
        assert w.canvas.points is s.points
        its = [r.iteration for r in s.history]
        assert its == list(range(len(its)))
        for r in s.history:
            assert r.n_samples == s.n_points
            m = r.mixture
            assert all(np.all(np.isfinite(a)) for a in (m.weights, m.means, m.covariances))
            assert m.n_components == s.settings.k
        if s.pending_start is not None:
            assert np.all(np.isfinite(s.pending_start.means))
        assert s.model_version >= self.last_version
        self.last_version = s.model_version
        # With enough points, an idle window always shows a model (or an explained error).
        if s.n_points >= s.settings.k and s.n_points > 0 and w.feedback.last_error is None:
            assert s.initialised or s.pending_start is None
        assert not w.run.running or not w.run.run_finished()


def test_random_gui_action_sequences(qapp, tmp_path):
    WindowMachine.folder = tmp_path
    run_state_machine_as_test(WindowMachine, settings=settings(
        max_examples=20, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))
