"""The result of loading a point set, and the last stage every file format shares.

:class:`LoadedData` is what :func:`~gmm_explorer.io.loaders.load_points` returns. Text
tables (:mod:`~gmm_explorer.io.text_points`) and NumPy arrays
(:mod:`~gmm_explorer.io.array_points`) both end here: columns are named the same way,
a request for columns by name or index is resolved by the same rules, and rows with a
missing X or Y are dropped by :func:`finish_points`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.cells import INTEGER

__all__ = [
    "MAX_LISTED",
    "LoadedData",
    "clip",
    "column_labels",
    "display_names",
    "finish_points",
    "plural",
    "resolve_column",
    "resolve_columns",
]

#: Columns listed in full in an error message before the list is cut short.
MAX_LISTED = 12


@dataclass(frozen=True, eq=False)
class LoadedData:
    """Points read from a file, with what the loader decided on the way.

    Attributes
    ----------
    points : ndarray of shape (n_points, 2)
        Finite float64 coordinates, read-only.
    column_names : tuple of (str, str)
        Names of the X and Y columns. Unnamed columns (no header row, an empty header
        name, or a ``.npy``/``.npz`` array) are called ``"column 0"``, ``"column 1"``, ...
        with their 0-based index.
    column_indices : tuple of (int, int)
        0-based indices of the X and Y columns in the file.
    source : str
        The path as given.
    n_dropped : int
        Rows dropped because a chosen column had a missing value.
    notes : tuple of str
        One-line messages for the user about choices made (columns skipped or picked,
        rows dropped).
    labels : tuple of str, or None
        One label per point, aligned with :attr:`points` (rows dropped for a missing X
        or Y are dropped here too): the cell text of the label column, stripped, with
        ``""`` for a missing cell. None when no label column was asked for.
    label_name : str or None
        Name of the label column, named like :attr:`column_names`; None without labels.
    weights : ndarray of shape (n_points,) or None
        Sample weights from a weights column, aligned with :attr:`points` (finite, >= 0,
        not all zero; read-only). None when no weights column was asked for.
    weights_name : str or None
        Name of the weights column; None without weights.
    """

    points: np.ndarray
    column_names: tuple[str, str]
    column_indices: tuple[int, int]
    source: str
    n_dropped: int = 0
    notes: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    label_name: str | None = None
    weights: np.ndarray | None = None
    weights_name: str | None = None

    def __post_init__(self) -> None:
        points = self.points
        # A read-only float64 array owning its memory is kept as it is (the loaders'
        # own, frozen in finish_points); anything else is copied, so that nobody
        # else can write to what the points hold.
        if not (isinstance(points, np.ndarray) and points.dtype == np.float64
                and points.flags.c_contiguous and points.flags.owndata
                and not points.flags.writeable):
            points = np.array(points, dtype=np.float64, order="C", copy=True)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (N, 2), got {points.shape}")
        points.setflags(write=False)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "column_names", tuple(self.column_names))
        object.__setattr__(self, "column_indices", tuple(int(i) for i in self.column_indices))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.labels is not None:
            labels = tuple(str(label) for label in self.labels)
            if len(labels) != points.shape[0]:
                raise ValueError(f"labels must have one entry per point: got {len(labels)} "
                                 f"for {points.shape[0]} points")
            object.__setattr__(self, "labels", labels)
        if self.weights is not None:
            w = np.array(self.weights, dtype=np.float64).reshape(-1)
            if w.shape[0] != points.shape[0]:
                raise ValueError(f"weights must have one entry per point: got {w.shape[0]} "
                                 f"for {points.shape[0]} points")
            w.setflags(write=False)
            object.__setattr__(self, "weights", w)

    @property
    def n_points(self) -> int:
        """Number of points (rows of :attr:`points`)."""
        return int(self.points.shape[0])


def all_finite(a: np.ndarray) -> bool:
    """No NaN and no infinity in ``a`` (True when empty), found by its minimum and maximum:
    no temporary as large as ``a`` (a NaN makes both NaN, an infinity one of them)."""
    return a.size == 0 or bool(np.isfinite(a.min()) and np.isfinite(a.max()))


def finish_points(xy: np.ndarray, *, source: str, names: tuple[str, str],
                  indices: tuple[int, int], notes: tuple[str, ...], missing_where: str,
                  labels: tuple[str, ...] | None = None,
                  label_name: str | None = None, weights: np.ndarray | None = None,
                  weights_name: str | None = None) -> LoadedData:
    """Drop rows with NaN (and their labels), check something is left, and wrap up.

    Parameters
    ----------
    xy : ndarray of shape (n_rows, 2)
        Float64 values of the chosen columns, NaN where missing; no infinities.
    missing_where : str
        Names the chosen columns in the error when no row is left.
    weights : ndarray of shape (n_rows,), optional
        The weights column's values (NaN where missing: the row is dropped), already
        checked finite and >= 0.
    """
    if all_finite(xy) and (weights is None or all_finite(weights)):
        keep, n_dropped = None, 0  # (no masks as long as the data to find no NaN)
    else:
        keep = ~(np.isnan(xy[:, 0]) | np.isnan(xy[:, 1]))
        if weights is not None:
            keep &= ~np.isnan(weights)
        n_dropped = int(xy.shape[0] - np.count_nonzero(keep))
    if n_dropped == xy.shape[0]:
        raise InputError(f"no points left: all {plural(n_dropped, 'data row')} have a missing "
                         f"value in {missing_where}", path=source)
    if n_dropped:
        xy = xy[keep]
        if labels is not None:
            labels = tuple(compress(labels, keep.tolist()))
        if weights is not None:
            weights = weights[keep]
        notes += (f"dropped {plural(n_dropped, 'row')} with missing values in the chosen "
                  "columns",)
    if weights is not None and not np.any(weights > 0):
        raise InputError(f"every weight in the weights column {weights_name} is zero; at "
                         "least one point must count", path=source)
    # Read-only from here on: the session then takes the array as it is, without a copy
    # (session.points.frozen_points).
    xy.setflags(write=False)
    return LoadedData(points=xy, column_names=names, column_indices=indices, source=source,
                      n_dropped=n_dropped, notes=notes, labels=labels, label_name=label_name,
                      weights=weights, weights_name=weights_name)


# --------------------------------------------------------------------------- column names


def display_names(header: tuple[str, ...] | None, n_columns: int) -> tuple[str, ...]:
    """Names shown for columns: the header name, or ``"column i"`` where there is none."""
    if header is None:
        return tuple(f"column {j}" for j in range(n_columns))
    return tuple(name if name else f"column {j}" for j, name in enumerate(header))


def column_labels(header: tuple[str, ...] | None, n_columns: int) -> tuple[str, ...]:
    """How columns are named in messages: ``'name'``, or the bare index when unnamed."""
    if header is None:
        return tuple(str(j) for j in range(n_columns))
    return tuple(f"'{name}'" if name else str(j) for j, name in enumerate(header))


def resolve_columns(columns, names: tuple[str, ...], has_header: bool,
                    source: str) -> tuple[int, int] | None:
    """0-based indices of the two requested columns, or None to choose automatically.

    ``columns`` is ``"A,B"``, a pair of names or indices, or None (see
    :func:`~gmm_explorer.io.loaders.load_points`).
    """
    if columns is None:
        return None
    if isinstance(columns, str):
        tokens: list[str | int] = [t.strip() for t in columns.split(",")]
    elif isinstance(columns, Sequence):
        tokens = list(columns)
    else:
        raise InputError(f"columns must be 'X,Y' or a pair, not {columns!r}", path=source)
    if len(tokens) != 2 or any(t == "" for t in tokens):
        raise InputError(f"expected two columns as 'X,Y', got {columns!r}", path=source)
    indices = tuple(resolve_column(t, names, has_header, source) for t in tokens)
    if indices[0] == indices[1]:
        raise InputError(f"the X and Y columns must differ, but both are {names[indices[0]]!r}",
                         path=source)
    return indices  # type: ignore[return-value]


def resolve_column(token, names: tuple[str, ...], has_header: bool, source: str,
                   what: str = "column") -> int:
    """0-based index of one column given by name or index; ``what`` names it in errors."""
    n = len(names)
    if isinstance(token, str):
        name = token.strip()
        if name in names:
            return names.index(name)
        folded = [k for k, candidate in enumerate(names) if candidate.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
        if INTEGER.fullmatch(name):
            token = int(name)
        else:
            raise InputError(f"unknown {what} '{clip(name)}'; "
                             f"{_available(names, has_header)}", path=source)
    if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
        raise InputError(f"a {what} must be a name or a 0-based index, not {token!r}",
                         path=source)
    if not 0 <= token < n:
        raise InputError(f"{what} index {int(token)} is out of range; "
                         f"{_available(names, has_header)}", path=source)
    return int(token)


def _available(names: tuple[str, ...], has_header: bool) -> str:
    span = f"0-{len(names) - 1}" if len(names) > 1 else "0"
    if not has_header:
        return f"the data has {plural(len(names), 'column')}, indices {span} (no header row)"
    listed = ", ".join(f"'{name}'" for name in names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        listed += f", ... ({len(names) - MAX_LISTED} more)"
    return f"available columns: {listed} (or indices {span})"


# --------------------------------------------------------------------------- wording


def plural(n: int, noun: str) -> str:
    """``"1 row"``, ``"3 rows"``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def clip(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters, ending in ``...`` when cut."""
    return text if len(text) <= limit else text[: limit - 3] + "..."
