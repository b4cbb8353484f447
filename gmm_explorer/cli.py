"""The command line: ``gmm-explorer fit | select | sample``.

Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the file and
the problem, no traceback, nothing written); 1 internal error.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from gmm_explorer import __version__
from gmm_explorer.errors import FitError, GMMExplorerError, InputError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2
PROG = "gmm-explorer"
COMMANDS = ("fit", "select", "sample", "render")


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


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
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


def _covariance_list(text: str) -> list[str]:
    from gmm_explorer.engine import COVARIANCE_TYPES

    if text.strip() == "all":
        return list(COVARIANCE_TYPES)
    types = [t.strip() for t in text.split(",") if t.strip()]
    bad = [t for t in types if t not in COVARIANCE_TYPES]
    if bad or not types:
        raise argparse.ArgumentTypeError(
            f"unknown covariance type {', '.join(bad) or text!r}; use a comma-separated list of "
            f"{', '.join(COVARIANCE_TYPES)}, or all")
    return list(dict.fromkeys(types))


def build_parser() -> argparse.ArgumentParser:
    from gmm_explorer.engine import COVARIANCE_TYPES, INIT_METHODS

    p = _Parser(prog=PROG, usage=f"{PROG} [DATA] | {PROG} COMMAND ...",
                description="Explore Gaussian mixture models fitted to 2-D data. With no "
                "command, opens the window (on DATA if given, else Old Faithful).")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    def em_options(sp, *, k=True):
        sp.add_argument("--columns", metavar="A,B",
                        help="the X and Y columns: names or 0-based indices")
        if k:
            sp.add_argument("--k", type=_positive_int, default=None, metavar="K",
                            help="number of components (default 2, or from an --init file)")
        sp.add_argument("--seed", type=_seed, default=None, metavar="S",
                        help="random seed; the same seed reproduces bit for bit "
                             "(default: fresh, recorded in the output)")
        sp.add_argument("--n-init", type=_positive_int, default=1, metavar="M",
                        help="restarts, keeping the best (default 1)")
        sp.add_argument("--max-iter", type=_nonneg_int, default=100, metavar="N",
                        help="maximum EM iterations (default 100)")
        sp.add_argument("--tol", type=_nonneg_float, default=1e-3, metavar="T",
                        help="stop when the mean log-likelihood changes by less than T "
                             "(default 1e-3; 0 runs exactly --max-iter iterations)")
        sp.add_argument("--reg-covar", type=_nonneg_float, default=1e-6, metavar="R",
                        help="added to covariance diagonals (default 1e-6)")
        sp.add_argument("--threads", type=_positive_int, default=None, metavar="T",
                        help="threads for the EM kernel (default: all cores); results are "
                             "identical whatever the count")
        sp.add_argument("--quiet", action="store_true", help="print nothing but errors")

    f = sub.add_parser("fit", help="fit a mixture to a data file",
                       description="Fit a Gaussian mixture to the points in DATA by EM.")
    f.add_argument("data", metavar="DATA", help="CSV/TSV/TXT, .npy or .npz file of points")
    em_options(f)
    f.add_argument("--covariance", choices=COVARIANCE_TYPES, default=None,
                   help="covariance type (default full, or from an --init file)")
    f.add_argument("--init", default="kmeans", metavar="METHOD|PARAMS.json",
                   help=f"{', '.join(INIT_METHODS)} (default kmeans), or a parameters file to "
                        "start from (K then comes from the file)")
    f.add_argument("--out", metavar="FILE.json", help="write the parameters here (default: stdout)")
    f.add_argument("--labels-out", metavar="FILE.csv",
                   help="write x, y, label, p_1..p_K per point (label is 1-based)")
    f.set_defaults(handler=cmd_fit)

    s = sub.add_parser("select", help="compare K and covariance types by BIC/AIC",
                       description="Fit every (K, covariance type) and print BIC and AIC.")
    s.add_argument("data", metavar="DATA", help="CSV/TSV/TXT, .npy or .npz file of points")
    s.add_argument("--k", type=parse_k_range, default=parse_k_range("1-8"), metavar="RANGE",
                   help="K values, e.g. 1-8 (default), 3, 1,2,5")
    s.add_argument("--covariance", type=_covariance_list, default=["full"], metavar="TYPES",
                   help="comma-separated covariance types, or all (default full)")
    s.add_argument("--criterion", choices=("bic", "aic"), default="bic",
                   help="which criterion picks the best model (default bic)")
    s.add_argument("--init", choices=INIT_METHODS, default="kmeans",
                   help="initialisation (default kmeans)")
    s.add_argument("--out", metavar="BEST.json", help="write the best model here")
    em_options(s, k=False)
    s.set_defaults(handler=cmd_select)

    sm = sub.add_parser("sample", help="draw points from a mixture",
                        description="Draw N points from the mixture in PARAMS.json.")
    sm.add_argument("params", metavar="PARAMS.json", help="a parameters file")
    sm.add_argument("--n", type=_nonneg_int, required=True, metavar="N", help="number of points")
    sm.add_argument("--seed", type=_seed, default=None, metavar="S", help="random seed")
    sm.add_argument("--out", metavar="points.csv", help="write CSV here (default: stdout)")
    sm.set_defaults(handler=cmd_sample)

    r = sub.add_parser("render", help="draw the canvas to a PNG, without a window",
                       description="Fit DATA (or take a .gmmx session as it was saved) and "
                       "draw points, ellipses and contours to a PNG, offscreen.")
    r.add_argument("data", metavar="DATA|SESSION.gmmx", help="a data file or a session")
    r.add_argument("--out", required=True, metavar="figure.png", help="the PNG to write")
    r.add_argument("--size", type=_size, default=(1200, 900), metavar="WxH",
                   help="image size in pixels (default 1200x900)")
    r.add_argument("--columns", metavar="A,B", help="the X and Y columns of DATA")
    r.add_argument("--k", type=_positive_int, default=2, metavar="K", help="components (2)")
    r.add_argument("--covariance", choices=COVARIANCE_TYPES, default="full")
    r.add_argument("--init", choices=INIT_METHODS, default="kmeans")
    r.add_argument("--seed", type=_seed, default=0, metavar="S", help="random seed (0)")
    r.add_argument("--iterations", type=_nonneg_int, default=None, metavar="N",
                   help="run exactly N EM iterations (default: until converged)")
    r.set_defaults(handler=cmd_render)
    return p


# --------------------------------------------------------------------------- helpers


def _say(args, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _load(args):
    from gmm_explorer.io.loaders import load_points

    return load_points(args.data, columns=args.columns)


def _notes(args, data) -> None:
    """Print the loader's notes (dropped rows, chosen columns); only after success, so
    that a failing run prints exactly one line."""
    for note in data.notes:
        _say(args, f"{args.data}: {note}")


@contextmanager
def _about(path):
    """Attach ``path`` to engine errors, which do not know which file their data came from."""
    try:
        yield
    except FitError as exc:
        raise InputError(f"the fit failed: {exc}", path=path) from None
    except InputError as exc:
        if exc.path is None:
            raise InputError(str(exc), path=path) from None
        raise


def _settings(args, covariance_type: str):
    from gmm_explorer.engine import EMSettings

    return EMSettings(covariance_type, args.reg_covar, args.tol, args.max_iter)


def _fit_record(result, init_name: str, args) -> dict:
    return {
        "n_samples": int(result.final.n_samples),
        "log_likelihood": float(result.log_likelihood),
        "mean_log_likelihood": float(result.final.mean_log_likelihood),
        "n_iter": int(result.n_iter),
        "converged": bool(result.converged),
        "bic": float(result.bic()),
        "aic": float(result.aic()),
        "init": init_name,
        "seed": result.seed,
        "tol": float(result.settings.tol),
        "reg_covar": float(result.settings.reg_covar),
        "max_iter": int(result.settings.max_iter),
        "n_init": int(result.n_init),
    }


def _outputs_to(args, outputs: list[tuple[str | None, str]]) -> None:
    """Write (path, text) outputs atomically, all or nothing; a None path means stdout."""
    from gmm_explorer.io.atomic import atomic_write_many

    files = [(p, t) for p, t in outputs if p is not None]
    for path, _ in files:
        if Path(path).is_dir():
            raise InputError("is a folder; give a file name to write", path=path)
    atomic_write_many(files)
    for p, text in outputs:
        if p is None:
            sys.stdout.write(text)
            sys.stdout.flush()


def _summary(result, ctype: str) -> str:
    f = result.final
    state = "converged" if result.converged else "did not converge"
    return (f"fit: {f.n_samples} points, K={result.mixture.n_components} {ctype}, "
            f"{result.n_iter} iterations, {state}, log-likelihood {f.log_likelihood:.6g} "
            f"(mean {f.mean_log_likelihood:.6g}), BIC {result.bic():.6g}")


# --------------------------------------------------------------------------- commands


def cmd_fit(args) -> int:
    from gmm_explorer.engine import INIT_METHODS, fit
    from gmm_explorer.engine import project_covariance_type
    from gmm_explorer.io.params import dumps_mixture, read_mixture
    from gmm_explorer.io.tables import responsibilities_csv

    init = args.init
    start = None
    if init not in INIT_METHODS:
        p = Path(init)
        if not (p.exists() or p.suffix.lower() == ".json"):
            raise UsageError(f"--init: {init!r} is neither an initialisation method "
                             f"({', '.join(INIT_METHODS)}) nor a parameters file")
        start = read_mixture(p).mixture
        if args.k is not None and args.k != start.n_components:
            raise UsageError(f"--k {args.k} conflicts with the {start.n_components} components in "
                             f"{init}; drop --k or use another file")
    ctype = args.covariance or (start.covariance_type if start is not None else "full")
    notes = []
    if start is not None and start.covariance_type != ctype:
        notes.append(f"{init}: covariances projected from {start.covariance_type} to {ctype}")
        start = project_covariance_type(start, ctype)
    data = _load(args)
    settings = _settings(args, ctype)
    with _about(args.data):
        result = fit(data.points, (args.k or 2) if start is None else None,
                     settings=settings, init=start if start is not None else init,
                     n_init=args.n_init, seed=args.seed)
    init_name = init if start is None else f"file:{Path(init).name}"
    text = dumps_mixture(result.mixture, columns=data.column_names,
                         fit=_fit_record(result, init_name, args))
    outputs = [(args.out, text)]
    if args.labels_out:
        from gmm_explorer.engine import e_step

        resp = e_step(data.points, result.mixture, want_resp=True).responsibilities
        outputs.append((args.labels_out, responsibilities_csv(data.points, resp)))
    _outputs_to(args, outputs)
    _notes(args, data)
    for note in notes:
        _say(args, note)
    _say(args, _summary(result, ctype))
    return EXIT_OK


def cmd_select(args) -> int:
    from gmm_explorer.engine import best_row, sweep
    from gmm_explorer.io.params import dumps_mixture

    data = _load(args)
    n = data.points.shape[0]
    ks = [k for k in args.k if k <= n]
    if not ks:
        raise InputError(f"{n} points are fewer than every K in {args.k[0]}-{args.k[-1]}",
                         path=args.data)
    skipped = len(ks) < len(args.k)
    settings = _settings(args, "full")
    with _about(args.data):
        rows = sweep(data.points, ks, args.covariance, settings=settings, init=args.init,
                     n_init=args.n_init, seed=args.seed)
    best = best_row(rows, args.criterion)
    if best is None:
        raise InputError("every fit failed: " + (rows[0].error or "unknown reason"),
                         path=args.data)
    lines = [f"{'':1} {'K':>3}  {'covariance':<10} {'BIC':>14} {'AIC':>14}"]
    for r in rows:
        mark = "*" if r is best else " "
        if r.result is None:
            lines.append(f"{mark} {r.n_components:>3}  {r.covariance_type:<10} {'failed':>14} "
                         f"{'failed':>14}")
        else:
            lines.append(f"{mark} {r.n_components:>3}  {r.covariance_type:<10} {r.bic:>14.6f} "
                         f"{r.aic:>14.6f}")
    lines.append(f"* best by {args.criterion.upper()}: K={best.n_components} "
                 f"{best.covariance_type}")
    outputs: list[tuple[str | None, str]] = []
    if args.out:
        text = dumps_mixture(best.result.mixture, columns=data.column_names,
                             fit=_fit_record(best.result, args.init, args))
        outputs.append((args.out, text))
    if not args.quiet:
        outputs.append((None, "\n".join(lines) + "\n"))
    _outputs_to(args, outputs)
    _notes(args, data)
    if skipped:
        _say(args, f"{args.data}: skipped K > {n} (only {n} points)")
    return EXIT_OK


def cmd_sample(args) -> int:
    from gmm_explorer.engine import sample
    from gmm_explorer.io.params import read_mixture
    from gmm_explorer.io.tables import points_csv

    pf = read_mixture(args.params)
    pts, _ = sample(pf.mixture, args.n, seed=args.seed)
    names = pf.columns if pf.columns is not None else ("x", "y")
    _outputs_to(args, [(args.out, points_csv(pts, names))])
    return EXIT_OK


def _looks_like_data(arg: str) -> bool:
    """A lone argument is a data file (not a mistyped command) if it looks like a path."""
    if arg.startswith("-") or arg in COMMANDS:
        return False
    return os.path.exists(arg) or "." in arg or os.sep in arg or "/" in arg


def cmd_render(args) -> int:
    from gmm_explorer.engine import EMSettings, fit
    from gmm_explorer.io.loaders import load_points
    from gmm_explorer.io.session_file import is_session_path, read_session
    from gmm_explorer.qt.render_png import render_png

    if not args.out.lower().endswith(".png"):
        raise UsageError(f"--out {args.out!r}: the output must be a .png file")
    if is_session_path(args.data):
        rec = read_session(args.data)
        points, names = rec.points, rec.column_names
        cur = rec.history[-1] if rec.history else None
        mixture = cur.mixture if cur is not None else rec.pending_start
        k = rec.settings["k"]
        title = (f"K={k} {rec.settings['covariance_type']}, iteration {cur.iteration}, mean "
                 f"log-likelihood {cur.mean_log_likelihood:.5g}" if cur is not None
                 else f"K={k}, not initialised")
    else:
        data = load_points(args.data, columns=args.columns)
        points, names = data.points, data.column_names
        tol = 0.0 if args.iterations is not None else 1e-3
        max_iter = args.iterations if args.iterations is not None else 100
        with _about(args.data):
            result = fit(points, args.k, settings=EMSettings(args.covariance, 1e-6, tol, max_iter),
                         init=args.init, seed=args.seed)
        mixture = result.mixture
        title = (f"K={args.k} {args.covariance}, iteration {result.n_iter}"
                 f"{' (converged)' if result.converged else ''}, mean log-likelihood "
                 f"{result.final.mean_log_likelihood:.5g}")
    png = render_png(points, mixture, column_names=names, title=title, size=args.size)
    _outputs_to(args, [(args.out, png)])
    return EXIT_OK


def main(argv=None) -> int:
    """Run the command line; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) == 1 and _looks_like_data(argv[0]):
        # gmm-explorer DATA: open the window on that file.
        from gmm_explorer.qt.app import main as window_main

        return window_main(argv[0])
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help / --version
            return int(exc.code or 0)
        if args.command is None:
            from gmm_explorer.qt.app import main as window_main

            return window_main(None)
        if getattr(args, "threads", None):
            from gmm_explorer.engine import set_num_threads

            set_num_threads(args.threads)
        return args.handler(args)
    except UsageError as exc:
        cmd = argv[0] if argv and argv[0] in COMMANDS else None
        print(f"{PROG}{' ' + cmd if cmd else ''}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except GMMExplorerError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # stdout closed early (e.g. piped into head): not an error worth a traceback.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("GMM_EXPLORER_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: internal error ({type(exc).__name__}: {exc}); please report it. "
              "Set GMM_EXPLORER_DEBUG=1 for a traceback.", file=sys.stderr)
        return EXIT_INTERNAL
