"""The likelihood landscape: ln p(X | θ) over two of θ's coordinates, the others held.

Pick two scalar parameters, each a coordinate of one component's mean (μ₁ x and μ₂ x
show label switching: swapping two alike components gives the same likelihood, so the
surface has a mirror optimum across the diagonal). :func:`landscape` evaluates the
log-likelihood on a grid of their values; :func:`local_maxima` marks the grid's peaks,
and :func:`parameter_path` gives a run's path through the same two coordinates.

Moving component j's mean changes only its own term of each point's mixture density, so
the grid needs no pass over every component per cell: with ``a_i(u)`` and ``b_i(v)`` the
two moved components' log-joints and ``r_i`` the log-sum of all the others (noise
included), ``ln p(u, v) = Σ_i w_i ln(e^{a_i(u)} + e^{b_i(v)} + e^{r_i})``, evaluated in a
compiled loop over the cells (or ``Σ_i w_i ln(e^{a_i(u, v)} + e^{r_i})`` when both
coordinates are one component's). 100 x 100 cells at N = 10⁴ take about 0.15 s here, and
0.4 s when both coordinates are one component's (``benchmarks/bench_landscape.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.engine._kernels import LOG_2PI
from gmm_explorer.engine.density import _logsumexp_rows, _with_noise, weighted_log_prob
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.validation import as_points, as_sample_weights, readonly
from gmm_explorer.errors import InputError

#: Cells along each side by default.
GRID = 100
#: The default range of a coordinate: the data's range, widened by this fraction of it.
RANGE_PAD = 0.1


@dataclass(frozen=True)
class Coordinate:
    """One scalar parameter: coordinate ``axis`` (0: x, 1: y) of component
    ``component``'s mean (both 0-based)."""

    component: int
    axis: int

    def label(self, names=("x", "y")) -> str:
        """"μ₂ x" (1-based component, the column's name)."""
        return f"μ{str(self.component + 1).translate(_SUB)} {names[self.axis]}"

    def value(self, mixture: Mixture) -> float:
        """This parameter's value in ``mixture``."""
        return float(mixture.means[self.component, self.axis])


_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def coordinates(n_components: int) -> tuple[Coordinate, ...]:
    """Every coordinate a landscape can vary: μ₁ x, μ₁ y, μ₂ x, …"""
    return tuple(Coordinate(j, a) for j in range(n_components) for a in (0, 1))


def default_pair(n_components: int) -> tuple[Coordinate, Coordinate]:
    """μ₁ x against μ₂ x (label switching's mirror), or μ₁ x against μ₁ y for K = 1."""
    if n_components >= 2:
        return Coordinate(0, 0), Coordinate(1, 0)
    return Coordinate(0, 0), Coordinate(0, 1)


def default_values(X, c: Coordinate, n: int = GRID) -> np.ndarray:
    """``n`` values of ``c`` over the data's range in that axis, widened by
    :data:`RANGE_PAD` on each side."""
    x = np.asarray(X, dtype=float)[:, c.axis]
    lo, hi = float(x.min()), float(x.max())
    pad = RANGE_PAD * (hi - lo) if hi > lo else max(1.0, abs(hi))
    return np.linspace(lo - pad, hi + pad, n)


@dataclass(frozen=True, eq=False)
class Landscape:
    """ln p(X | θ) over a grid of two coordinates, the rest of θ held.

    Attributes
    ----------
    first, second : Coordinate
    first_values : ndarray of shape (n_first,)
    second_values : ndarray of shape (n_second,)
    log_likelihood : ndarray of shape (n_first, n_second)
        Totals over the points (weighted); row i is ``first_values[i]``.
    held : Mixture
        The parameters held (and the two coordinates' current values).
    sample_size : float
    """

    first: Coordinate
    second: Coordinate
    first_values: np.ndarray
    second_values: np.ndarray
    log_likelihood: np.ndarray
    held: Mixture
    sample_size: float

    @property
    def best(self) -> tuple[float, float]:
        """The grid's highest cell, as (first value, second value)."""
        i, j = np.unravel_index(np.nanargmax(self.log_likelihood), self.log_likelihood.shape)
        return float(self.first_values[i]), float(self.second_values[j])

    @property
    def mirror_of_held(self) -> tuple[float, float] | None:
        """Where label switching puts the held parameters: the two coordinates swapped,
        when they are the same axis of two components (None otherwise)."""
        if self.first.axis != self.second.axis or self.first.component == self.second.component:
            return None
        return self.second.value(self.held), self.first.value(self.held)


