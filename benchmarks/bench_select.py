"""Model selection as a user runs it: ``gmm-explorer select`` as a whole process, against
R's ``Mclust`` as a whole Rscript process on the same grid, in the same run.

    .venv/bin/python benchmarks/bench_select.py [--repeats 3] [--k 1-9] [--models all]

Prints each repeat and the medians; R's figure only when Rscript and mclust are installed.
#12's target: K = 1..9 over the fourteen models on Old Faithful in under 2 s.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "resources" / "data" / "faithful.csv"


def timed(argv) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--k", default="1-9")
    ap.add_argument("--models", default="all", help="all (the fourteen) or sklearn")
    args = ap.parse_args()
    ours = [sys.executable, "-m", "gmm_explorer", "select", str(DATA), "--k", args.k,
            "--covariance", args.models, "--seed", "0", "--quiet"]
    lo, hi = args.k.split("-")
    models = "" if args.models == "all" else ", modelNames = c('VVV', 'EEE', 'VVI', 'VII')"
    r_code = ("suppressMessages(library(mclust)); X <- read.csv('" + str(DATA) + "')[, -1]; "
              f"m <- Mclust(X, G = {lo}:{hi}{models}, verbose = FALSE)")
    have_r = shutil.which("Rscript") is not None and subprocess.run(
        ["Rscript", "-e", "library(mclust)"], capture_output=True).returncode == 0
    rows = []
    for i in range(args.repeats):
        a = timed(ours)
        b = timed(["Rscript", "-e", r_code]) if have_r else float("nan")
        rows.append((a, b))
        print(f"repeat {i + 1}: gmm-explorer select {a:.2f} s, Rscript Mclust {b:.2f} s")
    a = statistics.median(r[0] for r in rows)
    b = statistics.median(r[1] for r in rows)
    print(f"median over {args.repeats}: gmm-explorer {a:.2f} s; Mclust {b:.2f} s"
          + (f"; ratio {a / b:.1f}x" if have_r else " (R or mclust not installed)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
