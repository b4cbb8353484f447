"""Shared checks for the loader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gmm_explorer.io.points import LoadedData

#: The shipped sample data sets.
DATA = Path(__file__).resolve().parents[2] / "resources" / "data"


def assert_good_points(data: LoadedData) -> None:
    """What every successful load guarantees: finite, read-only float64 (N, 2), N >= 1."""
    points = data.points
    assert isinstance(data, LoadedData)
    assert points.dtype == np.float64
    assert points.ndim == 2 and points.shape[1] == 2 and points.shape[0] >= 1
    assert np.isfinite(points).all()
    assert not points.flags.writeable
    assert data.n_dropped >= 0
