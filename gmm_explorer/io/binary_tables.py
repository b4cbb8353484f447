"""Spreadsheets and columnar files: Excel workbooks (``.xlsx``), Parquet and Feather.

The table branch of :func:`~gmm_explorer.io.loaders.load_points`, for files that hold
a table in a binary format. Their readers are the optional extra
``gmm-explorer[formats]``: openpyxl for Excel, pyarrow for Parquet and Feather (Arrow
IPC files, version 1 or 2). Each is imported only when such a file is opened; without
it, the error names the package and the extra to install.

A file becomes the same thing a text table does: a header, rows of cells and a row
number for each (:class:`CellTable`), handed to
:func:`~gmm_explorer.io.text_points.points_from_cells`. So the column picker, the label,
weights, missing-value and bad-value rules are those of CSV, and a bad cell is reported
by its row: Excel's own row number, or the data row (from 1) of a Parquet or Feather
file.

* **Excel:** the first worksheet that holds anything (a note names it when the workbook
  has several). Formulas give their last computed value, as Excel saved it. Blank rows,
  and empty columns at either side, are skipped. The header is found by the rule for text
  (:func:`~gmm_explorer.io.text_table.looks_like_header`). Dates, times and booleans are
  text. A header may span several rows (group names in merged cells above the
  columns' names): each column takes its lowest name, and a note says so.
* **Parquet and Feather:** the header is the column names. Integer, floating and decimal
  columns are read as numbers at once (nulls are missing); every other column is text.
  The index columns pandas writes (``__index_level_0__``) are left out.

A workbook saved as ``.xls`` (Excel 97–2003) or ``.ods`` cannot be read; the error says
to save it as ``.xlsx`` or CSV.
"""

from __future__ import annotations

import datetime
import importlib
import io
import math
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.cells import cell_value
from gmm_explorer.io.points import LoadedData
from gmm_explorer.io.text_table import Layout, Table, looks_like_header

__all__ = [
    "EXTRA",
    "KINDS",
    "CellTable",
    "load_table_points",
    "preview_table",
    "read_cell_table",
]

#: The optional extra that installs the readers.
EXTRA = "gmm-explorer[formats]"
#: Format → (what a file of it is called in messages, the module that reads it).
KINDS = {
    "xlsx": ("Excel workbook", "openpyxl"),
    "parquet": ("Parquet file", "pyarrow"),
    "feather": ("Feather (Arrow IPC) file", "pyarrow"),
}
#: Rows whose cells are kept as strings for a preview and for classifying columns.
_SAMPLE_ROWS = 1000
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


@dataclass(frozen=True)
class CellTable:
    """A binary table seen as a text table is: header, cells and row numbers.

    Attributes
    ----------
    source : str
        The path, for messages.
    kind : str
        A key of :data:`KINDS`.
    layout : Layout
        The header (or None), its row and the number of columns.
    sample : list of list of str
        The first rows' cells as strings (what classifies the columns).
    n_rows : int
        Data rows in all.
    read : callable
        ``read(needed, text)`` as :func:`~gmm_explorer.io.text_points.points_from_cells`
        takes it.
    row_numbers : sequence of int
        Each data row's number, as messages name it.
    """

    source: str
    kind: str
    layout: Layout
    sample: list[list[str]]
    n_rows: int
    read: Callable
    row_numbers: Sequence[int]


def load_table_points(data: bytes, source: str, kind: str, columns, label_column,
                      weights_column=None) -> LoadedData:
    """The points of an Excel, Parquet or Feather file, by the rules of a text table.

    Raises
    ------
    InputError
        The reader is not installed (naming :data:`EXTRA`), the file is damaged, or any
        problem a text table can have (columns, labels, weights, bad or missing values).
    """
    from gmm_explorer.io.text_points import points_from_cells

    table = read_cell_table(data, source, kind)
    return points_from_cells(source, table.layout, table.sample, table.read, columns,
                             label_column, weights_column, where="row")


def preview_table(data: bytes, source: str, kind: str, max_rows: int) -> Table:
    """The first ``max_rows`` data rows of a binary table, for the column picker."""
    table = read_cell_table(data, source, kind)
    rows = tuple(tuple(row) for row in table.sample[:max_rows])
    layout = table.layout
    return Table(source=source, encoding=kind, delimiter=None, header=layout.header,
                 header_line=layout.header_line, n_columns=layout.n_fields, rows=rows,
                 line_numbers=tuple(table.row_numbers[:len(rows)]),
                 complete=len(rows) == table.n_rows, notes=layout.notes, kind=kind)


def read_cell_table(data: bytes, source: str, kind: str) -> CellTable:
    """Read an Excel, Parquet or Feather file's bytes into a :class:`CellTable`."""
    if kind == "xlsx":
        return _excel_table(data, source)
    if kind in ("parquet", "feather"):
        return _arrow_table(data, source, kind)
    raise ValueError(f"not a binary table format: {kind!r}")


def _reader(kind: str, source: str):
    what, module = KINDS[kind]
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        article = "an" if what[0] in "AEIOU" else "a"
        if getattr(sys, "frozen", False):  # the app bundle: pip cannot add to it
            how = (f"this build of GMM Explorer does not include {module}; save the file "
                   f"as CSV, or install GMM Explorer with pip install '{EXTRA}'")
        else:
            how = f"pip install '{EXTRA}'"
        raise InputError(f"is {article} {what}; reading it needs the optional package "
                         f"{module}: {how}", path=source) from exc


