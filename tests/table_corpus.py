"""Bad and odd-but-valid Excel, Parquet and Feather files, for the loader, the CLI and
the window. Import them through :mod:`tests.malformed_corpus`, whose lists end with them.

Built with pyarrow and openpyxl (the ``[formats]`` extra, in the test extras) through
:mod:`tests.table_bytes`. A case's ``row`` is the ``InputError.row`` its error must
name: Excel's own row number, or the data row of a Parquet or Feather file.
"""

from __future__ import annotations

import io
import zipfile

import pyarrow as pa

from tests.table_bytes import excel_bytes, feather_bytes, parquet_bytes

__all__ = ["TABLE_MALFORMED", "TABLE_VALID"]


def _cases():
    from tests.malformed_corpus import MalformedCase, ValidCase  # defined before we run

    good_parquet = parquet_bytes({"x": [1.0, 2.0, 3.0], "y": [4.0, 5.0, 6.0]})
    good_excel = excel_bytes([["x", "y"], [1, 2], [3, 4]])
    # A Parquet file whose footer is intact but whose body is overwritten.
    damaged = bytearray(good_parquet)
    damaged[4:len(damaged) - 8] = b"\xff" * (len(damaged) - 12)
    # A zip that claims to be a workbook but whose parts are nonsense.
    fake_book = io.BytesIO()
    with zipfile.ZipFile(fake_book, "w") as archive:
        archive.writestr("[Content_Types].xml", "not xml <<<")
        archive.writestr("xl/workbook.xml", "<workbook")
    ods = io.BytesIO()
    with zipfile.ZipFile(ods, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")

    malformed = [
        MalformedCase("truncated.parquet", good_parquet[:len(good_parquet) // 2],
                      "is truncated or damaged"),
        MalformedCase("damaged.parquet", bytes(damaged), "is not a readable"),
        MalformedCase("not_parquet.parquet", b"x,y\n1,2\n", "it does not start with"),
        MalformedCase("text_columns.parquet",
                      parquet_bytes({"name": ["a", "b"], "kind": ["c", "d"]}),
                      "need at least two numeric columns"),
        MalformedCase("one_number.feather", feather_bytes({"x": [1.0, 2.0], "s": ["a", "b"]}),
                      "need at least two numeric columns"),
        MalformedCase("inf.parquet", parquet_bytes({"x": [1.0, 2.0, float("inf")],
                                                    "y": [1.0, 2.0, 3.0]}),
                      "infinite value 'inf'", row=3),
        MalformedCase("all_null.parquet",
                      parquet_bytes({"x": pa.array([None, 1.0]), "y": pa.array([2.0, None])}),
                      "no points left"),
        MalformedCase("truncated.feather", feather_bytes({"x": [1.0], "y": [2.0]})[:40],
                      "is not a readable"),
        MalformedCase("no_columns.parquet", parquet_bytes({}), "no columns"),
        MalformedCase("sheet_of_text.xlsx",
                      excel_bytes([["name", "colour"], ["a", "red"], ["b", "blue"]]),
                      "need at least two numeric columns"),
        MalformedCase("text_in_numbers.xlsx",
                      excel_bytes([["x", "y"], [1, 2], [3, 4], [5, "#DIV/0!"], [7, 8]]),
                      "where a number is expected", row=4),
        MalformedCase("header_only.xlsx", excel_bytes([["x", "y"]]),
                      "no data rows after the header on row 1"),
        MalformedCase("empty_book.xlsx", excel_bytes([], []), "every sheet is empty"),
        MalformedCase("fake_book.xlsx", fake_book.getvalue(),
                      "is not a readable"),
        MalformedCase("truncated.xlsx", good_excel[:len(good_excel) // 2],
                      "is not a readable"),
        MalformedCase("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504,
                      "workbook (.xls)"),
        MalformedCase("sheet.ods", ods.getvalue(), "spreadsheet (.ods)"),
        MalformedCase("unknown_column.xlsx", good_excel, "unknown column 'z'",
                      columns="x,z"),
    ]
    valid = [
        ValidCase("merged_header.xlsx",
                  excel_bytes([["Measurements", None, None], ["x", "y", "species"],
                               [1, 2.5, "a"], [3, 4, "b"]], merge=("A1:B1",)),
                  ((1, 2.5), (3, 4)), names=("x", "y")),
        ValidCase("offset_and_blank_rows.xlsx",
                  excel_bytes([[], [None, None, "a", "b"], [None, None, 1, 2], [],
                               [None, None, 3.25, -4]]),
                  ((1, 2), (3.25, -4)), names=("a", "b")),
        ValidCase("second_sheet_empty.xlsx", excel_bytes([[1, 2], [3, 4]], [["x"]]),
                  ((1, 2), (3, 4)), names=("column 0", "column 1")),
        ValidCase("int_nulls.parquet", parquet_bytes(
            {"x": pa.array([1, None, 3], pa.int64()), "y": pa.array([4, 5, 6], pa.int32())}),
                  ((1, 4), (3, 6)), n_dropped=1),
        ValidCase("pandas_index.parquet", parquet_bytes(
            {"a": [1.0, 2.0], "b": [3.0, 4.0], "__index_level_0__": [10, 20]}),
                  ((1, 3), (2, 4)), names=("a", "b")),
        ValidCase("index_first.feather", feather_bytes(
            {"index": [0, 1], "u": [0.5, 1.5], "v": [2.5, 3.5]}), ((0.5, 2.5), (1.5, 3.5)),
                  names=("u", "v")),
        ValidCase("columns.parquet", parquet_bytes(
            {"a": [1.0, 2.0], "b": [3.0, 4.0], "c": [5.0, 6.0]}), ((5, 1), (6, 2)),
                  columns="c,a", names=("c", "a")),
    ]
    return malformed, valid


TABLE_MALFORMED, TABLE_VALID = _cases()
