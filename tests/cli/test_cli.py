"""The command line end to end: fit, select, sample; bad input exits 2 with one line."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer import __main__ as app_entry
from gmm_explorer import cli
from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.params import FitRecord, read_mixture
from tests.conftest import DATA
from tests.malformed_corpus import MALFORMED, VALID_ODD, write_case

FAITHFUL = str(DATA / "faithful.csv")


def run(capsys, *argv):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for f in fragments:
        assert f in lines[0], (f, lines[0])


# ------------------------------------------------------------------ fit


def test_fit_writes_parameters_to_stdout_and_a_summary_line(capsys):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "2", "--seed", "0")
    assert code == 0
    doc = json.loads(out)
    assert doc["format"] == "gmm-explorer.mixture" and doc["version"] == 2
    assert doc["n_components"] == 2 and doc["columns"] == ["eruptions", "waiting"]
    assert doc["fit"]["n_samples"] == 272 and doc["fit"]["converged"] is True
    assert doc["fit"]["seed"] == 0 and doc["fit"]["init"] == "kmeans"
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("fit: 272 points, K=2 full,") and "converged" in summary
    assert "BIC" in summary


def test_fit_matches_the_engine_and_the_file_reads_back_bit_identical(capsys, tmp_path, faithful):
    out = tmp_path / "p.json"
    code, _, _ = run(capsys, "fit", FAITHFUL, "--k", "2", "--seed", "3", "--covariance", "diag",
                     "--out", out, "--quiet")
    assert code == 0
    engine = E.fit(faithful, 2, settings=E.EMSettings("diag"), seed=3)
    pf = read_mixture(out)
    assert pf.mixture.equals(engine.mixture)
    doc = json.loads(out.read_text())
    # log_likelihood is that of the data under the written parameters.
    assert doc["fit"]["log_likelihood"] == E.e_step(faithful, pf.mixture).log_likelihood
    assert doc["fit"]["bic"] == pytest.approx(E.bic(faithful, pf.mixture), rel=1e-12)
    assert doc["fit"]["n_iter"] == engine.n_iter


def test_same_seed_gives_identical_output(capsys):
    a = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "11", "--init", "random", "--n-init", "3")
    b = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "11", "--init", "random", "--n-init", "3")
    assert a[0] == b[0] == 0 and a[1] == b[1]


def test_thread_count_does_not_change_the_output(capsys):
    from gmm_explorer.engine import get_num_threads, set_num_threads
    from gmm_explorer.engine._kernels import HAVE_NUMBA

    # numba clamps to the threads it may use: on one CPU "--threads 2" runs 1 thread.
    available = 1
    if HAVE_NUMBA:
        import numba

        available = numba.config.NUMBA_NUM_THREADS
    before = get_num_threads()
    try:
        one = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "2", "--threads", "1")
        assert get_num_threads() == 1
        two = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "2", "--threads", "2")
        assert get_num_threads() == min(2, available)
    finally:
        set_num_threads(before)
    assert one[0] == two[0] == 0 and one[1] == two[1]


def test_tol_zero_runs_exactly_max_iter(capsys):
    code, out, _ = run(capsys, "fit", FAITHFUL, "--tol", "0", "--max-iter", "7", "--seed", "1")
    assert code == 0
    fit = json.loads(out)["fit"]
    assert fit["n_iter"] == 7 and fit["converged"] is False and fit["tol"] == 0


def test_labels_out(capsys, tmp_path):
    labels = tmp_path / "labels.csv"
    code, out, _ = run(capsys, "fit", FAITHFUL, "--k", "2", "--seed", "0", "--labels-out", labels,
                       "--quiet")
    assert code == 0
    rows = list(csv.reader(io.StringIO(labels.read_text())))
    assert rows[0] == ["x", "y", "label", "p_1", "p_2"]
    body = np.array(rows[1:], dtype=float)
    assert body.shape == (272, 5)
    np.testing.assert_allclose(body[:, 3:].sum(1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(body[:, 2], body[:, 3:].argmax(1) + 1)
    np.testing.assert_array_equal(body[:, :2], load_points(FAITHFUL).points)


def test_init_from_parameters_file(capsys, tmp_path):
    start = tmp_path / "start.json"
    start.write_text(json.dumps({"weights": [0.5, 0.5], "means": [[2, 55], [4.5, 80]],
                                 "covariances": [[[1, 0], [0, 30]], [[1, 0], [0, 30]]]}))
    code, out, _ = run(capsys, "fit", FAITHFUL, "--init", start, "--quiet")
    assert code == 0
    doc = json.loads(out)
    assert doc["n_components"] == 2 and doc["fit"]["init"] == "file:start.json"
    code, _, err = run(capsys, "fit", FAITHFUL, "--init", start, "--k", "3")
    assert_one_line_error(code, err, "--k 3 conflicts", "start.json")
    # A different --covariance projects the file's covariances onto that type, with a note.
    code, out, err = run(capsys, "fit", FAITHFUL, "--init", start, "--covariance", "spherical")
    assert code == 0 and json.loads(out)["covariance_type"] == "spherical"
    assert "projected from full to spherical" in err


@pytest.mark.parametrize("case", VALID_ODD, ids=lambda c: c.filename)
def test_odd_but_valid_files_fit(capsys, tmp_path, case):
    path = write_case(tmp_path, case)
    extra = ["--columns", ",".join(map(str, case.columns)) if not isinstance(case.columns, str)
             else case.columns] if case.columns is not None else []
    k = 1 if len(case.expected) < 4 else 2
    code, out, err = run(capsys, "fit", path, "--k", k, "--seed", "0", *extra)
    assert code == 0, err
    assert json.loads(out)["fit"]["n_samples"] == len(case.expected)


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("case", MALFORMED, ids=lambda c: c.filename)
def test_malformed_files_exit_2_with_one_line_and_write_nothing(capsys, tmp_path, case):
    path = write_case(tmp_path, case)
    out = tmp_path / "out.json"
    extra = []
    if case.columns is not None:
        cols = case.columns if isinstance(case.columns, str) else ",".join(map(str, case.columns))
        extra = ["--columns", cols]
    code, stdout, err = run(capsys, "fit", path, "--out", out, *extra)
    assert_one_line_error(code, err, case.filename)
    assert case.fragment in err.lower()
    assert not out.exists() and stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == [case.filename]


@pytest.mark.parametrize("argv,fragments", [
    (["fit", FAITHFUL, "--k", "0"], ["--k", "at least 1"]),
    (["fit", FAITHFUL, "--k", "two"], ["--k", "whole number"]),
    (["fit", FAITHFUL, "--covariance", "round"], ["--covariance", "round"]),
    (["fit", FAITHFUL, "--tol", "-1"], ["--tol"]),
    (["fit", FAITHFUL, "--reg-covar", "nan"], ["--reg-covar"]),
    (["fit", FAITHFUL, "--init", "magic"], ["--init", "magic", "kmeans"]),
    (["fit", FAITHFUL, "--frobnicate"], ["unrecognized arguments"]),
    (["fit", FAITHFUL, "--threads", "0"], ["--threads", "at least 1"]),
    (["fit"], ["DATA"]),
    (["fit", "/no/such/file.csv"], ["/no/such/file.csv"]),
    (["fit", FAITHFUL, "--k", "300"], ["faithful.csv", "272 points are fewer than the K=300"]),
    (["fit", FAITHFUL, "--columns", "eruptions,nope"], ["faithful.csv", "nope"]),
    (["fit", FAITHFUL, "--out", "/no/such/dir/p.json"], ["/no/such/dir/p.json", "cannot write"]),
    (["fit", FAITHFUL, "--reg-covar", "0", "--k", "272", "--init", "random_from_data"],
     ["faithful.csv", "fit failed", "reg_covar"]),
    (["select", FAITHFUL, "--k", "5-2"], ["--k", "1-8"]),
    (["select", FAITHFUL, "--covariance", "full,round"], ["round"]),
    (["select", FAITHFUL, "--criterion", "xic"], ["--criterion"]),
    (["sample", "/no/such.json", "--n", "5"], ["/no/such.json", "no such file"]),
    (["sample", FAITHFUL, "--n", "5"], ["faithful.csv", "not valid JSON", ":1"]),
    (["sample", str(Path(FAITHFUL).parent), "--n", "5"], ["folder"]),
    (["sample", "x.json"], ["--n"]),
    (["bogus"], ["invalid choice"]),
])
def test_bad_usage_exits_2_with_one_line(capsys, argv, fragments):
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, err, *fragments)


@pytest.mark.parametrize("content,fragments", [
    ('{"weights": [1.0], "means": [[0, 0]]', ["not valid JSON", ":1"]),
    ('{\n"weights": [1.0],\n"means": [[0, 0]],\n}', ["not valid JSON", ":4"]),
    ('[1, 2]', ["expected a JSON object"]),
    ('{"means": [[0, 0]], "covariances": [[[1, 0], [0, 1]]]}', ["weights: missing"]),
    ('{"weights": [0.5, 0.6], "means": [[0, 0], [1, 1]], "covariances": [[[1, 0], [0, 1]], '
     '[[1, 0], [0, 1]]]}', ["weights:", "sum to"]),
    ('{"weights": [1.0], "means": [["a", 0]], "covariances": [[[1, 0], [0, 1]]]}',
     ["means[0][0]", "expected a number"]),
    ('{"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 2], [2, 1]]]}',
     ["covariances[0]", "positive definite"]),
    ('{"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 0], [0, 1]]], "version": 9}',
     ["version", "newer"]),
    ('{"weights": [1.0], "means": [[0, NaN]], "covariances": [[[1, 0], [0, 1]]]}',
     ["not valid JSON", "NaN"]),
    ('{"weights": [true], "means": [[0, 0]], "covariances": [[[1, 0], [0, 1]]]}',
     ["weights[0]", "expected a number"]),
    ('{"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 0], [0, 1]]], '
     '"n_components": 2}', ["n_components"]),
])
@pytest.mark.parametrize("command", ["fit", "sample"])
def test_malformed_parameters_files(capsys, tmp_path, content, fragments, command):
    params = tmp_path / "bad.json"
    params.write_text(content)
    out = tmp_path / "out.csv"
    if command == "fit":
        code, _, err = run(capsys, "fit", FAITHFUL, "--init", params, "--out", out)
    else:
        code, _, err = run(capsys, "sample", params, "--n", "10", "--out", out)
    assert_one_line_error(code, err, "bad.json", *fragments)
    assert not out.exists()


def test_a_failed_second_output_writes_neither(capsys, tmp_path):
    out = tmp_path / "p.json"
    code, _, err = run(capsys, "fit", FAITHFUL, "--out", out, "--labels-out",
                       tmp_path / "missing" / "l.csv")
    assert_one_line_error(code, err, "l.csv")
    assert list(tmp_path.iterdir()) == []


def test_internal_error_exits_1_without_traceback(capsys, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(E, "fit", boom)
    code, _, err = run(capsys, "fit", FAITHFUL)
    assert code == 1
    assert "internal error" in err and "simulated bug" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# ------------------------------------------------------------------ select and sample


def test_select_prints_a_table_and_writes_the_best(capsys, tmp_path):
    best = tmp_path / "best.json"
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "1-4", "--seed", "0", "--out", best)
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].split() == ["K", "covariance", "BIC", "AIC", "ICL"]
    starred = [ln for ln in lines[1:5] if ln.startswith("*")]
    assert len(starred) == 1 and starred[0].split()[1:3] == ["2", "full"]
    assert lines[-1] == "* best by BIC: K=2 full (VVV)"  # scikit-learn's name, mclust's code
    assert read_mixture(best).mixture.n_components == 2


@pytest.mark.parametrize("word, models", [("sklearn", E.COVARIANCE_TYPES),
                                           ("all", MODEL_TYPES)])
def test_select_all_covariance_types_and_aic(capsys, word, models):
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "1-3", "--covariance", word,
                       "--criterion", "aic", "--seed", "0", "--n-init", "2")
    assert code == 0
    rows = [ln for ln in out.splitlines()[1:] if "best by" not in ln]
    assert len(rows) == 3 * len(models)
    assert [ln[7:22].split()[0] for ln in rows[:len(models)]] == list(models)
    assert "best by AIC" in out.splitlines()[-1]


def test_select_by_icl_prints_mclust_icl(capsys, faithful):
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "1-3", "--covariance", "tied",
                       "--criterion", "icl", "--seed", "0", "--n-init", "2")
    assert code == 0
    rows = E.sweep(faithful, range(1, 4), ["tied"], n_init=2, seed=0, init="mixed",
                   settings=E.EMSettings(tol=1e-6))
    for ln, r in zip(out.splitlines()[1:4], rows):
        assert float(ln.split()[-1]) == pytest.approx(E.icl(faithful, r.result.mixture),
                                                      rel=1e-9)
    best = E.best_row(rows, "icl")
    assert out.splitlines()[-1] == f"* best by ICL: K={best.n_components} tied (EEE)"


def test_select_takes_mclust_codes_in_any_case(capsys):
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "2", "--covariance", "vev,EEE",
                       "--seed", "0", "--n-init", "2")
    assert code == 0
    assert [ln[7:22].strip() for ln in out.splitlines()[1:3]] == ["VEV", "tied (EEE)"]


def test_select_best_k_matches_the_engine(capsys, faithful):
    code, out, _ = run(capsys, "select", FAITHFUL, "--k", "1-5", "--seed", "4")
    rows = E.sweep(faithful, range(1, 6), ["full"], seed=4)
    assert f"K={E.best_row(rows).n_components} full" in out.splitlines()[-1]


def test_sample_draws_reproducible_points_that_load_back(capsys, tmp_path):
    params = tmp_path / "p.json"
    assert run(capsys, "fit", FAITHFUL, "--seed", "0", "--out", params, "--quiet")[0] == 0
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert run(capsys, "sample", params, "--n", "500", "--seed", "3", "--out", a)[0] == 0
    assert run(capsys, "sample", params, "--n", "500", "--seed", "3", "--out", b)[0] == 0
    assert a.read_bytes() == b.read_bytes()
    loaded = load_points(a)
    assert loaded.points.shape == (500, 2)
    assert loaded.column_names == ("eruptions", "waiting")


# ------------------------------------------------------------------ the real entry point


def test_console_entry_point_end_to_end(tmp_path):
    exe = Path(sys.executable).with_name("gmm-explorer")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "gmm_explorer"]
    ok = subprocess.run(cmd + ["fit", FAITHFUL, "--seed", "0", "--quiet"], capture_output=True,
                        text=True, timeout=300)
    assert ok.returncode == 0 and json.loads(ok.stdout)["n_components"] == 2
    bad = subprocess.run(cmd + ["fit", str(tmp_path / "nope.csv")], capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().count("\n") == 0 and "nope.csv" in bad.stderr
    # With no command it opens the window; here there is no display, so it says so.
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    bare = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert bare.returncode == 2 and "no display" in bare.stderr


def test_a_command_leaves_at_once_with_its_output_whole(tmp_path):
    # After a command the process ends without tearing the interpreter down
    # (__main__.leave_now): everything printed must still arrive, and the exit code too.
    for cmd in ([sys.executable, "-m", "gmm_explorer"],
                [sys.executable, str(Path(__file__).resolve().parents[2] / "packaging"
                                     / "entry.py")]):
        out = tmp_path / "table.txt"
        with open(out, "w") as f:
            done = subprocess.run(cmd + ["select", FAITHFUL, "--k", "1-3", "--seed", "0"],
                                  stdout=f, stderr=subprocess.PIPE, text=True, timeout=300)
        assert done.returncode == 0
        lines = out.read_text().splitlines()
        assert lines[0].split()[:2] == ["K", "covariance"] and len(lines) == 5
        assert lines[-1].startswith("* best by BIC")
        bad = subprocess.run(cmd + ["select", FAITHFUL, "--k", "0"], capture_output=True,
                             text=True, timeout=300)
        assert bad.returncode == 2 and bad.stderr.startswith("gmm-explorer")


@pytest.mark.parametrize("arg,is_data", [("faithful.csv", True), ("data/points", True),
                                         (FAITHFUL, True), ("fit", False), ("bogus", False),
                                         ("--help", False)])
def test_a_lone_argument_is_data_only_if_it_looks_like_a_path(arg, is_data):
    assert app_entry.looks_like_data(arg) == is_data


def test_the_entry_point_opens_the_window_only_with_no_command(monkeypatch, capsys, tmp_path):
    import gmm_explorer.qt.app as app_module

    opened = []
    monkeypatch.setattr(app_module, "main", lambda path=None: opened.append(path) or 0)
    path = tmp_path / "pts.csv"
    path.write_text("a,b\n1,2\n")
    assert app_entry.main([str(path)]) == 0 and app_entry.main([]) == 0
    assert opened == [str(path), None]
    # Everything else is the command line's, exactly as cli.main runs it.
    code, out, _ = run(capsys, "fit", FAITHFUL, "--seed", "0", "--quiet")
    assert app_entry.main(["fit", FAITHFUL, "--seed", "0", "--quiet"]) == code == 0
    assert capsys.readouterr().out == out
    assert app_entry.main(["bogus"]) == 2 and "invalid choice" in capsys.readouterr().err
    assert app_entry.main(["--version"]) == 0 and "gmm-explorer" in capsys.readouterr().out
    assert opened == [str(path), None]


def test_the_command_line_alone_never_opens_the_window(capsys):
    code, out, err = run(capsys)
    assert_one_line_error(code, err, "give a command", "fit, select, sample, render",
                          "opens the window")
    assert out == ""


def test_window_errors_are_reported_like_command_errors(monkeypatch, capsys):
    import gmm_explorer.qt.app as app_module

    def broken(path=None):
        raise RuntimeError("no GL")

    monkeypatch.setattr(app_module, "main", broken)
    assert app_entry.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gmm-explorer: internal error (RuntimeError: no GL)")
    assert err.count("\n") == 1


def test_the_fit_record_has_the_fifteen_keys_in_order(capsys, faithful):
    code, out, _ = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "5", "--n-init", "2",
                       "--covariance", "tied", "--tol", "1e-4", "--reg-covar", "1e-5",
                       "--max-iter", "80")
    assert code == 0
    text = out[out.index('"fit": {'):]
    engine = E.fit(faithful, 3, settings=E.EMSettings("tied", 1e-5, 1e-4, 80), seed=5, n_init=2)
    f = engine.final
    expected = {"n_samples": 272, "log_likelihood": f.log_likelihood,
                "mean_log_likelihood": f.mean_log_likelihood, "n_iter": f.iteration,
                "converged": f.converged, "bic": engine.bic(), "aic": engine.aic(),
                "init": "kmeans", "seed": 5, "tol": 1e-4, "reg_covar": 1e-5, "max_iter": 80,
                "n_init": 2, "algorithm": "em", "prior": False}
    assert list(json.loads(out)["fit"].items()) == list(expected.items())
    # Written as before: one key per line, in this order, floats in shortest repr.
    assert text.startswith('"fit": {\n    "n_samples": 272,\n    "log_likelihood": ')
    assert f'"converged": {json.dumps(f.converged)},' in text
    assert '"seed": 5,' in text and '"tol": 0.0001,' in text
    record = FitRecord.from_step(f, init="kmeans", seed=5, tol=1e-4, reg_covar=1e-5,
                                 max_iter=80, n_init=2)
    assert record.as_dict() == expected and list(record.as_dict()) == list(expected)
    again = FitRecord.from_step(f, init="kmeans", seed=None, tol=1e-4, reg_covar=1e-5,
                                max_iter=80)
    assert again.seed is None and again.n_init == 1


# ------------------------------------------------------------------ fit --init labels:COLUMN

IRIS = str(DATA / "iris.csv")


def test_fit_starts_from_the_classes_of_a_labels_column(capsys):
    code, out, err = run(capsys, "fit", IRIS, "--columns", "Petal.Length,Petal.Width",
                         "--init", "labels:Species", "--covariance", "VVE", "--seed", "0")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["n_components"] == 3 and doc["covariance_type"] == "VVE"
    assert doc["fit"]["init"] == "labels:Species"
    assert "3 classes of 'Species': setosa, versicolor, virginica" in err
    # The same as the engine from the same start: the M-step of the one-hot labels.
    from gmm_explorer.io.loaders import load_points

    d = load_points(IRIS, columns="Petal.Length,Petal.Width", labels="Species")
    start, classes = E.initialise_from_labels(d.points, d.labels, "VVE")
    assert classes == ("setosa", "versicolor", "virginica")
    for name, cls in zip(classes, range(3)):
        pts = d.points[np.array(d.labels) == name]
        np.testing.assert_allclose(start.means[cls], pts.mean(axis=0), rtol=1e-12)
    ref = E.fit(d.points, settings=E.EMSettings("VVE"), init=start)
    np.testing.assert_allclose(doc["means"], ref.mixture.means, rtol=1e-12)


@pytest.mark.parametrize("argv, fragments", [
    (["--init", "labels:"], ["labels:COLUMN"]),
    (["--init", "labels:Nope"], ["Nope"]),
    (["--init", "labels:Species", "--k", "2"], ["--k 2", "3 classes"]),
])
def test_fit_from_labels_refuses_bad_requests_in_one_line(capsys, argv, fragments):
    code, _, err = run(capsys, "fit", IRIS, "--columns", "Petal.Length,Petal.Width", *argv)
    assert_one_line_error(code, err, *fragments)
