"""mclust's model-based hierarchical agglomeration (``hc``), ported merge for merge.

mclust starts EM (``Mclust``, ``mclustBIC``) from ``hc(data, modelName = "VVV",
use = "SVD")`` cut into G groups by ``hclass``. This module reproduces that sequence of
merges exactly, so :func:`hc_labels` gives the partition mclust starts from.

What was followed (mclust 6.1.3's sources; the hc code is unchanged since 6.0.0, the
version the reference numbers come from; 6.1.3 only initialises two variables of
``hcvii``, which is not ported):

* ``R/mbahc.R``: ``hc`` (the ``use`` transformations VARS, STD, PCS, PCR, SVD and their
  ``dropCols``), ``hcVVV`` (``alpha = traceW(data / sqrt(n p))``, ``beta = 1``),
  ``hcEII``, ``hclass`` and ``partconv``.
* ``src/mclust.f``: ``hcvvv`` with ``vvvtij``, ``det2mc``, ``mclrup`` and ``wardsw``;
  ``hceii``; ``mcltrw`` (traceW). The kernels below keep the Fortran's 1-based arrays,
  its storage of each cluster (scaled sum in its head row of ``x``, the rows of its
  triangular factor, trace and term along a chain of spare rows linked through ``ic``),
  its order of arithmetic operation for operation (BLAS ``ddot``, ``daxpy``, ``dscal``,
  ``drot`` and LAPACK 3.11's ``drotg`` written out) and its tie rule: the merge taken
  is the *last* minimum of the packed cost array.
* R's ``scale`` (column means and sums of squares accumulated in long double, as R's
  ``colMeans`` and ``sum`` do) and the parts of LAPACK 3.11's ``dgesdd`` that an n x 2
  matrix reaches (``dgeqr2`` with ``dlarfg``/``dnrm2``/``dlapy2``/``dlarf``; for the 2 x 2
  triangle ``dgebd2`` is the identity and ``dbdsqr`` reduces to ``dlasv2``, then the sign
  fix and sorts of ``dbdsqr``, ``dlasdq`` and ``dbdsdc``); the products are those of the
  reference ``dgemm``. Equal inputs thus give the bit-equal transformed data that
  decides near-ties (grid data such as iris petals is full of them).

Quirks replicated on purpose (with what each changes on the reference data):

* ``hc`` hands its call on to ``hcVVV``/``hcEII`` without ``partition``, so its default
  ``partition = dupPartition(data)`` is never evaluated (R evaluates lazily) and the
  ``kmeans`` inside it never runs: duplicated points start as separate singletons and
  ``hcPairs`` always has n - 1 merges of labels 1..n (iris petals: 149 merges for 102
  distinct points). Nothing of ``dupPartition`` is therefore ported.
* After a merge, ``hcvvv`` stores the *first* row of the new triangular factor in every
  row of the cluster's chain (``dcopy(p, r(1,1), p, x(l,1), n)`` inside the loop), so a
  cluster of three or more points reads its factor back as ``[[r11, r12], [., r12]]``
  when it is merged again (storing the true rows changes 57 of 271 merges of Old
  Faithful with use = "VARS" and 144 of 299 of the synthetic case).
* After choosing a merge not involving the cluster just formed, its term is taken as
  ``dopt + (term_i + term_j)``, not the term computed for the pair (3 merges of the
  synthetic case with "VARS" depend on it).
* In the loops that rotate one stored factor into another (labels 130 and 630) the
  observation count given to ``mclrup`` is not incremented, unlike labels 310/410
  (kept, though it cannot matter in one or two dimensions).
* Ties: the *last* minimum in packed (column-major lower-triangle) order wins, with
  clusters renumbered as ``wardsw`` moves the last cluster into the freed slot; the
  labels of the output pairs are the smallest original index in each cluster.

Speed: the Fortran scans the whole packed cost array after each merge (O(n^3) in all);
here each column's minimum is kept and only the columns a merge touches are rescanned,
which picks the same pair (same tie rule) in O(n^2) time for all but contrived data.
The O(n) costs of each merge are computed in compiled loops (numba), as they cannot be
vectorised without changing the order of operations that exactness depends on.
``GMM_EXPLORER_NO_NUMBA=1`` runs the same code as plain Python: identical results, but
slow beyond a few hundred points (about 0.5 s for 272 points against milliseconds).

Known limits of exactness: the long-double sums of R's ``scale`` need an 80-bit
``numpy.longdouble`` (x86-64 Linux); ``log``/``exp`` are the C library's, as in R. On
other platforms a near-tie may break differently. The random subset used beyond
:data:`HC_SUBSET` points cannot match R's random numbers (see :func:`hc_labels`).
"""

from __future__ import annotations

import math
import threading

import numpy as np

from gmm_explorer.engine._kernels import HAVE_NUMBA
from gmm_explorer.engine.density import predict
from gmm_explorer.engine.init import mixture_from_labels
from gmm_explorer.engine.validation import as_points, check_n_components
from gmm_explorer.errors import FitError, InputError

#: mclust's hc models ported here.
HC_MODELS = ("VVV", "EII")
#: mclust.options("subset"): hc runs on at most this many points (a seeded subset beyond).
HC_SUBSET = 2000
#: The data transformations of ``hc(use = ...)`` ported here ("SVD" is mclust's default).
HC_USES = ("SVD", "VARS", "STD", "PCS", "PCR")

if HAVE_NUMBA:
    from gmm_explorer.engine.lazy_jit import njit

    def _jit(func):
        return njit(cache=True)(func)
else:  # pragma: no cover - exercised only without numba
    def _jit(func):
        return func

FLMAX = 1.7976931348623157e308
EPSMAX = 2.2204460492503131e-16
#: mclust's literal for sqrt(1/2) (``rthalf`` in hcvvv).
RTHALF = 0.7071067811865476
#: LAPACK 3.11's constants: dlamch('E') (eps/2), dlamch('S') (also drotg's safmin),
#: drotg's safmax, and dnrm2's thresholds and scalings (Blue's algorithm).
_EPS = 2.0 ** -53
_SFMIN = 2.0 ** -1022
_SAFMAX = 2.0 ** 1023
_TSML = 2.0 ** -511
_TBIG = 2.0 ** 486
_SSML = 2.0 ** 537
_SBIG = 2.0 ** -538


# --------------------------------------------------------------------------------------
# R's scale() and LAPACK's SVD of an n x p matrix (p <= 2), operation for operation
# --------------------------------------------------------------------------------------

