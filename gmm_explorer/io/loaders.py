"""Load 2-D point sets from a user's file: delimited text, ``.npy``, ``.npz``, Excel
(``.xlsx``), Parquet and Feather.

The public entry of the loading stages, shared by the command line and the window's
Open dialog (pure Python and numpy, no Qt). :func:`load_points` reads the file's bytes
once, tells its format from them (:func:`~gmm_explorer.io.arrays.detect_format`) and
hands them to one branch:

* text tables: :mod:`~gmm_explorer.io.text_points`, built on
  :mod:`~gmm_explorer.io.text_table` (bytes → cells), :mod:`~gmm_explorer.io.cells`
  (what a cell holds) and :mod:`~gmm_explorer.io.columns` (which columns are X and Y);
* ``.npy`` and ``.npz``: :mod:`~gmm_explorer.io.array_points`, built on the safe readers
  of :mod:`~gmm_explorer.io.arrays`;
* Excel, Parquet and Feather: :mod:`~gmm_explorer.io.binary_tables` (the optional extra
  ``gmm-explorer[formats]``), which turns the file into the cells and row numbers of a
  table and then follows the text rules.

Both end in :mod:`~gmm_explorer.io.points`, whose :class:`LoadedData` is the result.
Every problem with the file's content is reported as an
:class:`~gmm_explorer.errors.InputError` naming the file and, for text, the 1-based
line and the column; no other exception escapes for bad content.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from gmm_explorer.errors import InputError
from gmm_explorer.io.array_points import load_npy_points, load_npz_points
from gmm_explorer.io.arrays import NPY_MAGIC, TABLE_FORMATS, detect_format
from gmm_explorer.io.files import read_file_bytes
from gmm_explorer.io.points import LoadedData
from gmm_explorer.io.text_points import load_text_points

__all__ = ["load_points", "load_points_text"]


def load_points(path: str | os.PathLike,
                columns: str | Sequence[str | int] | None = None,
                labels: str | int | None = None,
                weights: str | int | None = None) -> LoadedData:
    """Load a 2-D point set from a text table, a ``.npy``, a ``.npz``, an Excel workbook
    (``.xlsx``), a Parquet or a Feather file.

    The format is read from the content: bytes starting with ``\\x93NUMPY`` are a
    ``.npy`` array, a zip archive is a ``.npz``, anything else is a text table (see
    :mod:`~gmm_explorer.io.text_table` for delimiters, headers and encodings, and
    :mod:`~gmm_explorer.io.cells` for numbers and missing values). A file
    named ``.npy``/``.npz`` that is not one is an error, not text.

    Choosing the columns of a text table (when ``columns`` is None):

    * A column is *numeric* when, over its first 1000 data rows, at least one value is
      a number and numbers are at least as many as text values (missing values do not
      count). A numeric column with a stray text value is thus still a candidate, and
      if chosen the stray value is reported with its line.
    * Exactly two numeric columns: those two.
    * More: if the file's first column is numeric and is an index (its header name is
      ``rownames``, ``index``, ``id``, ``Unnamed: 0`` or empty, ignoring case, or its
      values are exactly 0, 1, ..., N-1 or 1, 2, ..., N), it is skipped. Then the first
      two numeric columns are taken. A note says which columns were used.
    * Fewer than two numeric columns is an error describing the columns found.

    Excel, Parquet and Feather files are read as the text table they would be saved as
    (see :mod:`~gmm_explorer.io.binary_tables`): the same rules choose the columns, the
    labels and the weights, and a bad cell is named by its row. Their readers are the
    optional extra ``gmm-explorer[formats]``; without it the error names the extra.

    Arrays: a ``.npy`` must hold a 2-D array of real numbers (float or integer) with at
    least two columns; by default its first two columns are used. A ``.npz`` must hold a
    single array, or one named ``points`` or ``X``. Nothing is ever unpickled.

    Rows with a missing value (empty, NA, NaN, ...) in a chosen column are dropped and
    counted in ``n_dropped``.

    Labels: with ``labels``, the cells of that column of a text table are returned as
    ``data.labels``, one string per kept point (a missing cell gives ``""``; a missing
    label never drops a row). Any column other than X and Y may be named; a column
    picker offers the text and integer-code columns
    (:func:`~gmm_explorer.io.columns.label_candidates`). When
    ``columns`` is None the label column is left out of the automatic choice of X and Y.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    columns : str, sequence of two str/int, or None
        The X and Y columns: ``"A,B"`` (names or 0-based indices, mixed allowed,
        whitespace stripped) or a pair such as ``("eruptions", 2)``. A string matching a
        column name is a name (exact match first, then ignoring case); otherwise an
        integer string is an index. None chooses automatically as described above.
    labels : str, int or None
        The label column, as a name or 0-based index under the same rules as one of
        ``columns`` (e.g. ``"Species"``); None for no labels.
    weights : str, int or None
        A column of sample weights (frequencies: a point of weight 2 counts twice), named
        as one of ``columns`` (a ``.npy``/``.npz`` column by index). Its values must be
        finite numbers >= 0, not all zero; a row with a missing weight is dropped. It is
        left out of the automatic choice of X and Y. None: every point counts once.

    Returns
    -------
    data : LoadedData
        ``data.points`` is a read-only float64 array of shape (n_points, 2), all finite,
        with ``n_points >= 1``.

    Raises
    ------
    InputError
        For every problem with the file or with ``columns``: missing or unreadable file,
        binary content, bad array type or shape, ragged rows, text or infinite values in
        a chosen column (with its line and column), unknown column, or no data left;
        an unknown label column, a label column that is also X or Y, or labels asked of
        a ``.npy``/``.npz`` file.
    """
    source = os.fsdecode(path)
    # A .npy is read a block at a time into the points' array (load_npy_points), not
    # first as bytes: only its first bytes are read here.
    data = None
    kind = "npy"
    if read_file_bytes(path, source, limit=len(NPY_MAGIC)) != NPY_MAGIC:
        data = read_file_bytes(path, source)
        kind = detect_format(data, source)
    if kind in TABLE_FORMATS:
        from gmm_explorer.io.binary_tables import load_table_points

        return load_table_points(data, source, kind, columns, labels, weights)
    if kind != "text" and labels is not None:
        raise InputError(f"labels need a text table; a .{kind} file holds only numbers, so "
                         "load it without a label column", path=source)
    if kind == "npy":
        return load_npy_points(path, source, columns, weights)
    if kind == "npz":
        return load_npz_points(data, source, columns, weights)
    return load_text_points(data, source, columns, labels, weights)


def load_points_text(text: str, source: str = "the clipboard",
                     columns: str | Sequence[str | int] | None = None,
                     labels: str | int | None = None,
                     weights: str | int | None = None) -> LoadedData:
    """:func:`load_points` for a text table already in hand: cells copied from a
    spreadsheet (tab-separated lines) or lines of numbers, as Edit › Paste takes them.

    Every rule of a text table applies (delimiter, header, columns, labels, weights,
    missing and bad values); ``source`` names the text in messages and becomes
    ``data.source``.
    """
    return load_text_points(text.encode("utf-8"), source, columns, labels, weights)
