"""Helpers shared by the window tests: make a window, wait for it, click and drag on it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtWidgets import QApplication

from gmm_explorer.qt.main_window import MainWindow

TIMEOUT = 20_000


def make_window(qtbot, tmp_path, name="settings.ini") -> MainWindow:
    w = MainWindow(settings=QSettings(str(tmp_path / name), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    # EM runs on numpy until the numba kernels are ready; tests that compare states bit
    # for bit start once every state will come from the same backend.
    qtbot.waitUntil(lambda: w.kernels.ready, timeout=120_000)
    return w


def window_with(qtbot, tmp_path, X) -> MainWindow:
    """A window showing the points X (saved as .npy and opened), initialised."""
    w = make_window(qtbot, tmp_path)
    np.save(tmp_path / "points.npy", X)
    assert w.files.load_file(str(tmp_path / "points.npy"))
    idle(qtbot, w)
    return w


def idle(qtbot, w):
    qtbot.waitUntil(lambda: not w.run.busy, timeout=TIMEOUT)


def pixel_of(w, x, y) -> QPoint:
    """The viewport pixel showing data point (x, y) (after pending view changes: pyqtgraph
    applies a new range lazily, from posted events)."""
    QApplication.processEvents()
    scene = w.canvas.view.mapViewToScene(QPointF(x, y))
    return w.canvas.mapFromScene(scene)


def press(qtbot, w, key, mods=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(w, key, mods)


def drag(qtbot, widget, a: QPoint, b: QPoint, mods, steps=12):
    """A left-button drag from a to b with modifiers held, as real mouse events.

    (QTest.mouseMove sends moves with no button held, so a drag cannot be made with it.)
    """
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    left = Qt.MouseButton.LeftButton

    def send(kind, pos, button, buttons):
        p = QPointF(pos)
        ev = QMouseEvent(kind, p, QPointF(widget.mapToGlobal(pos)), button, buttons, mods)
        QApplication.sendEvent(widget, ev)

    send(QEvent.Type.MouseButtonPress, a, left, left)
    for t in np.linspace(0, 1, steps):
        pos = QPoint(int(a.x() + t * (b.x() - a.x())), int(a.y() + t * (b.y() - a.y())))
        send(QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, left)
        qtbot.wait(5)
    send(QEvent.Type.MouseButtonRelease, b, left, Qt.MouseButton.NoButton)
