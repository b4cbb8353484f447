"""The one worker-thread primitive (qt/threads.py), with real threads and real signals."""

from __future__ import annotations

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
