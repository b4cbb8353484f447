"""How responsive is the window while EM runs on many points?

Prints, for a run of animated steps at full speed on N points (default 1e6):

* the longest event-loop stall: the largest gap between ticks of a 5 ms GUI-thread timer,
  minus 5 ms (goal <= 50 ms, must <= 100 ms);
* the redraw time per step: time the GUI thread spends handling each step's result
  (recording it, recolouring the points, moving the ellipses, contours, panels; from
  10^6 points the density is worked out on a thread of the canvas's, and the panels
  are refreshed a turn later, counted here too), as median and maximum (goal <= 100 ms,
  must <= 250 ms);
* panning: 2 s of drags (a view shift every 16 ms, as a mouse drag sends them), then a
  pause; the longest event-loop stall meanwhile, and the redraws of the view it cost;
* autosave: the recovery file written in the background, and the longest event-loop stall
  meanwhile;
* memory: the process's resident set at its peak (while loading and starting, and while
  stepping and panning), and that of the window before the points were loaded, against
  the points' own size.

Runs offscreen; usage: python benchmarks/ui_responsiveness.py [--n 1000000] [--k 3] [--steps 25]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--steps", type=int, default=25)
    args = ap.parse_args()

    from PySide6.QtCore import QElapsedTimer, QSettings, QStandardPaths, QTimer
    from PySide6.QtWidgets import QApplication

    from gmm_explorer.qt.app import prepare_window_process
    from gmm_explorer.qt.eventloop import wait_until
    from gmm_explorer.qt.main_window import MainWindow

    prepare_window_process()  # as the window's entry point does

    # Keep the autosaved recovery file out of the user's own data folder.
    QStandardPaths.setTestModeEnabled(True)
    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 - keep it alive
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [6, 4], [-3, 7], [8, -4]])
    lab = rng.integers(0, 4, args.n)
    X = centres[lab] + rng.normal(size=(args.n, 2)) * 1.5
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "points.npy")
    np.save(path, X)
    data_bytes = X.nbytes
    del X, lab  # the window reads the file: the benchmark keeps no copy of its own

    win = MainWindow(settings=QSettings(os.path.join(tmp, "s.ini"), QSettings.Format.IniFormat))
    win.resize(1280, 820)
    win.show()


    wait_until(lambda: win.kernels.ready)
    empty_rss = _rss_bytes()
    _reset_peak()  # the peak from here on: not the benchmark's own making of the data
    win.files.load_file(path)
    wait_until(lambda: win.session.initialised and not win.run.busy)
    win.controls.k.setValue(args.k)
    wait_until(lambda: win.session.initialised and not win.run.busy)
    win.controls.tol.setValue(0.0)
    win.controls.max_iter.setValue(10**6)
    win.controls.speed.setValue(win.controls.speed.maximum())
    wait_until(lambda: win.session.initialised and not win.run.busy)
    load_peak = _peak_bytes()  # loading, the start and the first colouring
    _reset_peak()

    # Redraw time: from a result arriving in the GUI thread to the redraw being done (the
    # run controller's handler runs between the thread's signal and result_applied).
    redraws: list[float] = []
    arrived = [0.0]

    def on_arrival(_done):
        arrived[0] = time.perf_counter()

    def on_applied(_res):
        redraws.append(time.perf_counter() - arrived[0])

    # Connected before the run controller's own slot would be ideal; Qt calls slots in
    # connection order, so reconnect the controller's handler after ours.
    win.run.thread.finished.disconnect(win.run._on_finished)
    win.run.thread.finished.connect(on_arrival)
    win.run.thread.finished.connect(win.run._on_finished)
    win.run.result_applied.connect(on_applied)
    # From 10^6 points the panels are refreshed a turn after the canvas: their time is
    # added to the step's redraw.
    panels: list[float] = []

    def timed_panels():
        t = time.perf_counter()
        win.presenter.refresh_panels()
        panels.append(time.perf_counter() - t)

    win.presenter._panels_later.timeout.disconnect(win.presenter.refresh_panels)
    win.presenter._panels_later.timeout.connect(timed_panels)

    # Event-loop stalls: gaps between ticks of a 5 ms timer.
    gaps: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick():
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6 - 5.0)
        last[0] = now

    ticker = QTimer()
    ticker.timeout.connect(tick)
    ticker.start(5)
    start_iter = win.session.current.iteration
    t0 = time.perf_counter()
    wait_until(lambda: not win.presenter.panels_pending)
    panels.clear()  # a refresh before the run is no step's
    win.actions["run"].trigger()
    wait_until(lambda: win.session.current.iteration >= start_iter + args.steps, 600)
    elapsed = time.perf_counter() - t0
    win.actions["pause"].trigger()
    wait_until(lambda: not win.run.busy)
    steps = win.session.current.iteration - start_iter
    run_gaps, gaps[:] = list(gaps), []

    # Panning: a drag's worth of view shifts, one every 16 ms, then a pause.
    view = win.canvas.view
    redrawn = [0]
    original_redraw = win.canvas.redraw_view_now

    def counted_redraw():
        redrawn[0] += 1
        original_redraw()

    win.canvas._view_timer.timeout.disconnect(win.canvas.redraw_view_now)
    win.canvas._view_timer.timeout.connect(counted_redraw)
    (x0, x1), _ = view.viewRange()
    shifts = [0]

    def drag():
        view.translateBy(x=(x1 - x0) / 200, y=0)
        shifts[0] += 1
        if shifts[0] >= 125:
            pan_timer.stop()

    pan_timer = QTimer()
    pan_timer.timeout.connect(drag)
    last[0] = clock.nsecsElapsed()
    pan_timer.start(16)
    wait_until(lambda: shifts[0] >= 125 and not win.canvas.view_redraw_pending, 60)
    pan_gaps, gaps[:] = list(gaps), []

    # The autosave: the recovery file written while the window goes on (its timer fires
    # every 30 s while there are unsaved changes).
    last[0] = clock.nsecsElapsed()
    t_save = time.perf_counter()
    win.files.autosave.timeout.emit()
    wait_until(lambda: not win.files.recovery_writer.busy, 600)
    save_seconds = time.perf_counter() - t_save
    save_gaps = list(gaps) or [0.0]
    ticker.stop()
    win.session.mark_saved()  # close without the "save changes?" prompt (nobody answers)
    win.close()

    if panels:
        redraws = [r + p for r, p in zip(redraws, panels)]
    red = [r * 1e3 for r in redraws]
    print(f"N={args.n:,} K={args.k}: {steps} animated steps in {elapsed:.2f} s "
          f"({elapsed / max(steps, 1) * 1e3:.0f} ms per step, worker + GUI)")
    print(f"redraw per step (GUI thread): median {statistics.median(red):.1f} ms, "
          f"max {max(red):.1f} ms   [goal <= 100, must <= 250]")
    print(f"longest event-loop stall: {max(run_gaps):.1f} ms (median gap over 5 ms: "
          f"{statistics.median(run_gaps):.1f} ms)   [goal <= 50, must <= 100]")
    print(f"panning: {shifts[0]} view shifts over {shifts[0] * 16 / 1e3:.1f} s, "
          f"{redrawn[0]} redraw(s) of the view, longest event-loop stall "
          f"{max(pan_gaps):.1f} ms")
    print(f"autosave: the recovery file written in {save_seconds:.2f} s in the background, "
          f"longest event-loop stall meanwhile {max(save_gaps):.1f} ms")
    run_peak = _peak_bytes()
    peak = max(load_peak, run_peak)
    print(f"memory: peak resident {peak / 2**20:,.0f} MiB (loading and starting "
          f"{load_peak / 2**20:,.0f}, stepping and panning {run_peak / 2**20:,.0f}); the "
          f"window before loading {empty_rss / 2**20:,.0f} MiB; the points "
          f"{data_bytes / 2**20:,.0f} MiB; peak above the empty window "
          f"{(peak - empty_rss) / data_bytes:.1f}x the points")


def _reset_peak() -> None:
    """Start the peak resident set afresh (Linux 4.0+: VmHWM := VmRSS)."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_bytes() -> int:
    """The peak resident set since :func:`_reset_peak` (Linux's VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _rss_bytes() -> int:
    """The process's resident set now (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


if __name__ == "__main__":
    main()
