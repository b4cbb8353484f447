"""Excel, Parquet and Feather files: read by the rules of a text table.

The bad files are in the shared corpus (tests/table_corpus.py, joined to
tests/malformed_corpus.py), which the loader, the command line and the window all run.
Here: the same data gives the same points, labels and column choices in every format,
the picker sees these tables, and a missing reader names the extra to install.
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa
import pytest

from gmm_explorer import cli
from gmm_explorer.errors import InputError
from gmm_explorer.io import load_points
from gmm_explorer.io.arrays import file_format
from gmm_explorer.io.columns import label_candidates, suggested_columns, table_needing_choice
from gmm_explorer.io.text_table import read_table
from tests.io.helpers import DATA
from tests.table_bytes import excel_bytes, feather_bytes, parquet_bytes

MEASURES = ("Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width")


def _iris_rows():
    table = read_table(DATA / "iris.csv")
    return table.header, table.rows


@pytest.fixture(scope="module")
def iris_files(tmp_path_factory):
    """iris.csv written as .xlsx (numbers as numbers), .parquet and .feather."""
    folder = tmp_path_factory.mktemp("iris")
    header, rows = _iris_rows()
    columns = {name: [float(row[j]) for row in rows] for j, name in enumerate(header[:5])}
    columns["rownames"] = [int(row[0]) for row in rows]
    columns["Species"] = [row[5] for row in rows]
    ordered = {name: columns[name] for name in header}
    cells = [list(header)] + [[int(r[0])] + [float(v) for v in r[1:5]] + [r[5]] for r in rows]
    files = {"xlsx": excel_bytes(cells), "parquet": parquet_bytes(ordered),
             "feather": feather_bytes(ordered)}
    paths = {}
    for kind, content in files.items():
        paths[kind] = folder / f"iris.{kind}"
        paths[kind].write_bytes(content)
    return paths


@pytest.mark.parametrize("kind", ["xlsx", "parquet", "feather"])
def test_every_format_gives_the_csv_points_labels_and_notes(iris_files, kind):
    path = iris_files[kind]
    assert file_format(path) == kind
    want = load_points(DATA / "iris.csv")
    got = load_points(path)
    np.testing.assert_array_equal(got.points, want.points)
    assert got.column_names == want.column_names == ("Sepal.Length", "Sepal.Width")
    assert "skipped index column 'rownames'" in got.notes[-1]
    want = load_points(DATA / "iris.csv", columns="Petal.Length,Petal.Width", labels="Species")
    got = load_points(path, columns="Petal.Length,Petal.Width", labels="Species")
    np.testing.assert_array_equal(got.points, want.points)
    assert got.labels == want.labels and got.label_name == "Species"


@pytest.mark.parametrize("kind", ["xlsx", "parquet", "feather"])
def test_the_column_picker_sees_the_same_choices_as_for_csv(iris_files, kind):
    table = table_needing_choice(iris_files[kind])
    csv_table = table_needing_choice(DATA / "iris.csv")
    assert table is not None and table.kind == kind
    assert table.column_names == csv_table.column_names
    assert suggested_columns(table) == suggested_columns(csv_table)
    assert label_candidates(table) == label_candidates(csv_table) == (5,)
    assert len(table.rows) == 150 and table.complete
    # Excel names its own rows (the header is row 1); Parquet and Feather count data rows.
    assert table.line_numbers[:2] == ((2, 3) if kind == "xlsx" else (1, 2))


def test_weights_and_integer_labels_from_parquet(tmp_path):
    path = tmp_path / "w.parquet"
    path.write_bytes(parquet_bytes({"x": [0.0, 1.0, 2.0], "y": [1.0, 2.0, 3.0],
                                    "n": pa.array([1, 0, 3], pa.int16()),
                                    "group": pa.array([7, 8, 7], pa.int64())}))
    data = load_points(path, columns="x,y", labels="group", weights="n")
    np.testing.assert_array_equal(data.weights, [1.0, 0.0, 3.0])
    assert data.labels == ("7", "8", "7")
    path.write_bytes(parquet_bytes({"x": [0.0, 1.0], "y": [1.0, 2.0], "n": [1.0, -2.0]}))
    with pytest.raises(InputError, match="row 2: column n: weight '-2.0'"):
        load_points(path, columns="x,y", weights="n")


def test_excel_text_numbers_dates_and_booleans(tmp_path):
    import datetime

    path = tmp_path / "mixed.xlsx"
    path.write_bytes(excel_bytes(
        [["when", "x", "y", "ok"],
         [datetime.date(2026, 1, 2), "1.5", 2.5, True],   # a number typed as text
         [datetime.date(2026, 1, 3), 3, "NA", False],
         [datetime.date(2026, 1, 4), 5, 6.5, True]],
        [["another sheet"]], titles=["Data", "Notes"]))
    data = load_points(path, labels="ok")
    np.testing.assert_array_equal(data.points, [[1.5, 2.5], [5.0, 6.5]])
    assert data.labels == ("TRUE", "TRUE") and data.n_dropped == 1
    assert "read sheet 'Data', the first with data of 2" in data.notes
    assert label_candidates(table_needing_choice(path)) == (0, 3)


def test_big_integers_are_rounded_like_csv_not_refused(tmp_path):
    path = tmp_path / "big.parquet"
    path.write_bytes(parquet_bytes({"x": pa.array([2**60 + 1, 1], pa.int64()),
                                    "y": pa.array([1, 2], pa.uint64())}))
    np.testing.assert_array_equal(load_points(path).points, [[2.0**60, 1.0], [1.0, 2.0]])


@pytest.mark.parametrize("kind,module", [("parquet", "pyarrow"), ("feather", "pyarrow"),
                                         ("xlsx", "openpyxl")])
def test_a_missing_reader_names_the_extra(iris_files, monkeypatch, capsys, kind, module):
    monkeypatch.setitem(sys.modules, module, None)  # import fails as if not installed
    with pytest.raises(InputError) as info:
        load_points(iris_files[kind])
    message = str(info.value)
    assert f"needs the optional package {module}" in message
    assert "pip install 'gmm-explorer[formats]'" in message
    with pytest.raises(InputError, match=r"gmm-explorer\[formats\]"):
        table_needing_choice(iris_files[kind])
    code = cli.main(["fit", str(iris_files[kind])])
    err = capsys.readouterr().err
    assert code == 2 and "gmm-explorer[formats]" in err and "Traceback" not in err
