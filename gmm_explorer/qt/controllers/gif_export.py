"""File > Export > Animation of the run as GIF: frames drawn offscreen on a
:class:`~gmm_explorer.qt.threads.BackgroundThread`, with a progress dialog that cancels."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from gmm_explorer.qt.threads import (
    BackgroundThread,
    Progress,
    Task,
    TaskDone,
    TaskFailed,
    unless_cancelled,
)


class GifExportController(QObject):
    """Parameters
    ----------
    session : Session
    feedback : Feedback
    parent : QWidget
        The progress dialog's parent.
    """

    def __init__(self, session, feedback, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.feedback = feedback
        self.runner = BackgroundThread("animation-export", latest_only=True, parent=self)
        self.runner.progressed.connect(self._export_progress)
        self.runner.finished.connect(self._export_finished)
        self.runner.failed.connect(self._export_failed)
        self._export_dialog: QProgressDialog | None = None
        self._export_path: str | None = None
        self._closed = False
        #: Frames written by the last export that finished.
        self.last_frames = 0

    def shutdown(self) -> None:
        """Cancel and wait for the export thread (on close)."""
        self._closed = True
        self.runner.shutdown()
        if self._export_dialog is not None:
            self._export_dialog.close()

    # ------------------------------------------------------------------ animation export

    def export_gif(self, path: str, size=(640, 480), fps: int = 8) -> bool:
        """Export the run from iteration 0 to the displayed one as an animated GIF, in the
        background, with a progress dialog that can cancel it."""
        from gmm_explorer.qt.offscreen.animation import export_gif

        s = self.session
        if not s.history:
            self.feedback.error("Export failed", "there is no run yet: initialise and step EM "
                                                 "first")
            return False
        steps = s.history[:s.current_index + 1]
        mixtures = [r.mixture for r in steps]
        titles = [f"iteration {r.iteration} · mean log-likelihood {r.mean_log_likelihood:.5g}"
                  for r in steps]
        pts = s.points

        def run(report, cancelled):
            def progress(done, total):
                report(Progress(done, total, f"frame {done} of {total}"))

            return export_gif(path, pts, mixtures, size=size, fps=fps, titles=titles,
                              progress=progress, cancelled=cancelled)

        dialog = QProgressDialog("Rendering the animation…", "Cancel", 0, len(mixtures),
                                 self.parent())
        dialog.setWindowTitle("Export animation")
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(300)
        dialog.canceled.connect(self.runner.cancel)
        self._export_dialog = dialog
        self._export_path = path
        self.runner.submit(Task("gif", unless_cancelled(run)))
        return True

    @Slot(object)
    def _export_progress(self, p) -> None:
        if self._export_dialog is not None:
            self._export_dialog.setMaximum(p.payload.total)
            self._export_dialog.setValue(p.payload.done)

    def _close_export_dialog(self) -> None:
        if self._export_dialog is not None:
            self._export_dialog.reset()
            self._export_dialog = None

    @Slot(object)
    def _export_finished(self, d: TaskDone) -> None:
        if self._closed:
            return
        self._close_export_dialog()
        if d.cancelled or not d.value:
            self.feedback.status("Animation export cancelled", 4000)
        else:
            self.last_frames = int(d.value)
            self.feedback.status(f"Exported {d.value} frames to "
                                 f"{Path(self._export_path).name}", 5000)

    @Slot(object)
    def _export_failed(self, f: TaskFailed) -> None:
        if not self._closed:
            self._close_export_dialog()
            self.feedback.error("Export failed", f.message)
