"""The gallery of local optima: thumbnails of the distinct fits that restarts of EM end in."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QBrush, QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import (
    MATCH_COLOR,
    RunControls,
    format_number,
    hint_label,
    signals_blocked,
)


@dataclass(frozen=True, eq=False)
class GalleryItem:
    """One distinct local optimum found by repeated restarts.

    Attributes
    ----------
    image : QImage
        A thumbnail of the fit (about 150 x 112).
    mean_log_likelihood : float
    count : int
        Restarts that ended in this optimum.
    total : int
        Restarts run in all.
    tooltip : str
    """

    image: QImage
    mean_log_likelihood: float
    count: int
    total: int
    tooltip: str = ""


class GalleryPanel(QWidget):
    """Thumbnails of the distinct optima that many restarts of EM end in, best first."""

    #: int: the number of restarts the user asks to run.
    run_requested = Signal(int)
    #: None: the user asks to stop the restarts.
    cancel_requested = Signal()
    #: int: index (into the items given to set_optima) of the optimum to load.
    optimum_chosen = Signal(int)

    THUMB = QSize(150, 112)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 6, 4, 6)
        self.restarts = QSpinBox()
        self.restarts.setRange(2, 200)
        self.restarts.setValue(20)
        self.restarts.setToolTip("Run EM to convergence from this many random "
                                 "initialisations and group the results that agree")
        self.run_controls = RunControls(
            "Find", run_tip="Find the distinct local optima EM ends in",
            cancel_tip="Stop; the optima found so far stay shown", progress_tip="Restarts done",
            status_tip="How many distinct optima the restarts found",
            leading=(QLabel("restarts"), self.restarts), progress_format="%v/%m restarts")
        outer.addWidget(self.run_controls)
        self.find_button = self.run_controls.run_button
        self.cancel_button = self.run_controls.cancel_button
        self.progress = self.run_controls.progress
        self.status_text = self.run_controls.status

        self.list = QListWidget()
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(self.THUMB)
        self.list.setGridSize(QSize(self.THUMB.width() + 4, self.THUMB.height() + 40))
        self.list.setSpacing(0)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(True)
        self.list.setWordWrap(True)
        self.list.setDragEnabled(False)
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setToolTip("Distinct optima, best first; click one to load it")
        self.list.itemClicked.connect(self._on_item)
        self.list.itemActivated.connect(self._on_item)
        outer.addWidget(self.list, 1)
        outer.addWidget(hint_label("EM climbs to the nearest peak of the likelihood, so different "
                              "starts can end in different fits. How often each one is "
                              "reached shows how much the start matters."))

        self._items: tuple[GalleryItem, ...] = ()
        self._current: int | None = None
        self._last_choice: tuple[int, float] = (-1, 0.0)
        self.run_controls.run_requested.connect(
            lambda: self.run_requested.emit(self.n_restarts()))
        self.run_controls.cancel_requested.connect(self.cancel_requested)

    def n_restarts(self) -> int:
        return self.restarts.value()

    def set_optima(self, items: Sequence[GalleryItem]) -> None:
        """Show ``items`` (best first) as thumbnails."""
        self._items = tuple(items)
        with signals_blocked(self.list):
            self.list.clear()
            for i, it in enumerate(self._items, start=1):
                text = (f"#{i} · mean LL {format_number(it.mean_log_likelihood)}\n"
                        f"{it.count}/{it.total} restarts")
                item = QListWidgetItem(QIcon(QPixmap.fromImage(it.image)), text)
                item.setToolTip(it.tooltip or text)
                item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
                self.list.addItem(item)
        if self._items:
            total = self._items[0].total
            n = len(self._items)
            text = f"{n} distinct optim{'um' if n == 1 else 'a'} from {total} restarts"
            failed = total - sum(it.count for it in self._items)
            if failed > 0:
                text += f" ({failed} failed)"
            self.set_status(text)
        else:
            self.set_status("")
        self._show_current()

    def set_current(self, index: int | None) -> None:
        """Highlight the optimum loaded in the window (None: none of them)."""
        self._current = index
        self._show_current()

    def set_progress(self, done: int, total: int) -> None:
        self.run_controls.set_progress(done, total)

    def set_running(self, running: bool) -> None:
        self.run_controls.set_running(running)
        self.restarts.setEnabled(not running)

    def set_status(self, text: str) -> None:
        self.run_controls.set_status(text)

    def clear(self) -> None:
        self._current = None
        self.set_optima(())

    def _show_current(self) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            loaded = i == self._current
            # Background only: bold text would no longer fit under the thumbnail.
            item.setBackground(QBrush(MATCH_COLOR) if loaded else QBrush())
            base = self._items[i].tooltip or item.text()
            item.setToolTip(base + ("\n(currently loaded)" if loaded else ""))

    def _on_item(self, item: QListWidgetItem) -> None:
        row = self.list.row(item)
        # A click can also activate (single-click platforms, double-clicks): one request.
        now = time.monotonic()
        last_row, last_t = self._last_choice
        if row == last_row and now - last_t < QApplication.doubleClickInterval() / 1000.0:
            return
        self._last_choice = (row, now)
        if 0 <= row < len(self._items):
            self.optimum_chosen.emit(row)
