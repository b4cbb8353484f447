"""Density contours as line segments, by a vectorised marching squares (no Qt).

* :func:`contour_levels`: log-spaced levels below the peak of a log-density grid.
* :func:`contour_segments`: the segments of one level, as endpoint pairs for
  ``connect="pairs"`` drawing (pyqtgraph's ``IsocurveItem`` traces in Python at paint
  time, about 10 ms a level at the canvas's grid).
"""

from __future__ import annotations

import numpy as np


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


def contour_segments(grid: np.ndarray, level: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Line segments of the contour ``grid == level`` by marching squares, vectorised.

    Parameters
    ----------
    grid : ndarray of shape (ny, nx)
        Row-major: ``grid[j, i]`` is the value at ``(xs[i], ys[j])``; non-finite values
        count as below every level.
    level : float
    xs : ndarray of shape (nx,)
    ys : ndarray of shape (ny,)

    Returns
    -------
    ndarray of shape (2 * m, 2)
        Endpoints of m segments, consecutive pairs (for ``connect="pairs"`` drawing).
        Saddle cells are resolved by the value at the cell centre (mean of the corners).
    """
    g = np.where(np.isfinite(grid), grid, -np.inf)
    above = g > level
    # Corner values and flags of every cell: bl (j, i), br (j, i+1), tr (j+1, i+1), tl (j+1, i).
    v = [g[:-1, :-1], g[:-1, 1:], g[1:, 1:], g[1:, :-1]]
    a = [above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1]]
    case = a[0] * 1 + a[1] * 2 + a[2] * 4 + a[3] * 8
    crossed = (case != 0) & (case != 15)
    if not np.any(crossed):
        return np.zeros((0, 2))
    jj, ii = np.nonzero(crossed)
    x0, x1 = xs[ii], xs[ii + 1]
    y0, y1 = ys[jj], ys[jj + 1]
    corners_x = [x0, x1, x1, x0]
    corners_y = [y0, y0, y1, y1]
    vals = [c[jj, ii] for c in v]
    flags = [f[jj, ii] for f in a]
    # Crossing point on each edge e = (corner e, corner e+1): bottom, right, top, left.
    pts = []
    cross = []
    for e in range(4):
        p, q = e, (e + 1) % 4
        vp, vq = vals[p], vals[q]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = (level - vp) / (vq - vp)
        t = np.where(np.isfinite(t), np.clip(t, 0.0, 1.0), 0.5)
        pts.append(np.stack([corners_x[p] + t * (corners_x[q] - corners_x[p]),
                             corners_y[p] + t * (corners_y[q] - corners_y[p])], axis=1))
        cross.append(flags[p] != flags[q])
    cross = np.stack(cross, axis=1)  # (m, 4)
    n_cross = cross.sum(axis=1)
    segments = []
    two = n_cross == 2
    if np.any(two):
        # The two crossed edges, in edge order.
        order = np.argsort(~cross[two], axis=1, kind="stable")[:, :2]
        allpts = np.stack(pts, axis=1)[two]  # (m2, 4, 2)
        rows = np.arange(allpts.shape[0])
        segments.append(np.stack([allpts[rows, order[:, 0]], allpts[rows, order[:, 1]]], 1))
    four = n_cross == 4
    if np.any(four):
        allpts = np.stack(pts, axis=1)[four]
        centre = (vals[0][four] + vals[1][four] + vals[2][four] + vals[3][four]) / 4.0
        bl_above = flags[0][four]
        # If the centre is on the same side as the bottom-left corner, that corner's region
        # joins the top-right one: cut off the other two corners.
        # Joined: segments (bottom, right) and (top, left); else (bottom, left), (top, right).
        join = ((centre > level) == bl_above)[:, None]
        segments.append(np.stack([allpts[:, 0], np.where(join, allpts[:, 1], allpts[:, 3])], 1))
        segments.append(np.stack([allpts[:, 2], np.where(join, allpts[:, 3], allpts[:, 1])], 1))
    return np.concatenate(segments).reshape(-1, 2)
