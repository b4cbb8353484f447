"""Rebuild tests/mclust/reference.json: R's mclust run on our inputs (needs R and mclust;
on Debian, ``apt-get install r-base-core r-cran-mclust``).

    python tests/mclust/make_reference.py          # everything
    python tests/mclust/make_reference.py prior    # only reference_prior.json
    python tests/mclust/make_reference.py hc       # only reference_hc.json (reference_hc.R)
    python tests/mclust/make_reference.py nnclean  # only reference_nnclean.json (prabclus)
    python tests/mclust/make_reference.py noise_prior  # reference_noise_prior.json

Writes the inputs (each data set's points and a starting z, from a fixed seed) next to
this file, runs ``reference.R`` on each and stores mclust's numbers. The tests read only
the committed JSON, so they run without R. ``prior`` reruns only ``reference_prior.R``
(mclust's EM with its default conjugate prior) on the inputs already here.
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


def parse(text: str, prior: bool = False) -> dict:
    """reference.R's output (or, with ``prior``, reference_prior.R's) as
    {"mclust": version, "models": {code: {...}}}; with ``prior`` each model's defaultPrior
    numbers are gathered under "prior"."""
    ref: dict = {"models": {}}
    current = None
    for line in text.splitlines():
        key, *values = line.split()
        if key == "mclust":
            ref["mclust"] = values[0]
        elif key == "hypvol":
            ref["hypvol"] = float(values[0])
        elif key == "model":
            current = ref["models"].setdefault(values[0], {"prior": {}} if prior else {})
        elif key in ("npar", "iterations", "failed_at"):
            current[key] = int(float(values[0]))
        elif key == "failure":
            current[key] = " ".join(values)
        elif prior and key.startswith("prior_"):
            current["prior"][key.removeprefix("prior_")] = [float(v) for v in values]
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


#: The models that have a conjugate prior in mclust, and the cases run with it.
PRIOR_MODELS = ("EII", "VII", "EEI", "VEI", "EVI", "VVI", "EEE", "EEV", "VEV", "VVV")
PRIOR_CASES = ("faithful", "synthetic")


def prior_reference() -> dict:
    """mclust's me() with prior = priorControl() for the ten models that have a prior, on
    the committed inputs (<case>_points.csv, <case>_z.csv; not regenerated here)."""
    result: dict = {"iterations": ITERATIONS, "cases": {}}
    for name in PRIOR_CASES:
        data, zfile = HERE / f"{name}_points.csv", HERE / f"{name}_z.csv"
        out = subprocess.run(["Rscript", str(HERE / "reference_prior.R"), str(data),
                              str(zfile), str(ITERATIONS)], check=True, capture_output=True,
                             text=True)
        result["cases"][name] = parse(out.stdout, prior=True)
        assert sorted(result["cases"][name]["models"]) == sorted(PRIOR_MODELS)
    return result


def write_prior_reference() -> None:
    path = HERE / "reference_prior.json"
    path.write_text(json.dumps(prior_reference(), indent=1) + "\n")
    print(f"wrote {path}")


#: The share of every point that starts as noise in the noise reference's z.
NOISE_START = 0.1


def noise_reference() -> dict:
    """mclust's me() with a noise component (Vinv = 1/hypvol) for the fourteen models, on
    the committed points, from z with a tenth of every point given to the noise
    (<case>_znoise.csv, written here from <case>_z.csv)."""
    for name in ("faithful", "synthetic"):
        z = np.loadtxt(HERE / f"{name}_z.csv", delimiter=",")
        np.savetxt(HERE / f"{name}_znoise.csv",
                   np.column_stack([z * (1 - NOISE_START), np.full(len(z), NOISE_START)]),
                   delimiter=",", fmt="%.17g")
    return _noise_cases("reference_noise.R")


def noise_prior_reference() -> dict:
    """mclust's me() with a noise component and its default conjugate prior for the ten
    models that have one, from the same z as :func:`noise_reference`."""
    return _noise_cases("reference_noise_prior.R")


def _noise_cases(script: str) -> dict:
    """``script`` run on each case's points and <case>_znoise.csv."""
    result: dict = {"iterations": ITERATIONS, "noise_start": NOISE_START, "cases": {}}
    for name in ("faithful", "synthetic"):
        data, zfile = HERE / f"{name}_points.csv", HERE / f"{name}_znoise.csv"
        out = subprocess.run(["Rscript", str(HERE / script), str(data), str(zfile),
                              str(ITERATIONS)], check=True, capture_output=True, text=True)
        result["cases"][name] = parse(out.stdout)
    return result


def write_noise_prior_reference() -> None:
    path = HERE / "reference_noise_prior.json"
    path.write_text(json.dumps(noise_prior_reference(), indent=1) + "\n")
    print(f"wrote {path}")


def write_noise_reference() -> None:
    path = HERE / "reference_noise.json"
    path.write_text(json.dumps(noise_reference(), indent=1) + "\n")
    print(f"wrote {path}")


#: The hc reference: data sets (points as the tests load them) and mclust's hc options.
HC_CASES = ("faithful", "synthetic", "iris")
HC_USES = ("SVD", "VARS", "STD", "PCS", "PCR")


def hc_points(name: str) -> np.ndarray:
    """The points of one hc case: the committed <case>_points.csv, or iris's petal length
    and width as the app loads them (many duplicated points)."""
    if name == "iris":
        sys.path.insert(0, str(ROOT))
        from gmm_explorer.io.loaders import load_points

        return load_points(str(ROOT / "resources" / "data" / "iris.csv"),
                           columns=("Petal.Length", "Petal.Width")).points
    return np.loadtxt(HERE / f"{name}_points.csv", delimiter=",")