def _r_scale(X: np.ndarray, scale: bool) -> np.ndarray:
    """R's ``scale(X, center = TRUE, scale = scale)``.

    ``colMeans`` and ``sum`` accumulate in C ``long double`` in order; ``np.cumsum`` on
    ``np.longdouble`` is that same sequence of 80-bit additions.

    Parameters
    ----------
    X : ndarray of shape (n_samples, p)

    Returns
    -------
    ndarray of shape (n_samples, p)
        Centred (and scaled) columns; a constant column becomes NaN when scaled, as in R.
    """
    n = X.shape[0]
    ld = X.astype(np.longdouble)
    centre = (np.cumsum(ld, axis=0)[-1] / np.longdouble(n)).astype(np.float64)
    A = X - centre
    if scale:
        sq = (A * A).astype(np.longdouble)
        ss = np.cumsum(sq, axis=0)[-1].astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            A = A / np.sqrt(ss / float(max(1, n - 1)))
    return A


@_jit
def _dnrm2(x):
    """LAPACK 3.11's dnrm2 (Blue's scaled sum of squares) of a 1-D array."""
    notbig = True
    asml = 0.0
    amed = 0.0
    abig = 0.0
    for i in range(x.shape[0]):
        ax = abs(x[i])
        if ax > _TBIG:
            t = ax * _SBIG
            abig = abig + t * t
            notbig = False
        elif ax < _TSML:
            if notbig:
                t = ax * _SSML
                asml = asml + t * t
        else:
            amed = amed + ax * ax
    if abig > 0.0:
        if amed > 0.0 or math.isnan(amed):
            abig = abig + (amed * _SBIG) * _SBIG
        scl = 1.0 / _SBIG
        sumsq = abig
    elif asml > 0.0:
        if amed > 0.0 or math.isnan(amed):
            amed = math.sqrt(amed)
            asml = math.sqrt(asml) / _SSML
            if asml > amed:
                ymin = amed
                ymax = asml
            else:
                ymin = asml
                ymax = amed
            scl = 1.0
            q = ymin / ymax
            sumsq = ymax * ymax * (1.0 + q * q)
        else:
            scl = 1.0 / _SSML
            sumsq = asml
    else:
        scl = 1.0
        sumsq = amed
    return scl * math.sqrt(sumsq)


@_jit
def _dlapy2(x, y):
    """LAPACK's dlapy2: sqrt(x^2 + y^2) without needless overflow (finite inputs)."""
    xabs = abs(x)
    yabs = abs(y)
    w = max(xabs, yabs)
    z = min(xabs, yabs)
    if z == 0.0 or w > FLMAX:
        return w
    q = z / w
    return w * math.sqrt(1.0 + q * q)


@_jit
def _dlarfg(alpha, x):
    """LAPACK's dlarfg on (alpha, x) with len(x) = n - 1 >= 1: returns (beta, tau) and
    scales ``x`` in place into the reflector's tail (as dlarfg overwrites them)."""
    xnorm = _dnrm2(x)
    if xnorm == 0.0:
        return alpha, 0.0
    beta = -math.copysign(_dlapy2(alpha, xnorm), alpha)
    knt = 0
    safmin = _SFMIN / _EPS
    if abs(beta) < safmin:
        rsafmn = 1.0 / safmin
        while True:
            knt += 1
            for i in range(x.shape[0]):
                x[i] = rsafmn * x[i]
            beta = beta * rsafmn
            alpha = alpha * rsafmn
            if not (abs(beta) < safmin and knt < 20):
                break
        xnorm = _dnrm2(x)
        beta = -math.copysign(_dlapy2(alpha, xnorm), alpha)
    tau = (beta - alpha) / beta
    scal = 1.0 / (alpha - beta)
    for i in range(x.shape[0]):
        x[i] = scal * x[i]
    for _ in range(knt):
        beta = beta * _SFMIN
    return beta, tau


@_jit
def _qr_triangle(A):
    """The R of LAPACK's dgeqr2 on A (n, p), p <= 2, n >= 2: returns (r11, r12, r22).

    Column 1's reflector is applied to column 2 as dlarf does (dgemv then dger, over the
    rows up to the reflector's last non-zero)."""
    m, p = A.shape
    a = A.copy()
    r11, tau = _dlarfg(a[0, 0], a[1:, 0])
    if p == 1:
        return r11, 0.0, 0.0
    if tau != 0.0:
        # v = (1, a[1:, 0]); w = v . a[:, 1]; a[:, 1] += v * (-tau * w).
        lastv = m
        while lastv > 1 and a[lastv - 1, 0] == 0.0:
            lastv -= 1
        nonzero = False
        for i in range(lastv):
            if a[i, 1] != 0.0:
                nonzero = True
        if nonzero:
            w = 0.0
            w = w + a[0, 1] * 1.0
            for i in range(1, lastv):
                w = w + a[i, 1] * a[i, 0]
            if w != 0.0:
                t = -tau * w
                a[0, 1] = a[0, 1] + 1.0 * t
                for i in range(1, lastv):
                    a[i, 1] = a[i, 1] + a[i, 0] * t
    r12 = a[0, 1]
    if m > 2:
        r22, _ = _dlarfg(a[1, 1], a[2:, 1])
    else:
        r22 = a[1, 1]
    return r11, r12, r22


@_jit
def _sign(a, b):
    return math.copysign(abs(a), b)


@_jit
def _dlasv2(f, g, h):
    """LAPACK's dlasv2: the SVD of [[f, g], [0, h]].

    Returns (ssmin, ssmax, snr, csr, snl, csl)."""
    ft = f
    fa = abs(ft)
    ht = h
    ha = abs(h)
    pmax = 1
    swap = ha > fa
    if swap:
        pmax = 3
        ft, ht = ht, ft
        fa, ha = ha, fa
    gt = g
    ga = abs(gt)
    if ga == 0.0:
        ssmin = ha
        ssmax = fa
        clt = 1.0
        crt = 1.0
        slt = 0.0
        srt = 0.0
    else:
        gasmal = True
        if ga > fa:
            pmax = 2
            if fa / ga < _EPS:
                gasmal = False
                ssmax = ga
                if ha > 1.0:
                    ssmin = fa / (ga / ha)
                else:
                    ssmin = (fa / ga) * ha
                clt = 1.0
                slt = ht / gt
                srt = 1.0
                crt = ft / gt
        if gasmal:
            dd = fa - ha
            if dd == fa:
                ll = 1.0
            else:
                ll = dd / fa
            mm_ = gt / ft
            t = 2.0 - ll
            mm = mm_ * mm_
            tt = t * t
            s = math.sqrt(tt + mm)
            if ll == 0.0:
                r = abs(mm_)
            else:
                r = math.sqrt(ll * ll + mm)
            a = 0.5 * (s + r)
            ssmin = ha / a
            ssmax = fa * a
            if mm == 0.0:
                if ll == 0.0:
                    t = _sign(2.0, ft) * _sign(1.0, gt)
                else:
                    t = gt / _sign(dd, ft) + mm_ / t
            else:
                t = (mm_ / (s + t) + mm_ / (r + ll)) * (1.0 + a)
            ll = math.sqrt(t * t + 4.0)
            crt = 2.0 / ll
            srt = t / ll
            clt = (crt + srt * mm_) / a
            slt = (ht / ft) * srt / a
    if swap:
        csl = srt
        snl = crt
        csr = slt
        snr = clt
    else:
        csl = clt
        snl = slt
        csr = crt
        snr = srt
    if pmax == 1:
        tsign = _sign(1.0, csr) * _sign(1.0, csl) * _sign(1.0, f)
    elif pmax == 2:
        tsign = _sign(1.0, snr) * _sign(1.0, csl) * _sign(1.0, g)
    else:
        tsign = _sign(1.0, snr) * _sign(1.0, snl) * _sign(1.0, h)
    ssmax = _sign(ssmax, tsign)
    ssmin = _sign(ssmin, tsign * _sign(1.0, f) * _sign(1.0, h))
    return ssmin, ssmax, snr, csr, snl, csl


