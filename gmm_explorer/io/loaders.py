"""Load 2-D point sets from a user's file: delimited text, ``.npy`` and ``.npz``.

This is the one loader shared by the command line and the window's Open dialog, so it
is pure Python and numpy (no Qt). Every problem with the file's content is reported as
an :class:`~gmm_explorer.errors.InputError` naming the file and, for text, the 1-based
line and the column; no other exception escapes for bad content.

Two entry points:

* :func:`read_table` reads a text table into a header and string cells (for previews
  and a column picker);
* :func:`load_points` builds on the same reader and returns the chosen two columns as
  an ``(N, 2)`` float64 array in a :class:`LoadedData`, with an optional column of
  labels.

A column picker classifies the columns of a :class:`Table` with the loader's own rules
through :func:`numeric_columns`, :func:`index_column`, :func:`label_candidates` and
:func:`suggested_columns`; :func:`file_format` tells a text table from a NumPy file.

Text files
----------
The encoding is UTF-8 (with or without a byte-order mark); bytes that are not valid
UTF-8 are read as Latin-1. A file starting with a UTF-16 byte-order mark is read as
UTF-16. Line endings may be LF, CRLF or CR. Blank lines and lines whose first
non-blank character is ``#`` are skipped. Fields may be quoted with ``"``.

The delimiter is one of tab, ``;``, ``,`` or runs of spaces/tabs. It is chosen from up
to the first 200 non-comment lines: a candidate is *consistent* when every line after
the first splits into the same number ``m >= 2`` of fields and the first line into
``m`` or ``m - 1`` fields. The first consistent candidate in the order tab, ``;``, ``,``,
whitespace wins (``;`` before ``,`` so that decimal-comma files are not split inside
their numbers). If none is consistent, the candidate splitting the most lines alike wins
and the ragged line is reported later.

The first non-comment line is a header when it holds a value that is not a number and
not missing, and either there is nothing after it, or it holds no number at all, or one
of its text values sits above a column that is numeric in the lines below. (A first line
such as ``setosa,5.1,3.5`` is therefore data, not a header.) A header with exactly one
name fewer than the data rows, as R's ``write.table`` writes, gets an empty name for a
leading row-name column.

Missing values are empty cells and, ignoring case, ``NA``, ``N/A``, ``NaN``, ``null``
and ``None``. A number is what Python's ``float`` accepts, restricted to ASCII and
without ``_`` digit separators; ``inf``, ``Infinity`` and overflowing values such as
``1e400`` are numbers but are rejected when they fall in a chosen column.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import compress, islice

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.files import (
    CORRUPT_BINARY,
    UnsupportedNpyVersion,
    read_file_bytes,
    read_npy_header,
)

__all__ = [
    "CLASSIFY_ROWS",
    "INDEX_COLUMN_NAMES",
    "MAX_LABEL_CODES",
    "MISSING_VALUES",
    "LoadedData",
    "Table",
    "file_format",
    "index_column",
    "label_candidates",
    "load_points",
    "numeric_columns",
    "read_table",
    "suggested_columns",
]

#: Cell values (compared after stripping and lower-casing) that mean "missing".
MISSING_VALUES = frozenset({"", "na", "n/a", "nan", "null", "none"})
#: Header names (lower-cased) that mark a leading column as row numbers / row names.
#: ``""`` is what R's ``write.csv`` and pandas' ``to_csv`` write for the index column.
INDEX_COLUMN_NAMES = frozenset({"", "rownames", "index", "id", "unnamed: 0"})

#: Data rows examined to decide which columns are numeric (read this many with
#: ``read_table(path, max_rows=CLASSIFY_ROWS)`` to classify columns as the loader does).
CLASSIFY_ROWS = 1000
#: An integer column is offered as labels (class codes) only with at most this many
#: distinct values; more is a measurement such as a count or a duration.
MAX_LABEL_CODES = 20

#: Lines examined to choose the delimiter and detect the header.
_SNIFF_LINES = 200
#: Columns listed in full in an error message before the list is cut short.
_MAX_LISTED = 12

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a local file header; an empty archive
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)  # None: runs of whitespace
_DELIMITER_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", None: "whitespace"}
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")
_INTEGER = re.compile(r"[+-]?\d+")
_CORRUPT_BINARY = CORRUPT_BINARY


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, eq=False)
class LoadedData:
    """Points read from a file, with what the loader decided on the way.

    Attributes
    ----------
    points : ndarray of shape (n_points, 2)
        Finite float64 coordinates, read-only.
    column_names : tuple of (str, str)
        Names of the X and Y columns. Unnamed columns (no header row, an empty header
        name, or a ``.npy``/``.npz`` array) are called ``"column 0"``, ``"column 1"``, ...
        with their 0-based index.
    column_indices : tuple of (int, int)
        0-based indices of the X and Y columns in the file.
    source : str
        The path as given.
    n_dropped : int
        Rows dropped because a chosen column had a missing value.
    notes : tuple of str
        One-line messages for the user about choices made (columns skipped or picked,
        rows dropped).
    labels : tuple of str, or None
        One label per point, aligned with :attr:`points` (rows dropped for a missing X
        or Y are dropped here too): the cell text of the label column, stripped, with
        ``""`` for a missing cell. None when no label column was asked for.
    label_name : str or None
        Name of the label column, named like :attr:`column_names`; None without labels.
    """

    points: np.ndarray
    column_names: tuple[str, str]
    column_indices: tuple[int, int]
    source: str
    n_dropped: int = 0
    notes: tuple[str, ...] = ()
    labels: tuple[str, ...] | None = None
    label_name: str | None = None

    def __post_init__(self) -> None:
        points = np.array(self.points, dtype=np.float64, order="C", copy=True)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f"points must have shape (N, 2), got {points.shape}")
        points.setflags(write=False)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "column_names", tuple(self.column_names))
        object.__setattr__(self, "column_indices", tuple(int(i) for i in self.column_indices))
        object.__setattr__(self, "notes", tuple(self.notes))
        if self.labels is not None:
            labels = tuple(str(label) for label in self.labels)
            if len(labels) != points.shape[0]:
                raise ValueError(f"labels must have one entry per point: got {len(labels)} "
                                 f"for {points.shape[0]} points")
            object.__setattr__(self, "labels", labels)

    @property
    def n_points(self) -> int:
        """Number of points (rows of :attr:`points`)."""
        return int(self.points.shape[0])


@dataclass(frozen=True)
class Table:
    """A text table as string cells, before any conversion to numbers.

    Attributes
    ----------
    source : str
        The path as given.
    encoding : str
        ``"utf-8"``, ``"utf-8-sig"`` (UTF-8 with a byte-order mark), ``"utf-16"`` or
        ``"latin-1"``.
    delimiter : str or None
        ``","``, ``";"`` or ``"\\t"``; None for runs of spaces and tabs.
    header : tuple of str, or None
        Column names from the header row (stripped; may be ``""``), or None when the
        file has no header row.
    header_line : int or None
        1-based line number of the header row.
    n_columns : int
        Number of fields in every row.
    rows : tuple of tuple of str
        Data rows in file order, each of length ``n_columns``, cells stripped of
        surrounding whitespace and quotes. Comment and blank lines are not included.
    line_numbers : tuple of int
        1-based line number in the file where each row starts; same length as ``rows``.
    complete : bool
        False when ``max_rows`` stopped the reading before the end of the file.
    notes : tuple of str
        Messages about how the file was read (e.g. a header one name short).
    """

    source: str
    encoding: str
    delimiter: str | None
    header: tuple[str, ...] | None
    header_line: int | None
    n_columns: int
    rows: tuple[tuple[str, ...], ...]
    line_numbers: tuple[int, ...]
    complete: bool = True
    notes: tuple[str, ...] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        """Display names: the header names, or ``"column i"`` where a name is missing."""
        return _display_names(self.header, self.n_columns)


# --------------------------------------------------------------------------- public API


def read_table(path: str | os.PathLike, *, max_rows: int | None = None) -> Table:
    """Read a delimited text file into a header and string cells.

    Parameters
    ----------
    path : str or path-like
        The file to read.
    max_rows : int or None
        Stop after this many data rows (for a quick preview); None reads everything.

    Returns
    -------
    table : Table
        Header, rows of string cells and the line number of each row. A file with a
        header and no data rows gives a table with no rows.

    Raises
    ------
    InputError
        The file is missing or unreadable, is a NumPy file or binary, is empty or holds
        only comments, or has a row whose number of fields differs from the header (or,
        without a header, from the first row).
    """
    if max_rows is not None and max_rows < 0:
        raise ValueError("max_rows must be None or >= 0")
    source = _source(path)
    data = _read_bytes(path, source)
    if _detect_format(data, source) != "text":
        raise InputError("is a NumPy file, not a text table", path=source)
    text, encoding = _decode(data, source)
    lines = _split_lines(text)
    layout = _sniff_layout(lines, source)
    parsed = _iter_rows(lines, layout, source)
    if max_rows is not None:
        parsed = islice(parsed, max_rows + 1)
    rows: list[tuple[str, ...]] = []
    numbers: list[int] = []
    complete = True
    for lineno, row in parsed:
        if max_rows is not None and len(rows) == max_rows:
            complete = False
            break
        rows.append(tuple(map(str.strip, row)))
        numbers.append(lineno)
    return Table(source=source, encoding=encoding, delimiter=layout.delimiter,
                 header=layout.header, header_line=layout.header_line,
                 n_columns=layout.n_fields, rows=tuple(rows), line_numbers=tuple(numbers),
                 complete=complete, notes=layout.notes)


def load_points(path: str | os.PathLike,
                columns: str | Sequence[str | int] | None = None,
                labels: str | int | None = None) -> LoadedData:
    """Load a 2-D point set from a text table, a ``.npy`` or a ``.npz`` file.

    The format is read from the content: bytes starting with ``\\x93NUMPY`` are a
    ``.npy`` array, a zip archive is a ``.npz``, anything else is a text table (see the
    module docstring for delimiters, headers, encodings and missing values). A file
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

    Arrays: a ``.npy`` must hold a 2-D array of real numbers (float or integer) with at
    least two columns; by default its first two columns are used. A ``.npz`` must hold a
    single array, or one named ``points`` or ``X``. Nothing is ever unpickled.

    Rows with a missing value (empty, NA, NaN, ...) in a chosen column are dropped and
    counted in ``n_dropped``.

    Labels: with ``labels``, the cells of that column of a text table are returned as
    ``data.labels``, one string per kept point (a missing cell gives ``""``; a missing
    label never drops a row). Any column other than X and Y may be named; a column
    picker offers the text and integer-code columns (:func:`label_candidates`). When
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
    source = _source(path)
    data = _read_bytes(path, source)
    kind = _detect_format(data, source)
    if kind != "text" and labels is not None:
        raise InputError(f"labels need a text table; a .{kind} file holds only numbers, so "
                         "load it without a label column", path=source)
    if kind == "npy":
        return _load_npy(data, source, columns)
    if kind == "npz":
        return _load_npz(data, source, columns)
    return _load_text(data, source, columns, labels)


