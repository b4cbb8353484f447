"""Loading point files: the shared corpus, the shipped data sets, paths, binary safety,
column rules and labels. (Tables and column kinds: test_text_table.py, test_columns.py;
properties and fuzzing: test_loader_properties.py.)
"""

from __future__ import annotations

import dataclasses
import io
import pickle
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.io import LoadedData, load_points
from gmm_explorer.io.arrays import file_format
from gmm_explorer.io.text_table import read_table
from tests.io.helpers import DATA, assert_good_points
from tests.malformed_corpus import (
    MALFORMED,
    VALID_ODD,
    MalformedCase,
    ValidCase,
    write_case,
)

# --------------------------------------------------------------------------- corpus


def test_corpus_is_well_formed():
    assert len(MALFORMED) >= 20
    names = [case.filename for case in MALFORMED + VALID_ODD]
    assert len(names) == len(set(names)), "file names must be unique across the corpus"
    for case in MALFORMED:
        assert case.fragment and case.fragment == case.fragment.lower(), case.filename


@pytest.mark.parametrize("case", MALFORMED, ids=lambda c: c.filename)
def test_malformed_file_raises_input_error(tmp_path: Path, case: MalformedCase):
    path = write_case(tmp_path, case)
    with pytest.raises(InputError) as info:
        load_points(path, case.columns)
    message = str(info.value)
    assert case.filename in message
    assert case.fragment in message
    assert info.value.path == str(path)
    if case.line is not None:
        assert info.value.line == case.line
    if case.row is not None:
        assert info.value.row == case.row and f"row {case.row}" in message


@pytest.mark.parametrize("case", VALID_ODD, ids=lambda c: c.filename)
def test_odd_but_valid_file_loads_exactly(tmp_path: Path, case: ValidCase):
    path = write_case(tmp_path, case)
    data = load_points(path, case.columns)
    assert_good_points(data)
    np.testing.assert_array_equal(data.points, np.array(case.expected, dtype=np.float64))
    assert data.n_dropped == case.n_dropped
    assert data.source == str(path)
    if case.names is not None:
        assert data.column_names == case.names
    if case.n_dropped:
        assert any("dropped" in note for note in data.notes)


# --------------------------------------------------------------------------- shipped data


@pytest.mark.parametrize(
    ("filename", "names", "indices", "n_points", "n_dropped"),
    [
        ("faithful.csv", ("eruptions", "waiting"), (1, 2), 272, 0),
        ("iris.csv", ("Sepal.Length", "Sepal.Width"), (1, 2), 150, 0),
        ("penguins.csv", ("bill_length_mm", "bill_depth_mm"), (2, 3), 342, 2),
    ],
)
def test_shipped_data_sets(filename, names, indices, n_points, n_dropped):
    data = load_points(DATA / filename)
    assert_good_points(data)
    assert data.column_names == names
    assert data.column_indices == indices
    assert data.points.shape == (n_points, 2)
    assert data.n_dropped == n_dropped
    assert any(names[0] in note and names[1] in note for note in data.notes)


def test_faithful_matches_an_independent_reader():
    data = load_points(str(DATA / "faithful.csv"))
    expected = np.loadtxt(DATA / "faithful.csv", delimiter=",", skiprows=1, usecols=(1, 2))
    np.testing.assert_array_equal(data.points, expected)
    assert data.notes == (
        "skipped index column 'rownames'; using columns 'eruptions' and 'waiting'",)


def test_penguins_notes_say_what_was_dropped():
    data = load_points(DATA / "penguins.csv")
    assert "dropped 2 rows with missing values in the chosen columns" in data.notes


def test_columns_by_name_on_iris():
    data = load_points(DATA / "iris.csv", "Petal.Length, Petal.Width")
    assert data.column_indices == (3, 4)
    assert data.points.shape == (150, 2)
    assert data.notes == ()


# --------------------------------------------------------------------------- paths


def test_missing_file(tmp_path: Path):
    path = tmp_path / "nope.csv"
    with pytest.raises(InputError, match="no such file") as info:
        load_points(path)
    assert str(path) in str(info.value)


def test_directory(tmp_path: Path):
    with pytest.raises(InputError, match="is a folder") as info:
        load_points(tmp_path)
    assert str(tmp_path) in str(info.value)
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path)


