"""The standardised view (#11 trap 4): offered when the columns' spreads differ more than
10×, one click away, and every export stays in the data's units."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from gmm_explorer import engine as E
from gmm_explorer.io.params import read_mixture
from tests.qt.window_helpers import TIMEOUT, idle, window_with


def _clumps(seed=0):
    """Three round clumps drawn 15× longer in y than in x (the trap's hand-drawn data)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, 1.0]])
    pts = np.concatenate([c + 0.12 * rng.standard_normal((60, 2)) for c in centres])
    return pts * [1.0, 15.0] + [2.0, 60.0]


def test_the_offer_shows_for_spreads_10x_apart_and_one_click_standardises(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, _clumps())
    bar, s = w.units_bar, w.session
    sd = _clumps().std(axis=0)
    said = f"“column 1” spreads {sd[1] / sd[0]:.0f}× more than “column 0”"
    assert bar.offering and bar.text.text().startswith(said)
    assert bar.button.text() == "Standardise"
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    qtbot.waitUntil(lambda: s.current is not None, timeout=TIMEOUT)
    np.testing.assert_allclose(s.points.std(axis=0), [1.0, 1.0])
    assert s.column_names == ("column 0 (z)", "column 1 (z)")
    assert w.canvas.plotItem.getAxis("left").labelText == "column 1 (z)"
    assert w.actions["standardise"].isChecked()
    assert not bar.offering and bar.button.text() == "Back to data units"
    assert s.dirty
    # The log-likelihood is that of the z-scores, and the status bar says so.
    assert f"mean LL {s.current.mean_log_likelihood:.6g} (z units)" in w.status_label.text()
    # ...and back, bit for bit.
    qtbot.mouseClick(bar.button, Qt.MouseButton.LeftButton)
    idle(qtbot, w)
    np.testing.assert_array_equal(s.points, _clumps())
    assert s.column_names == ("column 0", "column 1") and bar.offering
    qtbot.waitUntil(lambda: s.current is not None, timeout=TIMEOUT)
    assert "(z units)" not in w.status_label.text()


def test_no_offer_for_similar_spreads_and_the_offer_can_be_dismissed(qtbot, tmp_path):
    rng = np.random.default_rng(1)
    w = window_with(qtbot, tmp_path, rng.standard_normal((100, 2)) * [1.0, 9.0])
    assert w.units_bar.isHidden()
    w2 = window_with(qtbot, tmp_path, _clumps())
    qtbot.mouseClick(w2.units_bar.close_button, Qt.MouseButton.LeftButton)
    assert w2.units_bar.isHidden()
    w2.points.add_point(2.0, 60.0)  # an edit does not bring it back
    assert w2.units_bar.isHidden()
    w2.actions["standardise"].trigger()  # the menu still switches
    idle(qtbot, w2)
    assert w2.session.units is not None and not w2.units_bar.isHidden()


def test_standardised_fit_exports_parameters_in_the_data_units(qtbot, tmp_path):
    raw = _clumps()
    w = window_with(qtbot, tmp_path, raw)
    s = w.session
    w.actions["standardise"].trigger()
    idle(qtbot, w)
    w.controls.k.setValue(3)
    w.controls.settings_edited.emit()
    idle(qtbot, w)
    w.actions["converge"].trigger()
    qtbot.waitUntil(lambda: s.current is not None and s.current.converged, timeout=TIMEOUT)
    idle(qtbot, w)
    path = tmp_path / "fit.json"
    assert w.exports.export("params_json", str(path))
    m = read_mixture(path).mixture
    # The same mixture of the same points: its density in data units is the z-density
    # over the Jacobian, and it assigns each point as in z.
    sx, sy = s.units.scale
    np.testing.assert_allclose(E.score_samples(raw, m),
                               E.score_samples(s.points, s.current.mixture) - np.log(sx * sy),
                               rtol=0, atol=1e-9)
    np.testing.assert_array_equal(E.predict(raw, m), E.predict(s.points, s.current.mixture))
    obj = json.loads(path.read_text())
    assert obj["columns"] == ["column 0", "column 1"]
    assert obj["fit"]["log_likelihood"] == pytest.approx(E.score_samples(raw, m).sum(), abs=1e-6)
    # The fit in z finds the three clumps.
    assert sorted(np.bincount(E.predict(raw, m))) == [60, 60, 60]
    points_csv = tmp_path / "points.csv"
    assert w.exports.export("points", str(points_csv))
    back = np.loadtxt(points_csv, delimiter=",", skiprows=1)
    np.testing.assert_allclose(back, raw, rtol=1e-15, atol=1e-12)


def test_a_saved_standardised_session_reopens_standardised(qtbot, tmp_path):
    w = window_with(qtbot, tmp_path, _clumps())
    w.actions["standardise"].trigger()
    idle(qtbot, w)
    path = tmp_path / "s.gmmx"
    assert w.files.save_to(str(path))
    w2 = window_with(qtbot, tmp_path, np.zeros((3, 2)) + np.arange(3)[:, None])
    assert w2.files.load_file(str(path), ask=False)
    idle(qtbot, w2)
    assert w2.session.units is not None and w2.units_bar.button.text() == "Back to data units"
    np.testing.assert_allclose(w2.session.data_points, _clumps(), atol=1e-12)
