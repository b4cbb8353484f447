"""The command line: ``gmm-explorer fit | select | sample | render``.

Exit codes: 0 success; 2 bad usage or bad input (one line on stderr naming the file and
the problem, no traceback, nothing written); 1 internal error.

Uses the engine and io only; ``render`` alone draws with Qt, imported inside the command.
The window (``gmm-explorer`` with no command, or with a data file) is opened by the app's
entry point, :mod:`gmm_explorer.__main__`, which hands everything else to :func:`main`.
"""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from pathlib import Path

from gmm_explorer.cli_parser import NOISE_AUTO, PROG, UsageError, build_parser
from gmm_explorer.errors import FitError, GMMExplorerError, InputError

EXIT_OK, EXIT_INTERNAL, EXIT_USAGE = 0, 1, 2


# --------------------------------------------------------------------------- helpers


def _say(args, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def _load(args, labels=None):
    from gmm_explorer.io.loaders import load_points

    return load_points(args.data, columns=args.columns, labels=labels,
                       weights=getattr(args, "weights", None))


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


def _settings(args, covariance_type: str, algorithm: str = "em", seed: int = 0):
    from gmm_explorer.engine import EMSettings

    return EMSettings(covariance_type, args.reg_covar, args.tol, args.max_iter, algorithm,
                      seed, getattr(args, "weight_prior", None) or "dirichlet_process",
                      getattr(args, "weight_concentration", None),
                      bool(getattr(args, "prior", False)), float(getattr(args, "noise", 0.0)),
                      getattr(args, "noise_region", None) or "box")


def _fit_record(result, init_name: str):
    """The parameters file's ``fit`` record of a :class:`~gmm_explorer.engine.FitResult`."""
    from gmm_explorer.io.params import FitRecord

    s = result.settings
    return FitRecord.from_step(result.final, init=init_name, seed=result.seed, tol=s.tol,
                               reg_covar=s.reg_covar, max_iter=s.max_iter, n_init=result.n_init)


#: An output option given this value writes to stdout.
STDOUT = "-"


def _out_path(value: str | None) -> str | None:
    """The file an output option names, or None for stdout (``-``)."""
    return None if value == STDOUT else value


def _outputs_to(args, outputs: list[tuple[str | None, str]]) -> None:
    """Write (path, text) outputs, all or nothing; a None path means stdout.

    Regular files are replaced atomically, a symbolic link's target rather than the link,
    devices and FIFOs are written in place, folders and sockets are refused
    (:func:`~gmm_explorer.io.atomic.atomic_write_many`); stdout comes last.
    """
    from gmm_explorer.io.atomic import atomic_write_many

    atomic_write_many([(p, t) for p, t in outputs if p is not None])
    for p, text in outputs:
        if p is None:
            sys.stdout.write(text)
            sys.stdout.flush()


def _points_phrase(f, weights_name: str | None) -> str:
    """``"272 points"``, or under sample weights ``"272 points weighted by 'w' (total
    weight 812)"``."""
    text = f"{f.n_samples} points"
    if f.total_weight is not None:
        text += f" weighted by {weights_name!r} (total weight {f.total_weight:.6g})"
    return text


def _summary(result, ctype: str, weights_name: str | None = None) -> str:
    from gmm_explorer.engine.algorithms import label, objective_name

    f = result.final
    if f.algorithm == "sem":
        state = "no convergence test (SEM runs --max-iter iterations)"
    else:
        state = "converged" if result.converged else "did not converge"
    how = "" if f.algorithm == "em" else f"{label(f.algorithm)}, "
    if f.prior:
        how += "MAP under mclust's default conjugate prior, "
    m = f.mixture
    if m.has_noise:
        what = "points" if f.total_weight is None else "of the weight"
        how += (f"noise {m.noise_weight:.3g} (about {m.noise_weight * f.sample_size:.0f} "
                f"{what}), ")
    if f.algorithm == "kmeans":
        objective = (f", within-cluster sum of squares {-f.objective:.6g} "
                     f"(mean {-f.mean_objective:.6g})")
    elif f.objective is not None:
        objective = f", {objective_name(f.algorithm)} {f.mean_objective:.6g}"
    else:
        objective = ""
    if f.algorithm == "vb":
        k = result.mixture.n_components
        on = sum(d.status != "off" for d in f.diagnostics)
        how += f"{on} of {k} components active (the others switched off), "
    return (f"fit: {_points_phrase(f, weights_name)}, K={result.mixture.n_components} "
            f"{ctype}, {how}"
            f"{result.n_iter} iterations, {state}, log-likelihood {f.log_likelihood:.6g} "
            f"(mean {f.mean_log_likelihood:.6g}){objective}, BIC {result.bic():.6g}")


# --------------------------------------------------------------------------- commands

#: ``fit --init labels:COLUMN`` starts from the classes of a labels column.
LABELS_PREFIX = "labels:"


def cmd_fit(args) -> int:
    from gmm_explorer.engine import INIT_METHODS, fit, project_covariance_type
    from gmm_explorer.engine.algorithms import KMEANS, KMEANS_MODEL, VB
    from gmm_explorer.engine.init import fresh_seed
    from gmm_explorer.io.csv_format import responsibilities_csv
    from gmm_explorer.io.params import dumps_mixture, read_mixture

    out = _out_path(args.out)
    if args.labels_out == STDOUT and out is None:
        raise UsageError("--labels-out -: the parameters already go to stdout; give --out a "
                         "file name")
    init = args.init
    start = None
    by_labels = init.startswith(LABELS_PREFIX)
    if by_labels:
        column = init[len(LABELS_PREFIX):]
        if not column:
            raise UsageError("--init labels:COLUMN needs the name or index of a labels column")
    elif init not in INIT_METHODS:
        p = Path(init)
        if not (p.exists() or p.suffix.lower() == ".json"):
            raise UsageError(f"--init: {init!r} is neither an initialisation method "
                             f"({', '.join(INIT_METHODS)}) nor a parameters file")
        start = read_mixture(p).mixture
        if args.k is not None and args.k != start.n_components:
            raise UsageError(f"--k {args.k} conflicts with the {start.n_components} components in "
                             f"{init}; drop --k or use another file")
    algorithm = args.algorithm
    vb_only = [flag for flag, given in (
        ("--weight-prior", args.weight_prior is not None),
        ("--weight-concentration", args.weight_concentration is not None)) if given]
    if vb_only and algorithm != VB:
        raise UsageError(f"{vb_only[0]} is a prior of variational Bayes; add --algorithm vb")
    if algorithm == KMEANS:
        if args.covariance not in (None, KMEANS_MODEL):
            raise UsageError(f"--algorithm kmeans fits equal round clusters "
                             f"({KMEANS_MODEL}); drop --covariance {args.covariance}")
        ctype = KMEANS_MODEL
    else:
        ctype = args.covariance or (start.covariance_type if start is not None else "full")
    if args.noise_region is not None and not args.noise:
        raise UsageError("--noise-region: it is the noise component's region; add --noise")
    auto_noise = args.noise == NOISE_AUTO
    if auto_noise and algorithm != "em":
        raise UsageError("--noise auto: the noise component goes with EM (with or without "
                         "--prior); drop --algorithm")
    if start is not None and start.has_noise and not args.noise:
        args.noise = start.noise_weight  # a start with a noise component keeps it
    # The seed is fixed here so that SEM's draws and the restarts' starts share it.
    seed = fresh_seed() if args.seed is None else args.seed
    notes = []
    if start is not None and start.covariance_type != ctype:
        notes.append(f"{init}: covariances projected from {start.covariance_type} to {ctype}")
        start = project_covariance_type(start, ctype)
    init_name = init if start is None or by_labels else f"file:{Path(init).name}"
    if args.dask:
        return _fit_dask(args, out, start, init_name, seed, ctype, notes)
    if args.chunks is not None:
        raise UsageError("--chunks: it sizes the blocks of a --dask fit; add --dask")
    data = _load(args, labels=column if by_labels else None)
    noise_points = None
    if auto_noise:
        from gmm_explorer.engine.noise import NEIGHBOUR_K, nnclean

        with _about(args.data):
            cleaned = nnclean(data.points, NEIGHBOUR_K)
        m = int(cleaned.noise.sum())
        if m == 0:
            args.noise = 0.0
            notes.append("--noise auto: NNclean classes no point as clutter; fitting "
                         "without a noise component")
        else:
            args.noise = min(cleaned.fraction, 0.99)
            noise_points = cleaned.noise
            notes.append(f"--noise auto: NNclean (k={NEIGHBOUR_K}) classes {m} of "
                         f"{data.n_points} points as clutter; the noise starts from them, "
                         f"weight {args.noise:.3g}")
    settings = _settings(args, ctype, algorithm, seed)
    if by_labels:
        from gmm_explorer.engine import initialise_from_labels

        with _about(args.data):
            start, classes = initialise_from_labels(data.points, data.labels, ctype,
                                                    args.reg_covar, weights=data.weights)
        if args.k is not None and args.k != start.n_components:
            raise UsageError(f"--k {args.k} conflicts with the {start.n_components} classes "
                             f"of labels column {column!r}; drop --k")
        notes.append(f"started from the {len(classes)} classes of {column!r}: "
                     + ", ".join(classes))
    with _about(args.data):
        result = fit(data.points, (args.k or 2) if start is None else None,
                     settings=settings, init=start if start is not None else init,
                     n_init=args.n_init, seed=seed, weights=data.weights,
                     noise_points=noise_points)
    text = dumps_mixture(result.mixture, columns=data.column_names,
                         fit=_fit_record(result, init_name))
    outputs = [(out, text)]
    if args.labels_out:
        from gmm_explorer.engine import e_step, noise_responsibility

        m = result.mixture
        resp = e_step(data.points, m, want_resp=True).responsibilities
        noise = noise_responsibility(data.points, m) if m.has_noise else None
        outputs.append((_out_path(args.labels_out),
                        responsibilities_csv(data.points, resp, noise, data.weights)))
    _outputs_to(args, outputs)
    _notes(args, data)
    for note in notes:
        _say(args, note)
    _say(args, _summary(result, ctype, data.weights_name))
    return EXIT_OK


#: --dask's scheduler names besides "local" and an address.
DASK_SCHEDULERS = ("threads", "synchronous", "processes")


def _fit_dask(args, out, start, init_name, seed, ctype, notes) -> int:
    """``fit --dask``: EM over the file's blocks (engine/dask.py), the file never read
    whole; the same parameters file and summary as an in-memory fit."""
    from gmm_explorer.engine import dask as engine_dask
    from gmm_explorer.engine.init import KMEANS_SAMPLE
    from gmm_explorer.io.dask_points import open_points
    from gmm_explorer.io.params import dumps_mixture

    unsupported = [flag for flag, given in (
        ("--weights", args.weights is not None), ("--labels-out", bool(args.labels_out)),
        ("--init labels:", args.init.startswith(LABELS_PREFIX)),
        ("--noise", bool(args.noise)), ("--prior", args.prior),
        ("--algorithm", args.algorithm != "em"), ("--n-init", args.n_init != 1)) if given]
    if unsupported:
        raise UsageError(f"{unsupported[0]}: not with --dask (the Dask path fits EM once, "
                         "without weights, noise or a prior, and returns no labels)")
    scheduler = args.dask
    client = None
    if "://" in scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise UsageError("--dask with an address needs dask.distributed: "
                             "pip install 'gmm-explorer[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler} ({exc})")                 from None
        scheduler = client
    elif scheduler not in ("local",) + DASK_SCHEDULERS:
        raise UsageError(f"--dask {scheduler!r}: give local, {', '.join(DASK_SCHEDULERS)} "
                         "or a scheduler address such as tcp://host:8786")
    try:
        points, names = open_points(args.data, args.columns, args.chunks)
        settings = _settings(args, ctype, "em", seed)
        with _about(args.data):
            result = engine_dask.fit(points, (args.k or 2) if start is None else None,
                                     settings=settings,
                                     init=start if start is not None else args.init,
                                     seed=seed, chunks=args.chunks,
                                     scheduler=scheduler)
    finally:
        if client is not None:
            client.close()
    text = dumps_mixture(result.mixture, columns=names, fit=_fit_record(result, init_name))
    _outputs_to(args, [(out, text)])
    for note in notes:
        _say(args, note)
    blocks = len(points.chunks[0]) if args.chunks is None else \
        -(-int(points.shape[0]) // args.chunks)
    _say(args, f"{args.data}: read by Dask in {blocks} block(s) ({args.dask}); "
               + ("the start was made on a seeded subsample of at most "
                  f"{KMEANS_SAMPLE:,} points" if start is None else "started from " + args.init))
    _say(args, _summary(result, ctype, None))
    return EXIT_OK


def cmd_select(args) -> int:
    from gmm_explorer.engine import best_row, sweep
    from gmm_explorer.io.params import dumps_mixture

    if args.out == STDOUT and not args.quiet:
        raise UsageError("--out -: the table already goes to stdout; add --quiet or give a "
                         "file name")
    data = _load(args)
    n = data.points.shape[0]
    ks = [k for k in args.k if k <= n]
    if not ks:
        raise InputError(f"{n} points are fewer than every K in {args.k[0]}-{args.k[-1]}",
                         path=args.data)
    skipped = len(ks) < len(args.k)
    models = args.covariance
    if args.prior:
        from gmm_explorer.engine.priors import split_by_prior

        models, without = split_by_prior(models)
        if not models:
            raise UsageError(f"--prior: mclust has no conjugate prior for "
                             f"{', '.join(without)}; choose other models")
        if without:
            _say(args, f"--prior: left out {', '.join(without)} (mclust has no conjugate "
                       "prior for them)")
    settings = _settings(args, models[0])
    with _about(args.data):
        rows = sweep(data.points, ks, models, settings=settings, init=args.init,
                     n_init=args.n_init, seed=args.seed, weights=data.weights)
    best = best_row(rows, args.criterion)
    if best is None:
        raise InputError("every fit failed: " + (rows[0].error or "unknown reason"),
                         path=args.data)
    from gmm_explorer.engine.models import label

    lines = [f"{'':1} {'K':>3}  {'covariance':<15} {'BIC':>14} {'AIC':>14} {'ICL':>14}"]
    for r in rows:
        mark = "*" if r is best else "!" if r.degenerate else " "
        name = label(r.covariance_type)
        if r.result is None:
            lines.append(f"{mark} {r.n_components:>3}  {name:<15} {'failed':>14} "
                         f"{'failed':>14} {'failed':>14}")
        else:
            lines.append(f"{mark} {r.n_components:>3}  {name:<15} {r.bic:>14.6f} "
                         f"{r.aic:>14.6f} {r.icl:>14.6f}")
    bad = [r for r in rows if r.degenerate]
    if bad:
        lines.append(f"! degenerate ({bad[0].degenerate}"
                     + (f", and {len(bad) - 1} more" if len(bad) > 1 else "")
                     + "): never best, as mclust reports such fits NA")
    lines.append(f"* best by {args.criterion.upper()}: K={best.n_components} "
                 f"{label(best.covariance_type)}")
    outputs: list[tuple[str | None, str]] = []
    if args.out:
        text = dumps_mixture(best.result.mixture, columns=data.column_names,
                             fit=_fit_record(best.result, args.init))
        outputs.append((_out_path(args.out), text))
    if not args.quiet:
        outputs.append((None, "\n".join(lines) + "\n"))
    _outputs_to(args, outputs)
    _notes(args, data)
    if skipped:
        _say(args, f"{args.data}: skipped K > {n} (only {n} points)")
    if data.weights is not None:
        _say(args, f"select: {_points_phrase(best.result.final, data.weights_name)}; BIC's "
                   "N is the total weight")
    return EXIT_OK


def cmd_sample(args) -> int:
    from gmm_explorer.engine import sample
    from gmm_explorer.io.csv_format import points_csv
    from gmm_explorer.io.params import read_mixture

    pf = read_mixture(args.params)
    pts, _ = sample(pf.mixture, args.n, seed=args.seed)
    names = pf.columns if pf.columns is not None else ("x", "y")
    _outputs_to(args, [(_out_path(args.out), points_csv(pts, names))])
    return EXIT_OK


def cmd_render(args) -> int:
    from gmm_explorer.engine import EMSettings, fit
    from gmm_explorer.io.loaders import load_points
    from gmm_explorer.io.session_file import is_session_path, read_session
    from gmm_explorer.qt.offscreen.png import render_png

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


def cmd_install_desktop(args) -> int:
    from pathlib import Path

    from gmm_explorer.desktop import describe, install

    written = install(None if args.prefix is None else Path(args.prefix))
    print(describe(written))
    return EXIT_OK


#: The function that runs each command (build_parser has a subcommand of each name).
HANDLERS = {"fit": cmd_fit, "select": cmd_select, "sample": cmd_sample, "render": cmd_render,
            "install-desktop": cmd_install_desktop}
COMMANDS = tuple(HANDLERS)


def main(argv=None) -> int:
    """Run a command (or ``--help``, ``--version``); returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    return exit_code_of(lambda: _run(argv), argv[0] if argv and argv[0] in COMMANDS else None)


def _run(argv: list[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    if args.command is None:
        raise UsageError(f"give a command: {', '.join(COMMANDS)} ({PROG} with no arguments "
                         "opens the window)")
    if getattr(args, "threads", None):
        from gmm_explorer.engine import set_num_threads

        set_num_threads(args.threads)
    return HANDLERS[args.command](args)


def exit_code_of(body, command: str | None = None) -> int:
    """Run ``body()`` and return its exit code, turning errors into exit codes with one line
    on stderr (see the module docstring); ``command`` names the command in usage errors."""
    try:
        return body()
    except UsageError as exc:
        print(f"{PROG}{' ' + command if command else ''}: error: {exc}", file=sys.stderr)
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
