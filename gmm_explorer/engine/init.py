"""Initial parameters for EM, as scikit-learn makes them.

Every method first builds responsibilities (one-hot labels or random soft ones) and then
applies the M-step to them, as scikit-learn's ``_initialize_parameters`` does:

* ``kmeans``: k-means++ seeds refined by scipy's Lloyd iterations (``scipy.cluster.vq.kmeans2``,
  computed step for step by the compiled ``_kernels.lloyd``);
* ``k-means++``: the k-means++ seeds alone, one point per component;
* ``random``: uniform random responsibilities, normalised per point;
* ``random_from_data``: K distinct data points, one per component.

All randomness comes from one ``numpy.random.Generator``, so a seed reproduces bit for bit.
:func:`kmeans_details` replays the ``kmeans`` initialisation's k-means (same code, same
random numbers) for the window's k-means overlay.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import partial

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.engine._kernels import N_STATS, NUMPY_BLOCK
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.mstep import (
    StartStatistics,
    parameters_from_statistics,
    statistics_from_responsibilities,
    weighted_sums,
)
from gmm_explorer.engine.models import canonical
from gmm_explorer.engine.validation import (
    as_points,
    as_sample_weights,
    check_n_components,
    checked_points,
)
from gmm_explorer.errors import FitError, InputError

#: The randomised initialisations (scikit-learn's four).
RANDOM_INITS = ("kmeans", "k-means++", "random", "random_from_data")
#: Every initialisation: the randomised ones, "centre", the deterministic teaching start
#: (see :func:`centre_start`), and "hc", mclust's.
INIT_METHODS = RANDOM_INITS + ("centre", "hc")
#: mclust's deterministic start: model-based hierarchical agglomeration (VVV on the
#: SVD-transformed data, mclust's defaults; engine/hierarchical.py), cut into K groups.
HC = "hc"
#: Lloyd iterations run by the ``kmeans`` initialisation.
KMEANS_ITER = 30
#: Above this many points the ``kmeans`` start seeds and iterates on a seeded random
#: subsample of this many, then refines on all points (:data:`KMEANS_FULL_ITER`): on
#: 10^6 points that costs about what five EM iterations cost, where k-means on all of
#: them cost seventy. Up to this size the start is unchanged (scikit-learn's and
#: scipy's k-means step for step, as the parity tests check).
KMEANS_SAMPLE = 50_000
#: Lloyd iterations on all points after the subsample's (large data only).
KMEANS_FULL_ITER = 1


def check_init_method(method) -> str:
    """Validate an initialisation method name (one of :data:`INIT_METHODS`).

    Raises
    ------
    InputError
        Naming the unknown method and the known ones.
    """
    if method not in INIT_METHODS:
        raise InputError(f"unknown initialisation {method!r}; expected one of "
                         + ", ".join(INIT_METHODS))
    return method


def fresh_seed() -> int:
    """A seed drawn from fresh entropy, for a run asked to be random; recorded so that the
    run can be reproduced."""
    return int(np.random.SeedSequence().generate_state(1)[0])


def rng_from(seed) -> np.random.Generator:
    """A Generator from an int seed, an existing Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


