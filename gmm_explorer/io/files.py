"""Reading a user's files safely: one place for the OS errors, text decoding and JSON.

Shared by the point loaders, the parameters and session formats and the exports, so that
every reader reports a missing, unreadable or oversized file the same way. NumPy files
are read by :mod:`gmm_explorer.io.arrays`.
"""

from __future__ import annotations

import json
import os

from gmm_explorer.errors import InputError


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


def read_text_file(path: str | os.PathLike, *, what: str, max_bytes: int, encoding: str,
                   not_text: str) -> str:
    """The decoded content of one of our own small text files (parameters, session).

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        The kind of file, for messages (see :func:`read_file_bytes`).
    max_bytes : int
        Refuse larger files.
    encoding : str
        ``"utf-8"``, or ``"utf-8-sig"`` to accept a byte-order mark.
    not_text : str
        The message when the bytes are not valid in ``encoding``; ``{byte}`` in it is
        replaced by the offset of the first bad byte.

    Raises
    ------
    InputError
        Naming the file: as :func:`read_file_bytes`, or ``not_text``.
    """
    raw = read_file_bytes(path, what=what, max_bytes=max_bytes)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise InputError(not_text.format(byte=exc.start), path=str(path)) from None


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