def cell_text(value) -> str:
    """A spreadsheet or Arrow value as the cell text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- Excel


def _excel_table(data: bytes, source: str) -> CellTable:
    openpyxl = _reader("xlsx", source)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (KeyError, zip, XML errors)
        raise InputError(f"is not a readable Excel workbook ({_reason(exc)})",
                         path=source) from exc
    try:
        sheets = workbook.worksheets
        found = None
        for sheet in sheets:
            sheet.reset_dimensions()  # trust the rows, not the size a writer declared
            rows = [(number, [cell_text(v) for v in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), 1)]
            rows = [(number, cells) for number, cells in rows
                    if any(cell.strip() for cell in cells)]
            if rows:
                found = sheet.title, rows
                break
    except Exception as exc:
        raise InputError(f"is not a readable Excel workbook ({_reason(exc)})",
                         path=source) from exc
    finally:
        workbook.close()
    if found is None:
        raise InputError("the workbook holds no data: every sheet is empty", path=source)
    title, rows = found
    notes = ((f"read sheet '{title}', the first with data of {len(sheets)}",)
             if len(sheets) > 1 else ())
    used = [j for cells in (c for _, c in rows) for j, cell in enumerate(cells) if cell.strip()]
    first, last = min(used), max(used) + 1
    width = last - first
    cells = [(cells[first:last] + [""] * width)[:width] for _, cells in rows]
    numbers = [number for number, _ in rows]
    if looks_like_header(cells[0], cells[1:200]):
        # A header may span rows, as when group names sit in merged cells above the
        # columns' own names: each column takes its lowest name.
        depth = 1
        while (depth < min(3, len(cells) - 1) and _all_text(cells[depth])
               and looks_like_header(cells[depth], cells[depth + 1:depth + 200])):
            depth += 1
        header = tuple(next((row[j].strip() for row in reversed(cells[:depth])
                             if row[j].strip()), "") for j in range(width))
        if depth > 1:
            notes += (f"the header spans rows {numbers[0]}–{numbers[depth - 1]}; each "
                      "column is named by its lowest name",)
        layout = Layout(None, header, numbers[depth - 1], depth, width, notes)
        cells, numbers = cells[depth:], numbers[depth:]
    else:
        layout = Layout(None, None, None, 0, width, notes)

    def read(needed, text):
        return {j: [row[j] for row in cells] for j in needed}, numbers

    return CellTable(source, "xlsx", layout, cells[:_SAMPLE_ROWS], len(cells), read, numbers)


def _all_text(row: list[str]) -> bool:
    """Whether a row holds text and no number (another header row)."""
    values = [cell_value(cell) for cell in row]
    return (any(v is None for v in values)
            and all(v is None or math.isnan(v) for v in values))


# --------------------------------------------------------------------------- Arrow


def _arrow_table(data: bytes, source: str, kind: str) -> CellTable:
    pa = _reader(kind, source)
    what = KINDS[kind][0]
    if kind == "parquet" and not data.endswith(b"PAR1"):
        raise InputError("is truncated or damaged: a Parquet file ends with its footer "
                         "('PAR1'), and this one does not", path=source)
    try:
        if kind == "parquet":
            import pyarrow.parquet as reader
        else:
            import pyarrow.feather as reader
        table = reader.read_table(pa.BufferReader(data))
    except Exception as exc:  # pyarrow's ArrowInvalid, OSError, ...: the file's fault
        raise InputError(f"is not a readable {what} ({_reason(exc)})",
                         path=source) from exc
    names = [name for name in table.column_names if not _PANDAS_INDEX.fullmatch(name)]
    if not names:
        raise InputError("holds no columns", path=source)
    columns = [table.column(name) for name in names]
    n_rows = table.num_rows
    numeric = [_is_number_type(pa, col.type) for col in columns]
    sample = [[cell_text(v) for v in row] for row in
              zip(*(col.slice(0, _SAMPLE_ROWS).to_pylist() for col in columns))]
    header = tuple(str(name).strip() for name in names)
    layout = Layout(None, header, None, 0, len(names))
    numbers = range(1, n_rows + 1)

    def read(needed, text):
        out = {}
        for j in needed:
            col = columns[j]
            if numeric[j] and j not in text:
                out[j] = _float_values(pa, col)
            else:
                out[j] = _strings(pa, col)
        return out, numbers

    return CellTable(source, kind, layout, sample, n_rows, read, numbers)


def _is_number_type(pa, t) -> bool:
    return bool(pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t))


def _float_values(pa, column) -> np.ndarray:
    """A numeric column as float64, NaN where null (large integers rounded, not refused)."""
    values = column.cast(pa.float64(), safe=False).to_numpy()
    return np.ascontiguousarray(values, dtype=np.float64)


def _strings(pa, column) -> list[str]:
    if pa.types.is_floating(column.type) or pa.types.is_decimal(column.type):
        return [cell_text(None if v is None or (isinstance(v, float) and math.isnan(v))
                          else float(v)) for v in column.to_pylist()]
    return [cell_text(v) for v in column.to_pylist()]


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
