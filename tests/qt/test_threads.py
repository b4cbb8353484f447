"""The one worker-thread primitive (qt/threads.py), with real threads and real signals."""

from __future__ import annotations

import sys
import threading

import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.qt.threads import BackgroundThread, Task, TaskDone, TaskFailed

TIMEOUT = 10_000


@pytest.fixture
def owner(qtbot):
    made = []

    def make(**kw):
        version = {"v": 0}
        t = BackgroundThread("test-thread", lambda: version["v"], **kw)
        made.append(t)
        return t, version

    yield make
    for t in made:
        t.shutdown()


def test_a_task_runs_in_the_worker_thread_and_finishes_in_the_gui_thread(owner, qtbot):
    t, _ = owner()
    seen = {}

    def work(report, cancelled):
        seen["thread"] = threading.current_thread()
        report("half")
        return 42

    with qtbot.waitSignal(t.finished, timeout=TIMEOUT) as done, \
            qtbot.waitSignal(t.progressed, timeout=TIMEOUT) as progress:
        t.submit(Task("answer", work))
    assert seen["thread"] is not threading.main_thread()
    assert isinstance(done.args[0], TaskDone)
    assert done.args[0].value == 42 and done.args[0].kind == "answer"
    assert not done.args[0].cancelled
    assert progress.args[0].payload == "half"
    assert not t.busy


def test_cancel_stops_a_running_task_between_units(owner, qtbot):
    t, _ = owner()
    started = threading.Event()

    def work(report, cancelled):
        n = 0
        started.set()
        while not cancelled():
            n += 1
            threading.Event().wait(0.001)
        return n

    with qtbot.waitSignal(t.finished, timeout=TIMEOUT) as done:
        t.submit(Task("loop", work))
        assert started.wait(5)
        t.cancel()
    assert done.args[0].cancelled and done.args[0].value >= 0


def test_a_stale_result_is_dropped_not_delivered(owner, qtbot):
    t, version = owner()
    gate = threading.Event()

    def work(report, cancelled):
        gate.wait(5)
        return "old"

    finished = []
    t.finished.connect(finished.append)
    with qtbot.waitSignal(t.dropped, timeout=TIMEOUT) as dropped:
        t.submit(Task("slow", work, version=0))
        version["v"] = 1  # the state moved on while the task ran
        gate.set()
    assert dropped.args[0].value == "old"
    assert finished == [] and t.dropped_count == 1


def test_latest_only_supersedes_older_tasks(owner, qtbot):
    t, _ = owner(latest_only=True)
    gate = threading.Event()

    def first(report, cancelled):
        gate.wait(5)
        return "first"

    delivered = []
    t.finished.connect(lambda d: delivered.append(d.value))
    t.submit(Task("a", first))
    with qtbot.waitSignal(t.finished, timeout=TIMEOUT):
        t.submit(Task("b", lambda report, cancelled: "second"))
        gate.set()
    qtbot.waitUntil(lambda: not t.busy, timeout=TIMEOUT)
    assert delivered == ["second"] and t.dropped_count == 1


def test_errors_become_failures_with_a_message(owner, qtbot):
    t, _ = owner()

    def bad_input(report, cancelled):
        raise InputError("K must be at least 1")

    def bug(report, cancelled):
        return 1 / 0

    with qtbot.waitSignal(t.failed, timeout=TIMEOUT) as failed:
        t.submit(Task("input", bad_input))
    assert isinstance(failed.args[0], TaskFailed)
    assert failed.args[0].message == "K must be at least 1"
    with qtbot.waitSignal(t.failed, timeout=TIMEOUT) as failed:
        t.submit(Task("bug", bug))
    assert "internal error (ZeroDivisionError" in failed.args[0].message
    assert t.running  # the thread survives both


def test_shutdown_during_work_stops_the_thread(owner, qtbot):
    t, _ = owner()
    started = threading.Event()

    def work(report, cancelled):
        started.set()
        while not cancelled():
            threading.Event().wait(0.001)
        return None

    t.submit(Task("long", work))
    assert started.wait(5)
    t.shutdown()
    assert not t.running
    t.shutdown()  # twice is harmless


def test_an_owner_destroyed_without_shutdown_stops_its_thread(qtbot):
    """A window dropped without being closed must not abort the process: the owner's
    destruction cancels the task and stops the thread before Qt deletes it."""
    from PySide6.QtCore import QObject

    parent = QObject()
    t = BackgroundThread("orphan", parent=parent)
    started = threading.Event()
    stopped = []

    def work(report, cancelled):
        started.set()
        while not cancelled():
            threading.Event().wait(0.001)
        stopped.append(True)

    t.submit(Task("long", work))
    assert started.wait(5)
    del t
    parent.deleteLater()
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert stopped == [True]


def _outcomes_queued_while_busy(t, n):
    """Submit ``n`` tasks answering 0..n-1 and keep the GUI thread busy until all are
    done in the worker: their outcomes then wait in the event queue, as a result that
    arrives while the window paints does."""
    done = threading.Semaphore(0)

    def work(i, report, cancelled):
        done.release()
        return i

    for i in range(n):
        t.submit(Task("answer", lambda r, c, i=i: work(i, r, c)))
    for _ in range(n):
        assert done.acquire(timeout=TIMEOUT / 1000)
    threading.Event().wait(0.05)  # the last outcome is posted after its task returns


@pytest.mark.parametrize("yield_first", [False, True])
def test_yield_first_delivers_each_outcome_after_the_timers_already_due(owner, qtbot,
                                                                        yield_first):
    from PySide6.QtCore import QTimer

    t, _ = owner(yield_first=yield_first)
    seen = []
    t.finished.connect(lambda done: seen.append((done.value, t.pending)))
    tick = QTimer()
    tick.setInterval(0)
    tick.timeout.connect(lambda: seen.append("tick"))
    tick.start()
    _outcomes_queued_while_busy(t, 3)  # the timer is due meanwhile
    qtbot.waitUntil(lambda: not t.busy, timeout=TIMEOUT)
    tick.stop()
    answers = [s for s in seen if s != "tick"]
    # In order, each still counted pending until delivered.
    assert answers == [(0, 2), (1, 1), (2, 0)]
    ticks_before = [seen[:seen.index(a)].count("tick") for a in answers]
    if yield_first:
        # The due timer ran before the first outcome, and again between outcomes.
        assert ticks_before[0] >= 1 and ticks_before[0] < ticks_before[1] < ticks_before[2]
    else:
        assert ticks_before == [0, 0, 0]  # handled back to back, before any timer


def test_shutdown_drops_outcomes_not_yet_delivered(owner, qtbot):
    t, _ = owner(yield_first=True)
    seen = []
    t.finished.connect(seen.append)
    _outcomes_queued_while_busy(t, 2)
    t.shutdown()  # the window closes before they are handled
    qtbot.wait(50)
    assert seen == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness")
def test_a_background_thread_runs_nicer_than_the_window(owner, qtbot, monkeypatch):
    # The window's process makes its compute threads nicer (prepare_window_process), so
    # a repaint wins the CPU when EM fills every core; the GUI thread itself is untouched.
    import os

    from gmm_explorer.engine import work_split

    monkeypatch.setattr(work_split, "_background_niceness", 3)
    t, _ = owner()

    def niceness(report, cancelled):
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    gui = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    with qtbot.waitSignal(t.finished, timeout=TIMEOUT) as done:
        t.submit(Task("nice", niceness))
    assert done.args[0].value == min(19, gui + 3)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == gui
