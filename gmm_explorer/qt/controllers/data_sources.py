"""Where data and starting parameters come from besides files: the built-in samples, the
synthetic generators, the clipboard (Edit › Paste points), sampling from the current
model, and a parameters file as a start."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.io.columns import CLASSIFY_ROWS, needs_choice
from gmm_explorer.io.loaders import load_points_text
from gmm_explorer.io.points import plural
from gmm_explorer.io.text_table import read_table_text
from gmm_explorer.io.samples import get_sample
from gmm_explorer.qt.dialogs.generate_data import GenerateDialog
from gmm_explorer.qt.dialogs.sample_from_model import SampleDialog
from gmm_explorer.resources import sample_path


class DataSourcesController(QObject):
    """Parameters
    ----------
    session : Session
    files : FilesController
        Installs a new data set (asking about unsaved changes first).
    points : PointsController
        Follows up an edit of the points (sampling from the model is one).
    run : RunController
        Starts EM from a parameters file.
    feedback : Feedback
    parent : QWidget
        The dialogs' parent.
    """

    def __init__(self, session, files, points, run, feedback, parent: QWidget) -> None:
        super().__init__(parent)
        self.session = session
        self.files = files
        self.points = points
        self.run = run
        self.feedback = feedback

    # ------------------------------------------------------------------ samples

    def load_sample(self) -> None:
        """Load the built-in Old Faithful data (eruptions x waiting)."""
        self.open_sample("faithful", ask=False)

    def open_sample(self, key: str, *, ask: bool = True) -> bool:
        """Open a built-in data set (File > Samples), with its labels if it has any."""
        sample = get_sample(key)
        return self.files.load_file(str(sample_path(sample.filename)), display_name=sample.title,
                                    columns=sample.columns, labels=sample.labels, ask=ask,
                                    pick=False)

    # ------------------------------------------------------------------ the clipboard

    @Slot()
    def paste(self) -> bool:
        """Edit › Paste points (Ctrl+V): the clipboard's text as a table of points."""
        return self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> bool:
        """Read ``text`` (cells copied from a spreadsheet: tab-separated lines; or lines of
        numbers) by the rules of a text file, asking for the columns as opening a file
        does. With no points yet it becomes the data; otherwise the user chooses to
        replace the data (a new exploration, as opening a file) or add the points (one
        undoable edit). Bad text shows an error and changes nothing."""
        source = "the clipboard"
        if not text.strip():
            self.feedback.error("Paste points", "The clipboard holds no text. Copy cells "
                                "from a spreadsheet, or lines of x and y numbers, first.")
            return False
        columns = labels = weights = None
        try:
            table = read_table_text(text, source, max_rows=CLASSIFY_ROWS)
            if needs_choice(table):
                choice = self.files.ask_columns_for(source, table, None)
                if choice is None:
                    return False
                columns, labels, weights = choice.columns, choice.labels, choice.weights
            data = load_points_text(text, source, columns, labels, weights)
        except GMMExplorerError as exc:
            self.feedback.error("Could not paste the points", str(exc))
            return False
        n = data.points.shape[0]
        how = "replace" if self.session.n_points == 0 else self.ask_paste_mode(n)
        if how is None:
            return False
        notes = data.notes
        if how == "add":
            self.session.add_points(data.points, f"Paste {plural(n, 'point')}")
            self.points.after_edit()
            if data.weights is not None:
                notes += ("the pasted weights were not kept: added points count once",)
            self.feedback.status("; ".join((f"added {plural(n, 'pasted point')}",) + notes),
                                 8000)
            return True
        if not self.files.maybe_save():
            return False
        self.files.install_points(data.points, source, data.column_names, data.labels,
                                  data.label_name, "Pasted data",
                                  (f"pasted {plural(n, 'point')}",) + notes,
                                  weights=data.weights, weights_name=data.weights_name)
        return True

    def ask_paste_mode(self, n: int) -> str | None:
        """``"replace"``, ``"add"`` or None (cancelled), asked of the user."""
        box = QMessageBox(QMessageBox.Icon.Question, "Paste points",
                          f"Paste {plural(n, 'point')} as new data, or add them to the "
                          f"{plural(self.session.n_points, 'point')} on the canvas?",
                          QMessageBox.StandardButton.Cancel, self.parent())
        replace = box.addButton("Replace the data", QMessageBox.ButtonRole.AcceptRole)
        add = box.addButton("Add to the data", QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(add)
        box.exec()
        clicked = box.clickedButton()
        return "replace" if clicked is replace else "add" if clicked is add else None

    # ------------------------------------------------------------------ generators

    def ask_generate(self):
        """The generator dialog: (kind, n, k, seed), or None if cancelled."""
        dialog = GenerateDialog(self.parent())
        return dialog.values() if dialog.exec() == GenerateDialog.DialogCode.Accepted else None

    @Slot()
    def generate_dialog(self) -> None:
        # Ask about unsaved changes before the user fills in the dialog, not after.
        if not self.files.maybe_save():
            return
        values = self.ask_generate()
        if values is not None:
            self.generate_data(*values, ask=False)

    def generate_data(self, kind: str, n: int, k: int, seed: int, *, ask: bool = True) -> bool:
        """Replace the data by a synthetic data set (see engine.datasets)."""
        from gmm_explorer.engine.datasets import GENERATORS, generate

        if ask and not self.files.maybe_save():
            return False
        try:
            pts, lab = generate(kind, n, k, seed)
        except GMMExplorerError as exc:
            self.feedback.error("Could not generate the data", str(exc))
            return False
        title = GENERATORS[kind][0]
        self.files.install_points(pts, f"generated: {title} (N={n}, K={k}, seed={seed})",
                                  ("x", "y"), tuple(str(v) for v in lab), "cluster", title)
        return True

    # ------------------------------------------------------------------ the model

    def ask_sample(self):
        """The sample dialog: (n, seed, replace), or None if cancelled."""
        dialog = SampleDialog(self.parent())
        return dialog.values() if dialog.exec() == SampleDialog.DialogCode.Accepted else None

    @Slot()
    def sample_dialog(self) -> None:
        if self.session.current is None:
            self.feedback.error("Sample from the model", "There is no model yet: initialise "
                                                         "first.")
            return
        values = self.ask_sample()
        if values is not None:
            self.sample_from_model(*values)

    def sample_from_model(self, n: int, seed: int, replace: bool = True) -> bool:
        """Draw points from the current mixture, replacing or adding to the data
        (undoable); the model is kept and evaluated on the new data."""
        from gmm_explorer import engine as E

        cur = self.session.current
        if cur is None:
            self.feedback.error("Sample from the model", "There is no model yet: initialise "
                                                         "first.")
            return False
        pts, _ = E.sample(cur.mixture, int(n), seed=int(seed))
        if replace:
            self.session.replace_points(pts, f"Sample {n} points from the model")
        else:
            self.session.add_points(pts, f"Add {n} points from the model")
        self.points.after_edit()
        return True

    @Slot()
    def init_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.parent(), "Initialise from a parameters file",
                                              self.files.last_folder(), "Parameters (*.json)")
        if path:
            self.initialise_from_file(path)

    def initialise_from_file(self, path: str) -> bool:
        """Start EM from the parameters in a JSON parameters file; K and the covariance
        type follow the file."""
        from gmm_explorer.io.params import read_mixture

        try:
            mixture = read_mixture(path).mixture
            if mixture.n_components > self.session.n_points:
                raise InputError(f"the file has {mixture.n_components} components but there "
                                 f"are only {self.session.n_points} points", path=str(path))
        except GMMExplorerError as exc:
            self.feedback.error("Could not initialise from the file", str(exc))
            return False
        self.run.start_from(mixture, f"the parameters in {Path(path).name}")
        return True

    @Slot()
    def initialise_from_labels(self) -> bool:
        """EM › Initialise from the labels: one component per class of the data's labels
        (iris species, a file's labels column), the M-step of that classification, with
        the current covariance model. K follows the classes."""
        from gmm_explorer.engine import initialise_from_labels

        s = self.session
        if s.labels is None:
            self.feedback.status("These points have no labels: open iris or penguins "
                                 "(File › Samples), or a file with a labels column", 6000)
            return False
        st = s.settings
        try:
            mixture, classes = initialise_from_labels(s.points, s.labels, st.covariance_type,
                                                      st.reg_covar, weights=s.weights)
        except GMMExplorerError as exc:
            self.feedback.error("Could not initialise from the labels", str(exc))
            return False
        name = s.label_name or "labels"
        self.run.start_from(mixture, f"one component per {name}: " + ", ".join(classes))
        return True