def file_format(path: str | os.PathLike) -> str:
    """How :func:`load_points` will read ``path``, judged from its first bytes.

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
    source = _source(path)
    return _detect_format(_read_bytes(path, source, limit=8), source)


# --------------------------------------------------------------------------- column kinds


def numeric_columns(table: Table, *, include_index: bool = False) -> tuple[int, ...]:
    """Columns of ``table`` that hold numbers, by the rule :func:`load_points` uses.

    A column is numeric when, over its first :data:`CLASSIFY_ROWS` rows, it holds at
    least one number and no fewer numbers than text values. Give a table read with
    ``max_rows=CLASSIFY_ROWS`` (or more) to classify exactly as the loader does.

    Parameters
    ----------
    table : Table
    include_index : bool
        Keep the leading row-number column that :func:`index_column` finds; by default
        it is left out, as the loader leaves it out of its automatic choice.

    Returns
    -------
    indices : tuple of int
        0-based column indices in file order.
    """
    summaries = _table_summaries(table)
    numeric = tuple(j for j, s in enumerate(summaries) if s.numeric)
    if include_index:
        return numeric
    skip = _index_of(table, summaries)
    return tuple(j for j in numeric if j != skip)


def index_column(table: Table) -> int | None:
    """The leading column :func:`load_points` would skip as row numbers, or None.

    As in the loader's automatic choice, this needs three or more numeric columns of
    which the first is column 0, named like an index (see :data:`INDEX_COLUMN_NAMES`)
    or counting 0, 1, 2, ... or 1, 2, 3, ... over the table's rows.
    """
    return _index_of(table, _table_summaries(table))


def suggested_columns(table: Table) -> tuple[int, int] | None:
    """The X and Y columns :func:`load_points` would choose itself, judged on ``table``.

    Returns None when the table has fewer than two numeric columns (the loader would
    then report an error).
    """
    numeric = numeric_columns(table)
    return (numeric[0], numeric[1]) if len(numeric) >= 2 else None


def label_candidates(table: Table) -> tuple[int, ...]:
    """Columns of ``table`` worth offering as point labels, in file order.

    These are the text columns (more text values than numbers, e.g. a species) and the
    integer-code columns (every value written as a whole number, at most
    :data:`MAX_LABEL_CODES` distinct values, e.g. a cluster number or a year), judged
    on the first :data:`CLASSIFY_ROWS` rows. The row-number column of
    :func:`index_column` is never offered. :func:`load_points` itself accepts any column
    as labels.
    """
    summaries = _table_summaries(table)
    skip = _index_of(table, summaries)
    rows = table.rows[:CLASSIFY_ROWS]
    found = []
    for j, summary in enumerate(summaries):
        if j == skip:
            continue
        if summary.n_text and not summary.numeric:
            found.append(j)
        elif summary.n_numbers and not summary.n_text:
            present = {cell for row in rows
                       if (cell := row[j].strip()).lower() not in MISSING_VALUES}
            if (len(present) <= MAX_LABEL_CODES
                    and all(_INTEGER.fullmatch(cell) for cell in present)):
                found.append(j)
    return tuple(found)


def _table_summaries(table: Table) -> list[_ColumnSummary]:
    rows = table.rows[:CLASSIFY_ROWS]
    return [_summarize([row[j] for row in rows]) for j in range(table.n_columns)]


def _index_of(table: Table, summaries: list[_ColumnSummary]) -> int | None:
    numeric = [j for j, s in enumerate(summaries) if s.numeric]
    kind = _index_kind(table.header, numeric, table.rows[:CLASSIFY_ROWS])
    return None if kind is None else 0


# --------------------------------------------------------------------------- bytes


def _source(path: str | os.PathLike) -> str:
    return os.fsdecode(path)


def _read_bytes(path: str | os.PathLike, source: str, limit: int = -1) -> bytes:
    """Content of ``path`` (the first ``limit`` bytes if >= 0); OS problems become
    InputError naming the path."""
    return read_file_bytes(path, source, limit=limit)


def _detect_format(data: bytes, source: str) -> str:
    """``"npy"``, ``"npz"`` or ``"text"`` from the leading bytes (and the extension)."""
    if data.startswith(_NPY_MAGIC):
        return "npy"
    if data.startswith(_ZIP_MAGICS):
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


# --------------------------------------------------------------------------- text


@dataclass(frozen=True)
class _Layout:
    """How a text file is laid out: delimiter, header and where the data starts."""

    delimiter: str | None
    header: tuple[str, ...] | None
    header_line: int | None  # 1-based
    body_start: int  # 0-based index of the first line after the header
    n_fields: int
    notes: tuple[str, ...] = ()


def _decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and encoding name; binary content is an InputError."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError("starts like UTF-16 text but is not valid UTF-16; save it "
                             "as UTF-8", path=source) from exc
    elif data.startswith(codecs.BOM_UTF8):
        try:
            text, encoding = data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            text, encoding = data[3:].decode("latin-1"), "latin-1"
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    text = text.rstrip("\x1a")  # a DOS end-of-file mark
    head = text[:65536]
    if "\x00" in text or len(_CONTROL.findall(head)) > len(head) // 100:
        hint = ""
        ext = os.path.splitext(source)[1].lower()
        if ext in (".xls", ".xlsx", ".ods"):
            hint = "; export the sheet as CSV"
        raise InputError("does not look like a text table (it holds binary data such as "
                         f"NUL bytes){hint}", path=source)
    return text, encoding


def _split_lines(text: str) -> list[str]:
    # CRLF and lone CR both end a line; str.splitlines would also split on \x0b, \x1c,
    # U+2028 etc. and shift the line numbers an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _is_content(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] != "#"


def _prepare(line: str, delimiter: str | None) -> str:
    # For runs of whitespace the csv module splits on single spaces and skips the rest.
    return line if delimiter is not None else line.replace("\t", " ").strip(" ")


def _reader(lines: Iterator[str], delimiter: str | None):
    if delimiter is None:
        lines = (_prepare(line, None) for line in lines)
    return csv.reader(lines, delimiter=" " if delimiter is None else delimiter,
                      skipinitialspace=True, strict=False)


def _content_indices(lines: list[str], start: int) -> list[int]:
    """0-based indices of the non-blank, non-comment lines from ``start`` on."""
    return [k for k, line in enumerate(islice(lines, start, None), start)
            if (stripped := line.lstrip()) and stripped[0] != "#"]


def _split_line(line: str, delimiter: str | None) -> list[str]:
    try:
        return next(_reader(iter((line,)), delimiter), [])
    except csv.Error:
        return [line]


def _modal(counts: Sequence[int]) -> int:
    return Counter(counts).most_common(1)[0][0]


def _sniff_delimiter(sample: list[str]) -> str | None:
    """The delimiter of a list of non-comment lines (see the module docstring)."""
    best, best_key = ",", None
    for rank, delimiter in enumerate(_DELIMITERS):
        counts = [len(_split_line(line, delimiter)) for line in sample]
        body = counts[1:] or counts
        modal = _modal(body)
        if modal < 2:
            continue
        agree = sum(c == modal for c in body) / len(body)
        consistent = agree == 1.0 and counts[0] in (modal, modal - 1)
        key = (consistent, agree, -rank)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _cell_value(cell: str) -> float | None:
    """The number in a cell, NaN when missing, None when it is text."""
    s = cell.strip()
    if s.lower() in MISSING_VALUES:
        return math.nan
    if not s.isascii() or "_" in s:  # float() would accept "1_000" and "١٢"
        return None
    try:
        return float(s)
    except ValueError:
        return None


@dataclass(frozen=True)
class _ColumnSummary:
    """What the first rows of one column hold."""

    n_numbers: int
    n_missing: int
    n_text: int
    example: str | None  # the first text value

    @property
    def numeric(self) -> bool:
        return self.n_numbers > 0 and self.n_numbers >= self.n_text


def _summarize(cells: Sequence[str]) -> _ColumnSummary:
    n_numbers = n_missing = n_text = 0
    example = None
    for cell in cells:
        value = _cell_value(cell)
        if value is None:
            n_text += 1
            if example is None:
                example = cell.strip()
        elif math.isnan(value):
            n_missing += 1
        else:
            n_numbers += 1
    return _ColumnSummary(n_numbers, n_missing, n_text, example)


def _looks_like_header(first: list[str], body: list[list[str]]) -> bool:
    values = [_cell_value(c) for c in first]
    if all(v is not None for v in values):
        return False  # all numbers or missing: data
    if not body or all(v is None or math.isnan(v) for v in values):
        return True
    # Header one name short (R's write.table): names sit above the columns after the first.
    offset = 1 if len(first) == _modal([len(r) for r in body]) - 1 else 0
    for j, value in enumerate(values):
        if value is None:
            below = [r[j + offset] for r in body if j + offset < len(r)]
            if below and _summarize(below).numeric:
                return True
    return False


def _sniff_layout(lines: list[str], source: str) -> _Layout:
    """Delimiter, header and field count from the first non-comment lines."""
    content: list[tuple[int, str]] = []
    for k, line in enumerate(lines):
        if _is_content(line):
            content.append((k, line))
            if len(content) >= _SNIFF_LINES:
                break
    if not content:
        if not any(line.strip() for line in lines):
            raise InputError("the file is empty", path=source)
        raise InputError("no data: the file holds only comments and blank lines",
                         path=source)
    sample = [line for _, line in content]
    delimiter = _sniff_delimiter(sample)
    split = [_split_line(line, delimiter) for line in sample]
    first, body = split[0], split[1:]
    first_index = content[0][0]
    if not _looks_like_header(first, body):
        return _Layout(delimiter, None, None, first_index, len(first))
    header = tuple(c.strip() for c in first)
    notes: tuple[str, ...] = ()
    if body and len(header) >= 2:
        modal = _modal([len(r) for r in body])
        row = body[0]
        if len(header) == modal - 1 and len(row) == modal and row[-1].strip():
            header = ("",) + header
            notes = ("the header has one name fewer than the data rows (as R's write.table "
                     "writes it); the first column is taken as row names",)
    return _Layout(delimiter, header, first_index + 1, first_index + 1, len(header), notes)


def _iter_rows(lines: list[str], layout: _Layout, source: str,
               indices: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for each data row, checking the field count.

    Fields are as the csv module gives them (quotes removed, not stripped). ``indices``
    are the content lines from :func:`_content_indices`, if already known.
    """
    if indices is None:
        indices = _content_indices(lines, layout.body_start)
    reader = _reader(map(lines.__getitem__, indices), layout.delimiter)
    n_fields = layout.n_fields
    consumed = 0  # lines the reader has taken; a quoted field may span several
    try:
        for row in reader:
            lineno = indices[consumed] + 1
            consumed = reader.line_num
            if len(row) != n_fields:
                raise InputError(_ragged_reason(len(row), layout, indices), path=source,
                                 line=lineno)
            yield lineno, row
    except csv.Error as exc:
        line = indices[min(consumed, len(indices) - 1)] + 1
        raise InputError(f"cannot split the line into fields: {exc}", path=source,
                         line=line) from exc


