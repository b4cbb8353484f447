"""Reading a user's files safely: one place for the OS errors and for .npy headers.

Shared by the point loaders, the parameters and session formats and the exports, so that
every reader reports a missing, unreadable or oversized file the same way.
"""

from __future__ import annotations

import json
import os
import tokenize
import zipfile
import zlib

import numpy as np

from gmm_explorer.errors import InputError

#: Exceptions numpy, zipfile and zlib raise on corrupt or hostile binary input. numpy
#: tokenizes and literal_evals the .npy header, hence TokenError and SyntaxError; an odd
#: header dtype (e.g. the alias 'a') warns, which is an exception under "-W error".
CORRUPT_BINARY = (ValueError, TypeError, KeyError, EOFError, OSError, RuntimeError,
                  NotImplementedError, OverflowError, MemoryError, SyntaxError,
                  tokenize.TokenError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
                  Warning)


def read_file_bytes(path: str | os.PathLike, source: str | None = None, *, what: str = "file",
                    limit: int = -1, max_bytes: int | None = None) -> bytes:
    """The content of ``path`` (its first ``limit`` bytes if ``limit`` >= 0).

    Parameters
    ----------
    path : str or os.PathLike
    source : str, optional
        How to name the file in messages (default: the path as given).
    what : str
        The kind of file, for messages ("is a folder, not a session file").
    limit : int
        Read at most this many bytes (-1: all).
    max_bytes : int, optional
        Refuse larger files.

    Raises
    ------
    InputError
        Naming the file: missing, a folder, unreadable, or larger than ``max_bytes``.
    """
    source = str(path) if source is None else source
    try:
        if os.path.isdir(path):
            raise InputError(f"is a folder, not a {what}", path=source)
        if max_bytes is not None and os.path.getsize(path) > max_bytes:
            raise InputError(f"is larger than {max_bytes // 2**20} MiB; not a {what}",
                             path=source)
        with open(path, "rb") as fh:
            return fh.read(limit)
    except InputError:
        raise
    except FileNotFoundError as exc:
        raise InputError("no such file", path=source) from exc
    except IsADirectoryError as exc:
        raise InputError(f"is a folder, not a {what}", path=source) from exc
    except PermissionError as exc:
        raise InputError("permission denied: the file cannot be read", path=source) from exc
    except (OSError, ValueError) as exc:  # ValueError: e.g. a NUL character in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot read the file: {reason}", path=source) from exc


class UnsupportedNpyVersion(ValueError):
    """A .npy header of a format version other than 1.0 and 2.0 (``version``)."""

    def __init__(self, version: tuple[int, int]) -> None:
        self.version = version
        super().__init__(f"uses .npy format version {version[0]}.{version[1]}")


def read_npy_header(fh) -> tuple[tuple[int, ...], np.dtype, int]:
    """Read a .npy header from an open binary file, before any data.

    Returns
    -------
    shape : tuple of int
    dtype : numpy.dtype
    header_size : int
        Bytes taken by the magic and header (the data follows).

    Raises
    ------
    UnsupportedNpyVersion
        For versions other than 1.0 and 2.0 (3.0 exists only for structured arrays).
    Exception
        Any of :data:`CORRUPT_BINARY` for damaged headers; callers turn them into their
        own :class:`InputError`.
    """
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise UnsupportedNpyVersion(version)
    return shape, dtype, fh.tell()


def loads_json(text: str, path: str | None, *, what: str, error_prefix: str):
    """Parse strict JSON from a user's file: NaN and Infinity are refused.

    Parameters
    ----------
    text : str
    path : str or None
        Named in error messages.
    what : str
        The kind of file ("parameters file"), for the NaN/Infinity message.
    error_prefix : str
        Start of every error message, e.g. "not valid JSON".

    Raises
    ------
    InputError
        ``"<error_prefix>: <reason>"``, with the line for a syntax error.
    """
    def reject_constant(name: str):
        raise ValueError(f"{name} is not allowed in a {what}")

    try:
        return json.loads(text, parse_constant=reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"{error_prefix}: {exc.msg} (column {exc.colno})", path=path,
                         line=exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{error_prefix}: {exc}", path=path) from None
