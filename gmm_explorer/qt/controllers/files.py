"""Files: open (data or a session), save, recent files, the column picker's memory,
recovery after a crash, drag-and-drop, and the window title."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QStandardPaths, QTimer, Signal, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.io.arrays import file_format
from gmm_explorer.io.columns import table_needing_choice
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.npy_map import needs_out_of_core
from gmm_explorer.io.session_file import (
    SUFFIX,
    is_session_path,
    read_session,
    write_session,
)
from gmm_explorer.qt.dialogs.column_picker import ColumnChoice, ColumnPickerDialog
from gmm_explorer.qt.threads import BackgroundThread, Task
from gmm_explorer.session import Session

APP_NAME = "GMM Explorer"
MAX_RECENT = 8
#: Seconds between recovery saves while there are unsaved changes.
AUTOSAVE_SECONDS = 30


def too_large_for_window(path) -> bool:
    """Whether ``path`` is a ``.npy`` file whose points the window could not hold in
    this machine's free memory (:func:`~gmm_explorer.io.npy_map.needs_out_of_core`)."""
    try:
        return file_format(path) == "npy" and needs_out_of_core(path)[0]
    except GMMExplorerError:  # unreadable: the loader says what is wrong
        return False


class FilesController(QObject):
    """Parameters
    ----------
    session : Session
    canvas : Canvas
        Fitted to new data; gets the keyboard after a file opens.
    run : RunController
        Initialises a new data set; recolours a restored session.
    feedback : Feedback
    qsettings : QSettings
        Recent files, the last folder and the column picker's choices.
    parent : QWidget
        The dialogs' parent (the window).
    """

    #: str: the window title to show.
    title_changed = Signal(str)
    #: None: a new data set or a whole session replaced the data.
    data_replaced = Signal()
    #: str: a .npy file too large for the window to hold, to open out of core.
    out_of_core_wanted = Signal(str)

    def __init__(self, session, canvas, run, feedback, qsettings: QSettings,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.canvas = canvas
        self.run = run
        self.feedback = feedback
        self.qsettings = qsettings
        #: The .gmmx file this session was opened from or saved to.
        self.session_path: str | None = None
        #: The name the title shows (a file, a sample, "Untitled").
        self.title_name = "Untitled"
        #: Writes the recovery file every AUTOSAVE_SECONDS while there are unsaved changes.
        self.autosave = QTimer(self)
        self.autosave.setInterval(AUTOSAVE_SECONDS * 1000)
        self.autosave.timeout.connect(self.autosave_now)
        self.autosave.start()
        #: Writes the autosaved recovery file: at 10^6 points it takes 0.1-0.2 s, at 10^7
        #: seconds, which the window's thread must not stall for every 30 s.
        self.recovery_writer = BackgroundThread("recovery-writer", parent=self)
        self.recovery_writer.finished.connect(self._on_recovery_written)
        self.recovery_writer.failed.connect(self._on_recovery_written)
        #: The recovery file was removed while a write was in flight: remove it again
        #: once that write is over (it may have replaced the file after the removal).
        self._remove_after_write = False

    def shutdown(self) -> None:
        """A clean close: no recovery file is left behind."""
        self.autosave.stop()
        self.recovery_writer.shutdown()  # stops a write between pieces, and waits
        self.remove_recovery()

    def _set_title(self, name: str) -> None:
        self.title_name = name
        # [*] shows as "*" while the window is marked modified.
        self.title_changed.emit(f"{name}[*] — {APP_NAME}")

    def last_folder(self) -> str:
        return str(self.qsettings.value("files/last_folder", str(Path.home())))

    # ------------------------------------------------------------------ opening

    def load_file(self, path: str, display_name: str | None = None, columns=None,
                  labels=None, *, ask: bool = True, pick: bool = True,
                  weights=None) -> bool:
        """Open a data file or a ``.gmmx`` session; on failure show an error and keep the
        current data. Asks first when there are unsaved changes (``ask``). When a file has
        more than two numeric columns or label candidates and no ``columns`` were given,
        the column picker asks which to use (``pick``), remembering the choice per file.
        A ``.npy`` file whose points would not fit in free memory opens out of core
        instead (:attr:`out_of_core_wanted`), leaving the data here as it is."""
        if columns is None and too_large_for_window(path):
            if display_name is None:
                self._add_recent(path)
            self.out_of_core_wanted.emit(str(path))
            return True
        if ask and not self.maybe_save():
            return False
        if is_session_path(path):
            return self.load_session(path, ask=False)
        if pick and columns is None and labels is None and weights is None:
            try:
                table = table_needing_choice(path)
            except GMMExplorerError as exc:
                self.feedback.error("Could not open the file", str(exc))
                return False
            if table is not None:
                choice = self.ask_columns_for(path, table, self._remembered_columns(path))
                if choice is None:
                    return False  # cancelled
                columns, labels, weights = choice.columns, choice.labels, choice.weights
                self._remember_columns(path, choice)
        try:
            data = load_points(path, columns=columns, labels=labels, weights=weights)
        except GMMExplorerError as exc:
            self.feedback.error("Could not open the file", str(exc))
            return False
        if display_name is None:
            self._add_recent(path)
        notes = data.notes
        if data.weights is not None:
            notes += (f"each point weighted by {data.weights_name} (total weight "
                      f"{float(data.weights.sum()):.6g})",)
        self.install_points(data.points, str(path), data.column_names, data.labels,
                            data.label_name, display_name or Path(path).name, notes,
                            weights=data.weights, weights_name=data.weights_name)
        return True

    def install_points(self, points, source, column_names, labels, label_name, title,
                       notes=(), *, weights=None, weights_name=None) -> None:
        """Start a new exploration of ``points`` (from a file, a sample or a generator),
        with their sample ``weights`` if any."""
        self.run.pause()
        self.session.load(points, source=source, column_names=column_names, labels=labels,
                          label_name=label_name, weights=weights, weights_name=weights_name)
        self.session_path = None
        self._set_title(title)
        self.canvas.fit_view()
        self.canvas.setFocus()
        if notes:
            self.feedback.status("; ".join(notes), 8000)
        self.data_replaced.emit()
        self.run.initialise(bookkeeping=True)

    def load_session(self, path: str, *, ask: bool = True) -> bool:
        """Open a ``.gmmx`` session exactly as it was saved."""
        if ask and not self.maybe_save():
            return False
        restored = self._read_session(path)
        if restored is None:
            return False
        self._install_session(restored, Path(path).name)
        self.session_path = str(path)
        self._add_recent(path)
        return True

    def open_copy(self, path: str, title: str) -> bool:
        """Open the ``.gmmx`` session ``path`` as an untitled copy called ``title`` (a
        lesson's): Save asks for a new file, so the original is never written over."""
        if not self.maybe_save():
            return False
        restored = self._read_session(path)
        if restored is None:
            return False
        self._install_session(restored, title)
        self.session_path = None
        return True

    def _read_session(self, path: str) -> Session | None:
        """The session in ``path``, or None after an error dialog naming the file."""
        try:
            return Session.from_record(read_session(path))
        except InputError as exc:
            # The settings are validated by the session, which does not know the file.
            msg = str(exc) if exc.path is not None else f"{path}: {exc}"
            self.feedback.error("Could not open the session", msg)
            return None

    def _install_session(self, restored: Session, title: str, *, saved: bool = True) -> None:
        """Show a restored session: data, settings, history and view."""
        self.run.pause()
        self._set_title(title)
        self.session.restore(restored)
        self.canvas.fit_view()
        self.canvas.setFocus()
        self.data_replaced.emit()
        if saved:
            self.session.mark_saved()
        else:
            self.session.mark_unsaved()
        self.run.session_restored()

    @Slot()
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.parent(), "Open points or a session", self.last_folder(),
            f"Data and sessions (*.csv *.tsv *.txt *.dat *.npy *.npz *.xlsx *.parquet *.feather "
            f"*.arrow *{SUFFIX});;"
            f"GMM Explorer sessions (*{SUFFIX});;All files (*)")
        if path:
            self.load_file(path)

    @Slot()
    def open_out_of_core_dialog(self) -> None:
        """Choose a .npy file to open out of core, whatever its size."""
        path, _ = QFileDialog.getOpenFileName(
            self.parent(), "Open a .npy file out of core", self.last_folder(),
            "NumPy arrays (*.npy);;All files (*)")
        if path:
            self.out_of_core_wanted.emit(path)

    @Slot()
    def new_session(self) -> None:
        """An empty canvas with the current settings: click to add points."""
        if not self.maybe_save():
            return
        self._install_session(Session(settings=self.session.settings), "Untitled")
        self.session_path = None
        self.canvas.show_neutral_view()

    @Slot()
    def data_cleared(self) -> None:
        """Every point was removed: what is drawn next is not the file's data any more
        (a saved session keeps its file name)."""
        if self.session_path is None:
            self._set_title("Untitled")

    def open_dropped(self, paths: list[str]) -> None:
        """Files dropped on the window: open the first."""
        if paths:
            self.load_file(paths[0])

    # ------------------------------------------------------------------ the column picker

    def ask_columns_for(self, path, table, initial: ColumnChoice | None):
        """Ask which columns to use (the column picker); None if cancelled."""
        dialog = ColumnPickerDialog(table, initial=initial, parent=self.parent())
        return dialog.choice() if dialog.exec() == ColumnPickerDialog.DialogCode.Accepted \
            else None

    def _columns_key(self, path) -> str:
        return "columns/" + str(Path(path).resolve()).replace("/", "|")

    def _remembered_columns(self, path) -> ColumnChoice | None:
        value = self.qsettings.value(self._columns_key(path))
        if not isinstance(value, list) or len(value) not in (3, 4):
            return None  # 3: remembered before the weights column existed
        x, y, lab, wts = (str(v) for v in [*value, ""][:4])
        return ColumnChoice(x, y, lab or None, wts or None)

    def _remember_columns(self, path, choice: ColumnChoice) -> None:
        self.qsettings.setValue(self._columns_key(path),
                                [str(choice.x), str(choice.y),
                                 "" if choice.labels is None else str(choice.labels),
                                 "" if choice.weights is None else str(choice.weights)])

    # ------------------------------------------------------------------ saving

    @Slot()
    def save(self) -> bool:
        if self.session_path is None:
            return self.save_as()
        return self.save_to(self.session_path)

    @Slot()
    def save_as(self) -> bool:
        start = self.session_path or str(Path(self.last_folder())
                                         / (Path(self.title_name).stem + SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self.parent(), "Save session", start,
                                              f"GMM Explorer sessions (*{SUFFIX})")
        if not path:
            return False
        if not path.lower().endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the session atomically; on failure show why and keep it unsaved."""
        try:
            write_session(path, self.session.to_record())
        except GMMExplorerError as exc:
            self.feedback.error("Could not save the session", str(exc))
            return False
        self.session_path = str(path)
        self.session.mark_saved()
        self._add_recent(path)
        self.remove_recovery()
        self._set_title(Path(path).name)
        self.feedback.status(f"Saved {path}", 4000)
        return True

    def ask_save_changes(self) -> str:
        """Ask what to do with unsaved changes: "save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          "This session has unsaved changes. Save them first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self.parent())
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to replace the session (saved, discarded, or clean). An
        empty session with nothing to undo has nothing to lose: no question (a first
        launch changes the settings before a file named on the command line opens)."""
        s = self.session
        if not s.dirty or (s.n_points == 0 and not s.can_undo and not s.history):
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.recent_files() if p != path]
        self.qsettings.setValue("files/recent", [path] + items[:MAX_RECENT - 1])
        self.qsettings.setValue("files/last_folder", str(Path(path).parent))

    def fill_recent_menu(self, menu) -> None:
        """List the recent files in ``menu`` (a QMenu about to show)."""
        menu.clear()
        files = self.recent_files()
        if not files:
            menu.addAction("(none)").setEnabled(False)
        for p in files:
            act = menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, p=p: self.load_file(p))

    # ------------------------------------------------------------------ recovery

    @staticmethod
    def recovery_path() -> Path:
        """Where the autosaved recovery session lives (per user)."""
        # The generic location plus a fixed folder: unlike AppDataLocation, it does not
        # depend on whether the application's name was set yet.
        base = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.GenericDataLocation) or str(Path.home())
        return Path(base) / "gmm-explorer" / f"recovery{SUFFIX}"

    @Slot()
    def autosave_now(self) -> bool:
        """The autosave timer: if there are unsaved changes, start writing the recovery
        file in the background (unless the last write is still going). Returns whether a
        write started. The session's record is an immutable snapshot, so the thread
        writes this moment's session whatever the user does meanwhile."""
        if (self.session.n_points == 0 or not self.session.dirty
                or self.recovery_writer.busy or not self.recovery_writer.running):
            return False
        self.recovery_writer.submit(Task(
            "recovery", partial(_write_recovery, self.recovery_path(),
                                self.session.to_record())))
        return True

    def write_recovery(self, force: bool = False) -> bool:
        """Write the recovery file now, in this thread, if there are unsaved changes, or,
        with ``force`` (after an unexpected error), whenever there are points."""
        if self.session.n_points == 0 or not (self.session.dirty or force):
            return False
        return _write_recovery(self.recovery_path(), self.session.to_record())

    @Slot(object)
    def _on_recovery_written(self, _outcome) -> None:
        if self._remove_after_write and not self.recovery_writer.busy:
            self._remove_after_write = False
            self.remove_recovery()

    def remove_recovery(self) -> None:
        """Remove the recovery file (the session was saved, restored or closed)."""
        if self.recovery_writer.busy and self.recovery_writer.running:
            self.recovery_writer.cancel()  # stops before replacing the file, if in time
            self._remove_after_write = True
        try:
            self.recovery_path().unlink()
        except OSError:
            pass

    def ask_restore(self) -> bool:
        """Ask whether to restore the recovery session left by a crash."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          "GMM Explorer did not close properly last time. Restore the "
                          "unsaved session it recovered?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.parent())
        return box.exec() == QMessageBox.StandardButton.Yes

    def offer_recovery(self) -> bool:
        """At start-up: restore the recovery file if one exists and the user agrees.
        Returns whether a session was restored."""
        path = self.recovery_path()
        if not path.exists():
            return False
        restored = False
        if self.ask_restore():
            try:
                session = Session.from_record(read_session(path))
            except GMMExplorerError as exc:
                self.feedback.error("Could not restore the session", str(exc))
            else:
                # Restored work is not saved anywhere yet.
                self._install_session(session, "Recovered session", saved=False)
                restored = True
        self.remove_recovery()
        return restored


def _write_recovery(path: Path, record, report=None, cancelled=None) -> bool:
    """Write ``record`` to the recovery file ``path``; whether it was written. Recovery
    is best effort: a failure never interrupts the user."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_session(path, record, cancelled)
    except (OSError, GMMExplorerError):
        return False
