"""GMM Explorer from Python and notebooks: :func:`render`, the canvas as a PNG that a
notebook shows, and :func:`points_and_names`, how arrays, DataFrames and files become
points (for :func:`~gmm_explorer.explore.explore` too). (A Mixture's and a state's readable and HTML representations are in
:mod:`gmm_explorer.engine.reprs`.)

``gmm_explorer.render`` is a lazy package attribute; Qt is imported only when it draws.
"""

from __future__ import annotations

import os

import numpy as np

from gmm_explorer.errors import InputError


class PNG(bytes):
    """PNG bytes that IPython and Jupyter display as the image."""

    def _repr_png_(self) -> bytes:
        return bytes(self)

    def __repr__(self) -> str:
        return f"<PNG image, {len(self):,} bytes>"


def points_and_names(data, x=None, y=None, labels=None):
    """The points of ``data`` and what names them, for :func:`render` and
    :func:`~gmm_explorer.explore.explore`.

    ``data`` is an (N, 2) array; a DataFrame (pandas, polars, or anything with named
    ``columns`` and ``to_numpy()``; or the ``__dataframe__`` interchange protocol, read
    through pyarrow), whose ``x`` and ``y`` columns are taken (by default its first two
    numeric ones, skipping a leading column of row numbers as a file's loader does); or a path to a data file in any format the app reads. ``labels``
    names a column (of a DataFrame or a file), or gives one label per point.

    Returns
    -------
    (points, (x name, y name), labels or None, label name or None, source or None)
        ``points`` is float64 of shape (N, 2); rows with a missing value are refused
        (a file drops them, as the app does).

    Raises
    ------
    InputError
        No two numeric columns, an unknown column, non-finite values, or labels that do
        not match the points.
    """
    if isinstance(data, (str, os.PathLike)):
        from gmm_explorer.io import load_points

        column = labels if isinstance(labels, (str, int)) else None
        loaded = load_points(os.fspath(data), columns=None if x is None else f"{x},{y}",
                             labels=column)
        pts = np.asarray(loaded.points)
        found = loaded.labels if column is not None else _given_labels(labels, len(pts))
        return (pts, tuple(loaded.column_names), found,
                loaded.label_name if column is not None else _label_name(labels),
                os.fspath(data))
    frame = _frame_columns(data)
    if frame is None and hasattr(data, "__dataframe__"):
        frame = _frame_columns(_from_interchange(data))
    if frame is not None:
        columns, column = frame
        names = [str(c) for c in columns]
        if (x is None) != (y is None):
            raise InputError("name both columns, x= and y=, or neither")
        if x is not None:
            for c in (x, y):
                if c not in columns:
                    raise InputError(f"the DataFrame has no column {c!r}; its columns: "
                                     + ", ".join(names))
            cols = [x, y]
        else:
            numeric = [c for c in columns if not (isinstance(labels, str) and c == labels)
                       and np.issubdtype(column(c).dtype, np.number)]
            if len(numeric) >= 3 and numeric[0] == columns[0] and _is_index_column(
                    str(numeric[0]), column(numeric[0])):
                numeric = numeric[1:]  # row numbers, skipped as a file's loader does
            cols = numeric[:2]
        if len(cols) != 2:
            raise InputError("the DataFrame needs two numeric columns (or name them: x=, y=)")
        try:
            pts = np.column_stack([column(c).astype(np.float64) for c in cols])
        except (TypeError, ValueError) as exc:
            raise InputError(f"columns {cols[0]!r} and {cols[1]!r} must hold numbers "
                             f"({exc}); drop missing values first (dropna())") from exc
        if isinstance(labels, str) and labels in columns:
            found = tuple("" if v is None or v != v else str(v) for v in column(labels))
            label_name = labels
        else:
            found, label_name = _given_labels(labels, len(pts)), _label_name(labels)
        return _checked(pts), (str(cols[0]), str(cols[1])), found, label_name, None
    try:
        pts = np.asarray(data, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"expected points of shape (N, 2): {exc}") from exc
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputError(f"expected points of shape (N, 2), got {pts.shape}")
    return (_checked(pts), ("x", "y"), _given_labels(labels, len(pts)), _label_name(labels),
            None)


def _is_index_column(name: str, values: np.ndarray) -> bool:
    """A leading column of row numbers, by the file loader's rule (its name, or values
    0..N-1 / 1..N)."""
    from gmm_explorer.io.columns import INDEX_COLUMN_NAMES, is_index

    return name.lower() in INDEX_COLUMN_NAMES or is_index(values.astype(np.float64))


def _checked(pts: np.ndarray) -> np.ndarray:
    if pts.shape[0] == 0:
        raise InputError("there are no points")
    bad = ~np.isfinite(pts).all(axis=1)
    if bad.any():
        raise InputError(f"row {int(np.flatnonzero(bad)[0])} holds a missing or infinite "
                         f"value ({int(bad.sum())} such rows); drop them first (dropna())")
    return pts


def _given_labels(labels, n: int):
    if labels is None:
        return None
    if isinstance(labels, str):
        raise InputError(f"there is no column {labels!r} for the labels")
    found = tuple("" if v is None else str(v) for v in np.asarray(labels, dtype=object).ravel())
    if len(found) != n:
        raise InputError(f"{len(found)} labels for {n} points")
    return found


def _label_name(labels) -> str | None:
    return None if labels is None else getattr(labels, "name", None) or "labels"


def _frame_columns(data):
    """(column names, name → 1-D numpy array) of a DataFrame-like object, or None.

    pandas and polars DataFrames (named ``columns``, ``frame[name].to_numpy()``) and
    pyarrow Tables (``column_names``, ``column(name)``)."""
    if hasattr(data, "column_names") and hasattr(data, "column"):
        return list(data.column_names), lambda c: np.asarray(data.column(c).to_numpy())
    if hasattr(data, "columns") and hasattr(data, "to_numpy") and not isinstance(
            data, np.ndarray):
        return list(data.columns), lambda c: np.asarray(data[c].to_numpy())
    return None


def _from_interchange(frame):
    """A DataFrame of another library, through the interchange protocol (pyarrow)."""
    try:
        from pyarrow.interchange import from_dataframe
    except ImportError as exc:
        raise InputError("reading this DataFrame needs pyarrow: pip install "
                         "'gmm-explorer[formats]'") from exc
    return from_dataframe(frame)


def render(data, mixture=None, *, x=None, y=None, title: str = "", size=(800, 600)) -> PNG:
    """The canvas showing ``data`` coloured by ``mixture``'s responsibilities, with its
    ellipses and density contours, as PNG bytes (displayed as the image in IPython).

    Parameters
    ----------
    data : array-like of shape (N, 2), DataFrame, or path
    mixture : Mixture, fitted scikit-learn GaussianMixture, gmm_explorer.GaussianMixture,
        or None (the points alone)
    x, y : str, optional
        A DataFrame's (or a file's) columns.
    title : str
    size : (int, int)
        Pixels.

    Returns
    -------
    PNG
        ``bytes``; write them to a ``.png`` file, or let the notebook show them.
    """
    from gmm_explorer.engine import Mixture
    from gmm_explorer.qt.offscreen.png import render_png

    pts, names, *_ = points_and_names(data, x, y)
    if mixture is not None and not isinstance(mixture, Mixture):
        mixture = getattr(mixture, "mixture_", None) or Mixture.from_sklearn(mixture)
    return PNG(render_png(pts, mixture, column_names=names, title=title, size=size))
