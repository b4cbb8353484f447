"""A weights column: read beside X and Y, aligned with the points through dropped rows,
left out of the automatic choice of X and Y, and refused with one InputError (line and
column) when a weight is not a finite number >= 0 or all are zero."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.io.loaders import load_points
from tests.malformed_corpus import MALFORMED_WEIGHTS, write_case


def test_weights_column_is_read_and_kept_out_of_the_automatic_xy(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("id,w,x,y,kind\n1,2,0.5,1.5,a\n2,0,1.5,2.5,b\n3,1.25,NA,3,a\n4,3,4,5,b\n")
    data = load_points(path, weights="w", labels="kind")
    assert data.column_names == ("x", "y")  # the index column and w are not X or Y
    np.testing.assert_array_equal(data.points, [[0.5, 1.5], [1.5, 2.5], [4, 5]])
    # The row with a missing X is dropped with its weight and its label.
    np.testing.assert_array_equal(data.weights, [2.0, 0.0, 3.0])
    assert data.labels == ("a", "b", "b")
    assert data.weights_name == "w"
    assert not data.weights.flags.writeable


def test_weights_by_index_and_a_missing_weight_drops_its_row(tmp_path):
    path = tmp_path / "w.tsv"
    path.write_text("1\t2\t0.5\n3\t4\t\n5\t6\t2\n")
    data = load_points(path, columns="0,1", weights=2)
    np.testing.assert_array_equal(data.points, [[1, 2], [5, 6]])
    np.testing.assert_array_equal(data.weights, [0.5, 2.0])
    assert data.n_dropped == 1 and data.weights_name == "column 2"


def test_npy_weights_column(tmp_path):
    path = tmp_path / "a.npy"
    np.save(path, np.array([[1.0, 2.0, 0.25], [2.0, 3.0, 4.0], [np.nan, 1.0, 1.0]]))
    data = load_points(path, weights=2)
    np.testing.assert_array_equal(data.points, [[1, 2], [2, 3]])
    np.testing.assert_array_equal(data.weights, [0.25, 4.0])
    assert data.notes == ("dropped 1 row with missing values in the chosen columns",)


def test_without_weights_nothing_changes(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("x,y,w\n1,2,3\n4,5,6\n")
    data = load_points(path)
    assert data.weights is None and data.weights_name is None


@pytest.mark.parametrize("case", MALFORMED_WEIGHTS, ids=lambda c: c.filename)
def test_bad_weights_columns_are_one_input_error(tmp_path, case):
    path = write_case(tmp_path, case)
    with pytest.raises(InputError) as info:
        load_points(path, case.columns, weights=case.weights)
    message = str(info.value)
    assert case.filename in message
    assert case.fragment in message.lower()
    if case.line is not None:
        assert info.value.line == case.line