@pytest.mark.parametrize(
    ("error", "fragment"),
    [(PermissionError(13, "Permission denied"), "permission denied"),
     (OSError(5, "Input/output error"), "cannot read the file: Input/output error")],
)
def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error, fragment):
    path = tmp_path / "locked.csv"
    path.write_text("x,y\n1,2\n")

    def refuse(*args, **kwargs):
        raise error

    # The reading module's global ``open`` shadows the builtin for that module only.
    import gmm_explorer.io.files as files

    monkeypatch.setattr(files, "open", refuse, raising=False)
    with pytest.raises(InputError, match=fragment) as info:
        load_points(path)
    assert str(path) in str(info.value)


# --------------------------------------------------------------------------- binary safety


def _object_npy() -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.array([{"x": 1.0}, None], dtype=object), allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize("filename", ["object.npy", "object.npz"])
def test_object_arrays_are_never_unpickled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           filename: str):
    case = next(c for c in MALFORMED if c.filename == filename)
    path = write_case(tmp_path, case)

    def forbidden(*args, **kwargs):
        raise AssertionError("the loader unpickled data from a user's file")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    with pytest.raises(InputError, match="dtype object"):
        load_points(path)


@pytest.mark.parametrize("filename", ["float32.npy", "points_among_others.npz"])
def test_np_load_is_always_called_without_pickle(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, filename: str):
    case = next(c for c in VALID_ODD if c.filename == filename)
    path = write_case(tmp_path, case)
    real_load = np.load
    calls = []

    def spy(*args, **kwargs):
        calls.append(kwargs.get("allow_pickle"))
        return real_load(*args, **kwargs)

    def forbidden(*args, **kwargs):
        raise AssertionError("the loader unpickled data from a user's file")

    monkeypatch.setattr(np, "load", spy)
    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    load_points(path)
    # A .npy is read as a view of its bytes, without np.load; a .npz through np.load.
    assert all(flag is False for flag in calls)
    assert bool(calls) == filename.endswith(".npz")


def test_points_are_read_only_float64(tmp_path: Path):
    path = tmp_path / "ints.csv"
    path.write_text("x,y\n1,2\n3,4\n")
    data = load_points(path)
    assert data.points.dtype == np.float64
    with pytest.raises(ValueError):
        data.points[0, 0] = 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.n_dropped = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- column rules


def _load_text(tmp_path: Path, text: str, columns=None, name: str = "t.csv",
               labels=None) -> LoadedData:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_points(path, columns, labels=labels)


def test_mostly_text_column_is_not_a_candidate(tmp_path: Path):
    data = _load_text(tmp_path, "x,label,y\n1,a,2\n3,b,4\n5,7,6\n")
    assert data.column_names == ("x", "y")
    assert data.notes == ("using columns 'x' and 'y'",)


def test_index_column_by_name_need_not_be_consecutive(tmp_path: Path):
    data = _load_text(tmp_path, "ID,x,y\n17,1,2\n4,3,4\n")
    assert data.column_names == ("x", "y")
    assert data.notes[0].startswith("skipped index column 'ID'")


def test_exactly_two_numeric_columns_are_taken_even_if_one_counts_rows(tmp_path: Path):
    data = _load_text(tmp_path, "n,x\n1,5\n2,6\n")
    assert data.column_names == ("n", "x")
    np.testing.assert_array_equal(data.points, [[1, 5], [2, 6]])


def test_index_values_must_hold_for_every_row(tmp_path: Path):
    rows = [f"{i + 1},{i * 0.5},{i * 2}" for i in range(1500)]
    rows[1200] = "7,1,1"  # breaks 1..N after the rows used to classify columns
    data = _load_text(tmp_path, "a,b,c\n" + "\n".join(rows) + "\n")
    assert data.column_names == ("a", "b")


def test_text_after_the_classified_rows_is_reported_with_its_line(tmp_path: Path):
    rows = [f"{i * 0.5},{i}" for i in range(1500)]
    rows[1400] = "1.5,oops"
    with pytest.raises(InputError) as info:
        _load_text(tmp_path, "x,y\n" + "\n".join(rows) + "\n")
    assert info.value.line == 1402 and info.value.column == "y"
    assert "text value 'oops'" in str(info.value)


def test_first_problem_in_file_order_is_reported(tmp_path: Path):
    with pytest.raises(InputError) as info:
        _load_text(tmp_path, "x,y\n1,2\n3,inf\nfoo,4\n")
    assert info.value.line == 3 and "infinite" in str(info.value)


def test_column_names_are_matched_ignoring_case(tmp_path: Path):
    data = _load_text(tmp_path, "Alpha,Beta\n1,2\n", columns="beta, ALPHA")
    assert data.column_names == ("Beta", "Alpha")


@pytest.mark.parametrize("columns", [3, ("a", "b", "c"), (True, 1), (0.5, 1), ""])
def test_bad_columns_argument(tmp_path: Path, columns):
    with pytest.raises(InputError) as info:
        _load_text(tmp_path, "a,b,c\n1,2,3\n", columns=columns)
    assert "t.csv" in str(info.value)


