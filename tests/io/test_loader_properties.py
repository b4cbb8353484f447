"""Properties of the loader: clean tables round-trip exactly, the fast cell parser agrees
with the careful rule, and fuzzed text or damaged bytes give points or an InputError,
never another exception.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gmm_explorer.errors import InputError
from gmm_explorer.io.cells import cell_value, parse_cells
from gmm_explorer.io.loaders import load_points
from tests.io.helpers import assert_good_points

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
    values, first_text = parse_cells(cells)
    careful = [cell_value(c) for c in cells]
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
        assert_good_points(data)


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


def test_a_zip_claiming_a_newer_version_is_an_input_error(tmp_path):
    # Found by the fuzz test above: zipfile raises NotImplementedError ("zip file version
    # 6.4") for a central directory whose version-needed byte was damaged.
    buf = io.BytesIO()
    np.savez(buf, np.arange(8.0).reshape(4, 2))
    data = bytearray(buf.getvalue())
    central = data.index(b"PK\x01\x02")
    data[central + 6] = 64  # version needed to extract: 6.4
    for name in ("points.npz", "points.csv"):
        path = tmp_path / name
        path.write_bytes(bytes(data))
        with pytest.raises(InputError):
            load_points(path)
