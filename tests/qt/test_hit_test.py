"""The canvas's hit tests, without Qt: plain numpy on the targets the canvas pushes in."""

from __future__ import annotations

import numpy as np

from gmm_explorer.qt.canvas.hit_test import (
    BRUTE_FORCE_MAX,
    HANDLE_PICK_PX,
    POINT_PICK_PX,
    HitTargets,
)

#: Scene = 10 * data, y flipped (as on screen): (sx, ox, sy, oy).
AFFINE = (10.0, 0.0, -10.0, 100.0)


def scene(x: float, y: float) -> tuple[float, float]:
    sx, ox, sy, oy = AFFINE
    return sx * x + ox, sy * y + oy


def test_point_at_picks_the_nearest_point_within_the_pick_radius():
    t = HitTargets()
    t.set_points(np.array([[1.0, 1.0], [3.0, 4.0], [3.05, 4.05]]))
    assert t.point_at(*scene(3.04, 4.04), AFFINE) == 2
    assert t.point_at(*scene(1.0, 1.0 + 0.9 * POINT_PICK_PX / 10), AFFINE) == 0
    assert t.point_at(*scene(1.0, 1.0 + 1.1 * POINT_PICK_PX / 10), AFFINE) == -1
    assert t.point_at(*scene(1.0, 1.0), None) == -1  # no view yet


def test_point_at_searches_an_x_sorted_index_above_the_brute_force_limit():
    rng = np.random.default_rng(0)
    pts = rng.uniform(0, 10, size=(BRUTE_FORCE_MAX + 5, 2))
    pts[np.hypot(pts[:, 0] - 5, pts[:, 1] - 5) < 0.3] += 1.0
    pts[777] = (5.0, 5.0)
    t = HitTargets()
    t.set_points(pts)
    assert t.point_at(*scene(5.02, 4.99), AFFINE) == 777


def test_component_at_prefers_the_nearest_part_and_skips_hidden_handles():
    t = HitTargets()
    assert t.component_at(*scene(0, 0), AFFINE) is None  # no mixture
    parts = {"mean": np.array([[0.0, 0.0], [5.0, 5.0]]),
             "major": np.array([[1.0, 0.0], [6.0, 5.0]]),
             "minor": np.array([[0.0, 0.5], [5.0, 5.5]])}
    t.set_parts(parts, handles_shown=True)
    assert t.component_at(*scene(0.95, 0.0), AFFINE) == (0, "major", (1.0, 0.0))
    assert t.component_at(*scene(5.0, 5.02), AFFINE)[:2] == (1, "mean")
    assert t.component_at(*scene(0.95, 0.0), AFFINE, means_only=True) is None
    assert t.component_at(*scene(3.0, 3.0), AFFINE) is None
    far = 1.1 * HANDLE_PICK_PX / 10
    assert t.component_at(*scene(5.0 - far, 5.0), AFFINE) is None
    t.set_parts(parts, handles_shown=False)
    assert t.component_at(*scene(0.95, 0.0), AFFINE) is None
    assert t.part_position(1, "minor") == (5.0, 5.5)
