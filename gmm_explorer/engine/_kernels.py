"""The E-step pass: one fused sweep over the points, in numba with a numpy fallback.

One pass over ``X`` computes, for the current parameters,

* the total log-likelihood ``sum_i log sum_k w_k N(x_i | mu_k, Sigma_k)``;
* per component the six sufficient statistics *about that component's current mean*
  ``m_k``: ``S0 = sum_i r_ik``, ``S1 = sum_i r_ik (x_i - m_k)`` (2 values) and
  ``S2 = sum_i r_ik (x_i - m_k)(x_i - m_k)^T`` (3 values: xx, xy, yy);
* optionally the responsibilities ``r_ik``, written into a caller's buffer.

Under sample weights ``w_i`` (frequencies) point i counts ``w_i`` times in the statistics
and the log-likelihood; its responsibilities are not weighted. Without weights the pass
runs the unweighted code, unchanged.

Moments about each component's own previous mean keep full precision on spread-out data,
where raw moments about one centre lose about seven digits. The pass creates no N x K
temporaries. Points are split into a number of chunks that depends only on N, each chunk
is summed in order and the chunk totals are added in order, so results are bit-identical
whatever the thread count or scheduling.

Set the environment variable ``GMM_EXPLORER_NO_NUMBA=1`` to force the numpy path.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_explorer.engine import lazy_jit, work_split
from gmm_explorer.engine.blocked import BlockedPoints
from gmm_explorer.errors import InputError

#: Columns of the statistics array: S0, S1x, S1y, S2xx, S2xy, S2yy.
N_STATS = 6
#: Rows per block in the numpy fallback (bounds its temporaries to BLOCK x K).
NUMPY_BLOCK = 65536
LOG_2PI = math.log(2.0 * math.pi)


def n_chunks_for(n: int) -> int:
    """Chunk count for ``n`` points: a function of ``n`` alone, for reproducibility."""
    return max(1, min(1024, n // 1024))


def _chunking(n: int) -> tuple[int, int]:
    """``(chunk count, points per chunk)`` for ``n`` points (the last chunk may be short)."""
    n_chunks = n_chunks_for(n)
    return n_chunks, (n + n_chunks - 1) // n_chunks


# numba is a runtime dependency, but the engine must still work without it; it is
# imported only when a compiled kernel first runs (lazy_jit).
from gmm_explorer.engine.lazy_jit import HAVE_NUMBA, intrinsic, njit  # noqa: E402

def accumulate_statistics(stats, r, dx, dy) -> None:
    """Add one block's sufficient statistics into ``stats`` (numpy; shared by the fallback
    pass and the M-step from explicit responsibilities).

    Parameters
    ----------
    stats : ndarray of shape (n_components, 6), updated in place
    r : ndarray of shape (n_block, n_components)
        Responsibilities.
    dx, dy : ndarray of shape (n_block, n_components)
        Offsets of each point from each component's centre.
    """
    rdx = r * dx
    rdy = r * dy
    stats[:, 0] += r.sum(axis=0)
    stats[:, 1] += rdx.sum(axis=0)
    stats[:, 2] += rdy.sum(axis=0)
    stats[:, 3] += (rdx * dx).sum(axis=0)
    stats[:, 4] += (rdx * dy).sum(axis=0)
    stats[:, 5] += (rdy * dy).sum(axis=0)


def _blocks(X, means, prec, const):
    """The numpy passes' blocks of rows: ``(lo, hi, dx, dy, lp)`` with the offsets of
    rows ``lo:hi`` from every mean and their weighted log-densities ``lp``, each of shape
    (hi - lo, n_components)."""
    for lo in range(0, X.shape[0], NUMPY_BLOCK):
        hi = min(X.shape[0], lo + NUMPY_BLOCK)
        dx = X[lo:hi, 0:1] - means[:, 0]
        dy = X[lo:hi, 1:2] - means[:, 1]
        with np.errstate(over="ignore"):  # a point far out: -inf, counted as lost
            y0 = prec[:, 0] * dx
            y1 = prec[:, 1] * dx + prec[:, 2] * dy
            lp = const - 0.5 * (y0 * y0 + y1 * y1)
        yield lo, hi, dx, dy, lp


def summarise_numpy(r, share, table, labels_out, unc_out, blend_out) -> None:
    """A block's per-point summary (numpy): see :class:`~gmm_explorer.engine.steps.
    PointSummary`. ``r`` (n, K) are the block's responsibilities, ``share`` (n,) the noise
    component's (zeros without one), ``table`` (K + 1, 3) the values to blend (the last
    row the noise component's); the outputs are the block's rows. The arithmetic is the
    compiled pass's, in the same order."""
    k = r.shape[1]
    best = r.max(axis=1)
    labels_out[:] = np.where(share > best, -1, r.argmax(axis=1))
    if unc_out.size:  # (empty: not asked for)
        unc_out[:] = np.minimum(255.0, np.maximum(0.0, (1.0 - best) * 255.0 + 0.5))
    b = share[:, None] * table[k]
    for j in range(k):
        b += r[:, j:j + 1] * table[j]
    blend_out[:] = np.minimum(255.0, np.maximum(0.0, b + 0.5))


def pass_numpy(X, means, prec, const, resp_out, noise=-np.inf, weights=None,
               summary_out=None):
    """Reference implementation of the pass (same maths, numpy, blocks of rows).

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    means : ndarray of shape (n_components, 2)
    prec : ndarray of shape (n_components, 3)
        Upper precision Cholesky factors ``(u00, u01, u11)``.
    const : ndarray of shape (n_components,)
        ``log w_k + log det U_k - log(2 pi)``.
    resp_out : ndarray of shape (n_samples, n_components) or None
    noise : float
        ``log(w_0 V^-1)``, a uniform noise component's weighted log-density (the same at
        every point; -inf: none). It joins each point's normaliser, so the components'
        responsibilities sum to one minus the noise's.
    weights : ndarray of shape (n_samples,) or None
        Sample weights ``w_i >= 0``: point i counts ``w_i`` times in the statistics and
        the log-likelihood (None: once each). The responsibilities are not weighted.
    summary_out : tuple or None
        ``(table, labels, uncertainty, blend)``: write each point's summary of its
        responsibilities (:func:`summarise_numpy`) into the last three, without keeping
        the responsibilities.

    Returns
    -------
    stats : ndarray of shape (n_components, 6)
    log_likelihood : float
    n_lost : int
        Points whose density underflows to zero under every component.
    """
    k = means.shape[0]
    stats = np.zeros((k, N_STATS))
    ll = 0.0
    n_lost = 0
    for lo, hi, dx, dy, lp in _blocks(X, means, prec, const):
        mx = np.maximum(lp.max(axis=1), noise)
        lost = ~np.isfinite(mx)
        if np.any(lost):
            n_lost += int(lost.sum())
            mx = np.where(lost, 0.0, mx)
        e = np.exp(lp - mx[:, None])
        s = e.sum(axis=1) + np.exp(noise - mx)
        with np.errstate(divide="ignore", invalid="ignore"):  # lost points: zeroed below
            terms = (mx + np.log(s))
            if weights is not None:
                terms = terms * weights[lo:hi]
            ll += float(np.sum(terms[~lost]))
            r = e * (1.0 / s)[:, None]
        r[lost] = 0.0
        if resp_out is not None:
            resp_out[lo:hi] = r
        if summary_out is not None:
            table, labels, unc, blend = summary_out
            with np.errstate(divide="ignore", invalid="ignore"):
                share = np.where(lost, 0.0, np.exp(noise - mx) * (1.0 / s))
            summarise_numpy(r, share, table, labels[lo:hi], unc[lo:hi] if unc.size else unc,
                            blend[lo:hi])
        if weights is not None:
            r = r * weights[lo:hi, None]
        accumulate_statistics(stats, r, dx, dy)
    return stats, ll, n_lost


def _labels_from(lp, mx, u):
    """Each row's assignment (numpy): its most probable component (``u`` None) or one
    drawn from its responsibilities with the uniform ``u`` (the first component whose
    cumulative responsibility exceeds ``u``; never one of zero responsibility)."""
    if u is None:
        return lp.argmax(axis=1)
    e = np.exp(lp - mx[:, None])
    r = e * (1.0 / e.sum(axis=1))[:, None]
    z = (np.cumsum(r, axis=1) <= u[:, None]).sum(axis=1)
    last = r.shape[1] - 1 - np.argmax(r[:, ::-1] > 0.0, axis=1)
    return np.minimum(z, last)


def pass_assign_numpy(X, means, prec, const, u, labels_out, weights=None):
    """The pass of the hard variants (numpy reference): each point goes wholly to one
    component, and the statistics count it there alone.

    Parameters
    ----------
    X, means, prec, const
        As for :func:`pass_numpy`.
    u : ndarray of shape (n_samples,) or None
        None: each point goes to its most probable component (CEM, k-means; ties to the
        lowest index). Uniform draws in [0, 1): each point goes to a component drawn
        from its responsibilities (SEM).
    labels_out : ndarray of shape (n_samples,) int64, or None
        Receives each point's component (-1 for a lost point).
    weights : ndarray of shape (n_samples,) or None
        Sample weights, as for :func:`pass_numpy`.

    Returns
    -------
    stats : ndarray of shape (n_components, 6)
        About each component's mean, over the points assigned to it.
    log_likelihood : float
        The observed log-likelihood, as :func:`pass_numpy` computes it.
    classification_log_likelihood : float
        ``sum_i log(w_z N(x_i | mu_z, Sigma_z))`` for each point's component ``z``.
    n_lost : int
    """
    k = means.shape[0]
    stats = np.zeros((k, N_STATS))
    ll = 0.0
    cll = 0.0
    n_lost = 0
    for lo, hi, dx, dy, lp in _blocks(X, means, prec, const):
        mx = lp.max(axis=1)
        rows = np.flatnonzero(np.isfinite(mx))
        n_lost += (hi - lo) - rows.size
        lpk, mxk = lp[rows], mx[rows]
        z = _labels_from(lpk, mxk, None if u is None else u[lo:hi][rows])
        wk = 1.0 if weights is None else weights[lo:hi][rows]
        ll += float(np.sum(wk * (mxk + np.log(np.exp(lpk - mxk[:, None]).sum(axis=1)))))
        cll += float(np.sum(wk * lpk[np.arange(rows.size), z]))
        onehot = np.zeros_like(lp)
        onehot[rows, z] = wk
        accumulate_statistics(stats, onehot, dx, dy)
        if labels_out is not None:
            labels_out[lo:hi] = -1
            labels_out[lo + rows] = z
    return stats, ll, cll, n_lost


if HAVE_NUMBA:

    _LOG2E = 1.4426950408889634
    _LN2_HI = 6.93147180369123816490e-01
    _LN2_LO = 1.90821492927058770002e-10
    #: Points per tile: the tile's K x T working set stays in L1/L2 cache.
    TILE = 32

    @njit(fastmath={"contract"}, cache=True, inline="always")
    def _exp_nonpositive(x):  # pragma: no cover
        # exp(x) for x <= 0 in plain arithmetic, so LLVM can vectorise it (libm's exp is a
        # call). Cody-Waite reduction x = n ln2 + r, |r| <= ln2/2, then the degree-13
        # Taylor polynomial (truncation < 4e-18): within about 1 ulp of libm. Returns 0
        # below -708, where exp underflows towards subnormals anyway.
        xc = max(x, -708.0)
        n = np.floor(xc * _LOG2E + 0.5)
        r = xc - n * _LN2_HI - n * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        # 2**n built from its exponent bits.
        two_n = np.int64((np.int64(n) + 1023) << 52).view(np.float64)
        return p * two_n * np.float64(x > -708.0)

    @intrinsic
    def _fetch_add(typingctx, counter, step):  # pragma: no cover - compiled
        # counter[0] += step atomically; returns the value before. LLVM's atomicrmw:
        # numba has no atomics of its own on the CPU.
        from numba import types
        from numba.core import cgutils

        sig = types.int64(counter, types.int64)

        def codegen(context, builder, signature, args):
            array, inc = args
            array_type = signature.args[0]
            view = context.make_array(array_type)(context, builder, array)
            zero = context.get_constant(types.intp, 0)
            ptr = cgutils.get_item_pointer(context, builder, array_type, view, [zero])
            return builder.atomic_rmw("add", ptr, inc, "monotonic")

        return sig, codegen

    @njit(fastmath={"contract"}, cache=True, nogil=True, inline="always")
    def _summarise_tile(e, rs, nz, m, start, table, labels_out, unc_out, blend_out,
                        scratch, lab):  # pragma: no cover
        # The per-point summary of a tile's responsibilities r = e[k, t] * rs[t] (see
        # PointSummary); the arithmetic of summarise_numpy, in the same order per point.
        # Inlined into the pass (a call per tile, with its dozen arrays, cost more than
        # the work), so it compiles under the pass's flags: contraction allowed, and
        # agreement with numpy to rounding, as the responsibilities' own. The loops run
        # over the tile's lanes for each component (the comparison is a select), so
        # they vectorise as the pass does; scratch (4, T) holds each lane's largest r
        # and its three blended values, lab (T,) the component of the largest.
        kc = e.shape[0]
        T = e.shape[1]
        write_unc = unc_out.shape[0] > 0  # (empty: not asked for)
        best = scratch[0]
        b0 = scratch[1]
        b1 = scratch[2]
        b2 = scratch[3]
        for t in range(T):
            share = nz[t] * rs[t]
            best[t] = -1.0
            lab[t] = 0
            b0[t] = share * table[kc, 0]
            b1[t] = share * table[kc, 1]
            b2[t] = share * table[kc, 2]
        for k in range(kc):
            c0 = table[k, 0]
            c1 = table[k, 1]
            c2 = table[k, 2]
            for t in range(T):
                r = e[k, t] * rs[t]
                better = r > best[t]
                lab[t] = k if better else lab[t]
                best[t] = r if better else best[t]
                b0[t] += r * c0
                b1[t] += r * c1
                b2[t] += r * c2
        for t in range(m):
            i = start + t
            labels_out[i] = -1 if nz[t] * rs[t] > best[t] else lab[t]
            if write_unc:
                unc_out[i] = min(255.0, max(0.0, (1.0 - best[t]) * 255.0 + 0.5))
            blend_out[i, 0] = min(255.0, max(0.0, b0[t] + 0.5))
            blend_out[i, 1] = min(255.0, max(0.0, b1[t] + 0.5))
            blend_out[i, 2] = min(255.0, max(0.0, b2[t] + 0.5))

    @njit(fastmath={"contract"}, cache=True, nogil=True)
    def _pass_chunk(X, means, prec, const, chunk, c, stats, ll, lost, resp_out,
                    write_resp, noise, weights, weighted, summary):  # pragma: no cover
        # (coverage cannot see inside compiled code; tests compare it with pass_numpy)
        # Chunk c of `chunk` points; its sums go to stats[c], ll[c], lost[c]
        # (_pass_worker hands chunks to threads).
        # Tiled: for a tile of T points, each loop runs over the T points of one component,
        # so it vectorises; per-lane accumulators (K, 6, T) avoid reductions across lanes,
        # which fastmath=False would forbid LLVM to vectorise.
        n = X.shape[0]
        kc = means.shape[0]
        T = TILE
        lo = c * chunk
        hi = min(n, lo + chunk)
        lp = np.empty((kc, T))
        acc = np.zeros((kc, 6, T))
        xs = np.empty(T)
        ys = np.empty(T)
        mx = np.empty(T)
        inv = np.empty(T)
        unw = np.empty(T)
        nz = np.zeros(T)
        table, labels_out, unc_out, blend_out, write_summary = summary
        scratch = np.empty((4, T))
        lab = np.zeros(T, dtype=np.int64)
        llc = 0.0
        lostc = 0
        for start in range(lo, hi, T):
            m = min(T, hi - start)
            for t in range(T):
                # Padding lanes repeat the tile's first point; their weight is 0 below.
                src = start + t if t < m else start
                xs[t] = X[src, 0]
                ys[t] = X[src, 1]
                mx[t] = noise  # -inf without a noise component
                inv[t] = 0.0
            # Pass 1: weighted log-densities and their running maximum per point.
            for k in range(kc):
                m0 = means[k, 0]
                m1 = means[k, 1]
                u0 = prec[k, 0]
                u1 = prec[k, 1]
                u2 = prec[k, 2]
                ck = const[k]
                for t in range(T):
                    dx = xs[t] - m0
                    dy = ys[t] - m1
                    y0 = u0 * dx
                    y1 = u1 * dx + u2 * dy
                    v = ck - 0.5 * (y0 * y0 + y1 * y1)
                    lp[k, t] = v
                    mx[t] = max(mx[t], v)
            for t in range(T):
                # A point with zero density under every component: counted, weight 0.
                if not (mx[t] > -np.inf):
                    if t < m:
                        lostc += 1
                    mx[t] = 0.0
            if noise > -np.inf:
                # The noise component's share of each point's normaliser.
                for t in range(T):
                    inv[t] = _exp_nonpositive(noise - mx[t])
                    nz[t] = inv[t]
            # Pass 2: exp(lp - max) and the normaliser per point.
            for k in range(kc):
                for t in range(T):
                    e = _exp_nonpositive(lp[k, t] - mx[t])
                    lp[k, t] = e
                    inv[t] += e
            if weighted:
                # Point i counts w_i times in the statistics and the log-likelihood
                # (inv holds w_i / s_i); its responsibilities (1 / s_i, kept in
                # unw) are not weighted.
                for t in range(m):
                    s = inv[t]
                    wt = weights[start + t]
                    if s > 0.0:
                        llc += wt * (mx[t] + np.log(s))
                        unw[t] = 1.0 / s
                    else:
                        unw[t] = 0.0
                    inv[t] = unw[t] * wt
            else:
                for t in range(m):
                    s = inv[t]
                    if s > 0.0:
                        llc += mx[t] + np.log(s)
                        inv[t] = 1.0 / s
                    else:
                        inv[t] = 0.0
            for t in range(m, T):
                inv[t] = 0.0
            # Pass 3: responsibilities into per-lane accumulators. The offsets are
            # recomputed: two subtractions cost less than storing and reloading them.
            for k in range(kc):
                m0 = means[k, 0]
                m1 = means[k, 1]
                for t in range(T):
                    r = lp[k, t] * inv[t]
                    dx = xs[t] - m0
                    dy = ys[t] - m1
                    rdx = r * dx
                    rdy = r * dy
                    acc[k, 0, t] += r
                    acc[k, 1, t] += rdx
                    acc[k, 2, t] += rdy
                    acc[k, 3, t] += rdx * dx
                    acc[k, 4, t] += rdx * dy
                    acc[k, 5, t] += rdy * dy
            if write_resp:
                rs = unw if weighted else inv
                for t in range(m):
                    for k in range(kc):
                        resp_out[start + t, k] = lp[k, t] * rs[t]
            if write_summary:
                _summarise_tile(lp, unw if weighted else inv, nz, m, start, table,
                                labels_out, unc_out, blend_out, scratch, lab)
        for k in range(kc):
            for j in range(6):
                tot = 0.0
                for t in range(T):
                    tot += acc[k, j, t]
                stats[c, k, j] = tot
        ll[c] = llc
        lost[c] = lostc

    # Each thread of a pass (work_split.run_shared) runs this worker: it takes chunks one
    # at a time from the shared counter until none is left, rather than one fixed share
    # per thread, so a thread the OS holds back delays only the chunk it is in. Which
    # thread ran a chunk changes nothing in that chunk's slot: the sums stay
    # bit-identical for any thread count.
    @njit(fastmath=False, cache=True, nogil=True)
    def _pass_worker(X, means, prec, const, chunk, n_chunks, counter, stats, ll, lost,
                     resp_out, write_resp, noise, weights, weighted,
                     summary):  # pragma: no cover
        while True:
            c = _fetch_add(counter, 1)
            if c >= n_chunks:
                return
            _pass_chunk(X, means, prec, const, chunk, c, stats, ll, lost, resp_out,
                        write_resp, noise, weights, weighted, summary)

    def _read_only(*arrays):
        # Read-only views of the inputs: numba compiles one version per array type, and
        # writable and read-only arrays are different types. Passing every input read-only
        # keeps one compiled version for all callers (the session's frozen points, a
        # Mixture's frozen parameters, fresh arrays), the one warm_up() loads.
        views = []
        for a in arrays:
            v = a.view()
            v.flags.writeable = False
            views.append(v)
        return views

    def pass_numba(X, means, prec, const, resp_out, noise=-np.inf, weights=None,
                   summary_out=None):
        """The fused numba pass; same contract as :func:`pass_numpy`."""
        n, k = X.shape[0], means.shape[0]
        write = resp_out is not None
        buf = resp_out if write else np.empty((0, k))
        weighted = weights is not None
        w = weights if weighted else np.empty(0)
        if summary_out is None:
            table, labels, unc, blend = (np.zeros((k + 1, 3)), np.empty(0, np.int8),
                                         np.empty(0, np.uint8), np.empty((0, 3), np.uint8))
        else:
            table, labels, unc, blend = summary_out
        X, means, prec, const, w, table = _read_only(X, means, prec, const, w,
                                                     np.ascontiguousarray(table, np.float64))
        summary = (table, labels, unc, blend, summary_out is not None)
        n_chunks, chunk = _chunking(n)
        stats_c = np.zeros((n_chunks, k, N_STATS))
        ll_c = np.zeros(n_chunks)
        lost_c = np.zeros(n_chunks, dtype=np.int64)
        counter = np.zeros(1, dtype=np.int64)
        noise = float(noise)

        def worker():
            _pass_worker(X, means, prec, const, chunk, n_chunks, counter, stats_c, ll_c,
                         lost_c, buf, write, noise, w, weighted, summary)

        work_split.run_shared(worker, n_chunks, n * k)
        # numpy reduces axis 0 of a C-ordered array row by row, in chunk order, and the
        # 1-D sum pairwise: fixed orders, so results do not depend on the thread count.
        stats = stats_c.sum(axis=0)
        ll = ll_c.sum()
        return stats, float(ll), int(lost_c.sum())


    @njit(fastmath=False, cache=True, nogil=True)
    def _pass_assign_chunk(X, means, prec, const, chunk, c, stats, ll, cll, lost, u, sample,
                           labels_out, write_labels, weights, weighted):  # pragma: no cover
        # One point at a time: the hard variants are not the hot path, and a point's
        # statistics go to one component only. Chunk c, as _pass_chunk.
        n = X.shape[0]
        kc = means.shape[0]
        lo = c * chunk
        hi = min(n, lo + chunk)
        lp = np.empty(kc)
        acc = np.zeros((kc, 6))
        llc = 0.0
        cllc = 0.0
        lostc = 0
        for i in range(lo, hi):
            x0 = X[i, 0]
            x1 = X[i, 1]
            mx = -np.inf
            best = 0
            for k in range(kc):
                dx = x0 - means[k, 0]
                dy = x1 - means[k, 1]
                y0 = prec[k, 0] * dx
                y1 = prec[k, 1] * dx + prec[k, 2] * dy
                v = const[k] - 0.5 * (y0 * y0 + y1 * y1)
                lp[k] = v
                if v > mx:
                    mx = v
                    best = k
            if not (mx > -np.inf):
                lostc += 1
                if write_labels:
                    labels_out[i] = -1
                continue
            s = 0.0
            for k in range(kc):
                s += np.exp(lp[k] - mx)
            wt = weights[i] if weighted else 1.0
            llc += wt * (mx + np.log(s))
            z = best
            if sample:
                # The first component whose cumulative responsibility exceeds u
                # (never one of zero responsibility), as _labels_from does.
                inv = 1.0 / s
                cum = 0.0
                z = -1
                last = 0
                for k in range(kc):
                    r = np.exp(lp[k] - mx) * inv
                    cum += r
                    if r > 0.0:
                        last = k
                    if z < 0 and cum > u[i]:
                        z = k
                if z < 0 or z > last:
                    z = last
            cllc += wt * lp[z]
            dx = x0 - means[z, 0]
            dy = x1 - means[z, 1]
            wdx = wt * dx
            wdy = wt * dy
            acc[z, 0] += wt
            acc[z, 1] += wdx
            acc[z, 2] += wdy
            acc[z, 3] += wdx * dx
            acc[z, 4] += wdx * dy
            acc[z, 5] += wdy * dy
            if write_labels:
                labels_out[i] = z
        for k in range(kc):
            for j in range(6):
                stats[c, k, j] = acc[k, j]
        ll[c] = llc
        cll[c] = cllc
        lost[c] = lostc

    @njit(fastmath=False, cache=True, nogil=True)
    def _pass_assign_worker(X, means, prec, const, chunk, n_chunks, counter, stats, ll, cll,
                            lost, u, sample, labels_out, write_labels, weights,
                            weighted):  # pragma: no cover
        # As _pass_worker.
        while True:
            c = _fetch_add(counter, 1)
            if c >= n_chunks:
                return
            _pass_assign_chunk(X, means, prec, const, chunk, c, stats, ll, cll, lost, u,
                               sample, labels_out, write_labels, weights, weighted)

    def pass_assign_numba(X, means, prec, const, u, labels_out, weights=None):
        """The hard variants' numba pass; same contract as :func:`pass_assign_numpy`."""
        n = X.shape[0]
        sample = u is not None
        draws = u if sample else np.empty(0)
        write = labels_out is not None
        buf = labels_out if write else np.empty(0, dtype=np.int64)
        weighted = weights is not None
        w = weights if weighted else np.empty(0)
        X, means, prec, const, w, draws = _read_only(X, means, prec, const, w, draws)
        k = means.shape[0]
        n_chunks, chunk = _chunking(n)
        stats_c = np.zeros((n_chunks, k, N_STATS))
        ll_c = np.zeros(n_chunks)
        cll_c = np.zeros(n_chunks)
        lost_c = np.zeros(n_chunks, dtype=np.int64)
        counter = np.zeros(1, dtype=np.int64)

        def worker():
            _pass_assign_worker(X, means, prec, const, chunk, n_chunks, counter, stats_c, ll_c,
                                cll_c, lost_c, draws, sample, buf, write, w, weighted)

        work_split.run_shared(worker, n_chunks, n * k)
        return stats_c.sum(axis=0), float(ll_c.sum()), float(cll_c.sum()), int(lost_c.sum())


if HAVE_NUMBA:

    @njit(cache=True, nogil=True)
    def _lloyd_numba(X, code_book, iterations):  # pragma: no cover
        # scipy.cluster.vq.kmeans2(minit="matrix", missing="warn") step for step: vq (the
        # nearest code by squared distance, the first on ties), then each cluster's mean
        # summed in point order; an emptied cluster keeps its previous code.
        n = X.shape[0]
        k = code_book.shape[0]
        code = code_book.copy()
        label = np.zeros(n, dtype=np.int32)  # 4 bytes a point: 38 MB at 1e7 points
        sums = np.empty((k, 2))
        counts = np.empty(k, dtype=np.int64)
        for _ in range(iterations):
            for i in range(n):
                best = 0
                best_d = np.inf
                for j in range(k):
                    d0 = X[i, 0] - code[j, 0]
                    d1 = X[i, 1] - code[j, 1]
                    dist = 0.0 + d0 * d0
                    dist += d1 * d1
                    if dist < best_d:
                        best_d = dist
                        best = j
                label[i] = best
            sums[:, :] = 0.0
            counts[:] = 0
            for i in range(n):
                j = label[i]
                sums[j, 0] += X[i, 0]
                sums[j, 1] += X[i, 1]
                counts[j] += 1
            for j in range(k):
                if counts[j] > 0:
                    code[j, 0] = sums[j, 0] / counts[j]
                    code[j, 1] = sums[j, 1] / counts[j]
        return code, label


    @njit(cache=True, nogil=True)
    def _label_statistics_numba(X, labels, k, weights, weighted):  # pragma: no cover
        # init._label_statistics in one loop per pass and no temporaries: every sum adds
        # in point order, as numpy's bincount does, so the results are bit for bit its.
        counts = np.zeros(k)
        sx = np.zeros(k)
        sy = np.zeros(k)
        for i in range(X.shape[0]):
            j = labels[i]
            if weighted:
                w = weights[i]
                counts[j] += w
                sx[j] += w * X[i, 0]
                sy[j] += w * X[i, 1]
            else:
                counts[j] += 1.0
                sx[j] += X[i, 0]
                sy[j] += X[i, 1]
        centres = np.empty((k, 2))
        for j in range(k):
            safe = counts[j] if counts[j] > 0 else 1.0
            centres[j, 0] = sx[j] / safe
            centres[j, 1] = sy[j] / safe
        stats = np.zeros((k, 6))
        for j in range(k):
            stats[j, 0] = counts[j]
        for i in range(X.shape[0]):
            j = labels[i]
            dx = X[i, 0] - centres[j, 0]
            dy = X[i, 1] - centres[j, 1]
            wdx = weights[i] * dx if weighted else dx
            wdy = weights[i] * dy if weighted else dy
            stats[j, 1] += wdx
            stats[j, 2] += wdy
            stats[j, 3] += wdx * dx
            stats[j, 4] += wdx * dy
            stats[j, 5] += wdy * dy
        return stats, centres


def label_statistics_compiled(X, labels, n_components: int, weights=None):
    """``init._label_statistics`` compiled: the same numbers bit for bit, without its
    temporaries (about 35 bytes a point at once)."""
    weighted = weights is not None
    w = np.ascontiguousarray(weights, np.float64) if weighted else np.empty(0)
    Xv, w = _read_only(np.ascontiguousarray(X, np.float64), w)
    lab = np.ascontiguousarray(labels).astype(np.int32, copy=False)
    return _label_statistics_numba(Xv, lab, int(n_components), w, weighted)


#: Below this many point-component distance evaluations (N x K x iterations) Lloyd's
#: iterations run in numpy: on a small problem that beats loading the compiled loop
#: (about 0.4 s the first time in a process, even from numba's cache).
LLOYD_NUMPY_BELOW = 20_000_000


def lloyd(X, seeds, iterations: int, compiled: bool | None = None):
    """``iterations`` of Lloyd's k-means from the code book ``seeds``, exactly as
    ``scipy.cluster.vq.kmeans2(X, seeds, iter=iterations, minit="matrix",
    missing="warn")`` computes them: compiled (``compiled`` True; by default on large
    problems, or once numba is loaded anyway) or in numpy, bit for bit the same as
    scipy either way (neither imports scipy), so the choice changes no number.

    Returns
    -------
    (centroids, labels) : ndarray of shape (K, 2), ndarray of shape (n,)
        The final code book, and the labels of the last assignment (before its update).
    """
    X = np.ascontiguousarray(X, dtype=np.float64)
    seeds = np.ascontiguousarray(seeds, dtype=np.float64)
    if compiled is None:
        compiled = (lazy_jit.loaded()
                    or X.shape[0] * seeds.shape[0] * iterations >= LLOYD_NUMPY_BELOW)
    if HAVE_NUMBA and iterations > 0 and compiled:
        return _lloyd_numba(X, seeds, int(iterations))
    return lloyd_numpy(X, seeds, iterations)


def lloyd_numpy(X, seeds, iterations: int):
    """:func:`lloyd` in numpy, bit for bit: squared distances ``d0*d0 + d1*d1`` (scipy's
    ``vq``), the first nearest code on ties (``argmin``), each cluster's sum in point
    order (``bincount`` adds its weights in order, as scipy's ``update_cluster_means``),
    an emptied cluster keeping its code."""
    n, k = X.shape[0], seeds.shape[0]
    code = seeds.copy()
    label = np.zeros(n, dtype=np.int32)
    block = max(1, NUMPY_BLOCK // max(1, k))
    for _ in range(iterations):
        for lo in range(0, n, block):
            d0 = X[lo:lo + block, 0, None] - code[None, :, 0]
            d1 = X[lo:lo + block, 1, None] - code[None, :, 1]
            label[lo:lo + block] = np.argmin(d0 * d0 + d1 * d1, axis=1)
        counts = np.bincount(label, minlength=k)
        sx = np.bincount(label, weights=X[:, 0], minlength=k)
        sy = np.bincount(label, weights=X[:, 1], minlength=k)
        kept = counts > 0
        code[kept, 0] = sx[kept] / counts[kept]
        code[kept, 1] = sy[kept] / counts[kept]
    return code, label


#: A pass asking for no backend runs on the numpy path below this many point-component
#: pairs (N x K): there a numpy pass takes well under a millisecond, and a short
#: command never pays for loading the compiled kernels (about 0.4 s the first time in a
#: process, even from numba's cache; ``gmm-explorer fit`` on Old Faithful went from
#: 0.52 s to 0.35 s). A function of the pass's size alone, so a given computation always
#: takes the same path and gives the same numbers. The paths agree to rounding (tests:
#: 1e-12).
NUMPY_PASS_BELOW = 20_000


def _numpy_for(backend: str | None, X, means) -> bool:
    if backend == "numpy":
        return True
    if backend is None:
        return not HAVE_NUMBA or X.shape[0] * means.shape[0] < NUMPY_PASS_BELOW
    return False


def run_pass(X, means, prec, const, resp_out, backend: str | None = None,
             noise: float = -np.inf, weights=None, summary_out=None):
    """Dispatch to the numba pass (``backend`` "numba", or None on a pass of at least
    :data:`NUMPY_PASS_BELOW` pairs when numba is available), else to numpy."""
    if isinstance(X, BlockedPoints):  # out of core: the pass runs where the blocks are
        if resp_out is not None or weights is not None or summary_out is not None:
            raise InputError("points held in blocks give no responsibilities and take no "
                             "sample weights")
        return X.run_pass(means, prec, const, noise, backend)
    if _numpy_for(backend, X, means):
        return pass_numpy(X, means, prec, const, resp_out, noise, weights, summary_out)
    if backend not in (None, "numba"):
        raise ValueError(f"unknown backend {backend!r}; expected 'numba' or 'numpy'")
    if not HAVE_NUMBA:
        raise RuntimeError("numba is not available; use backend='numpy'")
    return pass_numba(X, means, prec, const, resp_out, noise, weights, summary_out)


def run_assign_pass(X, means, prec, const, u, labels_out, backend: str | None = None,
                    weights=None):
    """Dispatch the hard variants' pass as :func:`run_pass` does."""
    if isinstance(X, BlockedPoints):
        raise InputError("points held in blocks run EM's soft pass only; choose EM")
    if _numpy_for(backend, X, means):
        return pass_assign_numpy(X, means, prec, const, u, labels_out, weights)
    if backend not in (None, "numba"):
        raise ValueError(f"unknown backend {backend!r}; expected 'numba' or 'numpy'")
    if not HAVE_NUMBA:
        raise RuntimeError("numba is not available; use backend='numpy'")
    return pass_assign_numba(X, means, prec, const, u, labels_out, weights)


def set_num_threads(n: int) -> None:
    """Set the number of threads the numba passes use (no effect on the numpy path): the
    E-passes' and the large-file reader's own threads
    (:mod:`~gmm_explorer.engine.work_split`) and numba's ``prange`` kernels (the
    landscape grid) alike."""
    work_split.set_num_threads(n)
    if HAVE_NUMBA and lazy_jit.loaded():  # else set when numba is loaded (lazy_jit)
        import numba

        numba.set_num_threads(max(1, min(int(n), numba.config.NUMBA_NUM_THREADS)))


def get_num_threads() -> int:
    """Threads the numba passes will use (1 on the numpy path)."""
    return work_split.get_num_threads() if HAVE_NUMBA else 1


def warm_up() -> None:
    """Compile (or load from the on-disk cache) the numba kernels on a tiny problem.

    The GUI calls this in a background thread at start-up so that the first Step is
    instant; the command line calls it implicitly on first use.
    """
    if not HAVE_NUMBA:
        return
    means = np.zeros((1, 2))
    prec = np.array([[1.0, 0.0, 1.0]])
    const = np.zeros(1)
    X = np.zeros((4, 2))
    pass_numba(X, means, prec, const, None)
    pass_numba(X, means, prec, const, np.empty((4, 1)))
    pass_numba(X, means, prec, const, None, weights=np.ones(4))
    pass_numba(X, means, prec, const, None, summary_out=(
        np.zeros((2, 3)), np.empty(4, np.int8), np.empty(4, np.uint8),
        np.empty((4, 3), np.uint8)))
    pass_assign_numba(X, means, prec, const, None, None)
    pass_assign_numba(X, means, prec, const, np.zeros(4), np.empty(4, dtype=np.int64))
    pass_assign_numba(X, means, prec, const, None, None, weights=np.ones(4))
    lloyd(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), np.array([[0.0, 0.0]]), 2)
