"""Algorithms side by side: runs EM, CEM, SEM, variational Bayes and k-means from the
displayed state on a :class:`~gmm_explorer.qt.threads.BackgroundThread` (progress and
Cancel), shows them at the slider's iteration, and exports the image as a PNG or every
iteration as a GIF (in the background too). Files are written atomically; errors become
a dialog.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QBuffer, QIODevice, QObject, Slot
from PySide6.QtWidgets import QFileDialog

from gmm_explorer.engine.compare import compare_algorithms
from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.io.atomic import atomic_write
from gmm_explorer.qt.offscreen.compare import comparison_frames, comparison_image
from gmm_explorer.qt.threads import (
    BackgroundThread,
    Task,
    TaskDone,
    TaskFailed,
    TaskProgress,
    unless_cancelled,
)

#: Each frame's size in the window and in the PNG; the GIF's are smaller.
CELL = (400, 300)
GIF_CELL = (360, 270)
#: Frames per second of the GIF.
GIF_FPS = 4


class CompareController(QObject):
    """Parameters
    ----------
    session : Session
        Read only.
    window : CompareWindow
    feedback : Feedback
        Error dialogs and status messages.
    """

    def __init__(self, session, window, feedback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.window = window
        self.feedback = feedback
        self.runner = BackgroundThread("compare", latest_only=True, parent=self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.progressed.connect(self._on_progress)
        #: The runs shown (None before the first) and the points they ran on.
        self.runs = None
        self._points = None
        self._images: dict[int, object] = {}
        #: What the runs were made from: (displayed state, data version, settings).
        self._made_from: tuple | None = None
        window.controls.run_requested.connect(self.run_all)
        window.controls.cancel_requested.connect(self.cancel)
        window.iteration_changed.connect(self.show_iteration)
        window.export_png_requested.connect(self.export_png_dialog)
        window.export_gif_requested.connect(self.export_gif_dialog)
        window.restyled.connect(self._restyled)
        session.events.subscribe(self._on_session_event)  # held weakly

    @property
    def busy(self) -> bool:
        """Whether runs or a GIF are being made."""
        return self.runner.busy

    def _source(self) -> tuple:
        s = self.session
        return (s.current, s.data_version, s.settings.em_settings())

    @Slot()
    def open(self) -> None:
        """Show the window (raised); run the algorithms unless they already ran from the
        displayed state."""
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()
        if self._made_from != self._source() and not self.busy:
            self.run_all()

    def _on_session_event(self, topic: str) -> None:
        if (topic != "saved" and self.window.isVisible() and self.runs is not None
                and not self.busy and self._made_from != self._source()):
            self.window.controls.set_status(
                "The displayed state or the settings changed: press Run all to compare "
                "from the new state.")

    @Slot()
    def run_all(self) -> None:
        """Run the five algorithms from the displayed state, in the background."""
        s = self.session
        cur = s.current
        if cur is None:
            self.runner.cancel()
            self.runs = None
            self.window.controls.set_running(False)
            self.window.clear("No model yet: initialise (I), then press Run all. Every "
                              "algorithm starts from the displayed state.")
            return
        source = self._source()
        X, w, settings = s.points, s.weights, source[2]
        n_iter = self.window.n_iter.value()
        start = cur.mixture

        def work(report, cancelled):
            runs = compare_algorithms(X, start, settings, n_iter=n_iter, weights=w,
                                      progress=lambda d, n: report((d, n, "Running")),
                                      cancelled=cancelled)
            return None if runs is None else ("runs", source, X, runs)

        self.window.set_exports_enabled(False)
        self.window.controls.set_running(True)
        self.window.controls.set_progress(0, 1, "Running the algorithms…")
        self.runner.submit(Task("compare", unless_cancelled(work)))

    @Slot()
    def cancel(self) -> None:
        self.runner.cancel()
        self.window.controls.set_running(False)
        self.window.set_exports_enabled(self.runs is not None)
        self.window.controls.set_status("Cancelled.")

    @Slot(object)
    def _on_progress(self, p: TaskProgress) -> None:
        done, total, what = p.payload
        self.window.controls.set_progress(done, total,
                                          f"{what}… {100 * done // max(1, total)}%")

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:
        if done.cancelled or done.value is None:
            return
        self.window.controls.set_running(False)
        self.window.set_exports_enabled(True)
        kind = done.value[0]
        if kind == "gif":
            _, path, frames = done.value
            if frames:
                self.window.controls.set_status(f"Exported {frames} frames to "
                                                f"{Path(path).name}.")
                self.feedback.status(f"Exported {path}", 4000)
            return
        _, source, X, runs = done.value
        self.runs, self._points, self._made_from = runs, X, source
        self._images.clear()
        n = max(len(r.states) for r in runs) - 1
        self.window.set_iterations(max(0, n))
        failed = [r for r in runs if r.error is not None]
        note = "".join(f" {r.algorithm.upper() if r.algorithm != 'kmeans' else 'k-means'}: "
                       f"{r.error}." for r in failed)
        self.window.controls.set_status(
            f"From iteration {source[0].iteration} of the displayed branch, up to "
            f"{self.window.n_iter.value()} iterations each." + note)
        self.show_iteration(self.window.slider.value())

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:
        self.window.controls.set_running(False)
        self.window.set_exports_enabled(self.runs is not None)
        self.feedback.error("Algorithms side by side", failure.message)

    @Slot(int)
    def show_iteration(self, t: int) -> None:
        """Show every run at iteration ``t``."""
        if self.runs is None:
            return
        image = self._images.get(t)
        if image is None:
            image = self._images[t] = comparison_image(self._points, self.runs, t, cell=CELL,
                                                       text_scale=self.window.frame_text)
        self.window.set_image(image)

    @Slot()
    def _restyled(self) -> None:
        self._images.clear()
        self.show_iteration(self.window.slider.value())

    # ------------------------------------------------------------------ exports

    def ask_path(self, kind: str) -> str | None:
        """A file name to write the ``kind`` ("png" or "gif") export to, or None."""
        filt = {"png": "PNG image (*.png)", "gif": "Animated GIF (*.gif)"}[kind]
        path, _ = QFileDialog.getSaveFileName(self.window, f"Export {kind.upper()}",
                                              f"algorithms.{kind}", filt)
        if not path:
            return None
        return path if path.lower().endswith("." + kind) else f"{path}.{kind}"

    @Slot()
    def export_png_dialog(self) -> None:
        path = self.ask_path("png")
        if path is not None:
            self.export_png(path)

    def export_png(self, path: str) -> bool:
        """Write the image shown as a PNG file, atomically; errors become a dialog."""
        if self.runs is None:
            return False
        image = comparison_image(self._points, self.runs, self.window.slider.value(),
                                 cell=CELL)
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        try:
            atomic_write(path, bytes(buf.data()))
        except GMMExplorerError as exc:
            self.feedback.error("Export failed", str(exc))
            return False
        self.window.controls.set_status(f"Exported {Path(path).name}.")
        return True

    @Slot()
    def export_gif_dialog(self) -> None:
        path = self.ask_path("gif")
        if path is not None:
            self.export_gif(path)

    def export_gif(self, path: str) -> bool:
        """Write every iteration as an animated GIF, in the background with progress."""
        from gmm_explorer.io.gif import check_writable
        from gmm_explorer.qt.offscreen.animation import write_frames

        if self.runs is None:
            return False
        try:
            check_writable(path)
        except GMMExplorerError as exc:
            self.feedback.error("Export failed", str(exc))
            return False
        points, runs = self._points, self.runs

        def work(report, cancelled):
            frames = comparison_frames(points, runs, cell=GIF_CELL, cancelled=cancelled,
                                       progress=lambda d, n: report((d, n, "Drawing")))
            written = write_frames(path, frames, fps=GIF_FPS, cancelled=cancelled)
            return ("gif", path, written) if written else None

        self.window.set_exports_enabled(False)
        self.window.controls.set_running(True)
        self.window.controls.set_progress(0, 1, "Drawing the GIF…")
        self.runner.submit(Task("compare-gif", unless_cancelled(work)))
        return True

    def shutdown(self) -> None:
        """Stop the thread (on close)."""
        self.runner.shutdown()
