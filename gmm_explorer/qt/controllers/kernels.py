"""The fast EM kernels: compiled by numba on their own thread at start-up (25-95 s on a
loaded machine's first launch, a moment from the cache later). Until they are ready EM
asks the engine for its numpy path, which gives the same numbers, so the first Step never
waits for a compiler.

The compiler thread starts once the window has first painted: importing numba and
loading its kernels hold Python's lock for most of half a second, and begun at once they
held back the window's first paint by about that much (1.7 s to a painted window; 1.1 s
once they wait for it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot

from gmm_explorer.qt.em_worker import compile_kernels
from gmm_explorer.qt.threads import BackgroundThread, Task, TaskDone

#: Milliseconds after which the compiler starts anyway when the window has not painted
#: (never shown, or minimised from the start).
START_ANYWAY_MS = 1500

#: What the busy indicator says while the kernels compile.
COMPILING = "Compiling the fast EM kernels (a first launch; EM runs on numpy meanwhile, " \
            "with the same numbers)"


class KernelsController(QObject):
    """Owns the compiler thread; says when the kernels are ready. Its parent is the
    window: the compiler starts when that has first painted (or after
    :data:`START_ANYWAY_MS`)."""

    #: str: what the compiler is doing ("" once the kernels are ready or failed).
    compiling_changed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        #: Whether the numba kernels are compiled or loaded.
        self.ready = False
        self._done = False
        # The window never waits for a compiler: large text files are read line by line
        # until the bulk reader is compiled too (em_worker.compile_kernels).
        from gmm_explorer.io import fast_text

        fast_text.COMPILE_ON_DEMAND = False
        self.thread = BackgroundThread("kernel-compiler", parent=self)
        self.thread.finished.connect(self._compiled)
        self.thread.failed.connect(self._compiled)
        self._started = False
        if parent is not None:
            parent.installEventFilter(self)
        QTimer.singleShot(START_ANYWAY_MS, self, self.start)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint and not self._started:
            watched.removeEventFilter(self)
            # After this paint has finished, not within it.
            QTimer.singleShot(0, self, self.start)
        return False

    @Slot()
    def start(self) -> None:
        """Start compiling (once; the window's first paint or a timer calls it)."""
        if self._started:
            return
        self._started = True
        if self.parent() is not None:
            self.parent().removeEventFilter(self)
        self.thread.submit(Task("compile", compile_kernels))

    @property
    def backend(self) -> str | None:
        """The engine backend to ask for now: numpy until the kernels are ready."""
        return None if self.ready else "numpy"

    def announce(self) -> None:
        """Say what is going on (call once the receivers are connected)."""
        if not self._done:
            self.compiling_changed.emit(COMPILING)

    @Slot(object)
    def _compiled(self, outcome) -> None:
        # A failed compile leaves EM on numpy: slower, never wrong.
        self.ready = isinstance(outcome, TaskDone)
        self._done = True
        self.compiling_changed.emit("")

    def shutdown(self) -> None:
        self._started = True  # a start still pending (the timer) now does nothing
        self.thread.shutdown()
