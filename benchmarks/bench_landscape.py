"""The likelihood landscape's grid: 100 x 100 cells of ln p(X | θ) at N points, the two
coordinates on different components (the pair kernel) and on one (the same-component
kernel). #13 asks for well under a second at N = 10⁴.

    .venv/bin/python benchmarks/bench_landscape.py [--n 10000] [--k 3] [--repeats 5]

Prints each kernel's median over the repeats (after one warm-up call).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from gmm_explorer.engine import landscape as L
from gmm_explorer.engine.init import initialise


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.n, 2)) + rng.integers(0, 3, (args.n, 1)) * 3.0
    m = initialise(X, args.k, "kmeans", seed=0)
    for name, pair in (("two components", L.default_pair(args.k)),
                       ("one component", (L.Coordinate(0, 0), L.Coordinate(0, 1)))):
        L.landscape(X, m, *pair)  # compile or load
        times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            L.landscape(X, m, *pair)
            times.append(time.perf_counter() - t0)
        print(f"N={args.n:,} K={args.k} {L.GRID}x{L.GRID} cells, {name}: "
              f"median {statistics.median(times) * 1e3:.0f} ms "
              f"(min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
