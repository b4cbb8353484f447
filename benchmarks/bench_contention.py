"""One E-pass on a busy machine: one thread against all threads, with a core kept busy.

A user's machine is rarely idle. This script times one fused E-pass
(``_kernels.pass_numba``: log-likelihood and sufficient statistics) at N = 1e3 .. 1e7,
first on an idle machine, then while another process keeps CPU 0 busy (a pure-Python
busy loop pinned there, as a browser tab or a build would). For each it prints the
median over repeated passes with one thread and with all threads, measured in
alternating blocks, and their ratio. The goal (#15): all threads never slower than one.

Usage: python benchmarks/bench_contention.py [--quick] [--sizes 1e3,1e4,...]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager

import numpy as np

SIZES = [(1_000, 3), (10_000, 3), (100_000, 3), (100_000, 10), (1_000_000, 10),
         (10_000_000, 10)]


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(12, 2))
    lab = rng.integers(0, 12, size=n)
    return centres[lab] + rng.normal(size=(n, 2)) * rng.uniform(0.5, 3, size=(12, 2))[lab]


@contextmanager
def busy_core(cpu: int = 0):
    """Another process spinning on CPU ``cpu`` for the duration."""
    def pin():
        os.sched_setaffinity(0, {cpu})

    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"], preexec_fn=pin)
    try:
        time.sleep(0.3)  # let it start spinning
        yield
    finally:
        proc.kill()
        proc.wait()


def _medians(fns, budget: float) -> list[float]:
    """Median seconds per call of each of ``fns``, in alternating blocks of calls."""
    t0 = time.perf_counter()
    fns[0]()
    once = max(time.perf_counter() - t0, 1e-6)
    block = int(min(200, max(3, 0.02 / once)))
    rounds = int(max(3, min(40, budget / (once * block * len(fns)))))
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            fn()  # untimed: wakes helper threads, settles caches
            for _ in range(block):
                t = time.perf_counter()
                fn()
                times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller time budget")
    parser.add_argument("--sizes", help="comma-separated N (K = 3 below 1e5, else 10)")
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds per size and condition (default 3, quick 1)")
    args = parser.parse_args(argv)
    from gmm_explorer import engine as E
    from gmm_explorer.engine import _kernels
    from gmm_explorer.engine.em import _pass_inputs

    budget = args.budget or (1.0 if args.quick else 3.0)
    sizes = SIZES
    if args.sizes:
        sizes = [(int(float(s)), 3 if float(s) < 1e5 else 10) for s in args.sizes.split(",")]
    threads = E.get_num_threads()
    E.warm_up()
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"all threads = {threads}; median ms per E-pass")
    print("| N | K | idle, 1 thread | idle, all | contended, 1 thread | contended, all "
          "| contended all / 1 |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n, k in sizes:
        X = _data(n)
        mix = E.initialise(X[: min(n, 20_000)], k, "random", seed=1)
        means, prec, const = _pass_inputs(mix)

        def one_pass():
            _kernels.pass_numba(X, means, prec, const, None)

        def with_threads(t):
            def run():
                E.set_num_threads(t)
                try:
                    one_pass()
                finally:
                    E.set_num_threads(threads)
            return run

        fns = [with_threads(1), with_threads(threads)]
        idle = _medians(fns, budget)
        with busy_core(0):
            busy = _medians(fns, budget)
        ms = [1e3 * v for v in idle + busy]
        print(f"| {n:.0e} | {k} | {ms[0]:.3f} | {ms[1]:.3f} | {ms[2]:.3f} | {ms[3]:.3f} "
              f"| {busy[1] / busy[0]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
