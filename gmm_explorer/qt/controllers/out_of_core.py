"""The out-of-core window's controller: a ``.npy`` file too large for the window is
opened here instead (File › Open, when :func:`gmm_explorer.io.npy_map.needs_out_of_core`
says so, or File › Open out of core…).

On a :class:`~gmm_explorer.qt.threads.BackgroundThread` it draws the points' density
(two passes over the file) and fits EM over the file's blocks (one pass per iteration,
each iteration's ellipses shown as it lands), with progress and Cancel; the fitted
parameters can be saved. The points are never loaded whole.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gmm_explorer import out_of_core
from gmm_explorer.engine.blocked import DEFAULT_CHUNK_ROWS, ArrayBlocks
from gmm_explorer.engine.init import KMEANS_SAMPLE, fresh_seed
from gmm_explorer.engine.steps import EMSettings, StepResult
from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.io.npy_map import WINDOW_BYTES_PER_POINT, free_memory, open_npy_map
from gmm_explorer.qt.dialogs.out_of_core import OutOfCoreWindow
from gmm_explorer.qt.threads import (
    BackgroundThread,
    Progress,
    Task,
    TaskDone,
    TaskFailed,
    TaskProgress,
)


#: Rows read from the file at a time (16 MB of points).
BLOCK_ROWS = DEFAULT_CHUNK_ROWS


def size_text(n_bytes: float) -> str:
    """``n_bytes`` for people: "1.5 GB", "820 MB"."""
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.3g} {unit}"
    return f"{int(n_bytes)} bytes"


def about_text(n_points: int, file_bytes: int, free: int | None, block_rows: int) -> str:
    """What the window says about the file and how it works with it."""
    need = n_points * WINDOW_BYTES_PER_POINT
    room = (f"the main window would need about {size_text(need)} to hold them, and "
            f"{size_text(free)} of memory is free" if free is not None
            else "they are opened out of core as asked")
    return (f"<b>{n_points:,} points</b> in {size_text(file_bytes)} on disk: {room}. "
            f"So they stay in the file and are read a block of {block_rows:,} at a time. "
            "The picture is their <b>density</b> (darker: more points), not the points "
            "themselves; there are no per-point colours and no editing. Fit runs EM over "
            "the blocks, one pass over the file per iteration, from a k-means start on a "
            f"random sample of {KMEANS_SAMPLE:,} points.")


class OutOfCoreController(QObject):
    """One out-of-core window on the ``.npy`` file ``path``.

    Raises :class:`~gmm_explorer.errors.InputError` (before any window opens) when the
    file is not a ``.npy`` of points.
    """

    #: The controller: its window closed and its thread stopped.
    closed = Signal(object)
    #: str: a step of the background work finished (tests and screenshots wait on it).
    settled = Signal(str)

    def __init__(self, path: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = str(path)
        self._array = open_npy_map(path)
        self.block_rows = BLOCK_ROWS
        n, n_cols = self._array.shape
        self.names = [f"column {i}" for i in range(n_cols)]
        self.window = OutOfCoreWindow(Path(path).name,
                                      parent if isinstance(parent, QWidget) else None)
        self.window.set_about(about_text(int(n), os.path.getsize(path), free_memory(),
                                         self.block_rows))
        self.window.set_columns(self.names, (0, 1))
        #: The blocks of the chosen columns (replaced when the columns change).
        self.points = ArrayBlocks(self._array, (0, 1), self.block_rows)
        #: The fitted states so far (the start first), or () before a fit.
        self.states: tuple[StepResult, ...] = ()
        self.settings: EMSettings | None = None
        self.seed: int | None = None
        #: Text of the last error shown (tests read it).
        self.last_error: str | None = None
        self._version = 0
        self.runner = BackgroundThread("out-of-core", lambda: self._version, parent=self)
        self.runner.progressed.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.window.controls.run_requested.connect(self.fit)
        self.window.controls.cancel_requested.connect(self.runner.cancel)
        self.window.save_requested.connect(self.save)
        self.window.columns_changed.connect(self._columns_changed)
        self.window.closing.connect(self.shutdown)
        self._show_axes()
        self.window.set_result("Not fitted yet.", False)
        self.window.show_on_screen()
        self.draw_density()

    # ------------------------------------------------------------------ work

    def _submit(self, kind: str, run) -> None:
        self.window.set_busy(True)
        self.runner.submit(Task(kind, run, self._version))

    def draw_density(self) -> None:
        """Read the file twice (extent, then counts) and show the points' density."""
        points = self.points

        def run(report, cancelled):
            try:
                return out_of_core.density(
                    points, report=lambda d, t, text: report(Progress(d, t, text)),
                    cancelled=cancelled)
            except out_of_core.Stopped:
                return None

        self.window.controls.set_status("Reading the file to draw the points' density…")
        self._submit("density", run)

    @Slot()
    def fit(self) -> None:
        """EM over the blocks with the window's settings, each iteration shown as it
        lands; Cancel keeps the iterations done."""
        if self.runner.busy:
            return
        w = self.window
        settings = EMSettings(covariance_type=w.covariance.model(), tol=w.tol.value())
        k, seed, points = w.k.value(), fresh_seed(), self.points
        self.settings, self.seed, self.states = settings, seed, ()
        w.set_result("Fitting…", False)

        def run(report, cancelled):
            states = []

            def on_block(b, n):  # in the worker thread, before each block of a pass
                if cancelled():
                    raise out_of_core.Stopped("fit")
                report(Progress(b, n, f"Iteration {len(states):,}: block {b + 1:,} of "
                                      f"{n:,}"))

            try:
                for state in out_of_core.fit_states(points.watched(on_block), k, settings,
                                                    seed):
                    states.append(state)
                    report(Progress(0, 1, f"Iteration {state.iteration:,} done", state))
            except out_of_core.Stopped:  # Cancel: the iterations done are kept
                pass
            return tuple(states)

        w.controls.set_status(f"Fitting K = {k}: a k-means start on a sample, then one "
                              "pass over the file per iteration…")
        self._submit("fit", run)

    # ------------------------------------------------------------------ outcomes

    @Slot(object)
    def _on_progress(self, p: TaskProgress) -> None:
        prog = p.payload
        self.window.controls.set_progress(prog.done, prog.total, prog.text)
        if isinstance(prog.partial, StepResult):
            self.window.set_mixture(prog.partial.mixture)
            self.window.set_result(self._state_text(prog.partial, final=False), False)

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        self.window.set_busy(False)
        if done.kind == "density":
            if done.value is None:
                self.window.controls.set_status("Reading stopped: no density drawn.")
            else:
                d = done.value
                ink = (0, 0, 0)
                self.window.set_density(out_of_core.density_rgba(d.counts, ink),
                                        d.x_range, d.y_range)
                self.window.controls.set_status(
                    f"Density of {int(d.counts.sum()):,} points drawn. Choose K and press "
                    "Fit.")
        else:
            self.states = tuple(done.value or ())
            if self.states:
                final = self.states[-1]
                self.window.set_mixture(final.mixture)
                self.window.set_result(self._state_text(final, final=True), True)
                self.window.controls.set_status(
                    "Fit cancelled: the iterations done are kept." if done.cancelled
                    else "Fit finished.")
            else:
                self.window.set_result("Not fitted.", False)
                self.window.controls.set_status("Fit cancelled before its first pass.")
        self.settled.emit(done.kind)

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        self.window.set_busy(False)
        self.window.controls.set_status(f"Stopped: {failure.message}")
        if failure.kind == "fit":
            self.states = ()
            self.window.set_result("Not fitted.", False)
        self._error("Could not read the file" if failure.kind == "density"
                    else "Could not fit", failure.message)
        self.settled.emit(failure.kind)

    def _state_text(self, state: StepResult, *, final: bool) -> str:
        s = self.settings
        change = "" if state.change is None else f" (change {state.change:+.3e})"
        line = (f"Iteration {state.iteration:,}: mean log-likelihood "
                f"{state.mean_log_likelihood:.6f}{change}")
        if state.converged:
            return f"{line}. Converged: the change fell below tol {s.tol:g}."
        if final and state.iteration >= s.max_iter:
            return f"{line}. Not converged: stopped at max_iter {s.max_iter:,}."
        return f"{line}. Not converged{'' if final else ' yet'}."

    # ------------------------------------------------------------------ user actions

    @Slot()
    def _columns_changed(self) -> None:
        cols = self.window.columns()
        if cols[0] == cols[1]:
            self.window.controls.set_status("Choose two different columns.")
            return
        self._version += 1  # work on the old columns is dropped
        self.runner.cancel()
        self.points = ArrayBlocks(self._array, cols, self.block_rows)
        self.states = ()
        self.window.set_mixture(None)
        self.window.set_density(None)
        self.window.set_result("Not fitted yet.", False)
        self._show_axes()
        self.draw_density()

    def _show_axes(self) -> None:
        cx, cy = self.points.columns
        self.window.set_axis_names(self.names[cx], self.names[cy])

    @Slot()
    def save(self) -> None:
        """Write the fitted parameters (with the fit's record) to a file the user
        chooses."""
        if not self.states:
            return
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Save the fitted parameters",
            str(Path(self.path).with_suffix(".params.json")), "Parameters (*.json)")
        if path:
            self.save_to(path)

    def save_to(self, path: str) -> bool:
        from gmm_explorer.io.params import FitRecord, write_mixture

        final, s = self.states[-1], self.settings
        cx, cy = self.points.columns
        try:
            write_mixture(path, final.mixture, columns=[self.names[cx], self.names[cy]],
                          fit=FitRecord.from_step(final, init="kmeans", seed=self.seed,
                                                  tol=s.tol, reg_covar=s.reg_covar,
                                                  max_iter=s.max_iter))
        except GMMExplorerError as exc:
            self._error("Could not save the parameters", str(exc))
            return False
        self.window.controls.set_status(f"Parameters saved to {path}.")
        return True

    def _error(self, title: str, text: str) -> None:
        self.last_error = text
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    @Slot()
    def shutdown(self) -> None:
        """Stop the thread (the window is closing, or the main window is)."""
        if self.runner.running:
            self.runner.shutdown()
            self.closed.emit(self)

    def close(self) -> None:
        self.window.close()
