"""Run the Qt event loop until a condition holds (benchmarks and tests).

A ``QEventLoop`` releases the GIL while it waits, unlike ``QTest.qWait``, which starves
the EM worker thread; so waiting this way lets queued worker results arrive.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEventLoop, QTimer


def wait_until(cond, timeout_s: float = 30.0, poll_ms: int = 2) -> None:
    """Process events until ``cond()`` is true.

    Raises
    ------
    TimeoutError
        If ``cond()`` is still false after ``timeout_s`` seconds.
    """
    if cond():
        return
    loop = QEventLoop()
    t0 = time.monotonic()
    timer = QTimer()
    timer.timeout.connect(lambda: (cond() or time.monotonic() - t0 > timeout_s) and loop.quit())
    timer.start(poll_ms)
    loop.exec()
    timer.stop()
    if not cond():
        raise TimeoutError(f"the condition did not hold within {timeout_s} s")
