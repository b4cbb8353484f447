"""Rebuild tests/mclust/reference.json: R's mclust run on our inputs (needs R and mclust;
on Debian, ``apt-get install r-base-core r-cran-mclust``).

    python tests/mclust/make_reference.py

Writes the inputs (each data set's points and a starting z, from a fixed seed) next to
this file, runs ``reference.R`` on each and stores mclust's numbers. The tests read only
the committed JSON, so they run without R.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ITERATIONS = 50


def inputs() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (points, z): Old Faithful with G=3 and overlapping synthetic blobs with
    G=3, each z the responsibilities of a soft start: means at three data points drawn
    with seed 0, each covariance a quarter of the data's."""
    sys.path.insert(0, str(ROOT))
    from gmm_explorer import engine as E
    from gmm_explorer.engine.datasets import generate
    from gmm_explorer.io.loaders import load_points

    out = {}
    faithful = load_points(str(ROOT / "resources" / "data" / "faithful.csv")).points
    synthetic, _ = generate("overlapping", 300, 3, 7)
    for name, X in (("faithful", faithful), ("synthetic", synthetic)):
        rng = np.random.default_rng(0)
        means = X[rng.choice(X.shape[0], 3, replace=False)]
        cov = np.cov(X.T, bias=True) / 4
        start = E.Mixture(np.full(3, 1 / 3), means, np.stack([cov] * 3))
        out[name] = (np.asarray(X, dtype=np.float64), E.predict_proba(X, start))
    return out


def parse(text: str) -> dict:
    ref: dict = {"models": {}}
    current = None
    for line in text.splitlines():
        key, *values = line.split()
        if key == "mclust":
            ref["mclust"] = values[0]
        elif key == "model":
            current = ref["models"].setdefault(values[0], {})
        elif key == "npar":
            current[key] = int(values[0])
        else:
            current[key] = [float(v) for v in values]
    return ref


SELECTION_G = "1:5"


def selection_reference() -> dict:
    """Mclust's choice (model, G, BIC in its sign) over the fourteen models and G=1..5 on
    the bundled samples, as the app loads them."""
    sys.path.insert(0, str(ROOT))
    from gmm_explorer.io.loaders import load_points
    from gmm_explorer.io.samples import SAMPLES
    from gmm_explorer.resources import sample_path

    out = {}
    for sample in SAMPLES:
        X = load_points(str(sample_path(sample.filename)), columns=sample.columns).points
        path = HERE / f"sample_{sample.key}.csv"
        np.savetxt(path, X, delimiter=",", fmt="%.17g")
        code = (f"suppressMessages(library(mclust)); X <- as.matrix(read.csv('{path}', "
                f"header=FALSE)); m <- Mclust(X, G={SELECTION_G}, verbose=FALSE); "
                "cat(m$modelName, m$G, sprintf('%.17g', m$bic))")
        model, g, bic = subprocess.run(["Rscript", "-e", code], check=True,
                                       capture_output=True, text=True).stdout.split()
        out[sample.key] = {"model": model, "G": int(g), "bic": float(bic)}
        path.unlink()
    return out


def main() -> int:
    result = {"iterations": ITERATIONS, "cases": {},
              "selection": {"G": SELECTION_G, "choices": selection_reference()}}
    for name, (X, z) in inputs().items():
        data, zfile = HERE / f"{name}_points.csv", HERE / f"{name}_z.csv"
        np.savetxt(data, X, delimiter=",", fmt="%.17g")
        np.savetxt(zfile, z, delimiter=",", fmt="%.17g")
        out = subprocess.run(["Rscript", str(HERE / "reference.R"), str(data), str(zfile),
                              str(ITERATIONS)], check=True, capture_output=True, text=True)
        result["cases"][name] = parse(out.stdout)
    (HERE / "reference.json").write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {HERE / 'reference.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
