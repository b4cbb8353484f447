"""The column picker: choosing the X, Y, label and weights columns of a text table before
loading it.

The dialog is a passive view of a :class:`~gmm_explorer.io.text_table.Table`: it shows a
preview and offers columns classified by the loader's own rules
(:func:`~gmm_explorer.io.columns.numeric_columns`,
:func:`~gmm_explorer.io.columns.label_candidates`), and returns a frozen
:class:`ColumnChoice` that the caller passes to
:func:`~gmm_explorer.io.loaders.load_points`::

    choice = ask_columns(window, path)      # may raise InputError: show it
    if choice is None:
        data = load_points(path)            # nothing to ask (or the user cancelled)
    else:
        data = load_points(path, choice.columns, labels=choice.labels,
                           weights=choice.weights)

:func:`ask_columns` returns None both when there is nothing to ask and when the user
cancels. A caller that must tell the two apart uses
:func:`~gmm_explorer.io.columns.table_needing_choice` and the dialog directly::

    table = table_needing_choice(path)
    if table is not None:
        dialog = ColumnPickerDialog(table, initial, window)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return                          # cancelled: load nothing
        choice = dialog.choice()
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.io.cells import MISSING_VALUES
from gmm_explorer.io.columns import (
    label_candidates,
    numeric_columns,
    suggested_columns,
    table_needing_choice,
)
from gmm_explorer.io.text_table import Table

__all__ = ["NO_LABELS", "NO_WEIGHTS", "PREVIEW_ROWS", "ColumnChoice", "ColumnPickerDialog",
           "ask_columns"]

#: Rows of the file shown in the preview.
PREVIEW_ROWS = 20
#: The Labels combo box entry for "no label column".
NO_LABELS = "(none)"
#: The Weights combo box entry for "every point counts once".
NO_WEIGHTS = "(none: each point counts once)"

_DELIMITER_NAMES = {",": "comma-separated", ";": "semicolon-separated",
                    "\t": "tab-separated", None: "space-separated"}
_TABLE_KINDS = {"xlsx": "Excel workbook", "parquet": "Parquet file",
                "feather": "Feather (Arrow) file"}
_INTEGER = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class ColumnChoice:
    """The columns to load, as :func:`~gmm_explorer.io.loaders.load_points` takes them.

    Each column is its header name when the file has a header row and the name is
    non-empty and unique, otherwise its 0-based index.

    Attributes
    ----------
    x, y : str or int
        The X and Y columns.
    labels : str, int or None
        The label column, or None for no labels.
    weights : str, int or None
        The column of sample weights, or None for unweighted points.
    """

    x: str | int
    y: str | int
    labels: str | int | None = None
    weights: str | int | None = None

    @property
    def columns(self) -> tuple[str | int, str | int]:
        """``(x, y)``, the ``columns`` argument of ``load_points``."""
        return (self.x, self.y)


class ColumnPickerDialog(QDialog):
    """Preview a text table and choose its X, Y, label and weights columns.

    X and Y offer the numeric columns (without a leading row-number column the loader
    would skip); Labels offers :data:`NO_LABELS` and the text and integer-code columns;
    Weights offers :data:`NO_WEIGHTS` and the numeric columns. OK is disabled, with a hint
    saying why, while X equals Y or the label or weights column is another chosen column.
    Nothing is read from disk here.

    Parameters
    ----------
    table : Table
        From ``read_table(path, max_rows=...)``; columns are classified on all its rows
        (read :data:`~gmm_explorer.io.columns.CLASSIFY_ROWS` rows to classify exactly as
        the loader does) and the first :data:`PREVIEW_ROWS` are shown.
    initial : ColumnChoice or None
        Preselected columns; columns it names that are not offered (or not in the file)
        fall back to the loader's own choice and to no labels.
    parent : QWidget or None
    """

    def __init__(self, table: Table, initial: ColumnChoice | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._table = table
        self._names = table.column_names
        self._xy_columns = numeric_columns(table)
        self._label_columns = label_candidates(table)
        file_name = os.path.basename(table.source) or table.source
        self.setWindowTitle(f"Choose columns — {file_name}")

        self.file_label = QLabel(file_name)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        font = self.file_label.font()
        font.setBold(True)
        self.file_label.setFont(font)
        self.file_label.setToolTip(table.source)

        self.summary_label = QLabel(self._summary())
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        self.summary_label.setToolTip("How the file was read: delimiter, header row and "
                                      "the rows shown below")

        self.preview = self._build_preview()

        self.x_combo = self._build_combo(self._xy_columns, None, "Column plotted horizontally")
        self.y_combo = self._build_combo(self._xy_columns, None, "Column plotted vertically")
        self.labels_combo = self._build_combo(
            self._label_columns, NO_LABELS,
            "Column whose values label the points (for example a species); "
            f"{NO_LABELS} for unlabelled points")
        self.weights_combo = self._build_combo(
            self._xy_columns, NO_WEIGHTS,
            "Column of sample weights: how many times each point counts in EM (a point of "
            "weight 2 counts as two copies of it; 0 leaves it out). Numbers >= 0")
        self.weights_combo.setItemData(0, "Every point counts once", Qt.ItemDataRole.ToolTipRole)

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        for text, combo in (("&X column:", self.x_combo), ("&Y column:", self.y_combo),
                            ("&Labels:", self.labels_combo),
                            ("&Weights:", self.weights_combo)):
            label = QLabel(text)
            label.setBuddy(combo)
            label.setToolTip(combo.toolTip())
            form.addRow(label, combo)

        self.hint_label = QLabel()
        self.hint_label.setTextFormat(Qt.TextFormat.PlainText)
        self.hint_label.setWordWrap(True)
        self.hint_label.setToolTip("Why OK is disabled")
        self.hint_label.setVisible(False)

        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                           | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.button_box.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.button_box.button(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button.setToolTip("Load the file with these columns")
        self.cancel_button.setToolTip("Do not load the file")
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_label)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.preview, stretch=1)
        layout.addLayout(form)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.button_box)

        self._preselect(initial)
        for combo in (self.x_combo, self.y_combo, self.labels_combo, self.weights_combo):
            combo.currentIndexChanged.connect(self._update_state)
        self._update_state()
        self.x_combo.setFocus(Qt.FocusReason.OtherFocusReason)
        self.resize(680, 520)

    # ------------------------------------------------------------------ public

    def choice(self) -> ColumnChoice:
        """The columns currently selected (valid or not: check ``ok_button``)."""
        x, y, labels, weights = self._selected()
        return ColumnChoice(x=self._token(x), y=self._token(y),
                            labels=None if labels is None else self._token(labels),
                            weights=None if weights is None else self._token(weights))

    def accept(self) -> None:
        """Close with OK, but only for a valid choice (Enter on a disabled OK does nothing)."""
        if self._problem() is None:
            super().accept()

    # ------------------------------------------------------------------ building

    def _summary(self) -> str:
        table = self._table
        if table.kind != "text":
            parts = [_TABLE_KINDS.get(table.kind, table.kind)]
            where = "row"
        else:
            parts = [_DELIMITER_NAMES.get(table.delimiter, "delimited")]
            where = "line"
        if table.header is None:
            parts.append("no header row")
        elif table.header_line is None:
            parts.append("named columns")
        else:
            parts.append(f"header on {where} {table.header_line}")
        shown = min(len(table.rows), PREVIEW_ROWS)
        more = "" if table.complete and shown == len(table.rows) else " (more follow)"
        parts.append(f"showing the first {shown} data rows{more}")
        return "; ".join(parts) + "." + "".join(f" Note: {note}." for note in table.notes)

    def _build_preview(self) -> QTableWidget:
        table = self._table
        rows = table.rows[:PREVIEW_ROWS]
        preview = QTableWidget(len(rows), table.n_columns)
        preview.setHorizontalHeaderLabels(list(self._names))
        preview.setVerticalHeaderLabels([str(n) for n in table.line_numbers[:len(rows)]])
        kinds = {j: "numeric" for j in numeric_columns(table, include_index=True)}
        for j in self._label_columns:
            kinds[j] = "label candidate" if j not in kinds else "numeric, label candidate"
        for j in range(table.n_columns):
            kind = kinds.get(j, "not offered")
            preview.horizontalHeaderItem(j).setToolTip(f"{self._names[j]}: column {j}, {kind}")
        for i, row in enumerate(rows):
            for j, cell in enumerate(row):
                item = QTableWidgetItem(cell)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                if cell.lower() in MISSING_VALUES:
                    item.setToolTip("missing value")
                preview.setItem(i, j, item)
        preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        preview.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        preview.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        preview.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        preview.setToolTip("The first rows of the file as read; row numbers are line "
                           "numbers in the file")
        return preview

    def _build_combo(self, columns: tuple[int, ...], none_text: str | None,
                     tip: str) -> QComboBox:
        combo = QComboBox()
        if none_text is not None:
            combo.addItem(none_text, None)
            combo.setItemData(0, "No label column", Qt.ItemDataRole.ToolTipRole)
        for j in columns:
            combo.addItem(self._names[j], j)
            combo.setItemData(combo.count() - 1, self._examples(j), Qt.ItemDataRole.ToolTipRole)
        combo.setToolTip(tip)
        return combo

    def _examples(self, j: int) -> str:
        values = []
        for row in self._table.rows:
            if row[j] not in values:
                values.append(row[j])
            if len(values) == 4:
                break
        return f"column {j}, values such as " + ", ".join(values) if values else f"column {j}"

    def _preselect(self, initial: ColumnChoice | None) -> None:
        suggested = suggested_columns(self._table)
        x = y = labels = weights = None
        if initial is not None:
            x, y = self._find(initial.x), self._find(initial.y)
            labels = None if initial.labels is None else self._find(initial.labels)
            weights = None if initial.weights is None else self._find(initial.weights)
        if suggested is not None:
            if x not in self._xy_columns:
                x = suggested[0] if suggested[0] != y else suggested[1]
            if y not in self._xy_columns:
                y = suggested[1] if suggested[1] != x else suggested[0]
        self._select(self.x_combo, x)
        self._select(self.y_combo, y)
        self._select(self.labels_combo, labels if labels in self._label_columns else None)
        self._select(self.weights_combo, weights if weights in self._xy_columns else None)

    @staticmethod
    def _select(combo: QComboBox, column: int | None) -> None:
        index = combo.findData(column)
        if index >= 0:
            combo.setCurrentIndex(index)

    # ------------------------------------------------------------------ state

    def _selected(self) -> tuple[int | None, int | None, int | None, int | None]:
        return (self.x_combo.currentData(), self.y_combo.currentData(),
                self.labels_combo.currentData(), self.weights_combo.currentData())

    def _problem(self) -> str | None:
        x, y, labels, weights = self._selected()
        if len(self._xy_columns) < 2:
            return "The file needs at least two numeric columns to plot."
        if x is None or y is None:
            return "Choose the X and Y columns."
        if x == y:
            return "X and Y must be different columns."
        if labels is not None and labels in (x, y):
            return "The labels column must differ from the X and Y columns."
        if weights is not None and weights in (x, y, labels):
            return "The weights column must differ from the X, Y and labels columns."
        return None

    def _update_state(self) -> None:
        problem = self._problem()
        self.ok_button.setEnabled(problem is None)
        self.hint_label.setText(problem or "")
        self.hint_label.setVisible(problem is not None)

    # ------------------------------------------------------------------ columns

    def _find(self, token: str | int) -> int | None:
        """Index of a column given as load_points takes it (name, then index), or None."""
        names = self._names
        if isinstance(token, bool):
            return None
        if isinstance(token, int):
            return token if 0 <= token < len(names) else None
        name = str(token).strip()
        if name in names:
            return names.index(name)
        folded = [j for j, candidate in enumerate(names) if candidate.lower() == name.lower()]
        if len(folded) == 1:
            return folded[0]
        if _INTEGER.fullmatch(name) and 0 <= int(name) < len(names):
            return int(name)
        return None

    def _token(self, j: int) -> str | int:
        header = self._table.header
        if header is not None and header[j] and self._names.count(header[j]) == 1:
            return header[j]
        return j


def ask_columns(parent: QWidget | None, path: str | os.PathLike,
                initial: ColumnChoice | None = None) -> ColumnChoice | None:
    """Ask which columns of a text table to load, unless there is nothing to ask.

    Returns None without showing anything when
    :func:`~gmm_explorer.io.columns.table_needing_choice` says there is nothing to choose;
    otherwise runs :class:`ColumnPickerDialog` modally (``initial`` preselected) and
    returns the choice, or None on Cancel.

    Raises
    ------
    InputError
        The file cannot be read as a table (missing, empty, binary, ragged, ...); the
        caller shows it.
    """
    table = table_needing_choice(path)
    if table is None:
        return None
    dialog = ColumnPickerDialog(table, initial, parent)
    try:
        if dialog.exec() == QDialog.DialogCode.Accepted:
            return dialog.choice()
        return None
    finally:
        dialog.deleteLater()
