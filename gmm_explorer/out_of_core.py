"""Points too many for memory, Qt-free: their density picture and EM over their blocks.

The window's out-of-core view (:mod:`gmm_explorer.qt.controllers.out_of_core`) shows a
``.npy`` file that the window could not hold (:func:`gmm_explorer.io.npy_map.
needs_out_of_core`). Its points stay in the file, read a block at a time
(:class:`~gmm_explorer.engine.blocked.ArrayBlocks`):

* :func:`density` makes the picture in two passes over the blocks: the points' extent,
  then how many points fall in each pixel;
* :func:`fit_states` runs the one EM loop over the blocks (the streaming path): a start
  from a seeded random subsample, then one pass over the file per iteration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from gmm_explorer.drawing import pixel_counts, view_ranges
from gmm_explorer.engine.blocked import ArrayBlocks, start_from_sample
from gmm_explorer.engine.steps import EMSettings, StepResult

#: The density picture's size in pixels (it is stretched to the plot).
DENSITY_SIZE = (800, 600)


@dataclass(frozen=True, eq=False)
class Density:
    """How many points fall in each pixel of a view.

    Attributes
    ----------
    counts : ndarray of shape (height, width) int64
        Row 0 at ``y_range[0]``.
    x_range, y_range : (float, float)
        The view: the points' extent with a 5% margin.
    """

    counts: np.ndarray
    x_range: tuple[float, float]
    y_range: tuple[float, float]


class Stopped(Exception):
    """A pass over the blocks stopped because ``cancelled()`` said so."""


def _blocks(points: ArrayBlocks, report, cancelled, what: str, step: int, steps: int):
    # Each block in order, with progress ("what": block b of n) and a cancel check, through
    # the blocks' own hook (ArrayBlocks.watched), as a fit's passes report theirs.
    def on_block(b: int, n: int) -> None:
        if cancelled is not None and cancelled():
            raise Stopped(what)
        if report is not None:
            report(step * n + b, steps * n, f"{what}: block {b + 1:,} of {n:,}")

    return (X for _, X in points.watched(on_block).blocks())


def extent(points: ArrayBlocks, report=None, cancelled=None, *, step: int = 0,
           steps: int = 1) -> tuple[tuple[float, float], tuple[float, float]]:
    """The points' x and y ranges, with a 5% margin (a point that is not finite is an
    InputError naming it)."""
    lo = np.full(2, np.inf)
    hi = np.full(2, -np.inf)
    for X in _blocks(points, report, cancelled, "Measuring the points", step, steps):
        lo = np.minimum(lo, X.min(axis=0))
        hi = np.maximum(hi, X.max(axis=0))
    return view_ranges(np.vstack([lo, hi]))  # the canvas's own margin rule


def density(points: ArrayBlocks, size: tuple[int, int] = DENSITY_SIZE,
            report: Callable[[int, int, str], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> Density:
    """The points per pixel of a ``size`` (width, height) picture of all the points.

    ``report(done, total, text)`` is called before each block; ``cancelled()`` is checked
    there too (raising :class:`Stopped`).
    """
    width, height = size
    x_range, y_range = extent(points, report, cancelled, step=0, steps=2)
    counts = np.zeros(width * height, np.int64)
    for X in _blocks(points, report, cancelled, "Drawing the density", 1, 2):
        counts += pixel_counts(X, x_range, y_range, width, height)
    return Density(counts.reshape(height, width), x_range, y_range)


def density_rgba(counts: np.ndarray, ink: tuple[int, int, int]) -> np.ndarray:
    """The picture of ``counts``: ``ink`` in every pixel with points, more opaque where
    there are more (on a log scale, so one point still shows), clear elsewhere."""
    img = np.zeros(counts.shape + (4,), np.uint8)
    hit = counts > 0
    img[hit, :3] = ink
    if hit.any():
        logc = np.log1p(counts[hit].astype(float))
        top = logc.max()
        img[hit, 3] = (40 + 215 * (logc / top if top > 0 else 1.0)).astype(np.uint8)
    return img


def fit_states(points: ArrayBlocks, n_components: int, settings: EMSettings, seed: int,
               init: str = "kmeans", backend: str | None = None) -> Iterator[StepResult]:
    """EM over the blocks: the start (by ``init`` on a seeded random subsample of the
    points), then one state per iteration until the stop rule, as
    :func:`gmm_explorer.engine.em.iterate` yields them. Each state costs one pass over
    the file."""
    from gmm_explorer.engine import em

    start = start_from_sample(points, n_components, init, settings, seed)
    yield from em.iterate(points, start, settings, backend=backend)
