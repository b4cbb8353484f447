"""The command line's arguments: the parser, the checks on each option, one-line errors.

:func:`build_parser` parses ``gmm-explorer COMMAND ...``; a bad argument raises
:class:`UsageError` with one line that names it (``... (see gmm-explorer fit --help)``),
which :func:`gmm_explorer.cli.main` prints and turns into exit code 2.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from gmm_explorer import __version__
from gmm_explorer.errors import GMMExplorerError

PROG = "gmm-explorer"


class UsageError(GMMExplorerError):
    """Bad command-line usage (exit 2)."""


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``gmm-explorer fit: error: ... (see --help)``."""

    def error(self, message):  # noqa: D401 - argparse API
        raise UsageError(f"{message} (see {self.prog} --help)")

    def exit(self, status=0, message=None):
        if status and message:
            raise UsageError(message.strip())
        if message:
            sys.stderr.write(message)
        raise SystemExit(status)


def _int_at_least(minimum: int):
    """An argparse type: a whole number >= ``minimum``, with a one-line error otherwise."""

    def convert(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {v}")
        return v

    return convert


_positive_int = _int_at_least(1)
_nonneg_int = _int_at_least(0)
_seed = _int_at_least(0)


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def _checked(check, value):
    """``check(value)``, the engine's own validation, its InputError as argparse's error."""
    try:
        return check(value)
    except GMMExplorerError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _nonneg_float(text: str) -> float:
    v = _float(text)
    if not np.isfinite(v) or v < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return v


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT like 1200x900, got {text!r}") \
            from None
    if not (16 <= w <= 10000 and 16 <= h <= 10000):
        raise argparse.ArgumentTypeError(f"each side must be 16..10000 pixels, got {text!r}")
    return w, h


def parse_k_range(text: str) -> list[int]:
    """``"1-8"``, ``"3"``, ``"1,2,5"`` or ``"2-4,6"`` to a sorted list of distinct K >= 1."""
    ks: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        try:
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                if a > b:
                    raise ValueError
                ks.update(range(a, b + 1))
            else:
                ks.add(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected K values like 1-8, 3 or 1,2,5; got {text!r}") from None
    if not ks or min(ks) < 1:
        raise argparse.ArgumentTypeError(f"K values must be >= 1; got {text!r}")
    if max(ks) > 1000:
        raise argparse.ArgumentTypeError(f"K values must be <= 1000; got {text!r}")
    return sorted(ks)


def _covariance(text: str) -> str:
    """One covariance model: scikit-learn's name or mclust's code (any case)."""
    from gmm_explorer.engine.models import canonical

    return _checked(canonical, text)


def _covariance_list(text: str) -> list[str]:
    """Comma-separated models, or "all" (the fourteen) or "sklearn" (scikit-learn's four)."""
    from gmm_explorer.engine import COVARIANCE_TYPES
    from gmm_explorer.engine.models import MODEL_TYPES

    word = text.strip().lower()
    if word == "all":
        return list(MODEL_TYPES)
    if word == "sklearn":
        return list(COVARIANCE_TYPES)
    types = [t.strip() for t in text.split(",") if t.strip()]
    if not types:
        raise argparse.ArgumentTypeError(f"no covariance model in {text!r}")
    return list(dict.fromkeys(_covariance(t) for t in types))


def _algorithm(text: str) -> str:
    """An algorithm name (any case): em, cem, sem, kmeans or vb."""
    from gmm_explorer.engine.algorithms import check_algorithm

    return _checked(check_algorithm, text)


def _weight_prior(text: str) -> str:
    """Variational Bayes' weight prior: process or distribution (or the full names)."""
    from gmm_explorer.engine.variational import check_weight_prior

    return _checked(check_weight_prior, text)


#: ``fit --noise auto``: the fraction NNclean classes as clutter.
NOISE_AUTO = "auto"


def _noise_fraction(text: str) -> float | str:
    from gmm_explorer.engine.noise import check_fraction

    if text.strip().lower() == NOISE_AUTO:
        return NOISE_AUTO
    return _checked(check_fraction, _float(text))


def _positive_float(text: str) -> float:
    v = _float(text)
    if not (np.isfinite(v) and v > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return v


def build_parser() -> argparse.ArgumentParser:
    from gmm_explorer.engine import INIT_METHODS
    from gmm_explorer.engine.selection import MIXED, SELECTION_N_INIT, SELECTION_TOL

    p = _Parser(prog=PROG, usage=f"{PROG} [DATA] | {PROG} COMMAND ...",
                description="Explore Gaussian mixture models fitted to 2-D data. With no "
                "command, opens the window (on DATA if given, else Old Faithful).")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def prior_option(sp):
        sp.add_argument("--prior", action="store_true",
                        help="MAP estimation under mclust's default conjugate prior "
                             "(priorControl()): no covariance can become singular; "
                             "--reg-covar is then not used. For the models mclust has a "
                             "prior for (all but VEE, EVE, VVE and EVV)")

    def em_options(sp, *, k=True, n_init=1, tol=1e-3):
        sp.add_argument("--columns", metavar="A,B",
                        help="the X and Y columns: names or 0-based indices")
        sp.add_argument("--weights", metavar="COLUMN",
                        help="a column of sample weights (frequencies: a point of weight 2 "
                             "counts twice in the M-step, the log-likelihood and BIC's N); "
                             "finite numbers >= 0, not all zero")
        if k:
            sp.add_argument("--k", type=_positive_int, default=None, metavar="K",
                            help="number of components (default 2, or from an --init file)")
        sp.add_argument("--seed", type=_seed, default=None, metavar="S",
                        help="random seed; the same seed reproduces bit for bit "
                             "(default: fresh, recorded in the output)")
        sp.add_argument("--n-init", type=_positive_int, default=n_init, metavar="M",
                        help=f"restarts, keeping the best (default {n_init})")
        sp.add_argument("--max-iter", type=_nonneg_int, default=100, metavar="N",
                        help="maximum EM iterations (default 100)")
        sp.add_argument("--tol", type=_nonneg_float, default=tol, metavar="T",
                        help="stop when the mean log-likelihood changes by less than T "
                             f"(default {tol:g}; 0 runs exactly --max-iter iterations)")
        sp.add_argument("--reg-covar", type=_nonneg_float, default=1e-6, metavar="R",
                        help="added to covariance diagonals (default 1e-6)")
        sp.add_argument("--threads", type=_positive_int, default=None, metavar="T",
                        help="threads for the EM kernel (default: all cores); results are "
                             "identical whatever the count")
        sp.add_argument("--quiet", action="store_true", help="print nothing but errors")

    f = sub.add_parser("fit", help="fit a mixture to a data file",
                       description="Fit a Gaussian mixture to the points in DATA by EM.")
    f.add_argument("data", metavar="DATA", help="CSV/TSV/TXT, .npy, .npz, .xlsx, Parquet or Feather file of points")
    em_options(f)
    f.add_argument("--covariance", type=_covariance, default=None, metavar="MODEL",
                   help="covariance model: full, tied, diag, spherical, or any of mclust's "
                        "EII VII EEI VEI EVI VVI EEE VEE EVE VVE EEV VEV EVV VVV "
                        "(default full, or from an --init file)")
    f.add_argument("--algorithm", type=_algorithm, default="em", metavar="ALGORITHM",
                   help="em (default), cem (hard assignments: classification EM), sem "
                        "(assignments drawn at random, seeded by --seed), kmeans (Lloyd's "
                        "k-means: the EII model with equal weights) or vb (variational "
                        "Bayes, as scikit-learn's BayesianGaussianMixture)")
    f.add_argument("--weight-prior", type=_weight_prior, default=None,
                   metavar="PRIOR",
                   help="with --algorithm vb: the prior on the weights, process (a "
                        "Dirichlet process, default) or distribution (a Dirichlet "
                        "distribution)")
    f.add_argument("--weight-concentration", type=_positive_float, default=None,
                   metavar="G", help="with --algorithm vb: the weight prior's "
                                     "concentration (default 1/K)")
    prior_option(f)
    f.add_argument("--noise", type=_noise_fraction, default=0.0, metavar="FRACTION|auto",
                   help="add a uniform noise component for scattered outliers (mclust's "
                        "Vinv = 1/hypervolume), started from this fraction of the points, "
                        "the most isolated ones; in [0, 1), 0 (default) for none; auto: "
                        "from the points NNclean (Byers & Raftery's nearest-neighbour "
                        "clutter removal, k=5) classes as clutter")
    f.add_argument("--noise-region", choices=("box", "hull"), default=None,
                   help="where the noise component spreads its density: box (mclust's "
                        "hypvol, the smaller of the bounding box and the box along the "
                        "principal axes; default) or hull (the points' convex hull)")
    f.add_argument("--init", default="kmeans", metavar="METHOD|PARAMS.json|labels:COLUMN",
                   help=f"{', '.join(INIT_METHODS)} (default kmeans), a parameters file to "
                        "start from (K then comes from the file), or labels:COLUMN to start "
                        "from the classes of a labels column (one component per class)")
    f.add_argument("--out", metavar="FILE.json",
                   help="write the parameters here (default, or -: stdout)")
    f.add_argument("--labels-out", metavar="FILE.csv",
                   help="write x, y, label, p_1..p_K per point (label is 1-based; - for "
                        "stdout when --out names a file)")
    f.add_argument("--dask", metavar="SCHEDULER",
                   help="fit out of core with Dask (the [dask] extra): DATA (.npy, "
                        "memory-mapped; Parquet; CSV/TSV) is read in blocks, never whole. "
                        "SCHEDULER: local (a cluster of 2 worker processes here), threads, "
                        "synchronous, or a dask.distributed address (tcp://host:8786). EM "
                        "only; the start is made on a seeded 50,000-point subsample")
    f.add_argument("--chunks", type=_positive_int, default=None, metavar="ROWS",
                   help="with --dask: points per block (default 1,000,000)")

    s = sub.add_parser("select", help="compare K and covariance models by BIC/AIC/ICL",
                       description="Fit every (K, covariance model) and print BIC, AIC and "
                                   "ICL (lower is better).")
    s.add_argument("data", metavar="DATA", help="CSV/TSV/TXT, .npy, .npz, .xlsx, Parquet or Feather file of points")
    s.add_argument("--k", type=parse_k_range, default=parse_k_range("1-8"), metavar="RANGE",
                   help="K values, e.g. 1-8 (default), 3, 1,2,5")
    s.add_argument("--covariance", type=_covariance_list, default=["full"], metavar="MODELS",
                   help="comma-separated covariance models, 'all' (mclust's fourteen) or "
                        "'sklearn' (full, tied, diag, spherical); default full")
    prior_option(s)
    s.add_argument("--criterion", choices=("bic", "aic", "icl"), default="bic",
                   help="which criterion picks the best model (default bic); ICL is BIC "
                        "plus twice the classification entropy, as mclust's icl")
    s.add_argument("--init", choices=(MIXED, *INIT_METHODS), default=MIXED,
                   help="initialisation (default mixed: mclust's hierarchical start hc "
                        "first, then kmeans, k-means++, random and random_from_data in "
                        "turn)")
    s.add_argument("--out", metavar="BEST.json",
                   help="write the best model here (-: stdout, with --quiet)")
    em_options(s, k=False, n_init=SELECTION_N_INIT, tol=SELECTION_TOL)

    sm = sub.add_parser("sample", help="draw points from a mixture",
                        description="Draw N points from the mixture in PARAMS.json.")
    sm.add_argument("params", metavar="PARAMS.json", help="a parameters file")
    sm.add_argument("--n", type=_nonneg_int, required=True, metavar="N", help="number of points")
    sm.add_argument("--seed", type=_seed, default=None, metavar="S", help="random seed")
    sm.add_argument("--out", metavar="points.csv", help="write CSV here (default, or -: stdout)")

    r = sub.add_parser("render", help="draw the canvas to a PNG, without a window",
                       description="Fit DATA (or take a .gmmx session as it was saved) and "
                       "draw points, ellipses and contours to a PNG, offscreen.")
    r.add_argument("data", metavar="DATA|SESSION.gmmx", help="a data file or a session")
    r.add_argument("--out", required=True, metavar="figure.png", help="the PNG to write")
    r.add_argument("--size", type=_size, default=(1200, 900), metavar="WxH",
                   help="image size in pixels (default 1200x900)")
    r.add_argument("--columns", metavar="A,B", help="the X and Y columns of DATA")
    r.add_argument("--k", type=_positive_int, default=2, metavar="K", help="components (2)")
    r.add_argument("--covariance", type=_covariance, default="full", metavar="MODEL",
                   help="covariance model, as for fit (full)")
    r.add_argument("--init", choices=INIT_METHODS, default="kmeans")
    r.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (0)")
    r.add_argument("--iterations", type=_nonneg_int, default=None, metavar="N",
                   help="run exactly N EM iterations (default: until converged)")
    d = sub.add_parser("install-desktop", help="add the menu entry, icons and .gmmx type "
                       "(Linux)", description="Install the desktop entry (which opens "
                       ".gmmx sessions and CSV files on a double-click), the .gmmx MIME "
                       "type and the icons for the current user ($XDG_DATA_HOME, by "
                       "default ~/.local/share), then update the desktop's databases.")
    d.add_argument("--prefix", metavar="DIR",
                   help="install under DIR instead (e.g. /usr/local/share, as root)")
    return p
