"""Exports: parameters CSV/npz round trips, malformed input, history CSV."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from gmm_explorer import engine
from gmm_explorer.engine import COVARIANCE_TYPES, EMSettings, Mixture
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io import export
from gmm_explorer.io.export import (
    PARAMETERS_HEADER,
    history_csv,
    parameters_csv,
    parameters_npz,
    read_parameters_csv,
    read_parameters_npz,
)

HEADER = ",".join(PARAMETERS_HEADER)


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _good_arrays(m: Mixture) -> dict:
    return {"weights": np.asarray(m.weights), "means": np.asarray(m.means),
            "covariances": np.asarray(m.covariances),
            "covariance_type": np.array(m.covariance_type)}


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("ctype", COVARIANCE_TYPES)
def test_parameters_csv_round_trip_is_bit_identical(mixtures, ctype):
    m = mixtures[ctype]
    text = parameters_csv(m)
    lines = text.splitlines()
    assert lines[0] == f"# gmm-explorer parameters, covariance_type={ctype}"
    assert lines[1] == HEADER
    assert len(lines) == 2 + m.n_components
    back = read_parameters_csv(text)
    assert back.equals(m)


@pytest.mark.parametrize("ctype", COVARIANCE_TYPES)
def test_parameters_npz_round_trip_is_bit_identical(mixtures, ctype):
    m = mixtures[ctype]
    assert read_parameters_npz(parameters_npz(m)).equals(m)


def test_csv_round_trip_keeps_awkward_floats():
    m = Mixture([0.1, 0.2, 0.7], [[-0.0, 1e-300], [1e300, -2.5e-8], [1 / 3, 2 / 3]],
                [[[1e-200, 0.0], [0.0, 3e-200]], [[2.0, 1 / 7], [1 / 7, 5.0]],
                 [[1e150, -1e149], [-1e149, 1e150]]])
    back = read_parameters_csv(parameters_csv(m))
    assert back.equals(m)
    assert np.signbit(back.means[0, 0])


def test_csv_without_type_comment_is_full_and_tolerates_blanks_crlf_and_bom(mixtures):
    m = mixtures["full"]
    body = parameters_csv(m).split("\n", 1)[1]
    text = "\ufeff# my own notes\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n\r\n"
    assert read_parameters_csv(text).equals(m)


def test_csv_type_comment_decides_the_type(mixtures):
    m = mixtures["spherical"]
    back = read_parameters_csv(parameters_csv(m))
    assert back.covariance_type == "spherical"
    relabelled = parameters_csv(m).replace("covariance_type=spherical", "covariance_type=diag")
    assert read_parameters_csv(relabelled).equals(m.with_covariance_type("diag"))


def test_npz_loads_without_pickle_and_holds_no_objects(mixtures):
    m = mixtures["tied"]
    with np.load(io.BytesIO(parameters_npz(m)), allow_pickle=False) as archive:
        assert sorted(archive.files) == ["covariance_type", "covariances", "means", "weights"]
        arrays = {name: archive[name] for name in archive.files}
    assert all(a.dtype != object for a in arrays.values())
    assert arrays["covariance_type"].dtype == np.dtype("<U9")
    assert arrays["covariance_type"].shape == ()
    assert str(arrays["covariance_type"]) == "tied"
    for name in ("weights", "means", "covariances"):
        assert arrays[name].dtype == np.float64
        np.testing.assert_array_equal(arrays[name], getattr(m, name))


def test_npz_without_covariance_type_is_full(mixtures):
    m = mixtures["full"]
    arrays = _good_arrays(m)
    del arrays["covariance_type"]
    arrays["extra"] = np.arange(3)  # other arrays are ignored
    assert read_parameters_npz(_npz(**arrays)).equals(m)


def test_exports_write_through_atomic_write(tmp_path, mixtures):
    from gmm_explorer.io.atomic import atomic_write

    m = mixtures["diag"]
    atomic_write(tmp_path / "p.csv", parameters_csv(m))
    atomic_write(tmp_path / "p.npz", parameters_npz(m))
    assert read_parameters_csv((tmp_path / "p.csv").read_text(encoding="utf-8")).equals(m)
    assert read_parameters_npz((tmp_path / "p.npz").read_bytes()).equals(m)
    with np.load(tmp_path / "p.npz", allow_pickle=False) as archive:
        assert str(archive["covariance_type"]) == "diag"


# --------------------------------------------------------------------------- malformed CSV

_ROW = "0.5,0.0,0.0,1.0,0.0,1.0"

# (name, text, expected line or None, fragment of the message)
MALFORMED_CSV = [
    ("empty", "", None, "empty"),
    ("only-blank", "\n \n\n", None, "empty"),
    ("wrong-header", "w,mx,my,cxx,cxy,cyy\n" + _ROW + "\n" + _ROW + "\n", 1, "expected the header"),
    ("numbers-no-header", _ROW + "\n" + _ROW + "\n", 1, "expected the header"),
    ("no-rows", "# gmm-explorer parameters, covariance_type=full\n" + HEADER + "\n", 2,
     "no components"),
    ("text-value", f"{HEADER}\n{_ROW}\n0.5,abc,0.0,1.0,0.0,1.0\n", 3, "'abc' is not a number"),
    ("empty-value", f"{HEADER}\n{_ROW}\n0.5,,0.0,1.0,0.0,1.0\n", 3, "empty value"),
    ("nan-value", f"{HEADER}\n0.5,nan,0.0,1.0,0.0,1.0\n{_ROW}\n", 2, "not finite"),
    ("too-few-columns", f"{HEADER}\n{_ROW}\n0.5,0.0,0.0,1.0,0.0\n", 3, "got 5"),
    ("too-many-columns", f"{HEADER}\n{_ROW},9\n{_ROW}\n", 2, "got 7"),
    ("weights-not-one", f"{HEADER}\n0.5,0,0,1,0,1\n0.4,1,1,1,0,1\n", None, "sum to"),
    ("negative-weight", f"{HEADER}\n1.5,0,0,1,0,1\n-0.5,1,1,1,0,1\n", 3, "negative"),
    ("not-positive-definite", f"{HEADER}\n0.5,0,0,1,0,1\n0.5,1,1,1,2,1\n", 3,
     "not positive definite"),
    ("unknown-type", "# gmm-explorer parameters, covariance_type=banana\n" + HEADER + "\n"
     + _ROW + "\n", 1, "unknown covariance type"),
    ("structure-vs-type", "# gmm-explorer parameters, covariance_type=spherical\n" + HEADER
     + "\n0.5,0,0,1,0,1\n0.5,1,1,1,0,2\n", 4, "spherical"),
    ("garbage", "\x00\x01\x02PK\x03\x04 not a csv at all\n", 1, "expected the header"),
]


@pytest.mark.parametrize("case", MALFORMED_CSV, ids=[c[0] for c in MALFORMED_CSV])
def test_malformed_csv_raises_input_error_naming_the_line(case):
    _, text, line, fragment = case
    with pytest.raises(InputError) as info:
        read_parameters_csv(text, path="params.csv")
    message = str(info.value)
    assert fragment in message
    assert message.startswith("params.csv")
    assert info.value.line == line
    if line is not None:
        assert message.startswith(f"params.csv:{line}: ")


def test_csv_weights_error_names_the_lines_and_column():
    text = f"{HEADER}\n0.5,0,0,1,0,1\n0.4,1,1,1,0,1\n"
    with pytest.raises(InputError) as info:
        read_parameters_csv(text)
    assert info.value.column == "weight"
    assert "lines 2-3" in str(info.value)


def test_csv_text_value_names_the_column():
    with pytest.raises(InputError) as info:
        read_parameters_csv(f"{HEADER}\n0.5,0,0,1,0,1\n0.5,1,1,1,0,yy\n")
    assert info.value.column == "cov_yy" and info.value.line == 3


# --------------------------------------------------------------------------- malformed NPZ


def _object_array_npz(m: Mixture) -> bytes:
    arrays = _good_arrays(m)
    arrays["weights"] = np.array(list(m.weights), dtype=object)
    return _npz(**arrays)


def _malformed_npz(m: Mixture):
    good = parameters_npz(m)
    k = m.n_components

    def without(name):
        arrays = _good_arrays(m)
        del arrays[name]
        return _npz(**arrays)

    def replaced(name, value):
        arrays = _good_arrays(m)
        arrays[name] = value
        return _npz(**arrays)

    npy = io.BytesIO()
    np.save(npy, np.asarray(m.weights))
    raw_member = io.BytesIO()
    with zipfile.ZipFile(raw_member, "w") as zf:
        zf.writestr("weights", b"0.5 0.5")
    return [
        ("empty", b"", None, "is empty"),
        ("garbage", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), None, "not an .npz"),
        ("npy-not-npz", npy.getvalue(), None, "not an .npz"),
        ("truncated", good[: len(good) // 2], None, "not a valid .npz"),
        ("empty-archive", _npz(), "weights", "missing"),
        ("missing-means", without("means"), "means", "missing"),
        ("missing-covariances", without("covariances"), "covariances", "missing"),
        ("means-wrong-shape", replaced("means", np.asarray(m.means).T), "means",
         f"expected shape ({k}, 2)"),
        ("covariances-wrong-shape", replaced("covariances", np.ones((k, 3))), "covariances",
         "2x2"),
        ("weights-2d", replaced("weights", np.asarray(m.weights)[None, :]), "weights",
         "expected a list"),
        ("weights-not-one", replaced("weights", np.asarray(m.weights) * 0.9), "weights",
         "sum to"),
        ("weights-nan", replaced("weights", np.full(k, np.nan)), "weights", "not finite"),
        ("object-array", _object_array_npz(m), "weights", "python objects"),
        ("text-weights", replaced("weights", np.array(["0.5"] * k)), "weights",
         "expected real numbers"),
        ("complex-means", replaced("means", np.asarray(m.means) + 0j), "means",
         "expected real numbers"),
        ("bool-weights", replaced("weights", np.ones(k, bool)), "weights",
         "expected real numbers"),
        ("type-not-string", replaced("covariance_type", np.array(1.0)), "covariance_type",
         "single string"),
        ("type-1d", replaced("covariance_type", np.array(["full"])), "covariance_type",
         "single string"),
        ("type-unknown", replaced("covariance_type", np.array("banana")), "covariance_type",
         "unknown covariance type"),
        ("raw-member", raw_member.getvalue(), "weights", "not a .npy array"),
        ("not-positive-definite", replaced("covariances", -np.asarray(m.covariances)),
         "covariances[0]", "not positive definite"),
    ]


@pytest.fixture(scope="module")
def malformed_npz(mixtures):
    return {case[0]: case for case in _malformed_npz(mixtures["full"])}


_NPZ_NAMES = [case[0] for case in _malformed_npz(
    Mixture([0.5, 0.5], [[0, 0], [1, 1]], [np.eye(2), np.eye(2)]))]


@pytest.mark.parametrize("name", _NPZ_NAMES)
def test_malformed_npz_raises_input_error_naming_the_array(malformed_npz, name):
    _, data, field, fragment = malformed_npz[name]
    with pytest.raises(InputError) as info:
        read_parameters_npz(data, path="params.npz")
    message = str(info.value)
    assert message.startswith("params.npz: ")
    assert fragment in message.lower()
    if field is not None:
        assert isinstance(info.value, ParameterError)
        assert info.value.field == field
        assert f": {field}: " in message


def test_corrupted_npz_bytes_never_raise_anything_but_input_error(mixtures):
    """Flip bytes and truncate all over a valid archive: each result reads or is refused."""
    good = parameters_npz(mixtures["full"])
    rng = np.random.default_rng(7)
    refused = 0
    for trial in range(400):
        data = bytearray(good)
        if trial % 4 == 0:
            data = data[: rng.integers(4, len(good))]
        else:
            for pos in rng.integers(0, len(data), size=rng.integers(1, 4)):
                data[pos] = int(rng.integers(0, 256))
        try:
            read_parameters_npz(bytes(data))
        except InputError:
            refused += 1
    assert refused > 0


def test_npz_header_promising_a_huge_array_is_refused_before_reading(mixtures):
    good = parameters_npz(mixtures["full"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            payload = src.read(item)
            if item.filename == "weights.npy":
                payload = payload.replace(b"'shape': (3,)", b"'shape': (900000000000,)")
            dst.writestr(item.filename, payload)
    with pytest.raises(ParameterError, match="truncated") as info:
        read_parameters_npz(out.getvalue())
    assert info.value.field == "weights"


# --------------------------------------------------------------------------- history CSV


def test_history_csv_has_one_row_per_step_and_parses_back(data, mixtures):
    start = engine.initialise(data, 3, "kmeans", seed=3)
    history = list(engine.iterate(data, start, EMSettings(tol=1e-4, max_iter=50)))
    assert history[-1].converged and len(history) > 3
    text = history_csv(history)
    lines = text.splitlines()
    assert lines[0] == "iteration,log_likelihood,mean_log_likelihood,change,converged"
    assert len(lines) == 1 + len(history)
    assert lines[1].split(",")[3] == ""  # no change at iteration 0
    assert lines[-1].endswith(",true") and lines[-2].endswith(",false")

    table = np.genfromtxt(io.StringIO(text), delimiter=",", names=True, dtype=None,
                          encoding="utf-8")
    assert table.dtype.names == export.HISTORY_HEADER
    np.testing.assert_array_equal(table["iteration"], [s.iteration for s in history])
    np.testing.assert_array_equal(table["log_likelihood"], [s.log_likelihood for s in history])
    np.testing.assert_array_equal(table["mean_log_likelihood"],
                                  [s.mean_log_likelihood for s in history])
    assert np.isnan(table["change"][0])
    np.testing.assert_array_equal(table["change"][1:], [s.change for s in history[1:]])
    np.testing.assert_array_equal(table["converged"], [s.converged for s in history])

    numeric = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=2, usecols=(0, 1, 2, 3))
    assert numeric.shape == (len(history) - 1, 4)


def test_history_csv_of_nothing_is_just_the_header():
    assert history_csv([]) == "iteration,log_likelihood,mean_log_likelihood,change,converged\n"
