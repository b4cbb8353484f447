"""Colours and rasters for the canvas, in numpy only (no Qt), so they run in the worker
thread and are tested without a display.

* :data:`PALETTE`: one colour per component, the same in every view; the first eight are
  colour-blind safe (Okabe & Ito 2008, Tol 2021 "muted"), then further distinct hues.
* :func:`point_colors`: soft (responsibility-weighted blend) or hard (arg-max) colours.
* :func:`raster`: a large point set as an RGBA image of the view, one pass of ``bincount``.
"""

from __future__ import annotations

import numpy as np

PALETTE = np.array([
    (0, 114, 178),    # blue          (Okabe-Ito)
    (230, 159, 0),    # orange        (Okabe-Ito)
    (0, 158, 115),    # bluish green  (Okabe-Ito)
    (204, 121, 167),  # reddish purple (Okabe-Ito)
    (213, 94, 0),     # vermillion    (Okabe-Ito)
    (86, 180, 233),   # sky blue      (Okabe-Ito)
    (51, 34, 136),    # indigo        (Tol muted)
    (153, 153, 51),   # olive         (Tol muted)
    (136, 34, 85),    # wine          (Tol muted)
    (68, 170, 153),   # teal          (Tol muted)
    (221, 204, 119),  # sand          (Tol muted)
    (17, 119, 51),    # green         (Tol muted)
    (170, 68, 153),   # purple        (Tol muted)
    (136, 204, 238),  # cyan          (Tol muted)
    (204, 102, 119),  # rose          (Tol muted)
    (102, 51, 0),     # brown
    (0, 0, 0),        # black
    (240, 228, 66),   # yellow        (Okabe-Ito)
    (119, 119, 119),  # grey
    (0, 68, 136),     # dark blue
], dtype=np.uint8)

#: Colour of points before any E-step has assigned them.
NEUTRAL = np.array((90, 90, 90), dtype=np.uint8)


def component_color(k: int) -> tuple[int, int, int]:
    """RGB of component ``k`` (0-based)."""
    r, g, b = PALETTE[k % len(PALETTE)]
    return int(r), int(g), int(b)


def point_colors(resp: np.ndarray | None, n: int, mode: str = "soft") -> np.ndarray:
    """RGB colour of every point.

    Parameters
    ----------
    resp : ndarray of shape (n, K), or None
        Responsibilities; None gives every point the neutral colour.
    n : int
        Number of points (used when ``resp`` is None).
    mode : {"soft", "hard"}
        Soft blends the component colours by responsibility; hard uses the arg-max.

    Returns
    -------
    ndarray of shape (n, 3), dtype uint8
    """
    if resp is None:
        return np.broadcast_to(NEUTRAL, (n, 3)).copy()
    k = resp.shape[1]
    pal = PALETTE[np.arange(k) % len(PALETTE)]
    if mode == "hard":
        return pal[np.argmax(resp, axis=1)]
    if mode != "soft":
        raise ValueError(f"mode must be 'soft' or 'hard', got {mode!r}")
    out = np.zeros((resp.shape[0], 3), dtype=np.float32)
    for j in range(k):  # K passes of N x 3 multiply-adds; no N x K x 3 temporary
        out += resp[:, j:j + 1].astype(np.float32) * pal[j].astype(np.float32)
    np.clip(out + 0.5, 0, 255, out=out)
    return out.astype(np.uint8)


def uncertainty(resp: np.ndarray) -> np.ndarray:
    """1 - max responsibility per point (0 = certain), shape (n,)."""
    return 1.0 - resp.max(axis=1)


def raster(points: np.ndarray, colors: np.ndarray, x_range: tuple[float, float],
           y_range: tuple[float, float], width: int, height: int) -> np.ndarray:
    """Draw many points as an RGBA image covering ``x_range`` x ``y_range``.

    Each pixel takes the mean colour of the points falling in it; its opacity grows with
    the logarithm of their count, so dense cores and sparse tails both stay visible.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    colors : ndarray of shape (n, 3), uint8
    x_range, y_range : (float, float)
    width, height : int
        Image size in pixels.

    Returns
    -------
    ndarray of shape (height, width, 4), uint8
        Row-major: row 0 is ``y_range[0]`` (the bottom of a y-up view).
    """
    width, height = max(1, int(width)), max(1, int(height))
    img = np.zeros((height, width, 4), dtype=np.uint8)
    if points.shape[0] == 0:
        return img
    x0, x1 = x_range
    y0, y1 = y_range
    if not (x1 > x0 and y1 > y0):
        return img
    fx = (points[:, 0] - x0) * (width / (x1 - x0))
    fy = (points[:, 1] - y0) * (height / (y1 - y0))
    inside = (fx >= 0) & (fx < width) & (fy >= 0) & (fy < height)
    if not np.any(inside):
        return img
    flat = fy[inside].astype(np.intp) * width + fx[inside].astype(np.intp)
    size = width * height
    counts = np.bincount(flat, minlength=size)
    c = colors[inside]
    hit = counts > 0
    for ch in range(3):
        sums = np.bincount(flat, weights=c[:, ch], minlength=size)
        img[..., ch].flat[hit] = (sums[hit] / counts[hit] + 0.5).astype(np.uint8)
    # Opacity: at least 110 for a single point, full at the densest pixel.
    logc = np.log1p(counts[hit])
    top = logc.max()
    alpha = 110 + 145 * (logc / top if top > 0 else 1.0)
    img[..., 3].flat[hit] = alpha.astype(np.uint8)
    return img


def contour_levels(log_density: np.ndarray, n_levels: int = 8, decades_per_level: float = 0.5):
    """Log-spaced contour levels below the grid's peak: ``peak - j * decades * ln(10)``.

    Small components, whose peak densities are orders of magnitude below the largest
    one's, still get contours, unlike with linearly spaced levels.

    Returns
    -------
    ndarray of shape (n_levels,)
        Levels of the log-density, highest first.
    """
    finite = log_density[np.isfinite(log_density)]
    if finite.size == 0:
        return np.zeros(0)
    peak = float(finite.max())
    return peak - np.log(10.0) * decades_per_level * np.arange(1, n_levels + 1)
