"""Run a compiled pass on several threads so that a thread the OS holds back costs little.

A pass splits the points into ``n_chunks_for(N)`` chunks (a function of N alone) and
writes each chunk's partial sums into its own slot; the caller adds the slots in chunk
order. The compiled worker (``_kernels._pass_worker``) takes chunks one at a time from a
shared atomic counter until none is left. This module starts that worker on the calling
thread and on helper threads. Which thread ran a chunk changes nothing in that chunk's
slot, so results are bit-identical for any thread count and any scheduling.

Why not numba's ``prange``: its threading layer hands each thread its share and then
waits for every thread, even one that has not started yet. When another program keeps
one core busy, the OS can keep a woken thread off the CPU for several milliseconds, and
the whole pass waits for it. Measured on a 2-core machine with a busy loop on one core
(``benchmarks/bench_contention.py``): fixed halves took 36 ms against 30 ms on one thread
at N = 1e6, K = 10, and a dynamic split under ``prange`` took 8 ms against 1.4 ms at
N = 1e5, K = 3. Here:

* the calling thread works from the start, and waits only for helpers that took a chunk
  (each finishing the one chunk it is in). A helper that wakes after the last chunk was
  taken returns at once and nobody waits for it, so a pass is never much slower than on
  one thread;
* a pass of fewer than :data:`SINGLE_THREAD_PAIRS` point-component pairs runs on the
  calling thread alone: below that, waking a helper (tens of microseconds) cost more than
  it saved when a core was busy (measured: up to 15% slower at 3e4-6e4 pairs, even at
  1.5e5, faster from 2e5 on).

The number of threads is :func:`get_num_threads` (set by :func:`set_num_threads`, the
command line's ``--threads``); it defaults to the CPUs this process may run on.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


#: Passes of fewer point-component pairs (N times K) run on the calling thread alone.
SINGLE_THREAD_PAIRS = 200_000


def _default_threads() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        n = os.cpu_count() or 1
    cap = os.environ.get("NUMBA_NUM_THREADS", "").strip()
    if cap.isdigit() and int(cap) > 0:
        n = min(n, int(cap))
    return max(1, n)


_MAX_THREADS = _default_threads()
_threads = _MAX_THREADS
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def max_threads() -> int:
    """The most threads a pass may use here (the CPUs this process may run on)."""
    return _MAX_THREADS


def set_num_threads(n: int) -> None:
    """Use ``n`` threads per pass (clamped to 1..:func:`max_threads`)."""
    global _threads
    _threads = max(1, min(int(n), _MAX_THREADS))


def get_num_threads() -> int:
    """Threads a pass will use."""
    return _threads


def _forget_pool_after_fork() -> None:
    # A forked child (multiprocessing, a Dask worker) inherits the pool object but none of
    # its threads; it makes a new pool when it first needs one.
    global _pool, _pool_lock
    _pool = None
    _pool_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool_after_fork)


#: Added to the niceness of the compute threads: the helpers (as each starts) and the
#: threads that call :func:`lower_this_thread`. 0: as the process.
_background_niceness = 0


def set_background_niceness(n: int) -> None:
    """Run compute threads ``n`` steps nicer than the thread that starts them, so that
    the thread a person waits on (the window's) wins the CPU when they compete: set
    before the first pass (helpers already started keep their niceness). On Linux,
    where a desktop session groups a program's threads for the scheduler, this shares
    the CPU among the program's own threads only, not against other programs."""
    global _background_niceness
    _background_niceness = max(0, int(n))


def lower_this_thread() -> None:
    """Make the calling thread nicer by :func:`set_background_niceness`'s amount (Linux
    only, where ``setpriority`` takes a thread's own id; elsewhere, or if refused,
    nothing)."""
    n = _background_niceness
    if n <= 0 or not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + n))
    except OSError:
        pass


def _helpers() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, _MAX_THREADS - 1),
                                       thread_name_prefix="gmm-pass",
                                       initializer=lower_this_thread)
        return _pool


class _Run:
    """One pass: the worker, and the helpers that joined it before it closed."""

    def __init__(self, worker: Callable[[], None]):
        self.worker = worker
        self.closed = False
        self.working = 0
        self.error: BaseException | None = None
        self.done = threading.Condition(threading.Lock())

    def help(self) -> None:
        with self.done:
            if self.closed:
                return  # woke too late: every chunk was taken, and nobody waits for us
            self.working += 1
        try:
            self.worker()
        except BaseException as exc:  # noqa: BLE001 - raised again on the calling thread
            self.error = exc
        finally:
            with self.done:
                self.working -= 1
                self.done.notify_all()

    def close(self) -> None:
        """Let no more helpers in; wait for those inside a chunk; raise their error."""
        with self.done:
            self.closed = True
            while self.working:
                self.done.wait()
        if self.error is not None:
            raise self.error


def run_shared(worker: Callable[[], None], n_chunks: int, pairs: int,
               threads: int | None = None, *, min_work: int | None = None) -> None:
    """Run ``worker`` on the calling thread and on helpers until it has no chunk left.

    Parameters
    ----------
    worker : callable
        Takes chunks from a counter shared by every call until none is left, storing
        each chunk's result in the chunk's own slot. It must release the GIL (a
        ``nogil`` compiled function) for helpers to run beside it.
    n_chunks : int
        The pass's chunk count (no more threads than chunks).
    pairs : int
        The pass's work, N times K: below :data:`SINGLE_THREAD_PAIRS` it runs on the
        calling thread alone.
    threads : int, optional
        Threads to use, the caller's included; default :func:`get_num_threads`.
    min_work : int, optional
        The least ``pairs`` worth sharing (default :data:`SINGLE_THREAD_PAIRS`); a
        caller whose ``pairs`` count other units of work (the large-file reader: chunks
        of a megabyte) gives its own.
    """
    threads = _threads if threads is None else max(1, min(int(threads), _MAX_THREADS))
    threads = min(threads, n_chunks)
    if threads <= 1 or pairs < (SINGLE_THREAD_PAIRS if min_work is None else min_work):
        worker()
        return
    run = _Run(worker)
    pool = _helpers()
    try:
        for _ in range(threads - 1):
            pool.submit(run.help)
    except RuntimeError:  # the interpreter is shutting down: no new threads, no matter
        pass
    try:
        worker()
    finally:
        run.close()
