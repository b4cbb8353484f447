"""The out-of-core window: a .npy file too large for the window opens in a window of its
own, which draws the points' density and fits EM over the file's blocks; the data
already loaded stays, bad files give a message, and closing stops the thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gmm_explorer.engine import em
from gmm_explorer.io.npy_map import MEMORY_ENV
from gmm_explorer.io.params import read_mixture
from gmm_explorer.qt.controllers import files as files_module
from gmm_explorer.qt.controllers import out_of_core as ooc_module
from tests.qt.window_helpers import TIMEOUT

LONG = 120_000


def _data(n=60_000, cols=2, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(n // 2, cols))
    b = rng.normal(size=(n - n // 2, cols)) * 0.5 + 4.0
    return np.concatenate([a, b])


def _open(window, monkeypatch, path, action="open"):
    """Choose ``path`` in the File › Open (or Open Out of Core) dialog."""
    monkeypatch.setattr(files_module.QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(path), ""))
    window.actions[action].trigger()


def _wait_for(qtbot, ooc):
    """Until the window's background work is done (and it says so: Cancel is off)."""
    qtbot.waitUntil(lambda: not ooc.runner.busy, timeout=LONG)
    assert ooc.window.controls.cancel_button.isEnabled() is False


@pytest.fixture
def big_file(tmp_path, monkeypatch):
    """A file the window counts as too large: free memory said to be 1 MB."""
    X = _data()
    path = tmp_path / "big.npy"
    np.save(path, X)
    monkeypatch.setenv(MEMORY_ENV, "1000000")
    return path, X


def test_a_file_too_large_opens_out_of_core_and_the_data_stays(window, qtbot, monkeypatch,
                                                                big_file):
    path, X = big_file
    before = window.session.points.copy()
    _open(window, monkeypatch, path)
    assert len(window.out_of_core) == 1
    ooc = window.out_of_core[0]
    # The main window's data and model are as they were.
    np.testing.assert_array_equal(window.session.points, before)
    assert "opened out of core" in window.statusBar().currentMessage()
    assert window.files.recent_files()[0] == str(path.resolve())  # Open Recent opens it so
    about = ooc.window.about.text()
    assert "60,000 points" in about and "density" in about and "1 MB" in about
    _wait_for(qtbot, ooc)
    img = ooc.window.image.image
    assert img is not None and (img[..., 3] > 0).sum() > 1000
    assert "Density of 60,000 points drawn" in ooc.window.controls.status.text()
    assert not ooc.window.save_button.isEnabled()


