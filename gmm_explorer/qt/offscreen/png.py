"""Render the canvas to a PNG without a window: ``gmm-explorer render``.

Uses the same :class:`~gmm_explorer.qt.canvas.canvas.Canvas` as the window (points
coloured by responsibility, ellipses, contours), offscreen when there is no display.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from gmm_explorer import engine as E
from gmm_explorer.drawing import point_colors
from gmm_explorer.qt.app import display_problem


def _application():
    if display_problem() is not None:
        # No display: render offscreen (must be decided before the QApplication exists).
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication(sys.argv[:1])


def render_png(points: np.ndarray, mixture: E.Mixture | None, *, column_names=("x", "y"),
               title: str = "", size=(1200, 900)) -> bytes:
    """PNG bytes of the canvas showing ``points`` (coloured by ``mixture``'s
    responsibilities, or neutral) and the mixture's ellipses and contours.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    mixture : Mixture or None
    column_names : (str, str)
        Axis labels.
    title : str
        Shown above the plot (e.g. K and the log-likelihood).
    size : (int, int)
        Width and height in pixels.
    """
    app = _application()
    from PySide6.QtCore import QBuffer, QIODevice

    from gmm_explorer.qt.canvas.canvas import Canvas
    from gmm_explorer.qt.theme import LIGHT

    canvas = Canvas()
    canvas.set_theme(LIGHT)  # white paper, whatever the screen's palette
    canvas.resize(int(size[0]), int(size[1]))
    canvas.plotItem.setLabel("bottom", column_names[0], color="k")
    canvas.plotItem.setLabel("left", column_names[1], color="k")
    if title:
        canvas.plotItem.setTitle(title, color="k", size="11pt")
    canvas.set_points(points)
    if mixture is not None and points.shape[0]:
        resp = E.e_step(points, mixture, want_resp=True).responsibilities
        canvas.set_colors(point_colors(resp, resp.shape[0], "soft"),
                          np.argmax(resp, axis=1).astype(np.int16))
    canvas.set_mixture(mixture)
    canvas.show()
    app.processEvents()
    canvas.fit_view()
    app.processEvents()
    canvas.draw_now()  # contours and raster for the final view, now, on this thread
    app.processEvents()
    image = canvas.grab().toImage()
    canvas.close()
    canvas.deleteLater()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())
