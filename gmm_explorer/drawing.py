"""What to draw, as arrays: colours, images and line segments for the canvas and the
offscreen frames, in numpy only (no Qt), so they run in a worker thread and are tested
without a display. Density contours are in :mod:`gmm_explorer.contours`.

* :data:`PALETTE`: one colour per component, the same in every view; the first eight are
  colour-blind safe (Okabe & Ito 2008, Tol 2021 "muted"), then further distinct hues.
* :func:`point_colors`: soft (responsibility-weighted blend), hard (arg-max) or
  uncertainty colours.
* :func:`uncertainty_colors`: mclust's uncertainty plot, light grey (certain) to dark red.
* :func:`region_image`: decision regions (one label per grid cell) as a translucent image.
* :func:`voronoi_segments`: the k-means (nearest-centroid) boundaries, clipped to a view.
* :func:`view_ranges`: a view that shows points and means, with a margin.
* :func:`raster` and :class:`RasterCache`: a large point set as an RGBA image of the view,
  one pass of ``bincount`` (or of a compiled kernel).
"""

from __future__ import annotations

import functools

import numpy as np

from gmm_explorer.engine import _kernels, work_split
from gmm_explorer.engine.noise import claimed_by_noise

if _kernels.HAVE_NUMBA:
    from gmm_explorer.engine.lazy_jit import njit

    _fetch_add = _kernels._fetch_add

    @njit(cache=True, nogil=True)
    def _pixel_counts_numba(points, x0, sx, y0, sy, width, height,
                            counts):  # pragma: no cover - compiled
        # pixel_index's pass without its per-point output: each pixel's count only.
        for i in range(points.shape[0]):
            fx = (points[i, 0] - x0) * sx
            fy = (points[i, 1] - y0) * sy
            if fx >= 0.0 and fx < width and fy >= 0.0 and fy < height:
                counts[np.int64(fy) * width + np.int64(fx)] += 1

    @njit(cache=True, nogil=True)
    def _colour_sums_worker(points, x0, sx, y0, sy, width, height, colors, chunk,
                            n_chunks, counter, slots, images):  # pragma: no cover - compiled
        # A thread's share of the colour sums: it takes an image of its own from `slots`,
        # then chunks of points from `counter` until none is left, and adds each point's
        # colour into the pixel pixel_index would give it (the same arithmetic; no index
        # kept: 4 bytes a point fewer). The sums are of small integers, exact in any
        # order, so the images' total is the same for any number of threads.
        out = images[_fetch_add(slots, 1)]
        n = points.shape[0]
        while True:
            c = _fetch_add(counter, 1)
            if c >= n_chunks:
                return
            for i in range(c * chunk, min(n, (c + 1) * chunk)):
                fx = (points[i, 0] - x0) * sx
                fy = (points[i, 1] - y0) * sy
                if fx >= 0.0 and fx < width and fy >= 0.0 and fy < height:
                    p = np.int64(fy) * width + np.int64(fx)
                    out[p, 0] += colors[i, 0]
                    out[p, 1] += colors[i, 1]
                    out[p, 2] += colors[i, 2]

    @njit(cache=True, nogil=True)
    def _means_numba(images, hit, counts, out):  # pragma: no cover - compiled
        # The mean colour of each pixel in `hit` from the threads' sums, rounded half up
        # in integers: floor(s / c + 1/2) exactly, as numpy's float division gives it.
        for j in range(hit.shape[0]):
            p = hit[j]
            c = np.uint64(counts[j])
            for ch in range(3):
                s = np.uint64(0)
                for t in range(images.shape[0]):
                    s += np.uint64(images[t, p, ch])
                out[j, ch] = (2 * s + c) // (2 * c)


def _compiled(backend: str | None) -> bool:
    return backend != "numpy" and _kernels.HAVE_NUMBA


def _read_only(a: np.ndarray, dtype) -> np.ndarray:
    # A C-contiguous read-only view (a copy only when needed): one compiled version of
    # each kernel serves frozen and fresh arrays alike.
    v = np.ascontiguousarray(a, dtype=dtype).view()
    v.flags.writeable = False
    return v