def _ragged_reason(found: int, layout: _Layout, indices: list[int]) -> str:
    delim = _DELIMITER_NAMES[layout.delimiter]
    if layout.header is not None:
        ref = f"the header (line {layout.header_line}) has {layout.n_fields}"
    else:
        ref = f"the first data row (line {indices[0] + 1}) has {layout.n_fields}"
    return (f"ragged row: {_plural(found, 'field')} but {ref} "
            f"(fields separated by {delim})")


def _display_names(header: tuple[str, ...] | None, n_columns: int) -> tuple[str, ...]:
    if header is None:
        return tuple(f"column {j}" for j in range(n_columns))
    return tuple(name if name else f"column {j}" for j, name in enumerate(header))


def _parse_cells(cells: list[str]) -> tuple[np.ndarray, int | None]:
    """Float64 values of a column's cells (NaN where missing or text) and the first text row."""
    joined = "".join(cells)
    if joined.isascii() and "_" not in joined:
        # Fast path: every cell is a plain number or "nan"; float() then agrees with
        # _cell_value because ASCII-only cells without "_" leave it no extra latitude.
        try:
            return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells)), None
        except ValueError:
            pass
    values = np.empty(len(cells), dtype=np.float64)
    first_text = None
    for k, cell in enumerate(cells):
        value = _cell_value(cell)
        if value is None:
            value = math.nan
            if first_text is None:
                first_text = k
        values[k] = value
    return values, first_text


