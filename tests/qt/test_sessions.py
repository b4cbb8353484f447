"""Sessions in the window: save/open bit for bit, unsaved-changes prompts, recovery,
drag and drop, and bad files through the window's open path."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from gmm_explorer.io.session_file import read_session
from gmm_explorer.qt.controllers.files import AUTOSAVE_SECONDS, FilesController
from tests.malformed_corpus import MALFORMED, write_case
from tests.qt.window_helpers import idle, make_window


@pytest.fixture
def stepped(qtbot, tmp_path):
    """Old Faithful after three steps and an E-step, with a point added."""
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    w.points.add_point(3.0, 70.0)
    idle(qtbot, w)
    for _ in range(3):
        w.actions["step"].trigger()
        idle(qtbot, w)
    w.actions["e_step"].trigger()
    idle(qtbot, w)
    assert w.session.phase == "E" and w.session.dirty
    return w


def assert_same_session(a, b):
    assert a.points.tobytes() == b.points.tobytes()
    assert a.settings == b.settings and a.phase == b.phase
    assert a.column_names == b.column_names and a.source == b.source
    assert len(a.history) == len(b.history)
    for x, y in zip(a.history, b.history):
        assert x.mixture.equals(y.mixture)
        assert (x.iteration, x.log_likelihood, x.mean_log_likelihood, x.change, x.converged,
                x.ll_decreased, x.n_samples) == (y.iteration, y.log_likelihood,
                                                 y.mean_log_likelihood, y.change, y.converged,
                                                 y.ll_decreased, y.n_samples)
        assert x.n_effective.tobytes() == y.n_effective.tobytes()


def test_save_then_open_restores_the_session_bit_for_bit(stepped, qtbot, tmp_path):
    path = tmp_path / "work.gmmx"
    assert stepped.files.save_to(str(path))
    assert not stepped.session.dirty and not stepped.isWindowModified()
    assert stepped.windowTitle().startswith("work.gmmx")
    other = make_window(qtbot, tmp_path, "other.ini")
    assert other.files.load_file(str(path))
    idle(qtbot, other)
    assert_same_session(stepped.session, other.session)
    assert not other.session.dirty
    # Stepping on from the restored session gives exactly what the original gives.
    stepped.actions["step"].trigger()
    other.actions["step"].trigger()
    idle(qtbot, stepped)
    idle(qtbot, other)
    assert stepped.session.current.mixture.equals(other.session.current.mixture)


def test_title_marks_unsaved_changes(stepped, qtbot, tmp_path):
    assert stepped.isWindowModified()
    stepped.files.save_to(str(tmp_path / "a.gmmx"))
    assert not stepped.isWindowModified()
    stepped.actions["step"].trigger()
    idle(qtbot, stepped)
    assert stepped.isWindowModified() and stepped.session.dirty


def test_opening_a_file_is_not_an_unsaved_change(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    assert not w.session.dirty and not w.isWindowModified()


def test_a_sample_only_loaded_is_not_asked_about(qtbot, tmp_path, monkeypatch):
    """#11 trap 11: "unsaved changes?" was asked after a sample was only loaded."""
    w = make_window(qtbot, tmp_path)
    asked = []
    monkeypatch.setattr(FilesController, "ask_save_changes",
                        lambda self: asked.append(1) or "cancel")
    menu = w.menus["samples"]
    for title in ("Iris", "Palmer penguins", "Old Faithful"):
        act = next(a for a in menu.actions() if a.text().startswith(title))
        act.trigger()
        idle(qtbot, w)
        assert not w.isWindowModified(), title
    assert asked == [] and w.windowTitle().startswith("Old Faithful")


def test_unsaved_changes_prompt_before_close_open_and_new(stepped, qtbot, tmp_path,
                                                        monkeypatch):
    asked = []
    monkeypatch.setattr(FilesController, "ask_save_changes",
                        lambda self: asked.append(1) or "cancel")
    stepped.close()
    assert stepped.isVisible() and len(asked) == 1  # cancelled: still open
    before = stepped.session
    assert not stepped.files.load_file(str(tmp_path / "whatever.csv"))
    stepped.actions["new"].trigger()
    assert stepped.session is before and len(asked) == 3
    # "save" writes the session, then goes on.
    monkeypatch.setattr(FilesController, "ask_save_changes", lambda self: "save")
    monkeypatch.setattr(FilesController, "save_as",
                        lambda self: self.save_to(str(tmp_path / "saved.gmmx")))
    stepped.actions["new"].trigger()
    assert (tmp_path / "saved.gmmx").exists() and stepped.session.n_points == 0


