"""Text tables: a file's bytes → decoded lines → a delimiter and header → rows of cells.

The stage before any number is read. :func:`read_table` gives a :class:`Table` of string
cells (for previews and a column picker); :mod:`~gmm_explorer.io.text_points` reads the
points through the same :func:`sniff_layout` and :func:`iter_rows`.

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
not missing (see :mod:`~gmm_explorer.io.cells`), and either there is nothing after it,
or it holds no number at all, or one of its text values sits above a column that is
numeric in the lines below. (A first line such as ``setosa,5.1,3.5`` is therefore data,
not a header.) A header with exactly one name fewer than the data rows, as R's
``write.table`` writes, gets an empty name for a leading row-name column.
"""

from __future__ import annotations

import codecs
import csv
import math
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from gmm_explorer.errors import InputError
from gmm_explorer.io.arrays import detect_format
from gmm_explorer.io.cells import cell_value, summarize
from gmm_explorer.io.files import read_file_bytes
from gmm_explorer.io.points import display_names, plural

__all__ = [
    "Layout",
    "Table",
    "content_lines",
    "decode_text",
    "iter_rows",
    "looks_like_header",
    "read_table",
    "read_table_text",
    "sniff_layout",
    "split_lines",
]

#: Lines examined to choose the delimiter and detect the header.
_SNIFF_LINES = 200
_DELIMITERS: tuple[str | None, ...] = ("\t", ";", ",", None)  # None: runs of whitespace
_DELIMITER_NAMES = {"\t": "tab", ";": "semicolon", ",": "comma", None: "whitespace"}
_CONTROL = re.compile(r"[\x01-\x08\x0e-\x1f\x7f]")


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
    kind : str
        ``"text"``, or the binary format the table was read from (``"xlsx"``,
        ``"parquet"``, ``"feather"``; :mod:`~gmm_explorer.io.binary_tables`), whose
        ``line_numbers`` are then row numbers.
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
    kind: str = "text"

    @property
    def column_names(self) -> tuple[str, ...]:
        """Display names: the header names, or ``"column i"`` where a name is missing."""
        return display_names(self.header, self.n_columns)


@dataclass(frozen=True)
class Layout:
    """How a text file is laid out: delimiter, header and where the data starts."""

    delimiter: str | None
    header: tuple[str, ...] | None
    header_line: int | None  # 1-based
    body_start: int  # 0-based index of the first line after the header
    n_fields: int
    notes: tuple[str, ...] = ()


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
    source = os.fsdecode(path)
    data = read_file_bytes(path, source)
    kind = detect_format(data, source)
    if kind != "text":
        what = "a NumPy file" if kind in ("npy", "npz") else f"a {kind} file"
        raise InputError(f"is {what}, not a text table", path=source)
    text, encoding = decode_text(data, source)
    return _table(text, encoding, source, max_rows)


def read_table_text(text: str, source: str, *, max_rows: int | None = None) -> Table:
    """:func:`read_table` of text already in hand, such as cells copied from a
    spreadsheet (tab-separated) and pasted; ``source`` names it in messages."""
    if max_rows is not None and max_rows < 0:
        raise ValueError("max_rows must be None or >= 0")
    text, encoding = decode_text(text.encode("utf-8"), source)
    return _table(text, encoding, source, max_rows)


def _table(text: str, encoding: str, source: str, max_rows: int | None) -> Table:
    lines = split_lines(text)
    layout = sniff_layout(lines, source)
    parsed = iter_rows(lines, layout, source)
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


# --------------------------------------------------------------------------- text


def decode_text(data: bytes, source: str) -> tuple[str, str]:
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


def split_lines(text: str) -> list[str]:
    """The lines of ``text``, ended by LF, CRLF or a lone CR."""
    # str.splitlines would also split on \x0b, \x1c, U+2028 etc. and shift the line
    # numbers an editor shows.
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def content_lines(lines: list[str], start: int) -> list[int]:
    """0-based indices of the non-blank, non-comment lines from ``start`` on."""
    return [k for k, line in enumerate(islice(lines, start, None), start)
            if (stripped := line.lstrip()) and stripped[0] != "#"]


def _is_content(line: str) -> bool:
    stripped = line.lstrip()
    return bool(stripped) and stripped[0] != "#"


def _reader(lines: Iterator[str], delimiter: str | None):
    if delimiter is None:
        # For runs of whitespace the csv module splits on single spaces and skips the rest.
        lines = (line.replace("\t", " ").strip(" ") for line in lines)
    return csv.reader(lines, delimiter=" " if delimiter is None else delimiter,
                      skipinitialspace=True, strict=False)


def _split_line(line: str, delimiter: str | None) -> list[str]:
    try:
        return next(_reader(iter((line,)), delimiter), [])
    except csv.Error:
        return [line]


# --------------------------------------------------------------------------- layout


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


def looks_like_header(first: list[str], body: list[list[str]]) -> bool:
    values = [cell_value(c) for c in first]
    if all(v is not None for v in values):
        return False  # all numbers or missing: data
    if not body or all(v is None or math.isnan(v) for v in values):
        return True
    # Header one name short (R's write.table): names sit above the columns after the first.
    offset = 1 if len(first) == _modal([len(r) for r in body]) - 1 else 0
    for j, value in enumerate(values):
        if value is None:
            below = [r[j + offset] for r in body if j + offset < len(r)]
            if below and summarize(below).numeric:
                return True
    return False


def sniff_layout(lines: list[str], source: str) -> Layout:
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
    if not looks_like_header(first, body):
        return Layout(delimiter, None, None, first_index, len(first))
    header = tuple(c.strip() for c in first)
    notes: tuple[str, ...] = ()
    if body and len(header) >= 2:
        modal = _modal([len(r) for r in body])
        row = body[0]
        if len(header) == modal - 1 and len(row) == modal and row[-1].strip():
            header = ("",) + header
            notes = ("the header has one name fewer than the data rows (as R's write.table "
                     "writes it); the first column is taken as row names",)
    return Layout(delimiter, header, first_index + 1, first_index + 1, len(header), notes)


# --------------------------------------------------------------------------- rows


def iter_rows(lines: list[str], layout: Layout, source: str,
              indices: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, fields)`` for each data row, checking the field count.

    Fields are as the csv module gives them (quotes removed, not stripped). ``indices``
    are the content lines from :func:`content_lines`, if already known.
    """
    if indices is None:
        indices = content_lines(lines, layout.body_start)
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


def _ragged_reason(found: int, layout: Layout, indices: list[int]) -> str:
    delim = _DELIMITER_NAMES[layout.delimiter]
    if layout.header is not None:
        ref = f"the header (line {layout.header_line}) has {layout.n_fields}"
    else:
        ref = f"the first data row (line {indices[0] + 1}) has {layout.n_fields}"
    return (f"ragged row: {plural(found, 'field')} but {ref} "
            f"(fields separated by {delim})")