def kmeans_plusplus(X: np.ndarray, n_components: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of k-means++ seeds (greedy variant with ``2 + log K`` trials, as scikit-learn).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    n_components : int
    rng : Generator

    Returns
    -------
    indices : ndarray of shape (n_components,)
    """
    n = X.shape[0]
    trials = 2 + int(math.log(n_components))
    idx = np.empty(n_components, dtype=np.intp)
    idx[0] = rng.integers(n)
    closest = _sq_dist(X, X[idx[0]])
    for c in range(1, n_components):
        pot = closest.sum()
        if not (pot > 0 and np.isfinite(pot)):
            # All points coincide with chosen seeds (fewer distinct points than K):
            # any point is as good as another.
            cand = rng.integers(n, size=trials)
        else:
            cum = np.cumsum(closest)
            cand = np.searchsorted(cum, rng.random(trials) * cum[-1], side="right")
            np.clip(cand, 0, n - 1, out=cand)
        # Greedy: keep the candidate that most reduces the potential.
        best, best_pot, best_d = cand[0], np.inf, None
        for t in cand:
            d = np.minimum(closest, _sq_dist(X, X[t]))
            p = d.sum()
            if p < best_pot:
                best, best_pot, best_d = t, p, d
        idx[c] = best
        closest = best_d
    return idx


def _sq_dist(X: np.ndarray, p: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        dx = X[:, 0] - p[0]
        dy = X[:, 1] - p[1]
        return dx * dx + dy * dy


def run_kmeans(X: np.ndarray, n_components: int,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The k-means behind the ``kmeans`` initialisation: k-means++ seeds, then
    :data:`KMEANS_ITER` of scipy's Lloyd iterations (``scipy.cluster.vq.kmeans2``).

    On more than :data:`KMEANS_SAMPLE` points, the seeds and those iterations use a
    seeded random subsample of that many points (drawn first from ``rng``), and
    :data:`KMEANS_FULL_ITER` Lloyd iterations on all points follow.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Validated points (see :func:`~gmm_explorer.engine.validation.as_points`).
    n_components : int
    rng : Generator
        Advanced exactly as :func:`initialise` advances it.

    Returns
    -------
    seeds : ndarray of shape (n_components, 2)
        The k-means++ seed points (copies of data points) Lloyd's iterations start from.
    centroids : ndarray of shape (n_components, 2)
        scipy's final code book: the mean of the points carrying each label in ``labels``.
        A component whose cluster emptied keeps its previous centroid.
    labels : ndarray of shape (n_samples,)
        The last assignment, each point to its nearest centroid *before* the last update.
        When Lloyd's iterations have converged it is also the nearest-centroid assignment
        to ``centroids``.
    """
    n = X.shape[0]
    if n <= KMEANS_SAMPLE:
        seeds = X[kmeans_plusplus(X, n_components, rng)]
        # scipy's kmeans2 step for step (an emptied cluster keeps its centroid, and its
        # component is then handled like scikit-learn's, mass floored at 10 eps).
        centroids, labels = _kernels.lloyd(X, seeds, KMEANS_ITER)
        return seeds, centroids, labels
    sample = X[np.sort(rng.choice(n, KMEANS_SAMPLE, replace=False))]
    seeds = sample[kmeans_plusplus(sample, n_components, rng)]
    # Compiled: EM's passes on this many points load the compiled kernels anyway.
    code, _ = _kernels.lloyd(sample, seeds, KMEANS_ITER, compiled=True)
    centroids, labels = _kernels.lloyd(X, code, KMEANS_FULL_ITER, compiled=True)
    return seeds, centroids, labels


def kmeans_labels(X: np.ndarray, n_components: int, rng: np.random.Generator) -> np.ndarray:
    """Hard labels from k-means: k-means++ seeds, then scipy's Lloyd iterations
    (the ``labels`` of :func:`run_kmeans`)."""
    return run_kmeans(X, n_components, rng)[2]


def mixture_from_labels(X: np.ndarray, labels: np.ndarray, n_components: int,
                        covariance_type: str, reg_covar: float, weights=None) -> Mixture:
    """M-step from one-hot responsibilities given as labels, without an N x K array
    (point i counting ``weights[i]`` times when sample weights are given)."""
    stats, centres = _label_statistics(X, labels, n_components, weights)
    return parameters_from_statistics(stats, centres, covariance_type, reg_covar)


def _label_statistics(X: np.ndarray, labels: np.ndarray, n_components: int, weights=None):
    """The statistics of one-hot responsibilities given as labels, about each class's
    (weighted) mean, and those means: ``(stats, centres)``."""
    if X.shape[0] > KMEANS_SAMPLE and _kernels.HAVE_NUMBA:
        # The same numbers without the numpy path's temporaries (at 10 million points
        # they peaked at 340 MB); on this many points EM loads the compiled kernels anyway.
        return _kernels.label_statistics_compiled(X, labels, n_components, weights)
    stats = np.zeros((n_components, N_STATS))
    if weights is None:
        counts = np.bincount(labels, minlength=n_components).astype(np.float64)
        wx, wy = X[:, 0], X[:, 1]
    else:
        counts = np.bincount(labels, weights, n_components)
        wx, wy = weights * X[:, 0], weights * X[:, 1]
    safe = np.where(counts > 0, counts, 1.0)
    centres = np.stack([np.bincount(labels, wx, n_components),
                        np.bincount(labels, wy, n_components)], axis=1) / safe[:, None]
    dx = X[:, 0] - centres[labels, 0]
    dy = X[:, 1] - centres[labels, 1]
    wdx, wdy = (dx, dy) if weights is None else (weights * dx, weights * dy)
    stats[:, 0] = counts
    stats[:, 1] = np.bincount(labels, wdx, n_components)
    stats[:, 2] = np.bincount(labels, wdy, n_components)
    stats[:, 3] = np.bincount(labels, wdx * dx, n_components)
    stats[:, 4] = np.bincount(labels, wdx * dy, n_components)
    stats[:, 5] = np.bincount(labels, wdy * dy, n_components)
    return stats, centres


def initialise_from_selection(X, selected, n_components: int, covariance_type: str = "full",
                              reg_covar: float = 1e-6, seed=None, weights=None) -> Mixture:
    """A start with one component on a selection of the points (a clump a user painted or
    framed) and the other K - 1 on k-means of the rest: the M-step of that classification.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    selected : array-like of int
        Indices of the selected points (at least 2, not all of them).
    n_components : int
        K >= 2: the selection's component is the first.
    covariance_type, reg_covar, seed, weights
        As for :func:`initialise`.

    Returns
    -------
    Mixture
    """
    X = checked_points(X, n_components)
    idx = np.unique(np.asarray(selected, dtype=np.intp).ravel())
    n = X.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise InputError(f"the selection names points outside 0..{n - 1}")
    if n_components < 2:
        raise InputError("a start from a selection needs K >= 2: one component for the "
                         "selection and at least one for the other points")
    if idx.size < 2:
        raise InputError("select at least two points (Select mode, or Ctrl+drag) to start "
                         "a component on them")
    rest = np.setdiff1d(np.arange(n), idx)
    if rest.size < n_components - 1:
        raise InputError(f"{rest.size} point(s) are left outside the selection for the other "
                         f"{n_components - 1} component(s); select fewer points or lower K")
    labels = np.zeros(n, dtype=np.intp)
    labels[rest] = 1 + kmeans_labels(X[rest], n_components - 1, rng_from(seed))
    return mixture_from_labels(X, labels, n_components, covariance_type, reg_covar,
                               as_sample_weights(weights, n))


def initialise_from_labels(X, labels, covariance_type: str = "full",
                           reg_covar: float = 1e-6,
                           weights=None) -> tuple[Mixture, tuple[str, ...]]:
    """Starting parameters from a labelling of the points: one component per distinct
    label (in sorted order), the M-step of the one-hot responsibilities (scikit-learn's
    initialisation from ``resp``, mclust's from a classification).

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    labels : sequence of length n_samples
        Any values (numbers or text); each distinct one is a component.
    covariance_type : str
    reg_covar : float
    weights : array-like of shape (n_samples,), optional
        Sample weights (see :func:`initialise`).

    Returns
    -------
    (Mixture, tuple of str)
        The parameters, and each component's label as text.

    Raises
    ------
    InputError
        Labels that do not match the points, or more classes than MAX_COMPONENTS.
    FitError
        A class too small for its covariance (e.g. one point with ``reg_covar`` 0).
    """
    X = as_points(X)
    values = np.asarray([str(v) for v in labels], dtype=object)
    if values.shape[0] != X.shape[0]:
        raise InputError(f"{values.shape[0]} labels for {X.shape[0]} points")
    classes, codes = np.unique(values.astype(str), return_inverse=True)
    check_n_components(len(classes))
    mix = mixture_from_labels(X, codes.astype(np.intp), len(classes), canonical(covariance_type),
                              float(reg_covar), as_sample_weights(weights, X.shape[0]))
    return mix, tuple(str(c) for c in classes)


def _random_statistics(X, n_components, rng, weights=None):
    """The statistics of uniform random responsibilities (normalised per point) about
    their weighted means, and those means: ``(stats, centres)``."""
    # Two passes over blocks of random responsibilities, drawn from a child generator
    # so the second pass sees the same numbers: first the centres, then the moments.
    child_seed = rng.integers(2**63)
    n = X.shape[0]

    def blocks():
        g = np.random.default_rng(child_seed)
        for lo in range(0, n, NUMPY_BLOCK):
            hi = min(n, lo + NUMPY_BLOCK)
            r = g.random((hi - lo, n_components))
            r /= r.sum(axis=1, keepdims=True)
            if weights is not None:
                r *= weights[lo:hi, None]
            yield lo, hi, r

    s0 = np.zeros(n_components)
    sx = np.zeros((n_components, 2))
    for lo, hi, r in blocks():
        s0 += r.sum(axis=0)
        sx += weighted_sums(X[lo:hi], r)
    centres = sx / s0[:, None]
    stats = np.zeros((n_components, N_STATS))
    for lo, hi, r in blocks():
        stats += statistics_from_responsibilities(X[lo:hi], r, centres)
    return stats, centres


def _seed_statistics(X, idx):
    """One-hot responsibilities on K seed points (scikit-learn's k-means++ and
    random_from_data): component k holds exactly point ``idx[k]`` (a point chosen twice
    seeds two components), so its statistics about that point are S0 = 1 and zero
    moments."""
    stats = np.zeros((idx.shape[0], N_STATS))
    stats[:, 0] = 1.0
    return stats, X[idx]


def _start_statistics(X, n_components, method, rng, weights):
    """What a start by ``method`` (not "centre") fits its parameters to: ``(stats,
    centres)``, the same for every covariance model."""
    if method == HC:
        return _label_statistics(X, _hc_labels(X, n_components, rng), n_components, weights)
    if method == "k-means++":
        return _seed_statistics(X, kmeans_plusplus(X, n_components, rng))
    if method == "random_from_data":
        return _seed_statistics(X, rng.choice(X.shape[0], size=n_components, replace=False))
    if method == "random":
        return _random_statistics(X, n_components, rng, weights)
    return _label_statistics(X, kmeans_labels(X, n_components, rng), n_components, weights)


#: Recent starts' statistics by (points, K, method, seed, weights): model selection starts
#: every covariance model of a K from the same seeds, so k-means, hc and the random draws
#: run once per K and seed, and only the M-step runs per model.
_STARTS: OrderedDict = OrderedDict()
_STARTS_KEPT = 256
_STARTS_LOCK = threading.Lock()


def _fingerprint(a) -> bytes | None:
    """A digest of an array's bytes (None for None): the cache's key, so that an array
    changed in place is a new key."""
    if a is None:
        return None
    a = np.ascontiguousarray(a)
    return hashlib.blake2b(memoryview(a).cast("B"), digest_size=16).digest()


def is_int_seed(seed) -> bool:
    """Whether ``seed`` is an integer (not a Generator, None or a bool): a start made from
    it can be cached."""
    return isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)


