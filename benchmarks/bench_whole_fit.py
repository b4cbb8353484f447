"""A complete fit as a user runs it: whole processes, GMM Explorer against scikit-learn.

``gmm-explorer fit`` on a .npy of N points (K components, kmeans start, tol 1e-3) against
a Python process that loads the same file and runs scikit-learn's
``GaussianMixture(K, tol=1e-3).fit``; medians of repeated whole processes, alternating.

Usage: python benchmarks/bench_whole_fit.py [--n 1e6] [--k 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SKLEARN = ("import sys, numpy as np\n"
           "from sklearn.mixture import GaussianMixture\n"
           "X = np.load(sys.argv[1])\n"
           "GaussianMixture(int(sys.argv[2]), tol=1e-3, random_state=0).fit(X)\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=float, default=1e6)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.dirname(__file__))
    from bench_contention import _data

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "points.npy"
        np.save(path, _data(int(args.n)))
        ours = [sys.executable, "-m", "gmm_explorer", "fit", str(path), "--k", str(args.k),
                "--seed", "0", "--tol", "1e-3", "--quiet"]
        theirs = [sys.executable, "-c", SKLEARN, str(path), str(args.k)]
        a, b = [], []
        for _ in range(args.repeats):
            for cmd, out in ((ours, a), (theirs, b)):
                t = time.perf_counter()
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL,
                               env=dict(os.environ, OPENBLAS_THREAD_TIMEOUT="4"))
                out.append(time.perf_counter() - t)
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"| {int(args.n):.0e} | {args.k} | {ma:.2f} s | {mb:.2f} s | {mb / ma:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
