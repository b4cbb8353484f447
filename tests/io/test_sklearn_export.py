"""The scikit-learn export: the snippet rebuilds the model, and one EM step agrees."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from gmm_explorer import engine
from gmm_explorer.engine import COVARIANCE_TYPES, EMSettings, Mixture
from gmm_explorer.io.sklearn_export import sklearn_snippet


@pytest.fixture(scope="module")
def early(data) -> dict[str, Mixture]:
    """Mixtures two iterations into a fit, so one more EM iteration still moves them."""
    return {t: engine.fit(data, 3, settings=EMSettings(covariance_type=t, max_iter=2, tol=0.0),
                          seed=0).mixture
            for t in COVARIANCE_TYPES}


def test_exports_do_not_import_sklearn():
    code = ("import sys, gmm_explorer.io.export, gmm_explorer.io.sklearn_export;"
            "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def _expected_precisions(m: Mixture) -> np.ndarray:
    c = np.asarray(m.covariances)
    return {"full": np.linalg.inv(c), "tied": np.linalg.inv(c[0]),
            "diag": 1.0 / np.stack([c[:, 0, 0], c[:, 1, 1]], axis=1),
            "spherical": 1.0 / c[:, 0, 0]}[m.covariance_type]


def _run_snippet(source: str):
    namespace: dict = {}
    exec(compile(source, "<sklearn_snippet>", "exec"), namespace)
    return namespace["gm"]


@pytest.mark.parametrize("ctype", COVARIANCE_TYPES)
def test_sklearn_snippet_rebuilds_the_initial_parameters(mixtures, ctype):
    pytest.importorskip("sklearn")
    m = mixtures[ctype]
    source = sklearn_snippet(m, columns=("eruptions", "waiting"))
    assert "from sklearn.mixture import GaussianMixture" in source
    assert "import numpy as np" in source
    assert "'eruptions', 'waiting'" in source
    gm = _run_snippet(source)
    assert gm.n_components == m.n_components and gm.covariance_type == ctype
    np.testing.assert_allclose(gm.weights_init, m.weights, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(gm.means_init, m.means)
    expected = _expected_precisions(m)
    assert np.shape(gm.precisions_init) == expected.shape
    np.testing.assert_allclose(gm.precisions_init, expected, rtol=1e-12, atol=0)


@pytest.mark.parametrize("ctype", COVARIANCE_TYPES)
def test_sklearn_fit_from_snippet_matches_one_em_iteration(data, early, ctype):
    pytest.importorskip("sklearn")
    from sklearn.exceptions import ConvergenceWarning

    m = early[ctype]
    gm = _run_snippet(sklearn_snippet(m))
    gm.set_params(max_iter=1, tol=0.0)
    with pytest.warns(ConvergenceWarning):
        gm.fit(data)
    steps = list(engine.iterate(data, m, EMSettings(covariance_type=ctype, tol=0.0,
                                                    max_iter=1)))
    assert [s.iteration for s in steps] == [0, 1]
    ours = steps[-1].mixture
    assert not np.allclose(ours.means, m.means, rtol=1e-6, atol=0)  # EM really moved
    np.testing.assert_allclose(gm.weights_, ours.weights, rtol=1e-8, atol=0)
    np.testing.assert_allclose(gm.means_, ours.means, rtol=1e-8, atol=0)
    cov = {"full": ours.covariances, "tied": ours.covariances[0],
           "diag": np.stack([ours.covariances[:, 0, 0], ours.covariances[:, 1, 1]], axis=1),
           "spherical": ours.covariances[:, 0, 0]}[ctype]
    scale = np.abs(cov).max()
    np.testing.assert_allclose(gm.covariances_, cov, rtol=1e-8, atol=1e-12 * scale)


def test_sklearn_snippet_quotes_column_names_safely(mixtures):
    m = mixtures["diag"]
    hostile = ("x\nraise SystemExit('injected')", "y\r\u2028z")
    namespace: dict = {}
    exec(compile(sklearn_snippet(m, columns=hostile), "<snippet>", "exec"), namespace)
    assert namespace["gm"].n_components == m.n_components


def test_sklearn_snippet_renormalises_weights_sklearn_would_refuse():
    pytest.importorskip("sklearn")
    w = np.array([0.5, 0.5 + 5e-7])  # within Mixture's 1e-6, outside sklearn's 1e-8
    m = Mixture(w, [[0, 0], [3, 3]], [np.eye(2), np.eye(2)])
    source = sklearn_snippet(m)
    assert "divided by that sum" in source
    gm = _run_snippet(source)
    np.testing.assert_allclose(gm.weights_init, w / w.sum(), rtol=1e-15)
    X = np.random.default_rng(0).normal(size=(50, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gm.set_params(max_iter=1).fit(X)  # scikit-learn accepts the weights
    assert "divided" not in sklearn_snippet(Mixture([0.5, 0.5], m.means, m.covariances))
