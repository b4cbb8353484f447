"""File > Samples, the column picker on open, and File > Export from the window."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from gmm_explorer.io.export import read_parameters_csv, read_parameters_npz
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.params import read_mixture
from gmm_explorer.qt.dialogs import ColumnChoice
from gmm_explorer.qt.main_window import EXPORTS, MainWindow
from tests.conftest import DATA
from tests.qt.test_window import idle, make_window


@pytest.mark.parametrize("key,n,labels", [("faithful", 272, None), ("iris", 150, 3),
                                          ("penguins", 342, 3)])
def test_samples_menu_opens_each_data_set_with_its_labels(qtbot, tmp_path, key, n, labels):
    w = make_window(qtbot, tmp_path)
    assert w.open_sample(key)
    idle(qtbot, w)
    assert w.session.n_points == n and w.session.initialised
    if labels is None:
        assert w.session.labels is None
    else:
        assert len(w.session.labels) == n and len(set(w.session.labels)) == labels


def test_column_picker_choice_is_used_and_remembered(qtbot, tmp_path, monkeypatch):
    asked = []

    def pick(self, path, table, initial):
        asked.append(initial)
        return ColumnChoice("Petal.Length", "Petal.Width", "Species")

    monkeypatch.setattr(MainWindow, "ask_columns_for", pick)
    w = make_window(qtbot, tmp_path)
    assert w.load_file(str(DATA / "iris.csv"))
    idle(qtbot, w)
    assert w.session.column_names == ("Petal.Length", "Petal.Width")
    assert set(w.session.labels) == {"setosa", "versicolor", "virginica"}
    assert asked == [None]
    assert w.load_file(str(DATA / "iris.csv"))
    assert asked[1] == ColumnChoice("Petal.Length", "Petal.Width", "Species")


def test_cancelling_the_column_picker_keeps_the_data(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(MainWindow, "ask_columns_for", lambda self, p, t, i: None)
    w = make_window(qtbot, tmp_path)
    w.load_sample()
    idle(qtbot, w)
    before = w.session.points
    assert not w.load_file(str(DATA / "iris.csv"))
    assert w.session.points is before


def test_two_column_files_open_without_asking(qtbot, tmp_path, monkeypatch):
    def never(*a):
        raise AssertionError("the picker should not be shown")

    monkeypatch.setattr(MainWindow, "ask_columns_for", never)
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n1,2\n3,4\n5,7\n")
    w = make_window(qtbot, tmp_path)
    assert w.load_file(str(path))


@pytest.fixture
def fitted(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.load_sample()
    idle(qtbot, w)
    for _ in range(3):
        w.step()
        idle(qtbot, w)
    return w


def test_every_export_writes_a_file_that_reads_back(fitted, tmp_path):
    w = fitted
    m = w.session.current.mixture
    out = {k: tmp_path / f"out{suffix}" if k not in ("points", "history", "responsibilities",
                                                      "params_csv")
           else tmp_path / f"{k}{suffix}" for k, (_, _, suffix) in EXPORTS.items()}
    for kind, path in out.items():
        size = (640, 400) if kind == "png" else None
        assert w.export(kind, str(path), size=size), (kind, w.last_error)
    assert read_mixture(out["params_json"]).mixture.equals(m)
    doc = json.loads(out["params_json"].read_text())
    assert doc["fit"]["n_iter"] == 3 and doc["columns"] == ["eruptions", "waiting"]
    assert read_parameters_csv(out["params_csv"].read_text()).equals(m)
    assert read_parameters_npz(out["params_npz"].read_bytes()).equals(m)
    rows = list(csv.reader(io.StringIO(out["responsibilities"].read_text())))
    assert rows[0][:3] == ["x", "y", "label"] and len(rows) == 273
    np.testing.assert_array_equal(load_points(out["points"]).points, w.session.points)
    hist = list(csv.reader(io.StringIO(out["history"].read_text())))
    assert len(hist) == 1 + len(w.session.history)
    from PySide6.QtGui import QImage

    img = QImage(str(out["png"]))
    assert (img.width(), img.height()) == (640, 400)
    svg = out["svg"].read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and "<path" in svg
    ns = {}
    exec(out["sklearn"].read_text(), ns)
    np.testing.assert_allclose(ns["gm"].means_init, m.means)


def test_exports_without_a_model_explain(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.new_session()
    assert not w.export("params_json", str(tmp_path / "p.json"))
    assert "no fitted model" in w.last_error and not (tmp_path / "p.json").exists()
    assert w.export("points", str(tmp_path / "pts.csv"))


def test_export_to_an_unwritable_place_shows_an_error(fitted, tmp_path):
    assert not fitted.export("params_json", str(tmp_path / "missing" / "p.json"))
    assert "cannot write" in fitted.last_error