def _check(mixture: Mixture, c: Coordinate) -> None:
    if not (0 <= c.component < mixture.n_components and c.axis in (0, 1)):
        raise InputError(f"{c.label()} is not a parameter of a mixture of "
                         f"{mixture.n_components} component(s)")


def _moved(X, mixture: Mixture, j: int, axis: int, values: np.ndarray) -> np.ndarray:
    """Component ``j``'s log-joint at every point with its mean's ``axis`` set to each of
    ``values``: (n_samples, n_values)."""
    u = mixture.precision_chol[j]
    const = math.log(mixture.weights[j]) + mixture.log_det_precision_chol[j] - LOG_2PI
    if axis == 0:
        dx = X[:, 0:1] - values[None, :]
        dy = (X[:, 1] - mixture.means[j, 1])[:, None]
    else:
        dx = (X[:, 0] - mixture.means[j, 0])[:, None]
        dy = X[:, 1:2] - values[None, :]
    y0 = u[0] * dx
    y1 = u[1] * dx + u[2] * dy
    return const - 0.5 * (y0 * y0 + y1 * y1)


def _rest(X, mixture: Mixture, moved: tuple[int, ...]) -> np.ndarray:
    """Log-sum of every component's log-joint but ``moved`` (the noise's included), per
    point; -inf where nothing is left."""
    lp = _with_noise(weighted_log_prob(X, mixture), mixture)
    keep = [k for k in range(lp.shape[1]) if k not in moved]
    if not keep:
        return np.full(X.shape[0], -np.inf)
    return _logsumexp_rows(lp[:, keep])


