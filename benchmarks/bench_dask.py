"""EM out of core: seconds per iteration on N points in a memory-mapped .npy.

Writes (once) a .npy of N points in blocks, then times EM iterations from a fixed start
(tol 0, so every run does the same iterations): in this process without Dask
(``engine.blocked.ArrayBlocks``, the window's out-of-core path, blocks of 1,000,000
rows), and with ``gmm_explorer.engine.dask.fit`` on Dask's threaded scheduler and on a
two-process ``LocalCluster``, each block read from the file through a memory map by the
task that uses it. Prints the median seconds per iteration and the implied points per
second.

Usage: python benchmarks/bench_dask.py [--n 1e8] [--k 10] [--iters 3] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np


def write_points(path: Path, n: int, block: int = 5_000_000) -> None:
    """N points of 12 Gaussian blobs, written block by block (never all in memory)."""
    rng = np.random.default_rng(0)
    centres = rng.uniform(-20, 20, size=(12, 2))
    spreads = rng.uniform(0.5, 3, size=(12, 2))
    mm = np.lib.format.open_memmap(path, mode="w+", dtype=np.float64, shape=(n, 2))
    for lo in range(0, n, block):
        hi = min(n, lo + block)
        lab = rng.integers(0, 12, size=hi - lo)
        mm[lo:hi] = centres[lab] + rng.normal(size=(hi - lo, 2)) * spreads[lab]
    mm.flush()
    del mm


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e8)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--chunks", type=int, default=5_000_000)
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp"))
    args = ap.parse_args(argv)
    from distributed import Client, LocalCluster

    from gmm_explorer import engine as E
    from gmm_explorer.engine import dask as engine_dask
    from gmm_explorer.io.dask_points import open_points

    n = int(args.n)
    path = Path(args.dir) / f"gmm-explorer-bench-{n}.npy"
    if not path.exists() or np.load(path, mmap_mode="r").shape != (n, 2):
        t = time.perf_counter()
        write_points(path, n)
        print(f"# wrote {path} ({path.stat().st_size / 2**30:.2f} GiB) in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
    sample = np.array(np.load(path, mmap_mode="r")[: 200_000])
    start = E.initialise(sample, args.k, "kmeans", seed=1)
    settings = E.EMSettings("full", tol=0.0, max_iter=args.iters)
    print(f"# {n:.0e} points ({path.stat().st_size / 2**30:.2f} GiB on disk), K={args.k}, "
          f"blocks of {args.chunks:,}, {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}")
    print("| path | s / iteration | points / s |")
    print("|---|---:|---:|")

    from gmm_explorer.engine import em
    from gmm_explorer.io.npy_map import out_of_core_points

    def median_pass(points, run) -> float:
        """Median seconds of ``points``' passes while ``run(points)`` fits."""
        per = []
        original = points.run_pass

        def timed_pass(*a, **kw):
            t0 = time.perf_counter()
            out = original(*a, **kw)
            per.append(time.perf_counter() - t0)
            return out

        points.run_pass = timed_pass
        run(points)
        return statistics.median(per[1:] or per)  # the first pass also warms workers

    def timed(scheduler) -> float:
        points, _ = open_points(path, chunks=args.chunks)
        return median_pass(engine_dask.DaskPoints(points, scheduler),
                           lambda p: engine_dask.fit(p, settings=settings, init=start))

    s = median_pass(out_of_core_points(path),
                    lambda p: list(em.iterate(p, start, settings)))
    print(f"| this process, no Dask (the window's out-of-core path) | {s:.2f} | "
          f"{n / s:.3g} |", flush=True)
    s = timed("threads")
    print(f"| Dask, threads | {s:.2f} | {n / s:.3g} |", flush=True)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        s = timed(client)
    print(f"| Dask, LocalCluster, 2 processes | {s:.2f} | {n / s:.3g} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
