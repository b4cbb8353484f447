"""Synthetic 2-D data sets for teaching: where a Gaussian mixture works, and where not.

Every generator takes ``n`` (points), ``k`` (clusters, where it applies) and ``seed``,
and returns ``(points, labels)``: an (n, 2) float64 array and the (n,) integer cluster
each point came from (ground truth). The same seed gives the same data.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.errors import InputError


def _counts(n: int, weights) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    c = np.floor(n * w / w.sum()).astype(int)
    c[: n - c.sum()] += 1
    return c


def _centres(k: int, rng, spread: float) -> np.ndarray:
    # Centres on a jittered circle, so clusters never sit on top of each other.
    t = 2 * np.pi * (np.arange(k) / k + rng.uniform(0, 0.25 / k))
    r = spread * (1 + 0.15 * rng.standard_normal(k))
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1) if k > 1 else np.zeros((1, 2))


def _gaussians(n, centres, covs, weights, rng):
    counts = _counts(n, weights)
    pts, lab = [], []
    for j, (c, cov, m) in enumerate(zip(centres, covs, counts)):
        L = np.linalg.cholesky(cov)
        pts.append(c + rng.standard_normal((m, 2)) @ L.T)
        lab.append(np.full(m, j))
    order = rng.permutation(n)
    return np.concatenate(pts)[order], np.concatenate(lab)[order]


def separated_blobs(n, k, seed):
    """Round, well-separated clusters of equal size: EM's easy case."""
    rng = np.random.default_rng(seed)
    return _gaussians(n, _centres(k, rng, 3.0 * k), [np.eye(2)] * k, np.ones(k), rng)


def overlapping_blobs(n, k, seed):
    """Round clusters that overlap: soft responsibilities matter."""
    rng = np.random.default_rng(seed)
    return _gaussians(n, _centres(k, rng, 1.2 * k), [np.eye(2)] * k, np.ones(k), rng)


def elongated(n, k, seed):
    """Long, rotated clusters: needs full covariances (spherical fails)."""
    rng = np.random.default_rng(seed)
    covs = []
    for _ in range(k):
        a = rng.uniform(0, np.pi)
        R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        covs.append(R @ np.diag([6.0, 0.25]) @ R.T)
    return _gaussians(n, _centres(k, rng, 4.0 * k), covs, np.ones(k), rng)


def unequal_sizes(n, k, seed):
    """Clusters with very different weights and spreads."""
    rng = np.random.default_rng(seed)
    w = 2.0 ** -np.arange(k)
    covs = [np.eye(2) * s for s in np.linspace(2.5, 0.3, k)]
    return _gaussians(n, _centres(k, rng, 3.5 * k), covs, w, rng)


def two_moons(n, k, seed):
    """Two interleaved half-circles: not Gaussian, so a mixture needs many components."""
    rng = np.random.default_rng(seed)
    c = _counts(n, [1, 1])
    t1 = rng.uniform(0, np.pi, c[0])
    t2 = rng.uniform(0, np.pi, c[1])
    a = np.stack([np.cos(t1), np.sin(t1)], axis=1)
    b = np.stack([1 - np.cos(t2), 0.5 - np.sin(t2)], axis=1)
    pts = np.concatenate([a, b]) * 4 + rng.normal(scale=0.35, size=(n, 2))
    lab = np.concatenate([np.zeros(c[0], int), np.ones(c[1], int)])
    order = rng.permutation(n)
    return pts[order], lab[order]


def ring(n, k, seed):
    """A ring around a central blob: the ring is no Gaussian at all."""
    rng = np.random.default_rng(seed)
    c = _counts(n, [2, 1])
    t = rng.uniform(0, 2 * np.pi, c[0])
    r = 6 + rng.normal(scale=0.4, size=c[0])
    ring_pts = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    blob = rng.normal(scale=1.0, size=(c[1], 2))
    pts = np.concatenate([ring_pts, blob])
    lab = np.concatenate([np.zeros(c[0], int), np.ones(c[1], int)])
    order = rng.permutation(n)
    return pts[order], lab[order]


