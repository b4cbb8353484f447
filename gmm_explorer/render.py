"""Colours and rasters for the canvas, in numpy only (no Qt), so they run in the worker
thread and are tested without a display.

* :data:`PALETTE`: one colour per component, the same in every view; the first eight are
  colour-blind safe (Okabe & Ito 2008, Tol 2021 "muted"), then further distinct hues.
* :func:`point_colors`: soft (responsibility-weighted blend), hard (arg-max) or
  uncertainty colours.
* :func:`uncertainty_colors`: mclust's uncertainty plot, light grey (certain) to dark red.
* :func:`region_image`: decision regions (one label per grid cell) as a translucent image.
* :func:`voronoi_segments`: the k-means (nearest-centroid) boundaries, clipped to a view.
* :func:`raster`: a large point set as an RGBA image of the view, one pass of ``bincount``.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine import _kernels

if _kernels.HAVE_NUMBA:
    from numba import njit

    @njit(cache=True, nogil=True)
    def _colour_sums_numba(flat, inside, colors, size):  # pragma: no cover - compiled
        # One pass over the points inside the view: per-pixel sums of R, G, B.
        out = np.zeros((size, 3))
        for j in range(flat.shape[0]):
            i = inside[j]
            p = flat[j]
            out[p, 0] += colors[i, 0]
            out[p, 1] += colors[i, 1]
            out[p, 2] += colors[i, 2]
        return out


def colour_sums(flat: np.ndarray, inside: np.ndarray, colors: np.ndarray, size: int,
                backend: str | None = None) -> np.ndarray:
    """Per-pixel sums of the colours of the points ``inside`` falling in pixels ``flat``.

    Returns
    -------
    ndarray of shape (size, 3)
    """
    if backend != "numpy" and _kernels.HAVE_NUMBA:
        return _colour_sums_numba(flat, inside, colors, size)
    c = colors[inside]
    return np.stack([np.bincount(flat, weights=c[:, ch], minlength=size) for ch in range(3)], 1)


def warm_up() -> None:
    """Compile (or load from the cache) the raster kernel."""
    colour_sums(np.zeros(1, np.intp), np.zeros(1, np.intp), np.zeros((1, 3), np.uint8), 1)


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
    mode : {"soft", "hard", "uncertainty"}
        Soft blends the component colours by responsibility; hard uses the arg-max;
        uncertainty colours by ``1 - max_k resp`` (:func:`uncertainty_colors`).

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
    if mode == "uncertainty":
        return uncertainty_colors(1.0 - resp.max(axis=1))
    if mode != "soft":
        raise ValueError(f"mode must be 'soft', 'hard' or 'uncertainty', got {mode!r}")
    out = np.zeros((resp.shape[0], 3), dtype=np.float32)
    for j in range(k):  # K passes of N x 3 multiply-adds; no N x K x 3 temporary
        out += resp[:, j:j + 1].astype(np.float32) * pal[j].astype(np.float32)
    np.clip(out + 0.5, 0, 255, out=out)
    return out.astype(np.uint8)


#: Uncertainty drawn in the darkest colour. Fixed, not the data's maximum, so colours mean
#: the same thing at every EM step and for every K: 0.5 is where a point's best component
#: no longer holds the majority of it (and the maximum possible for K = 2); above, saturated.
UNCERTAINTY_SCALE = 0.5
# Stops of the sequential map, light grey -> orange-red -> dark red; luminance falls
# monotonically along it (225 -> 141 -> 32), so it also reads in grey scale.
_UNCERTAINTY_STOPS = np.array([(225.0, 225.0, 225.0), (230.0, 120.0, 90.0), (140.0, 0.0, 20.0)])


def _uncertainty_lut(n: int = 256) -> np.ndarray:
    t = np.linspace(0.0, len(_UNCERTAINTY_STOPS) - 1, n)
    i = np.minimum(t.astype(np.intp), len(_UNCERTAINTY_STOPS) - 2)
    f = (t - i)[:, None]
    rgb = _UNCERTAINTY_STOPS[i] * (1.0 - f) + _UNCERTAINTY_STOPS[i + 1] * f
    return (rgb + 0.5).astype(np.uint8)


# A 256-entry table: one multiply and one gather per point (~10 ms at 1e6 points).
_UNCERTAINTY_LUT = _uncertainty_lut()


def uncertainty_colors(u: np.ndarray, scale: float = UNCERTAINTY_SCALE) -> np.ndarray:
    """Colours for classification uncertainty ``u = 1 - max_k r_ik`` (mclust's uncertainty plot).

    Parameters
    ----------
    u : ndarray of shape (n,)
        Uncertainty of each point, in [0, 1 - 1/K]; NaN counts as 0.
    scale : float
        Uncertainty mapped to the darkest colour; larger values saturate.

    Returns
    -------
    ndarray of shape (n, 3), dtype uint8
        Light grey at 0 through orange-red to dark red at ``scale`` (256 steps).
    """
    top = len(_UNCERTAINTY_LUT) - 1
    t = np.asarray(u, dtype=np.float32) * np.float32(top / float(scale))
    np.nan_to_num(t, copy=False, nan=0.0, posinf=top, neginf=0.0)
    np.clip(t, 0, top, out=t)
    t += 0.5
    return _UNCERTAINTY_LUT[t.astype(np.uint8)]


def region_image(labels: np.ndarray, alpha: int = 45) -> np.ndarray:
    """Decision regions as an RGBA image: each cell in its component's colour.

    Parameters
    ----------
    labels : ndarray of shape (ny, nx), int
        0-based component winning each grid cell (row-major, row 0 at the bottom).
    alpha : int
        Opacity of every cell, 0-255.

    Returns
    -------
    ndarray of shape (ny, nx, 4), dtype uint8
    """
    labels = np.asarray(labels)
    img = np.empty(labels.shape + (4,), dtype=np.uint8)
    img[..., :3] = PALETTE[labels % len(PALETTE)]
    img[..., 3] = alpha
    return img


def voronoi_segments(centroids: np.ndarray, x_range: tuple[float, float],
                     y_range: tuple[float, float]) -> np.ndarray:
    """Exact boundaries of the nearest-centroid (k-means) regions inside a rectangle.

    The boundary between centroids i and j is the part of their perpendicular bisector
    where both are nearer than every other centroid: a line clipped by K - 2 half-planes
    and the rectangle, i.e. an interval of the line's parameter. O(K^3), K is small.

    Parameters
    ----------
    centroids : ndarray of shape (K, 2)
    x_range, y_range : (float, float)

    Returns
    -------
    ndarray of shape (2 * m, 2)
        Endpoints of m segments, consecutive pairs (for ``connect="pairs"`` drawing).
    """
    c = np.asarray(centroids, dtype=np.float64).reshape(-1, 2)
    c = c[np.all(np.isfinite(c), axis=1)]
    k = c.shape[0]
    if k < 2:
        return np.zeros((0, 2))
    # Work relative to the centroids' mean: |c|^2 differences lose digits far from 0.
    origin = c.mean(axis=0)
    c = c - origin
    (x0, x1), (y0, y1) = np.asarray(x_range) - origin[0], np.asarray(y_range) - origin[1]
    out = []
    sq = np.einsum("ij,ij->i", c, c)
    for i in range(k):
        for j in range(i + 1, k):
            diff = c[j] - c[i]
            if not np.any(diff):
                continue  # coincident centroids share one region: no boundary
            mid = 0.5 * (c[i] + c[j])
            d = np.array([-diff[1], diff[0]])
            lo, hi = -np.inf, np.inf
            # Constraints a * t <= b on the line mid + t d: inside the rectangle, and
            # |x - c_i| <= |x - c_m|, i.e. 2 (c_m - c_i) . x <= |c_m|^2 - |c_i|^2.
            a_list = [-d[0], d[0], -d[1], d[1]]
            b_list = [mid[0] - x0, x1 - mid[0], mid[1] - y0, y1 - mid[1]]
            for m in range(k):
                if m != i and m != j:
                    g = 2.0 * (c[m] - c[i])
                    a_list.append(g @ d)
                    b_list.append(sq[m] - sq[i] - g @ mid)
            for a, b in zip(a_list, b_list):
                if a > 0:
                    hi = min(hi, b / a)
                elif a < 0:
                    lo = max(lo, b / a)
                elif b < 0:
                    lo, hi = 1.0, 0.0  # parallel and outside: empty
            if lo < hi:
                out.append(mid + lo * d)
                out.append(mid + hi * d)
    return np.array(out).reshape(-1, 2) + origin


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


class RasterCache:
    """Pixel index of every point for one point set and view, reused while only the
    colours change (every EM step), so a step costs three weighted ``bincount`` calls."""

    def __init__(self) -> None:
        self._key = None

    def image(self, points: np.ndarray, colors: np.ndarray, x_range, y_range, width: int,
              height: int) -> np.ndarray:
        """Same result as :func:`raster`."""
        width, height = max(1, int(width)), max(1, int(height))
        key = (id(points), points.shape[0], tuple(x_range), tuple(y_range), width, height)
        if key != self._key:
            self._key = key
            self._points = points  # keep it alive: id() is only unique while it lives
            x0, x1 = x_range
            y0, y1 = y_range
            ok = points.shape[0] > 0 and x1 > x0 and y1 > y0
            if ok:
                fx = (points[:, 0] - x0) * (width / (x1 - x0))
                fy = (points[:, 1] - y0) * (height / (y1 - y0))
                inside = (fx >= 0) & (fx < width) & (fy >= 0) & (fy < height)
                self._inside = np.flatnonzero(inside)
                self._flat = (fy[inside].astype(np.intp) * width + fx[inside].astype(np.intp))
            else:
                self._inside = np.zeros(0, dtype=np.intp)
                self._flat = np.zeros(0, dtype=np.intp)
            size = width * height
            self._counts = np.bincount(self._flat, minlength=size)
            self._hit = np.flatnonzero(self._counts)
            logc = np.log1p(self._counts[self._hit])
            top = logc.max() if logc.size else 0.0
            # (No points in view leaves logc empty: keep the result an array.)
            self._alpha = (110 + 145 * (logc / top if top > 0 else np.ones_like(logc))
                           ).astype(np.uint8)
        img = np.zeros((height, width, 4), dtype=np.uint8)
        if self._hit.size == 0:
            return img
        sums = colour_sums(self._flat, self._inside, np.ascontiguousarray(colors),
                           width * height)
        mean = sums[self._hit] / self._counts[self._hit][:, None] + 0.5
        rgba = img.reshape(-1, 4)
        rgba[self._hit, :3] = mean.astype(np.uint8)
        rgba[self._hit, 3] = self._alpha
        return img
