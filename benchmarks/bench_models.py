"""One EM iteration for each of mclust's fourteen covariance models, against ``full``.

Every model shares the fused E pass; they differ in the M-step, which for VEI, VEE, EVE,
VVE and VEV iterates (mclust's inner loops). Prints the median time per iteration of each
model and its ratio to ``full``, measured in the same run in alternating blocks (the
machines are shared and noisy: compare ratios, not absolute times across runs).

One iteration is one ``next()`` of :func:`gmm_explorer.engine.iterate`: an M-step, the
fused E pass and the per-component diagnostics, from a state already converged a few
steps (so the inner loops start warm, as in a run).

Usage: python benchmarks/bench_models.py [--n N] [--k K] [--rounds R] [--block B]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

from gmm_explorer import engine as E
from gmm_explorer.engine.models import MODEL_TYPES, label


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(12, 2))
    lab = rng.integers(0, 12, size=n)
    return centres[lab] + rng.normal(size=(n, 2)) * rng.uniform(0.5, 3, size=(12, 2))[lab]


def _stepper(X, k: int, model: str):
    """A function that runs one more EM iteration of ``model`` each call."""
    settings = E.EMSettings(model, tol=0.0, max_iter=10**9)
    start = E.initialise(X, k, "kmeans", covariance_type=model, seed=0)
    it = E.iterate(X, start, settings)
    for _ in range(4):  # past the start, so the inner iterations run warm
        next(it)
    return lambda: next(it)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--block", type=int, default=5)
    args = ap.parse_args()
    E.warm_up()
    X = _data(args.n)
    steppers = [_stepper(X, args.k, m) for m in MODEL_TYPES]
    times: list[list[float]] = [[] for _ in MODEL_TYPES]
    for _ in range(args.rounds):
        for i, fn in enumerate(steppers):
            fn()
            for _ in range(args.block):
                t = time.perf_counter()
                fn()
                times[i].append(time.perf_counter() - t)
    med = [statistics.median(t) for t in times]
    full = med[MODEL_TYPES.index("full")]
    print(f"N={args.n:,}, K={args.k}, {args.rounds}x{args.block} iterations each; "
          f"{platform.processor() or platform.machine()}, threads {E.get_num_threads()}")
    print(f"{'model':<16} {'ms/iteration':>13} {'x full':>8}")
    for m, t in zip(MODEL_TYPES, med):
        print(f"{label(m):<16} {t * 1e3:>13.2f} {t / full:>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
