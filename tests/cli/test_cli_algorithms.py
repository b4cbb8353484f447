"""``fit --algorithm``: CEM, SEM and k-means from the command line, and their bad
settings (one line, exit 2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.cluster import KMeans

from gmm_explorer import engine as E
from gmm_explorer.engine.init import rng_from
from tests.cli.test_cli import FAITHFUL, assert_one_line_error, run


@pytest.mark.parametrize("algorithm", ["em", "cem", "sem", "kmeans", "vb"])
def test_fit_records_the_algorithm(capsys, algorithm):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "2", "--seed", "3",
                         "--algorithm", algorithm.upper())
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit"]["algorithm"] == algorithm
    summary = err.strip().splitlines()[-1]
    if algorithm == "kmeans":
        assert doc["covariance_type"] == "EII"
        assert doc["weights"] == [0.5, 0.5]
        assert "k-means" in summary and "within-cluster sum of squares" in summary
    if algorithm == "sem":
        assert doc["fit"]["n_iter"] == 100 and doc["fit"]["converged"] is False
        assert "no convergence test" in summary
    if algorithm == "vb":
        assert "lower bound per point" in summary and "of 2 components active" in summary


def test_fit_kmeans_agrees_with_scikit_learn(capsys, faithful):
    code, out, _ = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "0",
                       "--algorithm", "kmeans", "--tol", "0", "--max-iter", "300")
    assert code == 0
    means = np.array(json.loads(out)["means"])
    start = E.initialise(faithful, 3, "kmeans", covariance_type="EII",
                         seed=rng_from(0))
    km = KMeans(3, init=np.asarray(start.means), n_init=1, algorithm="lloyd", tol=0.0,
                max_iter=300).fit(faithful)
    np.testing.assert_allclose(means, km.cluster_centers_, rtol=1e-10)


def test_fit_sem_is_reproducible_from_its_seed(capsys):
    a = run(capsys, "fit", FAITHFUL, "--k", "4", "--seed", "5", "--algorithm", "sem",
            "--max-iter", "20")[1]
    b = run(capsys, "fit", FAITHFUL, "--k", "4", "--seed", "5", "--algorithm", "sem",
            "--max-iter", "20")[1]
    c = run(capsys, "fit", FAITHFUL, "--k", "4", "--seed", "6", "--algorithm", "sem",
            "--max-iter", "20")[1]
    assert a == b and json.loads(a)["means"] != json.loads(c)["means"]


@pytest.mark.parametrize("argv, fragments", [
    (["--algorithm", "vb2"], ["unknown algorithm 'vb2'", "em, cem, sem, kmeans"]),
    (["--algorithm", ""], ["unknown algorithm"]),
    (["--algorithm", "kmeans", "--covariance", "full"], ["kmeans", "EII", "--covariance"]),
    (["--algorithm", "kmeans", "--covariance", "VVV"], ["kmeans", "EII"]),
    (["--algorithm", "vb", "--covariance", "VEV"], ["variational Bayes", "VEV"]),
    (["--weight-prior", "process"], ["--weight-prior", "--algorithm vb"]),
    (["--weight-concentration", "2"], ["--weight-concentration", "--algorithm vb"]),
    (["--algorithm", "vb", "--weight-prior", "stick"], ["unknown weight prior"]),
    (["--algorithm", "vb", "--weight-concentration", "-1"], ["> 0"]),
    (["--algorithm", "vb", "--weight-concentration", "nan"], ["--weight-concentration"]),
    (["--prior", "--covariance", "VEE"], ["no conjugate prior", "VEE"]),
    (["--prior", "--algorithm", "vb"], ["Variational Bayes", "own priors"]),
    (["--prior", "--algorithm", "kmeans"], ["k-means"]),
])
def test_bad_algorithm_settings_exit_2_with_one_line(capsys, argv, fragments):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "2", *argv)
    assert out == ""
    assert_one_line_error(code, err, *fragments)


def test_fit_kmeans_accepts_eii_spelled_any_way(capsys):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "2", "--seed", "0",
                         "--algorithm", "k-means", "--covariance", "eii")
    assert code == 0, err
    assert json.loads(out)["covariance_type"] == "EII"


def test_fit_vb_switches_components_off_and_records_the_prior(capsys):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "6", "--seed", "1",
                         "--algorithm", "vb", "--weight-prior", "distribution",
                         "--weight-concentration", "0.01")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit"]["algorithm"] == "vb"
    weights = np.array(doc["weights"])
    assert np.sum(weights * 272 >= 1) == 2
    assert "2 of 6 components active" in err


# ------------------------------------------------------------------ the conjugate prior


def test_fit_prior_records_map_estimates(capsys, faithful):
    code, out, err = run(capsys, "fit", FAITHFUL, "--k", "3", "--seed", "0", "--prior",
                         "--covariance", "VEV")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit"]["prior"] is True and doc["covariance_type"] == "VEV"
    assert "MAP under mclust's default conjugate prior" in err
    # The engine's MAP fit from the same start.
    settings = E.EMSettings("VEV", prior=True)
    ref = E.fit(faithful, 3, settings=settings, seed=0)
    np.testing.assert_allclose(doc["means"], ref.mixture.means, rtol=1e-12)
    plain = E.fit(faithful, 3, settings=E.EMSettings("VEV"), seed=0)
    assert not np.allclose(ref.mixture.covariances, plain.mixture.covariances, rtol=1e-9)


def test_select_prior_leaves_out_the_models_without_one(capsys):
    code, out, err = run(capsys, "select", FAITHFUL, "--k", "1-2", "--covariance", "all",
                         "--prior", "--n-init", "1", "--seed", "0")
    assert code == 0, err
    assert "left out VEE, EVE, VVE, EVV" in err
    rows = [line for line in out.splitlines() if line[1:6].strip().isdigit()]
    assert len(rows) == 2 * 10


def test_select_prior_with_only_models_without_one_exits_2(capsys):
    code, out, err = run(capsys, "select", FAITHFUL, "--k", "1-2", "--covariance", "VEE,EVV",
                         "--prior")
    assert_one_line_error(code, err, "no conjugate prior", "VEE, EVV")


# ------------------------------------------------------------------ the noise component


@pytest.fixture
def outliers_csv(tmp_path):
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 1, (300, 2)), rng.normal((5, 3), 0.7, (200, 2)),
                   rng.uniform(-10, 15, (60, 2))])
    path = tmp_path / "outliers.csv"
    np.savetxt(path, X, delimiter=",", header="x,y", comments="")
    return str(path), X


def test_fit_noise_writes_the_noise_and_its_responsibilities(capsys, outliers_csv, tmp_path):
    path, X = outliers_csv
    labels = tmp_path / "labels.csv"
    code, out, err = run(capsys, "fit", path, "--k", "2", "--seed", "0", "--noise", "0.1",
                         "--labels-out", labels)
    assert code == 0, err
    doc = json.loads(out)
    w0 = doc["noise"]["weight"]
    assert 0.07 < w0 < 0.15 and sum(doc["weights"]) + w0 == pytest.approx(1.0)
    assert f"noise {w0:.3g}" in err
    rows = labels.read_text().splitlines()
    assert rows[0].endswith(",p_noise")
    noise_labelled = sum(line.split(",")[2] == "0" for line in rows[1:])
    assert 40 <= noise_labelled <= 80
    # A start file with noise keeps it.
    start = tmp_path / "start.json"
    start.write_text(out)
    code, again, err = run(capsys, "fit", path, "--init", start, "--max-iter", "0")
    assert code == 0 and json.loads(again)["noise"]["weight"] == w0


@pytest.mark.parametrize("argv, fragments", [
    (["--noise", "1"], ["[0, 1)"]), (["--noise", "-0.2"], ["[0, 1)"]),
    (["--noise", "lots"], ["expected a number"]),
    (["--noise", "0.1", "--algorithm", "cem"], ["goes with EM"]),
    (["--noise", "0.1", "--prior", "--algorithm", "sem"], ["goes with EM"]),
])
def test_bad_noise_exits_2_with_one_line(capsys, outliers_csv, argv, fragments):
    code, out, err = run(capsys, "fit", outliers_csv[0], "--k", "2", *argv)
    assert out == ""
    assert_one_line_error(code, err, *fragments)


def test_fit_init_hc_is_deterministic_and_is_the_engines(capsys, faithful):
    a = run(capsys, "fit", FAITHFUL, "--k", "3", "--init", "hc", "--seed", "1")
    b = run(capsys, "fit", FAITHFUL, "--k", "3", "--init", "hc", "--seed", "2")
    assert a[0] == 0 and json.loads(a[1])["means"] == json.loads(b[1])["means"]
    ref = E.fit(faithful, 3, init=E.initialise(faithful, 3, "hc"))
    np.testing.assert_allclose(json.loads(a[1])["means"], ref.mixture.means, rtol=1e-12)
    assert json.loads(a[1])["fit"]["init"] == "hc"


def test_fit_noise_auto_starts_from_nnclean_clutter(capsys, tmp_path):
    from gmm_explorer.engine.noise import nnclean
    from tests.mclust.make_reference import nnclean_points

    X = nnclean_points("outliers")
    path = tmp_path / "outliers.csv"
    np.savetxt(path, X, delimiter=",", header="x,y", comments="")
    code, out, err = run(capsys, "fit", path, "--k", "3", "--noise", "auto", "--seed", "0",
                         "--max-iter", "0")
    assert code == 0, err
    m = int(nnclean(X, 5).noise.sum())
    assert f"NNclean (k=5) classes {m} of {len(X)} points as clutter" in err
    doc = json.loads(out)
    assert doc["noise"]["weight"] == pytest.approx(m / len(X))  # the start, unfitted
    code, _, err = run(capsys, "fit", path, "--noise", "auto", "--algorithm", "cem")
    assert_one_line_error(code, err, "--noise auto", "goes with EM")
    # Under the prior too, as mclust's me*p with Vinv.
    code, out, err = run(capsys, "fit", path, "--k", "3", "--noise", "auto", "--prior",
                         "--seed", "0")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["fit"]["prior"] is True and doc["noise"]["weight"] > 0


def test_fit_noise_region_hull(capsys, tmp_path):
    from scipy.spatial import ConvexHull

    from tests.mclust.make_reference import nnclean_points

    X = nnclean_points("outliers")
    path = tmp_path / "outliers.csv"
    np.savetxt(path, X, delimiter=",", header="x,y", comments="")
    code, out, err = run(capsys, "fit", path, "--k", "3", "--noise", "0.1", "--noise-region",
                         "hull", "--seed", "0")
    assert code == 0, err
    assert json.loads(out)["noise"]["density"] == pytest.approx(1 / ConvexHull(X).volume)
    code, _, err = run(capsys, "fit", path, "--noise-region", "hull")
    assert_one_line_error(code, err, "--noise-region", "add --noise")