def landscape(X, mixture: Mixture, first: Coordinate, second: Coordinate, *,
              first_values=None, second_values=None, weights=None, progress=None,
              cancelled=None) -> Landscape | None:
    """ln p(X | θ) with ``first`` and ``second`` set to every pair of their values and the
    rest of θ as in ``mixture``.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    mixture : Mixture
    first, second : Coordinate
        Two different coordinates.
    first_values, second_values : array-like, optional
        Default :func:`default_values`.
    weights : array-like of shape (n_samples,), optional
    progress : callable(done, total), optional
        Called after each row of the grid.
    cancelled : callable() -> bool, optional
        Checked between rows: when it says stop, None is returned.

    Returns
    -------
    Landscape or None

    Raises
    ------
    InputError
        Bad points, a coordinate the mixture does not have, or the same one twice.
    """
    X = as_points(X)
    w = as_sample_weights(weights, X.shape[0])
    for c in (first, second):
        _check(mixture, c)
    if first == second:
        raise InputError(f"choose two different parameters, not {first.label()} twice")
    va = default_values(X, first) if first_values is None else np.asarray(first_values, float)
    vb = default_values(X, second) if second_values is None else np.asarray(second_values,
                                                                             float)
    ww = np.ones(X.shape[0]) if w is None else w
    out = np.zeros((va.size, vb.size))
    same = first.component == second.component
    moved = (first.component,) if same else (first.component, second.component)
    # Points in blocks (memory stays bounded at any N), each block's sums added to the
    # grid in block order; progress and cancel between blocks.
    n = X.shape[0]
    block = max(1, min(n, POINTS_PER_UNIT // max(va.size, vb.size)))
    units = -(-n // block)
    for u_i, lo in enumerate(range(0, n, block)):
        if cancelled is not None and cancelled():
            return None
        hi = min(n, lo + block)
        Xb, wb = X[lo:hi], ww[lo:hi]
        # Clipped so the kernels need no case for -inf (a log-joint of -1e300 is as
        # unlikely as -inf, and its exp is 0 all the same).
        rest = np.maximum(_rest(Xb, mixture, moved), _FLOOR)
        if same:
            j = first.component
            mean = np.empty((va.size, vb.size, 2))
            mean[:, :, first.axis] = va[:, None]
            mean[:, :, second.axis] = vb[None, :]
            const = (math.log(mixture.weights[j]) + mixture.log_det_precision_chol[j]
                     - LOG_2PI)
            _same_cells(np.ascontiguousarray(Xb[:, 0]), np.ascontiguousarray(Xb[:, 1]), wb,
                        rest, np.array(mixture.precision_chol[j]), max(const, _FLOOR),
                        np.ascontiguousarray(mean[:, :, 0]),
                        np.ascontiguousarray(mean[:, :, 1]), out)
        else:
            a = np.maximum(_moved(Xb, mixture, first.component, first.axis, va), _FLOOR)
            b = np.maximum(_moved(Xb, mixture, second.component, second.axis, vb), _FLOOR)
            _pair_cells(np.ascontiguousarray(a.T), np.ascontiguousarray(b.T), rest, wb, out)
        if progress is not None:
            progress(u_i + 1, units)
    total = float(n if w is None else np.sum(w))
    return Landscape(first, second, readonly(va), readonly(vb), readonly(out), mixture, total)


#: Points x grid side per unit of work (between cancels): about 10 ms of the kernels.
POINTS_PER_UNIT = 200_000
_FLOOR = -1e300


def _pair_cells_numpy(a_t, b_t, rest, w, out) -> None:
    """``out[i, j] += Σ_p w_p ln(e^{a_t[i, p]} + e^{b_t[j, p]} + e^{rest_p})``."""
    for i in range(a_t.shape[0]):
        stacked = np.stack([np.broadcast_to(a_t[i], b_t.shape), b_t,
                            np.broadcast_to(rest, b_t.shape)], axis=2)
        mx = stacked.max(axis=2)
        out[i] += (mx + np.log(np.exp(stacked - mx[..., None]).sum(axis=2))) @ w


def _same_cells_numpy(xs, ys, w, rest, u, const, mean_x, mean_y, out) -> None:
    """``out[i, j] += Σ_p w_p ln(e^{a_p(i, j)} + e^{rest_p})``, ``a_p(i, j)`` the moved
    component's log-joint at point p with its mean at (mean_x[i, j], mean_y[i, j])."""
    for i in range(mean_x.shape[0]):
        dx = xs[:, None] - mean_x[i][None, :]
        dy = ys[:, None] - mean_y[i][None, :]
        y0 = u[0] * dx
        y1 = u[1] * dx + u[2] * dy
        a = np.maximum(const - 0.5 * (y0 * y0 + y1 * y1), _FLOOR)
        out[i] += w @ np.logaddexp(a, rest[:, None])


if _kernels.HAVE_NUMBA:
    from gmm_explorer.engine.lazy_jit import njit, prange

    from gmm_explorer.engine.fast_fit import _log_normaliser  # log of a sum in [1, K]

    _exp = _kernels._exp_nonpositive
    LANES = 8

    #: Below this a sum of exponentials has lost precision (or underflowed): the cell is
    #: summed again term by term.
    _TINY = 1e-290

    @njit(cache=True, inline="always", error_model="numpy")
    def _lanes_sum(tmp, n):  # pragma: no cover
        # tmp[:n] summed in a fixed order: LANES running sums, then the tail.
        whole = n - n % LANES
        acc = np.zeros(LANES)
        for start in range(0, whole, LANES):
            for t in range(LANES):
                acc[t] += tmp[start + t]
        total = 0.0
        for t in range(LANES):
            total += acc[t]
        for p in range(whole, n):
            total += tmp[p]
        return total

    @njit(cache=True, parallel=True, error_model="numpy")
    def _pair_cells(a_t, b_t, rest, w, out):  # pragma: no cover - compiled; tested
        # ln(e^a + e^b + e^r) = c + ln(e^{a-c} + e^{b-c} + e^{r-c}) with c the point's
        # largest value over the whole grid: the exponentials are taken once per point
        # and grid value (not per cell), each cell then costs two adds and a log. A cell
        # where some point's sum is tiny (every term far below c) is summed again with
        # the cell's own maximum. Each cell's sum runs in a fixed order on one thread:
        # the grid is the same for any thread count.
        na, nb, n = a_t.shape[0], b_t.shape[0], a_t.shape[1]
        c = rest.copy()
        for i in range(na):
            for p in range(n):
                c[p] = max(c[p], a_t[i, p])
        for j in range(nb):
            for p in range(n):
                c[p] = max(c[p], b_t[j, p])
        ea = np.empty((na, n))
        eb = np.empty((nb, n))
        er = np.empty(n)
        for i in prange(na):
            for p in range(n):
                ea[i, p] = _exp(a_t[i, p] - c[p])
        for j in prange(nb):
            for p in range(n):
                eb[j, p] = _exp(b_t[j, p] - c[p])
        for p in range(n):
            er[p] = _exp(rest[p] - c[p])
        for i in prange(na):
            tmp = np.empty(n)
            small = np.empty(n, dtype=np.int64)
            for j in range(nb):
                for p in range(n):
                    s = ea[i, p] + eb[j, p] + er[p]
                    small[p] = s < _TINY
                    tmp[p] = w[p] * (c[p] + _log_normaliser(max(s, _TINY)))
                if small.sum() > 0:
                    for p in range(n):
                        x = a_t[i, p]
                        y = b_t[j, p]
                        z = rest[p]
                        m = max(x, max(y, z))
                        tmp[p] = w[p] * (m + _log_normaliser(_exp(x - m) + _exp(y - m)
                                                             + _exp(z - m)))
                out[i, j] += _lanes_sum(tmp, n)

    @njit(cache=True, inline="always", error_model="numpy")
    def _same_term(x, y, w, z, u0, u1, u2, const, m0, m1):  # pragma: no cover
        # One point's w ln(e^a + e^z), a the moved component's log-joint at its mean
        # (m0, m1).
        dx = x - m0
        dy = y - m1
        y0 = u0 * dx
        y1 = u1 * dx + u2 * dy
        a = max(const - 0.5 * (y0 * y0 + y1 * y1), -1e300)
        m = max(a, z)
        return w * (m + _log_normaliser(_exp(a - m) + _exp(z - m)))

    @njit(cache=True, parallel=True, error_model="numpy")
    def _same_cells(xs, ys, w, rest, u, const, mean_x, mean_y, out):  # pragma: no cover
        na, nb, n = mean_x.shape[0], mean_x.shape[1], xs.shape[0]
        u0, u1, u2 = u[0], u[1], u[2]
        for i in prange(na):
            tmp = np.empty(n)
            for j in range(nb):
                m0 = mean_x[i, j]
                m1 = mean_y[i, j]
                for p in range(n):
                    tmp[p] = _same_term(xs[p], ys[p], w[p], rest[p], u0, u1, u2, const,
                                        m0, m1)
                out[i, j] += _lanes_sum(tmp, n)

else:  # pragma: no cover - exercised only without numba
    _pair_cells = _pair_cells_numpy
    _same_cells = _same_cells_numpy


def local_maxima(scape: Landscape) -> tuple[tuple[float, float], ...]:
    """The grid cells higher than all their neighbours (8 around, fewer on the edge; a
    plateau counts once), as (first value, second value), highest first. A maximum on
    the edge may be a slope that continues outside the grid."""
    g = np.asarray(scape.log_likelihood)
    padded = np.pad(g, 1, constant_values=-np.inf)
    peak = np.isfinite(g)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di == 0 and dj == 0:
                continue
            neighbour = padded[1 + di:1 + di + g.shape[0], 1 + dj:1 + dj + g.shape[1]]
            # Strictly above the earlier neighbours and at least the later ones: one cell
            # of a flat top is kept.
            peak &= g > neighbour if (di, dj) < (0, 0) else g >= neighbour
    idx = np.argwhere(peak)
    order = np.argsort(-g[peak], kind="stable")
    return tuple((float(scape.first_values[i]), float(scape.second_values[j]))
                 for i, j in idx[order])


def parameter_path(states, first: Coordinate, second: Coordinate) -> np.ndarray:
    """The two coordinates' values at each of ``states`` (Mixtures): (n_states, 2); rows
    of states without those components are NaN."""
    out = np.full((len(states), 2), np.nan)
    for i, m in enumerate(states):
        if first.component < m.n_components and second.component < m.n_components:
            out[i] = first.value(m), second.value(m)
    return out