def autosave(w, qtbot) -> None:
    """The autosave timer fires; its background write finishes."""
    w.files.autosave.timeout.emit()
    assert w.files.recovery_writer.busy
    qtbot.waitUntil(lambda: not w.files.recovery_writer.busy)


def test_recovery_after_a_simulated_crash(stepped, qtbot, tmp_path, monkeypatch):
    assert stepped.files.autosave.interval() == AUTOSAVE_SECONDS * 1000
    autosave(stepped, qtbot)
    rec_path = FilesController.recovery_path()
    assert rec_path.exists()
    saved = stepped.session
    # A crash leaves the recovery file behind; the next launch offers to restore it.
    monkeypatch.setattr(FilesController, "ask_restore", lambda self: True)
    from gmm_explorer.qt.app import open_window

    _, w = open_window(None)
    qtbot.addWidget(w)
    idle(qtbot, w)
    assert_same_session(saved, w.session)
    assert w.session.dirty and "Recovered" in w.windowTitle()
    assert not rec_path.exists()
    stepped.files.remove_recovery()


@pytest.fixture
def slow_pieces(monkeypatch):
    """The session file's pieces, held in the autosave thread (only) until released:
    after the first piece, or after the last, just before the file is replaced."""
    import threading

    from gmm_explorer.io import session_file

    real = session_file.session_pieces
    gate = {"release": threading.Event(), "held": threading.Event(), "where": "first"}

    def pieces(rec):
        background = threading.current_thread() is not threading.main_thread()
        for i, piece in enumerate(real(rec)):
            yield piece
            if background and i == 0 and gate["where"] == "first":
                gate["held"].set()
                gate["release"].wait(10)
        if background and gate["where"] == "last":
            gate["held"].set()
            gate["release"].wait(10)

    monkeypatch.setattr(session_file, "session_pieces", pieces)
    return gate


@pytest.mark.parametrize("where", ["first", "last"])
def test_saving_during_an_autosave_leaves_no_recovery_file(stepped, qtbot, tmp_path,
                                                            monkeypatch, slow_pieces, where):
    slow_pieces["where"] = where
    rec_path = FilesController.recovery_path()
    stepped.files.autosave.timeout.emit()
    assert slow_pieces["held"].wait(10)
    assert not stepped.files.autosave_now()  # one write at a time
    # The window keeps working meanwhile: a step goes through.
    before = stepped.session.current.iteration
    stepped.actions["step"].trigger()
    idle(qtbot, stepped)
    assert stepped.session.current.iteration == before + 1
    monkeypatch.setattr(FilesController, "save_as",
                        lambda self: self.save_to(str(tmp_path / "saved.gmmx")))
    stepped.actions["save"].trigger()
    assert not stepped.session.dirty
    slow_pieces["release"].set()
    qtbot.waitUntil(lambda: not stepped.files.recovery_writer.busy)
    # Whether the write stopped (after the first piece) or replaced the file (after the
    # last), the saved session leaves no recovery behind, nor a temporary file.
    assert not rec_path.exists()
    assert not [p for p in rec_path.parent.iterdir() if p.name.startswith(".recovery")]
    assert read_session(tmp_path / "saved.gmmx").history[-1].iteration == before + 1


def test_closing_during_an_autosave_stops_it_and_leaves_no_recovery_file(
        stepped, qtbot, slow_pieces):
    import threading

    rec_path = FilesController.recovery_path()
    stepped.files.autosave.timeout.emit()
    assert slow_pieces["held"].wait(10)
    stepped.session.mark_saved()  # no "save changes?" prompt
    threading.Timer(0.3, slow_pieces["release"].set).start()  # while close() waits
    stepped.close()
    assert not stepped.files.recovery_writer.running
    assert not rec_path.exists()
    assert not [p for p in rec_path.parent.iterdir() if p.name.startswith(".recovery")]


def test_declining_recovery_starts_normally(stepped, qtbot):
    autosave(stepped, qtbot)
    from gmm_explorer.qt.app import open_window

    _, w = open_window(None)
    qtbot.addWidget(w)
    idle(qtbot, w)
    assert w.session.n_points == 272 and not FilesController.recovery_path().exists()


