"""``fit --weights COLUMN`` and ``select --weights COLUMN``: sample weights from a column
count as repeated points (the repeated file is the oracle), and every bad weights column
exits 2 with one line and writes nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.cli.test_cli import FAITHFUL, assert_one_line_error, run
from tests.malformed_corpus import MALFORMED_WEIGHTS, write_case


@pytest.fixture()
def weighted_and_repeated(tmp_path, faithful):
    """Old Faithful with integer weights 0..3 in a column, and the same data repeated."""
    rng = np.random.default_rng(2)
    w = rng.integers(0, 4, faithful.shape[0])
    weighted = tmp_path / "weighted.csv"
    rows = "\n".join(f"{float(x)!r},{float(y)!r},{int(c)}" for (x, y), c in zip(faithful, w))
    weighted.write_text("eruptions,waiting,count\n" + rows + "\n")
    repeated = tmp_path / "repeated.csv"
    rep = np.repeat(faithful, w, axis=0)
    repeated.write_text("eruptions,waiting\n"
                        + "\n".join(f"{float(x)!r},{float(y)!r}" for x, y in rep) + "\n")
    return weighted, repeated, w


def test_fit_with_weights_equals_the_repeated_points(capsys, weighted_and_repeated):
    weighted, repeated, w = weighted_and_repeated
    start = weighted.parent / "start.json"
    code, out, err = run(capsys, "fit", repeated, "--k", "2", "--seed", "0", "--max-iter", "0")
    assert code == 0, err
    start.write_text(out)
    code, out_w, err_w = run(capsys, "fit", weighted, "--weights", "count", "--init", start,
                             "--tol", "0", "--max-iter", "30")
    assert code == 0, err_w
    code, out_r, _ = run(capsys, "fit", repeated, "--init", start, "--tol", "0",
                         "--max-iter", "30")
    a, b = json.loads(out_w), json.loads(out_r)
    np.testing.assert_allclose(a["means"], b["means"], rtol=1e-9)
    np.testing.assert_allclose(a["covariances"], b["covariances"], rtol=1e-9)
    np.testing.assert_allclose(a["weights"], b["weights"], rtol=1e-9)
    for key in ("log_likelihood", "mean_log_likelihood", "bic", "aic"):
        assert a["fit"][key] == pytest.approx(b["fit"][key], rel=1e-9), key
    assert a["fit"]["n_samples"] == len(w) and b["fit"]["n_samples"] == int(w.sum())
    assert a["fit"]["total_weight"] == float(w.sum()) and "total_weight" not in b["fit"]
    summary = err_w.strip().splitlines()[-1]
    assert f"{len(w)} points weighted by 'count' (total weight {int(w.sum())})" in summary


def test_select_with_weights_scores_as_the_repeated_points(capsys, weighted_and_repeated):
    weighted, repeated, _ = weighted_and_repeated
    argv = ["--k", "1-3", "--covariance", "full,EII", "--init", "centre", "--n-init", "1"]
    code, out_w, err = run(capsys, "select", weighted, "--weights", "count", *argv)
    assert code == 0, err
    assert "BIC's N is the total weight" in err
    code, out_r, _ = run(capsys, "select", repeated, *argv)
    table_w = [line.split() for line in out_w.splitlines()[1:7]]
    table_r = [line.split() for line in out_r.splitlines()[1:7]]
    for a, b in zip(table_w, table_r):
        assert a[-5:-3] == b[-5:-3]  # K and model
        np.testing.assert_allclose([float(v) for v in a[-3:]], [float(v) for v in b[-3:]],
                                   rtol=1e-8)
    assert out_w.splitlines()[-1] == out_r.splitlines()[-1]  # the same best model


def test_weights_with_labels_start(capsys, tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text("x,y,w,g\n0,0,1,a\n0.2,0.1,3,a\n0.1,0.4,1,a\n5,5,2,b\n5.3,5.1,1,b\n"
                    "5.1,4.7,1,b\n")
    code, out, err = run(capsys, "fit", path, "--weights", "w", "--init", "labels:g",
                         "--max-iter", "0", "--reg-covar", "0")
    assert code == 0, err
    doc = json.loads(out)
    # Class a's mean counts the second point three times.
    np.testing.assert_allclose(doc["means"][0], [(0 + 0.6 + 0.1) / 5, (0 + 0.3 + 0.4) / 5])
    np.testing.assert_allclose(doc["weights"], [5 / 9, 4 / 9])


@pytest.mark.parametrize("command", ["fit", "select"])
@pytest.mark.parametrize("case", MALFORMED_WEIGHTS, ids=lambda c: c.filename)
def test_bad_weights_exit_2_with_one_line_and_write_nothing(capsys, tmp_path, case, command):
    path = write_case(tmp_path, case)
    out = tmp_path / "out.json"
    extra = ["--columns", case.columns] if case.columns is not None else []
    k = ["--k", "1"] if command == "fit" else ["--k", "1-2"]
    code, stdout, err = run(capsys, command, path, "--weights", case.weights, "--out", out,
                            *k, *extra, *(["--quiet"] if command == "select" else []))
    assert_one_line_error(code, err, case.filename)
    assert case.fragment in err.lower()
    assert not out.exists() and stdout == ""


def test_weights_column_named_as_the_labels_is_refused(capsys, tmp_path):
    path = tmp_path / "same.csv"
    path.write_text("x,y,g\n1,2,1\n3,4,2\n5,1,1\n")
    code, _, err = run(capsys, "fit", path, "--weights", "g", "--init", "labels:g")
    assert_one_line_error(code, err, "same.csv", "also the label column")


def test_help_names_the_weights_option(capsys):
    for command in ("fit", "select"):
        code, out, _ = run(capsys, command, "--help")
        assert code == 0 and "--weights COLUMN" in out


def test_labels_out_carries_each_points_weight(capsys, tmp_path):
    import csv

    path = tmp_path / "w.csv"
    path.write_text("x,y,w\n0,0,1\n0.2,0.1,3\n0.1,0.4,0\n5,5,2\n5.3,5.1,1\n5.1,4.7,1\n")
    out = tmp_path / "labels.csv"
    code, _, err = run(capsys, "fit", path, "--weights", "w", "--k", "2", "--seed", "0",
                       "--out", tmp_path / "p.json", "--labels-out", out)
    assert code == 0, err
    rows = list(csv.reader(out.read_text().splitlines()))
    assert rows[0][:4] == ["x", "y", "weight", "label"]
    assert [float(r[2]) for r in rows[1:]] == [1, 3, 0, 2, 1, 1]
    assert {r[3] for r in rows[1:]} == {"1", "2"}