def test_npz_and_npy_column_choice(tmp_path: Path):
    path = tmp_path / "wide.npy"
    np.save(path, np.arange(12.0).reshape(3, 4))
    assert load_points(path, "3,1").column_indices == (3, 1)
    assert load_points(path, ("column 2", 0)).column_names == ("column 2", "column 0")
    assert load_points(path).notes == ("using columns 0 and 1 of 4",)


# --------------------------------------------------------------------------- labels


def test_iris_species_labels():
    data = load_points(DATA / "iris.csv", "Petal.Length,Petal.Width", labels="Species")
    assert data.label_name == "Species"
    assert isinstance(data.labels, tuple) and len(data.labels) == data.n_points == 150
    assert Counter(data.labels) == {"setosa": 50, "versicolor": 50, "virginica": 50}
    assert data.labels[0] == "setosa" and data.labels[-1] == "virginica"
    assert data.column_indices == (3, 4) and data.notes == ()
    assert load_points(DATA / "iris.csv", "3,4", labels=5).labels == data.labels


def test_penguin_labels_follow_the_dropped_rows():
    data = load_points(DATA / "penguins.csv", labels="species")
    assert data.column_names == ("bill_length_mm", "bill_depth_mm")
    assert data.n_dropped == 2 and data.n_points == 342 and len(data.labels) == 342
    assert Counter(data.labels) == {"Adelie": 151, "Gentoo": 123, "Chinstrap": 68}
    # Row 4 of the file (Adelie, all NA) is gone: the fourth label is the fifth penguin's.
    np.testing.assert_array_equal(data.points[3], [36.7, 19.3])
    assert data.labels[3] == "Adelie"


def test_missing_label_cells_become_empty_and_keep_their_rows(tmp_path: Path):
    data = _load_text(tmp_path, 'x,y,kind\n1,2,a\n3,4,NA\n5,6,\nNA,7,b\n8,9," c "\n',
                      labels="kind")
    assert data.labels == ("a", "", "", "c")
    assert data.n_points == 4 and data.n_dropped == 1
    assert Counter(load_points(DATA / "penguins.csv", labels="sex").labels)[""] == 9


def test_labels_without_header_and_numeric_codes(tmp_path: Path):
    data = _load_text(tmp_path, "0.5 1.5 2\n2.5 3.5 1\n", labels=2, name="codes.txt")
    assert data.labels == ("2", "1") and data.label_name == "column 2"
    assert data.column_indices == (0, 1)


def test_label_column_is_left_out_of_the_automatic_choice(tmp_path: Path):
    text = "cluster,x,y\n0,1,2\n2,3,4\n1,5,6\n"
    assert _load_text(tmp_path, text).column_names == ("cluster", "x")
    data = _load_text(tmp_path, text, labels="cluster")
    assert data.column_names == ("x", "y") and data.labels == ("0", "2", "1")
    with pytest.raises(InputError, match="not counting the label column 'x'"):
        _load_text(tmp_path, "x,y\n1,2\n", labels="x")


def test_no_labels_by_default():
    data = load_points(DATA / "iris.csv")
    assert data.labels is None and data.label_name is None


@pytest.mark.parametrize(
    ("columns", "labels", "fragment"),
    [(None, "Genus", ("unknown label column 'Genus'; available columns: 'rownames', "
                      "'Sepal.Length', 'Sepal.Width', 'Petal.Length', 'Petal.Width', 'Species'")),
     (None, 6, "label column index 6 is out of range"),
     (None, True, "a label column must be a name or a 0-based index"),
     (None, 2.0, "a label column must be a name or a 0-based index"),
     ("Petal.Length,Petal.Width", "petal.width", "the label column 'Petal.Width' is also the Y"),
     (("Species", "Petal.Width"), "Species", "the label column 'Species' is also the X"),
     ((1, 2), 1, "the label column 'Sepal.Length' is also the X")],
)
def test_bad_label_choices(columns, labels, fragment):
    with pytest.raises(InputError, match=re.escape(fragment)) as info:
        load_points(DATA / "iris.csv", columns, labels=labels)
    assert "iris.csv" in str(info.value)


@pytest.mark.parametrize("filename", ["float32.npy", "points_among_others.npz"])
def test_arrays_have_no_labels(tmp_path: Path, filename: str):
    case = next(c for c in VALID_ODD if c.filename == filename)
    path = write_case(tmp_path, case)
    assert load_points(path).labels is None
    with pytest.raises(InputError, match="labels need a text table") as info:
        load_points(path, labels=0)
    assert info.value.path == str(path)