def _frozen(made) -> tuple[np.ndarray, np.ndarray]:
    """A start's ``(stats, centres)``, read-only, as the cache keeps them."""
    stats, centres = made
    stats.setflags(write=False)
    centres = np.array(centres)
    centres.setflags(write=False)
    return stats, centres


def _keep(key, value) -> None:
    """Put ``value`` in the cache of starts (the caller holds ``_STARTS_LOCK``), dropping
    the oldest beyond :data:`_STARTS_KEPT`."""
    _STARTS[key] = value
    while len(_STARTS) > _STARTS_KEPT:
        _STARTS.popitem(last=False)


def _cached_start_statistics(X, n_components, method, seed, w):
    if not is_int_seed(seed):
        return _start_statistics(X, n_components, method, rng_from(seed), w)
    key = (_fingerprint(X), X.shape, _fingerprint(w), n_components, method, int(seed))
    with _STARTS_LOCK:
        hit = _STARTS.get(key)
    if hit is not None:
        return hit
    made = _frozen(_start_statistics(X, n_components, method, rng_from(seed), w))
    with _STARTS_LOCK:
        _keep(key, made)
    return made


def initialise(X, n_components: int, method: str = "kmeans", *, covariance_type: str = "full",
               reg_covar: float = 1e-6, seed=None, noise: float = 0.0,
               weights=None, noise_points=None, noise_region: str = "box") -> Mixture:
    """Initial parameters by one of :data:`INIT_METHODS`, with a uniform noise component
    when ``noise`` > 0: that fraction of the points, the most isolated ones
    (:func:`~gmm_explorer.engine.noise.isolated_points`), start as noise and the method
    places the components on the others.

    Under sample ``weights`` the points are grouped as without them (k-means, hc and the
    seed points look at where the points are), and the parameters of those groups, the
    random responsibilities and the centre start's moments count point i ``w_i`` times.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    n_components : int
        K >= 1, at most n_samples.
    method : {"kmeans", "k-means++", "random", "random_from_data", "centre", "hc"}
    covariance_type : str
    reg_covar : float
    seed : int, Generator or None
    noise : float
        The noise component's starting weight, in [0, 1) (0: none).
    weights : array-like of shape (n_samples,), optional
        Sample weights (frequencies; see
        :func:`~gmm_explorer.engine.validation.as_sample_weights`).
    noise_points : array-like of shape (n_samples,), bool, optional
        With ``noise`` > 0: the points that start as noise, instead of the most isolated
        fraction (e.g. :func:`~gmm_explorer.engine.noise.nnclean`'s clutter).
    noise_region : {"box", "hull"}
        The noise's region (see :func:`~gmm_explorer.engine.noise.noise_density`).

    Returns
    -------
    Mixture
    """
    X = checked_points(X, n_components)
    w = as_sample_weights(weights, X.shape[0])
    check_init_method(method)
    if noise:
        from gmm_explorer.engine import noise as N

        weight = N.check_fraction(noise)
        density = N.noise_density(X, w, noise_region)
        if noise_points is None:
            keep = ~N.isolated_points(X, weight)
        else:
            mask = np.asarray(noise_points)
            if mask.shape != (X.shape[0],) or mask.dtype != bool:
                raise InputError(f"noise_points must be {X.shape[0]} true/false values")
            keep = ~mask
        inliers = X[keep]
        if inliers.shape[0] < n_components:
            raise InputError(f"a noise fraction of {weight:g} leaves {inliers.shape[0]} "
                             f"point(s) for K={n_components}; lower the fraction or K")
        m = initialise(inliers, n_components, method, covariance_type=covariance_type,
                       reg_covar=reg_covar, seed=seed,
                       weights=None if w is None or not np.any(w[keep] > 0) else w[keep])
        return N.with_noise(m, weight, density)
    if method == "centre":
        return centre_start(X, n_components, covariance_type, reg_covar, weights=w)
    return _start(X, n_components, method, covariance_type, reg_covar, seed, w).mixture()