def test_drag_and_drop_opens_the_file(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    path = tmp_path / "dropped.csv"
    path.write_text("a,b\n" + "".join(f"{i % 9},{i % 4}\n" for i in range(30)))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(w, drop)
    idle(qtbot, w)
    assert w.session.n_points == 30 and w.windowTitle().startswith("dropped.csv")
    assert str(path.resolve()) == w.files.recent_files()[0]


@pytest.mark.parametrize("case", MALFORMED, ids=lambda c: c.filename)
def test_malformed_files_through_the_window_keep_the_data(qtbot, tmp_path, case):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    before = w.session.points
    history = list(w.session.history)
    path = write_case(tmp_path, case)
    cols = case.columns
    assert not w.files.load_file(str(path), columns=cols)
    assert case.filename in w.feedback.last_error and case.fragment in w.feedback.last_error.lower()
    assert w.session.points is before and w.session.history == history


@pytest.mark.parametrize("mutate,fragment", [
    (lambda d: d.update(version=7), "newer GMM Explorer"),
    (lambda d: d.update(format="something else"), "not a GMM Explorer session"),
    (lambda d: d["points"].update(base64="!!!"), "points.base64"),
    (lambda d: d["points"].update(shape=[5, 2]), "points.base64"),
    (lambda d: d["settings"].pop("k"), "settings.k"),
    (lambda d: d["settings"].update(k=99), "K must be between"),
    (lambda d: d["history"][1]["mixture"].update(weights=[0.9, 0.9]), "history[1].mixture"),
    (lambda d: d["history"][0].update(n_samples=3), "history[0].n_samples"),
    (lambda d: d.update(phase="X"), "phase"),
    (lambda d: d.update(labels=["a"]), "labels"),
    (lambda d: d.update(position=99), "position"),
])
def test_corrupted_sessions_give_a_clear_error_and_keep_the_data(stepped, qtbot, tmp_path,
                                                                 mutate, fragment):
    good = tmp_path / "good.gmmx"
    stepped.files.save_to(str(good))
    doc = json.loads(good.read_text())
    mutate(doc)
    bad = tmp_path / "bad.gmmx"
    bad.write_text(json.dumps(doc))
    before = stepped.session
    assert not stepped.files.load_file(str(bad))
    assert "bad.gmmx" in stepped.feedback.last_error and fragment in stepped.feedback.last_error
    assert stepped.session is before


def test_truncated_and_binary_sessions(stepped, tmp_path):
    good = tmp_path / "good.gmmx"
    stepped.files.save_to(str(good))
    for name, data in (("cut.gmmx", good.read_bytes()[:500]), ("bin.gmmx", b"\x00\xff" * 50)):
        (tmp_path / name).write_bytes(data)
        assert not stepped.files.load_file(str(tmp_path / name))
        assert name in stepped.feedback.last_error


def test_session_file_is_json_with_points_in_base64(stepped, tmp_path):
    path = tmp_path / "s.gmmx"
    stepped.files.save_to(str(path))
    doc = json.loads(path.read_text())
    assert doc["format"] == "gmm-explorer.session" and doc["version"] == 2
    assert doc["position"] == len(doc["history"]) - 1
    rec = read_session(path)
    np.testing.assert_array_equal(rec.points, stepped.session.points)


def test_a_result_in_flight_is_dropped_when_a_session_is_opened(stepped, qtbot, tmp_path):
    path = tmp_path / "other.gmmx"
    stepped.files.save_to(str(path))
    stepped.controls.tol.setValue(0.0)
    stepped.controls.max_iter.setValue(100000)
    idle(qtbot, stepped)
    stepped.session.mark_saved()
    # A fresh session's first version is 1: make the old session's match it, so that
    # only versions that keep increasing across sessions can tell the two apart.
    stepped.session.model_version = 1
    stepped.actions["step"].trigger()  # in flight for the current session...
    assert stepped.files.load_file(str(path))  # ...which is replaced before it returns
    opened = [r.mixture for r in stepped.session.history]
    idle(qtbot, stepped)
    assert [r.mixture for r in stepped.session.history] == opened
    assert stepped.run.dropped_results >= 1


def test_a_result_in_flight_is_dropped_by_new(stepped, qtbot):
    stepped.session.mark_saved()
    stepped.session.model_version = 1  # the version a fresh session would start from
    stepped.actions["step"].trigger()
    stepped.actions["new"].trigger()
    idle(qtbot, stepped)
    assert stepped.session.n_points == 0 and stepped.session.history == []
