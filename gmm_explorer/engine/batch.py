"""Batches of fits (model selection, the optima gallery): run them one at a time, with
progress reports and a cancel check between them (and, through :class:`Cancelled`,
inside a fit, between its EM iterations)."""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside a fit whose ``cancelled()`` check said stop (between iterations)."""


def collect(items: Iterator[T], total: int, *, progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> tuple[T, ...]:
    """The first ``total`` items of ``items``, fewer when cancelled.

    Parameters
    ----------
    items : iterator
        A generator whose every ``next()`` does one unit of work (one fit).
    total : int
        How many items to take.
    progress : callable(done, total), optional
        Called after each item.
    cancelled : callable() -> bool, optional
        Checked before each item; when it returns true the items so far are returned.

    Returns
    -------
    tuple
        In the order ``items`` yields them.
    """
    done: list[T] = []
    while len(done) < total:
        if cancelled is not None and cancelled():
            break
        try:
            done.append(next(items))
        except (Cancelled, StopIteration):  # a fit stopped mid-way: the items so far
            break
        if progress is not None:
            progress(len(done), total)
    return tuple(done)
