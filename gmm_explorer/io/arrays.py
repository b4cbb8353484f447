"""NumPy files read safely: the one place that knows the ``.npy`` and ``.npz`` formats.

Stage one of loading a file: its first bytes say whether it is a ``.npy`` array, a
``.npz`` (zip) archive or text (:func:`detect_format`). Every NumPy file a user gives us
is then read here, by the point loader (:mod:`~gmm_explorer.io.array_points`) and by the
parameter exports (:mod:`~gmm_explorer.io.export`) alike:

* an array's header is read first (:func:`read_npy_header`, on the file or on an
  archive member), so that its dtype, shape and size are checked before numpy reads
  any data;
* numpy reads the bytes only through :func:`load_numpy`, always with
  ``allow_pickle=False``: nothing is ever unpickled from a user's file;
* whatever numpy, zipfile or zlib raise on damaged bytes is one of
  :data:`CORRUPT_BINARY`, which callers turn into their own
  :class:`~gmm_explorer.errors.InputError`.
"""

from __future__ import annotations

import io
import math
import os
import tokenize
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.files import read_file_bytes

__all__ = [
    "CORRUPT_BINARY",
    "NPY_MAGIC",
    "ZIP_MAGICS",
    "NpyHeader",
    "UnsupportedNpyVersion",
    "detect_format",
    "file_format",
    "load_numpy",
    "read_npy_header",
]

#: The first bytes of a ``.npy`` file.
NPY_MAGIC = b"\x93NUMPY"
#: The first bytes of a zip archive (hence of a ``.npz``): a local file header; an empty
#: archive.
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

#: Exceptions numpy, zipfile and zlib raise on corrupt or hostile binary input. numpy
#: tokenizes and literal_evals the .npy header, hence TokenError and SyntaxError; an odd
#: header dtype (e.g. the alias 'a') warns, which is an exception under "-W error".
CORRUPT_BINARY = (ValueError, TypeError, KeyError, EOFError, OSError, RuntimeError,
                  NotImplementedError, OverflowError, MemoryError, SyntaxError,
                  tokenize.TokenError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
                  Warning)


# --------------------------------------------------------------------------- format


def detect_format(data: bytes, source: str) -> str:
    """``"npy"``, ``"npz"`` or ``"text"`` from the leading bytes (and the extension).

    Raises
    ------
    InputError
        ``data`` is empty, or the file is named ``.npy``/``.npz`` but does not start
        like one.
    """
    if data.startswith(NPY_MAGIC):
        return "npy"
    if data.startswith(ZIP_MAGICS):
        return "npz"
    if not data:
        raise InputError("the file is empty", path=source)
    ext = os.path.splitext(source)[1].lower()
    if ext == ".npy":
        raise InputError("is not a valid .npy file: it does not start with the NumPy "
                         "header", path=source)
    if ext == ".npz":
        raise InputError("is not a valid .npz file: it is not a zip archive", path=source)
    return "text"


def file_format(path: str | os.PathLike) -> str:
    """How :func:`~gmm_explorer.io.loaders.load_points` will read ``path``, judged from its
    first bytes.

    Returns
    -------
    kind : str
        ``"npy"``, ``"npz"`` or ``"text"``.

    Raises
    ------
    InputError
        The file is missing, unreadable or empty, or is named ``.npy``/``.npz`` but does
        not start like one.
    """
    source = os.fsdecode(path)
    return detect_format(read_file_bytes(path, source, limit=8), source)


# --------------------------------------------------------------------------- headers


class UnsupportedNpyVersion(ValueError):
    """A .npy header of a format version other than 1.0 and 2.0 (``version``)."""

    def __init__(self, version: tuple[int, int]) -> None:
        self.version = version
        super().__init__(f"uses .npy format version {version[0]}.{version[1]}")


@dataclass(frozen=True)
class NpyHeader:
    """What a .npy header says about its array, read before any of the data.

    Attributes
    ----------
    shape : tuple of int
    dtype : numpy.dtype
    data_size : int
        Bytes that follow the header in the file (may be fewer than the array needs).
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    data_size: int

    def truncation(self) -> str | None:
        """Why the data is too short for the shape and dtype, or None when it is not."""
        needed = math.prod(self.shape) * self.dtype.itemsize
        if self.data_size >= needed:
            return None
        return (f"is truncated: its header promises {needed} bytes of data but only "
                f"{max(self.data_size, 0)} follow")


def read_npy_header(fh, total_size: int) -> NpyHeader:
    """Read the header of a .npy file from an open binary file, before any data.

    Parameters
    ----------
    fh : binary file object
        Positioned at the start of the .npy content.
    total_size : int
        Bytes in the whole .npy content, header included.

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
    return NpyHeader(shape=shape, dtype=dtype, data_size=total_size - fh.tell())


# --------------------------------------------------------------------------- reading


def load_numpy(data: bytes):
    """What numpy reads from the bytes of a .npy or .npz file, never unpickling.

    Returns
    -------
    ndarray or numpy.lib.npyio.NpzFile
        For a .npy, its array: check its :func:`read_npy_header` first. For a .npz,
        numpy's lazy archive, to use as a context manager: check the header of each
        array's member (``archive.zip.open``) before reading it with ``archive[name]``.

    Raises
    ------
    Exception
        Any of :data:`CORRUPT_BINARY` for damaged bytes.
    """
    # The only call of np.load on a user's bytes: never with pickles.
    return np.load(io.BytesIO(data), allow_pickle=False)
