"""A points file opened as Dask blocks, never read whole: for ``fit --dask``.

* ``.npy``: memory-mapped (a file larger than memory is fine); shape (N, 2), or more
  columns with ``--columns`` as 0-based indices.
* Parquet (a file or a folder of them): ``dask.dataframe.read_parquet`` of the two columns
  (names, or 0-based indices; default the first two).
* CSV or TSV with a header row: ``dask.dataframe.read_csv``, the same column choice.

Every other format is read by the in-memory loader: the message says to convert it.
Values are checked block by block as the fit reaches them
(:func:`gmm_explorer.engine.blocked.block_pass` names the first bad point).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from gmm_explorer.engine.blocked import DEFAULT_CHUNK_ROWS
from gmm_explorer.errors import InputError
from gmm_explorer.io.npy_map import open_npy_map


def _pick(names: list[str], columns: str | None, path) -> list[str]:
    if columns is None:
        if len(names) < 2:
            raise InputError(f"found {len(names)} column(s); points need two", path=path)
        return list(names[:2])
    wanted = [c.strip() for c in columns.split(",")]
    if len(wanted) != 2 or not all(wanted):
        raise InputError(f"--columns needs two columns, got {columns!r}", path=path)
    chosen = []
    for c in wanted:
        if c in names:
            chosen.append(c)
        elif c.isdigit() and int(c) < len(names):
            chosen.append(names[int(c)])
        else:
            raise InputError(f"no column {c!r}; the columns are {', '.join(map(str, names))}",
                             path=path)
    if chosen[0] == chosen[1]:
        raise InputError(f"--columns names one column twice ({chosen[0]!r})", path=path)
    return chosen


def _npy_block(path: str, lo: int, hi: int, cols: list[int]) -> np.ndarray:
    """Rows ``lo..hi-1`` of columns ``cols`` of a .npy file, read through a memory map."""
    mm = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.ascontiguousarray(mm[lo:hi][:, cols], dtype=np.float64)


def open_points(path, columns: str | None = None, chunks: int | None = None):
    """``(dask array of shape (N, 2), [x name, y name])`` for the points in ``path``.

    Raises
    ------
    InputError
        A missing or unreadable file, a format the Dask path does not read, a bad shape
        or column choice; or Dask not installed.
    """
    try:
        import dask.array as da
    except ImportError:
        raise InputError("Dask is not installed: pip install 'gmm-explorer[dask]'") from None
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", path=path)
    rows = chunks or DEFAULT_CHUNK_ROWS
    suffix = p.suffix.lower()
    if suffix == ".npy":
        mm = open_npy_map(p)
        names = [str(i) for i in range(mm.shape[1])]
        cols = [int(c) for c in _pick(names, columns, path)]
        import dask

        # Each block is a task that maps the file where it runs: only the path and the
        # row range travel to a worker, never the points.
        n = int(mm.shape[0])
        blocks = [da.from_delayed(dask.delayed(_npy_block, pure=True)(str(p.resolve()), lo,
                                                                     min(n, lo + rows), cols),
                                  shape=(min(n, lo + rows) - lo, 2), dtype=np.float64)
                  for lo in range(0, n, rows)]
        return da.concatenate(blocks), [str(c) for c in cols]
    try:
        import dask.dataframe as dd
    except ImportError:
        raise InputError("Dask's dataframes are not installed: "
                         "pip install 'gmm-explorer[dask]'") from None
    try:
        if suffix in (".parquet", ".pq") or p.is_dir():
            frame = dd.read_parquet(p)
        elif suffix in (".csv", ".tsv", ".txt"):
            frame = dd.read_csv(p, sep="\t" if suffix == ".tsv" else ",",
                                blocksize=max(1, rows) * 32)
        else:
            raise InputError("fit --dask reads .npy, Parquet, CSV or TSV; convert the file "
                             "(or fit it without --dask)", path=path)
        names = [str(c) for c in frame.columns]
        chosen = _pick(names, columns, path)
        frame = frame[chosen]
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [c for c in chosen
               if not is_numeric_dtype(frame[c].dtype) or is_bool_dtype(frame[c].dtype)]
        if bad:
            raise InputError(f"column {bad[0]!r} is not numeric ({frame[bad[0]].dtype})",
                             path=path)
        return frame.to_dask_array(lengths=True), chosen
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - pyarrow/pandas parse errors of many kinds
        # The library's message, on one line: its last line says what was wrong.
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [""]
        detail = lines[-1] if len(lines[-1]) <= 200 else lines[-1][:200] + "..."
        raise InputError(f"cannot read it as a table ({type(exc).__name__}: {detail})",
                         path=path) from None