def start_statistics(X, n_components: int, method: str = "kmeans", *,
                     covariance_type: str = "full", reg_covar: float = 1e-6, seed=None,
                     weights=None) -> StartStatistics:
    """The start :func:`initialise` makes (without noise), before its M-step: its
    ``mixture()`` is that start, bit for bit.

    Parameters
    ----------
    X, n_components, covariance_type, reg_covar, seed, weights
        As for :func:`initialise`.
    method : {"kmeans", "k-means++", "random", "random_from_data", "hc"}
        The ``"centre"`` start has no statistics of its own.

    Returns
    -------
    StartStatistics
    """
    X = checked_points(X, n_components)
    w = as_sample_weights(weights, X.shape[0])
    if check_init_method(method) == "centre":
        raise InputError("the centre start has no statistics; use initialise()")
    return _start(X, n_components, method, covariance_type, reg_covar, seed, w)


def _start(X, n_components, method, covariance_type, reg_covar, seed, w) -> StartStatistics:
    stats, centres = _cached_start_statistics(X, n_components, method, seed, w)
    return StartStatistics(stats, centres, canonical(covariance_type), float(reg_covar))


class _RestartSequence:
    """The starts that one generator, ``rng_from(seed)``, makes in turn: restart i's
    ``(stats, centres)``, or the exception making it raised, drawn when first asked for.
    Drawn in the same order as :func:`~gmm_explorer.engine.fit.fit`'s restarts draw
    theirs from a shared generator, so each is that restart's start, bit for bit."""

    def __init__(self, X, n_components, method, seed: int, w) -> None:
        self._args = (X, n_components, method)
        self._w = w
        self._rng = rng_from(seed)
        self._made: list = []
        self._lock = threading.Lock()

    def get(self, i: int):
        with self._lock:
            while len(self._made) <= i:
                try:
                    self._made.append(_frozen(_start_statistics(*self._args, self._rng,
                                                                self._w)))
                except Exception as exc:  # that restart's own failure, raised when asked
                    self._made.append(exc)
            made = self._made[i]
        if isinstance(made, Exception):
            raise made
        return made


