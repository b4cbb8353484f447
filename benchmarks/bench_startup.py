"""Start-up as a user feels it: whole processes, from launch to done (or to a painted window).

Prints the median wall time of repeated whole processes:

* ``gmm-explorer --help``;
* ``import gmm_explorer.engine`` (and whether numba and scipy were loaded by it);
* ``gmm-explorer fit`` on Old Faithful, K = 2 (a small fit: numpy passes, no numba);
* the window painted: from launching the process to the window's first paint, with the
  numba cache warm, and with an empty cache (a first-ever launch: the kernels then
  compile in the background while the numpy path serves).

The window runs offscreen with a throw-away settings folder. Usage:
python benchmarks/bench_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAITHFUL = ROOT / "resources" / "data" / "faithful.csv"

PAINTED = r"""
import os, sys, time
import gmm_explorer
gmm_explorer.OWN_PROCESS = True  # as the gmm-explorer entry point says
from PySide6.QtCore import QEvent, QObject, QTimer
from gmm_explorer.qt.app import open_window

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"PAINTED {time.time():.6f}", flush=True)
            QTimer.singleShot(0, lambda: os._exit(0))
            obj.removeEventFilter(self)
        return False

app, win = open_window(None)
spy = FirstPaint()
win.installEventFilter(spy)
win.update()
app.exec()
"""


def _median_run(argv, repeats: int, env=None) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _painted(repeats: int, cache: str | None) -> float:
    times = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as home:
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", HOME=home,
                       XDG_CONFIG_HOME=os.path.join(home, "config"),
                       XDG_DATA_HOME=os.path.join(home, "data"),
                       XDG_CACHE_HOME=os.path.join(home, "cache"))
            if cache == "empty":
                env["NUMBA_CACHE_DIR"] = os.path.join(home, "numba")
            start = time.time()
            out = subprocess.run([sys.executable, "-c", PAINTED], env=env, text=True,
                                 capture_output=True, timeout=300)
            line = [ln for ln in out.stdout.splitlines() if ln.startswith("PAINTED")]
            if not line:
                raise RuntimeError(f"the window never painted: {out.stderr[-2000:]}")
            times.append(float(line[0].split()[1]) - start)
    return statistics.median(times)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    r = args.repeats
    exe = [sys.executable, "-m", "gmm_explorer"]
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, gmm_explorer.engine; "
         "print(*(m in sys.modules for m in ('numba', 'scipy')))"],
        capture_output=True, text=True, check=True).stdout.split()
    print(f"# Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; medians of {r} "
          "whole processes")
    print("| what | seconds |")
    print("|---|---:|")
    print(f"| `gmm-explorer --help` | {_median_run(exe + ['--help'], r):.2f} |")
    print(f"| `import gmm_explorer.engine` (numba loaded: {loaded[0]}, scipy: {loaded[1]}) "
          f"| {_median_run([sys.executable, '-c', 'import gmm_explorer.engine'], r):.2f} |")
    fit = exe + ["fit", str(FAITHFUL), "--k", "2", "--seed", "1", "--quiet"]
    print(f"| `gmm-explorer fit` Old Faithful, K=2 | {_median_run(fit, r):.2f} |", flush=True)
    print(f"| window painted, numba cache warm | {_painted(r, None):.2f} |", flush=True)
    print(f"| window painted, first-ever launch (empty numba cache) "
          f"| {_painted(max(3, r // 2), 'empty'):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
