"""Frames of an EM run, and their export as an animated GIF.

One frame per mixture of the run (iteration 0 to now), all in one fixed view
(:func:`~gmm_explorer.drawing.view_ranges`). Frame ``t`` colours the points by
their responsibilities under mixture ``t - 1``, as the window does after each step (the
E-step that fed the M-step which produced mixture ``t``); frame 0 has them neutral grey.

Everything here paints on ``QImage`` only, so the window calls :func:`export_gif` from a
worker thread, with ``cancelled`` and ``progress`` callables that are safe to call there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

import numpy as np

from gmm_explorer import engine as E
from gmm_explorer.drawing import point_colors, view_ranges
from gmm_explorer.errors import InputError
from gmm_explorer.io.gif import check_writable, write_gif
from gmm_explorer.qt.offscreen.frames import qimage_to_rgb, render_frame

#: Frames show at most this many points, a fixed random subset of a larger set: drawing
#: and the E-step for colours then cost the same for any N, and a 640 x 480 frame shows
#: no more detail anyway. Titles still use the log-likelihood of all the points.
MAX_FRAME_POINTS = 50_000


class _Cancelled(Exception):
    """Raised inside the frame generator to abandon a GIF before anything is written."""


def soft_colors(points: np.ndarray, mixture: E.Mixture | None) -> np.ndarray | None:
    """Responsibility-weighted colours of ``points`` under ``mixture`` (None: neutral)."""
    if mixture is None:
        return None
    resp = E.e_step(points, mixture, want_resp=True).responsibilities
    return point_colors(resp, resp.shape[0], "soft")


def frame_points(points: np.ndarray, limit: int = MAX_FRAME_POINTS) -> np.ndarray:
    """``points``, or a fixed (seeded) random subset of ``limit`` of them in their order."""
    if points.shape[0] <= limit:
        return points
    keep = np.sort(np.random.default_rng(0).choice(points.shape[0], limit, replace=False))
    return points[keep]


def history_frames(points: np.ndarray, mixtures: Sequence[E.Mixture], *, size=(640, 480),
                   titles: Sequence[str] | None = None,
                   colors_for: Callable[[np.ndarray, E.Mixture | None], np.ndarray | None]
                   | None = None,
                   cancelled: Callable[[], bool] | None = None,
                   progress: Callable[[int, int], None] | None = None) -> Iterator[np.ndarray]:
    """Render one frame per mixture of a run.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    mixtures : sequence of Mixture
        The run, iteration 0 first.
    size : (int, int)
        Width and height of every frame in pixels.
    titles : sequence of str, optional
        One per mixture; by default ``"iteration t · mean log-likelihood ..."``.
    colors_for : callable (points, mixture or None) -> ndarray (m, 3) uint8 or None
        Colours of the (possibly subsampled) points under a mixture, None for neutral;
        by default :func:`soft_colors`. Called with mixture ``t - 1`` for frame ``t`` and
        with None for frame 0.
    cancelled : callable () -> bool, optional
        Checked before each frame; when true, the generator stops.
    progress : callable (done, total), optional
        Called after each frame.

    Yields
    ------
    ndarray of shape (size[1], size[0], 3), uint8
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    mixtures = list(mixtures)
    if titles is not None and len(titles) != len(mixtures):
        raise ValueError(f"{len(titles)} titles for {len(mixtures)} mixtures")
    colors_for = soft_colors if colors_for is None else colors_for
    shown = frame_points(points)
    subtitle = f"{points.shape[0]:,} points" + (
        f" (showing {shown.shape[0]:,})" if shown is not points else "")
    x_range, y_range = view_ranges(points, mixtures)
    for t, m in enumerate(mixtures):
        if cancelled is not None and cancelled():
            return
        if titles is not None:
            title = titles[t]
        else:
            ll = E.e_step(points, m).mean_log_likelihood if points.shape[0] else float("nan")
            title = f"iteration {t} · mean log-likelihood {ll:.6g}"
        colors = colors_for(shown, mixtures[t - 1] if t > 0 else None) if shown.size else None
        img = render_frame(shown, colors, m, size=size, x_range=x_range, y_range=y_range,
                           title=title, subtitle=f"K = {m.n_components} · {subtitle}")
        yield qimage_to_rgb(img)
        if progress is not None:
            progress(t + 1, len(mixtures))


def export_gif(path, points: np.ndarray, mixtures: Sequence[E.Mixture], *, size=(640, 480),
               fps: float = 8, titles: Sequence[str] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> int:
    """Write the run ``mixtures`` over ``points`` as an animated GIF (see
    :func:`history_frames` and :func:`gmm_explorer.io.gif.write_gif`).

    Safe to call from a worker thread. The path is checked before any frame is drawn.

    Returns
    -------
    int
        Number of frames written; 0 if ``cancelled()`` became true, in which case no
        file is written (nor an existing one touched).

    Raises
    ------
    InputError
        No mixtures, or a path that cannot be written.
    FitError
        From the E-step, if some point has zero density under a mixture of the run.
    """
    check_writable(path)
    if len(mixtures) == 0:
        raise InputError("nothing to export: the run has no iterations yet", path=str(path))

    return write_frames(path, history_frames(points, mixtures, size=size, titles=titles,
                                             cancelled=cancelled, progress=progress),
                        fps=fps, cancelled=cancelled)


def write_frames(path, frames: Iterator[np.ndarray], *, fps: float,
                 cancelled: Callable[[], bool] | None = None) -> int:
    """Write ``frames`` (a generator that stops early when ``cancelled()``) as an
    animated GIF; returns the number written, or 0 when cancelled, in which case nothing
    is written (nor an existing file touched)."""

    def checked():
        yield from frames
        if cancelled is not None and cancelled():
            raise _Cancelled  # write_gif is left before it writes anything

    try:
        return write_gif(path, checked(), fps=fps)
    except _Cancelled:
        return 0
