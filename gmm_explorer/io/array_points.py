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
    read_npy_header,
)
from gmm_explorer.io.points import (
    MAX_LISTED,
    LoadedData,
    all_finite,
    display_names,
    finish_points,
    plural,
    resolve_column,
    resolve_columns,
)

__all__ = ["load_npy_points", "load_npz_points"]


def load_npy_points(path, source: str, columns, weights=None) -> LoadedData:
    """The points in the ``.npy`` file ``path``; ``columns`` as for ``load_points``.

    The header is read and checked first; then the data a block of rows at a time straight
    into the points' own float64 array, so that no copy of the file is ever held besides
    them (at 10 million points the file's bytes would be 160 MB more at the load's peak).

    Raises
    ------
    InputError
        A damaged file, an array that is not 2-D real numbers with two columns or more,
        an unknown column, an infinite value in a chosen column, or no point left.
    """
    what = "the file"
    try:
        with open(path, "rb") as fh:
            total = os.fstat(fh.fileno()).st_size
            with _header_errors(source, what):
                header = read_npy_header(fh, total)
            _check_header(header, source, what)
            return _from_array(_NpyRows(fh, header, total - header.data_size, source),
                               source, columns, (), weights)
    except InputError:
        raise
    except OSError as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read the file: {reason}", path=source) from exc


class _NpyRows:
    """The data of an open ``.npy`` file whose header is checked, read on demand: its
    ``shape``, and :meth:`read_columns` copying columns out a block at a time."""

    #: Bytes read at a time when the columns are picked out of the rows.
    BLOCK_BYTES = 1 << 22

    def __init__(self, fh, header: NpyHeader, offset: int, source: str) -> None:
        self.fh, self.header, self.offset, self.source = fh, header, offset, source
        self.shape = header.shape

    def read_columns(self, targets, whole: np.ndarray | None = None) -> None:
        """Copy column ``j`` into ``out`` (converted to its dtype) for each ``(j, out)``
        of ``targets``; ``whole``: the C-contiguous (n, 2) float64 array whose columns
        the two outputs are, if they are."""
        n, m = self.shape
        dtype = self.header.dtype
        item = dtype.itemsize
        if self.header.fortran_order:
            for j, out in targets:
                rows = max(1, self.BLOCK_BYTES // item)
                for lo in range(0, n, rows):
                    hi = min(n, lo + rows)
                    out[lo:hi] = self._block(self.offset + (j * n + lo) * item,
                                             (hi - lo) * item, dtype)
            return
        row = m * item
        if (whole is not None and m == 2 and dtype == np.dtype(np.float64)
                and [j for j, _ in targets] == [0, 1]):
            # The common file: the points as they are, read straight into their array.
            self._read_into(self.offset, whole)
            return
        rows = max(1, self.BLOCK_BYTES // row)
        for lo in range(0, n, rows):
            hi = min(n, lo + rows)
            block = self._block(self.offset + lo * row, (hi - lo) * row, dtype).reshape(
                hi - lo, m)
            for j, out in targets:
                out[lo:hi] = block[:, j]

    def _block(self, at: int, size: int, dtype) -> np.ndarray:
        buf = bytearray(size)
        self._read_into(at, buf)
        return np.frombuffer(buf, dtype=dtype)

    def _read_into(self, at: int, buf) -> None:
        view = memoryview(buf).cast("B")
        self.fh.seek(at)
        done = 0
        while done < len(view):
            got = self.fh.readinto(view[done:])
            if not got:
                raise InputError("is truncated: the file ended before its data (was it "
                                 "changed while it was read?)", path=self.source)
            done += got


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


def _from_array(array, source: str, columns, notes: tuple[str, ...],
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
    n = array.shape[0]
    xy = np.empty((n, 2))
    w = None if w_at is None else np.empty(n)
    targets = [(chosen[0], xy[:, 0]), (chosen[1], xy[:, 1])]
    if w_at is not None:
        targets.append((w_at, w))
    with np.errstate(over="ignore", invalid="ignore"):
        # One copy of each column, converted as it is copied (fancy indexing would build
        # index arrays as large as the data, then copy again to convert).
        if isinstance(array, _NpyRows):
            array.read_columns(targets, xy if w is None else None)
        else:
            for j, out in targets:
                out[:] = array[:, j]
    bad = None if all_finite(xy) else np.isinf(xy)
    if bad is not None and bad.any():
        row, slot = np.argwhere(bad)[0]
        raise InputError(f"infinite value {xy[row, slot]} at row index {row} (0-based); "
                         "points must be finite numbers", path=source,
                         column=str(chosen[slot]))
    if w is not None and not (all_finite(w) and w.min() >= 0):
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
