"""GMM Explorer from Python and notebooks: :func:`render`, the canvas as a PNG that a
notebook shows. (A Mixture's and a state's readable and HTML representations are in
:mod:`gmm_explorer.engine.reprs`.)

``gmm_explorer.render`` is a lazy package attribute; Qt is imported only when it draws.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.errors import InputError


class PNG(bytes):
    """PNG bytes that IPython and Jupyter display as the image."""

    def _repr_png_(self) -> bytes:
        return bytes(self)

    def __repr__(self) -> str:
        return f"<PNG image, {len(self):,} bytes>"


def _points_and_names(data, x=None, y=None):
    """(points, column names) from an (N, 2) array, a DataFrame (``x`` and ``y`` name
    its columns; by default its first two numeric ones), or a path to a data file."""
    import os

    if isinstance(data, (str, os.PathLike)):
        from gmm_explorer.io import load_points

        loaded = load_points(str(data), columns=None if x is None else f"{x},{y}")
        return np.asarray(loaded.points), tuple(loaded.column_names)
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):
        cols = [x, y] if x is not None else [c for c in data.columns
                                            if np.issubdtype(data[c].to_numpy().dtype,
                                                             np.number)][:2]
        if len(cols) != 2:
            raise InputError("the DataFrame needs two numeric columns (or name them: x=, y=)")
        return np.asarray(data[cols].to_numpy(dtype=np.float64)), (str(cols[0]), str(cols[1]))
    pts = np.asarray(data, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise InputError(f"expected points of shape (N, 2), got {pts.shape}")
    return pts, ("x", "y")


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

    pts, names = _points_and_names(data, x, y)
    if mixture is not None and not isinstance(mixture, Mixture):
        mixture = getattr(mixture, "mixture_", None) or Mixture.from_sklearn(mixture)
    return PNG(render_png(pts, mixture, column_names=names, title=title, size=size))
