"""The unhandled-exception hook: an error in a slot saves the session for recovery and
shows a report in a non-modal dialog; the app keeps running."""

from __future__ import annotations

import sys
import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

import gmm_explorer.qt.app as app_module
from tests.qt.window_helpers import idle, make_window, press


@pytest.fixture
def hooked(qtbot, tmp_path, monkeypatch):
    """A window showing Old Faithful (saved: not dirty) with the hook installed for it;
    sys.excepthook is restored afterwards."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(app_module, "_windows_provider", None)
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    w.files.remove_recovery()
    assert not w.session.dirty
    app_module.install_excepthook(lambda: [w])
    yield w
    box = app_module._report_box
    app_module._report_box = None
    try:
        if box is not None:
            box.close()
    except RuntimeError:
        pass
    w.files.remove_recovery()


def report_box():
    boxes = [b for b in QApplication.topLevelWidgets() + [app_module._report_box]
             if isinstance(b, QMessageBox) and b.isVisible() and "unexpected" in b.windowTitle()]
    return boxes[0] if boxes else None


def boom():
    raise RuntimeError("boom in a slot")


def test_write_recovery_force_writes_a_clean_session(hooked):
    w = hooked
    assert not w.files.write_recovery()  # nothing unsaved
    assert not w.files.recovery_path().exists()
    assert w.files.write_recovery(force=True)
    assert w.files.recovery_path().exists()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_saves_the_session_and_shows_a_report(hooked, qtbot):
    w = hooked
    assert sys.excepthook is app_module.excepthook
    QTimer.singleShot(0, boom)
    qtbot.waitUntil(lambda: report_box() is not None, timeout=5000)
    box = report_box()
    assert not box.isModal() or box.windowModality() != Qt.WindowModality.ApplicationModal
    details = box.detailedText()
    assert "RuntimeError: boom in a slot" in details and "in boom" in details
    for word in ("GMM Explorer", "Python", "Qt", "PySide6", "numpy"):
        assert word in details
    assert "recovery" in box.text()
    assert w.files.recovery_path().exists()  # written although the session was not dirty
    # The app is still alive: once the (window-modal, non-blocking) report is closed, a
    # step still works.
    box.close()
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w, timeout=5000)
    it = w.session.current.iteration
    press(qtbot, w, Qt.Key.Key_Space)
    idle(qtbot, w)
    assert w.session.current.iteration == it + 1


@pytest.mark.qt_no_exception_capture
def test_a_burst_of_errors_shows_one_dialog(hooked, qtbot):
    for _ in range(5):
        QTimer.singleShot(0, boom)
    message = "RuntimeError: boom in a slot"
    qtbot.waitUntil(lambda: report_box() is not None
                    and report_box().detailedText().count(message) == 5, timeout=5000)
    boxes = [b for b in QApplication.topLevelWidgets()
             if isinstance(b, QMessageBox) and b.isVisible()]
    assert len(boxes) == 1


def test_an_exception_outside_the_gui_thread_is_reported_in_the_gui_thread(hooked, qtbot):
    def worker():
        try:
            raise ValueError("boom in a thread")
        except ValueError:
            app_module.excepthook(*sys.exc_info())

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    qtbot.waitUntil(lambda: report_box() is not None, timeout=5000)
    assert "ValueError: boom in a thread" in report_box().detailedText()
    assert hooked.files.recovery_path().exists()


def test_main_installs_the_hook(monkeypatch):
    class App:
        def exec(self):
            return 0

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(app_module, "_windows_provider", None)
    monkeypatch.setattr(app_module, "display_problem", lambda: None)
    monkeypatch.setattr(app_module, "open_window", lambda path=None: (App(), None))
    assert app_module.main() == 0
    assert sys.excepthook is app_module.excepthook
    assert app_module._windows_provider is app_module.windows_of_app
