"""File > Samples, the column picker on open, and File > Export from the window."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer.io.export import read_parameters_csv, read_parameters_npz
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.params import read_mixture
from gmm_explorer.qt.controllers.exports import EXPORTS
from gmm_explorer.qt.controllers.files import FilesController
from gmm_explorer.qt.dialogs.column_picker import ColumnChoice
from tests.conftest import DATA
from tests.qt.window_helpers import idle, make_window


@pytest.mark.parametrize("key,n,labels", [("faithful", 272, None), ("iris", 150, 3),
                                          ("penguins", 342, 3)])
def test_samples_menu_opens_each_data_set_with_its_labels(qtbot, tmp_path, key, n, labels):
    w = make_window(qtbot, tmp_path)
    assert w.data.open_sample(key)
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

    monkeypatch.setattr(FilesController, "ask_columns_for", pick)
    w = make_window(qtbot, tmp_path)
    assert w.files.load_file(str(DATA / "iris.csv"))
    idle(qtbot, w)
    assert w.session.column_names == ("Petal.Length", "Petal.Width")
    assert set(w.session.labels) == {"setosa", "versicolor", "virginica"}
    assert asked == [None]
    assert w.files.load_file(str(DATA / "iris.csv"))
    assert asked[1] == ColumnChoice("Petal.Length", "Petal.Width", "Species")


def test_cancelling_the_column_picker_keeps_the_data(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr(FilesController, "ask_columns_for", lambda self, p, t, i: None)
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    before = w.session.points
    assert not w.files.load_file(str(DATA / "iris.csv"))
    assert w.session.points is before


def test_two_column_files_open_without_asking(qtbot, tmp_path, monkeypatch):
    def never(*a):
        raise AssertionError("the picker should not be shown")

    monkeypatch.setattr(FilesController, "ask_columns_for", never)
    path = tmp_path / "xy.csv"
    path.write_text("x,y\n1,2\n3,4\n5,7\n")
    w = make_window(qtbot, tmp_path)
    assert w.files.load_file(str(path))


@pytest.fixture
def fitted(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    for _ in range(3):
        w.actions["step"].trigger()
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
        assert w.exports.export(kind, str(path), size=size), (kind, w.feedback.last_error)
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
    w.actions["new"].trigger()
    assert not w.exports.export("params_json", str(tmp_path / "p.json"))
    assert "no fitted model" in w.feedback.last_error and not (tmp_path / "p.json").exists()
    assert w.exports.export("points", str(tmp_path / "pts.csv"))


def test_export_to_an_unwritable_place_shows_an_error(fitted, tmp_path):
    assert not fitted.exports.export("params_json", str(tmp_path / "missing" / "p.json"))
    assert "cannot write" in fitted.feedback.last_error


def test_generate_data_replaces_the_data_with_ground_truth(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    assert w.data.generate_data("separated", 300, 3, 7)
    idle(qtbot, w)
    assert w.session.n_points == 300 and w.session.initialised
    assert len(set(w.session.labels)) == 3 and w.windowTitle().startswith("Well-separated")
    from gmm_explorer.engine.datasets import generate

    np.testing.assert_array_equal(w.session.points, generate("separated", 300, 3, 7)[0])
    assert not w.data.generate_data("separated", 1, 3, 7)  # bad N: error, data kept
    assert w.session.n_points == 300 and "N must be" in w.feedback.last_error


def test_sample_from_the_model_replaces_or_adds_and_is_undoable(fitted, qtbot):
    w = fitted
    m = w.session.current.mixture
    assert w.data.sample_from_model(1000, 3, replace=True)
    idle(qtbot, w)
    from gmm_explorer import engine as E

    np.testing.assert_array_equal(w.session.points, E.sample(m, 1000, seed=3)[0])
    assert w.session.current.iteration == 0 and w.session.current.mixture.equals(m)
    assert w.data.sample_from_model(50, 4, replace=False)
    assert w.session.n_points == 1050
    w.actions["undo"].trigger()
    w.actions["undo"].trigger()
    assert w.session.n_points == 272


def test_initialise_from_a_parameters_file(fitted, qtbot, tmp_path):
    from gmm_explorer.engine import Mixture
    from gmm_explorer.io.params import write_mixture

    start = Mixture([0.2, 0.3, 0.5], [[2, 50], [3, 70], [4.5, 80]],
                    [np.diag([0.1, 30.0])] * 3, "diag")
    path = tmp_path / "start.json"
    write_mixture(path, start)
    assert fitted.data.initialise_from_file(str(path))
    idle(qtbot, fitted)
    s = fitted.session
    assert s.settings.k == 3 and s.settings.covariance_type == "diag"
    assert fitted.controls.k.value() == 3
    assert s.current.iteration == 0 and s.current.mixture.equals(start)
    bad = tmp_path / "bad.json"
    bad.write_text('{"weights": [1.0], "means": [[0, 0]], "covariances": [[[1, 2], [2, 1]]]}')
    assert not fitted.data.initialise_from_file(str(bad))
    assert "covariances[0]" in fitted.feedback.last_error and s.current.mixture.equals(start)


def test_generate_and_sample_dialogs_offer_their_choices(qtbot):
    from gmm_explorer.qt.dialogs.generate_data import GenerateDialog
    from gmm_explorer.qt.dialogs.sample_from_model import SampleDialog

    g = GenerateDialog()
    qtbot.addWidget(g)
    from gmm_explorer.engine.datasets import GENERATORS

    assert [g.kind.itemData(i) for i in range(g.kind.count())] == list(GENERATORS)
    g.kind.setCurrentIndex(g.kind.findData("moons"))
    assert not g.k.isEnabled()  # K does not apply to two moons
    g.n.setValue(1234)
    assert g.values()[:2] == ("moons", 1234)
    sd = SampleDialog()
    qtbot.addWidget(sd)
    sd.add.setChecked(True)
    sd.n.setValue(77)
    assert sd.values() == (77, 0, False)


def test_export_names_say_what_the_file_holds():
    from gmm_explorer.qt.controllers.exports import suggested_name

    assert suggested_name("Old Faithful", "params_json") == "old-faithful-parameters.json"
    assert suggested_name("Iris (petals)", "png") == "iris-petals-canvas.png"
    assert suggested_name("work.gmmx", "history") == "work-log-likelihood.csv"
    assert suggested_name(None, "responsibilities") == "gmm-responsibilities.csv"


def test_the_export_dialog_suggests_a_clean_name(fitted, tmp_path, monkeypatch):
    from gmm_explorer.qt.controllers import exports

    suggested = []

    def fake_dialog(parent, caption, start, filt):
        suggested.append(start)
        return "", ""

    monkeypatch.setattr(exports.QFileDialog, "getSaveFileName", fake_dialog)
    fitted.exports.export_dialog("params_json")
    assert Path(suggested[0]).name == "old-faithful-parameters.json"


def test_generate_asks_about_unsaved_changes_before_the_dialog(window, monkeypatch):
    from gmm_explorer.qt.controllers.data_sources import DataSourcesController

    order = []
    monkeypatch.setattr(FilesController, "ask_save_changes",
                        lambda self: order.append("save?") or "discard")
    monkeypatch.setattr(DataSourcesController, "ask_generate",
                        lambda self: order.append("dialog") or ("separated", 300, 3, 1))
    window.points.add_point(3.0, 70.0)  # an unsaved change
    window.actions["generate"].trigger()
    assert order == ["save?", "dialog"]
    assert window.session.n_points == 300


def test_clear_all_makes_the_data_untitled(window, qtbot):
    assert window.windowTitle().startswith("Old Faithful")
    window.actions["clear"].trigger()
    assert window.windowTitle().startswith("Untitled")


def test_reset_settings_restores_the_defaults(window, qtbot):
    window.controls.k.setValue(5)
    window.controls.init.setCurrentText("random")
    window.controls.sigma_boxes[3].setChecked(True)
    idle(qtbot, window)
    assert window.session.settings.k == 5
    window.actions["reset_settings"].trigger()
    idle(qtbot, window)
    s = window.session.settings
    assert (s.k, s.init, s.covariance_type) == (2, "kmeans", "full")
    assert window.controls.k.value() == 2 and window.controls.init.currentText() == "kmeans"
    assert not window.controls.sigma_boxes[3].isChecked()
    assert window.session.current.mixture.n_components == 2


def test_first_launch_size_uses_a_large_screen():
    from gmm_explorer.qt.window_state import default_geometry

    assert default_geometry(1920, 1040) == (1536, 832)
    assert default_geometry(1280, 720) == (1203, 676)  # 94% where 1280 x 820 does not fit
    assert default_geometry(2560, 1400) == (2048, 1120)


def test_an_excel_workbook_opens_through_the_column_picker(qtbot, tmp_path, monkeypatch):
    """The picker shows a workbook's sheet as it shows a CSV file, rows numbered as in
    Excel; the choice loads the points and labels."""
    from gmm_explorer.qt.dialogs.column_picker import ColumnPickerDialog
    from tests.table_bytes import excel_bytes

    path = tmp_path / "measured.xlsx"
    path.write_bytes(excel_bytes([["Plot data", None, None, None],
                                  ["site", "width", "height", "kind"],
                                  *[[i, 0.5 * i, i * i / 7, "ab"[i % 2]] for i in range(1, 9)]],
                                 merge=("A1:C1",)))
    seen = []

    def pick(self, p, table, initial):
        dialog = ColumnPickerDialog(table, initial)
        qtbot.addWidget(dialog)
        seen.append((dialog.summary_label.text(),
                     dialog.preview.verticalHeaderItem(0).text()))
        return ColumnChoice("width", "height", "kind")

    monkeypatch.setattr(FilesController, "ask_columns_for", pick)
    w = make_window(qtbot, tmp_path)
    assert w.files.load_file(str(path))
    idle(qtbot, w)
    summary, first_row = seen[0]
    assert summary.startswith("Excel workbook; header on row 2") and "rows 1–2" in summary
    assert first_row == "3"
    assert w.session.column_names == ("width", "height") and w.session.n_points == 8
    assert w.session.labels[:2] == ("b", "a")
