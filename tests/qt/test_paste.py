"""Edit › Paste points (Ctrl+V): cells copied from a spreadsheet become the data, or are
added to it, through the text loader's rules; bad text changes nothing."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gmm_explorer.qt.controllers.data_sources import DataSourcesController
from gmm_explorer.qt.controllers.files import FilesController
from gmm_explorer.qt.dialogs.column_picker import ColumnChoice
from tests.qt.window_helpers import idle, make_window, press

CTRL = Qt.KeyboardModifier.ControlModifier
SHEET = "width\theight\n1.5\t2\n3\t4.25\n-1\t0.5\n"


def paste(qtbot, w, text):
    QApplication.clipboard().setText(text)
    w.canvas.setFocus()
    press(qtbot, w, Qt.Key.Key_V, CTRL)
    idle(qtbot, w)


def test_ctrl_v_on_an_empty_canvas_makes_the_cells_the_data(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    assert w.session.n_points == 0
    paste(qtbot, w, SHEET)
    np.testing.assert_array_equal(w.session.points, [[1.5, 2], [3, 4.25], [-1, 0.5]])
    assert w.session.column_names == ("width", "height")
    assert w.windowTitle().startswith("Pasted data")


def test_ctrl_v_adds_to_the_data_in_one_undoable_edit(qtbot, tmp_path, monkeypatch):
    asked = []
    monkeypatch.setattr(DataSourcesController, "ask_paste_mode",
                        lambda self, n: asked.append(n) or "add")
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    before = w.session.points.copy()
    paste(qtbot, w, "1\t60\n2\t70\n")  # no header: just numbers
    assert asked == [2]
    assert w.session.n_points == 274 and w.session.column_names == ("eruptions", "waiting")
    np.testing.assert_array_equal(w.session.points[-2:], [[1, 60], [2, 70]])
    press(qtbot, w, Qt.Key.Key_Z, CTRL)
    idle(qtbot, w)
    np.testing.assert_array_equal(w.session.points, before)


def test_ctrl_v_can_replace_the_data_and_cancel_changes_nothing(qtbot, tmp_path, monkeypatch):
    answers = [None, "replace"]  # None: the user cancels
    monkeypatch.setattr(DataSourcesController, "ask_paste_mode",
                        lambda self, n: answers.pop(0))
    monkeypatch.setattr(FilesController, "ask_save_changes", lambda self: "discard")
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    before = w.session.points
    paste(qtbot, w, SHEET)
    assert w.session.points is before
    paste(qtbot, w, SHEET)
    assert w.session.n_points == 3 and w.session.column_names == ("width", "height")


def test_pasted_tables_with_more_columns_ask_which(qtbot, tmp_path, monkeypatch):
    tables = []

    def pick(self, path, table, initial):
        tables.append(table)
        return ColumnChoice("b", "c", "kind")

    monkeypatch.setattr(FilesController, "ask_columns_for", pick)
    w = make_window(qtbot, tmp_path)
    paste(qtbot, w, "a\tb\tc\tkind\n1\t2\t3\tx\n4\t5\t6\ty\n7\t8\t9\tx\n")
    assert tables[0].header == ("a", "b", "c", "kind")
    np.testing.assert_array_equal(w.session.points, [[2, 3], [5, 6], [8, 9]])
    assert w.session.labels == ("x", "y", "x")


def test_bad_or_empty_clipboard_shows_an_error_and_keeps_the_data(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    before, history = w.session.points, list(w.session.history)
    for text, fragment in (("", "holds no text"),
                           ("x\ty\n1\t2\n3\tabc\n", "the clipboard:3: column y: text value"),
                           ("name\tcolour\nred\tblue\n", "need at least two numeric")):
        paste(qtbot, w, text)
        assert fragment in w.feedback.last_error
        assert w.session.points is before and w.session.history == history
        box = QApplication.activeModalWidget()  # the error, window-modal: OK it
        assert isinstance(box, QMessageBox) and fragment in box.text()
        qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: QApplication.activeModalWidget() is None)


def test_ctrl_v_in_a_number_field_pastes_there_not_as_points(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    QApplication.clipboard().setText("5")
    box = w.controls.k
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_V, CTRL)
    assert box.lineEdit().text() == "5" and w.session.n_points == 272