def pixel_index(points: np.ndarray, x_range, y_range,
                width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """The pixel of each point in a ``width`` x ``height`` image of the view (numpy: the
    reference of the compiled :func:`pixel_counts` and :func:`mean_colours`, which keep
    no index).

    Returns
    -------
    flat : ndarray of shape (n,) int32
        ``row * width + column`` (row 0 at ``y_range[0]``), or -1 for a point outside the
        view (or not finite).
    counts : ndarray of shape (width * height,) int64
        Points per pixel.
    """
    size = width * height
    n = points.shape[0]
    view = _pixel_view(points, x_range, y_range, width, height)
    if view is None:
        return np.full(n, -1, np.int32), np.zeros(size, np.int64)
    x0, sx, y0, sy = view
    fx = (points[:, 0] - x0) * sx
    fy = (points[:, 1] - y0) * sy
    inside = (fx >= 0) & (fx < width) & (fy >= 0) & (fy < height)
    flat = np.full(n, -1, np.int32)
    flat[inside] = fy[inside].astype(np.int32) * width + fx[inside].astype(np.int32)
    return flat, np.bincount(flat[inside], minlength=size).astype(np.int64)


def pixel_counts(points: np.ndarray, x_range, y_range, width: int, height: int,
                 backend: str | None = None) -> np.ndarray:
    """Points per pixel of a ``width`` x ``height`` image of the view: the ``counts`` of
    :func:`pixel_index`, without its index of every point.

    Returns
    -------
    ndarray of shape (width * height,) int64
    """
    view = _pixel_view(points, x_range, y_range, width, height)
    if view is None or not _compiled(backend):
        return pixel_index(points, x_range, y_range, width, height)[1]
    counts = np.zeros(width * height, np.int64)
    _pixel_counts_numba(_read_only(points, np.float64), *view, width, height, counts)
    return counts


def mean_colours(points: np.ndarray, colors: np.ndarray, x_range, y_range, width: int,
                 height: int, hit: np.ndarray, counts: np.ndarray,
                 backend: str | None = None) -> np.ndarray:
    """The mean colour of the points in each pixel ``hit`` of the view, rounded half up.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    colors : ndarray of shape (n, 3) uint8
    hit : ndarray of shape (m,)
        Pixels (``row * width + column``) with points in them.
    counts : ndarray of shape (m,)
        Their numbers of points (:func:`pixel_counts` at ``hit``).

    Returns
    -------
    ndarray of shape (m, 3) uint8
        The same on every backend and for any number of threads: the sums are of small
        integers, exact in any order.
    """
    size = width * height
    view = _pixel_view(points, x_range, y_range, width, height)
    if view is None or hit.size == 0:
        return np.zeros((hit.size, 3), np.uint8)
    if not _compiled(backend):
        flat = pixel_index(points, x_range, y_range, width, height)[0]
        inside = flat >= 0
        f, c = flat[inside], colors[inside]
        sums = np.stack([np.bincount(f, weights=c[:, ch], minlength=size)[hit]
                         for ch in range(3)], 1)
        return (sums / counts[:, None] + 0.5).astype(np.uint8)
    pts, cols = _read_only(points, np.float64), _read_only(colors, np.uint8)
    n = pts.shape[0]
    n_chunks, chunk = _kernels._chunking(n)
    threads = (1 if n < work_split.SINGLE_THREAD_PAIRS
               else min(work_split.get_num_threads(), n_chunks))
    # One image of sums per thread that may join (zeros: pages untouched until written),
    # 12 bytes a pixel; a thread's sum of colours in a pixel is at most 255 n.
    dtype = np.uint32 if 255 * n < 2**32 else np.uint64
    images = np.zeros((threads, size, 3), dtype)
    counter, slots = np.zeros(1, np.int64), np.zeros(1, np.int64)
    work_split.run_shared(
        lambda: _colour_sums_worker(pts, *view, width, height, cols, chunk, n_chunks,
                                    counter, slots, images), n_chunks, n, threads)
    out = np.empty((hit.size, 3), np.uint8)
    _means_numba(images, np.ascontiguousarray(hit, np.int64),
                 np.ascontiguousarray(counts, np.int64), out)
    return out


def _pixel_view(points, x_range, y_range, width: int, height: int):
    """``(x0, sx, y0, sy)``: a point's pixel is ``((x - x0) sx, (y - y0) sy)``; None when
    there are no points or the view is empty."""
    (x0, x1), (y0, y1) = x_range, y_range
    if width * height >= 2**31:
        raise ValueError(f"an image of {width} x {height} pixels is too large")
    if points.shape[0] == 0 or not (x1 > x0 and y1 > y0):
        return None
    return float(x0), width / (x1 - x0), float(y0), height / (y1 - y0)


def warm_up() -> None:
    """Compile (or load from the cache) the raster kernels (both widths of the sums)."""
    pts, view = np.zeros((1, 2)), ((-1.0, 1.0), (-1.0, 1.0), 2, 2)
    counts = pixel_counts(pts, *view)
    hit = np.flatnonzero(counts)
    mean_colours(pts, np.zeros((1, 3), np.uint8), *view, hit, counts[hit])
    if _kernels.HAVE_NUMBA:  # the sums of more than 2**32 / 255 points
        images = np.zeros((1, 4, 3), np.uint64)
        _colour_sums_worker(pts, -1.0, 1.0, -1.0, 1.0, 2, 2, np.zeros((1, 3), np.uint8), 1,
                            1, np.zeros(1, np.int64), np.zeros(1, np.int64), images)
        _means_numba(images, hit.astype(np.int64), counts[hit], np.empty((1, 3), np.uint8))


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


def ellipse_color(k: int) -> tuple[int, int, int]:
    """RGB of component ``k``'s ellipses and mean ring: a shade darker than its points, so
    they stay visible over them."""
    return tuple(int(0.72 * v) for v in component_color(k))


def relative_luminance(colors) -> np.ndarray:
    """WCAG 2's relative luminance of sRGB colours (..., 3) in 0-255, in [0, 1]."""
    c = np.asarray(colors, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_ratio(a, b) -> np.ndarray:
    """WCAG 2's contrast ratio between colours ``a`` and ``b`` (broadcast), 1 to 21."""
    la, lb = relative_luminance(a), relative_luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def readable_colors(colors, background, ratio: float = 3.0) -> np.ndarray:
    """``colors`` (n, 3) uint8, each mixed towards white (on a dark ``background``) or
    black (on a light one) just enough to stand ``ratio`` : 1 against it (WCAG's 3:1 for
    graphics), in steps of 1/16 of the way; colours that already do are unchanged."""
    colors = np.asarray(colors, dtype=np.uint8)
    out = colors.astype(np.float64)
    target = 255.0 if relative_luminance(background) < 0.18 else 0.0
    todo = contrast_ratio(out, background) < ratio
    for step in range(1, 17):
        if not todo.any():
            break
        t = step / 16
        mixed = colors[todo] * (1 - t) + target * t
        out[todo] = mixed
        todo[todo] = contrast_ratio(mixed, background) < ratio
    return np.rint(out).astype(np.uint8)


def quantised_colors(colors: np.ndarray) -> np.ndarray:
    """``colors`` (n, 3) rounded to 5 bits a channel: few distinct brushes or pens for a
    soft colouring, with colours no eye can tell apart.

    Returns
    -------
    ndarray of shape (n, 3), dtype uint8
    """
    return (np.asarray(colors, dtype=np.uint8) >> 3 << 3) + 4


#: The colour of the uniform noise component's share of a point (a lighter grey than the
#: neutral colour of points before the first E-step: light, as background).
NOISE_RGB = np.array([175, 175, 175], dtype=np.uint8)
#: A row of responsibilities short of 1 by more than this has a noise share.
NOISE_SHARE_TOL = 1e-9


def summary_table(k: int) -> np.ndarray:
    """The table an E-pass blends into each point's soft colour
    (:class:`~gmm_explorer.engine.steps.PointSummary`): the K component colours, then
    the noise colour. The pass then gives :func:`point_colors`' soft colours, to within
    one level of 255 (it blends in float64, this function in float32)."""
    pal = PALETTE[np.arange(k) % len(PALETTE)]
    return np.vstack([pal, NOISE_RGB]).astype(np.float64)


def point_colors(resp: np.ndarray | None, n: int, mode: str = "soft") -> np.ndarray:
    """RGB colour of every point.

    Parameters
    ----------
    resp : ndarray of shape (n, K), or None
        Responsibilities; None gives every point the neutral colour. Rows that sum to less
        than 1 leave the rest to a noise component, drawn in :data:`NOISE_RGB`.
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
    # A noise component's share is what the rows leave of 1 (0 without one).
    noise = 1.0 - resp.sum(axis=1)
    has_noise = bool(np.any(noise > NOISE_SHARE_TOL))
    if mode == "hard":
        out = pal[np.argmax(resp, axis=1)]
        if has_noise:
            out = np.where(claimed_by_noise(resp, noise)[:, None], NOISE_RGB, out)
        return out
    if mode == "uncertainty":
        return uncertainty_colors(1.0 - resp.max(axis=1))
    if mode != "soft":
        raise ValueError(f"mode must be 'soft', 'hard' or 'uncertainty', got {mode!r}")
    out = np.zeros((resp.shape[0], 3), dtype=np.float32)
    for j in range(k):  # K passes of N x 3 multiply-adds; no N x K x 3 temporary
        out += resp[:, j:j + 1].astype(np.float32) * pal[j].astype(np.float32)
    if has_noise:
        out += np.clip(noise, 0.0, 1.0)[:, None].astype(np.float32) * NOISE_RGB.astype(
            np.float32)
    np.clip(out + 0.5, 0, 255, out=out)
    return out.astype(np.uint8)


#: Uncertainty drawn in the darkest colour. Fixed, not the data's maximum, so colours mean
#: the same thing at every EM step and for every K: 0.5 is where a point's best component
#: no longer holds the majority of it (and the maximum possible for K = 2); above, saturated.
UNCERTAINTY_SCALE = 0.5
# Stops of the sequential map, light grey -> orange-red -> dark red; luminance falls
# monotonically along it (225 -> 141 -> 32), so it also reads in grey scale.
_UNCERTAINTY_STOPS = np.array([(225.0, 225.0, 225.0), (230.0, 120.0, 90.0), (140.0, 0.0, 20.0)])


#: The smallest and largest marker a sample weight draws, relative to the normal size.
WEIGHT_SIZE_RANGE = (0.4, 3.0)


def weight_sizes(weights: np.ndarray | None) -> np.ndarray | None:
    """Marker sizes for sample weights, relative to the normal size: the marker's area
    grows with the weight (size ``sqrt(w / median w)`` over the positive weights), within
    :data:`WEIGHT_SIZE_RANGE`; a weight of 0 (a point that does not count) draws the
    smallest. None (unweighted): None, every marker its normal size."""
    if weights is None or np.size(weights) == 0:
        return None
    w = np.asarray(weights, dtype=np.float64)
    positive = w[w > 0]
    if positive.size == 0:
        return np.full(w.shape, WEIGHT_SIZE_RANGE[0])
    lo, hi = WEIGHT_SIZE_RANGE
    return np.clip(np.sqrt(w / float(np.median(positive))), lo, hi)


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
        Uncertainty of each point, in [0, 1 - 1/K]; NaN counts as 0. A uint8 array holds
        the codes ``round(255 u)`` of a :class:`~gmm_explorer.engine.steps.PointSummary`
        (one gather per point).
    scale : float
        Uncertainty mapped to the darkest colour; larger values saturate.

    Returns
    -------
    ndarray of shape (n, 3), dtype uint8
        Light grey at 0 through orange-red to dark red at ``scale`` (256 steps).
    """
    u = np.asarray(u)
    if u.dtype == np.uint8:
        return _code_colours(float(scale))[u]
    top = len(_UNCERTAINTY_LUT) - 1
    t = np.asarray(u, dtype=np.float32) * np.float32(top / float(scale))
    np.nan_to_num(t, copy=False, nan=0.0, posinf=top, neginf=0.0)
    np.clip(t, 0, top, out=t)
    t += 0.5
    return _UNCERTAINTY_LUT[t.astype(np.uint8)]


@functools.lru_cache(maxsize=4)
def _code_colours(scale: float) -> np.ndarray:
    """The colour of each uncertainty code 0..255 (the uncertainty ``code / 255``)."""
    from gmm_explorer.engine.steps import UNCERTAINTY_CODES

    codes = np.arange(256, dtype=np.float32) * np.float32(1.0 / UNCERTAINTY_CODES)
    return uncertainty_colors(codes, scale)


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


def view_ranges(points: np.ndarray, mixtures=()) -> tuple[tuple[float, float],
                                                           tuple[float, float]]:
    """One view covering ``points`` and every mixture's means, with a 5% margin.

    The canvas's Fit view shows it; animation frames share one, so the plot does not jump
    from frame to frame.

    Parameters
    ----------
    points : ndarray of shape (n, 2)
    mixtures : iterable of Mixture (None entries are skipped)

    Returns
    -------
    (x0, x1), (y0, y1)
    """
    parts = [np.asarray(points, dtype=float).reshape(-1, 2)]
    parts += [np.asarray(m.means, dtype=float).reshape(-1, 2) for m in mixtures
              if m is not None]
    los, his = [], []
    for part in parts:
        if part.shape[0] == 0:
            continue
        lo, hi = part.min(axis=0), part.max(axis=0)
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
            # Rows that are not finite are left out (rare: a copy of the finite rows).
            part = part[np.all(np.isfinite(part), axis=1)]
            if part.shape[0] == 0:
                continue
            lo, hi = part.min(axis=0), part.max(axis=0)
        los.append(lo)
        his.append(hi)
    if not los:
        return (0.0, 1.0), (0.0, 1.0)
    lo, hi = np.min(los, axis=0), np.max(his, axis=0)
    # A zero span (one point) gets a unit-ish span.
    span = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(hi), 1.0))
    lo, hi = lo - 0.05 * span, hi + 0.05 * span
    return (float(lo[0]), float(hi[0])), (float(lo[1]), float(hi[1]))


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
    return RasterCache().image(points, colors, x_range, y_range, width, height)


