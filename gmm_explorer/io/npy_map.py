"""A ``.npy`` file read through a memory map, for data too large to load: the window's
out-of-core view and ``fit --dask`` open it here.

:func:`open_npy_map` checks the file (a 2-D array of real numbers with two or more
columns and at least one row) without reading its points; :func:`out_of_core_points`
gives its chosen columns as :class:`~gmm_explorer.engine.blocked.ArrayBlocks`, which
read a block at a time. :func:`needs_out_of_core` says whether the window could hold
the points in this machine's free memory.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gmm_explorer.engine.blocked import DEFAULT_CHUNK_ROWS, ArrayBlocks
from gmm_explorer.errors import InputError

#: Memory the window uses per point it holds: the float64 points (16 bytes) and up to
#: three colour summaries of a step (a label and a colour, 4 bytes each; measured peak:
#: 1.9x the points' 16 bytes above the empty window, at 10^7 points, K = 10;
#: ui_responsiveness.py), with room for the uncertainty mode, an out-of-core picture
#: or a standardised copy of the points.
WINDOW_BYTES_PER_POINT = 48

#: An environment variable that overrides the free memory this module reads (bytes):
#: for a machine whose free memory is better known to its user, and for tests.
MEMORY_ENV = "GMM_EXPLORER_MEMORY_BYTES"


def open_npy_map(path) -> np.ndarray:
    """The array in the ``.npy`` file ``path``, memory-mapped read-only.

    Raises
    ------
    InputError
        A missing or unreadable file, a bad header, a file shorter than its header says,
        not a 2-D array of two or more columns and one or more rows, or not real numbers.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", path=path)
    try:
        mm = np.load(p, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError, TypeError) as exc:
        raise InputError(f"not a readable .npy file ({exc})", path=path) from None
    if not isinstance(mm, np.ndarray):
        raise InputError("not a .npy file (an archive of several arrays?)", path=path)
    if mm.ndim != 2 or mm.shape[1] < 2 or mm.shape[0] == 0:
        raise InputError(f"a .npy of points needs shape (N, 2) or more columns, got "
                         f"{mm.shape}", path=path)
    if not np.issubdtype(mm.dtype, np.number) or np.issubdtype(mm.dtype, np.complexfloating):
        raise InputError(f"a .npy of points must hold real numbers, not {mm.dtype}",
                         path=path)
    return mm


def out_of_core_points(path, columns=(0, 1),
                       block_rows: int = DEFAULT_CHUNK_ROWS) -> ArrayBlocks:
    """Columns ``columns`` of the ``.npy`` file ``path`` as blocks read from the file."""
    mm = open_npy_map(path)
    try:
        return ArrayBlocks(mm, columns, block_rows)
    except InputError as exc:
        raise InputError(str(exc), path=path) from None


def free_memory() -> int | None:
    """Bytes of memory available to a new allocation now (Linux's ``MemAvailable``, or
    :data:`MEMORY_ENV`), or None where neither says."""
    given = os.environ.get(MEMORY_ENV, "").strip()
    if given:
        try:
            return max(0, int(float(given)))
        except ValueError:
            pass
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def needs_out_of_core(path) -> tuple[bool, int, int | None]:
    """``(too large, rows, free bytes)``: whether the window would need more than this
    machine's free memory to hold the ``.npy`` file's points (rows times
    :data:`WINDOW_BYTES_PER_POINT`). A file that cannot be read is not too large: the
    ordinary loader then says what is wrong with it."""
    try:
        rows = int(open_npy_map(path).shape[0])
    except InputError:
        return False, 0, free_memory()
    free = free_memory()
    return free is not None and rows * WINDOW_BYTES_PER_POINT > free, rows, free
