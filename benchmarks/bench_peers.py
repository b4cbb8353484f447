"""One full-covariance EM iteration: GMM Explorer against five peers, same data, same start.

Reproduces #15's peers table: the median time of one EM iteration (E-step + M-step, full
covariances) for GMM Explorer, gmmx (JAX, float32), torchgmm (float64), pomegranate,
plain numpy and scikit-learn, 2 threads each, on ``bench_em``'s data. Under it, a
correctness table: each implementation's mean log-likelihood per point after 10
iterations from the shared start, and its difference from ours. The peers live in their
own venv (``make bench-peers``); the app and its test suite never import them.

Every implementation gets the same start: GMM Explorer's k-means start (seed 0) on the
first 100,000 points, handed over as weights, means and covariances. ``reg_covar`` is 0
everywhere, because pomegranate's ``Normal`` adds nothing to its covariances (its
``min_cov`` is stored but never applied); scikit-learn's default 1e-6 on the others'
diagonals alone moves the log-likelihood after 10 iterations by 1.0e-8 at N = 1e5, K = 10
(measured), half the 2e-8 bar. Each one first runs the 10 checked iterations, then is
timed on the iterations that follow, in alternating blocks with ``bench_em``'s rounds and
block sizes (``bench_em._interleaved_medians``; run on an otherwise idle machine, and
compare ratios, not absolute times across runs).

What one timed call runs:

* GMM Explorer: one ``next()`` of :func:`gmm_explorer.engine.iterate` (an M-step, the
  fused E pass and the per-component diagnostics); ``engine.set_num_threads(2)``.
* gmmx (float32 only; it refuses float64): its public ``EMFitter(max_iter=1, tol=0,
  reg_covar=0).fit(x, gmm)``, one trip of its jitted ``e_step`` + ``m_step`` loop, then
  ``jax.block_until_ready``. Threads: ``PJRT_NPROC=2`` before jax is imported (it sizes
  XLA:CPU's intra-op pool, which otherwise takes every core) and ``JAX_PLATFORMS=cpu``;
  ``XLA_FLAGS`` is not changed.
* torchgmm: its ``GaussianMixture.fit`` always initialises from the data (k-means or
  random), so no public call starts from given parameters. The timed call is the three
  hooks its Lightning ``Trainer`` runs for one full-batch epoch, without the Trainer:
  ``GaussianMixtureLightningModule.on_train_epoch_start()`` (reset the aggregators),
  ``nonparametric_training_step(X, 0)`` (E-step, NLL metric, sufficient statistics) and
  ``nonparametric_training_epoch_end()`` (M-step into the ``GaussianMixtureModel``).
* pomegranate: its public ``GeneralMixtureModel([Normal(covariance_type="full"), ...],
  max_iter=1).fit(X)``, which is one ``summarize`` (E-step and statistics) and one
  ``from_summaries`` (M-step) before its loop ends.
* plain numpy: :func:`_numpy_e_step` + :func:`_numpy_m_step` below (2x2 closed-form
  log-densities, a max-shifted logsumexp, centred weighted moments).
* scikit-learn: ``GaussianMixture(covariance_type='full')._e_step`` + ``_m_step``, one
  trip of its fit loop (as in ``bench_em``).

torch runs with ``torch.set_num_threads(2)`` and ``torch.set_default_dtype(float64)``:
pomegranate and torchgmm create their statistics with torch's default dtype, so without it
they would accumulate in float32. threadpoolctl caps every BLAS and OpenMP pool at 2.

Usage: python benchmarks/bench_peers.py [--quick] [--rows N,K ...] [--only NAMES] [--threads T]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import warnings
from importlib import metadata
from typing import Callable, NamedTuple

# As in bench_em: a short OpenBLAS spin keeps one implementation's idle BLAS threads from
# taking a core from the next one's timed calls. Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")

import numpy as np  # noqa: E402

from bench_em import _data, _interleaved_medians  # noqa: E402

#: #15's rows: (N, K).
ROWS = [(10_000, 3), (100_000, 10), (1_000_000, 10), (4_000_000, 30)]
#: Column order and headings of #15's table.
NAMES = {"ours": "GMM Explorer", "gmmx": "gmmx (JAX, float32)",
         "torchgmm": "torchgmm (float64)", "pomegranate": "pomegranate",
         "numpy": "plain numpy", "sklearn": "scikit-learn"}
#: The modules each implementation needs (imported once, to skip what is missing).
MODULES = {"ours": ["gmm_explorer.engine"], "gmmx": ["gmmx"],
           "torchgmm": ["torchgmm.bayes.gmm.lightning_module"],
           "pomegranate": ["pomegranate.gmm", "pomegranate.distributions"],
           "numpy": [], "sklearn": ["sklearn.mixture"]}
#: Distributions whose versions the machine line reports.
VERSIONS = ["numpy", "scipy", "numba", "scikit-learn", "torch", "jax", "jaxlib", "gmmx",
            "torchgmm", "pytorch-lightning", "pomegranate"]
CHECK_ITERATIONS = 10
#: #15's bar for the float64 implementations' agreement after CHECK_ITERATIONS.
AGREEMENT = 2e-8


class Start(NamedTuple):
    """The shared starting parameters (float64, read-only: pomegranate, for one, writes
    its updates into the tensors it was given, so each implementation takes copies)."""

    weights: np.ndarray      # (K,)
    means: np.ndarray        # (K, 2)
    covariances: np.ndarray  # (K, 2, 2)


class Runner(NamedTuple):
    """One implementation, set up on one data set from the shared start."""

    step: Callable[[], None]                    # one EM iteration
    mean_log_likelihood: Callable[[], float]    # of the current parameters, per point


# --- the implementations --------------------------------------------------------------

def _ours(X, start: Start) -> Runner:
    from gmm_explorer import engine as E

    settings = E.EMSettings("full", reg_covar=0.0, tol=0.0, max_iter=10**9)
    run = E.iterate(X, E.Mixture(*start, covariance_type="full"), settings)
    # Each result carries the log-likelihood of its own parameters (the pass that also
    # prepares the next M-step), so nothing is evaluated apart.
    latest = [next(run)]  # the start, iteration 0: one E pass, no M-step

    def step():
        latest[0] = next(run)

    return Runner(step, lambda: latest[0].mean_log_likelihood)


def _gmmx(X, start: Start) -> Runner:
    import jax
    from gmmx import EMFitter, GaussianMixtureModelJax

    x = jax.device_put(X.astype(np.float32))
    gmm = [GaussianMixtureModelJax.from_squeezed(
        means=start.means.astype(np.float32),
        covariances=start.covariances.astype(np.float32),
        weights=start.weights.astype(np.float32))]
    one = EMFitter(max_iter=1, tol=0.0, reg_covar=0.0)

    def step():
        gmm[0] = jax.block_until_ready(one.fit(x, gmm[0]).gmm)

    return Runner(step, lambda: float(one.e_step(x, gmm[0])[0]))


def _torchgmm(X, start: Start) -> Runner:
    import torch
    from torchgmm.bayes.core import cholesky_precision
    from torchgmm.bayes.gmm.lightning_module import GaussianMixtureLightningModule
    from torchgmm.bayes.gmm.model import GaussianMixtureModel, GaussianMixtureModelConfig

    k = start.weights.shape[0]
    model = GaussianMixtureModel(GaussianMixtureModelConfig(k, 2, "full"))
    model.component_probs.copy_(torch.tensor(start.weights))
    model.means.copy_(torch.tensor(start.means))
    model.precisions_cholesky.copy_(cholesky_precision(torch.tensor(start.covariances), "full"))
    module = GaussianMixtureLightningModule(model, convergence_tolerance=0.0,
                                            covariance_regularization=0.0)
    xt = torch.from_numpy(X)

    def step():
        module.on_train_epoch_start()
        module.nonparametric_training_step(xt, 0)
        module.nonparametric_training_epoch_end()

    return Runner(step, lambda: float(model.forward(xt)[1].mean()))


def _pomegranate(X, start: Start) -> Runner:
    import torch
    from pomegranate.distributions import Normal
    from pomegranate.gmm import GeneralMixtureModel

    # torch.tensor copies: pomegranate updates its parameters in place.
    parts = [Normal(torch.tensor(m), torch.tensor(c), covariance_type="full")
             for m, c in zip(start.means, start.covariances)]
    gmm = GeneralMixtureModel(parts, priors=torch.tensor(start.weights), max_iter=1)
    xt = torch.from_numpy(X)
    return Runner(lambda: gmm.fit(xt), lambda: float(gmm.log_probability(xt).mean()))


def _numpy_e_step(X, weights, means, covariances):
    """Responsibilities and mean log-likelihood per point.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, 2)
    covariances : ndarray of shape (n_components, 2, 2)

    Returns
    -------
    resp : ndarray of shape (n_samples, n_components)
    mean_log_likelihood : float
    """
    a, b, c = covariances[:, 0, 0], covariances[:, 0, 1], covariances[:, 1, 1]
    det = a * c - b * b
    dx = X[:, :1] - means[:, 0]
    dy = X[:, 1:] - means[:, 1]
    # Mahalanobis distance through the 2x2 inverse [[c, -b], [-b, a]] / det, built in
    # place: at N = 4e6, K = 30 each (N, K) array is ~1 GB.
    q = dx * dx
    q *= c / det
    dx *= dy
    dx *= -2 * b / det
    q += dx
    dy *= dy
    dy *= a / det
    q += dy
    del dx, dy
    q *= -0.5
    q += np.log(weights) - np.log(2 * np.pi) - 0.5 * np.log(det)  # log w_k N(x | k)
    # logsumexp over k with each row's maximum taken out; the shifted exponentials,
    # normalised, are the responsibilities, so one exp serves both.
    top = q.max(axis=1, keepdims=True)
    q -= top
    np.exp(q, out=q)
    total = q.sum(axis=1, keepdims=True)
    q /= total
    return q, float(np.mean(top + np.log(total)))


def _numpy_m_step(X, resp, reg_covar: float = 0.0):
    """Weights, means and covariances from responsibilities (centred weighted moments).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    resp : ndarray of shape (n_samples, n_components)
    reg_covar : float

    Returns
    -------
    weights : ndarray of shape (n_components,)
    means : ndarray of shape (n_components, 2)
    covariances : ndarray of shape (n_components, 2, 2)
    """
    nk = resp.sum(axis=0) + 10 * np.finfo(resp.dtype).eps  # scikit-learn's floor
    means = (resp.T @ X) / nk[:, None]
    dx = X[:, :1] - means[:, 0]
    dy = X[:, 1:] - means[:, 1]
    r = resp * dx
    sxx = np.einsum("nk,nk->k", r, dx)
    sxy = np.einsum("nk,nk->k", r, dy)
    np.multiply(resp, dy, out=r)
    syy = np.einsum("nk,nk->k", r, dy)
    covariances = np.empty((nk.shape[0], 2, 2))
    covariances[:, 0, 0] = sxx / nk + reg_covar
    covariances[:, 0, 1] = covariances[:, 1, 0] = sxy / nk
    covariances[:, 1, 1] = syy / nk + reg_covar
    return nk / nk.sum(), means, covariances


def _numpy(X, start: Start) -> Runner:
    params = [start]

    def step():
        resp, _ = _numpy_e_step(X, *params[0])
        params[0] = Start(*_numpy_m_step(X, resp))

    return Runner(step, lambda: _numpy_e_step(X, *params[0])[1])


def _sklearn(X, start: Start) -> Runner:
    from sklearn.mixture import GaussianMixture

    g = GaussianMixture(start.weights.shape[0], covariance_type="full", reg_covar=0.0,
                        weights_init=start.weights, means_init=start.means,
                        precisions_init=np.linalg.inv(start.covariances), max_iter=1,
                        init_params="random_from_data")
    # Sets the given start (its random draw only fills what the *_init arguments
    # replace; "random_from_data" avoids a k-means over all N points).
    g._initialize_parameters(X, np.random.RandomState(0))

    def step():
        _, log_resp = g._e_step(X)
        g._m_step(X, log_resp)

    return Runner(step, lambda: float(g.score(X)))


SETUP = {"ours": _ours, "gmmx": _gmmx, "torchgmm": _torchgmm,
         "pomegranate": _pomegranate, "numpy": _numpy, "sklearn": _sklearn}


# --- the run --------------------------------------------------------------------------

def _configure(names: list[str], threads: int) -> list[str]:
    """Set every library's thread count, import each implementation's modules, and
    return the names that imported (printing why each other one is skipped)."""
    # Read by XLA:CPU when jax creates its client, so before jax is first imported.
    os.environ["PJRT_NPROC"] = str(threads)
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    available = []
    for name in names:
        try:
            for module in MODULES[name]:
                __import__(module)
        except Exception as exc:  # a missing or broken peer is skipped, not fatal
            print(f"skipped {NAMES[name]}: {type(exc).__name__}: {exc}", flush=True)
        else:
            available.append(name)
    if {"torchgmm", "pomegranate"} & set(available):
        import torch

        torch.set_num_threads(threads)
        torch.set_default_dtype(torch.float64)
    if "torchgmm" in available:
        # torchgmm's training step logs its NLL through LightningModule.log, which
        # without a Trainer only warns.
        warnings.filterwarnings("ignore", message=r"You are trying to `self.log\(\)`")
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    from gmm_explorer import engine as E

    E.set_num_threads(threads)
    E.warm_up()
    return available


def _machine(threads: int) -> str:
    name, flags = platform.machine(), set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    name = line.split(":", 1)[1].strip()
                elif line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    vector = "/".join("yes" if f in flags else "no" for f in ("avx2", "avx512f", "fma"))
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    versions = []
    for dist in VERSIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"machine: {name}; avx2/avx512f/fma {vector}; "
            f"nproc {len(os.sched_getaffinity(0))}; {memory:.0f} GiB; {threads} threads each; "
            f"load {load}; {platform.platform()}; "
            f"python {platform.python_version()}; " + ", ".join(versions))


def _label(n: int, k: int) -> str:
    """'1e4, 3', '4e6, 30' (#15's row labels)."""
    exponent = len(str(n)) - 1
    mantissa = n / 10**exponent
    if mantissa != int(mantissa):
        return f"{n:,}, {k}"
    return f"{int(mantissa)}e{exponent}, {k}"


def _ms(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:,.2f}" if ms < 10 else f"{ms:,.1f}" if ms < 1000 else f"{ms:,.0f}"


def _row(n: int, k: int, names: list[str]) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds per iteration and mean log-likelihood after CHECK_ITERATIONS, by
    name. GMM Explorer is always run for the reference log-likelihood, timed only when
    asked for."""
    from gmm_explorer import engine as E

    X = _data(n)
    mixture = E.initialise(X[:100_000], k, "kmeans", seed=0)
    start = Start(*(np.array(a, dtype=float) for a in
                    (mixture.weights, mixture.means, mixture.covariances)))
    for a in start:
        a.setflags(write=False)
    runners, ll = {}, {}
    for name in dict.fromkeys(["ours", *names]):
        print(f"# {_label(n, k)}: {NAMES[name]}, {CHECK_ITERATIONS} iterations", file=sys.stderr,
              flush=True)
        runner = SETUP[name](X, start)
        for _ in range(CHECK_ITERATIONS):
            runner.step()
        ll[name] = runner.mean_log_likelihood()
        runners[name] = runner
    rounds = 3 if n * k <= 10**6 else 2
    block = 3 if n * k <= 10**7 else 1
    print(f"# {_label(n, k)}: timing, {rounds} rounds of {block}", file=sys.stderr, flush=True)
    medians = _interleaved_medians([runners[name].step for name in names], rounds, block)
    return dict(zip(names, medians)), ll


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="only the two small rows")
    ap.add_argument("--rows", nargs="+", metavar="N,K",
                    help="rows to run, e.g. --rows 1e6,10 4e6,30 (default: #15's four)")
    ap.add_argument("--only", metavar="NAMES",
                    help=f"comma-separated subset of {','.join(NAMES)} (default: all)")
    ap.add_argument("--threads", type=int, default=2, help="threads for each (default 2)")
    args = ap.parse_args()
    if args.rows:
        rows = []
        for text in args.rows:
            try:
                n, k = text.split(",")
                rows.append((int(float(n)), int(k)))
            except ValueError:
                ap.error(f"--rows takes N,K pairs such as 1e6,10, not {text!r}")
    else:
        rows = ROWS[:2] if args.quick else ROWS
    asked = list(NAMES) if not args.only else [s.strip() for s in args.only.split(",")]
    unknown = [s for s in asked if s not in NAMES]
    if unknown:
        ap.error(f"unknown implementation(s) {', '.join(unknown)}; choose from "
                 f"{', '.join(NAMES)}")
    names = _configure([s for s in NAMES if s in asked], args.threads)  # #15's order
    if not names:
        print("nothing to run")
        return 1

    print(_machine(args.threads))
    print()
    print("One full-covariance EM iteration, median ms, "
          f"{args.threads} threads each (in alternating blocks):")
    print()
    print("| N, K | " + " | ".join(NAMES[s] for s in names) + " |")
    print("|---|" + "---:|" * len(names))
    checks = []
    for n, k in rows:
        seconds, ll = _row(n, k, names)
        checks.append((n, k, ll))
        print(f"| {_label(n, k)} | " + " | ".join(_ms(seconds[s]) for s in names) + " |",
              flush=True)

    peers = [s for s in names if s != "ours"]
    print()
    print(f"Mean log-likelihood per point after {CHECK_ITERATIONS} iterations from the shared "
          "start: GMM Explorer's, and each other's minus it:")
    print()
    print(f"| N, K | {NAMES['ours']} | " + " | ".join(NAMES[s] for s in peers) + " |")
    print("|---|---:|" + "---:|" * len(peers))
    worst64, worst32 = 0.0, None
    for n, k, ll in checks:
        diffs = {s: ll[s] - ll["ours"] for s in peers}
        print(f"| {_label(n, k)} | {ll['ours']:.12f} | "
              + " | ".join(f"{diffs[s]:+.1e}" for s in peers) + " |")
        for s, d in diffs.items():
            if s == "gmmx":
                worst32 = max(worst32 or 0.0, abs(d))
            else:
                worst64 = max(worst64, abs(d))
    print()
    float64 = [NAMES[s] for s in peers if s != "gmmx"]
    if float64:
        verdict = "agree" if worst64 <= AGREEMENT else "DO NOT agree"
        print(f"max |difference| from GMM Explorer, float64 ({', '.join(float64)}): "
              f"{worst64:.1e}: they {verdict} to within {AGREEMENT:g}")
    if worst32 is not None:
        print(f"max |difference| from GMM Explorer, gmmx (float32): {worst32:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