def restart_starts(X, n_components: int, method: str, seed: int, n: int, *,
                   covariance_type: str, reg_covar: float, weights=None) -> list:
    """The starts of ``n`` restarts drawn in turn from one generator, ``rng_from(seed)``:
    callables, each making its restart's Mixture exactly as :func:`initialise` (without
    noise) makes it from that generator.

    What the starts are fitted to is cached by (points, K, method, seed, weights): the
    cells of one K in a model-selection sweep start every covariance model from the same
    restarts, so k-means (or hc, or the random draws) runs once per restart for all of
    them, and only the M-step runs per model.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Checked points.
    n_components, method
        As for :func:`initialise` (not the "centre" start).
    seed : int
    n : int
        Restarts.
    covariance_type, reg_covar, weights
        As for :func:`initialise`.

    Returns
    -------
    list of callable() -> Mixture
    """
    key = ("restarts", _fingerprint(X), X.shape, _fingerprint(weights), n_components,
           method, int(seed))
    with _STARTS_LOCK:
        sequence = _STARTS.get(key)
        if sequence is None:
            sequence = _RestartSequence(X, n_components, method, int(seed), weights)
            _keep(key, sequence)
        else:
            _STARTS.move_to_end(key)
    model, reg = canonical(covariance_type), float(reg_covar)

    def start(i: int) -> Mixture:
        stats, centres = sequence.get(i)
        return StartStatistics(stats, centres, model, reg).mixture()

    return [partial(start, i) for i in range(n)]


