"""Shared corpus of bad and odd-but-valid point files for the loader and the CLI.

Self-contained (numpy only, no pytest) so any test package can import it::

    from tests.malformed_corpus import MALFORMED, VALID_ODD, write_case

* :data:`MALFORMED`: files (and ``columns`` choices) that must be refused with an
  :class:`~gmm_explorer.errors.InputError` whose message contains the file name and
  ``fragment`` (an exact, lower-case substring of the message) and, for text, whose
  ``line`` attribute is ``line`` when that is given.
* :data:`VALID_ODD`: unusual files that must load to exactly ``expected`` points (and,
  when ``names`` is given, those column names).

Both end with the Excel, Parquet and Feather cases of :mod:`tests.table_corpus` (built
with the ``[formats]`` extra's pyarrow and openpyxl, which the test extras install).

File names are unique across both lists, so all cases can be written into one folder.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["MALFORMED", "MALFORMED_WEIGHTS", "VALID_ODD", "MalformedCase", "ValidCase",
           "write_case"]


@dataclass(frozen=True)
class MalformedCase:
    """A file the loader must refuse.

    Attributes
    ----------
    filename : str
        Name to write the content under (the extension matters for .npy/.npz).
    content : bytes
        The file's bytes.
    fragment : str
        Lower-case text the error message must contain.
    columns : str or tuple or None
        The ``columns`` argument to pass to ``load_points`` (``--columns`` on the CLI).
    line : int or None
        Expected ``InputError.line`` (1-based), when the error concerns one line.
    weights : str or None
        The ``weights`` column to pass (``--weights`` on the CLI), if any.
    row : int or None
        Expected ``InputError.row`` (a spreadsheet's or columnar file's row), if any.
    """

    filename: str
    content: bytes
    fragment: str
    columns: str | tuple[str | int, str | int] | None = None
    line: int | None = None
    weights: str | None = None
    row: int | None = None


@dataclass(frozen=True)
class ValidCase:
    """An odd but valid file and the points it must load to.

    Attributes
    ----------
    filename : str
    content : bytes
    expected : tuple of (float, float)
        The points, in file order, after dropping rows with missing values.
    columns : str or tuple or None
        The ``columns`` argument to pass, if any.
    names : tuple of (str, str) or None
        Expected ``LoadedData.column_names``, when checked.
    n_dropped : int
        Expected ``LoadedData.n_dropped``.
    """

    filename: str
    content: bytes
    expected: tuple[tuple[float, float], ...]
    columns: str | tuple[str | int, str | int] | None = None
    names: tuple[str, str] | None = None
    n_dropped: int = 0


def write_case(tmp_path: Path | str, case: MalformedCase | ValidCase) -> Path:
    """Write ``case.content`` to ``tmp_path / case.filename`` and return that path."""
    path = Path(tmp_path) / case.filename
    path.write_bytes(case.content)
    return path


def _npy(array: np.ndarray, *, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def _npz(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _zip(**members: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


_GOOD_NPY = _npy(np.arange(20.0).reshape(10, 2))
# A header promising 10 rows followed by only the first two rows' bytes.
_TRUNCATED_NPY = _GOOD_NPY[: len(_GOOD_NPY) - 8 * 16]
# An object array can only be saved by pickling; the loader must refuse it unread.
_OBJECT_NPY = _npy(np.array([{"x": 1.0}, None], dtype=object), allow_pickle=True)

MALFORMED: list[MalformedCase] = [
    # --- text: no data
    MalformedCase("empty.csv", b"", "the file is empty"),
    MalformedCase("blank_lines.csv", b"\n  \r\n\t\n", "the file is empty"),
    MalformedCase("header_only.csv", b"x,y\n", "no data rows after the header on line 1"),
    MalformedCase("header_and_comments.csv", b"# made by hand\nx;y\n# nothing yet\n",
                  "no data rows after the header on line 2"),
    MalformedCase("comments_only.csv", b"# just\n# comments\n\n", "only comments"),
    MalformedCase("all_missing.csv", b"x,y\nNA,1\n2,\nnan,NaN\n",
                  "no points left: all 3 data rows have a missing value"),
    # --- text: columns
    MalformedCase("one_column.csv", b"x\n1\n2\n3\n",
                  "need at least two numeric columns, but found 1 numeric column"),
    MalformedCase("one_numeric_column.csv", b"x,label\n1,a\n2,b\n",
                  "'label' (text such as 'a')"),
    MalformedCase("decimal_comma.csv", b"x;y\n1,5;2,5\n3,5;4,5\n",
                  "found 0 numeric columns"),
    MalformedCase("unknown_column.csv", b"x,y,z\n1,2,3\n4,5,6\n",
                  "unknown column 'nope'; available columns: 'x', 'y', 'z'",
                  columns="x,nope"),
    MalformedCase("index_out_of_range.csv", b"x,y\n1,2\n", "column index 5 is out of range",
                  columns=(0, 5)),
    MalformedCase("same_column_twice.csv", b"x,y\n1,2\n", "columns must differ, but both are 'y'",
                  columns="y, 1"),
    MalformedCase("one_column_given.csv", b"x,y\n1,2\n", "expected two columns",
                  columns="x"),
    # --- text: bad values (line numbers are 1-based file lines)
    MalformedCase("text_in_column.csv", b"x,y\n1,2\n3,oops\n5,6\n",
                  ":3: column y: text value 'oops'", line=3),
    MalformedCase("text_no_header.csv", b"1,2\n3,4\n5,abc\n",
                  ":3: column 1: text value 'abc'", line=3),
    MalformedCase("text_chosen_column.csv", b"x,label\n1,a\n2,b\n",
                  ":2: column label: text value 'a'", columns="x,label", line=2),
    MalformedCase("text_after_comments.csv", b"# c\r\nx,y\r\n# c\r\n\r\n1,2\r\nfoo,3\r\n",
                  ":6: column x: text value 'foo'", line=6),
    MalformedCase("decimal_comma_chosen.csv", b"x;y\n1.5;2\n3;4,5\n",
                  "decimal commas are not supported", line=3),
    MalformedCase("infinite.csv", b"x,y\n1,2\n3,4\ninf,5\n",
                  ":4: column x: infinite value 'inf'", line=4),
    MalformedCase("infinity_word.tsv", b"x\ty\n1\t2\n3\t-Infinity\n",
                  ":3: column y: infinite value", line=3),
    MalformedCase("overflow.csv", b"x,y\n1,2\n1e400,3\n", "infinite value '1e400'", line=3),
    MalformedCase("ragged_extra.csv", b"x,y\n1,2\n3,4,5\n6,7\n",
                  ":3: ragged row: 3 fields but the header (line 1) has 2", line=3),
    MalformedCase("ragged_short.csv", b"a,b,c\n1,2\n",
                  ":2: ragged row: 2 fields but the header (line 1) has 3", line=2),
    MalformedCase("ragged_whitespace.dat", b"1 2\n3 4\n5\n",
                  ":3: ragged row: 1 field but the first data row (line 1) has 2", line=3),
    # --- text: not text
    MalformedCase("binary.csv", b"\x00\x01\x02garbage\xff\xfe\x00\x10\x11",
                  "does not look like a text table"),
    MalformedCase("controls.txt", bytes(range(1, 32)) * 4, "does not look like a text table"),
    MalformedCase("text_named.npy", b"1,2\n3,4\n", "is not a valid .npy file"),
    MalformedCase("text_named.npz", b"1,2\n3,4\n", "is not a valid .npz file"),
    # --- .npy
    MalformedCase("garbage.npy", b"\x93NUMPY\x01\x00garbage", "is not a valid .npy array"),
    MalformedCase("bad_header.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': 'xx'}\n",
                  "is not a valid .npy array"),
    MalformedCase("truncated.npy", _TRUNCATED_NPY, "is truncated"),
    MalformedCase("object.npy", _OBJECT_NPY, "dtype object"),
    MalformedCase("one_d.npy", _npy(np.arange(5.0)), "array of shape (5,)"),
    MalformedCase("three_d.npy", _npy(np.zeros((2, 2, 2))), "array of shape (2, 2, 2)"),
    MalformedCase("one_col.npy", _npy(np.zeros((5, 1))), "has only 1 column"),
    MalformedCase("no_rows.npy", _npy(np.zeros((0, 2))), "holds no points"),
    MalformedCase("complex.npy", _npy(np.ones((3, 2), dtype=complex)), "complex numbers"),
    MalformedCase("bool.npy", _npy(np.ones((3, 2), dtype=bool)), "booleans"),
    MalformedCase("strings.npy", _npy(np.array([["a", "b"], ["c", "d"]])), "holds text"),
    MalformedCase("structured.npy",
                  _npy(np.zeros(3, dtype=[("x", "f8"), ("y", "f8")])), "structured records"),
    MalformedCase("inf.npy", _npy(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, np.inf]])),
                  "column 1: infinite value inf at row index 2"),
    MalformedCase("all_nan.npy", _npy(np.full((3, 2), np.nan)), "no points left"),
    MalformedCase("npy_bad_column.npy", _npy(np.zeros((3, 3))), "column index 3 is out of range",
                  columns="0,3"),
    # --- .npz
    MalformedCase("two_arrays.npz", _npz(a=np.zeros((3, 2)), b=np.ones((3, 2))),
                  "holds 2 arrays ('a', 'b')"),
    MalformedCase("no_arrays.npz", _npz(), "holds no arrays"),
    MalformedCase("corrupt.npz", b"PK\x03\x04" + b"\x00garbage" * 8, "is not a valid .npz file"),
    MalformedCase("truncated.npz", _npz(points=np.zeros((50, 2)))[:200],
                  "is not a valid .npz file"),
    MalformedCase("object.npz", _zip(**{"points.npy": _OBJECT_NPY}), "dtype object"),
    MalformedCase("not_npy_member.npz", _zip(**{"points.txt": b"1,2\n"}),
                  "array 'points.txt' in the .npz archive is not a valid .npy array"),
    MalformedCase("complex.npz", _npz(X=np.ones((3, 2), dtype=complex)), "complex numbers"),
]

#: Bad weights columns (``weights`` set on every case): each refused with one InputError.
MALFORMED_WEIGHTS: list[MalformedCase] = [
    MalformedCase("w_negative.csv", b"x,y,w\n1,2,1\n2,3,-0.5\n3,1,2\n",
                  ":3: column w: weight '-0.5' is not allowed", line=3, weights="w"),
    MalformedCase("w_text.csv", b"x,y,w\n1,2,1\n2,3,heavy\n",
                  ":3: column w: text value 'heavy'", line=3, weights="w"),
    MalformedCase("w_infinite.csv", b"x,y,w\n1,2,inf\n2,3,1\n",
                  ":2: column w: weight 'inf' is not allowed", line=2, weights="w"),
    MalformedCase("w_all_zero.csv", b"x,y,w\n1,2,0\n2,3,0\n5,1,0.0\n",
                  "every weight in the weights column w is zero", weights="w"),
    MalformedCase("w_all_missing.csv", b"x,y,w\n1,2,NA\n2,3,\n",
                  "no points left", weights="w"),
    MalformedCase("w_unknown.csv", b"x,y,w\n1,2,1\n", "unknown weights column 'mass'",
                  weights="mass"),
    MalformedCase("w_is_x.csv", b"x,y,w\n1,2,1\n", "the weights column 'x' is also the x column",
                  columns="x,y", weights="x"),
    MalformedCase("w_text_column.csv", b"x,y,kind\n1,2,a\n2,3,b\n",
                  ":2: column kind: text value 'a'", line=2, weights="kind"),
    MalformedCase("w_leaves_one_numeric.csv", b"x,w\n1,2\n2,3\n",
                  "not counting the weights column 'w'", weights="w"),
    MalformedCase("w_negative.npy", _npy(np.array([[1.0, 2.0, 1.0], [2.0, 3.0, -1.0]])),
                  "weight -1.0 at row index 1", weights="2"),
    MalformedCase("w_is_y.npy", _npy(np.array([[1.0, 2.0, 1.0], [2.0, 3.0, 1.0]])),
                  "the weights column 1 is also the y column", columns="0,1", weights="1"),
]

VALID_ODD: list[ValidCase] = [
    ValidCase("bom.csv", codecs.BOM_UTF8 + b"x,y\n1,2\n3,4\n", ((1, 2), (3, 4)),
              names=("x", "y")),
    ValidCase("crlf.csv", b"x,y\r\n1,2\r\n3,4\r\n", ((1, 2), (3, 4))),
    ValidCase("cr_only.csv", b"x,y\r1,2\r3,4\r", ((1, 2), (3, 4))),
    ValidCase("semicolon.csv", b"a;b\n1.5;2\n3;4\n", ((1.5, 2), (3, 4)), names=("a", "b")),
    ValidCase("tab.tsv", b"a\tb\n1\t2\n-3\t4e1\n", ((1, 2), (-3, 40))),
    ValidCase("whitespace.dat", b"  1   2\n3\t4 \n\t5 \t 6\n", ((1, 2), (3, 4), (5, 6)),
              names=("column 0", "column 1")),
    ValidCase("latin1.csv", "température;durée\n20;1.5\n21;2\n".encode("latin-1"),
              ((20, 1.5), (21, 2)), names=("température", "durée")),
    ValidCase("utf8_names.csv", "température;durée\n20;1.5\n".encode("utf-8"), ((20, 1.5),),
              names=("température", "durée")),
    ValidCase("utf16.txt", "x\ty\n1\t2\n".encode("utf-16"), ((1, 2),)),
    ValidCase("comments.csv", b"# measured 2024\nx,y\n# first batch\n1,2\n\n   # indented\n3,4\n",
              ((1, 2), (3, 4))),
    ValidCase("quoted.csv", b'"x","y"\n"1.5","2"\n"3",4\n', ((1.5, 2), (3, 4)),
              names=("x", "y")),
    ValidCase("quoted_text.csv", b'name,x,y\n"Smith, J",1,2\n"O""Brien",3,4\n',
              ((1, 2), (3, 4)), names=("x", "y")),
    ValidCase("spaces.csv", b"x , y\n 1 , 2 \n3,  4\n", ((1, 2), (3, 4)), names=("x", "y")),
    ValidCase("no_header.csv", b"1,2\n3,4\n", ((1, 2), (3, 4)), names=("column 0", "column 1")),
    ValidCase("labelled_no_header.csv", b"setosa,5.1,3.5\nversicolor,6.0,2.2\n",
              ((5.1, 3.5), (6.0, 2.2)), names=("column 1", "column 2")),
    ValidCase("numbers.csv", b"x,y\n-1.5e-3,+2E2\n.5,5.\n", ((-0.0015, 200), (0.5, 5))),
    ValidCase("index_values.csv", b"row,x,y\n1,0.5,9\n2,1.5,8\n3,2.5,7\n",
              ((0.5, 9), (1.5, 8), (2.5, 7)), names=("x", "y")),
    ValidCase("index_from_zero.txt", b"0 10 20\n1 11 21\n2 12 22\n",
              ((10, 20), (11, 21), (12, 22)), names=("column 1", "column 2")),
    ValidCase("r_write_csv.csv", b'"","x","y"\n"1",1,2\n"2",3,4\n"3",5,6\n',
              ((1, 2), (3, 4), (5, 6)), names=("x", "y")),
    ValidCase("r_write_table.txt", b'"x" "y"\n"1" 1 2\n"2" 3 4\n', ((1, 2), (3, 4)),
              names=("x", "y")),
    ValidCase("not_an_index.csv", b"a,b,c\n5,1,2\n7,3,4\n", ((5, 1), (7, 3)), names=("a", "b")),
    ValidCase("penguins_like.csv",
              b"species,bill_length_mm,bill_depth_mm,sex\nAdelie,39.1,18.7,male\n"
              b"Adelie,NA,NA,NA\nGentoo,46.1,13.2,female\n",
              ((39.1, 18.7), (46.1, 13.2)), names=("bill_length_mm", "bill_depth_mm"),
              n_dropped=1),
    ValidCase("missing_tokens.csv",
              b"x,y\n1,2\nN/A,3\nnull,4\nNone,5\n,6\nnan,7\n8,NA\n9,10\n",
              ((1, 2), (9, 10)), n_dropped=6),
    ValidCase("stray_text_elsewhere.csv", b"x,y,note\n1,2,ok\n3,4,5\n", ((1, 2), (3, 4))),
    ValidCase("columns_mixed.csv", b"a,b,c\n1,2,3\n4,5,6\n", ((3, 1), (6, 4)),
              columns=" c , 0", names=("c", "a")),
    ValidCase("columns_pair.csv", b"a,b,c\n1,2,3\n4,5,6\n", ((2, 3), (5, 6)),
              columns=("B", 2), names=("b", "c")),
    # A column named "1" is the name, not index 1.
    ValidCase("columns_numeric_name.csv", b"1,2,x\n0,9,8\n1,7,6\n", ((8, 0), (6, 1)),
              columns=("x", "1"), names=("x", "1")),
    ValidCase("dos_eof.csv", b"x,y\r\n1,2\r\n\x1a", ((1, 2),)),
    ValidCase("float32.npy", _npy(np.array([[1.5, 2.5], [3, 4]], dtype=np.float32)),
              ((1.5, 2.5), (3, 4)), names=("column 0", "column 1")),
    ValidCase("int_wide.npy", _npy(np.arange(9).reshape(3, 3)), ((0, 1), (3, 4), (6, 7))),
    ValidCase("columns.npy", _npy(np.arange(9.0).reshape(3, 3)), ((2, 0), (5, 3), (8, 6)),
              columns="column 2, 0", names=("column 2", "column 0")),
    ValidCase("big_endian.npy", _npy(np.array([[1, 2], [3, 4]], dtype=">f8")), ((1, 2), (3, 4))),
    ValidCase("fortran.npy", _npy(np.asfortranarray([[1.0, 2.0], [3.0, 4.0]])),
              ((1, 2), (3, 4))),
    ValidCase("nan_row.npy", _npy(np.array([[1, 2], [np.nan, 3], [4, 5]])), ((1, 2), (4, 5)),
              n_dropped=1),
    ValidCase("points_among_others.npz",
              _npz(labels=np.array([0, 1]), points=np.array([[1.0, 2.0], [3.0, 4.0]])),
              ((1, 2), (3, 4))),
    ValidCase("x_among_others.npz", _npz(y=np.array([0, 1]), X=np.array([[5, 6], [7, 8]])),
              ((5, 6), (7, 8))),
    ValidCase("single.npz", _npz(arr_0=np.array([[1.0, 2.0]])), ((1, 2),)),
]

# Excel, Parquet and Feather (built with pyarrow and openpyxl).
from tests.table_corpus import TABLE_MALFORMED, TABLE_VALID  # noqa: E402

MALFORMED += TABLE_MALFORMED
VALID_ODD += TABLE_VALID
