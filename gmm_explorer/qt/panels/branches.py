"""The branches of the history: a list to select, rename or delete one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyledItemDelegate,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import (
    LINE_STYLES,
    format_number,
    hint_label,
    line_icon,
    signals_blocked,
)


@dataclass(frozen=True)
class BranchRow:
    """One branch of the history as the branch list shows it.

    ``style`` is a key of :data:`LINE_STYLES` and ``color`` an RGB triple: the line the
    log-likelihood panel draws for this branch.
    """

    name: str
    n_iterations: int
    final_mean_ll: float | None
    style: str = "solid"
    color: tuple[int, int, int] = (0, 114, 178)

    def __post_init__(self) -> None:
        if self.style not in LINE_STYLES:
            raise ValueError(f"unknown line style {self.style!r}; expected one of "
                             + ", ".join(LINE_STYLES))


_NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class _RenameDelegate(QStyledItemDelegate):
    """Edits only the branch name (not the row's text) and reports it instead of storing it:
    the list changes when the window sends the renamed branches back."""

    #: (row, new name): the user committed an edit.
    committed = Signal(int, str)

    def setEditorData(self, editor, index) -> None:  # noqa: N802 - Qt API
        editor.setText(index.data(_NAME_ROLE) or "")
        editor.selectAll()

    def setModelData(self, editor, model, index) -> None:  # noqa: N802 - Qt API
        self.committed.emit(index.row(), editor.text())


class BranchPanel(QWidget):
    """The branches of the history: select, rename or delete one."""

    #: int: index of the branch the user selected (to make it active).
    branch_selected = Signal(int)
    #: (int, str): index of a branch and its new name (stripped, non-empty, changed).
    branch_renamed = Signal(int, str)
    #: int: index of the branch the user asks to delete.
    branch_delete_requested = Signal(int)

    HELP = ("Scrub back on the timeline, change something (drag a component, lock a "
            "parameter, change reg_covar) and step: EM continues on a new branch; the old "
            "one is kept.")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.list = QListWidget()
        self.list.setIconSize(QSize(28, 12))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.list.setToolTip("Branches of the history; click to switch, double-click or F2 "
                             "to rename. The line matches the log-likelihood plot")
        self._delegate = _RenameDelegate(self.list)
        self.list.setItemDelegate(self._delegate)
        self._delegate.committed.connect(self._on_committed)
        self.list.currentRowChanged.connect(self._on_current_changed)
        # F2 on every platform (the platform edit key is Return on macOS).
        rename_key = QShortcut(QKeySequence(Qt.Key.Key_F2), self.list)
        rename_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        rename_key.activated.connect(self.start_rename)
        outer.addWidget(self.list, 1)

        buttons = QHBoxLayout()
        self.rename_button = QPushButton("Rename")
        self.rename_button.setToolTip("Rename the selected branch (F2)")
        self.rename_button.clicked.connect(self.start_rename)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the selected branch and its iterations (the "
                                      "last branch cannot be deleted)")
        self.delete_button.clicked.connect(self._on_delete)
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        self.help = hint_label(self.HELP)
        outer.addWidget(self.help)
        self._names: list[str] = []
        self._active = -1
        self._update_buttons()

    @property
    def active(self) -> int:
        return self._active

    def set_branches(self, rows: Sequence[BranchRow], active: int) -> None:
        """Show ``rows``; ``active`` (an index into them) is bold and selected."""
        rows = list(rows)
        with signals_blocked(self.list):
            if self.list.count() != len(rows):
                # Otherwise items are updated in place, so an open rename editor survives.
                self.list.clear()
                for _ in rows:
                    item = QListWidgetItem()
                    item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
                    self.list.addItem(item)
            for i, r in enumerate(rows):
                item = self.list.item(i)
                ll = format_number(r.final_mean_ll)
                its = f"{r.n_iterations} iteration{'' if r.n_iterations == 1 else 's'}"
                item.setText(f"{r.name} — {its}, LL {ll}")
                item.setData(_NAME_ROLE, r.name)
                item.setIcon(line_icon(r.color, r.style))
                font = item.font()
                font.setBold(i == active)
                item.setFont(font)
                item.setToolTip(f"branch {r.name}{' (active)' if i == active else ''}: "
                                f"{its}, final mean log-likelihood {ll}")
            self.list.setCurrentRow(active if 0 <= active < len(rows) else -1)
        self._names = [r.name for r in rows]
        self._active = active
        self._update_buttons()

    def start_rename(self) -> None:
        """Open the in-place editor on the selected branch."""
        item = self.list.currentItem()
        if item is not None:
            self.list.editItem(item)

    def _update_buttons(self) -> None:
        has = self.list.currentRow() >= 0
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has and self.list.count() > 1)

    def _on_current_changed(self, row: int) -> None:
        self._update_buttons()
        if row >= 0:
            self.branch_selected.emit(row)

    def _on_committed(self, row: int, text: str) -> None:
        name = text.strip()
        if name and 0 <= row < len(self._names) and name != self._names[row]:
            self.branch_renamed.emit(row, name)

    def _on_delete(self) -> None:
        row = self.list.currentRow()
        if row >= 0 and self.list.count() > 1:
            self.branch_delete_requested.emit(row)
