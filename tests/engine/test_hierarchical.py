"""mclust's model-based hierarchical agglomeration against R's mclust
(tests/mclust/reference_hc.json, made by ``python tests/mclust/make_reference.py hc``;
rerun it with R to refresh).

On Old Faithful, the synthetic blobs and iris's petals (grid data, a third of the points
duplicated: every near-tie is decided by the last bit of the transformed data), for both
hc models and every ported transformation, the port gives mclust's merge pairs exactly,
all n - 1 of them, and its hclass partitions with mclust's numbering.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer.engine.hierarchical import (
    HC_MODELS,
    HC_SUBSET,
    HC_USES,
    _slots,
    hc_classes,
    hc_labels,
    hc_merges,
    transform,
)
from gmm_explorer.errors import FitError, InputError
from gmm_explorer.io.loaders import load_points

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "tests" / "mclust"
REF = json.loads((HERE / "reference_hc.json").read_text())
CASES = sorted(REF["cases"])
COMBOS = [(c, m, u) for c in CASES for m in HC_MODELS for u in REF["uses"]]


def _points(name: str) -> np.ndarray:
    """The points make_reference.py gave R for this case."""
    if name == "iris":
        return load_points(str(ROOT / "resources" / "data" / "iris.csv"),
                           columns=("Petal.Length", "Petal.Width")).points
    return np.loadtxt(HERE / f"{name}_points.csv", delimiter=",")


def _ref(case, model, use):
    return REF["cases"][case]["hc"][model][use]


def test_reference_covers_the_cases_asked_for():
    assert set(CASES) == {"faithful", "synthetic", "iris"}
    assert {"SVD", "VARS"} <= set(REF["uses"]) and set(REF["uses"]) <= set(HC_USES)
    iris = _points("iris")
    # iris petals: 150 points, only 102 distinct; hc still starts from 150 singletons.
    assert len(np.unique(iris, axis=0)) == 102
    assert len(_ref("iris", "VVV", "SVD")["pairs"][0]) == 149


@pytest.mark.parametrize("case,model,use", COMBOS)
def test_merges_equal_mclust(case, model, use):
    X = _points(case)
    expected = np.array(_ref(case, model, use)["pairs"])
    got = hc_merges(X, model, use)
    assert got.shape == (2, X.shape[0] - 1) == expected.shape
    differing = np.flatnonzero(np.any(got != expected, axis=0))
    assert differing.size == 0, (f"{differing.size} of {expected.shape[1]} merges differ "
                                 f"from mclust's, the first at merge {differing[:1] + 1}")


@pytest.mark.parametrize("case,model,use", COMBOS)
def test_classes_equal_hclass(case, model, use):
    ref = _ref(case, model, use)
    pairs = np.array(ref["pairs"])
    for g, labels in ref["hclass"].items():
        np.testing.assert_array_equal(hc_classes(pairs, int(g)) + 1, labels,
                                      err_msg=f"G={g}")


@pytest.mark.parametrize("case,model,use", COMBOS)
def test_labels_equal_hclass(case, model, use):
    X = _points(case)
    ref = _ref(case, model, use)
    for g in range(2, 6):
        np.testing.assert_array_equal(hc_labels(X, g, model=model, use=use) + 1,
                                      ref["hclass"][str(g)], err_msg=f"G={g}")


def test_defaults_are_mclusts():
    X = _points("faithful")
    np.testing.assert_array_equal(hc_merges(X), _ref("faithful", "VVV", "SVD")["pairs"])
    np.testing.assert_array_equal(hc_labels(X, 3) + 1,
                                  _ref("faithful", "VVV", "SVD")["hclass"]["3"])


def test_pure_python_path_gives_the_same_merges():
    """GMM_EXPLORER_NO_NUMBA runs the kernels as plain Python: same merges as mclust."""
    code = ("import json, sys, numpy as np\n"
            "from gmm_explorer.engine._kernels import HAVE_NUMBA\n"
            "from gmm_explorer.engine.hierarchical import hc_merges\n"
            "assert not HAVE_NUMBA\n"
            f"X = np.loadtxt({str(HERE / 'faithful_points.csv')!r}, delimiter=',')\n"
            "print(json.dumps([hc_merges(X, 'VVV', u).tolist() for u in ('SVD', 'VARS')]))\n")
    env = dict(os.environ, GMM_EXPLORER_NO_NUMBA="1")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True)
    svd, vars_ = json.loads(out.stdout)
    assert svd == _ref("faithful", "VVV", "SVD")["pairs"]
    assert vars_ == _ref("faithful", "VVV", "VARS")["pairs"]


@pytest.mark.parametrize("model", HC_MODELS)
def test_column_minima_pick_the_fortrans_merges(model):
    """The kept column minima choose what hcvvv/hceii's full scan chooses, ties included
    (small integer grid: most costs tie)."""
    rng = np.random.default_rng(5)
    for X in (rng.integers(0, 5, size=(150, 2)).astype(float),
              rng.normal(size=(120, 2)) * [3.0, 0.2]):
        Z = transform(X, "VARS")
        fast = _slots(Z, model, fast=True)
        slow = _slots(Z, model, fast=False)
        np.testing.assert_array_equal(fast[0], slow[0])
        np.testing.assert_array_equal(fast[1], slow[1])


def test_small_cases_equal_mclust():
    """Tiny inputs, with mclust's answers (R: hc(X, modelName, use))."""
    np.testing.assert_array_equal(hc_merges([[0.0, 0.0], [1.0, 2.0]]), [[1], [2]])
    pairs = hc_merges([[0.0, 0.0], [5.0, 5.0], [0.1, 0.0]], "EII", "VARS")
    np.testing.assert_array_equal(pairs, [[1, 1], [3, 2]])
    np.testing.assert_array_equal(hc_classes(pairs, 2), [0, 1, 0])
    t = np.arange(1.0, 6.0)
    # Points on a line: the SVD whitening divides by a singular value of rounding size.
    np.testing.assert_array_equal(hc_merges(np.c_[t, 2 * t]), [[4, 2, 1, 1], [5, 3, 2, 4]])
    np.testing.assert_array_equal(hc_merges(np.c_[t, [3.0, 1, 4, 1, 5]]),
                                  [[2, 3, 1, 1], [4, 5, 2, 3]])


