"""NumPy files read safely: the one place that knows the ``.npy`` and ``.npz`` formats.

Stage one of loading a file: its first bytes say whether it is a ``.npy`` array, a
``.npz`` (zip) archive, an Excel workbook (a zip too), a Parquet or Feather file, or text
(:func:`detect_format`). Every NumPy file a user gives us
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
    "FEATHER_MAGICS",
    "OLE2_MAGIC",
    "PARQUET_MAGIC",
    "TABLE_FORMATS",
    "NpyHeader",
    "UnsupportedNpyVersion",
    "detect_format",
    "file_format",
    "load_numpy",
    "read_npy_header",
    "zip_names",
]

#: The first bytes of a ``.npy`` file.
NPY_MAGIC = b"\x93NUMPY"
#: The first bytes of a zip archive (hence of a ``.npz``): a local file header; an empty
#: archive.
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

#: The first bytes of a Parquet file (which ends with them too).
PARQUET_MAGIC = b"PAR1"
#: The first bytes of a Feather file: version 2 (an Arrow IPC file) and version 1.
FEATHER_MAGICS = (b"ARROW1", b"FEA1")
#: The first bytes of an OLE2 compound document: Excel 97–2003's .xls, among others.
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Formats :func:`detect_format` names besides "npy", "npz" and "text": tables read by
#: :mod:`~gmm_explorer.io.binary_tables`.
TABLE_FORMATS = ("xlsx", "parquet", "feather")

#: Exceptions numpy, zipfile and zlib raise on corrupt or hostile binary input. numpy
#: tokenizes and literal_evals the .npy header, hence TokenError and SyntaxError; an odd
#: header dtype (e.g. the alias 'a') warns, which is an exception under "-W error".
CORRUPT_BINARY = (ValueError, TypeError, KeyError, EOFError, OSError, RuntimeError,
                  NotImplementedError, OverflowError, MemoryError, SyntaxError,
                  tokenize.TokenError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error,
                  Warning)


# --------------------------------------------------------------------------- format


def detect_format(data: bytes, source: str, zip_members: list[str] | None = None) -> str:
    """The format of a file from its leading bytes (and its extension).

    Returns
    -------
    kind : str
        ``"npy"``, ``"npz"``, ``"text"``, or one of :data:`TABLE_FORMATS`: ``"xlsx"`` (a
        zip archive holding ``xl/workbook.xml``), ``"parquet"`` or ``"feather"``.

    Parameters
    ----------
    data : bytes
        The whole file, or (with ``zip_members``) at least its first 8 bytes.
    zip_members : list of str, optional
        The members of the archive when ``data`` is only the start of a zip file.

    Raises
    ------
    InputError
        ``data`` is empty; the file is an Excel 97–2003 workbook or an OpenDocument
        spreadsheet; or it is named ``.npy``/``.npz`` but does not start like one.
    """
    if data.startswith(NPY_MAGIC):
        return "npy"
    if data.startswith(PARQUET_MAGIC):
        return "parquet"
    if data.startswith(FEATHER_MAGICS):
        return "feather"
    if data.startswith(OLE2_MAGIC):
        raise InputError("is an Excel 97–2003 workbook (.xls) or another OLE2 document, "
                         "which cannot be read; save it as .xlsx or CSV", path=source)
    ext = os.path.splitext(source)[1].lower()
    if data.startswith(ZIP_MAGICS):
        names = zip_names(data) if zip_members is None else zip_members
        # A damaged workbook's members may be unreadable: its name then says what it is.
        if "xl/workbook.xml" in names or ext in (".xlsx", ".xlsm"):
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            raise InputError("is an OpenDocument spreadsheet (.ods), which cannot be read; "
                             "save it as .xlsx or CSV", path=source)
        return "npz"
    if not data:
        raise InputError("the file is empty", path=source)
    if ext == ".npy":
        raise InputError("is not a valid .npy file: it does not start with the NumPy "
                         "header", path=source)
    if ext == ".npz":
        raise InputError("is not a valid .npz file: it is not a zip archive", path=source)
    if ext == ".parquet":
        raise InputError("is not a valid Parquet file: it does not start with 'PAR1'",
                         path=source)
    return "text"


def zip_names(data_or_path) -> list[str]:
    """The members of a zip archive (its bytes, or a path); [] when it cannot be read."""
    try:
        source = io.BytesIO(data_or_path) if isinstance(data_or_path, bytes) else data_or_path
        with zipfile.ZipFile(source) as archive:
            return archive.namelist()
    except CORRUPT_BINARY:  # such as "zip file version 6.4" (NotImplementedError)
        return []


def file_format(path: str | os.PathLike) -> str:
    """How :func:`~gmm_explorer.io.loaders.load_points` will read ``path``, judged from its
    first bytes (and, for a zip archive, its members).

    Returns
    -------
    kind : str
        As :func:`detect_format`.

    Raises
    ------
    InputError
        As :func:`detect_format`, or the file is missing or unreadable.
    """
    source = os.fsdecode(path)
    head = read_file_bytes(path, source, limit=8)
    members = zip_names(path) if head.startswith(ZIP_MAGICS) else None
    return detect_format(head, source, members)


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
    fortran_order : bool
        The data is stored column by column.
    """

    shape: tuple[int, ...]
    dtype: np.dtype
    data_size: int
    fortran_order: bool = False

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
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise UnsupportedNpyVersion(version)
    return NpyHeader(shape=shape, dtype=dtype, data_size=total_size - fh.tell(),
                     fortran_order=bool(fortran))


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
