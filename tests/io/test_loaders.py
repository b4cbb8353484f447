"""Loading point files: the shared corpus, the shipped data sets, tables, and fuzzing."""

from __future__ import annotations

import dataclasses
import io
import pickle
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_explorer.errors import InputError
from gmm_explorer.io import LoadedData, load_points
from gmm_explorer.io import loaders
from gmm_explorer.io.loaders import Table, read_table
from tests.malformed_corpus import MALFORMED, VALID_ODD, MalformedCase, ValidCase, write_case

DATA = Path(__file__).resolve().parents[2] / "resources" / "data"


def _assert_good_points(data: LoadedData) -> None:
    points = data.points
    assert isinstance(data, LoadedData)
    assert points.dtype == np.float64
    assert points.ndim == 2 and points.shape[1] == 2 and points.shape[0] >= 1
    assert np.isfinite(points).all()
    assert not points.flags.writeable
    assert data.n_dropped >= 0


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


@pytest.mark.parametrize("case", VALID_ODD, ids=lambda c: c.filename)
def test_odd_but_valid_file_loads_exactly(tmp_path: Path, case: ValidCase):
    path = write_case(tmp_path, case)
    data = load_points(path, case.columns)
    _assert_good_points(data)
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
    _assert_good_points(data)
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

    monkeypatch.setattr(np, "load", spy)
    load_points(path)
    assert calls and all(flag is False for flag in calls)


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


# --------------------------------------------------------------------------- read_table


def test_read_table_gives_cells_and_line_numbers(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"# note\r\nname ; x;y\r\n\r\n\"a; b\";1; 2\r\n# skip\r\nc;NA;4\r\n")
    table = read_table(path)
    assert isinstance(table, Table)
    assert table.delimiter == ";"
    assert table.header == ("name", "x", "y")
    assert table.header_line == 2
    assert table.rows == (("a; b", "1", "2"), ("c", "NA", "4"))
    assert table.line_numbers == (4, 6)
    assert table.n_columns == 3
    assert table.complete and table.encoding == "utf-8"


def test_read_table_max_rows_and_headerless_names(tmp_path: Path):
    path = tmp_path / "t.dat"
    path.write_text("1 2\n3 4\n5 6\n")
    table = read_table(path, max_rows=2)
    assert table.header is None and table.delimiter is None
    assert table.column_names == ("column 0", "column 1")
    assert table.rows == (("1", "2"), ("3", "4"))
    assert not table.complete
    assert read_table(path, max_rows=3).complete


def test_read_table_header_only_and_errors(tmp_path: Path):
    path = tmp_path / "h.csv"
    path.write_text("x,y\n")
    table = read_table(path)
    assert table.rows == () and table.header == ("x", "y")
    path.write_text("x,y\n1,2,3,4\n")
    with pytest.raises(InputError, match="ragged row"):
        read_table(path)
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros((2, 2)))
    with pytest.raises(InputError, match="not a text table"):
        read_table(npy)


