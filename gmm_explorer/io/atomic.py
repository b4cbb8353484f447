"""Atomic file writes: a temporary file in the same folder, then ``os.replace``.

A reader never sees a half-written file, and a failed write leaves the old file (or no
file) in place.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from gmm_explorer.errors import InputError


def _encode(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def atomic_write_many(outputs) -> None:
    """Write several files so that either all are replaced or none is.

    Parameters
    ----------
    outputs : iterable of (path, str or bytes)
        Text is written as UTF-8.

    Raises
    ------
    InputError
        Naming the file that could not be written (missing folder, permissions, disk full).
        All temporary files are removed and no destination is touched.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in outputs:
            path = Path(path)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                           dir=path.parent if str(path.parent) else ".")
                staged.append((tmp, path))
                with os.fdopen(fd, "wb") as f:
                    f.write(_encode(data))
                    f.flush()
                    os.fsync(f.fileno())
            except OSError as exc:
                raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
        for tmp, path in staged:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise InputError(f"cannot write: {exc.strerror or exc}", path=str(path)) from None
    finally:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            except OSError:  # pragma: no cover - best effort cleanup
                pass


def atomic_write(path, data: str | bytes) -> None:
    """Write one file atomically (see :func:`atomic_write_many`)."""
    atomic_write_many([(path, data)])