def _load_text(data: bytes, source: str, columns, label_column) -> LoadedData:
    lines = _split_lines(_decode(data, source)[0])
    layout = _sniff_layout(lines, source)
    names = _display_names(layout.header, layout.n_fields)
    labels = _labels(layout.header, layout.n_fields)
    indices = _content_indices(lines, layout.body_start)

    sample = [row for _, row in islice(_iter_rows(lines, layout, source, indices),
                                       CLASSIFY_ROWS)]
    if not sample:
        raise InputError(f"no data rows after the header on line {layout.header_line}",
                         path=source)
    summaries = [_summarize([row[j] for row in sample]) for j in range(layout.n_fields)]
    has_header = layout.header is not None
    requested = _resolve_columns(columns, names, has_header, source)
    label_at = None
    if label_column is not None:
        label_at = _resolve_one(label_column, names, has_header, source, what="label column")
        if requested is not None and label_at in requested:
            axis = "X" if label_at == requested[0] else "Y"
            raise InputError(f"the label column {labels[label_at]} is also the {axis} "
                             "column; choose another column for the labels", path=source)
    plan = _plan_columns(requested, layout, summaries, labels, sample, source,
                         exclude=label_at)

    # One pass over all rows, keeping only the cells of the needed columns.
    needed = plan.needed
    if label_at is not None:
        needed += (label_at,)
    kept: list[list[str]] = [[] for _ in needed]
    line_numbers: list[int] = []
    appenders = [col.append for col in kept]
    for lineno, row in _iter_rows(lines, layout, source, indices):
        line_numbers.append(lineno)
        for append, j in zip(appenders, needed):
            append(row[j])
    raw = dict(zip(needed, kept))
    parsed = {j: _parse_cells(cells) for j, cells in raw.items() if j != label_at}

    if plan.index_candidate is not None:
        values, first_text = parsed[plan.index_candidate]
        if first_text is None and _is_index(values):
            chosen, notes = plan.if_index
        else:
            chosen, notes = plan.otherwise
    else:
        chosen, notes = plan.otherwise

    # Report the first text or infinite cell among the chosen columns.
    problems = []
    for j in chosen:
        values, first_text = parsed[j]
        if first_text is not None:
            problems.append((first_text, j))
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            problems.append((int(infinite[0]), j))
    if problems:
        row, j = min(problems)
        cell = raw[j][row].strip()
        column = layout.header[j] if layout.header and layout.header[j] else str(j)
        if _cell_value(cell) is None:
            reason = f"text value '{_clip(cell)}' where a number is expected"
            if _DECIMAL_COMMA.fullmatch(cell):
                reason += " (decimal commas are not supported: use '.' as the decimal mark)"
        else:
            reason = f"infinite value '{_clip(cell)}'; points must be finite numbers"
        raise InputError(reason, path=source, line=line_numbers[row], column=column)

    xy = np.column_stack([parsed[j][0] for j in chosen])
    point_labels = None
    if label_at is not None:
        point_labels = tuple("" if (text := cell.strip()).lower() in MISSING_VALUES else text
                             for cell in raw[label_at])
    return _finish(xy, source=source, names=(names[chosen[0]], names[chosen[1]]),
                   indices=chosen, notes=layout.notes + notes,
                   missing_where=f"columns {labels[chosen[0]]} and {labels[chosen[1]]}",
                   labels=point_labels,
                   label_name=None if label_at is None else names[label_at])


