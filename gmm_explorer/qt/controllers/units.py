"""The data's units: the standardised view (z-scores), offered by the bar above the canvas
when the columns' spreads differ many times, and switched by View › Standardised units."""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot

from gmm_explorer.errors import InputError


class UnitsController(QObject):
    """Parameters
    ----------
    session : Session
    run : RunController
        Stopped before the units change; initialises the new exploration after.
    canvas : Canvas
        Fitted to the points in their new units.
    bar : UnitsBar
    action : QAction
        The checkable View › Standardised units.
    feedback : Feedback
    """

    def __init__(self, session, run, canvas, bar, action, feedback,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.run = run
        self.canvas = canvas
        self.bar = bar
        self.action = action
        self.feedback = feedback
        #: The offer was closed for this data set (it comes back with the next one).
        self.dismissed = False
        bar.standardise_requested.connect(self.set_standardised)
        bar.dismissed.connect(self.dismiss)
        action.triggered.connect(self.set_standardised)
        session.events.subscribe(self._on_session_event)  # held weakly

    def _on_session_event(self, topic: str) -> None:
        if topic == "points":
            self.refresh()

    @Slot()
    def data_replaced(self) -> None:
        """A new data set: offer again if it needs it."""
        self.dismissed = False
        self.refresh()

    @Slot()
    def dismiss(self) -> None:
        self.dismissed = True
        self.bar.hide()

    def refresh(self) -> None:
        """Show the bar as the units are: standardised, worth offering, or neither."""
        s, bar = self.session, self.bar
        self.action.setChecked(s.units is not None)
        if s.units is not None:
            bar.standardised(s.units.names)
            return
        if self.dismissed or not s.standardising_helps:
            bar.hide()
            return
        sd = s.column_spreads
        wide, narrow = (0, 1) if sd[0] > sd[1] else (1, 0)
        bar.offer(s.spread_ratio, s.column_names[wide], s.column_names[narrow])

    @Slot(bool)
    def set_standardised(self, on: bool) -> None:
        """Show and fit the points in standardised units (or back in the data's); the run
        starts over, as when data are opened."""
        self.run.stop()
        try:
            changed = self.session.set_standardised(bool(on))
        except InputError as exc:
            self.feedback.status(str(exc), 6000)
            changed = False
        if not changed:
            self.refresh()  # the action's check mark follows the session
            return
        self.canvas.fit_view()
        self.run.initialise()
        self.feedback.status(
            "Standardised units: the run starts over; exports stay in the data's units"
            if on else "Back in the data's units: the run starts over", 6000)
