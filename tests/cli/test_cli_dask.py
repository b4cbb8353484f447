"""``gmm-explorer fit --dask``: the in-memory fit's numbers from blocks; bad input exits 2
with one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")

from gmm_explorer import engine as E  # noqa: E402
from gmm_explorer.io.params import read_mixture  # noqa: E402
from tests.cli.test_cli import assert_one_line_error, run  # noqa: E402


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(4)
    return np.concatenate([rng.normal(size=(30_000, 2)),
                           rng.normal(size=(25_000, 2)) * 0.6 + [3.0, 2.0]])


@pytest.fixture
def start_file(tmp_path, data):
    from gmm_explorer.io.params import dumps_mixture

    start = E.initialise(data, 2, "kmeans", seed=3)
    path = tmp_path / "start.json"
    path.write_text(dumps_mixture(start, columns=["x", "y"]))
    return path, start


def test_npy_parquet_and_csv_give_the_in_memory_fit(capsys, tmp_path, data, start_file):
    pd = pytest.importorskip("pandas")
    path, start = start_file
    expected = E.fit(data, settings=E.EMSettings(tol=0.0, max_iter=10), init=start)
    npy = tmp_path / "p.npy"
    np.save(npy, data)
    frame = pd.DataFrame({"id": np.arange(len(data)), "x": data[:, 0], "y": data[:, 1]})
    parquet = tmp_path / "p.parquet"
    frame.to_parquet(parquet)
    text = tmp_path / "p.csv"
    frame.to_csv(text, index=False, float_format="%.17g")
    for source, columns in ((npy, None), (parquet, "x,y"), (text, "1,2")):
        out = tmp_path / f"{source.suffix[1:]}.json"
        argv = ["fit", source, "--dask", "threads", "--chunks", "12000", "--init", path,
                "--tol", "0", "--max-iter", "10", "--out", out]
        code, _, err = run(capsys, *argv, *(["--columns", columns] if columns else []))
        assert code == 0, err
        assert "read by Dask in 5 block(s) (threads)" in err
        got = read_mixture(out).mixture
        for field in ("weights", "means", "covariances"):
            np.testing.assert_allclose(np.asarray(getattr(got, field)),
                                       np.asarray(getattr(expected.mixture, field)),
                                       rtol=1e-12, atol=1e-12)
        doc = json.loads(out.read_text())
        assert doc["fit"]["n_samples"] == len(data) and doc["fit"]["n_iter"] == 10


def test_a_kmeans_start_on_a_seeded_subsample_is_reproducible(capsys, tmp_path, data):
    npy = tmp_path / "p.npy"
    np.save(npy, data)
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.json"
        code, _, err = run(capsys, "fit", npy, "--dask", "synchronous", "--k", "2", "--seed",
                           "9", "--out", out)
        assert code == 0, err
        assert "seeded subsample" in err
        outs.append(out.read_text())
    assert outs[0] == outs[1]


@pytest.mark.parametrize("make,argv,fragments", [
    (None, [], ("no such file",)),
    (lambda p: np.save(p, np.zeros((10, 3, 2))), [], ("shape (N, 2)",)),
    (lambda p: np.save(p, np.array(["a", "b"] * 10).reshape(10, 2)), [], ("real numbers",)),
    (lambda p: p.write_bytes(b"\x93NUMPY garbage"), [], ("not a readable .npy",)),
    (lambda p: np.save(p, np.r_[np.ones((5, 2)), [[np.inf, 0.0]], np.ones((5, 2))]),
     ["--init", "centre"], ("point 5 is not finite",)),
    (lambda p: np.save(p, np.ones((10, 2))), ["--columns", "0,7"], ("no column '7'",)),
    (lambda p: np.save(p, np.ones((10, 2))), ["--weights", "w"], ("--weights", "--dask")),
    (lambda p: np.save(p, np.ones((10, 2))), ["--algorithm", "cem"], ("--algorithm",)),
    (lambda p: np.save(p, np.ones((10, 2))), ["--noise", "0.1"], ("--noise",)),
    (lambda p: np.save(p, np.ones((10, 2))), ["--n-init", "3"], ("--n-init",)),
])
def test_bad_npy_input_and_flags_exit_2_with_one_line(capsys, tmp_path, make, argv,
                                                      fragments):
    path = tmp_path / "bad.npy"
    if make is not None:
        make(path)
    code, _, err = run(capsys, "fit", path, "--dask", "threads", "--k", "2", *argv)
    assert_one_line_error(code, err, *fragments)


@pytest.mark.parametrize("name,content,argv,fragments", [
    ("t.csv", "x,y\n1,2\n3,oops\n", [], ("not numeric",)),
    ("t.csv", "x\n1\n2\n", [], ("points need two",)),
    ("t.csv", "x,y\n1,2\n", ["--columns", "x,x"], ("twice",)),
    ("t.xlsx", "not really", [], ("reads .npy, Parquet, CSV or TSV",)),
    ("t.parquet", "PAR1 truncated", [], ("cannot read it as a table",)),
])
def test_bad_tables_exit_2_with_one_line(capsys, tmp_path, name, content, argv, fragments):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = run(capsys, "fit", path, "--dask", "threads", "--k", "1", *argv)
    assert_one_line_error(code, err, *fragments)


def test_a_bad_scheduler_and_chunks_without_dask_are_usage_errors(capsys, tmp_path):
    npy = tmp_path / "p.npy"
    np.save(npy, np.ones((10, 2)))
    code, _, err = run(capsys, "fit", npy, "--dask", "bogus")
    assert_one_line_error(code, err, "give local")
    code, _, err = run(capsys, "fit", npy, "--chunks", "5")
    assert_one_line_error(code, err, "add --dask")
    code, _, err = run(capsys, "fit", npy, "--dask", "tcp://127.0.0.1:9")
    assert_one_line_error(code, err, "cannot reach the Dask scheduler")