def blobs_with_noise(n, k, seed):
    """Clusters plus 15% uniform background noise (label k): outliers pull components."""
    rng = np.random.default_rng(seed)
    n_noise = int(round(0.15 * n))
    pts, lab = separated_blobs(n - n_noise, k, seed)
    lo, hi = pts.min(axis=0) - 3, pts.max(axis=0) + 3
    noise = rng.uniform(lo, hi, size=(n_noise, 2))
    pts = np.concatenate([pts, noise])
    lab = np.concatenate([lab, np.full(n_noise, k)])
    order = rng.permutation(n)
    return pts[order], lab[order]


def several_optima(n, k, seed):
    """Blobs in close pairs, the pairs far apart: EM with K = k has several local optima.

    Oval blobs (standard deviations 0.7-1 along the long axis, half that across) sit in
    pairs 5 apart, and the pairs (plus a lone blob when k is odd) 25 apart on a circle.
    A start with one component for both blobs of a pair and two components in one blob
    elsewhere (common with ``random_from_data``) converges there: no component can cross
    the gap between groups. The best optimum has one component per blob; the others
    merge a pair and split a blob, in as many ways as there are pairs and blobs.
    """
    rng = np.random.default_rng(seed)
    n_groups = (k + 1) // 2
    # Group centres on a circle, 25 units apart; a pair is split 5 units along a random axis.
    radius = 25.0 / (2.0 * np.sin(np.pi / n_groups)) if n_groups > 1 else 0.0
    t = 2 * np.pi * (np.arange(n_groups) / n_groups + rng.uniform(0, 1))
    groups = np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1)
    centres = []
    for g in range(n_groups):
        if len(centres) + 2 <= k:
            a = rng.uniform(0, np.pi)
            offset = 2.5 * np.array([np.cos(a), np.sin(a)])
            centres += [groups[g] - offset, groups[g] + offset]
        else:
            centres.append(groups[g])
    # Oval, not round, blobs: two components sharing a blob then split it across its long
    # axis, rather than along whichever direction a round blob's flat likelihood leaves them.
    covs = []
    for sd in rng.uniform(0.7, 1.0, size=k):
        a = rng.uniform(0, np.pi)
        R = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        covs.append(R @ np.diag([sd * sd, 0.25 * sd * sd]) @ R.T)
    return _gaussians(n, np.array(centres), covs, np.ones(k), rng)


#: key -> (title, generator, whether K applies)
GENERATORS = {
    "separated": ("Well-separated blobs", separated_blobs, True),
    "overlapping": ("Overlapping blobs", overlapping_blobs, True),
    "elongated": ("Elongated, rotated clusters", elongated, True),
    "unequal": ("Unequal sizes", unequal_sizes, True),
    "moons": ("Two moons (not Gaussian)", two_moons, False),
    "ring": ("Ring around a blob (not Gaussian)", ring, False),
    "noise": ("Clusters plus uniform noise", blobs_with_noise, True),
    "optima": ("Several local optima (pairs of blobs)", several_optima, True),
}


def generate(kind: str, n: int, k: int = 3, seed: int = 0):
    """Generate data set ``kind`` (a key of :data:`GENERATORS`).

    Returns
    -------
    points : ndarray of shape (n, 2)
    labels : ndarray of shape (n,)
    """
    if kind not in GENERATORS:
        raise InputError(f"unknown generator {kind!r}; expected one of " + ", ".join(GENERATORS))
    if not (isinstance(n, (int, np.integer)) and 2 <= n <= 10_000_000):
        raise InputError(f"N must be a whole number from 2 to 10,000,000, got {n!r}")
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= 20):
        raise InputError(f"K must be a whole number from 1 to 20, got {k!r}")
    return GENERATORS[kind][1](int(n), int(k), int(seed))
