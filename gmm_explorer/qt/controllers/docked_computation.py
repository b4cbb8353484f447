"""The plumbing shared by the docked panels whose contents are computed in the background
(the M-step panel, the Bound panel): recompute when the session changes, but only while
the panel can be seen, and once per burst of events (a Run).

A subclass implements :meth:`DockedComputation.refresh` (submit the work to
:attr:`~DockedComputation.runner`, or clear the panel with a reason) and the runner's
outcomes, ``_on_finished`` and ``_on_failed``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Slot

from gmm_explorer.qt.threads import BackgroundThread, TaskDone, TaskFailed


class DockedComputation(QObject):
    """Parameters
    ----------
    session : Session
        Read only; its ``events`` say when the displayed state may have changed.
    panel : QWidget
        The panel the computation fills.
    dock : QDockWidget
        The panel's dock: its visibility decides whether anything is computed.
    name : str
        The worker thread's name.
    refresh_ms : int
        Milliseconds to coalesce bursts of session events into one recomputation.
    """

    def __init__(self, session, panel, dock, name: str, refresh_ms: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.panel = panel
        self._dock = dock
        self.runner = BackgroundThread(name, latest_only=True, parent=self)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        #: What is shown or being computed (the subclass's key); None when nothing is.
        self._key: tuple | None = None
        self._stale = True
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(refresh_ms)
        self._timer.timeout.connect(self._refresh_if_on_screen)
        dock.visibilityChanged.connect(self._visibility_changed)
        session.events.subscribe(self._on_session_event)  # held weakly

    @property
    def on_screen(self) -> bool:
        """Whether the panel can be seen: its dock is shown and not behind another tab
        (a tabified dock hidden behind another tab still reports ``isVisible()``)."""
        return self._dock.isVisible() and not self._dock.visibleRegion().isEmpty()

    @property
    def busy(self) -> bool:
        """Whether a recomputation is queued or running."""
        return self.runner.busy

    def _on_session_event(self, topic: str) -> None:
        if topic == "saved":
            return
        self._stale = True
        if self.on_screen:
            self._timer.start()

    @Slot(bool)
    def _visibility_changed(self, visible: bool) -> None:
        if visible and self._stale:
            self._timer.start()

    @Slot()
    def _refresh_if_on_screen(self) -> None:
        if self.on_screen:
            self.refresh()

    def _begin_refresh(self) -> None:
        """What every refresh does first: the pending one is taken."""
        self._timer.stop()
        self._stale = False

    def _show_reason(self, why: str) -> None:
        """Nothing to compute: forget the key, cancel the work in flight, say why."""
        self._key = None
        self.runner.cancel()
        self.panel.clear(why)

    @Slot()
    def refresh(self) -> None:  # pragma: no cover - every subclass has its own
        raise NotImplementedError

    @Slot(object)
    def _on_finished(self, done: TaskDone) -> None:  # pragma: no cover
        raise NotImplementedError

    @Slot(object)
    def _on_failed(self, failure: TaskFailed) -> None:  # pragma: no cover
        raise NotImplementedError

    def shutdown(self) -> None:
        """Stop the timer and the thread (on close)."""
        self._timer.stop()
        self.runner.shutdown()
