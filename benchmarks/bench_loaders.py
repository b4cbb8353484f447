"""Loading a two-column CSV of N rows: GMM Explorer's loader against pandas and pyarrow.

#14 asks that loading 1e7 rows not be the slow part: measure ours on 1e6 and 1e7 rows
against ``pandas.read_csv`` and ``pyarrow.csv.read_csv``, and be within 2x of the best.

    .venv/bin/python benchmarks/bench_loaders.py [--sizes 1e6 1e7] [--repeats 5]

Each file holds a header and two columns written as ``%.6f`` (as a spreadsheet or R
exports them, about 19 bytes a row) and as ``%.18e`` (numpy's default, 19 significant
digits, about 50 bytes a row); it is written once to a temporary folder, and the page
cache holds it for every reader alike. Readers run interleaved, in rotating order,
each as ``load_points(path)`` (ours: sniffing, column choice, missing values, the points
checked and frozen), ``pandas.read_csv(path)`` and ``pyarrow.csv.read_csv(path)`` (which
uses every core; also shown on one thread). "ours, line by line" is the loader without
its compiled bulk reader (``fast_text``), as every file was read before it. Prints the
median seconds of each, and each one's ratio to the fastest. pandas and pyarrow come
with the test extras.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np


def write_csv(path: str, n: int, fmt: str) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w") as fh:
        fh.write("x,y\n")
        for lo in range(0, n, 1_000_000):
            block = rng.normal(size=(min(n - lo, 1_000_000), 2)) * [1.0, 30.0] + [3.0, 70.0]
            np.savetxt(fh, block, fmt=fmt, delimiter=",")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--formats", nargs="+", default=["%.6f", "%.18e"],
                    help="how the numbers are written (numpy.savetxt formats; %%.18e is "
                         "numpy's default, 19 significant digits)")
    args = ap.parse_args()

    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from gmm_explorer.io import fast_text
    from gmm_explorer.io.loaders import load_points

    print(f"{os.cpu_count()} cores; numpy {np.__version__}, pandas {pd.__version__}, "
          f"pyarrow {pa.__version__}")
    folder = tempfile.mkdtemp(prefix="bench-loaders-")
    for n, fmt in ((int(s), f) for s in args.sizes for f in args.formats):
        path = os.path.join(folder, f"points-{n}.csv")
        write_csv(path, n, fmt)
        size = os.path.getsize(path)

        def line_by_line(path=path):
            saved = fast_text.MIN_BYTES
            fast_text.MIN_BYTES = 1 << 62
            try:
                return load_points(path)
            finally:
                fast_text.MIN_BYTES = saved

        one_thread = pacsv.ReadOptions(use_threads=False)
        readers = {
            "ours": lambda path=path: load_points(path),
            "pandas.read_csv": lambda path=path: pd.read_csv(path),
            "pyarrow.csv (all cores)": lambda path=path: pacsv.read_csv(path),
            "pyarrow.csv (one thread)": lambda path=path: pacsv.read_csv(
                path, read_options=one_thread),
        }
        if n <= 2_000_000:
            readers["ours, line by line"] = line_by_line
        first = load_points(path)  # compile or load the kernel; check the result
        want = pacsv.read_csv(path).to_pandas().to_numpy()  # correctly rounded (fast_float)
        assert np.array_equal(first.points, want), "ours and pyarrow read different numbers"
        times: dict[str, list[float]] = {name: [] for name in readers}
        names = list(readers)
        for r in range(args.repeats):
            for name in names[r % len(names):] + names[:r % len(names)]:
                t0 = time.perf_counter()
                readers[name]()
                times[name].append(time.perf_counter() - t0)
        medians = {name: statistics.median(ts) for name, ts in times.items()}
        best = min(v for k, v in medians.items() if k != "ours, line by line")
        print(f"\nN = {n:,} rows written {fmt} ({size / 2**20:.0f} MiB), medians of "
              f"{args.repeats}:")
        for name, m in sorted(medians.items(), key=lambda kv: kv[1]):
            print(f"  {name:26s} {m:8.3f} s   {m / best:5.2f}x the fastest")
        os.remove(path)
    os.rmdir(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
