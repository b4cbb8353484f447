"""Start the window: ``gmm-explorer [DATA]``."""

from __future__ import annotations

import os
import sys

NO_DISPLAY = ("gmm-explorer: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set); "
              "run it from a desktop session, under xvfb-run, or with "
              "QT_QPA_PLATFORM=offscreen; the commands fit, select and sample need no display")

#: Qt platforms that need no display server.
HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "linuxfb", "eglfs", "vkkhrdisplay")


def display_problem(environ=None, platform: str | None = None) -> str | None:
    """Why Qt could not open a window here, or None. Qt aborts the whole process when it
    cannot connect to a display, so we check first."""
    env = os.environ if environ is None else environ
    plat = sys.platform if platform is None else platform
    if not plat.startswith("linux") and "bsd" not in plat:
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":")[0].split(";")[0].strip()
    if qpa in HEADLESS_PLATFORMS:
        return None
    has_x = bool(env.get("DISPLAY"))
    has_wayland = bool(env.get("WAYLAND_DISPLAY"))
    if qpa == "xcb" and not has_x:
        return NO_DISPLAY
    if qpa.startswith("wayland") and not has_wayland:
        return NO_DISPLAY
    if not (has_x or has_wayland):
        return NO_DISPLAY
    return None


def open_window(path: str | None = None):
    """Create the application (if needed) and the window, showing ``path`` or, when that
    is absent or cannot be read (an error dialog says why), Old Faithful.

    Returns
    -------
    (QApplication, MainWindow)
    """
    from PySide6.QtWidgets import QApplication

    from gmm_explorer.qt.main_window import APP_NAME, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    win = MainWindow()
    win.setWindowTitle(APP_NAME)
    win.show()
    if win.offer_recovery():
        return app, win
    if path is None or not win.load_file(path):
        win.load_sample()
    return app, win


def main(path: str | None = None) -> int:
    """Open the window with ``path`` (or Old Faithful) and run until it closes."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    app, win = open_window(path)
    return app.exec()
