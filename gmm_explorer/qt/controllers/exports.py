"""File > Export: the fitted parameters (JSON, CSV, NPZ), responsibilities, points, the
log-likelihood history, the canvas (PNG, SVG), a scikit-learn snippet and an animated GIF
of the run. Every file is written atomically; errors become a dialog."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QWidget

from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.io.atomic import atomic_write

#: kind -> (menu text, file filter, default suffix).
EXPORTS = {
    "params_json": ("Parameters as JSON…", "Parameters (*.json)", ".json"),
    "params_csv": ("Parameters as CSV…", "CSV (*.csv)", ".csv"),
    "params_npz": ("Parameters as NPZ…", "NumPy archive (*.npz)", ".npz"),
    "responsibilities": ("Responsibilities and labels as CSV…", "CSV (*.csv)", ".csv"),
    "points": ("Points as CSV…", "CSV (*.csv)", ".csv"),
    "history": ("Log-likelihood history as CSV…", "CSV (*.csv)", ".csv"),
    "png": ("Canvas as PNG…", "PNG image (*.png)", ".png"),
    "svg": ("Canvas as SVG…", "SVG image (*.svg)", ".svg"),
    "sklearn": ("scikit-learn snippet…", "Python (*.py)", ".py"),
    "gif": ("Animation of the run as GIF…", "Animated GIF (*.gif)", ".gif"),
}


#: kind -> what the file name says it holds.
_NAME_PARTS = {"params_json": "parameters", "params_csv": "parameters",
               "params_npz": "parameters", "history": "log-likelihood", "png": "canvas",
               "svg": "canvas", "gif": "run"}


def suggested_name(title: str | None, kind: str) -> str:
    """The file name an export dialog suggests: ``old-faithful-parameters.json`` for the
    parameters of "Old Faithful" (lower case, no spaces, the kind in words)."""
    stem = re.sub(r"[^a-z0-9]+", "-", Path(title or "gmm").stem.lower()).strip("-") or "gmm"
    return f"{stem}-{_NAME_PARTS.get(kind, kind)}{EXPORTS[kind][2]}"


class ExportsController(QObject):
    """Parameters
    ----------
    session : Session
    canvas : Canvas
        Drawn into PNG and SVG exports.
    gif_export : GifExportController
        Renders the GIF in the background.
    files : FilesController
        The last folder and the title (for suggested file names).
    feedback : Feedback
    parent : QWidget
        The dialogs' parent.
    """

    def __init__(self, session, canvas, gif_export, files, feedback, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.gif_export = gif_export
        self.files = files
        self.feedback = feedback

    @Slot()
    def export_dialog(self, kind: str) -> None:
        text, filt, suffix = EXPORTS[kind]
        start = str(Path(self.files.last_folder()) / suggested_name(self.files.title_name,
                                                                     kind))
        path, _ = QFileDialog.getSaveFileName(self.parent(), text.rstrip("…"), start, filt)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        size = None
        if kind == "gif":
            self.gif_export.export_gif(path)
            return
        if kind == "png":
            w, ok = QInputDialog.getText(self.parent(), "Image size", "Width x height in pixels:",
                                         text=f"{self.canvas.width()}x{self.canvas.height()}")
            if not ok:
                return
            try:
                size = tuple(int(v) for v in w.lower().split("x"))
                if len(size) != 2 or not all(16 <= v <= 10000 for v in size):
                    raise ValueError
            except ValueError:
                self.feedback.error("Export", f"{w!r} is not a size like 1200x900")
                return
        self.export(kind, path, size=size)

    def _data(self, kind: str, size=None) -> bytes | str:
        from gmm_explorer import engine as E
        from gmm_explorer.io import export as X
        from gmm_explorer.io.csv_format import points_csv, responsibilities_csv
        from gmm_explorer.io.params import FitRecord, dumps_mixture

        s = self.session
        cur = s.current
        if kind not in ("points", "png", "svg") and cur is None:
            raise InputError("there is no fitted model yet: initialise and step EM first")
        # Numbers leave in the data's units, also while the view is standardised.
        names = s.data_column_names
        if kind == "params_json":
            st = s.settings
            fit = FitRecord.from_step(cur, init=st.init, seed=st.seed, tol=st.tol,
                                      reg_covar=st.reg_covar, max_iter=st.max_iter, n_init=1)
            if s.units is not None:
                fit = fit.shifted(-s.units.log_scale)
            return dumps_mixture(s.in_data_units(cur.mixture), columns=names, fit=fit)
        if kind == "params_csv":
            return X.parameters_csv(s.in_data_units(cur.mixture))
        if kind == "params_npz":
            return X.parameters_npz(s.in_data_units(cur.mixture))
        if kind == "responsibilities":
            m = cur.mixture
            resp = E.e_step(s.points, m, want_resp=True).responsibilities
            noise = E.noise_responsibility(s.points, m) if m.has_noise else None
            return responsibilities_csv(s.data_points, resp, noise, s.weights)
        if kind == "points":
            return points_csv(s.data_points, names)
        if kind == "history":
            steps = s.history if s.units is None else [s.units.step_to_data(r)
                                                       for r in s.history]
            return X.history_csv(steps)
        if kind == "sklearn":
            from gmm_explorer.io.sklearn_export import sklearn_snippet

            return sklearn_snippet(s.in_data_units(cur.mixture), columns=names)
        if kind == "png":
            return self.canvas_png(size)
        if kind == "svg":
            return self.canvas_svg()
        raise ValueError(f"unknown export {kind!r}")

    def export(self, kind: str, path: str, size=None) -> bool:
        """Write one export (see :data:`EXPORTS`) atomically; errors become a dialog."""
        if kind == "gif":  # rendered in the background, with progress
            return self.gif_export.export_gif(path, size or (640, 480))
        try:
            atomic_write(path, self._data(kind, size))
        except GMMExplorerError as exc:
            self.feedback.error("Export failed", str(exc))
            return False
        self.feedback.status(f"Exported {path}", 4000)
        return True

    def canvas_png(self, size=None) -> bytes:
        """The canvas as PNG bytes, re-rendered at ``size`` (w, h) when given."""
        from PySide6.QtCore import QBuffer, QIODevice

        with self.canvas.paper():  # white paper, as on a light screen
            image = self.canvas.grab().toImage()
            if size is not None and (image.width(), image.height()) != tuple(size):
                # Re-render the scene at the requested size rather than scaling pixels.
                from PySide6.QtGui import QImage, QPainter

                image = QImage(int(size[0]), int(size[1]), QImage.Format.Format_ARGB32)
                image.fill(Qt.GlobalColor.white)
                painter = QPainter(image)
                painter.setRenderHint(QPainter.RenderHint.Antialiasing)
                self.canvas.render(painter)
                painter.end()
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        return bytes(buf.data())

    def canvas_svg(self) -> bytes:
        """The canvas as SVG through QSvgGenerator (pyqtgraph 0.14's SVGExporter fails on
        Qt >= 6.11, pyqtgraph issue #3495)."""
        from PySide6.QtCore import QBuffer, QIODevice, QRect, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buf)
        w, h = self.canvas.width(), self.canvas.height()
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setTitle("GMM Explorer")
        with self.canvas.paper():
            painter = QPainter(gen)
            self.canvas.render(painter)
            painter.end()
        return bytes(buf.data())