def parse_hc(text: str) -> dict:
    """reference_hc.R's output as {"mclust": version, "n": n, "hc": {model: {use:
    {"pairs": [row1, row2], "hclass": {G: labels}}}}}."""
    ref: dict = {"mclust": None, "n": None, "hc": {}}
    current = None
    for line in text.splitlines():
        key, *values = line.split()
        if key == "mclust":
            ref["mclust"] = values[0]
        elif key == "n":
            ref["n"] = int(values[0])
        elif key == "hc":
            current = ref["hc"].setdefault(values[0], {}).setdefault(
                values[1], {"pairs": [None, None], "hclass": {}})
        elif key in ("pairs1", "pairs2"):
            current["pairs"][int(key[-1]) - 1] = [int(v) for v in values]
        elif key == "hclass":
            current["hclass"][values[0]] = [int(v) for v in values[1:]]
    return ref


def hc_reference() -> dict:
    """mclust's hc(X, modelName, use) merge pairs and hclass(pairs, G), G = 1..6, for the
    models VVV and EII and every use in HC_USES, on each of HC_CASES."""
    result: dict = {"uses": list(HC_USES), "cases": {}}
    for name in HC_CASES:
        path = HERE / f"hc_{name}_points.csv"
        np.savetxt(path, hc_points(name), delimiter=",", fmt="%.17g")
        try:
            out = subprocess.run(["Rscript", str(HERE / "reference_hc.R"), str(path),
                                  *HC_USES], check=True, capture_output=True, text=True)
        finally:
            path.unlink()
        result["cases"][name] = parse_hc(out.stdout)
    return result


def _json_with_flat_lists(obj, indent: int = 0) -> str:
    """JSON with objects indented and every list on one line (merge pairs and labels
    stay readable in a diff)."""
    if not isinstance(obj, dict):
        return json.dumps(obj, separators=(", ", ": "))
    pad = " " * (indent + 1)
    items = [f"{pad}{json.dumps(k)}: {_json_with_flat_lists(v, indent + 1)}"
             for k, v in obj.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"


def write_hc_reference() -> None:
    path = HERE / "reference_hc.json"
    path.write_text(_json_with_flat_lists(hc_reference()) + "\n")
    print(f"wrote {path}")


#: The NNclean reference: data sets and the k asked for. "outliers" is the generator's
#: clusters plus uniform noise, the case NNclean is for.
NNCLEAN_CASES = ("faithful", "synthetic", "outliers")
NNCLEAN_K = (5, 10)


def nnclean_points(name: str) -> np.ndarray:
    """The points of one NNclean case (committed <case>_points.csv; outliers generated)."""
    if name == "outliers":
        sys.path.insert(0, str(ROOT))
        from gmm_explorer.engine.datasets import generate

        return generate("noise", 400, 3, 5)[0]
    return np.loadtxt(HERE / f"{name}_points.csv", delimiter=",")


def parse_nnclean(text: str) -> dict:
    """reference_nnclean.R's output as {"prabclus": version, "k": {k: {"p", "lambda1",
    "lambda2", "z", "probs"}}}."""
    ref: dict = {"prabclus": None, "k": {}}
    current = None
    for line in text.splitlines():
        key, *values = line.split()
        if key == "prabclus":
            ref["prabclus"] = values[0]
        elif key == "nnclean":
            current = ref["k"].setdefault(values[0], {})
        elif key in ("p", "lambda1", "lambda2"):
            current[key] = float(values[0])
        elif key == "z":
            current["z"] = [int(v) for v in values]
        elif key == "probs":
            current["probs"] = [float(v) for v in values]
    return ref


def write_nnclean_reference() -> None:
    """prabclus's NNclean(X, k) for k in NNCLEAN_K on each of NNCLEAN_CASES (needs R's
    prabclus: ``apt-get install r-cran-prabclus``)."""
    result: dict = {"cases": {}}
    for name in NNCLEAN_CASES:
        path = HERE / f"nnclean_{name}_points.csv"
        np.savetxt(path, nnclean_points(name), delimiter=",", fmt="%.17g")
        try:
            out = subprocess.run(["Rscript", str(HERE / "reference_nnclean.R"), str(path),
                                  *map(str, NNCLEAN_K)], check=True, capture_output=True,
                                 text=True)
        finally:
            path.unlink()
        result["cases"][name] = parse_nnclean(out.stdout)
    path = HERE / "reference_nnclean.json"
    path.write_text(_json_with_flat_lists(result) + "\n")
    print(f"wrote {path}")


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
    write_prior_reference()
    write_noise_reference()
    write_hc_reference()
    write_nnclean_reference()
    write_noise_prior_reference()
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["prior"]:
        write_prior_reference()
        sys.exit(0)
    if sys.argv[1:] == ["noise"]:
        write_noise_reference()
        sys.exit(0)
    if sys.argv[1:] == ["hc"]:
        write_hc_reference()
        sys.exit(0)
    if sys.argv[1:] == ["noise_prior"]:
        write_noise_prior_reference()
        sys.exit(0)
    if sys.argv[1:] == ["nnclean"]:
        write_nnclean_reference()
        sys.exit(0)
    if sys.argv[1:]:
        sys.exit(f"usage: {sys.argv[0]} [prior|noise|noise_prior|hc|nnclean]")
    sys.exit(main())