class RasterCache:
    """Each pixel's count of points for one point set and view, reused while only the
    colours change (every EM step), so a step costs one pass over the points and their
    colours (no per-point index is kept: at 10^7 points it would be 40 MB)."""

    def __init__(self, backend: str | None = None) -> None:
        self._key = None
        self.backend = backend

    def image(self, points: np.ndarray, colors: np.ndarray, x_range, y_range, width: int,
              height: int) -> np.ndarray:
        """The RGBA image of :func:`raster` (which is this method on a fresh cache)."""
        width, height = max(1, int(width)), max(1, int(height))
        key = (id(points), points.shape[0], tuple(x_range), tuple(y_range), width, height)
        if key != self._key:
            self._key = None  # until the new counts are complete
            self._points = points  # keep it alive: id() is only unique while it lives
            counts = pixel_counts(points, x_range, y_range, width, height, self.backend)
            self._hit = np.flatnonzero(counts)
            self._counts = counts[self._hit]
            logc = np.log1p(self._counts)
            top = logc.max() if logc.size else 0.0
            # (No points in view leaves logc empty: keep the result an array.)
            self._alpha = (110 + 145 * (logc / top if top > 0 else np.ones_like(logc))
                           ).astype(np.uint8)
            self._key = key
        img = np.zeros((height, width, 4), dtype=np.uint8)
        if self._hit.size == 0:
            return img
        rgba = img.reshape(-1, 4)
        if colors.ndim == 2 and colors.shape[0] > 0 and colors.strides[0] == 0:
            # One colour for all (the neutral points, a broadcast row): no pass needed.
            rgba[self._hit, :3] = colors[0]
        else:
            rgba[self._hit, :3] = mean_colours(points, colors, x_range, y_range, width,
                                               height, self._hit, self._counts,
                                               self.backend)
        rgba[self._hit, 3] = self._alpha
        return img
