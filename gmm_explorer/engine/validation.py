"""Checks on what callers hand the engine: point sets, single points, K against N.

Every engine entry point validates its inputs with these, so a bad argument fails with
one :class:`~gmm_explorer.errors.InputError` that names the problem, never deep inside
numpy.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.errors import InputError


def as_points(X) -> np.ndarray:
    """Validate and convert data to a C-contiguous float64 array of shape (n_samples, 2).

    Raises
    ------
    InputError
        If the shape is wrong, there are no points, or values are not finite.

    Points held in blocks elsewhere (:class:`~gmm_explorer.engine.blocked.BlockedPoints`)
    pass through: each block is checked where its pass runs.
    """
    from gmm_explorer.engine.blocked import BlockedPoints

    if isinstance(X, BlockedPoints):
        return X
    try:
        arr = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"points must be numbers ({exc})") from None
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise InputError(f"points must have shape (n, 2), got {arr.shape}")
    if arr.shape[0] == 0:
        raise InputError("there are no points")
    if not np.all(np.isfinite(arr)):
        row = int(np.argwhere(~np.isfinite(arr))[0][0])
        raise InputError(f"point {row} is not finite: {arr[row].tolist()}")
    return arr


def as_xy(xy, name: str = "xy") -> np.ndarray:
    """Validate one point: a finite pair of numbers, returned as a float64 array (2,).

    Raises
    ------
    InputError
        Naming ``name`` when it is not two finite numbers.
    """
    try:
        p = np.array(xy, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name} must be a pair of numbers ({exc})") from None
    if p.shape != (2,):
        raise InputError(f"{name} must be a pair of numbers (x, y), got {np.shape(xy)}")
    if not np.all(np.isfinite(p)):
        raise InputError(f"{name} must be finite, got {p.tolist()}")
    return p


def as_sample_weights(weights, n_samples: int) -> np.ndarray | None:
    """Validate sample weights for ``n_samples`` points: None (every point counts once),
    or ``n_samples`` finite numbers >= 0, not all zero. Returned as a read-only
    C-contiguous float64 array.

    A weight is a frequency: a point of weight 2 counts as two copies of it in the
    M-step, the log-likelihood, BIC's N and every mean per point.

    Raises
    ------
    InputError
        Wrong length, a value that is not a finite number >= 0, or every weight zero.
    """
    if weights is None:
        return None
    try:
        w = np.array(weights, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise InputError(f"sample weights must be numbers ({exc})") from None
    if w.shape[0] != n_samples:
        raise InputError(f"sample weights: {w.shape[0]} given for {n_samples} points; "
                         "give one weight per point")
    bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))
    if bad.size:
        i = int(bad[0])
        raise InputError(f"sample weight of point {i} is {w[i]!r}; weights must be finite "
                         "numbers >= 0")
    if not np.any(w > 0):
        raise InputError("every sample weight is zero; at least one point must count")
    w.setflags(write=False)
    return w


def check_enough_points(n_samples: int, n_components: int) -> None:
    """Raise :class:`InputError` when there are fewer points than components."""
    if n_samples < n_components:
        raise InputError(f"{n_samples} points are fewer than the K={n_components} components; "
                         f"use K <= {n_samples} or add points")


def check_n_components(n_components) -> int:
    """Validate K: an integer >= 1, returned as a Python int.

    Raises
    ------
    InputError
        If ``n_components`` is not an integer or is below 1.
    """
    if not isinstance(n_components, (int, np.integer)) or n_components < 1:
        raise InputError(f"K must be an integer >= 1, got {n_components!r}")
    return int(n_components)


def check_n_init(n_init) -> int:
    """Validate a number of restarts: an integer >= 1, returned as a Python int."""
    if not isinstance(n_init, (int, np.integer)) or n_init < 1:
        raise InputError(f"n_init must be an integer >= 1, got {n_init!r}")
    return int(n_init)


def checked_points(X, n_components) -> np.ndarray:
    """Validated points for K components: :func:`as_points`, K an integer >= 1 and at
    least K points.

    Returns
    -------
    ndarray of shape (n_samples, 2)

    Raises
    ------
    InputError
        Bad points, K not an integer >= 1, or fewer points than K.
    """
    X = as_points(X)
    check_enough_points(X.shape[0], check_n_components(n_components))
    return X


def readonly(a, dtype=np.float64) -> np.ndarray:
    """A read-only copy of ``a`` (results handed out by the engine cannot be changed)."""
    a = np.array(a, dtype=dtype, copy=True)
    a.setflags(write=False)
    return a
