"""What lies under the mouse: a component's mean or handle, or the nearest point.

Plain numpy: the canvas pushes the points and the parts' positions into a
:class:`HitTargets`, and the view box asks it with the data-to-scene scale of the moment
(its ``scene_affine``), so no hit test needs a widget.
"""

from __future__ import annotations

import numpy as np

#: A drag or right click this close (screen pixels) to a mean or handle grabs it.
HANDLE_PICK_PX = 9.0
#: Hover and pin pick the nearest point within this many screen pixels.
POINT_PICK_PX = 10.0
#: Above this many points, hover searches an x-sorted index instead of every point.
BRUTE_FORCE_MAX = 100_000
#: The draggable parts of a component: its mean and the ends of its ellipse's axes.
COMPONENT_PARTS = ("mean", "major", "minor")


class HitTargets:
    """The points and component parts the mouse can hit, as the canvas shows them.

    ``affine`` arguments are ``(sx, ox, sy, oy)``: scene = ``(sx * x + ox, sy * y + oy)``
    for data ``(x, y)``.
    """

    def __init__(self) -> None:
        self._points = np.zeros((0, 2))
        self._x_index: tuple[np.ndarray, np.ndarray] | None = None  # (order, sorted x)
        # Positions of the shown mixture's parts, (K, 2) each: "mean", "major", "minor".
        self._geometry: dict[str, np.ndarray] | None = None
        self._handles_shown = True

    def set_points(self, points: np.ndarray) -> None:
        """The points drawn, (n, 2); :meth:`point_at` returns indices into them."""
        self._points = points
        self._x_index = None

    def set_parts(self, geometry: dict[str, np.ndarray] | None, handles_shown: bool) -> None:
        """Positions of each component's parts (None: no mixture); handles are hit only
        while shown."""
        self._geometry = geometry
        self._handles_shown = bool(handles_shown)

    def part_position(self, j: int, part: str) -> tuple[float, float] | None:
        """Data position of component ``j``'s ``part`` (see :data:`COMPONENT_PARTS`)."""
        if self._geometry is None:
            return None
        x, y = self._geometry[part][j]
        return float(x), float(y)

    def component_at(self, scene_x: float, scene_y: float, affine, means_only: bool = False):
        """The mean or visible handle within :data:`HANDLE_PICK_PX` of a scene position.

        Returns
        -------
        (j, part, (x, y)) or None
            Component, "mean"/"major"/"minor", and the part's data position. The nearest
            wins; at equal distance a mean wins over a handle.
        """
        g = self._geometry
        if g is None or affine is None:
            return None
        sx, ox, sy, oy = affine
        parts = ("mean",) if means_only or not self._handles_shown else COMPONENT_PARTS
        best = None
        with np.errstate(over="ignore", invalid="ignore"):
            for part in parts:
                xy = g[part]
                d = np.hypot(sx * xy[:, 0] + ox - scene_x, sy * xy[:, 1] + oy - scene_y)
                d = np.where(np.isfinite(d), d, np.inf)
                j = int(np.argmin(d))
                if d[j] <= HANDLE_PICK_PX and (best is None or d[j] < best[0]):
                    best = (float(d[j]), j, part, (float(xy[j, 0]), float(xy[j, 1])))
        return None if best is None else best[1:]

    def point_at(self, scene_x: float, scene_y: float, affine) -> int:
        """Index of the point nearest a scene position within :data:`POINT_PICK_PX`, or -1.

        Up to BRUTE_FORCE_MAX points are all measured; above, only those in a vertical
        slab around the mouse, found by binary search in an x-sorted index built once
        per point set (~0.1 s at 1e6 points, on the first hover)."""
        pts = self._points
        if pts.shape[0] == 0 or affine is None:
            return -1
        sx, ox, sy, oy = affine
        x = (scene_x - ox) / sx
        y = (scene_y - oy) / sy
        if pts.shape[0] <= BRUTE_FORCE_MAX:
            cand = None
            sub = pts
        else:
            if self._x_index is None:
                order = np.argsort(pts[:, 0], kind="stable")
                self._x_index = (order, pts[order, 0])
            order, xs = self._x_index
            half = POINT_PICK_PX / abs(sx)
            lo = np.searchsorted(xs, x - half, side="left")
            hi = np.searchsorted(xs, x + half, side="right")
            cand = order[lo:hi]
            sub = pts[cand]
        if sub.shape[0] == 0:
            return -1
        with np.errstate(over="ignore", invalid="ignore"):
            d2 = (sx * (sub[:, 0] - x)) ** 2 + (sy * (sub[:, 1] - y)) ** 2
        i = int(np.argmin(d2))
        if not d2[i] <= POINT_PICK_PX ** 2:
            return -1
        return i if cand is None else int(cand[i])
