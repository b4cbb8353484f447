"""Lessons (Help › Lessons): opens a lesson's session as an untitled copy, shows its steps
in the lesson panel, and brings forward the panel or window a step names. A lesson only
arranges what the app already does; see :mod:`gmm_explorer.io.lessons` for the files.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QFileDialog

from gmm_explorer.errors import InputError
from gmm_explorer.io.lessons import SUFFIX, Lesson, bundled_lessons, read_lesson
from gmm_explorer.qt.docks import place_lesson


class LessonsController(QObject):
    """Parameters
    ----------
    files : FilesController
        Opens the lesson's session (asking first about unsaved changes).
    panel : LessonPanel
    dock : QDockWidget
        The panel's dock, shown while a lesson is open.
    feedback : Feedback
    """

    #: str: a step asks for this panel (a key of DOCKS) or window ("landscape",
    #: "compare") to be brought forward; the window does it.
    show_requested = Signal(str)

    def __init__(self, files, panel, dock, feedback, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.files = files
        self.panel = panel
        self.dock = dock
        self.feedback = feedback
        #: The open lesson (None when none is) and the step shown.
        self.lesson: Lesson | None = None
        self.step = 0
        panel.back_requested.connect(self.back)
        panel.next_requested.connect(self.next)
        panel.close_requested.connect(self.close)
        dock.hide()

    def fill_menu(self, menu) -> None:
        """Help › Lessons: the shipped lessons, then "Open lesson file…"."""
        menu.clear()
        for lesson in bundled_lessons():
            act = menu.addAction(lesson.title)
            act.setToolTip(lesson.summary)
            act.setStatusTip(lesson.summary)
            act.triggered.connect(lambda _=False, p=str(lesson.path): self.open(p))
        menu.addSeparator()
        menu.addAction("Open lesson file…").triggered.connect(self.open_dialog)

    @Slot()
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.dock.window(), "Open a lesson", self.files.last_folder(),
            f"Lessons (*{SUFFIX});;All files (*)")
        if path:
            self.open(path)

    def open(self, path: str) -> bool:
        """Open the lesson file ``path``: its session (as an untitled copy, after asking
        about unsaved changes) and its first step. A bad file becomes a dialog and
        nothing changes."""
        try:
            lesson = read_lesson(path)
        except InputError as exc:
            self.feedback.error("Could not open the lesson", str(exc))
            return False
        if not self.files.open_copy(str(lesson.session), f"Lesson — {lesson.title}"):
            return False
        self.lesson = lesson
        self.panel.set_lesson(lesson.title, lesson.summary)
        if not self.dock.isVisible() and self.dock.isFloating():
            place_lesson(self.dock)
        self.dock.show()
        self.dock.raise_()
        self._show(0)
        return True

    def _show(self, index: int) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        self.step = max(0, min(index, len(lesson.steps) - 1))
        step = lesson.steps[self.step]
        self.panel.set_step(self.step, len(lesson.steps), step.do, step.notice)
        if step.show is not None:
            self.show_requested.emit(step.show)

    @Slot()
    def next(self) -> None:
        self._show(self.step + 1)

    @Slot()
    def back(self) -> None:
        self._show(self.step - 1)

    @Slot()
    def close(self) -> None:
        """Close the lesson panel; the data and the run stay."""
        self.lesson = None
        self.dock.hide()
