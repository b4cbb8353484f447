"""gmm_explorer.explore: the window on data from Python, blocking in a script and live
with a handle when an event loop runs (IPython's %gui qt)."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

import gmm_explorer
from gmm_explorer.engine import Mixture, predict_proba
from gmm_explorer.errors import InputError
from gmm_explorer.io.params import write_mixture
from gmm_explorer.qt.controllers.files import FilesController
from tests.conftest import DATA
from tests.qt.window_helpers import TIMEOUT, idle


@pytest.fixture
def faithful_df():
    return pd.read_csv(DATA / "faithful.csv")


@pytest.fixture
def iris_df():
    return pd.read_csv(DATA / "iris.csv")


@pytest.fixture(autouse=True)
def discard_on_close(monkeypatch, tmp_path, _private_qsettings):
    """Closing a window with unsaved steps asks; the tests' user says "discard". explore()
    opens windows on the app's own settings, which here are this test's alone (a closed
    window saves its model settings there, and other tests expect none)."""
    from PySide6.QtCore import QSettings

    monkeypatch.setattr(FilesController, "ask_save_changes", lambda self: "discard")
    scope = QSettings.Scope.UserScope
    QSettings.setPath(QSettings.Format.IniFormat, scope, str(tmp_path / "settings"))
    yield
    QSettings.setPath(QSettings.Format.IniFormat, scope, _private_qsettings)


def live(qtbot, *args, **kwargs):
    handle = gmm_explorer.explore(*args, block=False, **kwargs)
    qtbot.addWidget(handle.window)
    idle(qtbot, handle.window)
    return handle


def test_handle_follows_the_window_as_a_user_steps_it(qtbot, iris_df):
    h = live(qtbot, iris_df, x="Petal.Length", y="Petal.Width", labels="Species", k=3)
    w = h.window
    assert w.isVisible() and w.session.column_names == ("Petal.Length", "Petal.Width")
    assert w.session.labels[:1] == ("setosa",) and w.session.label_name == "Species"
    assert w.session.settings.k == 3 and w.session.settings.covariance_type == "full"
    start = h.mixture
    qtbot.keyClick(w, Qt.Key.Key_Space)  # a user steps EM in the window
    idle(qtbot, w)
    assert not np.array_equal(h.mixture.means, start.means)
    result = h.converge()
    assert result.converged and result.mixture.n_components == 3
    assert len(result.history) == len(w.session.history) > 2
    pts = iris_df[["Petal.Length", "Petal.Width"]].to_numpy()
    np.testing.assert_array_equal(result.points, pts)
    np.testing.assert_allclose(result.responsibilities, predict_proba(pts, result.mixture))
    np.testing.assert_array_equal(result.labels, result.responsibilities.argmax(axis=1))
    assert result.log_likelihood == w.session.current.log_likelihood
    assert "converged" in repr(result) and "window open" in repr(h)
    h.close()
    assert h.closed and h.result().converged  # the state outlives the window


def test_start_from_a_fitted_sklearn_model_a_mixture_or_a_parameters_file(
        qtbot, faithful_df, tmp_path):
    from sklearn.mixture import GaussianMixture

    pts = faithful_df[["eruptions", "waiting"]].to_numpy()
    sk = GaussianMixture(3, covariance_type="diag", random_state=0).fit(pts)
    want = Mixture.from_sklearn(sk)
    h = live(qtbot, faithful_df, start=sk)
    first = h.window.session.history[0]
    assert first.iteration == 0 and h.window.session.settings.covariance_type == "diag"
    np.testing.assert_array_equal(first.mixture.means, want.means)
    np.testing.assert_array_equal(h.mixture.covariances, want.covariances)
    path = tmp_path / "start.json"
    write_mixture(path, want)
    for start in (want, path, str(path)):
        h = live(qtbot, faithful_df, start=start)
        np.testing.assert_allclose(h.mixture.means, want.means, rtol=1e-15)
    with pytest.raises(InputError, match="start must be"):
        gmm_explorer.explore(pts, start=42, block=False)


def test_blocking_call_returns_the_state_when_the_window_closes(qtbot, faithful_df):
    """In a script there is no event loop: explore() runs one until the window closes."""
    def user():
        w = next(w for w in QApplication.topLevelWidgets()
                 if getattr(w, "session", None) is not None and not w.closed
                 and w.windowTitle().startswith("Python data"))
        w.actions["converge"].trigger()

        def close_when_idle():
            if w.run.busy:
                QTimer.singleShot(20, close_when_idle)
            else:
                w.close()
        QTimer.singleShot(20, close_when_idle)

    QTimer.singleShot(100, user)
    result = gmm_explorer.explore(faithful_df[["eruptions", "waiting"]].to_numpy(), k=2)
    assert isinstance(result, gmm_explorer.Exploration)
    assert result.converged and result.mixture.n_components == 2
    assert result.column_names == ("x", "y") and result.labels.shape == (272,)


def test_under_ipython_gui_qt_the_call_returns_a_live_handle(qtbot, faithful_df, monkeypatch):
    shell = types.SimpleNamespace(active_eventloop="qt")
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", fake)
    h = gmm_explorer.explore(faithful_df)  # block=None: detect
    qtbot.addWidget(h.window)
    assert isinstance(h, gmm_explorer.ExplorationHandle) and h.window.isVisible()
    assert h.window.session.column_names == ("eruptions", "waiting")
    qtbot.waitUntil(lambda: h.mixture is not None, timeout=TIMEOUT)


def test_arrays_polars_like_and_arrow_tables_and_their_errors(qtbot, faithful_df):
    import pyarrow as pa

    pts = faithful_df[["eruptions", "waiting"]].to_numpy()
    table = pa.table({"a": pts[:, 0], "b": pts[:, 1]})  # columns through pyarrow
    h = live(qtbot, table, labels=np.arange(272) % 2)
    np.testing.assert_array_equal(h.window.session.points, pts)
    assert h.window.session.column_names == ("a", "b")
    assert h.window.session.labels[:3] == ("0", "1", "0")
    bad = faithful_df.copy()
    bad.loc[5, "waiting"] = np.nan
    for data, kwargs, fragment in (
            (bad, {}, "row 5 holds a missing"),
            (faithful_df, {"x": "eruptions", "y": "nope"}, "no column 'nope'"),
            (faithful_df, {"x": "eruptions"}, "name both columns"),
            (pts[:, :1], {}, r"shape \(N, 2\)"),
            (pts, {"labels": ["a"]}, "1 labels for 272 points"),
            (pts, {"k": 0}, "K must be between"),
            (pts, {"covariance": "round"}, "round"),
            (pts[:3], {"k": 5}, "only 3 points"),
            (pts[:2], {"start": Mixture.from_sklearn(_tiny_sklearn(pts))},
             "the start has 3 components but there are only 2")):
        n_windows = len(QApplication.topLevelWidgets())
        with pytest.raises(InputError, match=fragment):
            gmm_explorer.explore(data, block=False, **kwargs)
        assert len(QApplication.topLevelWidgets()) == n_windows  # no window opened


def _tiny_sklearn(pts):
    from sklearn.mixture import GaussianMixture

    return GaussianMixture(3, random_state=0).fit(pts)
