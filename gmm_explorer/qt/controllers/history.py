"""The history of a run: scrubbing the timeline (and ← / →) and the branches panel
(switch, rename, delete). The session keeps the branches; the run controller recolours the
points for the state shown."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot


class HistoryController(QObject):
    """Parameters
    ----------
    session : Session
    run : RunController
        Stopped before the displayed state changes; recolours the points after.
    timeline : TimelineBar
    branch_panel : BranchPanel
    """

    def __init__(self, session, run, timeline, branch_panel,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.run = run
        timeline.position_requested.connect(self.scrub_to)
        branch_panel.branch_selected.connect(self.select_branch)
        branch_panel.branch_renamed.connect(self.rename_branch)
        branch_panel.branch_delete_requested.connect(self.delete_branch)

    @Slot(int)
    def scrub_to(self, index: int) -> None:
        """Show iteration ``index`` of the active branch (the timeline and ← / →)."""
        if not self.session.history:
            return
        self.run.stop()
        if self.session.scrub(index):
            self.run.request_colours()
            self.run.narrate_view()

    @Slot()
    def step_back(self) -> None:
        self.scrub_to(self.session.current_index - 1)

    @Slot()
    def step_forward(self) -> None:
        self.scrub_to(self.session.current_index + 1)

    @Slot(int)
    def select_branch(self, i: int) -> None:
        self.run.stop()
        if self.session.select_branch(i):
            self.run.request_colours()
            self.run.narrate_view()

    @Slot(int, str)
    def rename_branch(self, i: int, name: str) -> None:
        self.session.rename_branch(i, name)

    @Slot(int)
    def delete_branch(self, i: int) -> None:
        was_active = i == self.session.active
        if was_active:
            self.run.pause()
        if self.session.delete_branch(i) and was_active:
            self.run.request_colours()
            self.run.narrate_view()