def _hc_labels(X: np.ndarray, n_components: int, rng: np.random.Generator) -> np.ndarray:
    """mclust's hc classes into K groups (its default: VVV on the SVD-transformed data).
    Data hc cannot transform or agglomerate (a column that never varies, all points
    equal) fall back to the untransformed points, then to k-means, so that every
    initialisation starts on any data."""
    from gmm_explorer.engine.hierarchical import hc_labels

    # The seed only draws the subset hc runs on beyond HC_SUBSET points.
    seed = int(rng.integers(2**31))
    for use in ("SVD", "VARS"):
        try:
            return hc_labels(X, n_components, use=use, seed=seed)
        except FitError:
            continue
    return kmeans_labels(X, n_components, rng)


def centre_start(X, n_components: int, covariance_type: str = "full",
                 reg_covar: float = 1e-6, weights=None) -> Mixture:
    """The teaching start: every component at the data's centre, spread evenly along the
    data's minor axis from -1 to +1 standard deviation, each with the data's own
    covariance and an equal weight. Deterministic (no seed).

    EM must first split the components, then walk them to the clusters: on Old Faithful
    with K=2 that takes about twenty visible steps, where k-means starts four steps from
    the optimum and a student never sees EM move.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    n_components : int
    covariance_type : str
    reg_covar : float
    weights : array-like of shape (n_samples,), optional
        Sample weights for the data's centre and covariance.

    Returns
    -------
    Mixture
    """
    from gmm_explorer.engine.mixture import project_covariance_type

    X = checked_points(X, n_components)
    w = as_sample_weights(weights, X.shape[0])
    centre = np.average(X, axis=0, weights=w)
    cov = np.cov(X.T, bias=True, aweights=w).reshape(2, 2) + reg_covar * np.eye(2)
    values, vectors = np.linalg.eigh(cov)  # ascending: column 0 is the minor axis
    offsets = np.linspace(-1.0, 1.0, n_components) if n_components > 1 else np.zeros(1)
    means = centre + offsets[:, None] * math.sqrt(values[0]) * vectors[:, 0]
    full = Mixture(np.full(n_components, 1.0 / n_components), means,
                   np.repeat(cov[None], n_components, axis=0), "full")
    return full if covariance_type == "full" else project_covariance_type(full,
                                                                          covariance_type)


