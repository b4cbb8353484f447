"""Excel, Parquet and Feather files built in memory (pyarrow and openpyxl, test extras)."""

from __future__ import annotations

import io

import openpyxl
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as parquet

__all__ = ["excel_bytes", "feather_bytes", "parquet_bytes"]


def parquet_bytes(columns: dict) -> bytes:
    sink = io.BytesIO()
    parquet.write_table(pa.table(columns), sink)
    return sink.getvalue()


def feather_bytes(columns: dict) -> bytes:
    sink = io.BytesIO()
    feather.write_feather(pa.table(columns), sink)
    return sink.getvalue()


def excel_bytes(*sheets: list, merge: tuple[str, ...] = (), titles=None) -> bytes:
    """A workbook whose sheets hold these rows (lists of cell values)."""
    book = openpyxl.Workbook()
    for k, rows in enumerate(sheets):
        sheet = book.active if k == 0 else book.create_sheet()
        if titles:
            sheet.title = titles[k]
        for row in rows:
            sheet.append(row)
        if k == 0:
            for cells in merge:
                sheet.merge_cells(cells)
    sink = io.BytesIO()
    book.save(sink)
    return sink.getvalue()