@_jit
def _svd_right(A):
    """R's ``svd(A)$d`` and ``svd(A)$v`` for A (n, p), p <= 2, n >= 3, as LAPACK 3.11's
    dgesdd (JOBZ = 'S', path 3: QR, then the 2 x 2 triangle) computes them.

    Returns
    -------
    d : ndarray of shape (p,)
        Singular values, decreasing.
    V : ndarray of shape (p, p)
        Right singular vectors in columns.
    """
    p = A.shape[1]
    r11, r12, r22 = _qr_triangle(A)
    if p == 1:
        # dbdsdc with n = 1: VT = 1, d = |r11|.
        return np.array([abs(r11)]), np.ones((1, 1))
    d = np.array([r11, r22])
    e = r12
    vt = np.eye(2)
    # dbdsqr's threshold for a negligible off-diagonal (relative accuracy, n = 2).
    tol = max(10.0, min(100.0, _EPS ** -0.125)) * _EPS
    sminoa = abs(d[0])
    if sminoa != 0.0:
        mu = sminoa
        mu = abs(d[1]) * (mu / (mu + abs(e)))
        sminoa = min(sminoa, mu)
    sminoa = sminoa / math.sqrt(2.0)
    thresh = max(tol * sminoa, 6.0 * (2.0 * (2.0 * _SFMIN)))
    if abs(e) > thresh:
        sigmn, sigmx, sinr, cosr, _, _ = _dlasv2(d[0], e, d[1])
        d[0] = sigmx
        d[1] = sigmn
        for c in range(2):  # drot(2, vt(1,:), vt(2,:), cosr, sinr) on the identity
            t = cosr * vt[0, c] + sinr * vt[1, c]
            vt[1, c] = cosr * vt[1, c] - sinr * vt[0, c]
            vt[0, c] = t
    for i in range(2):  # make the singular values positive
        if d[i] < 0.0:
            d[i] = -d[i]
            for c in range(2):
                vt[i, c] = -1.0 * vt[i, c]
    if not d[1] <= d[0]:  # dbdsqr's sort (dlasdq's and dbdsdc's sorts then cancel)
        d[0], d[1] = d[1], d[0]
        for c in range(2):
            vt[0, c], vt[1, c] = vt[1, c], vt[0, c]
    return d, vt.T.copy()


