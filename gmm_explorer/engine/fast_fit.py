"""A whole EM run in one compiled loop, for model selection's many small fits.

Model selection fits K = 1..9 for each of the fourteen models, ten restarts each: some
80,000 EM iterations on Old Faithful. Through :func:`~gmm_explorer.engine.em.half_steps`
each iteration costs about 250 µs, nearly all of it numpy's per-call overhead on 2x2
matrices (the M-step builds and checks a :class:`~gmm_explorer.engine.mixture.Mixture`
every time). Here the E-pass, the M-step of every model and scikit-learn's stop rule run
in one numba loop, with the 2x2 algebra written out (eigen-decompositions and the
orthogonal Procrustes fits in closed form), and only the final state becomes a
:class:`~gmm_explorer.engine.steps.StepResult` (through the engine's ``step_result``).

Its E-pass lets LLVM fuse multiplies and adds (``fastmath={"contract"}`` only, no other
value-changing flag: about 10% faster here), so its last bits may differ between machines
with and without FMA, never between runs on one machine. It computes what
:func:`~gmm_explorer.engine.em.iterate` computes, to rounding:
``tests/engine/test_fast_fit.py`` runs both for every model and compares the states.
It covers plain EM (no locks, prior, noise or other algorithm) with numba available;
:func:`applies` says when, and callers fall back to the ordinary loop otherwise.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer.engine import _kernels
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.models import INNER_MAX_ITER, INNER_TOL, mclust_code
from gmm_explorer.engine.mstep import NK_FLOOR, StartStatistics
from gmm_explorer.engine.steps import EMSettings, EStep, StepResult, step_result
from gmm_explorer.errors import FitError

#: The models in the loop's numbering (mclust codes; scikit-learn's four first).
CODES = ("VVV", "EEE", "VVI", "VII", "EII", "EEI", "EVI", "EVV", "EEV", "VEI", "VEE", "EVE",
         "VVE", "VEV")

#: Outcomes of the loop (its ``status``).
OK, LOST, NOT_PD, NON_FINITE, COLLAPSED = 0, 1, 2, 3, 4

_RTEPS = float(np.sqrt(np.finfo(np.float64).eps))
_EPS = float(np.finfo(np.float64).eps)
_BIG = float(np.finfo(np.float64).max) / 2
_LOG_2PI = _kernels.LOG_2PI


#: The most work (N x K x max_iter) a run in the compiled loop may take. A run cannot be
#: cancelled inside the loop, so it must be short: about 0.1 s on this project's machine
#: (200,000 point-components for 100 iterations). Beyond it the E-pass dominates anyway and
#: the ordinary loop, which checks the cancel every iteration, loses little.
MAX_WORK = 200_000 * 100
#: The largest N x K at the default 100 iterations.
MAX_PAIRS = MAX_WORK // 100


def applies(start: Mixture | StartStatistics, settings: EMSettings, *, locks=None,
            backend=None, n_samples: int = 0) -> bool:
    """Whether :func:`run` can fit from ``start`` with ``settings`` on ``n_samples``
    points: plain EM (no locks, conjugate prior, noise component or variational
    posterior), a start already of the run's model, at most :data:`MAX_WORK` points x
    components x ``settings.max_iter``, and the numba kernels available."""
    work = n_samples * start.n_components * max(1, settings.max_iter)
    plain = isinstance(start, StartStatistics) or (not start.has_noise
                                                   and start.posterior is None)
    return (_kernels.HAVE_NUMBA and backend in (None, "numba") and settings.algorithm == "em"
            and work <= MAX_WORK
            and not settings.prior and not settings.noise and plain
            and (locks is None or not locks.any)
            and start.covariance_type == settings.covariance_type)


def run(X: np.ndarray, start: Mixture | StartStatistics, settings: EMSettings,
        weights: np.ndarray | None = None) -> StepResult:
    """The final state of the EM run :func:`~gmm_explorer.engine.em.iterate` makes from
    ``start`` (see :func:`applies`): the state where it converged or reached
    ``settings.max_iter``, with the loop's last E-pass (its statistics and
    log-likelihood) as its :class:`~gmm_explorer.engine.steps.EStep`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
        Checked points (C-contiguous float64).
    start : Mixture or StartStatistics
        The start's parameters, or its statistics: then the loop makes the start by its
        own M-step (what ``start.mixture()`` makes, to rounding) and runs on from it.
    settings : EMSettings
    weights : ndarray of shape (n_samples,), optional
        Checked sample weights.

    Raises
    ------
    FitError
        Where the ordinary loop raises one: a point of zero density under every
        component, a covariance that is not positive definite, an overflow, or an mclust
        model's component collapsing; from statistics, also where ``start.mixture()``
        raises one.
    """
    code = CODES.index(mclust_code(settings.covariance_type))
    weighted = weights is not None
    w = weights if weighted else np.empty(0)
    if isinstance(start, StartStatistics):
        k = start.n_components
        # Copies: the cached statistics are read-only, and a read-only array would be
        # another compiled signature.
        params = (np.empty(k), np.array(start.centres, dtype=np.float64),
                  np.zeros((k, 2, 2)), np.array(start.stats, dtype=np.float64), True)
    else:
        params = (np.array(start.weights, dtype=np.float64),
                  np.array(start.means, dtype=np.float64),
                  np.array(start.covariances, dtype=np.float64), np.empty((0, 6)), False)
    pi0, means0, cov0, stats0, from_stats = params
    status, where, it, history, pi, means, cov, stats, ll = _fit_loop(
        X, w, weighted, pi0, means0, cov0, code, float(settings.reg_covar),
        float(settings.tol), int(settings.max_iter), INNER_TOL, INNER_MAX_ITER, stats0,
        from_stats)
    if status != OK:
        raise _error(status, where, settings.reg_covar)
    final = Mixture(pi, means, cov, settings.covariance_type, True)
    # The loop's last pass is the final state's E-pass (statistics about its means).
    e = EStep(final, float(ll), X.shape[0], stats, None,
              total_weight=None if weights is None else float(np.sum(weights)))
    return step_result(it, e, tuple(history[max(0, it - 2):it]), settings)


def _error(status: int, j: int, reg_covar: float) -> FitError:
    if status == LOST:
        return FitError("some point has zero density under every component: it lies too "
                        "far from every component for double precision. Rescale the data "
                        "(e.g. standardise it), increase reg_covar, or initialise the "
                        "components nearer the data.")
    if status == NON_FINITE:
        return FitError(f"component {j + 1} overflowed to a non-finite mean or covariance: "
                        "the data are too large for double precision; rescale the data "
                        "(e.g. standardise it).")
    if status == NOT_PD:
        return FitError(f"component {j + 1} has a covariance that is not positive definite "
                        "(collapsed onto a point or a line). Increase reg_covar (now "
                        f"{reg_covar:g}), use fewer components, or rescale the data.")
    return FitError("a component collapsed (a shape or volume fell to mclust's floor "
                    "sqrt(eps)); increase reg_covar, use fewer components, or another model")


if _kernels.HAVE_NUMBA:
    from gmm_explorer.engine.lazy_jit import njit

    _exp = _kernels._exp_nonpositive

    _LN2 = math.log(2.0)
    _SQRT2 = math.sqrt(2.0)

    @njit(cache=True, inline="always", error_model="numpy")
    def _log_normaliser(s):  # pragma: no cover
        # log(s) for a point's normaliser s = sum_k exp(lp_k - max) in [1, K]: in plain
        # arithmetic so that the loop over the points vectorises (libm's log is a call).
        # s = m 2**e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(z), z = (m-1)/(m+1),
        # |z| < 0.1716, by its series to z**23 (truncation < 1e-19): within an ulp or two.
        bits = np.float64(s).view(np.int64)
        e = ((bits >> 52) & 0x7FF) - 1023
        m = np.int64((bits & 0xFFFFFFFFFFFFF) | (1023 << 52)).view(np.float64)
        big = m >= _SQRT2
        m = m * 0.5 if big else m
        e = e + 1 if big else e
        z = (m - 1.0) / (m + 1.0)
        z2 = z * z
        p = 1.0 / 23.0
        p = p * z2 + 1.0 / 21.0
        p = p * z2 + 1.0 / 19.0
        p = p * z2 + 1.0 / 17.0
        p = p * z2 + 1.0 / 15.0
        p = p * z2 + 1.0 / 13.0
        p = p * z2 + 1.0 / 11.0
        p = p * z2 + 1.0 / 9.0
        p = p * z2 + 1.0 / 7.0
        p = p * z2 + 1.0 / 5.0
        p = p * z2 + 1.0 / 3.0
        p = p * z2 + 1.0
        return e * _LN2 + 2.0 * z * p

    @njit(cache=True, inline="always", error_model="numpy")
    def _eig_sym(a, b, c):  # pragma: no cover - compiled; tested against numpy
        """Eigenvalues (descending) and the unit eigenvector of the larger of the
        symmetric [[a, b], [b, c]]: (l1, l2, v1x, v1y); the other vector is (-v1y, v1x)."""
        m = 0.5 * (a + c)
        r = math.hypot(0.5 * (a - c), b)
        l1 = m + r
        l2 = m - r
        det = a * c - b * b
        if l1 > 0.0 and abs(l2) < 0.25 * abs(l1):
            l2 = det / l1  # without the cancellation of m - r
        theta = 0.5 * math.atan2(2.0 * b, a - c)
        return l1, l2, math.cos(theta), math.sin(theta)

    @njit(cache=True, inline="always", error_model="numpy")
    def _polar(a, b, c, d):  # pragma: no cover
        """The orthogonal factor U Vᵀ of the SVD of [[a, b], [c, d]] (the nearest
        rotation, or reflection when the determinant is negative): (q00, q01, q10, q11)."""
        if a * d - b * c >= 0.0:
            p, q = a + d, c - b
            s = math.hypot(p, q)
            if s == 0.0:  # F = 0: the SVD's U = V = I
                return 1.0, 0.0, 0.0, 1.0
            return p / s, -q / s, q / s, p / s
        p, q = a - d, b + c
        s = math.hypot(p, q)
        return p / s, q / s, q / s, -p / s

    #: Lanes of the pass's per-lane sums (fixed-order sums that LLVM can vectorise).
    LANES = 8

    @njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
    def _pass(xs, ys, w, weighted, pi, means, cov, stats, lp, mx, inv):  # pragma: no cover
        """The E-pass (serial) over the points' coordinates ``xs``, ``ys``, statistics
        about ``means`` into ``stats``; returns (status, log-likelihood, total weight).
        ``lp`` (K, N), ``mx`` and ``inv`` (N,) are scratch. Each loop runs over the
        points of one component, on contiguous arrays, so it vectorises."""
        n = xs.shape[0]
        k = pi.shape[0]
        for i in range(n):
            mx[i] = -np.inf
            inv[i] = 0.0
        for j in range(k):
            l11 = math.sqrt(cov[j, 0, 0])
            l21 = cov[j, 1, 0] / l11
            l22 = math.sqrt(cov[j, 1, 1] - l21 * l21)
            u00 = 1.0 / l11
            u01 = -(l21 / l11) / l22
            u11 = 1.0 / l22
            c = math.log(pi[j]) + (-math.log(l11) - math.log(l22)) - _LOG_2PI
            m0 = means[j, 0]
            m1 = means[j, 1]
            for i in range(n):
                dx = xs[i] - m0
                dy = ys[i] - m1
                y0 = u00 * dx
                y1 = u01 * dx + u11 * dy
                v = c - 0.5 * (y0 * y0 + y1 * y1)
                lp[j, i] = v
                mx[i] = max(mx[i], v)
        for i in range(n):
            if not (mx[i] > -np.inf):
                return LOST, 0.0, 0.0
        for j in range(k):
            for i in range(n):
                e = _exp(lp[j, i] - mx[i])
                lp[j, i] = e
                inv[i] += e
        for i in range(n):
            lp_max = mx[i]
            mx[i] = lp_max + _log_normaliser(inv[i])  # now each point's log-density
        ll = 0.0
        total = 0.0
        if weighted:
            for i in range(n):
                ll += w[i] * mx[i]
                total += w[i]
                inv[i] = w[i] / inv[i]
        else:
            for i in range(n):
                ll += mx[i]
                inv[i] = 1.0 / inv[i]
            total = float(n)
        acc = np.zeros((6, LANES))
        whole = n - n % LANES
        for j in range(k):
            m0 = means[j, 0]
            m1 = means[j, 1]
            acc[:, :] = 0.0
            for start in range(0, whole, LANES):
                for t in range(LANES):
                    i = start + t
                    r = lp[j, i] * inv[i]
                    dx = xs[i] - m0
                    dy = ys[i] - m1
                    rdx = r * dx
                    rdy = r * dy
                    acc[0, t] += r
                    acc[1, t] += rdx
                    acc[2, t] += rdy
                    acc[3, t] += rdx * dx
                    acc[4, t] += rdx * dy
                    acc[5, t] += rdy * dy
            for i in range(whole, n):
                r = lp[j, i] * inv[i]
                dx = xs[i] - m0
                dy = ys[i] - m1
                rdx = r * dx
                rdy = r * dy
                acc[0, 0] += r
                acc[1, 0] += rdx
                acc[2, 0] += rdy
                acc[3, 0] += rdx * dx
                acc[4, 0] += rdx * dy
                acc[5, 0] += rdy * dy
            for c in range(6):
                tot = 0.0
                for t in range(LANES):
                    tot += acc[c, t]
                stats[j, c] = tot
        return OK, ll, total

    @njit(cache=True, error_model="numpy")
    def _vei(wxx, wyy, nk, prev, has_prev, tol, max_iter, cov):  # pragma: no cover
        k = nk.shape[0]
        scale = np.ones(k)
        sh0 = 1.0
        sh1 = 1.0
        if has_prev:
            for j in range(k):
                scale[j] = math.sqrt(prev[j, 0, 0] * prev[j, 1, 1])
            sh0 = prev[0, 0, 0] / scale[0]
            sh1 = prev[0, 1, 1] / scale[0]
        for _ in range(max_iter):
            if min(sh0, sh1) <= _EPS:
                return COLLAPSED
            o0, o1 = sh0, sh1
            old = scale.copy()
            for j in range(k):
                scale[j] = (wxx[j] / sh0 + wyy[j] / sh1) / (nk[j] * 2.0)
                if scale[j] <= _EPS:
                    return COLLAPSED
            a0 = 0.0
            a1 = 0.0
            for j in range(k):
                a0 += wxx[j] / scale[j]
                a1 += wyy[j] / scale[j]
            if min(a0, a1) <= _EPS:
                return COLLAPSED
            g = math.exp(0.5 * (math.log(a0) + math.log(a1)))
            sh0 = a0 / g
            sh1 = a1 / g
            err = 0.0
            for j in range(k):
                err = max(err, abs(old[j] - scale[j]) / (1.0 + scale[j]))
            err = max(err, abs(o0 - sh0) / (1.0 + sh0), abs(o1 - sh1) / (1.0 + sh1))
            if err <= tol:
                break
        for j in range(k):
            cov[j, 0, 0] = scale[j] * sh0
            cov[j, 1, 1] = scale[j] * sh1
            cov[j, 0, 1] = 0.0
        return OK

    @njit(cache=True, error_model="numpy")
    def _vee(wxx, wxy, wyy, nk, tol, max_iter, cov):  # pragma: no cover
        k = nk.shape[0]
        n = nk.sum()
        scale = np.ones(k)
        trgt_prev = _BIG
        c00 = c01 = c11 = 0.0
        for _ in range(max_iter):
            c00 = c01 = c11 = 0.0
            for j in range(k):
                c00 += wxx[j] / scale[j]
                c01 += wxy[j] / scale[j]
                c11 += wyy[j] / scale[j]
            l1, l2, _, _ = _eig_sym(c00, c01, c11)
            f = math.sqrt(math.exp(math.log(l1) + math.log(l2)))
            c00 /= f
            c01 /= f
            c11 /= f
            det = c00 * c11 - c01 * c01
            i00, i01, i11 = c11 / det, -c01 / det, c00 / det
            trgt = n * 2.0
            for j in range(k):
                scale[j] = (wxx[j] * i00 + 2.0 * wxy[j] * i01 + wyy[j] * i11) / (2.0 * nk[j])
                if scale[j] <= 0.0:
                    return COLLAPSED
                trgt += 2.0 * math.log(scale[j]) * nk[j]
            err = abs(trgt - trgt_prev) / (1.0 + abs(trgt))
            trgt_prev = trgt
            if err <= tol:
                break
        _, l2, _, _ = _eig_sym(c00, c01, c11)
        if l2 <= _RTEPS or scale.min() <= _RTEPS:
            return COLLAPSED
        for j in range(k):
            cov[j, 0, 0] = scale[j] * c00
            cov[j, 0, 1] = scale[j] * c01
            cov[j, 1, 1] = scale[j] * c11
        return OK

    @njit(cache=True, error_model="numpy")
    def _eve_vve(wxx, wxy, wyy, nk, vvar, prev, has_prev, tol, max_iter,
                 cov):  # pragma: no cover
        k = nk.shape[0]
        # O: rows are the common axes.
        o00, o01, o10, o11 = 1.0, 0.0, 0.0, 1.0
        shape = np.ones((k, 2))
        if has_prev:
            _, _, vx, vy = _eig_sym(prev[0, 0, 0], prev[0, 0, 1], prev[0, 1, 1])
            o00, o01, o10, o11 = vx, vy, -vy, vx
            for j in range(k):
                a, b, c = prev[j, 0, 0], prev[j, 0, 1], prev[j, 1, 1]
                d0 = o00 * (a * o00 + b * o01) + o01 * (b * o00 + c * o01)
                d1 = o10 * (a * o10 + b * o11) + o11 * (b * o10 + c * o11)
                g = math.sqrt(d0 * d1)
                shape[j, 0] = d0 / g
                shape[j, 1] = d1 / g
        omega = np.empty(k)
        for j in range(k):
            l1, l2, _, _ = _eig_sym(wxx[j], wxy[j], wyy[j])
            if l2 < _RTEPS:
                return COLLAPSED
            omega[j] = l1
        trgt_prev = _BIG
        trgt = 0.0
        scale = np.ones(k)
        for _ in range(max_iter):
            # O given the shapes: two majorisation steps, each an orthogonal Procrustes fit.
            f00 = f01 = f10 = f11 = 0.0
            for j in range(k):
                # t1 = diag(1/shape_j) O; f_j = t1 W_j - omega_j t1
                t00, t01 = o00 / shape[j, 0], o01 / shape[j, 0]
                t10, t11 = o10 / shape[j, 1], o11 / shape[j, 1]
                f00 += t00 * wxx[j] + t01 * wxy[j] - omega[j] * t00
                f01 += t00 * wxy[j] + t01 * wyy[j] - omega[j] * t01
                f10 += t10 * wxx[j] + t11 * wxy[j] - omega[j] * t10
                f11 += t10 * wxy[j] + t11 * wyy[j] - omega[j] * t11
            q00, q01, q10, q11 = _polar(f00, f01, f10, f11)
            o00, o01, o10, o11 = q00, q10, q01, q11  # O = (U Vᵀ)ᵀ
            f00 = f01 = f10 = f11 = 0.0
            for j in range(k):
                # t = W_j O; f_j = t diag(1/shape_j) - max(1/shape_j) t
                t00 = wxx[j] * o00 + wxy[j] * o10
                t01 = wxx[j] * o01 + wxy[j] * o11
                t10 = wxy[j] * o00 + wyy[j] * o10
                t11 = wxy[j] * o01 + wyy[j] * o11
                mxs = max(1.0 / shape[j, 0], 1.0 / shape[j, 1])
                f00 += t00 / shape[j, 0] - mxs * t00
                f01 += t01 / shape[j, 1] - mxs * t01
                f10 += t10 / shape[j, 0] - mxs * t10
                f11 += t11 / shape[j, 1] - mxs * t11
            q00, q01, q10, q11 = _polar(f00, f01, f10, f11)
            o00, o01, o10, o11 = q00, q10, q01, q11
            # The shapes (and volumes) given O: d = diag(O W_j Oᵀ).
            trgt = 0.0
            for j in range(k):
                d0 = (o00 * (wxx[j] * o00 + wxy[j] * o01)
                      + o01 * (wxy[j] * o00 + wyy[j] * o01))
                d1 = (o10 * (wxx[j] * o10 + wxy[j] * o11)
                      + o11 * (wxy[j] * o10 + wyy[j] * o11))
                if vvar:
                    e0, e1 = d0 / nk[j], d1 / nk[j]
                    scale[j] = math.sqrt(math.exp(math.log(e0) + math.log(e1)))
                    shape[j, 0] = e0 / scale[j]
                    shape[j, 1] = e1 / scale[j]
                    if min(shape[j, 0], shape[j, 1]) < _RTEPS or scale[j] < _RTEPS:
                        return COLLAPSED
                else:
                    g = math.sqrt(math.exp(math.log(d0) + math.log(d1)))
                    shape[j, 0] = d0 / g
                    shape[j, 1] = d1 / g
                    if min(shape[j, 0], shape[j, 1]) < _RTEPS:
                        return COLLAPSED
                trgt += d0 / shape[j, 0] + d1 / shape[j, 1]
            err = abs(trgt - trgt_prev) / (1.0 + abs(trgt))
            trgt_prev = trgt
            if err <= tol:
                break
        if not vvar:
            s = trgt / (nk.sum() * 2.0)
            for j in range(k):
                scale[j] = s
        for j in range(k):
            s0 = scale[j] * shape[j, 0]
            s1 = scale[j] * shape[j, 1]
            # Oᵀ diag(s) O
            cov[j, 0, 0] = o00 * s0 * o00 + o10 * s1 * o10
            cov[j, 0, 1] = o00 * s0 * o01 + o10 * s1 * o11
            cov[j, 1, 1] = o01 * s0 * o01 + o11 * s1 * o11
        return OK

    @njit(cache=True, error_model="numpy")
    def _vev(wxx, wxy, wyy, nk, prev, has_prev, tol, max_iter, cov):  # pragma: no cover
        k = nk.shape[0]
        om = np.empty((k, 2))
        vx = np.empty(k)
        vy = np.empty(k)
        for j in range(k):
            l1, l2, a, b = _eig_sym(wxx[j], wxy[j], wyy[j])
            om[j, 0] = l1
            om[j, 1] = l2
            vx[j] = a
            vy[j] = b
        scale = np.empty(k)
        sh0 = 1.0
        sh1 = 1.0
        if not has_prev:
            sh0 = om[:, 0].sum()
            sh1 = om[:, 1].sum()
            if min(sh0, sh1) <= 0.0:
                return COLLAPSED
            g = math.exp(0.5 * (math.log(sh0) + math.log(sh1)))
            scale[:] = g / nk.sum()
            sh0 /= g
            sh1 /= g
        else:
            for j in range(k):
                l1, l2, _, _ = _eig_sym(prev[j, 0, 0], prev[j, 0, 1], prev[j, 1, 1])
                scale[j] = math.sqrt(l1 * l2)
                if j == 0:
                    sh0 = l1 / scale[0]
                    sh1 = l2 / scale[0]
        for _ in range(max_iter):
            o0, o1 = sh0, sh1
            old = scale.copy()
            a0 = 0.0
            a1 = 0.0
            for j in range(k):
                scale[j] = (om[j, 0] / o0 + om[j, 1] / o1) / (nk[j] * 2.0)
                if scale[j] <= _EPS:
                    return COLLAPSED
                a0 += om[j, 0] / scale[j]
                a1 += om[j, 1] / scale[j]
            if min(a0, a1) <= 0.0:
                return COLLAPSED
            g = math.exp(0.5 * (math.log(a0) + math.log(a1)))
            sh0 = a0 / g
            sh1 = a1 / g
            err = max(abs(o0 - sh0) / (1.0 + sh0), abs(o1 - sh1) / (1.0 + sh1))
            for j in range(k):
                err = max(err, abs(old[j] - scale[j]) / (1.0 + scale[j]))
            if err <= tol:
                break
        for j in range(k):
            s0 = scale[j] * sh0
            s1 = scale[j] * sh1
            # D diag(s) Dᵀ with D's columns (vx, vy) and (-vy, vx)
            cov[j, 0, 0] = vx[j] * vx[j] * s0 + vy[j] * vy[j] * s1
            cov[j, 0, 1] = vx[j] * vy[j] * s0 - vy[j] * vx[j] * s1
            cov[j, 1, 1] = vy[j] * vy[j] * s0 + vx[j] * vx[j] * s1
        return OK

    @njit(cache=True, error_model="numpy")
    def _m_step(stats, code, reg, tol, max_iter, pi, means, cov,
                has_prev):  # pragma: no cover
        """The M-step in place (``means`` are the centres of ``stats``; ``cov`` holds the
        previous covariances when ``has_prev``, which warm-start mclust's inner
        iterations; a start has none); returns (status, component)."""
        k = pi.shape[0]
        nk = np.empty(k)
        sxx = np.empty(k)
        sxy = np.empty(k)
        syy = np.empty(k)
        for j in range(k):
            s0 = stats[j, 0]
            nk[j] = s0 + NK_FLOOR
            dx = stats[j, 1] / nk[j] - means[j, 0] * (NK_FLOOR / nk[j])
            dy = stats[j, 2] / nk[j] - means[j, 1] * (NK_FLOOR / nk[j])
            means[j, 0] += dx
            means[j, 1] += dy
            sxx[j] = stats[j, 3] - 2.0 * stats[j, 1] * dx + s0 * dx * dx
            sxy[j] = stats[j, 4] - stats[j, 1] * dy - stats[j, 2] * dx + s0 * dx * dy
            syy[j] = stats[j, 5] - 2.0 * stats[j, 2] * dy + s0 * dy * dy
        total = nk.sum()
        for j in range(k):
            pi[j] = nk[j] / total
        status = OK
        if code == 0:  # full
            for j in range(k):
                cov[j, 0, 0] = sxx[j] / nk[j] + reg
                cov[j, 0, 1] = sxy[j] / nk[j]
                cov[j, 1, 1] = syy[j] / nk[j] + reg
        elif code == 1:  # tied
            a = sxx.sum() / total + reg
            b = sxy.sum() / total
            c = syy.sum() / total + reg
            for j in range(k):
                cov[j, 0, 0] = a
                cov[j, 0, 1] = b
                cov[j, 1, 1] = c
        elif code == 2:  # diag
            for j in range(k):
                cov[j, 0, 0] = sxx[j] / nk[j] + reg
                cov[j, 0, 1] = 0.0
                cov[j, 1, 1] = syy[j] / nk[j] + reg
        elif code == 3:  # spherical
            for j in range(k):
                v = 0.5 * (sxx[j] / nk[j] + reg + syy[j] / nk[j] + reg)
                cov[j, 0, 0] = v
                cov[j, 0, 1] = 0.0
                cov[j, 1, 1] = v
        else:
            # mclust's models on W_k = scatter + n_k reg I.
            wxx = sxx + nk * reg
            wyy = syy + nk * reg
            wxy = sxy
            if code == 4:  # EII
                v = (wxx.sum() + wyy.sum()) / (2.0 * total)
                for j in range(k):
                    cov[j, 0, 0] = v
                    cov[j, 0, 1] = 0.0
                    cov[j, 1, 1] = v
            elif code == 5:  # EEI
                a = wxx.sum() / total
                c = wyy.sum() / total
                for j in range(k):
                    cov[j, 0, 0] = a
                    cov[j, 0, 1] = 0.0
                    cov[j, 1, 1] = c
            elif code == 6:  # EVI
                g = np.sqrt(wxx * wyy)
                lam = g.sum() / total
                for j in range(k):
                    cov[j, 0, 0] = lam * wxx[j] / g[j]
                    cov[j, 0, 1] = 0.0
                    cov[j, 1, 1] = lam * wyy[j] / g[j]
            elif code == 7:  # EVV
                g = np.sqrt(wxx * wyy - wxy * wxy)
                lam = g.sum() / total
                for j in range(k):
                    cov[j, 0, 0] = lam * wxx[j] / g[j]
                    cov[j, 0, 1] = lam * wxy[j] / g[j]
                    cov[j, 1, 1] = lam * wyy[j] / g[j]
            elif code == 8:  # EEV
                a0 = 0.0
                a1 = 0.0
                vx = np.empty(k)
                vy = np.empty(k)
                for j in range(k):
                    l1, l2, ex, ey = _eig_sym(wxx[j], wxy[j], wyy[j])
                    vx[j] = ex
                    vy[j] = ey
                    a0 += l1
                    a1 += l2
                a0 /= total
                a1 /= total
                for j in range(k):
                    cov[j, 0, 0] = vx[j] * vx[j] * a0 + vy[j] * vy[j] * a1
                    cov[j, 0, 1] = vx[j] * vy[j] * a0 - vy[j] * vx[j] * a1
                    cov[j, 1, 1] = vy[j] * vy[j] * a0 + vx[j] * vx[j] * a1
            elif code == 9:
                status = _vei(wxx, wyy, nk, cov.copy(), has_prev, tol, max_iter, cov)
            elif code == 10:
                status = _vee(wxx, wxy, wyy, nk, tol, max_iter, cov)
            elif code == 11 or code == 12:
                status = _eve_vve(wxx, wxy, wyy, nk, code == 12, cov.copy(), has_prev,
                                  tol, max_iter, cov)
            else:
                status = _vev(wxx, wxy, wyy, nk, cov.copy(), has_prev, tol, max_iter, cov)
        if status != OK:
            return status, 0
        for j in range(k):
            cov[j, 1, 0] = cov[j, 0, 1]
            if not (np.isfinite(means[j, 0]) and np.isfinite(means[j, 1])
                    and np.isfinite(cov[j, 0, 0]) and np.isfinite(cov[j, 0, 1])
                    and np.isfinite(cov[j, 1, 1])):
                return NON_FINITE, j
            # A valid Cholesky factor whose inverse does not overflow (chol_is_valid).
            l11 = math.sqrt(cov[j, 0, 0]) if cov[j, 0, 0] > 0.0 else 0.0
            if not l11 > 0.0:
                return NOT_PD, j
            l21 = cov[j, 1, 0] / l11
            rest = cov[j, 1, 1] - l21 * l21
            l22 = math.sqrt(rest) if rest > 0.0 else 0.0
            if not (l22 > 0.0 and np.isfinite(1.0 / l11) and np.isfinite(1.0 / l22)
                    and np.isfinite(l21 / l11 / l22)):
                return NOT_PD, j
        return OK, 0

    @njit(cache=True, nogil=True, error_model="numpy")
    def _fit_loop(X, w, weighted, pi, means, cov, code, reg, tol, max_iter, inner_tol,
                  inner_max, start_stats, from_stats):  # pragma: no cover
        """EM from (pi, means, cov) until scikit-learn's rule stops it: returns (status,
        component, iteration, mean log-likelihoods of iterations 0..iteration, pi, means,
        cov, statistics about its means, total log-likelihood) of the final state. With
        ``from_stats`` the start is first made by the M-step from ``start_stats`` about
        ``means`` (a failure there returns at iteration -1)."""
        k = pi.shape[0]
        n = X.shape[0]
        stats = np.empty((k, 6))
        lp = np.empty((k, n))
        mx = np.empty(n)
        inv = np.empty(n)
        history = np.empty(max_iter + 1)
        xs = np.ascontiguousarray(X[:, 0])
        ys = np.ascontiguousarray(X[:, 1])
        if from_stats:
            status, j = _m_step(start_stats, code, reg, inner_tol, inner_max, pi, means,
                                cov, False)
            if status != OK:
                return status, j, -1, history[:0], pi, means, cov, stats, 0.0
        it = 0
        while True:
            status, ll, total = _pass(xs, ys, w, weighted, pi, means, cov, stats, lp, mx,
                                      inv)
            if status != OK:
                return status, 0, it, history[:it], pi, means, cov, stats, ll
            history[it] = ll / total
            converged = it >= 2 and abs(history[it - 1] - history[it - 2]) < tol
            if converged or it >= max_iter:
                return OK, 0, it, history[:it + 1], pi, means, cov, stats, ll
            status, j = _m_step(stats, code, reg, inner_tol, inner_max, pi, means, cov,
                                True)
            if status != OK:
                return status, j, it, history[:it + 1], pi, means, cov, stats, ll
            it += 1

    def warm_up() -> None:
        """Compile (or load from the cache) the loop for every model on a tiny problem."""
        rng = np.random.default_rng(0)
        X = np.ascontiguousarray(rng.normal(size=(40, 2)))
        cov = np.repeat(np.eye(2)[None], 2, axis=0)
        for code in range(len(CODES)):
            for weighted in (False, True):
                _fit_loop(X, np.ones(40) if weighted else np.empty(0), weighted,
                          np.array([0.5, 0.5]), np.array([[-1.0, 0.0], [1.0, 0.0]]),
                          cov.copy(), code, 1e-6, 1e-3, 2, INNER_TOL, 100,
                          np.empty((0, 6)), False)
else:  # pragma: no cover - exercised only without numba

    def warm_up() -> None:
        return None