def test_loaded_data_checks_label_count():
    with pytest.raises(ValueError, match="one entry per point"):
        LoadedData(points=np.zeros((2, 2)), column_names=("x", "y"), column_indices=(0, 1),
                   source="s", labels=("a",))


def test_file_format(tmp_path: Path):
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros((2, 2)))
    assert file_format(npy) == "npy"
    assert file_format(DATA / "iris.csv") == "text"
    case = next(c for c in VALID_ODD if c.filename == "single.npz")
    assert file_format(write_case(tmp_path, case)) == "npz"
    with pytest.raises(InputError, match="no such file"):
        file_format(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        file_format(tmp_path / "empty.csv")


def test_a_large_npy_is_loaded_with_one_copy_of_its_points(tmp_path: Path):
    # The .npy's array is a view of the file's bytes; the points are one copy of its two
    # columns, which the session then takes without another.
    from gmm_explorer.session.points import frozen_points

    X = np.random.default_rng(0).normal(size=(200_000, 3))
    path = tmp_path / "three.npy"
    np.save(path, X)
    data = load_points(path)
    np.testing.assert_array_equal(data.points, X[:, :2])
    assert data.points.flags.owndata and not data.points.flags.writeable
    assert frozen_points(data.points) is data.points
    mine = X[:, :2].copy()  # a caller's writable array is copied
    frozen = frozen_points(mine)
    mine[0, 0] = 99.0
    assert frozen[0, 0] == X[0, 0]


@pytest.mark.parametrize("layout", ["c2", "c3-float32", "fortran", "big-endian", "int16",
                                    "weights", "fortran-weights"])
def test_npy_layouts_read_a_block_at_a_time_as_numpy_reads_them(tmp_path: Path, layout,
                                                                 monkeypatch):
    # The file is read in blocks (made tiny here: many blocks and a short last one),
    # converted column by column: the same points as numpy's own reader gives.
    from gmm_explorer.io import array_points

    monkeypatch.setattr(array_points._NpyRows, "BLOCK_BYTES", 1000)
    rng = np.random.default_rng(7)
    A = rng.normal(size=(1237, 3)) * 100
    columns, weights = None, None
    if layout == "c2":
        A = A[:, :2].copy()
    elif layout == "c3-float32":
        A, columns = A.astype(np.float32), (2, 0)
    elif layout == "fortran":
        A, columns = np.asfortranarray(A), (1, 2)
    elif layout == "big-endian":
        A = A.astype(">f8")
    elif layout == "int16":
        A = A.astype(np.int16)
    else:
        A = np.abs(A)
        weights = 2
        if layout == "fortran-weights":
            A = np.asfortranarray(A)
    path = tmp_path / "a.npy"
    np.save(path, A)
    data = load_points(path, columns, weights=weights)
    expected = np.load(path)
    cols = (0, 1) if columns is None else columns
    np.testing.assert_array_equal(data.points, expected[:, list(cols)].astype(np.float64))
    if weights is not None:
        np.testing.assert_array_equal(data.weights, expected[:, 2].astype(np.float64))
    assert data.points.dtype == np.float64 and data.points.flags.c_contiguous


def test_a_npy_is_never_held_twice_while_it_is_loaded(tmp_path: Path):
    # Read into the points' own array: the load's peak is the points and a block, not
    # the file's bytes besides them.
    import tracemalloc

    X = np.random.default_rng(8).normal(size=(1_000_000, 2))
    path = tmp_path / "big.npy"
    np.save(path, X)
    tracemalloc.start()
    try:
        data = load_points(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(data.points, X)
    assert peak < 1.2 * X.nbytes


def test_a_npy_that_ends_early_while_read_is_refused(tmp_path: Path):
    # Checked against its header first; if it shrinks after that (another program
    # writing it), the read says so instead of returning garbage.
    from gmm_explorer.io import array_points
    from gmm_explorer.io.arrays import read_npy_header

    path = tmp_path / "a.npy"
    np.save(path, np.arange(40.0).reshape(20, 2))
    size = path.stat().st_size
    with open(path, "rb", buffering=0) as fh:  # (unbuffered: nothing read ahead)
        header = read_npy_header(fh, size)
        with open(path, "r+b") as w:
            w.truncate(size - 16)
        rows = array_points._NpyRows(fh, header, size - header.data_size, "a.npy")
        out = np.empty((20, 2))
        with pytest.raises(InputError, match="ended before its data"):
            rows.read_columns([(0, out[:, 0]), (1, out[:, 1])], out)
