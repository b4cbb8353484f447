"""Launching the window: gmm-explorer [DATA], and the no-display path."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gmm_explorer import __main__ as app_entry
from gmm_explorer.qt.app import NO_DISPLAY, display_problem
from tests.conftest import DATA


def _no_display_env():
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


@pytest.mark.parametrize("args", [[], [str(DATA / "faithful.csv")]])
def test_no_display_prints_one_line_and_exits_2(args):
    out = subprocess.run([sys.executable, "-m", "gmm_explorer", *args], env=_no_display_env(),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines == [NO_DISPLAY]
    assert "xvfb-run" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert out.stdout == ""


@pytest.mark.parametrize("env,platform,problem", [
    ({}, "linux", True),
    ({"DISPLAY": ":0"}, "linux", False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
    ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
    ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
    ({"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":1"}, "linux", False),
    ({"QT_QPA_PLATFORM": "wayland", "DISPLAY": ":1"}, "linux", True),
    ({}, "darwin", False),
    ({}, "win32", False),
])
def test_display_problem_rules(env, platform, problem):
    assert (display_problem(env, platform) is not None) == problem


def test_a_lone_data_argument_opens_the_window_on_it(monkeypatch, tmp_path):
    import gmm_explorer.qt.app as app_module

    opened = []
    monkeypatch.setattr(app_module, "main", lambda path=None: opened.append(path) or 0)
    path = tmp_path / "pts.csv"
    path.write_text("a,b\n1,2\n")
    assert app_entry.main([str(path)]) == 0 and opened == [str(path)]
    assert app_entry.main([]) == 0 and opened == [str(path), None]


def test_open_window_on_a_file(qtbot, tmp_path):
    from gmm_explorer.qt.app import open_window

    path = tmp_path / "pts.csv"
    path.write_text("a,b\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(40)))
    _, w = open_window(str(path))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.session.initialised and not w.run.busy, timeout=20000)
    assert w.windowTitle().replace("[*]", "") == "pts.csv — GMM Explorer"  # [*]: Qt's marker
    assert w.session.n_points == 40 and w.feedback.last_error is None


def test_open_window_on_a_bad_file_falls_back_to_old_faithful(qtbot, tmp_path):
    from gmm_explorer.qt.app import open_window

    path = tmp_path / "broken.csv"
    path.write_text("x,y\n1,2\n3,oops\n")
    _, w = open_window(str(path))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.session.initialised and not w.run.busy, timeout=20000)
    assert "broken.csv:3" in w.feedback.last_error
    assert w.session.n_points == 272 and w.windowTitle().startswith("Old Faithful")


def test_the_first_launch_shows_em_walking(qtbot, tmp_path):
    """A first launch opens Old Faithful on the "centre" start, from which EM takes many
    visible steps; later launches keep the user's own settings."""
    from PySide6.QtCore import QSettings

    from gmm_explorer.qt.app import open_window
    from tests.qt.window_helpers import idle

    assert not QSettings().contains("model/init")  # conftest gives every test a clean one
    _, w = open_window(None)
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.kernels.ready, timeout=120_000)
    idle(qtbot, w)
    assert w.session.settings.init == "centre" and w.controls.init.currentText() == "centre"
    w.actions["converge"].trigger()
    idle(qtbot, w)
    assert w.session.current.iteration >= 15
    w.controls.init.setCurrentText("kmeans")
    w.session.mark_saved()
    w.close()
    _, w2 = open_window(None)
    qtbot.addWidget(w2)
    idle(qtbot, w2)
    assert w2.session.settings.init == "kmeans"


def test_a_first_launch_on_a_file_asks_nothing(qtbot, tmp_path, monkeypatch):
    # A first launch sets the demo's start before the file opens: the empty session must
    # not ask to save "unsaved changes" (it did, on an empty window).
    from gmm_explorer.qt.app import open_window
    from gmm_explorer.qt.controllers.files import FilesController

    def never(self):
        raise AssertionError("an empty session asked to be saved")

    monkeypatch.setattr(FilesController, "ask_save_changes", never)
    import gmm_explorer.qt.app as app_module

    monkeypatch.setattr(app_module, "first_launch", lambda qsettings: True)
    path = tmp_path / "pts.csv"
    path.write_text("a,b\n" + "".join(f"{i % 7},{i % 5}\n" for i in range(40)))
    _, w = open_window(str(path))
    qtbot.addWidget(w)
    qtbot.waitUntil(lambda: w.session.initialised and not w.run.busy, timeout=20000)
    assert w.session.n_points == 40 and w.session.settings.init == "centre"


_FREED_BLOCK = """
import os, sys
import numpy as np
from gmm_explorer.qt.app import return_large_blocks_to_the_system

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

if sys.argv[1] == "set":
    assert return_large_blocks_to_the_system()
a = np.ones(30 << 20, np.uint8)  # freed: glibc's own threshold rises to 30 MiB
del a
base = rss()
b = np.ones(10 << 20, np.uint8)  # a 10 MB array (a summary's labels at 10^7 points)
c = np.ones(1 << 20, np.uint8)   # made after it, so b is not the heap's top when freed
del b
print((rss() - base) >> 20)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_window_process_hands_freed_arrays_back_to_the_system():
    # The window's entry point fixes glibc's mmap threshold: a freed array of millions of
    # points leaves the resident set at once instead of staying in malloc's arenas.
    def retained(mode):
        env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
        out = subprocess.run([sys.executable, "-c", _FREED_BLOCK, mode], capture_output=True,
                             text=True, timeout=120, env=env)
        assert out.returncode == 0, out.stderr
        return int(out.stdout)

    assert retained("default") >= 8  # (what the setting is for)
    assert retained("set") <= 2


def test_the_window_entry_point_prepares_its_process_before_the_window(monkeypatch):
    from gmm_explorer.qt import app

    calls = []

    class Exec:
        def exec(self):
            calls.append("exec")
            return 0

    monkeypatch.setattr(app, "display_problem", lambda: None)
    monkeypatch.setattr(app, "prepare_window_process", lambda: calls.append("process"))
    monkeypatch.setattr(app, "open_window", lambda path: (calls.append(path), (Exec(), None))[1])
    monkeypatch.setattr(app, "install_excepthook", lambda: None)
    assert app.main("data.csv") == 0
    assert calls == ["process", "data.csv", "exec"]