@dataclass(frozen=True, eq=False)
class KMeansDetails:
    """The k-means run behind the ``kmeans`` initialisation.

    Attributes
    ----------
    centroids : ndarray of shape (n_components, 2)
        scipy's final code book: the mean of the points with each label in ``labels``
        (a cluster that emptied keeps its previous centroid).
    labels : ndarray of shape (n_samples,)
        The final assignment (0-based): each point to its nearest centroid *before* the
        last centroid update. ``mixture_from_labels`` on these labels is exactly the
        initial mixture.
    seeds : ndarray of shape (n_components, 2)
        The k-means++ seed points Lloyd's iterations started from.
    converged : bool
        Whether ``labels`` is also the nearest-centroid assignment to ``centroids`` (Lloyd's
        iterations reached a fixed point), i.e. the labels coincide with the Voronoi regions
        of the centroids an overlay draws.
    """

    centroids: np.ndarray
    labels: np.ndarray
    seeds: np.ndarray
    converged: bool

    def __post_init__(self) -> None:
        for name in ("centroids", "labels", "seeds"):  # read-only copies: a frozen value
            a = np.array(getattr(self, name), copy=True)
            a.setflags(write=False)
            object.__setattr__(self, name, a)


def kmeans_details(X, k: int, seed=None) -> KMeansDetails:
    """Exactly the k-means that ``initialise(X, k, "kmeans", seed=seed)`` runs.

    Same code path and the same random numbers, so the overlay shows the centroids and
    regions that produced the initialisation.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    k : int
        Number of clusters, 1 <= k <= n_samples.
    seed : int, Generator or None
        As for :func:`~gmm_explorer.engine.init.initialise` (a Generator is advanced).

    Returns
    -------
    KMeansDetails
    """
    X = checked_points(X, k)
    seeds, centroids, labels = run_kmeans(X, k, rng_from(seed))
    from scipy.cluster.vq import vq  # lazy: scipy.cluster takes 0.1 s to import

    nearest = vq(X, centroids, check_finite=False)[0]
    return KMeansDetails(centroids, labels.astype(np.intp), seeds,
                         bool(np.array_equal(nearest, labels)))