def _r_matprod(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """R's ``A %*% B`` through the reference dgemm: C(:, j) = 0, then for l = 1..k in
    order C(:, j) += B(l, j) * A(:, l)."""
    C = np.zeros((A.shape[0], B.shape[1]))
    for j in range(B.shape[1]):
        for k in range(A.shape[1]):
            C[:, j] = C[:, j] + B[k, j] * A[:, k]
    return C


def _drop_non_finite(A: np.ndarray) -> np.ndarray:
    """hc's ``dropCols``: keep the columns whose values are all finite."""
    return A[:, np.all(np.isfinite(A), axis=0)]


def transform(X, use: str = "SVD") -> np.ndarray:
    """The data ``hc(X, use = use)`` agglomerates (its attribute "data").

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    use : {"SVD", "VARS", "STD", "PCS", "PCR"}

    Returns
    -------
    ndarray of shape (n_samples, p)
        p = 2, or 1 when a constant column is dropped (as ``dropCols`` does; mclust's
        hcVVV then agglomerates one column, and so does the port; mclust's hcEII fails
        on one column, where the port agglomerates it as well).

    Raises
    ------
    InputError
        An unknown ``use``.
    FitError
        No column left, or singular values of zero (points on a line for "SVD").
    """
    X = as_points(X)
    use = _check_use(use)
    if use == "VARS":
        return X.copy()
    if use == "STD":
        Z = _drop_non_finite(_r_scale(X, True))
        if Z.shape[1] == 0:
            raise FitError(_constant_message(use))
        return Z
    A = _r_scale(X, use != "PCS")
    if use != "PCS":
        A = _drop_non_finite(A)
        if A.shape[1] == 0:
            raise FitError(_constant_message(use))
    if A.shape[0] < 3:
        # dgesdd takes another path below 3 rows; two points merge in one step whatever
        # the transformation, so any rotation will do.
        d, V = np.ones(A.shape[1]), np.eye(A.shape[1])
    else:
        d, V = _svd_right(np.ascontiguousarray(A))
    Z = _r_matprod(A, V)
    if use == "PCS":
        return _drop_non_finite(Z)
    if use == "SVD":
        if not np.all(d > 0):
            raise FitError("hc with use='SVD' needs points that are not all on one line "
                           "(a singular value is zero); use 'VARS' or 'STD'")
        Z = _r_matprod(Z, np.diag(1.0 / np.sqrt(d)))
    if not np.all(np.isfinite(Z)):
        raise FitError(f"hc's transformation {use!r} of these points is not finite; "
                       "use 'VARS' or rescale the data")
    return Z


def _constant_message(use: str) -> str:
    return (f"hc with use={use!r} standardises each column and no column varies; "
            "use 'VARS' or 'PCS', or add points that differ")


def _check_use(use) -> str:
    if not isinstance(use, str) or use.upper() not in HC_USES:
        raise InputError(f"unknown hc transformation use={use!r}; expected one of "
                         + ", ".join(HC_USES))
    return use.upper()


def _check_model(model) -> str:
    if not isinstance(model, str) or model.upper() not in HC_MODELS:
        raise InputError(f"unknown hc model {model!r}; expected one of "
                         + ", ".join(HC_MODELS))
    return model.upper()


# --------------------------------------------------------------------------------------
# BLAS/LAPACK level-1 pieces used by hcvvv, as the reference BLAS computes them
# --------------------------------------------------------------------------------------

@_jit
def _drotg(a, b):
    """LAPACK 3.11's drotg: returns (r, z, c, s); r and z overwrite a and b."""
    anorm = abs(a)
    bnorm = abs(b)
    if bnorm == 0.0:
        return a, 0.0, 1.0, 0.0
    if anorm == 0.0:
        return b, 1.0, 0.0, 1.0
    scl = min(_SAFMAX, max(_SFMIN, anorm, bnorm))
    if anorm > bnorm:
        sigma = math.copysign(1.0, a)
    else:
        sigma = math.copysign(1.0, b)
    qa = a / scl
    qb = b / scl
    r = sigma * (scl * math.sqrt(qa * qa + qb * qb))
    c = a / r
    s = b / r
    if anorm > bnorm:
        z = s
    elif c != 0.0:
        z = 1.0 / c
    else:
        z = 1.0
    return r, z, c, s


@_jit
def _mclrup(l, n, v, r, ro, co):
    """mclust's mclrup: add the row ``v[1..n]`` (the l-th observation) to the upper
    triangular factor held in ``r[ro + i - 1, co + j - 1]`` (i, j = 1..n) by Givens
    rotations (drotg + drot); ``v`` is overwritten as in the Fortran.

    Rotating v into R is a QR step on [R; v], so the new R has R'R = W + v v': the scatter
    grows by the new row without ever forming W. With k = l - 1 <= n rows so far, v is
    first placed as row k and rotated against rows 1..k-1."""
    if l == 1:
        return
    k = l - 1
    if k <= n:
        for j in range(1, n + 1):
            r[ro + k - 1, co + j - 1] = v[j]
        if k == 1:
            return
        if n > 1:
            i = 1
            m = n
            for j in range(2, k + 1):
                rr, z, cs, sn = _drotg(r[ro + i - 1, co + i - 1], r[ro + k - 1, co + i - 1])
                r[ro + i - 1, co + i - 1] = rr
                r[ro + k - 1, co + i - 1] = z
                m -= 1
                for t in range(m):
                    xi = r[ro + i - 1, co + j - 1 + t]
                    yk = r[ro + k - 1, co + j - 1 + t]
                    r[ro + i - 1, co + j - 1 + t] = cs * xi + sn * yk
                    r[ro + k - 1, co + j - 1 + t] = cs * yk - sn * xi
                i = j
        else:
            rr, z, cs, sn = _drotg(r[ro, co], r[ro + k - 1, co])
            r[ro, co] = rr
            r[ro + k - 1, co] = z
    else:
        if n > 1:
            i = 1
            m = n
            for j in range(2, n + 1):
                rr, z, cs, sn = _drotg(r[ro + i - 1, co + i - 1], v[i])
                r[ro + i - 1, co + i - 1] = rr
                v[i] = z
                m -= 1
                for t in range(m):
                    xi = r[ro + i - 1, co + j - 1 + t]
                    yv = v[j + t]
                    r[ro + i - 1, co + j - 1 + t] = cs * xi + sn * yv
                    v[j + t] = cs * yv - sn * xi
                i = j
        rr, z, cs, sn = _drotg(r[ro + n - 1, co + n - 1], v[n])
        r[ro + n - 1, co + n - 1] = rr
        v[n] = z


@_jit
def _vvvtij(l, p, r, s, trac, alpha, beta):
    """mclust's vvvtij: l * log(det(W/l) + beta (tr W + alpha) / l), the VVV term of a
    cluster of l points with scatter W = R'R (R in r[1..p, 1..p]), computed stably.

    det2mc's log det(W/l) is 2 sum_k log|r_kk s| with s = sqrt(1/l); the sum is split so
    that whichever of det and trace part dominates is factored out of the log."""
    if l <= p:
        val = math.log(beta * (trac + alpha) / l)
    elif trac == 0.0:
        val = math.log((alpha * beta) / l)
    else:
        detlog = 0.0
        singular = False
        for k in range(1, p + 1):
            q = r[k, k] * s
            if abs(q) <= 0.0:
                singular = True
                break
            detlog = detlog + math.log(abs(q))
        if singular:
            val = math.log(beta * (trac + alpha) / l)
        else:
            detlog = 2.0 * detlog
            if detlog <= 0.0:
                val = math.log(math.exp(detlog) + beta * (trac + alpha) / l)
            else:
                val = math.log(1.0 + math.exp(-detlog) * (beta * (trac + alpha) / l)) + detlog
    return l * val


@_jit
def _ddot_self(v, p):
    """ddot(p, v, 1, v, 1): the sum of squares of v[1..p], added in order from 0."""
    t = 0.0
    for c in range(1, p + 1):
        t = t + v[c] * v[c]
    return t


@_jit
def _trace_w(Z):
    """mclust's traceW(Z / sqrt(n p)) (Fortran mcltrw): the within sum of squares of the
    scaled data about its mean, with the Fortran's order of operations."""
    n, p = Z.shape
    x = Z / math.sqrt(float(n * p))
    fac = 1.0 / math.sqrt(float(n))
    u = np.zeros(p)
    for i in range(n):
        for j in range(p):
            u[j] = u[j] + fac * x[i, j]
    ss = 0.0
    for j in range(p):
        t = 0.0
        for i in range(n):
            y = x[i, j] + (-fac) * u[j]
            t = t + y * y
        ss = ss + t
    return ss


# --------------------------------------------------------------------------------------
# The last minimum of the packed cost array, kept per column
# --------------------------------------------------------------------------------------
# d[pos(i, j)], i < j, pos = (j-1)(j-2)/2 + i, is the cost of merging clusters i and j.
# The Fortran takes the last position holding the minimum. Positions of column j all come
# after those of column j - 1, so that is: the largest column whose minimum is the least,
# and in it the largest row holding it. cmin[j], carg[j] keep each column's (minimum, last
# row); a merge changes whole columns iold and jopt and one or two rows of later columns,
# and only a column whose own minimum sat in a changed row must be rescanned.

@_jit
def _pos(i, j):
    return (j - 1) * (j - 2) // 2 + i


@_jit
def _scan_column(d, j, cmin, carg):
    base = (j - 1) * (j - 2) // 2
    best = d[base + 1]
    arg = 1
    for i in range(2, j):
        if d[base + i] <= best:
            best = d[base + i]
            arg = i
    cmin[j] = best
    carg[j] = arg


@_jit
def _offer(d, k, row, cmin, carg):
    val = d[_pos(row, k)]
    if val < cmin[k] or (val == cmin[k] and row > carg[k]):
        cmin[k] = val
        carg[k] = row


@_jit
def _columns_after_merge(d, lg, iold, jold, swapped, cmin, carg):
    """Refresh the column minima after a merge: columns iold and (if the last cluster was
    moved into it) jold are new; later columns changed in row iold and, past jold, in
    row jold."""
    if iold >= 2:
        _scan_column(d, iold, cmin, carg)
    if swapped:
        _scan_column(d, jold, cmin, carg)
    for k in range(iold + 1, lg + 1):
        if swapped and k == jold:
            continue
        two = swapped and jold < k
        if carg[k] == iold or (two and carg[k] == jold):
            _scan_column(d, k, cmin, carg)
        else:
            _offer(d, k, iold, cmin, carg)
            if two:
                _offer(d, k, jold, cmin, carg)


@_jit
def _best_pair(lg, cmin):
    """The column j of the last minimum over columns 2..lg (its row is carg[j])."""
    bj = 2
    for j in range(3, lg + 1):
        if cmin[j] <= cmin[bj]:
            bj = j
    return bj


@_jit
def _last_min_scan(d, ld):
    """The Fortran's own search: the last minimum of d[1..ld], as (iopt, jopt)."""
    dopt = d[1]
    ij = 1
    for i in range(2, ld + 1):
        if d[i] <= dopt:
            ij = i
            dopt = d[i]
    jopt = 2
    while (jopt - 1) * jopt // 2 < ij:
        jopt += 1
    iopt = ij - (jopt - 1) * (jopt - 2) // 2
    return iopt, jopt


@_jit
def _wardsw(i, n, d):
    """mclust's wardsw: move cluster n's costs into the slots of cluster i (the pair
    (i, n) itself is dropped with column n)."""
    i1 = i - 1
    ii = (i1 * (i1 - 1)) // 2 + 1
    n1 = n - 1
    nn = (n1 * (n1 - 1)) // 2 + 1
    for t in range(i1):
        tmp = d[nn + t]
        d[nn + t] = d[ii + t]
        d[ii + t] = tmp
    ii = ii + i1 + i1
    nn = nn + i
    if n1 == i:
        return
    k = i
    while True:
        tmp = d[ii]
        d[ii] = d[nn]
        d[nn] = tmp
        ii = ii + k
        nn = nn + 1
        k = k + 1
        if not k < n1:
            break


# --------------------------------------------------------------------------------------
# hcvvv
# --------------------------------------------------------------------------------------

@_jit
def _chain_rows_into(x, ic, n, head, dst, ro, count_start, rotate, v):
    """Read the factor rows stored along the chain of cluster ``head`` (row t in
    x[l_t, t..p]) into ``dst`` at rows/columns ro + t - 1: copied as they are
    (``rotate`` false; Fortran loops 110/120/610/620) or rotated in with mclrup and
    observation count ``count_start`` (+1 per row only when ``rotate`` is 2: loops
    310/410; 1 keeps it fixed: loops 130/630). ``v`` (p + 1,) is scratch, as the
    Fortran's v. Returns the cluster's size."""
    p = x.shape[1] - 2
    m = p
    l = ic[head]
    t = 1
    k = count_start
    while True:
        if rotate == 0:
            for c in range(m):
                dst[ro + t - 1, ro + t - 1 + c] = x[l, t + c]
        else:
            for c in range(m):
                v[c + 1] = x[l, t + c]
            _mclrup(k, m, v, dst, ro + t - 1, ro + t - 1)
            if rotate == 2:
                k += 1
        t += 1
        m -= 1
        l = ic[l]
        if l > n:
            break
    return l - n


@_jit
def _hcvvv_kernel(Z, alpha, beta, fast):
    """mclust's hcvvv on all-singleton starting clusters (ng = n, minclus = 1).

    Parameters
    ----------
    Z : ndarray of shape (n, p), n >= 2
    alpha, beta : float
        hcVVV's alpha = traceW(Z / sqrt(n p)) and beta = 1.
    fast : bool
        Keep column minima (same choice, O(n^2) overall) instead of the Fortran's scan of
        the whole cost array after each merge.

    Returns
    -------
    iopts, jopts : ndarray of shape (n - 1,), int64
        The slots merged at each step (1-based, iopt < jopt), as hcvvv records them.
    ok : bool
        False if a cost was not finite.
    """
    n, p = Z.shape
    pp1 = p + 1
    x = np.zeros((n + 1, p + 2))
    for i in range(n):
        for c in range(p):
            x[i + 1, c + 1] = Z[i, c]
    ic = np.ones(n + 1, np.int64)
    iopts = np.zeros(n - 1, np.int64)
    jopts = np.zeros(n - 1, np.int64)
    u = np.zeros((p + 1, p + 1))
    s = np.zeros((p + 1, p + 1))
    r = np.zeros((p + 1, p + 1))
    v = np.zeros(p + 1)
    w = np.zeros(p + 1)
    alpha = max(alpha, EPSMAX)
    ablog = math.log(beta * alpha)
    lg = n
    ld = (n * (n - 1)) // 2
    d = np.zeros(ld + 1)
    cmin = np.zeros(n + 1)
    carg = np.zeros(n + 1, np.int64)
    ok = True
    # Storage, as in the Fortran. Head row x[k, 1..p] of cluster k holds sum_k/sqrt(n_k),
    # so a merge is x = sqrt(ni/nij) x_i + sqrt(nj/nij) x_j; x[k, p+1] holds tr W_k.
    # ic[k] == 1 marks a singleton; otherwise ic[k] starts a chain of spare rows holding
    # the rows of R (W_k = R'R; the first row also holds the term in column p+1) that
    # ends in the value n + n_k. The cost of a merge is term_ij - (term_i + term_j).

    # Two singletons: W = v v' with v = (x_i - x_j)/sqrt(2), so tr W = |v|^2, det W = 0,
    # and the term is 2 log(beta (tr W + alpha) / 2) (vvvtij's case l <= p).
    for j in range(2, n + 1):
        base = (j - 1) * (j - 2) // 2
        for i in range(1, j):
            for c in range(1, p + 1):
                v[c] = RTHALF * (x[i, c] + (-1.0) * x[j, c])
            trcij = _ddot_self(v, p)
            trmij = 2.0 * math.log(beta * (trcij + alpha) / 2.0)
            d[base + i] = trmij - (ablog + ablog)
        if fast:
            _scan_column(d, j, cmin, carg)
    for q in range(1, ld + 1):
        if not math.isfinite(d[q]):
            ok = False
    if not ok:
        return iopts, jopts, ok
    if fast:
        jopt = _best_pair(lg, cmin)
        iopt = carg[jopt]
    else:
        iopt, jopt = _last_min_scan(d, ld)
    dopt = d[_pos(iopt, jopt)]
    # The chosen pair's quantities, as the Fortran keeps them for its best pair.
    for c in range(1, p + 1):
        v[c] = RTHALF * (x[iopt, c] + (-1.0) * x[jopt, c])
    trop = _ddot_self(v, p)
    tmop = 2.0 * math.log(beta * (trop + alpha) / 2.0)
    for c in range(1, p + 1):
        r[1, c] = v[c]
    nopt = 2
    niop = 1
    siop = RTHALF
    sjop = RTHALF
    if n == 2:
        iopts[0] = iopt
        jopts[0] = jopt
        return iopts, jopts, ok

    step = 0
    while True:
        # ---- label 200: merge jopt into iopt; the last cluster moves into slot jopt
        for c in range(1, p + 1):
            v[c] = siop * x[iopt, c]
            v[c] = v[c] + sjop * x[jopt, c]
        swapped = jopt != lg
        if swapped:
            _wardsw(jopt, lg, d)
            for c in range(1, p + 1):
                x[jopt, c] = x[lg, c]
            m = ic[jopt]
            icj = ic[lg]
            if icj != 1:
                x[jopt, pp1] = x[lg, pp1]
            ic[jopt] = icj
            ic[lg] = m
        if niop == 1:
            ic[iopt] = lg
        else:
            l = ic[iopt]
            m = l
            for _ in range(min(niop - 1, p)):
                m = l
                l = ic[l]
            ic[m] = lg
        l = ic[iopt]
        m = l
        for _ in range(min(nopt - 1, p)):
            # Quirk kept: every stored row is the factor's first row.
            for c in range(1, p + 1):
                x[l, c] = r[1, c]
            m = l
            l = ic[l]
        ic[m] = nopt + n
        x[iopt, pp1] = 0.0
        if nopt >= 2:
            x[iopt, pp1] = trop
            x[ic[iopt], pp1] = tmop
        for c in range(1, p + 1):
            x[iopt, c] = v[c]
        iopts[step] = iopt
        jopts[step] = jopt
        step += 1
        jold = jopt
        lg = lg - 1
        ld = ld - lg
        iold = iopt
        dopt = FLMAX
        ni = nopt
        ri = float(ni)
        termi = tmop
        traci = trop

        # ---- costs of merging the new cluster with every other one
        for j in range(1, lg + 1):
            if j == iold:
                continue
            for a in range(p + 1):
                for b in range(p + 1):
                    u[a, b] = 0.0
            for k in range(1, min(ni - 1, p) + 1):
                for c in range(k, p + 1):
                    u[k, c] = r[k, c]
            nj = 1
            icj = ic[j]
            # v = sqrt(ni nj / nij) (mean_j - mean_i): |v|^2 is what tr W gains when the
            # two merge, and v added as one more row to both factors gives R of W_ij.
            if icj == 1:
                nij = ni + 1
                rij = float(nij)
                qij = 1.0 / rij
                qi = ri * qij
                si = math.sqrt(qi)
                sj = math.sqrt(qij)
                sij = sj
                for c in range(1, p + 1):
                    v[c] = si * x[j, c]
                    v[c] = v[c] + (-sj) * x[iold, c]
                trcij = traci + _ddot_self(v, p)
                termj = ablog
            else:
                nj = _chain_rows_into(x, ic, n, j, u, 1, ni + 1, 2, w)
                tracj = x[j, pp1]
                termj = x[ic[j], pp1]
                rj = float(nj)
                nij = ni + nj
                rij = float(nij)
                qij = 1.0 / rij
                qi = ri * qij
                qj = rj * qij
                si = math.sqrt(qi)
                sj = math.sqrt(qj)
                sij = math.sqrt(qij)
                for c in range(1, p + 1):
                    v[c] = si * x[j, c]
                    v[c] = v[c] + (-sj) * x[iold, c]
                trcij = (traci + tracj) + _ddot_self(v, p)
            _mclrup(nij, p, v, u, 1, 1)
            trmij = _vvvtij(nij, p, u, sij, trcij, alpha, beta)
            dij = trmij - (termi + termj)
            if not math.isfinite(dij):
                ok = False
            if j < iold:
                d[_pos(j, iold)] = dij
            else:
                d[_pos(iold, j)] = dij
            if dij <= dopt:
                dopt = dij
                trop = trcij
                tmop = trmij
                nopt = nij
                if j < iold:
                    niop = nj
                    siop = sj
                    sjop = si
                    iopt = j
                    jopt = iold
                else:
                    niop = ni
                    siop = si
                    sjop = sj
                    iopt = iold
                    jopt = j
                for k in range(1, min(nij - 1, p) + 1):
                    for c in range(k, p + 1):
                        s[k, c] = u[k, c]
        if not ok:
            return iopts, jopts, ok

        # ---- the next merge: the last minimum of the cost array
        if lg == 2:
            iopts[step] = 1
            jopts[step] = 2
            return iopts, jopts, ok
        if fast:
            _columns_after_merge(d, lg, iold, jold, swapped, cmin, carg)
            jopt = _best_pair(lg, cmin)
            iopt = carg[jopt]
        else:
            iopt, jopt = _last_min_scan(d, ld)
        dopt = d[_pos(iopt, jopt)]
        for a in range(p + 1):
            for b in range(p + 1):
                r[a, b] = 0.0
        if iopt != iold and jopt != iold:
            # Neither is the new cluster: rebuild the pair's factor from the chains.
            i = iopt
            j = jopt
            nj = 1
            icj = ic[j]
            ni = 1
            ici = ic[i]
            if icj == 1:
                termj = ablog
                if ici == 1:
                    nij = 2
                    si = RTHALF
                    sj = RTHALF
                    for c in range(1, p + 1):
                        v[c] = RTHALF * (x[i, c] + (-1.0) * x[j, c])
                    trcij = _ddot_self(v, p)
                    for c in range(1, p + 1):
                        r[1, c] = v[c]
                    termi = ablog
                else:
                    ni = _chain_rows_into(x, ic, n, i, r, 1, 0, 0, w)
                    traci = x[i, pp1]
                    termi = x[ic[i], pp1]
                    ri = float(ni)
                    nij = ni + 1
                    rij = float(nij)
                    qij = 1.0 / rij
                    qi = ri * qij
                    si = math.sqrt(qi)
                    sj = math.sqrt(qij)
                    for c in range(1, p + 1):
                        v[c] = sj * x[i, c]
                        v[c] = v[c] + (-si) * x[j, c]
                    trcij = traci + _ddot_self(v, p)
                    _mclrup(nij, p, v, r, 1, 1)
            else:
                nj = _chain_rows_into(x, ic, n, j, r, 1, 0, 0, w)
                tracj = x[j, pp1]
                termj = x[ic[j], pp1]
                rj = float(nj)
                if ici == 1:
                    nij = nj + 1
                    rij = float(nij)
                    qij = 1.0 / rij
                    qj = rj * qij
                    si = math.sqrt(qij)
                    sj = math.sqrt(qj)
                    for c in range(1, p + 1):
                        v[c] = sj * x[i, c]
                        v[c] = v[c] + (-si) * x[j, c]
                    trcij = tracj + _ddot_self(v, p)
                    termi = ablog
                else:
                    ni = _chain_rows_into(x, ic, n, i, r, 1, nj + 1, 1, w)
                    traci = x[i, pp1]
                    termi = x[ic[i], pp1]
                    ri = float(ni)
                    nij = ni + nj
                    rij = float(nij)
                    qij = 1.0 / rij
                    qi = ri * qij
                    qj = rj * qij
                    si = math.sqrt(qi)
                    sj = math.sqrt(qj)
                    for c in range(1, p + 1):
                        v[c] = sj * x[i, c]
                        v[c] = v[c] + (-si) * x[j, c]
                    trcij = (traci + tracj) + _ddot_self(v, p)
                _mclrup(nij, p, v, r, 1, 1)
            trop = trcij
            tmop = dopt + (termi + termj)
            nopt = nij
            niop = ni
            siop = si
            sjop = sj
        else:
            # The new cluster is in it: its factor was kept in s by the loop above.
            for k in range(1, min(nopt - 1, p) + 1):
                for c in range(k, p + 1):
                    r[k, c] = s[k, c]
            l = ic[iopt]
            if l != 1:
                while l <= n:
                    l = ic[l]
                niop = l - n
            else:
                niop = 1
            l = ic[jopt]
            if l != 1:
                while l <= n:
                    l = ic[l]
                njop = l - n
            else:
                njop = 1
            nopt = niop + njop
        # (The Fortran's other exit, ls == ns, only matters for minclus > 1: with
        # minclus = 1 the lg == 2 exit above always comes first.)


# --------------------------------------------------------------------------------------
# hceii
# --------------------------------------------------------------------------------------

@_jit
def _hceii_kernel(Z, fast):
    """mclust's hceii (Ward's criterion) on all-singleton starting clusters.

    Parameters and returns as :func:`_hcvvv_kernel` (no alpha, beta)."""
    n, p = Z.shape
    ic = np.ones(n + 1, np.int64)
    iopts = np.zeros(n - 1, np.int64)
    jopts = np.zeros(n - 1, np.int64)
    lg = n
    ld = (n * (n - 1)) // 2
    d = np.zeros(ld + 1)
    cmin = np.zeros(n + 1)
    carg = np.zeros(n + 1, np.int64)
    v = np.zeros(p + 1)
    ok = True
    # Singletons: d = |sqrt(1/2) x_i - sqrt(1/2) x_j|^2, the Ward increase in the sum
    # of squares (sqrt(ri/rij) with ri = 1, rij = 2, as the Fortran computes it).
    si = math.sqrt(1.0 / 2.0)
    for j in range(2, n + 1):
        base = (j - 1) * (j - 2) // 2
        for i in range(1, j):
            for c in range(1, p + 1):
                v[c] = si * Z[i - 1, c - 1]
                v[c] = v[c] + (-si) * Z[j - 1, c - 1]
            d[base + i] = _ddot_self(v, p)
        if fast:
            _scan_column(d, j, cmin, carg)
    for q in range(1, ld + 1):
        if not math.isfinite(d[q]):
            ok = False
    if not ok:
        return iopts, jopts, ok
    if fast:
        jopt = _best_pair(lg, cmin)
        iopt = carg[jopt]
    else:
        iopt, jopt = _last_min_scan(d, ld)
    dopt = d[_pos(iopt, jopt)]
    if n == 2:
        iopts[0] = iopt
        jopts[0] = jopt
        return iopts, jopts, ok
    step = 0
    while True:
        ni = ic[iopt]
        nj = ic[jopt]
        nij = ni + nj
        ic[iopt] = nij
        ic[jopt] = -iopt
        swapped = jopt != lg
        if swapped:
            _wardsw(jopt, lg, d)
            m = ic[jopt]
            ic[jopt] = ic[lg]
            ic[lg] = m
        si = float(ni)
        sj = float(nj)
        sij = float(nij)
        dold = dopt
        iold = iopt
        jold = jopt
        iopts[step] = iopt
        jopts[step] = jopt
        step += 1
        lg = lg - 1
        ld = ld - lg
        # Lance-Williams for Ward: d(k, i+j) = ((nk+ni) d(k,i) + (nk+nj) d(k,j)
        # - nk d(i,j)) / (nk+ni+nj); d(k, jold) now sits in the dropped column lg + 1.
        for j in range(1, lg + 1):
            if j == iold:
                continue
            rj = float(ic[j])
            ik = _pos(j, iold) if j < iold else _pos(iold, j)
            jk = ld + j
            dij = (rj + si) * d[ik] + (rj + sj) * d[jk]
            dij = (dij - rj * dold) / (rj + sij)
            if not math.isfinite(dij):
                ok = False
            d[ik] = dij
        if not ok:
            return iopts, jopts, ok
        if lg == 2:
            iopts[step] = 1
            jopts[step] = 2
            return iopts, jopts, ok
        if fast:
            _columns_after_merge(d, lg, iold, jold, swapped, cmin, carg)
            jopt = _best_pair(lg, cmin)
            iopt = carg[jopt]
        else:
            iopt, jopt = _last_min_scan(d, ld)
        dopt = d[_pos(iopt, jopt)]


def _pairs_from_slots(iopts: np.ndarray, jopts: np.ndarray, n: int) -> np.ndarray:
    """hcvvv/hceii's last block (label 900): turn the merged slots into pairs of cluster
    labels, each the smallest original index in its cluster, smaller label first."""
    ic = np.arange(n + 1)
    pairs = np.empty((2, n - 1), dtype=np.int64)
    for k in range(n - 1):
        i, j = int(iopts[k]), int(jopts[k])
        ici, icj = int(ic[i]), int(ic[j])
        if ici > icj:
            ic[i] = icj
        # the last slot of this step (n - k) moves into slot j
        ic[j] = ic[n - k]
        pairs[0, k], pairs[1, k] = min(ici, icj), max(ici, icj)
    return pairs


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

def _slots(Z: np.ndarray, model: str, fast: bool = True):
    """The merged slots of mclust's hc kernel for ``model`` on the transformed data."""
    Z = np.ascontiguousarray(Z, dtype=np.float64)
    if model == "VVV":
        alpha = max(1.0 * float(_trace_w(Z)), EPSMAX)
        iopts, jopts, ok = _hcvvv_kernel(Z, alpha, 1.0, fast)
    else:
        iopts, jopts, ok = _hceii_kernel(Z, fast)
    if not ok:
        raise FitError(f"hierarchical agglomeration ({model}) broke down: a merge cost is "
                       "not finite; rescale the data or use another transformation")
    return iopts, jopts


def hc_merges(X, model="VVV", use="SVD"):
    """mclust's hc(): the agglomeration sequence, an int array of shape (2, n-1) of 1-based
    merge pairs exactly as mclust returns it (its 'hcPairs'), for X (n, 2).

    Each column is one merge, in order: the two clusters joined, each named by the
    smallest (1-based) index of its points, the smaller name first.

    Duplicated points: mclust's ``hc`` has ``partition = dupPartition(data)`` as a default
    argument, but passes its call on to ``hcVVV``/``hcEII`` without it, so (R evaluating
    lazily) ``dupPartition``, and its ``kmeans`` on the distinct points, never runs: every
    point starts as its own cluster and duplicates simply merge first (their cost is the
    smallest possible). This function does the same, so it matches ``hc`` exactly.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
        n_samples >= 2.
    model : {"VVV", "EII"}
        The hc model (mclust's hcModelName; "VVV" is its default).
    use : {"SVD", "VARS", "STD", "PCS", "PCR"}
        The transformation before agglomerating (mclust's hcUse; "SVD" is its default).

    Returns
    -------
    ndarray of shape (2, n_samples - 1), dtype int64

    Raises
    ------
    InputError
        Fewer than two points, not (n, 2) finite numbers, or an unknown model or use.
    FitError
        The transformation or the agglomeration breaks down numerically.
    """
    X = as_points(X)
    model = _check_model(model)
    use = _check_use(use)
    if X.shape[0] < 2:
        raise InputError("hierarchical agglomeration needs at least two points")
    # Model selection starts every (K, model) cell from hc on the same points: the
    # merges are computed once and cut at each K.
    key = (X.tobytes(), X.shape, model, use)
    with _MERGES_LOCK:
        cached = _MERGES.get(key)
    if cached is not None:
        return cached
    Z = transform(X, use)
    iopts, jopts = _slots(Z, model)
    merges = _pairs_from_slots(iopts, jopts, X.shape[0])
    merges.setflags(write=False)
    with _MERGES_LOCK:
        _MERGES[key] = merges
        while len(_MERGES) > MERGES_KEPT:
            _MERGES.pop(next(iter(_MERGES)))
    return merges


#: How many hc results :func:`hc_merges` keeps (the latest).
MERGES_KEPT = 4
_MERGES: dict = {}
_MERGES_LOCK = threading.Lock()


def hc_classes(merges, n_groups) -> np.ndarray:
    """mclust's hclass(hcPairs, G): 0-based labels (n,) of the partition into n_groups
    groups, numbered as mclust numbers them (so the same labels up to mclust's own order;
    keep mclust's order exactly).

    The first n - G merges are applied; hclass then numbers the groups in the order of
    their first point (``partconv(consec = TRUE)``), here from 0.

    Parameters
    ----------
    merges : array-like of shape (2, n - 1)
        1-based merge pairs as :func:`hc_merges` returns them (mclust's hcPairs for
        points without a starting partition).
    n_groups : int
        G, from 1 to n.

    Returns
    -------
    ndarray of shape (n,), dtype intp

    Raises
    ------
    InputError
        Merges not of shape (2, n - 1) with labels in 1..n, or G outside 1..n.
    """
    try:
        pairs = np.asarray(merges)
    except (TypeError, ValueError) as exc:
        raise InputError(f"merges must be an array of shape (2, n - 1) ({exc})") from None
    if pairs.ndim != 2 or pairs.shape[0] != 2 or not np.issubdtype(pairs.dtype, np.integer):
        raise InputError(f"merges must be integers of shape (2, n - 1), got {pairs.shape}")
    n = pairs.shape[1] + 1
    if pairs.size and (pairs.min() < 1 or pairs.max() > n):
        raise InputError(f"merge labels must lie in 1..{n}")
    g = check_n_components(n_groups)
    if g > n:
        raise InputError(f"cannot cut {n} points into {g} groups")
    # hclass relabels the larger name of each pair as the smaller one; a union-find on
    # 0-based names gives the same groups.
    parent = np.arange(n)

    def root(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for k in range(n - g):
        a, b = root(int(pairs[0, k]) - 1), root(int(pairs[1, k]) - 1)
        if a == b:
            raise InputError(f"merge {k + 1} joins a cluster with itself")
        parent[max(a, b)] = min(a, b)
    roots = np.array([root(a) for a in range(n)])
    _, first, inverse = np.unique(roots, return_index=True, return_inverse=True)
    # partconv: number the groups by their first point.
    order = np.argsort(np.argsort(first))
    return order[inverse].astype(np.intp)


def hc_labels(X, n_components, *, model="VVV", use="SVD", seed=0) -> np.ndarray:
    """Labels (n,) 0..K-1 of the hc partition into n_components groups, as Mclust's default
    initialisation makes it.

    Up to :data:`HC_SUBSET` points this is ``hclass(hc(X, model, use), K)`` exactly. Beyond,
    as ``mclustBIC`` does: hc runs on a random subset of :data:`HC_SUBSET` points (in the
    order drawn), the subset's classes give parameters by an M-step (the covariance model
    is the hc model: VVV, or EII) and an E-step over all the points labels each by its
    most responsible component. The subset cannot be R's: it comes from
    ``numpy.random.default_rng(seed).choice(n, HC_SUBSET, replace=False)``. mclust's M-step
    has no regularisation, so a one-point class breaks its E-step; here each covariance
    gets ``1e-6`` times the data's mean variance on its diagonal instead.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    n_components : int
        K, from 1 to n_samples.
    model : {"VVV", "EII"}
    use : {"SVD", "VARS", "STD", "PCS", "PCR"}
    seed : int or None
        Seed of the subset draw (used only beyond HC_SUBSET points).

    Returns
    -------
    ndarray of shape (n_samples,), dtype intp

    Raises
    ------
    InputError
        K outside 1..n_samples, bad points, or an unknown model or use.
    FitError
        The agglomeration breaks down numerically.
    """
    X = as_points(X)
    k = check_n_components(n_components)
    model = _check_model(model)
    use = _check_use(use)
    n = X.shape[0]
    if k > n:
        raise InputError(f"{n} points cannot form {k} groups; use K <= {n}")
    if k == 1:
        return np.zeros(n, dtype=np.intp)
    if n <= HC_SUBSET:
        return hc_classes(hc_merges(X, model, use), k)
    subset = np.random.default_rng(seed).choice(n, HC_SUBSET, replace=False)
    sub = X[subset]
    classes = hc_classes(hc_merges(sub, model, use), k)
    spread = float(np.mean(np.var(X, axis=0)))
    reg = 1e-6 * spread if spread > 0 else 1e-6
    mix = mixture_from_labels(sub, classes, k, "full" if model == "VVV" else "EII", reg)
    return predict(X, mix).astype(np.intp)