def _labels(header: tuple[str, ...] | None, n_columns: int) -> tuple[str, ...]:
    """How columns are named in messages: ``'name'``, or the bare index when unnamed."""
    if header is None:
        return tuple(str(j) for j in range(n_columns))
    return tuple(f"'{name}'" if name else str(j) for j, name in enumerate(header))


def _is_index(values: np.ndarray) -> bool:
    n = values.size
    if n == 0 or values[0] not in (0.0, 1.0):
        return False
    return bool(np.array_equal(values, np.arange(n, dtype=np.float64) + values[0]))


@dataclass(frozen=True)
class _Plan:
    """Columns to read, and the choice to make once column 0 is known in full."""

    needed: tuple[int, ...]
    otherwise: tuple[tuple[int, int], tuple[str, ...]]
    index_candidate: int | None = None
    if_index: tuple[tuple[int, int], tuple[str, ...]] | None = None


def _plan_columns(requested: tuple[int, int] | None, layout: _Layout,
                  summaries: list[_ColumnSummary], labels: tuple[str, ...],
                  sample: list[list[str]], source: str, exclude: int | None = None) -> _Plan:
    """The columns to read for X and Y; ``exclude`` (the label column) is never chosen."""
    if requested is not None:
        return _Plan(needed=requested, otherwise=(requested, ()))
    numeric = [j for j, s in enumerate(summaries) if s.numeric and j != exclude]
    n_columns = layout.n_fields
    if len(numeric) < 2:
        reason = _too_few_numeric(numeric, summaries, labels)
        if exclude is not None and summaries[exclude].numeric:
            reason += f" (not counting the label column {labels[exclude]})"
        raise InputError(reason, path=source)

    def take(pair: list[int], skipped: int | None) -> tuple[tuple[int, int], tuple[str, ...]]:
        i, j = pair
        used = f"using columns {labels[i]} and {labels[j]}"
        rest = [labels[k] for k in numeric if k not in (i, j, skipped)]
        if skipped is not None:
            note = f"skipped index column {labels[skipped]}; {used}"
        elif rest or n_columns > 2:
            note = used
        else:
            return (i, j), ()
        if rest:
            note += "; other numeric columns: " + ", ".join(rest)
        return (i, j), (note,)

    if len(numeric) == 2:
        return _Plan(needed=tuple(numeric), otherwise=take(numeric, None))
    no_index = take(numeric[:2], None)
    kind = _index_kind(layout.header, numeric, sample)
    if kind is None:
        return _Plan(needed=tuple(numeric[:2]), otherwise=no_index)
    with_index = take(numeric[1:3], 0)
    if kind == "name":
        return _Plan(needed=tuple(numeric[1:3]), otherwise=with_index)
    return _Plan(needed=tuple(numeric[:3]), otherwise=no_index, index_candidate=0,
                 if_index=with_index)