def test_read_table_latin1(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_bytes("température;durée\n20;1.5\n".encode("latin-1"))
    table = read_table(path)
    assert table.encoding == "latin-1"
    assert table.header == ("température", "durée")


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


# --------------------------------------------------------------------------- column kinds


def _table(tmp_path: Path, text: str, name: str = "k.csv") -> Table:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_table(path, max_rows=loaders.CLASSIFY_ROWS)


@pytest.mark.parametrize(
    ("filename", "numeric", "index", "candidates", "suggested"),
    [("faithful.csv", (1, 2), 0, (), (1, 2)),  # 'waiting' has 51 distinct whole numbers
     ("iris.csv", (1, 2, 3, 4), 0, (5,), (1, 2)),
     ("penguins.csv", (2, 3, 4, 5, 7), None, (0, 1, 6, 7), (2, 3))],
)
def test_column_kinds_of_the_shipped_data(filename, numeric, index, candidates, suggested):
    table = read_table(DATA / filename, max_rows=loaders.CLASSIFY_ROWS)
    assert loaders.numeric_columns(table) == numeric
    expected_all = numeric if index is None else (index,) + numeric
    assert loaders.numeric_columns(table, include_index=True) == expected_all
    assert loaders.index_column(table) == index
    assert loaders.label_candidates(table) == candidates
    assert loaders.suggested_columns(table) == suggested
    # The suggestion is what load_points chooses by itself.
    assert load_points(DATA / filename).column_indices == suggested


def test_column_kinds_follow_the_loader_rules(tmp_path: Path):
    # Two numeric columns are both offered even if one counts rows (as the loader takes them).
    table = _table(tmp_path, "n,x\n1,5\n2,6\n")
    assert loaders.numeric_columns(table) == (0, 1) and loaders.index_column(table) is None
    # A numeric column with a stray text value is numeric, and not a label candidate.
    table = _table(tmp_path, "x,y,note,code\n.1,2,ok,1\n.3,oops,5,2\n.5,6,a,1\n.7,8,b,NA\n")
    assert loaders.numeric_columns(table) == (0, 1, 3)
    assert loaders.label_candidates(table) == (2, 3)
    # Decimals are not codes; neither are whole numbers with too many distinct values.
    rows = "".join(f"{i * 0.5},{i % 3},{i},{i + 100}.0\n" for i in range(30))
    table = _table(tmp_path, "a,b,c,d\n" + rows)
    assert loaders.label_candidates(table) == (1,)
    assert loaders.suggested_columns(table) == (0, 1)
    # Fewer than two numeric columns: nothing to suggest.
    assert loaders.suggested_columns(_table(tmp_path, "x,label\n1,a\n2,b\n")) is None


def test_file_format(tmp_path: Path):
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros((2, 2)))
    assert loaders.file_format(npy) == "npy"
    assert loaders.file_format(DATA / "iris.csv") == "text"
    case = next(c for c in VALID_ODD if c.filename == "single.npz")
    assert loaders.file_format(write_case(tmp_path, case)) == "npz"
    with pytest.raises(InputError, match="no such file"):
        loaders.file_format(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        loaders.file_format(tmp_path / "empty.csv")


# --------------------------------------------------------------------------- properties


_WORDS = st.from_regex(r"[A-Za-z][A-Za-z0-9_.]{0,7}", fullmatch=True).filter(
    lambda s: s.lower() not in {"nan", "na", "none", "null", "inf", "infinity"})
_FINITE = st.floats(allow_nan=False, allow_infinity=False)
_NEWLINES = st.sampled_from(["\n", "\r\n", "\r"])
_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1"])


@settings(max_examples=100, deadline=None)
@given(values=st.lists(st.tuples(_FINITE, _FINITE), min_size=1, max_size=20),
       delimiter=st.sampled_from([",", ";", "\t", " ", "   "]), newline=_NEWLINES,
       header=st.one_of(st.none(), st.tuples(_WORDS, _WORDS)),
       label_at=st.one_of(st.none(), st.integers(0, 2)), quote=st.booleans(),
       encoding=_ENCODINGS)
def test_clean_tables_round_trip(tmp_path_factory, values, delimiter, newline, header,
                                 label_at, quote, encoding):
    def cell(v: float) -> str:
        return f'"{v!r}"' if quote else repr(v)

    if header is None and label_at is not None and len(values) == 1:
        values = values * 2  # a lone line holding text is a header (nothing to compare with)
    rows = [[cell(x), cell(y)] for x, y in values]
    if header is not None:
        rows.insert(0, list(header))
    if label_at is not None:  # a text column somewhere; never numeric
        for k, row in enumerate(rows):
            row.insert(label_at, "label" if header is not None and k == 0 else f"lab{k}x")
    text = newline.join(delimiter.join(row) for row in rows) + newline
    path = tmp_path_factory.mktemp("roundtrip") / "points.txt"
    path.write_bytes(text.encode(encoding))
    data = load_points(path)
    np.testing.assert_array_equal(data.points, np.array(values, dtype=np.float64))
    if header is not None and header[0] != header[1]:
        assert data.column_names == header


_ODD_CELLS = st.one_of(
    _FINITE.map(repr),
    st.integers(-10**6, 10**6).map(str),
    st.sampled_from(["", " ", "NA", "n/a", "NaN", "-nan", "null", "None", "inf", "-Infinity",
                     "1e400", "abc", "1_0", "１", "٣", "0x10", "1,5", " 2 ", "\xa03", "1e", "."]),
    st.text(max_size=3),
)


@given(cells=st.lists(_ODD_CELLS, max_size=30))
def test_fast_cell_parsing_agrees_with_the_careful_rule(cells):
    values, first_text = loaders._parse_cells(cells)
    careful = [loaders._cell_value(c) for c in cells]
    expected = np.array([np.nan if v is None else v for v in careful], dtype=np.float64)
    np.testing.assert_array_equal(values, expected)
    texts = [k for k, v in enumerate(careful) if v is None]
    assert first_text == (texts[0] if texts else None)


def _load_or_input_error(path: Path, columns=None) -> None:
    try:
        data = load_points(path, columns)
    except InputError as exc:
        assert path.name in str(exc)
    else:
        _assert_good_points(data)


_CSV_CELLS = st.one_of(
    _ODD_CELLS,
    st.sampled_from(['"1.5"', '"a,b"', '"', '""', "#", "# c", "x y", "\t", "\x00", "\x1a"]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(_CSV_CELLS, min_size=1, max_size=4), max_size=8),
       delimiter=st.sampled_from([",", ";", "\t", " ", "  "]), newline=_NEWLINES,
       encoding=_ENCODINGS,
       columns=st.one_of(st.none(), st.just("0,1"), st.just("x,y"), st.just((1, 2))))
def test_fuzz_csv_like_text(tmp_path_factory, rows, delimiter, newline, encoding, columns):
    text = newline.join(delimiter.join(row) for row in rows)
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.csv"
    path.write_bytes(text.encode(encoding, errors="replace"))
    _load_or_input_error(path, columns)


def _seed_files() -> list[bytes]:
    seeds = []
    for save in (np.save, np.savez, np.savez_compressed):
        buffer = io.BytesIO()
        save(buffer, np.arange(40.0).reshape(20, 2))
        seeds.append(buffer.getvalue())
    seeds.append(b"x,y\n1,2\n3,4\n")
    return seeds


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(_seed_files()),
       prefix=st.sampled_from([None, b"", b"\x93NUMPY", b"PK\x03\x04", b"\xef\xbb\xbf",
                               b"\xff\xfe"]),
       cut=st.integers(0, 2000), patch=st.binary(max_size=16),
       extension=st.sampled_from([".csv", ".npy", ".npz", ".dat", ""]))
def test_fuzz_random_and_damaged_bytes(tmp_path_factory, seed, prefix, cut, patch, extension):
    if prefix is None:  # damage a valid file: overwrite bytes at ``cut``
        data = seed[:cut] + patch + seed[cut + len(patch):]
    else:  # random bytes behind a magic number
        data = prefix + patch * (1 + cut % 7)
    path = tmp_path_factory.mktemp("bytes") / f"fuzz{extension}"
    path.write_bytes(data)
    _load_or_input_error(path)
