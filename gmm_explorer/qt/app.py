"""Start the window: ``gmm-explorer [DATA]``."""

from __future__ import annotations

import os
import platform
import sys
import traceback
from dataclasses import replace

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
    from gmm_explorer.qt.main_window import MainWindow

    app = application()
    win = MainWindow()
    win.show()
    if first_launch(win.qsettings):
        # The demo: EM walks from the data's centre to the clusters over ~20 visible
        # steps (k-means would start four barely visible steps from the optimum).
        win.session.set_settings(replace(win.session.settings, init=FIRST_LAUNCH_INIT))
    if win.files.offer_recovery():
        return app, win
    if path is None or not win.files.load_file(path):
        win.data.load_sample()
    return app, win


def application():
    """The QApplication (created if there is none yet), named GMM Explorer so that its
    settings are the app's, with the app's icon."""
    from PySide6.QtWidgets import QApplication

    from gmm_explorer.qt.main_window import APP_NAME
    from gmm_explorer.resources import icon_path

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(APP_NAME)
    app.setApplicationName(APP_NAME)
    icon = icon_path()
    if icon is not None:
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    return app


#: The initialisation of a first launch (see :func:`gmm_explorer.engine.init.centre_start`).
FIRST_LAUNCH_INIT = "centre"


def first_launch(qsettings) -> bool:
    """No model settings were ever saved (the app never closed normally before)."""
    return not qsettings.contains("model/init")


def crash_report(exc_type, exc, tb) -> str:
    """A plain-text report of an unexpected error, meant to be copied into a bug report:
    the versions of the app, Python, Qt, PySide6 and numpy, then the traceback."""
    import numpy as np
    import PySide6
    from PySide6.QtCore import qVersion

    from gmm_explorer import __version__ as app_version

    lines = [f"GMM Explorer {app_version}",
             f"Python {platform.python_version()} ({sys.executable})",
             f"Qt {qVersion()}, PySide6 {PySide6.__version__}, numpy {np.__version__}",
             f"Platform {platform.platform()}", ""]
    lines += traceback.format_exception(exc_type, exc, tb)
    return "\n".join(line.rstrip("\n") for line in lines)


_windows_provider = None
_reporter = None
_report_box = None


def windows_of_app() -> list:
    """Every open :class:`MainWindow` of the application."""
    from PySide6.QtWidgets import QApplication

    from gmm_explorer.qt.main_window import MainWindow

    return [w for w in QApplication.topLevelWidgets()
            if isinstance(w, MainWindow) and not w.closed]


def install_excepthook(windows_provider=windows_of_app) -> None:
    """Route unhandled exceptions (PySide6 sends those raised in slots and in Qt's virtual
    methods to ``sys.excepthook``) to :func:`excepthook`; ``windows_provider()`` returns
    the windows whose sessions to save. Call from the GUI thread, with the application
    created."""
    global _windows_provider, _reporter
    from PySide6.QtCore import QObject, Signal

    class Reporter(QObject):
        #: str: a crash report to show; queued to the GUI thread when emitted elsewhere.
        report_requested = Signal(str)

    _windows_provider = windows_provider
    if _reporter is None:
        _reporter = Reporter()
        _reporter.report_requested.connect(_report)
    sys.excepthook = excepthook


def excepthook(exc_type, exc, tb) -> None:
    """Save every open window's session to its recovery file and show a non-modal dialog
    whose details hold a copyable report; the app keeps running. Raised outside the GUI
    thread, the reporting is queued to the GUI thread."""
    if issubclass(exc_type, KeyboardInterrupt) or _reporter is None:
        sys.__excepthook__(exc_type, exc, tb)
        return
    try:
        report = crash_report(exc_type, exc, tb)
    except Exception:  # noqa: BLE001 - reporting must not fail in turn
        report = "".join(traceback.format_exception(exc_type, exc, tb))
    _reporter.report_requested.emit(report)


def _report(report: str) -> None:
    """Slot of the reporter (GUI thread). Never raises: an error here would come back to
    the hook."""
    try:
        _save_and_show(report)
    except Exception:  # noqa: BLE001
        print(report, file=sys.stderr)
        traceback.print_exc()


def _save_and_show(report: str) -> None:
    global _report_box
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    from gmm_explorer.qt.main_window import APP_NAME

    try:
        windows = list(_windows_provider() if _windows_provider is not None else ())
    except Exception:  # noqa: BLE001 - reporting must not fail in turn
        windows = []
    saved = 0
    for w in windows:
        try:
            saved += bool(w.files.write_recovery(force=True))
        except Exception:  # noqa: BLE001 - a window too broken to save: try the others
            continue
    box = _report_box
    try:
        if box is not None and box.isVisible():
            # One dialog for a burst of errors (e.g. one in every repaint).
            box.setDetailedText(box.detailedText() + "\n\n" + report)
            return
    except RuntimeError:  # the C++ dialog was deleted
        pass
    text = ("GMM Explorer hit an unexpected error. It keeps running, but it may not behave "
            "as it should: save your work under a new name and restart.")
    if saved:
        text += (" Your session was also saved for recovery: it is offered the next time "
                 "GMM Explorer starts.")
    box = QMessageBox(QMessageBox.Icon.Critical, f"{APP_NAME}: unexpected error", text,
                      QMessageBox.StandardButton.Close, windows[0] if windows else None)
    box.setInformativeText("Show Details… holds a report to copy into a bug report.")
    box.setDetailedText(report)
    box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    _report_box = box


#: Blocks of this many bytes and more are mapped for themselves and unmapped when freed
#: (glibc's ``M_MMAP_THRESHOLD``; see :func:`return_large_blocks_to_the_system`).
LARGE_BLOCK_BYTES = 4 << 20
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (malloc.h)


def return_large_blocks_to_the_system() -> bool:
    """In the window's own process: have glibc's malloc hand back every freed block of
    :data:`LARGE_BLOCK_BYTES` and more at once.

    By default glibc raises that threshold (up to 32 MiB) whenever such a block is freed;
    from then on the per-point arrays of a million points and more (a colour summary's
    10 to 40 MB, made at every step) come from malloc's arenas, and their pages stay
    resident after they are freed: 43 MiB more at the peak at 10^7 points
    (``benchmarks/ui_responsiveness.py``). A fixed threshold costs page faults on each
    new array instead (about 10% of a step at 10^7 points). Not in a host's process (a
    notebook's ``explore``): its allocator is its own. Returns whether it was set (Linux
    with glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES))


#: How much nicer than the window's thread its compute threads run (see
#: :func:`prepare_window_process`).
BACKGROUND_NICENESS = 5


def prepare_window_process() -> None:
    """Settings for the window's own process (not a host's, such as a notebook's):
    freed large arrays go back to the system (:func:`return_large_blocks_to_the_system`),
    and the compute threads (EM, the raster, the pass helpers) run
    :data:`BACKGROUND_NICENESS` steps nicer than the window's thread, so that when they
    fill both cores a repaint still gets the CPU it needs (at 10^7 points the longest
    stall while stepping fell from 87-106 ms, once 234, to 58-81 ms)."""
    from gmm_explorer.engine import work_split

    return_large_blocks_to_the_system()
    work_split.set_background_niceness(BACKGROUND_NICENESS)


def main(path: str | None = None) -> int:
    """Open the window with ``path`` (or Old Faithful) and run until it closes."""
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    prepare_window_process()
    app, win = open_window(path)
    install_excepthook()
    return app.exec()