def _index_kind(header: tuple[str, ...] | None, numeric: Sequence[int],
                sample: Sequence[Sequence[str]]) -> str | None:
    """Whether column 0 is row numbers to skip when choosing X and Y automatically.

    ``"name"``: its header name says so; ``"values"``: its first rows count 0, 1, ... or
    1, 2, ... (to be confirmed on the whole column); None: not an index. Only with three
    or more numeric candidates, the first being column 0.
    """
    if len(numeric) < 3 or numeric[0] != 0:
        return None
    if header is not None and header[0].lower() in INDEX_COLUMN_NAMES:
        return "name"
    head, first_text = _parse_cells([row[0] for row in sample])
    if first_text is not None or not _is_index(head):
        return None
    return "values"


def _too_few_numeric(numeric: list[int], summaries: list[_ColumnSummary],
                     labels: tuple[str, ...]) -> str:
    described = []
    for j, s in enumerate(summaries[:_MAX_LISTED]):
        if s.numeric:
            what = "numbers"
        elif s.n_text:
            what = f"text such as '{_clip(s.example or '', 20)}'"
        else:
            what = "only missing values"
        described.append(f"{labels[j]} ({what})")
    if len(summaries) > _MAX_LISTED:
        described.append(f"... {len(summaries) - _MAX_LISTED} more")
    found = _plural(len(numeric), "numeric column")
    return (f"need at least two numeric columns, but found {found} among "
            f"{_plural(len(summaries), 'column')}: " + ", ".join(described))


