"""Points from NumPy files: the bytes of a ``.npy`` or ``.npz`` → :class:`LoadedData`.

The array branch of :func:`~gmm_explorer.io.loaders.load_points`. A ``.npy`` must hold
a 2-D array of real numbers (float or integer) with at least two columns; a ``.npz`` a
single array, or one named ``points`` or ``X``. Each array's header is checked
(:func:`~gmm_explorer.io.arrays.read_npy_header`) before numpy reads its data, and the
data is read only through :mod:`~gmm_explorer.io.arrays`, which never unpickles.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.arrays import (
    CORRUPT_BINARY,
    NpyHeader,
    UnsupportedNpyVersion,
    load_numpy,
    npy_view,
    read_npy_header,
)
from gmm_explorer.io.points import (
    MAX_LISTED,
    LoadedData,
    display_names,
    finish_points,
    plural,
    resolve_column,
    resolve_columns,
)

__all__ = ["load_npy_points", "load_npz_points"]


def load_npy_points(data: bytes, source: str, columns, weights=None) -> LoadedData:
    """The points in the bytes of a ``.npy`` file; ``columns`` as for ``load_points``.

    Raises
    ------
    InputError
        A damaged file, an array that is not 2-D real numbers with two columns or more,
        an unknown column, an infinite value in a chosen column, or no point left.
    """
    what = "the file"
    with _header_errors(source, what):
        header = read_npy_header(io.BytesIO(data), len(data))
    _check_header(header, source, what)
    try:
        array = npy_view(data, header)
    except CORRUPT_BINARY as exc:
        raise InputError(f"is not a valid .npy file: {exc}", path=source) from exc
    return _from_array(array, source, columns, (), weights)


def load_npz_points(data: bytes, source: str, columns, weights=None) -> LoadedData:
    """The points in the bytes of a ``.npz`` archive; ``columns`` as for ``load_points``.

    Raises
    ------
    InputError
        As :func:`load_npy_points`, and for an archive with no array, or with several
        and none named ``points`` or ``X``.
    """
    try:
        with load_numpy(data) as archive:
            names = list(archive.files)
            if not names:
                raise InputError("the .npz archive holds no arrays", path=source)
            if len(names) == 1:
                name = names[0]
            elif "points" in names:
                name = "points"
            elif "X" in names:
                name = "X"
            else:
                listed = ", ".join(f"'{n}'" for n in names[:MAX_LISTED])
                raise InputError(f"the .npz archive holds {len(names)} arrays ({listed}); "
                                 "expected a single array, or one named 'points' or 'X'",
                                 path=source)
            member = name + ".npy" if name + ".npy" in archive.zip.namelist() else name
            what = f"array '{name}' in the .npz archive"
            size = archive.zip.getinfo(member).file_size
            with archive.zip.open(member) as fh, _header_errors(source, what):
                header = read_npy_header(fh, size)
            _check_header(header, source, what)
            array = archive[name]
    except InputError:
        raise
    except CORRUPT_BINARY as exc:
        hint = ""
        if os.path.splitext(source)[1].lower() in (".xlsx", ".ods"):
            hint = " (a spreadsheet? export the sheet as CSV)"
        raise InputError(f"is not a valid .npz file{hint}: {exc}", path=source) from exc
    notes: tuple[str, ...] = ()
    if len(names) > 1:
        notes = (f"using array '{name}' of " + ", ".join(f"'{n}'" for n in names),)
    return _from_array(array, source, columns, notes, weights)


@contextmanager
def _header_errors(source: str, what: str) -> Iterator[None]:
    """Turn a bad .npy header read in the block into an InputError about ``what``."""
    try:
        yield
    except UnsupportedNpyVersion as exc:
        raise InputError(f"{what} {exc}, which only structured arrays need; save a plain 2-D "
                         "array", path=source) from None
    except CORRUPT_BINARY as exc:
        raise InputError(f"{what} is not a valid .npy array: {exc}", path=source) from exc


def _check_header(header: NpyHeader, source: str, what: str) -> None:
    """Refuse an array that cannot hold points (dtype, shape, size) before reading it."""
    shape, dtype = header.shape, header.dtype
    kind = dtype.kind
    if dtype.names is not None or dtype.subdtype is not None:
        reason = f"holds structured records (dtype {dtype}); save a plain 2-D array of numbers"
    elif kind == "O":
        reason = ("holds Python objects (dtype object), which would need unpickling; "
                  "GMM Explorer never unpickles files: save a numeric array")
    elif kind == "b":
        reason = "holds booleans (dtype bool); expected real numbers"
    elif kind == "c":
        reason = f"holds complex numbers (dtype {dtype}); expected real numbers"
    elif kind in "US":
        reason = f"holds text (dtype {dtype}); expected real numbers"
    elif kind in "Mm":
        reason = f"holds dates or times (dtype {dtype}); expected real numbers"
    elif kind not in "fiu":
        reason = f"holds dtype {dtype}; expected real numbers"
    elif len(shape) != 2:
        reason = (f"holds a {len(shape)}-D array of shape {shape}; expected a 2-D array "
                  "with one row per point and one column per coordinate")
    elif shape[1] < 2:
        reason = (f"has only {plural(shape[1], 'column')} (shape {shape}); "
                  "need at least two")
    elif shape[0] == 0:
        reason = f"holds no points (shape {shape})"
    else:
        reason = header.truncation()
        if reason is None:
            return
    raise InputError(f"{what} {reason}", path=source)


def _from_array(array: np.ndarray, source: str, columns, notes: tuple[str, ...],
                weights=None) -> LoadedData:
    n_columns = array.shape[1]
    names = display_names(None, n_columns)
    chosen = resolve_columns(columns, names, False, source)
    w_at = None
    if weights is not None:
        w_at = resolve_column(weights, names, False, source, what="weights column")
    if chosen is None:
        chosen = tuple(j for j in range(n_columns) if j != w_at)[:2]
        if len(chosen) < 2:
            raise InputError("the array has no two columns besides the weights column",
                             path=source)
        if n_columns > 2 + (w_at is not None):
            notes += (f"using columns {chosen[0]} and {chosen[1]} of {n_columns}",)
    elif w_at in chosen:
        raise InputError(f"the weights column {w_at} is also the "
                         f"{'X' if w_at == chosen[0] else 'Y'} column; choose another column "
                         "for the weights", path=source)
    if array.shape[0] == 2 and n_columns > 2:
        notes += (f"the array has shape {array.shape}: 2 points of {n_columns} coordinates; "
                  "if the points are its columns, save its transpose",)
    with np.errstate(over="ignore", invalid="ignore"):
        # One copy of the two columns, converted as they are copied (fancy indexing would
        # build index arrays as large as the data, then copy again to convert).
        xy = np.empty((array.shape[0], 2))
        xy[:, 0] = array[:, chosen[0]]
        xy[:, 1] = array[:, chosen[1]]
    bad = np.isinf(xy)
    if bad.any():
        row, slot = np.argwhere(bad)[0]
        raise InputError(f"infinite value {xy[row, slot]} at row index {row} (0-based); "
                         "points must be finite numbers", path=source,
                         column=str(chosen[slot]))
    w = None
    if w_at is not None:
        with np.errstate(over="ignore", invalid="ignore"):
            w = array[:, w_at].astype(np.float64)
        bad = np.flatnonzero(np.isinf(w) | (w < 0))
        if bad.size:
            row = int(bad[0])
            raise InputError(f"weight {w[row]} at row index {row} (0-based) is not allowed; "
                             "sample weights must be finite numbers >= 0", path=source,
                             column=str(w_at))
    return finish_points(xy, source=source, names=(names[chosen[0]], names[chosen[1]]),
                         indices=chosen, notes=notes,
                         missing_where=f"columns {chosen[0]} and {chosen[1]}",
                         weights=w, weights_name=None if w_at is None else names[w_at])
