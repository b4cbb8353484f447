"""One EM iteration: GMM Explorer's engine against scikit-learn, same data, same start.

Prints a table of median times per iteration and their ratio, measured in the same run
(the machines are shared and noisy: compare ratios, not absolute times across runs).

* scikit-learn: ``GaussianMixture(covariance_type='full')._e_step`` + ``_m_step``, which is
  exactly one iteration of its fit loop.
* ours: one ``next()`` of :func:`gmm_explorer.engine.iterate`, i.e. one M-step, one fused
  E pass (log-likelihood + sufficient statistics) and the per-component diagnostics.

Both are timed over consecutive iterations, in alternating blocks (see
``_interleaved_medians``). Run it on an otherwise idle machine.

Usage: python benchmarks/bench_em.py [--quick] [--threads T] [--backend numba|numpy]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

# After each call OpenBLAS (scikit-learn's BLAS) keeps its worker threads spinning for
# ~2**28 cycles. On a 2-core machine a spinning thread takes a core from the next
# engine's timed iterations (measured here: our 2.3 ms iteration became 16 ms). A short
# spin timeout removes that cross-talk and leaves scikit-learn's own timings unchanged.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import numpy as np  # noqa: E402


def _data(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(12, 2))
    lab = rng.integers(0, 12, size=n)
    return centres[lab] + rng.normal(size=(n, 2)) * rng.uniform(0.5, 3, size=(12, 2))[lab]


def _interleaved_medians(fns, rounds: int, block: int) -> list[float]:
    """Median time per call of each function, timed in alternating blocks.

    Each round runs every function as a block of consecutive calls, as in a real fit,
    where EM iterations run back to back. The first call of each block is untimed: it
    absorbs the other engine's still-spinning worker threads (OpenBLAS, OpenMP) and the
    wake-up of idle worker threads, which on a virtual machine can cost ~10 ms.
    Alternating blocks spreads machine noise over both engines alike.
    """
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            fn()
            for _ in range(block):
                t = time.perf_counter()
                fn()
                times[i].append(time.perf_counter() - t)
    return [statistics.median(t) for t in times]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grid, for a smoke run")
    ap.add_argument("--threads", type=int, default=None, help="numba threads (default: all)")
    ap.add_argument("--backend", default=None, choices=["numba", "numpy"])
    args = ap.parse_args()

    from sklearn.mixture import GaussianMixture

    from gmm_explorer import engine as E

    if args.threads:
        E.set_num_threads(args.threads)
    E.warm_up()
    ns = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000, 4_000_000]
    ks = [3, 10] if args.quick else [3, 10, 30]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"python {platform.python_version()}, numpy {np.__version__}, "
          f"numba threads {E.get_num_threads()}, backend {args.backend or 'auto'}")
    print(f"{'N':>9} {'K':>3} {'scikit-learn':>13} {'ours':>10} {'ratio':>7}")
    for n in ns:
        X = _data(n)
        for k in ks:
            start = E.initialise(X[:20000], k, "random_from_data", seed=1)
            settings = E.EMSettings("full", tol=0.0, max_iter=10**9)
            rounds = 3 if n * k <= 10**6 else 2
            block = 3 if n * k <= 10**7 else 1
            # ours: advance the generator; each next() is one full iteration.
            gen = E.iterate(X, start, settings, backend=args.backend)
            next(gen)
            g = GaussianMixture(k, covariance_type="full", weights_init=start.weights,
                                means_init=start.means,
                                precisions_init=np.linalg.inv(start.covariances), max_iter=1)
            g._initialize_parameters(X, np.random.RandomState(0))

            def sk_iter():
                _, log_resp = g._e_step(X)
                g._m_step(X, log_resp)

            sk, ours = _interleaved_medians([sk_iter, lambda: next(gen)], rounds, block)
            gen.close()
            print(f"{n:>9} {k:>3} {sk * 1e3:>10.1f} ms {ours * 1e3:>7.2f} ms {sk / ours:>6.1f}x",
                  flush=True)


if __name__ == "__main__":
    main()
