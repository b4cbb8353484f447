"""The column picker, driven as a user drives it (pytest-qt, offscreen)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QPushButton, QTableWidget

from gmm_explorer.errors import InputError
from gmm_explorer.io.columns import CLASSIFY_ROWS, table_needing_choice
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.text_table import read_table
from gmm_explorer.qt.dialogs.column_picker import (
    NO_LABELS,
    PREVIEW_ROWS,
    ColumnChoice,
    ColumnPickerDialog,
    ask_columns,
)

DATA = Path(__file__).resolve().parents[2] / "resources" / "data"
IRIS_MEASURES = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]


@pytest.fixture
def iris_table():
    return read_table(DATA / "iris.csv", max_rows=CLASSIFY_ROWS)


def make_dialog(qtbot, table, initial=None) -> ColumnPickerDialog:
    dialog = ColumnPickerDialog(table, initial)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def items(combo: QComboBox) -> list[str]:
    return [combo.itemText(i) for i in range(combo.count())]


def choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered: {items(combo)}"
    combo.setCurrentIndex(index)


def test_preview_shows_the_header_and_first_rows(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    preview = dialog.preview
    header = [preview.horizontalHeaderItem(j).text() for j in range(preview.columnCount())]
    assert header == ["rownames"] + IRIS_MEASURES + ["Species"]
    assert preview.rowCount() == PREVIEW_ROWS
    assert [preview.item(0, j).text() for j in range(6)] == ["1", "5.1", "3.5", "1.4", "0.2",
                                                             "setosa"]
    assert preview.item(PREVIEW_ROWS - 1, 0).text() == str(PREVIEW_ROWS)
    # Row headers are the file's line numbers (the header is line 1).
    assert preview.verticalHeaderItem(0).text() == "2"
    assert preview.editTriggers() == QTableWidget.EditTrigger.NoEditTriggers
    assert not preview.item(0, 1).flags() & Qt.ItemFlag.ItemIsEditable
    assert dialog.file_label.text() == "iris.csv"
    assert "header on line 1" in dialog.summary_label.text()
    assert "iris.csv" in dialog.windowTitle()


def test_combos_offer_numeric_columns_and_label_candidates(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    # The rownames column is left out, as load_points leaves it out of its own choice.
    assert items(dialog.x_combo) == IRIS_MEASURES
    assert items(dialog.y_combo) == IRIS_MEASURES
    assert items(dialog.labels_combo) == [NO_LABELS, "Species"]
    # Without an initial choice: the loader's automatic choice and no labels.
    assert dialog.choice() == ColumnChoice("Sepal.Length", "Sepal.Width", None)
    assert dialog.ok_button.isEnabled()
    assert not dialog.hint_label.isVisibleTo(dialog)


def test_choose_with_the_combos_and_click_ok(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    choose(dialog.x_combo, "Petal.Length")
    choose(dialog.y_combo, "Petal.Width")
    choose(dialog.labels_combo, "Species")
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    choice = dialog.choice()
    assert choice == ColumnChoice(x="Petal.Length", y="Petal.Width", labels="Species")
    assert choice.columns == ("Petal.Length", "Petal.Width")
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.x = "Sepal.Length"  # type: ignore[misc]
    data = load_points(DATA / "iris.csv", choice.columns, labels=choice.labels)
    assert data.column_indices == (3, 4) and len(set(data.labels)) == 3


def test_cancel_rejects(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    with qtbot.waitSignal(dialog.rejected, timeout=5000):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_same_x_and_y_disables_ok_with_a_hint(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    choose(dialog.y_combo, "Sepal.Length")
    assert not dialog.ok_button.isEnabled()
    assert dialog.hint_label.isVisible()
    assert "different" in dialog.hint_label.text()
    # Enter (or a stray accept) does not close the dialog with an invalid choice.
    dialog.accept()
    assert dialog.isVisible()
    choose(dialog.y_combo, "Petal.Width")
    assert dialog.ok_button.isEnabled()
    assert not dialog.hint_label.isVisible()


def test_labels_equal_to_x_disables_ok(qtbot, tmp_path):
    path = tmp_path / "clusters.csv"
    path.write_text("x,y,cluster\n0.5,1.5,0\n2.5,3.5,1\n4.5,0.5,2\n")
    dialog = make_dialog(qtbot, read_table(path))
    assert items(dialog.x_combo) == ["x", "y", "cluster"]
    assert items(dialog.labels_combo) == [NO_LABELS, "cluster"]
    choose(dialog.labels_combo, "cluster")
    assert dialog.ok_button.isEnabled()
    choose(dialog.x_combo, "cluster")
    assert not dialog.ok_button.isEnabled()
    assert "labels column must differ" in dialog.hint_label.text()


@pytest.mark.parametrize(
    "initial",
    [ColumnChoice("Petal.Length", "Petal.Width", "Species"),
     ColumnChoice(3, 4, 5),
     ColumnChoice("3", "4", "5"),
     ColumnChoice("petal.length", "petal.width", "species")],
)
def test_initial_choice_is_preselected(qtbot, iris_table, initial):
    dialog = make_dialog(qtbot, iris_table, initial)
    assert dialog.x_combo.currentText() == "Petal.Length"
    assert dialog.y_combo.currentText() == "Petal.Width"
    assert dialog.labels_combo.currentText() == "Species"
    assert dialog.choice() == ColumnChoice("Petal.Length", "Petal.Width", "Species")


def test_unusable_initial_choice_falls_back(qtbot, iris_table):
    # rownames is not offered, "Genus" does not exist, Sepal.Width is not a label column.
    dialog = make_dialog(qtbot, iris_table, ColumnChoice("rownames", "Genus", "Sepal.Width"))
    assert dialog.choice() == ColumnChoice("Sepal.Length", "Sepal.Width", None)
    dialog = make_dialog(qtbot, iris_table, ColumnChoice("Genus", "Sepal.Length"))
    assert dialog.choice() == ColumnChoice("Sepal.Width", "Sepal.Length", None)
    assert dialog.ok_button.isEnabled()


def test_files_without_names_give_indices(qtbot, tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("0.5,1.5,a\n2.5,3.5,b\n")
    table = read_table(path)
    dialog = make_dialog(qtbot, table)
    assert items(dialog.x_combo) == ["column 0", "column 1"]
    choose(dialog.labels_combo, "column 2")
    assert dialog.choice() == ColumnChoice(0, 1, 2)
    assert "no header row" in dialog.summary_label.text()
    data = load_points(path, dialog.choice().columns, labels=dialog.choice().labels)
    assert data.labels == ("a", "b")

    # R's write.csv: an empty name over the row names, which the dialog does not offer.
    path = tmp_path / "r.csv"
    path.write_text('"","x","x","g"\n"1",1.5,2.5,"a"\n"2",3.5,4.5,"b"\n"3",5.5,0.5,"a"\n')
    dialog = make_dialog(qtbot, read_table(path))
    assert items(dialog.x_combo) == ["x", "x"]
    # A duplicated name is ambiguous: the choice gives indices for those columns.
    assert dialog.choice() == ColumnChoice(1, 2, None)


def test_every_widget_has_a_tooltip(qtbot, iris_table):
    dialog = make_dialog(qtbot, iris_table)
    widgets = [*dialog.findChildren(QLabel), *dialog.findChildren(QComboBox),
               *dialog.findChildren(QPushButton), *dialog.findChildren(QTableWidget)]
    assert len(widgets) >= 11
    for widget in widgets:
        assert widget.toolTip(), f"{type(widget).__name__} {widget.objectName()!r} has no tooltip"


def test_too_few_numeric_columns_cannot_be_accepted(qtbot, tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("x,label\n1,a\n2,b\n")
    dialog = make_dialog(qtbot, read_table(path))
    assert not dialog.ok_button.isEnabled()
    assert "two numeric columns" in dialog.hint_label.text()


# --------------------------------------------------------------------------- ask_columns
# Only the paths that show no dialog: exec() would block the test.


@pytest.mark.parametrize(
    ("name", "content"),
    [("two.csv", b"x,y\n1,2\n3,4\n"),
     ("r_index.csv", b'"","x","y"\n"1",1.5,2\n"2",3.5,4\n"3",5.5,6\n'),
     ("one_numeric.csv", b"x,label\n1,a\n2,b\n")],
)
def test_ask_columns_without_a_question(qtbot, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    assert table_needing_choice(path) is None
    assert ask_columns(None, path) is None


def test_ask_columns_on_arrays_and_faithful(qtbot, tmp_path):
    npy = tmp_path / "wide.npy"
    np.save(npy, np.zeros((3, 5)))
    assert ask_columns(None, npy) is None
    # rownames, eruptions and waiting: the index is skipped, 'waiting' is no label code.
    assert ask_columns(None, DATA / "faithful.csv") is None
    # Iris and penguins have columns to choose: a dialog would be shown.
    for name in ("iris.csv", "penguins.csv"):
        table = table_needing_choice(DATA / name)
        assert table is not None and table.source == str(DATA / name)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [(None, "no such file"), (b"", "the file is empty"), (b"x,y\n1,2\n3,4,5\n", "ragged row")],
)
def test_ask_columns_raises_input_errors(qtbot, tmp_path, content, fragment):
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=fragment):
        ask_columns(None, path)


def test_a_label_column_besides_x_and_y_is_worth_asking(qtbot, tmp_path):
    path = tmp_path / "labelled.csv"
    path.write_text("x,y,group\n0.5,1,a\n0.7,2,b\n")
    table = table_needing_choice(path)
    assert table is not None and table.header == ("x", "y", "group")