def _blobs(n, rng):
    centres = np.array([[0.0, 0.0], [6.0, 1.0], [2.0, 7.0], [8.0, 8.0]])
    c = rng.integers(0, 4, n)
    return centres[c] + rng.normal(size=(n, 2)) @ [[1.0, 0.4], [0.0, 0.8]]


def test_subset_beyond_hc_subset_points():
    X = _blobs(3000, np.random.default_rng(11))
    a = hc_labels(X, 4, seed=3)
    assert a.shape == (3000,) and a.dtype == np.intp
    assert set(a.tolist()) == {0, 1, 2, 3}
    np.testing.assert_array_equal(hc_labels(X, 4, seed=3), a)
    # The subset is numpy's draw: its points are labelled (up to the E-step) by the hc
    # classes of that subset, numbered as hclass numbers them.
    subset = np.random.default_rng(3).choice(3000, HC_SUBSET, replace=False)
    sub_classes = hc_classes(hc_merges(X[subset]), 4)
    assert np.mean(a[subset] == sub_classes) > 0.9
    # Points on a grid have no natural groups: another subset cuts them elsewhere.
    g = np.stack(np.meshgrid(np.arange(60.0), np.arange(50.0)), axis=-1).reshape(-1, 2)
    assert not np.array_equal(hc_labels(g, 5, seed=1), hc_labels(g, 5, seed=2))
    np.testing.assert_array_equal(hc_labels(g, 5, seed=1), hc_labels(g, 5, seed=1))


def test_one_group_and_every_point_its_own_group():
    X = _points("faithful")[:30]
    np.testing.assert_array_equal(hc_labels(X, 1), np.zeros(30))
    np.testing.assert_array_equal(hc_labels(X, 30), np.arange(30))


@pytest.mark.parametrize("bad", [
    lambda X: hc_labels(X, 0),
    lambda X: hc_labels(X, 11),
    lambda X: hc_labels(X, 2.5),
    lambda X: hc_labels(X, 2, model="VVI"),
    lambda X: hc_labels(X, 2, use="SPH"),
    lambda X: hc_merges(X, "EEE"),
    lambda X: hc_merges(X, use="bogus"),
    lambda X: hc_merges(X[:1]),
    lambda X: hc_merges(np.c_[X, X]),
    lambda X: hc_merges(np.where(np.arange(10)[:, None] == 3, np.nan, X)),
    lambda X: hc_classes(hc_merges(X), 0),
    lambda X: hc_classes(hc_merges(X), 11),
    lambda X: hc_classes(hc_merges(X)[:, :5], 2),
    lambda X: hc_classes(hc_merges(X) + 20, 2),
    lambda X: hc_classes(hc_merges(X).astype(float), 2),
], ids=["K=0", "K>n", "K not int", "model", "use", "hc model", "hc use", "one point",
        "4 columns", "nan", "G=0", "G>n", "short merges", "labels", "float merges"])
def test_bad_input_raises_input_error(bad):
    X = _points("synthetic")[:10]
    with pytest.raises(InputError):
        bad(X)


def test_no_spread_raises_fit_error():
    same = np.ones((6, 2))
    for use in ("SVD", "STD", "PCR"):
        with pytest.raises(FitError):
            hc_merges(same, "VVV", use)
    # Without standardising, identical points simply merge (the last pair first).
    np.testing.assert_array_equal(hc_merges(same, "VVV", "VARS"),
                                  [[5, 4, 3, 2, 1], [6, 5, 4, 3, 2]])