# --------------------------------------------------------------------------- columns


def _resolve_columns(columns, names: tuple[str, ...], has_header: bool,
                     source: str) -> tuple[int, int] | None:
    """0-based indices of the two requested columns, or None to choose automatically."""
    if columns is None:
        return None
    if isinstance(columns, str):
        tokens: list[str | int] = [t.strip() for t in columns.split(",")]
    elif isinstance(columns, Sequence):
        tokens = list(columns)
    else:
        raise InputError(f"columns must be 'X,Y' or a pair, not {columns!r}", path=source)
    if len(tokens) != 2 or any(t == "" for t in tokens):
        raise InputError(f"expected two columns as 'X,Y', got {columns!r}", path=source)
    indices = tuple(_resolve_one(t, names, has_header, source) for t in tokens)
    if indices[0] == indices[1]:
        raise InputError(f"the X and Y columns must differ, but both are {names[indices[0]]!r}",
                         path=source)
    return indices  # type: ignore[return-value]


def _resolve_one(token, names: tuple[str, ...], has_header: bool, source: str,
                 what: str = "column") -> int:
    """0-based index of one column given by name or index; ``what`` names it in errors."""
    n = len(names)
    if isinstance(token, str):
        name = token.strip()
        if name in names:
            return names.index(name)
        folded = [k for k, candidate in enumerate(names) if candidate.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
        if _INTEGER.fullmatch(name):
            token = int(name)
        else:
            raise InputError(f"unknown {what} '{_clip(name)}'; "
                             f"{_available(names, has_header)}", path=source)
    if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
        raise InputError(f"a {what} must be a name or a 0-based index, not {token!r}",
                         path=source)
    if not 0 <= token < n:
        raise InputError(f"{what} index {int(token)} is out of range; "
                         f"{_available(names, has_header)}", path=source)
    return int(token)


def _available(names: tuple[str, ...], has_header: bool) -> str:
    span = f"0-{len(names) - 1}" if len(names) > 1 else "0"
    if not has_header:
        return f"the data has {_plural(len(names), 'column')}, indices {span} (no header row)"
    listed = ", ".join(f"'{name}'" for name in names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        listed += f", ... ({len(names) - _MAX_LISTED} more)"
    return f"available columns: {listed} (or indices {span})"


# --------------------------------------------------------------------------- arrays


def _load_npy(data: bytes, source: str, columns) -> LoadedData:
    _check_npy_header(io.BytesIO(data), len(data), source, "the file")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except _CORRUPT_BINARY as exc:
        raise InputError(f"is not a valid .npy file: {exc}", path=source) from exc
    return _from_array(array, source, columns, ())


def _load_npz(data: bytes, source: str, columns) -> LoadedData:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
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
                listed = ", ".join(f"'{n}'" for n in names[:_MAX_LISTED])
                raise InputError(f"the .npz archive holds {len(names)} arrays ({listed}); "
                                 "expected a single array, or one named 'points' or 'X'",
                                 path=source)
            member = name + ".npy" if name + ".npy" in archive.zip.namelist() else name
            info = archive.zip.getinfo(member)
            what = f"array '{name}' in the .npz archive"
            with archive.zip.open(member) as fh:
                _check_npy_header(fh, info.file_size, source, what)
            array = archive[name]
    except InputError:
        raise
    except _CORRUPT_BINARY as exc:
        hint = ""
        if os.path.splitext(source)[1].lower() in (".xlsx", ".ods"):
            hint = " (a spreadsheet? export the sheet as CSV)"
        raise InputError(f"is not a valid .npz file{hint}: {exc}", path=source) from exc
    notes: tuple[str, ...] = ()
    if len(names) > 1:
        notes = (f"using array '{name}' of " + ", ".join(f"'{n}'" for n in names),)
    return _from_array(array, source, columns, notes)


def _check_npy_header(fh, total_size: int, source: str, what: str) -> None:
    """Validate an npy header (dtype, shape, size) before numpy reads the data."""
    try:
        shape, dtype, header_size = read_npy_header(fh)
    except UnsupportedNpyVersion as exc:
        raise InputError(f"{what} {exc}, which only structured arrays need; save a plain 2-D "
                         "array", path=source) from None
    except _CORRUPT_BINARY as exc:
        raise InputError(f"{what} is not a valid .npy array: {exc}", path=source) from exc
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
        reason = (f"has only {_plural(shape[1], 'column')} (shape {shape}); "
                  "need at least two")
    elif shape[0] == 0:
        reason = f"holds no points (shape {shape})"
    else:
        needed = math.prod(shape) * dtype.itemsize
        if total_size - header_size < needed:
            reason = (f"is truncated: its header promises {needed} bytes of data but only "
                      f"{max(total_size - header_size, 0)} follow")
        else:
            return
    raise InputError(f"{what} {reason}", path=source)


def _from_array(array: np.ndarray, source: str, columns, notes: tuple[str, ...]) -> LoadedData:
    n_columns = array.shape[1]
    names = _display_names(None, n_columns)
    chosen = _resolve_columns(columns, names, False, source)
    if chosen is None:
        chosen = (0, 1)
        if n_columns > 2:
            notes += (f"using columns 0 and 1 of {n_columns}",)
    if array.shape[0] == 2 and n_columns > 2:
        notes += (f"the array has shape {array.shape}: 2 points of {n_columns} coordinates; "
                  "if the points are its columns, save its transpose",)
    with np.errstate(over="ignore", invalid="ignore"):
        xy = array[:, list(chosen)].astype(np.float64)
    bad = np.isinf(xy)
    if bad.any():
        row, slot = np.argwhere(bad)[0]
        raise InputError(f"infinite value {xy[row, slot]} at row index {row} (0-based); "
                         "points must be finite numbers", path=source,
                         column=str(chosen[slot]))
    return _finish(xy, source=source, names=(names[chosen[0]], names[chosen[1]]),
                   indices=chosen, notes=notes,
                   missing_where=f"columns {chosen[0]} and {chosen[1]}")


# --------------------------------------------------------------------------- common


def _finish(xy: np.ndarray, *, source: str, names: tuple[str, str], indices: tuple[int, int],
            notes: tuple[str, ...], missing_where: str, labels: tuple[str, ...] | None = None,
            label_name: str | None = None) -> LoadedData:
    """Drop rows with NaN (and their labels), check something is left, and wrap up."""
    keep = ~np.isnan(xy).any(axis=1)
    n_dropped = int(xy.shape[0] - np.count_nonzero(keep))
    if n_dropped == xy.shape[0]:
        raise InputError(f"no points left: all {_plural(n_dropped, 'data row')} have a missing "
                         f"value in {missing_where}", path=source)
    if n_dropped:
        xy = xy[keep]
        if labels is not None:
            labels = tuple(compress(labels, keep.tolist()))
        notes += (f"dropped {_plural(n_dropped, 'row')} with missing values in the chosen "
                  "columns",)
    return LoadedData(points=xy, column_names=names, column_indices=indices, source=source,
                      n_dropped=n_dropped, notes=notes, labels=labels, label_name=label_name)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
