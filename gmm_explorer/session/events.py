"""A small Qt-free observer: the session says what changed, views pull what they show.

Topics (the argument each subscriber receives):

* ``"points"``: the point set changed (loaded, edited, undone, a session restored);
* ``"model"``: the parameters, history, branches, phase, locks or settings changed;
* ``"saved"``: only the unsaved-changes flag changed.

Bound methods are held weakly: a view that subscribes does not keep itself alive through
the session, so no reference cycle forms (Python's cyclic collector runs in whichever
thread allocates, and must never be the one to free Qt objects).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

TOPICS = ("points", "model", "saved")


def _reference(callback: Callable[[str], None]):
    """A callable giving back ``callback``, or None once its object has gone."""
    if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
        return weakref.WeakMethod(callback)
    return lambda: callback


class Events:
    """Subscribers called, in subscription order, with the topic that changed."""

    def __init__(self) -> None:
        self._subscribers: list = []

    def subscribe(self, callback: Callable[[str], None]) -> None:
        """Call ``callback(topic)`` on every change (a bound method is held weakly)."""
        self._subscribers.append(_reference(callback))

    def unsubscribe(self, callback: Callable[[str], None]) -> None:
        self._subscribers = [r for r in self._subscribers if r() not in (None, callback)]

    def emit(self, topic: str) -> None:
        if topic not in TOPICS:
            raise ValueError(f"unknown topic {topic!r}")
        alive = []
        for ref in list(self._subscribers):
            callback = ref()
            if callback is not None:
                alive.append(ref)
                callback(topic)
        self._subscribers = alive
