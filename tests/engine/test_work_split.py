"""The passes' threads (engine/work_split.py): every chunk once, errors reach the caller,
and a helper that has not started is never waited for."""

from __future__ import annotations

import sys
import threading

import numpy as np
import pytest

from gmm_explorer.engine import work_split


class Chunks:
    """A worker as the compiled ones behave: takes chunks from a shared counter until none
    is left, writing each chunk's slot (here, which thread ran it)."""

    def __init__(self, n_chunks: int, delay=None):
        self.n_chunks = n_chunks
        self.next = 0
        self.lock = threading.Lock()
        self.ran_by = [None] * n_chunks
        self.runs = [0] * n_chunks
        self.delay = delay

    def __call__(self):
        while True:
            with self.lock:
                c = self.next
                self.next += 1
            if c >= self.n_chunks:
                return
            if self.delay is not None:
                self.delay(c)
            self.ran_by[c] = threading.current_thread().name
            self.runs[c] += 1


@pytest.fixture
def two_threads():
    if work_split.max_threads() < 2:
        pytest.skip("this process may use only one CPU")
    before = work_split.get_num_threads()
    work_split.set_num_threads(2)
    yield
    work_split.set_num_threads(before)


def test_every_chunk_runs_exactly_once_and_helpers_take_part(two_threads):
    both = threading.Barrier(2)
    first = set()

    def delay(c):
        # Each thread, on its first chunk, waits until the other has taken one too.
        me = threading.current_thread().name
        if me not in first:
            first.add(me)
            both.wait(10)

    work = Chunks(64, delay)
    work_split.run_shared(work, 64, pairs=work_split.SINGLE_THREAD_PAIRS)
    assert work.runs == [1] * 64
    assert len(set(work.ran_by)) == 2


def test_small_passes_stay_on_the_calling_thread(two_threads):
    work = Chunks(8)
    work_split.run_shared(work, 8, pairs=work_split.SINGLE_THREAD_PAIRS - 1)
    assert work.runs == [1] * 8
    assert set(work.ran_by) == {threading.current_thread().name}


def test_one_thread_means_the_calling_thread(two_threads):
    work_split.set_num_threads(1)
    work = Chunks(32)
    work_split.run_shared(work, 32, pairs=10**9)
    assert set(work.ran_by) == {threading.current_thread().name}


def test_a_helper_that_has_not_started_is_not_waited_for(two_threads):
    # Every helper thread is busy elsewhere (as when the OS keeps it off the CPU): the
    # pass finishes on the calling thread, and the late helper later finds nothing to do.
    pool = work_split._helpers()
    release = threading.Event()
    blockers = [pool.submit(release.wait, 30) for _ in range(pool._max_workers)]
    try:
        work = Chunks(16)
        done = threading.Event()

        def pass_():
            work_split.run_shared(work, 16, pairs=10**9)
            done.set()

        t = threading.Thread(target=pass_)
        t.start()
        assert done.wait(10), "the pass waited for a helper that never started"
        assert work.runs == [1] * 16
        assert set(work.ran_by) == {t.name}
    finally:
        release.set()
        for b in blockers:
            b.result(timeout=30)
        t.join(10)


def test_a_helpers_error_is_raised_on_the_calling_thread(two_threads):
    started = threading.Event()

    def delay(c):
        if threading.current_thread() is threading.main_thread():
            started.wait(10)  # let the helper reach a chunk first
        else:
            started.set()
            raise ZeroDivisionError("in a helper")

    with pytest.raises(ZeroDivisionError, match="in a helper"):
        work_split.run_shared(Chunks(64, delay), 64, pairs=10**9)


def test_thread_count_is_clamped():
    before = work_split.get_num_threads()
    try:
        work_split.set_num_threads(0)
        assert work_split.get_num_threads() == 1
        work_split.set_num_threads(10**6)
        assert work_split.get_num_threads() == work_split.max_threads()
    finally:
        work_split.set_num_threads(before)


def test_a_forked_child_computes_the_same_pass(two_threads):
    import multiprocessing as mp

    work_split._helpers()  # the parent's pool exists before the fork
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as child:
        stats = child.apply(_child_pass, ())
    from gmm_explorer.engine import _kernels

    if _kernels.HAVE_NUMBA:
        np.testing.assert_array_equal(stats, _child_pass())


def _child_pass():
    from gmm_explorer import engine as E
    from gmm_explorer.engine import _kernels
    from gmm_explorer.engine.em import _pass_inputs

    X = np.random.default_rng(0).normal(size=(200_000, 2))
    mix = E.initialise(X[:2000], 3, "random", seed=1)
    means, prec, const = _pass_inputs(mix)
    return _kernels.run_pass(X, means, prec, const, None)[0]


_NICE_HELPERS = """
import os, threading
import numpy as np
from gmm_explorer import engine as E
from gmm_explorer.engine import work_split

work_split.set_background_niceness(4)
work_split.set_num_threads(2)
X = np.random.default_rng(0).normal(size=(400_000, 2))
mix = E.initialise(X[:1000], 4, "random", seed=0)
E.e_step(X, mix, backend="numba")  # shared: a helper starts

def nice(tid):
    with open(f"/proc/self/task/{tid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[16])

helpers = [t.native_id for t in threading.enumerate() if t.name.startswith("gmm-pass")]
print(nice(threading.get_native_id()), *sorted({nice(t) for t in helpers}), len(helpers))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux") or work_split.max_threads() < 2,
                    reason="per-thread niceness (Linux), and a helper needs a second CPU")
def test_helpers_run_nicer_when_asked_and_the_caller_does_not():
    import subprocess

    out = subprocess.run([sys.executable, "-c", _NICE_HELPERS], capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    caller, helper, n_helpers = map(int, out.stdout.split())
    assert n_helpers >= 1 and helper == min(19, caller + 4)
