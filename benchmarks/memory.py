"""Does the window leak memory over many load / clear cycles?

Opens a window (offscreen), then repeats: load N points from a .npy file (the window
initialises the model in the worker), wait until idle, clear all points, wait until idle.
Prints the resident memory (VmRSS from /proc/self/status) after the first cycle and after
the last, and the growth in percent (goal: within 10%). Linux only (reads /proc).

Usage: python benchmarks/memory.py [--n 100000] [--cycles 100]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def rss_mib() -> float:
    """Resident set size of this process in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--cycles", type=int, default=100)
    args = ap.parse_args()

    from PySide6.QtCore import QSettings, QStandardPaths
    from PySide6.QtWidgets import QApplication

    from gmm_explorer.qt.eventloop import wait_until
    from gmm_explorer.qt.main_window import MainWindow

    # Keep the autosaved recovery file out of the user's own data folder.
    QStandardPaths.setTestModeEnabled(True)
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - keep it alive
    tmp = tempfile.mkdtemp()
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [6, 4], [-3, 7]])
    X = centres[rng.integers(0, 3, args.n)] + rng.normal(size=(args.n, 2))
    path = os.path.join(tmp, "points.npy")
    np.save(path, X)

    win = MainWindow(settings=QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 820)
    win.show()


    def idle():
        wait_until(lambda: not win.run.busy)

    wait_until(lambda: win.kernels.ready)
    first = None
    t0 = time.perf_counter()
    for i in range(args.cycles):
        # ask=False: clearing leaves unsaved changes, and no one is there to answer.
        if not win.files.load_file(path, ask=False):
            raise RuntimeError(win.feedback.last_error)
        idle()
        win.actions["clear"].trigger()
        idle()
        if i == 0:
            gc.collect()
            first = rss_mib()
            print(f"after cycle 1: VmRSS {first:.1f} MiB", flush=True)
    gc.collect()
    last = rss_mib()
    elapsed = time.perf_counter() - t0
    print(f"after cycle {args.cycles}: VmRSS {last:.1f} MiB")
    growth = 100 * (last - first) / first
    print(f"growth {growth:+.1f}% over {args.cycles - 1} cycles of N={args.n} "
          f"({elapsed:.1f} s; goal within 10%: {'met' if abs(growth) <= 10 else 'NOT met'})")
    win.session.mark_saved()  # no one is there to answer "save changes?"
    win.close()


if __name__ == "__main__":
    main()
