"""Batches of fits (model selection, the optima gallery): run them one at a time, with
progress reports and a cancel check between them."""

from __future__ import annotations

from typing import Callable, Iterator, TypeVar

T = TypeVar("T")


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
        done.append(next(items))
        if progress is not None:
            progress(len(done), total)
    return tuple(done)
