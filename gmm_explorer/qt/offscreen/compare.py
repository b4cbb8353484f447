"""Algorithms side by side, drawn offscreen: one image per iteration with a frame for
each algorithm's state (:mod:`gmm_explorer.engine.compare`) and a panel of their
objectives, each on its own scale and labelled with what it is.

``QPainter`` on a ``QImage`` only, so it is thread-safe: the window shows these images
and the PNG and GIF exports write them.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF

from gmm_explorer import engine as E
from gmm_explorer.drawing import point_colors, view_ranges
from gmm_explorer.engine import algorithms
from gmm_explorer.engine.compare import mean_objective
from gmm_explorer.engine.diagnostics import OFF_POINTS
from gmm_explorer.qt.offscreen.animation import frame_points
from gmm_explorer.qt.offscreen.frames import _font, render_frame

#: Columns of the grid of frames (the objectives panel takes the last cell).
COLUMNS = 3
#: Each algorithm's colour in the objectives panel (Okabe-Ito).
CURVE_COLORS = {"em": (0, 114, 178), "cem": (213, 94, 0), "sem": (0, 158, 115),
                "vb": (204, 121, 167), "kmeans": (86, 86, 86)}
#: Hard colours for the hard algorithms; soft (blended by responsibility) for the others.
HARD = ("cem", "kmeans")


def grid_size(n_runs: int, cell=(400, 300)) -> tuple[int, int]:
    """The whole image's (width, height) for ``n_runs`` frames and the objectives panel."""
    rows = -(-(n_runs + 1) // COLUMNS)
    return cell[0] * COLUMNS, cell[1] * rows


def _shown_mixture(state):
    """The components drawn: all but those variational Bayes switched off (expected to
    hold under one point), with their weights renormalised for the drawing only."""
    m = state.mixture
    if state.algorithm != algorithms.VB:
        return m, m.n_components
    on = np.asarray(m.weights) * state.sample_size >= OFF_POINTS
    if on.all() or not on.any():
        return m, int(on.sum()) if on.any() else m.n_components
    w = np.asarray(m.weights)[on]
    return E.Mixture(w / w.sum(), np.asarray(m.means)[on], np.asarray(m.covariances)[on],
                     "full"), int(on.sum())


def _subtitle(run, state, t) -> str:
    value = mean_objective(state)
    text = f"{algorithms.objective_name(run.algorithm)} {value:.5g}"
    stopped = run.stopped_at
    if run.error is not None:
        text += f" · stopped at {stopped}: failed"
    elif stopped is not None and t >= stopped:
        text += f" · converged at {stopped}"
    return text


def comparison_image(points, runs, t: int, *, cell=(400, 300),
                     text_scale: float | None = 0.9) -> QImage:
    """Every run's state at iteration ``t`` and the objectives panel, as one image.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    runs : sequence of AlgorithmRun
    t : int
    cell : (int, int)
        The size of each frame in pixels.
    text_scale : float or None
        The frames' text size (1: as on a 640 x 480 frame; None: with the frame's size).
        The default keeps 400 x 300 frames legible on screen.

    Returns
    -------
    QImage
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    shown = frame_points(points)
    mixtures = [r.at(i).mixture for r in runs for i in (0, t) if r.at(i) is not None]
    x_range, y_range = view_ranges(points, mixtures)
    w, h = grid_size(len(runs), cell)
    img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor(255, 255, 255))
    p = QPainter(img)
    try:
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        for i, run in enumerate(runs):
            x0, y0 = (i % COLUMNS) * cell[0], (i // COLUMNS) * cell[1]
            state = run.at(t)
            title = f"{algorithms.short_label(run.algorithm)} · iteration " \
                    f"{min(t, state.iteration) if state is not None else t}"
            if state is None:
                frame = render_frame(shown, None, None, size=cell, x_range=x_range,
                                     y_range=y_range, title=title,
                                     subtitle=run.error or "no states",
                                     text_scale=text_scale)
            else:
                mixture, on = _shown_mixture(state)
                resp = E.e_step(shown, state.mixture, want_resp=True).responsibilities
                colors = point_colors(resp, shown.shape[0],
                                      "hard" if run.algorithm in HARD else "soft")
                if run.algorithm == algorithms.VB:
                    title += f" · {on} of {state.mixture.n_components} on"
                frame = render_frame(shown, colors, mixture, size=cell, x_range=x_range,
                                     y_range=y_range, title=title,
                                     subtitle=_subtitle(run, state, t),
                                     text_scale=text_scale)
            p.drawImage(x0, y0, frame)
        k = len(runs)
        _objectives(p, runs, t, QRectF((k % COLUMNS) * cell[0], (k // COLUMNS) * cell[1],
                                       cell[0], cell[1]))
    finally:
        p.end()
    return img


def _objectives(p: QPainter, runs, t: int, box: QRectF) -> None:
    """One row per run: its name, what its objective is and its value at ``t``, and its
    curve on its own scale, with the iteration ``t`` marked."""
    scale = min(box.width() / 400, box.height() / 300)
    pad = 8 * scale
    title = _font(15 * scale, bold=True)
    small = _font(11 * scale)
    p.setFont(title)
    p.setPen(QColor(20, 20, 20))
    p.drawText(QRectF(box.left(), box.top() + 4, box.width(), 22 * scale),
               Qt.AlignmentFlag.AlignCenter, "Each algorithm's own objective")
    top = box.top() + 28 * scale
    row_h = (box.bottom() - top - pad) / max(1, len(runs))
    n_iter = max((len(r.states) for r in runs), default=1) - 1
    for i, run in enumerate(runs):
        row = QRectF(box.left() + pad, top + i * row_h, box.width() - 2 * pad, row_h)
        color = QColor(*CURVE_COLORS.get(run.algorithm, (0, 0, 0)))
        state = run.at(t)
        p.setFont(small)
        p.setPen(color)
        label = f"{algorithms.short_label(run.algorithm)}: " \
                f"{algorithms.objective_name(run.algorithm)}"
        value = "—" if state is None else f"{mean_objective(state):.5g}"
        p.drawText(QRectF(row.left(), row.top(), row.width(), 14 * scale),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
        p.drawText(QRectF(row.left(), row.top(), row.width(), 14 * scale),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, value)
        y = run.objectives
        curve = QRectF(row.left(), row.top() + 16 * scale, row.width(),
                       max(4.0, row_h - 20 * scale))
        p.setPen(QPen(QColor(225, 225, 225), 1))
        p.drawRect(curve)
        if y.size == 0 or not np.isfinite(y).any():
            continue
        lo, hi = float(np.nanmin(y)), float(np.nanmax(y))
        span = hi - lo if hi > lo else 1.0

        p.setPen(QPen(color, 2 * scale))
        p.drawPolyline(QPolygonF([_at(curve, j, v, n_iter, lo, span)
                                  for j, v in enumerate(y) if np.isfinite(v)]))
        if state is not None:
            j = min(t, len(y) - 1)
            p.setBrush(color)
            p.drawEllipse(_at(curve, j, y[j], n_iter, lo, span), 3.5 * scale, 3.5 * scale)
            p.setBrush(Qt.BrushStyle.NoBrush)
    # The iteration, as a line across the rows.
    p.setPen(QPen(QColor(150, 150, 150), 1, Qt.PenStyle.DashLine))
    x = box.left() + pad + (box.width() - 2 * pad) * min(t, n_iter) / max(1, n_iter)
    p.drawLine(QPointF(x, top), QPointF(x, box.bottom() - pad))


def _at(curve: QRectF, i: int, v: float, n_iter: int, lo: float, span: float) -> QPointF:
    """Iteration ``i``'s value ``v`` in a curve box scaled to [lo, lo + span]."""
    return QPointF(curve.left() + curve.width() * i / max(1, n_iter),
                   curve.bottom() - curve.height() * ((v - lo) / span))


def comparison_frames(points, runs, *, cell=(400, 300), cancelled=None, progress=None):
    """The images of iterations 0..n (n: the longest run's last iteration) as RGB arrays,
    for the GIF."""
    from gmm_explorer.qt.offscreen.frames import qimage_to_rgb

    n = max((len(r.states) for r in runs), default=1) - 1
    for t in range(n + 1):
        if cancelled is not None and cancelled():
            return
        yield qimage_to_rgb(comparison_image(points, runs, t, cell=cell))
        if progress is not None:
            progress(t + 1, n + 1)