def test_fit_runs_em_over_the_blocks_as_in_memory_and_saves(window, qtbot, monkeypatch,
                                                             big_file, tmp_path):
    path, X = big_file
    monkeypatch.setattr(ooc_module, "BLOCK_ROWS", 7_000)  # several blocks
    _open(window, monkeypatch, path)
    ooc = window.out_of_core[0]
    assert ooc.points.n_blocks == 9
    assert "a block of 7,000 at a time" in ooc.window.about.text()
    _wait_for(qtbot, ooc)
    w = ooc.window
    w.k.setValue(2)
    w.covariance.set_model("full")
    w.tol.setValue(1e-4)
    w.controls.run_button.click()
    assert w.controls.cancel_button.isEnabled()  # busy: Cancel offered, Fit waits
    assert not w.controls.run_button.isEnabled()
    _wait_for(qtbot, ooc)
    states = ooc.states
    final = states[-1]
    assert final.converged
    assert "Converged" in w.result.text() and f"Iteration {final.iteration}" in w.result.text()
    # The same run in memory from the same start.
    ref = list(em.iterate(X, states[0].mixture, ooc.settings))
    assert len(ref) == len(states)
    np.testing.assert_allclose(final.mixture.means, ref[-1].mixture.means, rtol=1e-12)
    np.testing.assert_allclose(final.mixture.covariances, ref[-1].mixture.covariances,
                               rtol=1e-12, atol=1e-15)
    # Ellipses drawn: three per component.
    assert len(w._ellipses) == 6
    # Save parameters (Ctrl+S, wherever the focus is): the file holds the fitted mixture.
    out = tmp_path / "fitted.json"
    monkeypatch.setattr(ooc_module.QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(out), ""))
    assert w.save_button.isEnabled()
    w.tol.setFocus()
    qtbot.keyClick(w.tol, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(out.exists, timeout=TIMEOUT)
    saved = read_mixture(out)
    np.testing.assert_array_equal(saved.mixture.means, final.mixture.means)
    assert tuple(saved.columns) == ("column 0", "column 1")
    assert saved.fit["n_iter"] == final.iteration and saved.fit["n_samples"] == X.shape[0]
    assert saved.fit["converged"] is True


def test_open_out_of_core_takes_any_npy_and_other_columns(window, qtbot, monkeypatch,
                                                          tmp_path):
    X = _data(3_000, cols=3)
    path = tmp_path / "small.npy"
    np.save(path, X)
    _open(window, monkeypatch, path, "open_out_of_core")
    ooc = window.out_of_core[0]
    _wait_for(qtbot, ooc)
    w = ooc.window
    assert w.x_column.isEnabled() and w.x_column.count() == 3
    w.y_column.setCurrentIndex(2)
    assert ooc.points.columns == (0, 2)
    _wait_for(qtbot, ooc)
    assert w.plot.getPlotItem().getAxis("left").labelText == "column 2"
    assert "Density of 3,000 points" in w.controls.status.text()


@pytest.mark.parametrize("content", [b"\x93NUMPY garbage", b"1,2\n3,4\n"])
def test_a_bad_file_opened_out_of_core_is_an_error_not_a_window(window, monkeypatch,
                                                                tmp_path, content):
    path = tmp_path / "bad.npy"
    path.write_bytes(content)
    before = window.session.points.copy()
    _open(window, monkeypatch, path, "open_out_of_core")
    assert window.out_of_core == []
    assert str(path) in window.feedback.last_error
    np.testing.assert_array_equal(window.session.points, before)


def test_a_point_that_is_not_finite_is_reported_and_the_window_stays(window, qtbot,
                                                                      monkeypatch, big_file):
    path, X = big_file
    X = X.copy()
    X[54_321, 0] = np.inf
    np.save(path, X)
    _open(window, monkeypatch, path)
    ooc = window.out_of_core[0]
    _wait_for(qtbot, ooc)
    assert "point 54321 is not finite" in ooc.last_error
    assert "point 54321" in ooc.window.controls.status.text()
    assert ooc.window.controls.run_button.isEnabled()  # the user can still act


def test_cancel_stops_the_reading(window, qtbot, monkeypatch, big_file):
    path, _ = big_file
    gate = threading.Event()
    real = ooc_module.out_of_core.density

    def held(*args, **kwargs):  # the reading waits until Cancel has been pressed
        gate.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(ooc_module.out_of_core, "density", held)
    _open(window, monkeypatch, path)
    ooc = window.out_of_core[0]
    assert ooc.window.controls.cancel_button.isEnabled()
    ooc.window.controls.cancel_button.click()
    gate.set()
    _wait_for(qtbot, ooc)
    assert ooc.window.controls.status.text() == "Reading stopped: no density drawn."


def test_closing_stops_the_thread(window, qtbot, monkeypatch, big_file):
    path, _ = big_file
    _open(window, monkeypatch, path)
    ooc = window.out_of_core[0]
    runner = ooc.runner
    ooc.window.close()
    assert not runner.running
    qtbot.waitUntil(lambda: window.out_of_core == [], timeout=TIMEOUT)
    # And a second one closes with the main window.
    _open(window, monkeypatch, path)
    runner = window.out_of_core[0].runner
    window.session.mark_saved()
    window.close()
    assert not runner.running


def test_the_density_is_drawn_where_the_points_are(window, qtbot, monkeypatch, tmp_path):
    # A long horizontal stripe, and nothing above it: a picture drawn turned (x for y)
    # would show a vertical one.
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.uniform(0, 10, 20_000), rng.uniform(0, 0.5, 20_000)])
    X[:10] = [[0.0, 10.0]]  # the view reaches up to y = 10
    np.save(tmp_path / "stripe.npy", X)
    _open(window, monkeypatch, tmp_path / "stripe.npy", "open_out_of_core")
    ooc = window.out_of_core[0]
    _wait_for(qtbot, ooc)
    image = ooc.window.image

    def alpha(x, y):
        p = image.mapFromView(QPointF(x, y))
        row_major = image.image.shape[:2] == (600, 800)
        col, row = int(p.x()), int(p.y())
        return image.image[row, col, 3] if row_major else image.image[col, row, 3]

    assert alpha(9.0, 0.25) > 0 and alpha(1.0, 0.25) > 0  # on the stripe
    assert alpha(9.0, 8.0) == 0 and alpha(0.25, 9.0) == 0  # above it


def test_keys_fit_and_cancel_mid_pass_keeping_the_iterations_done(window, qtbot,
                                                                   monkeypatch, big_file):
    path, _ = big_file
    monkeypatch.setattr(ooc_module, "BLOCK_ROWS", 6_000)  # ten blocks a pass
    real = ooc_module.out_of_core.fit_states
    first, gate = threading.Event(), threading.Event()

    def held(*args, **kwargs):  # the fit waits after its first state until Esc
        states = real(*args, **kwargs)
        yield next(states)
        first.set()
        gate.wait(30)
        yield from states

    monkeypatch.setattr(ooc_module.out_of_core, "fit_states", held)
    _open(window, monkeypatch, path)
    ooc = window.out_of_core[0]
    _wait_for(qtbot, ooc)
    w = ooc.window
    texts = []
    ooc.runner.progressed.connect(lambda p: texts.append(p.payload.text))
    w.k.setFocus()
    qtbot.keyClick(w.k, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: ooc.runner.busy, timeout=TIMEOUT)
    assert first.wait(60)
    cancelled = []
    w.controls.cancel_requested.connect(lambda: cancelled.append(True))
    qtbot.keyClick(w.k, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: bool(cancelled), timeout=TIMEOUT)
    gate.set()
    _wait_for(qtbot, ooc)
    assert len(ooc.states) == 1 and ooc.states[0].iteration == 0
    assert w.controls.status.text() == "Fit cancelled: the iterations done are kept."
    assert "Iteration 0" in w.result.text() and "Not converged." in w.result.text()
    assert w.save_button.isEnabled()
    # The first pass reported its blocks as it read them.
    assert "Iteration 0: block 1 of 10" in texts and "Iteration 0: block 10 of 10" in texts
