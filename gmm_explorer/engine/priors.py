"""mclust's conjugate prior on the means and covariances (Fraley & Raftery 2007), and the
M-step that EM with it takes: its ``me*p`` Fortran routines, ported as they compute, not
as the paper writes them.

The prior (:func:`default_prior`, mclust's ``defaultPrior``) has a shrinkage κ_P (0.01),
a mean μ_P (the data's column means), degrees of freedom ν_P (d + 2 = 4) and a scale Λ_P:
one number ``(fac · (var x + var y)) / 2`` for the spherical and diagonal models, the
matrix ``fac · var(X)`` for the ellipsoidal ones, with ``fac = (1/G)^(2/d)`` = 1/G in 2-D.

:func:`map_parameters` is the M-step of the routine mclust's ``me()`` runs with
``prior = priorControl()``. For each component, with n_k = Σ_i r_ik, x̄_k its weighted
mean and W_k = Σ_i r_ik (x_i − x̄_k)(x_i − x̄_k)ᵀ its scatter, every routine uses

    c_k = κ_P n_k / (n_k + κ_P),    B_k = c_k (μ_P − x̄_k)(μ_P − x̄_k)ᵀ,
    mean_k = (n_k x̄_k + κ_P μ_P) / (n_k + κ_P),    weight_k = n_k / N,

and then (ν = ν_P, κ = κ_P, [κ] = 1 if κ > 0 else 0, p = 2, N the number of points):

=====  ========  ==========================================================================
model  routine   covariance
=====  ========  ==========================================================================
EII    meeiip    σ² I,  σ² = Σ_k tr(W_k + B_k) / (ν + (N + G) p + 2)
VII    meviip    σ_k² I,  σ_k² = (Λ_P + tr(W_k + B_k)) / (ν + p n_k + 2 + p[κ])
EEI    meeeip    λ A,  s = Λ_P + Σ_k diag(W_k + B_k), g = geomean(s), A = s / g,
                 λ = g / (ν + 1 + [κ] + N)
VEI    meveip    λ_k A: alternate λ_k = Σ_j w_jk / A_j / (p n_k + ν + 2 + [κ]) and
                 A ∝ Σ_k w_k / λ_k (geomean 1), w_k = Λ_P + diag(W_k + B_k)
EVI    meevip    λ A_k,  s_k = Λ_P + diag(W_k + B_k), A_k = s_k / geomean(s_k),
                 λ = Σ_k geomean(s_k) / (ν + 1 + N + [κ])
VVI    mevvip    λ_k A_k,  s_k as EVI, λ_k = geomean(s_k) / (n_k + ν + 2 + [κ])
EEE    meeeep    (Λ_P + Σ_k (W_k + B_k)) / (ν + p + 1 + N + G[κ])
EEV    meeevp    λ D_k A D_kᵀ,  Ω_k, D_k the eigenvalues (descending) and axes of
                 Λ_P + W_k + B_k, s = Σ_k Ω_k, A = s / geomean(s),
                 λ = geomean(s) / (ν + p + 1 + [κ] + N)
VEV    mevevp    λ_k D_k A D_kᵀ, D_k and Ω_k as EEV: alternate λ_k = Σ_j Ω_jk / A_j / (p n_k)
                 and A ∝ Σ_k Ω_k / λ_k (geomean 1)
VVV    mevvvp    (Λ_P + W_k + B_k) / (ν + n_k + p + 2)
=====  ========  ==========================================================================

Quirks of the Fortran, replicated as the code has them (not as the paper writes them):

* EII (meeiip) never adds the prior scale Λ_P, and its denominator counts (N + G) p
  whether or not κ > 0.
* VII (meviip) adds Λ_P once to the trace (not p times), and p more to the denominator
  when κ > 0.
* EEI (meeeip) does not shrink the means: they stay the weighted means x̄_k (its B_k
  still uses the unshrunk x̄_k, as every routine's does).
* The denominators differ from model to model as in the table: EEE adds G when κ > 0
  where EEV adds 1; VVI uses n_k where VII and VEI use p n_k; VVV has no κ term.
* VEV (mevevp) ignores ν_P in its volumes: λ_k = Σ_j Ω_jk / A_j / (p n_k), the prior
  enters only through Ω_k (Λ_P and B_k) and the shrunk means.
* VEI's and VEV's inner iterations keep their state between EM iterations (``previous``
  here, as in :mod:`~gmm_explorer.engine.models`). meveip starts a run at λ_k = 1,
  A = 1 and stops when the largest relative change is ``<= tol``; mevevp starts a run at
  A = Σ_k Ω_k / geomean, λ_k = geomean / n_k and stops when it is ``< tol`` (its loop
  tests ``errin >= tol``).
* mclust's failure codes become :class:`~gmm_explorer.errors.FitError`: a component's
  mass n_k <= sqrt(eps); a volume, shape or σ² at or below eps (a geometric mean whose
  log exceeds 709 overflows); EEE and VVV when the Cholesky factor's diagonal has
  min |u_jj| / (1 + max |u_jj|) <= sqrt(eps); EEV when √(λ A_j) <= sqrt(eps); VEV when
  √A_j <= sqrt(eps). These floors are absolute, as mclust's are.

With a noise component (``Vinv``; ``map_parameters(..., noise=True)``) the weights stay
n_k / N and the routines that pool the components count their mass Σ n_k (mclust's sumz)
in place of N, as mclust's do (tests/mclust/reference_noise_prior.json).

Not replicated: equal proportions (``EQPRO``), and the guards meviip and meevip put on each point's contribution (dropped below ~1e-154,
i.e. underflow), which the sufficient statistics cannot see. The Fortran builds W_k + B_k
+ Λ_P by Givens rotations on chol(Λ_P) and takes Ω_k by an SVD of that factor; the same
matrices are formed here directly, from statistics about nearby centres, which agree to
rounding. mclust's reported log-likelihood is that of the data alone (without the prior).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.engine.mixture import cholesky_2x2
from gmm_explorer.engine.models import (
    INNER_MAX_ITER,
    INNER_TOL,
    _diag_matrices,
    _eig_desc,
    canonical,
    label,
    mclust_code,
)
from gmm_explorer.errors import FitError, InputError

#: mclust's models that have a conjugate prior, as this project names them
#: (gmm_explorer.engine.models.canonical: "spherical" is VII, "diag" VVI, "tied" EEE, "full" VVV;
#: the others are mclust codes "EII", "EEI", "VEI", "EVI", "EEV", "VEV").
PRIOR_MODELS: tuple[str, ...] = ("EII", "spherical", "EEI", "VEI", "EVI", "diag", "tied",
                                 "EEV", "VEV", "full")

#: The models whose prior scale is one number (mclust's defaultPrior for "XII"/"XXI");
#: the others' is a 2 x 2 matrix ("XXX").
_SCALAR_SCALE = ("EII", "VII", "EEI", "VEI", "EVI", "VVI")

_P = 2                                    # the dimension
_EPS = float(np.finfo(np.float64).eps)    # emControl()$eps
_RTEPS = float(np.sqrt(_EPS))             # the Fortran's rteps
_BIGLOG = 709.0                           # the Fortran's BIGLOG: exp overflows beyond it


@dataclass(frozen=True, eq=False)
class ConjugatePrior:
    """mclust's conjugate prior: a normal on each mean given its covariance, an inverse
    Wishart (or inverse gamma) on the covariances.

    Parameters
    ----------
    shrinkage : float
        κ_P, how many points' worth the prior mean counts for (mclust's default 0.01);
        0 disables the shrinkage of the means.
    mean : array-like of shape (2,)
        μ_P, where the means are shrunk towards (default: the data's column means).
    dof : float
        ν_P, the degrees of freedom (default d + 2 = 4).
    scale : array-like of shape () or (2, 2)
        Λ_P as mclust's defaultPrior makes it for the model: one number (a 0-d array) for
        EII, VII, EEI, VEI, EVI and VVI, added to each variance (to σ² once for VII, not at
        all for EII); a symmetric 2 x 2 matrix for EEE, EEV, VEV and VVV.

    The arrays are stored as read-only float64 copies.
    """

    shrinkage: float
    mean: np.ndarray
    dof: float
    scale: np.ndarray

    def __post_init__(self):
        shrinkage, dof = float(self.shrinkage), float(self.dof)
        if not (np.isfinite(shrinkage) and shrinkage >= 0.0):
            raise InputError(f"the prior's shrinkage must be a finite number >= 0, "
                             f"got {self.shrinkage!r}")
        if not np.isfinite(dof):
            raise InputError(f"the prior's degrees of freedom must be finite, got {self.dof!r}")
        mean = np.array(self.mean, dtype=np.float64)
        scale = np.array(self.scale, dtype=np.float64)
        if mean.shape != (_P,) or not np.isfinite(mean).all():
            raise InputError(f"the prior's mean must be 2 finite numbers, got shape {mean.shape}")
        if scale.shape not in ((), (_P, _P)) or not np.isfinite(scale).all():
            raise InputError("the prior's scale must be one finite number or a finite 2 x 2 "
                             f"matrix, got shape {scale.shape}")
        if scale.shape == (_P, _P) and scale[0, 1] != scale[1, 0]:
            raise InputError("the prior's scale matrix must be symmetric")
        mean.setflags(write=False)
        scale.setflags(write=False)
        object.__setattr__(self, "shrinkage", shrinkage)
        object.__setattr__(self, "dof", dof)
        object.__setattr__(self, "mean", mean)
        object.__setattr__(self, "scale", scale)


def split_by_prior(models) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``models`` (canonical names) split into those mclust has a prior for and the
    others, each in the given order."""
    models = tuple(models)
    return (tuple(m for m in models if m in PRIOR_MODELS),
            tuple(m for m in models if m not in PRIOR_MODELS))


def check_prior_model(model: str) -> None:
    """Check that mclust has a conjugate prior for ``model``.

    Parameters
    ----------
    model : str
        A model name or mclust code (see :func:`~gmm_explorer.engine.models.canonical`).

    Raises
    ------
    InputError
        An unknown model, or one of VEE, EVE, VVE and EVV, for which mclust's ``me()``
        stops with "model is not available with prior".
    """
    name = canonical(model)
    if name not in PRIOR_MODELS:
        raise InputError(
            f"mclust has no conjugate prior for {mclust_code(name)}; use one of "
            + ", ".join(label(m) for m in PRIOR_MODELS) + ", or fit without the prior")


def default_prior(data_mean, data_covariance, n_samples: int, n_components: int,
                  model: str) -> ConjugatePrior:
    """mclust's ``defaultPrior(data, G, modelName)`` for 2-D data.

    Parameters
    ----------
    data_mean : array-like of shape (2,)
        The data's column means.
    data_covariance : array-like of shape (2, 2)
        The data's covariance with divisor N − 1 (R's ``var()``).
    n_samples : int
        N; with N <= 2 mclust takes only the diagonal of the covariance.
    n_components : int
        G.
    model : str
        A model with a prior (:data:`PRIOR_MODELS`, or its mclust code).

    Returns
    -------
    ConjugatePrior
        shrinkage 0.01, mean ``data_mean``, dof 4, and scale
        ``(fac * (var_x + var_y)) / 2`` (0-d) for EII, VII, EEI, VEI, EVI, VVI or
        ``fac * data_covariance`` (2, 2) for EEE, EEV, VEV, VVV, with ``fac = (1/G)^(2/2)``.

    Raises
    ------
    InputError
        A model without a prior, G < 1, N < 2, or a mean or covariance of the wrong shape.
    """
    check_prior_model(model)
    code = mclust_code(model)
    g, n = int(n_components), int(n_samples)
    if g < 1:
        raise InputError(f"the prior needs at least one component, got G={n_components}")
    if n < 2:
        raise InputError(f"the default prior needs the data's variance: at least 2 points, "
                         f"got {n_samples}")
    mean = np.asarray(data_mean, dtype=np.float64)
    cov = np.asarray(data_covariance, dtype=np.float64)
    if mean.shape != (_P,) or cov.shape != (_P, _P):
        raise InputError(f"expected a mean of shape (2,) and a covariance of shape (2, 2), "
                         f"got {mean.shape} and {cov.shape}")
    fac = (1.0 / g) ** (2.0 / _P)
    if code in _SCALAR_SCALE:
        scale = np.array((fac * (cov[0, 0] + cov[1, 1])) / _P)
    elif n > _P:
        scale = fac * cov
    else:
        scale = fac * np.diag(np.diag(cov))
    return ConjugatePrior(shrinkage=0.01, mean=mean, dof=float(_P + 2), scale=scale)


def map_parameters(stats, centres, n_samples: int, model: str, prior: ConjugatePrior,
                   previous=None, noise: bool = False):
    """The MAP M-step of mclust's ``me*p`` routine for ``model`` (see the module's table).

    Parameters
    ----------
    stats : ndarray of shape (K, 6)
        Per component ``S0, S1x, S1y, S2xx, S2xy, S2yy``: Σ_i r_ik, Σ_i r_ik (x_i − c_k)
        and Σ_i r_ik (x_i − c_k)(x_i − c_k)ᵀ (xx, xy, yy), about ``centres``.
    centres : ndarray of shape (K, 2)
        c_k; nearby points (the previous means) keep the statistics precise.
    n_samples : int
        N, the number of points.
    model : str
        A model with a prior (:data:`PRIOR_MODELS`, or its mclust code).
    prior : ConjugatePrior
        Its scale must have the model's shape: () for EII, VII, EEI, VEI, EVI, VVI and
        (2, 2) for EEE, EEV, VEV, VVV.
    previous : ndarray of shape (K, 2, 2), optional
        The covariances of the previous EM iteration of the same model, where VEI's and
        VEV's inner iterations go on from (mclust keeps that state between iterations).
        None: mclust's start of a run. Ignored by the other models.
    noise : bool
        The statistics are the Gaussians' shares beside a uniform noise component
        (mclust's ``me*p`` with ``Vinv``): the weights stay n_k / N (the noise keeps the
        rest), and where the routines pool the components they count their total mass
        Σ n_k in place of N, as mclust's do.

    Returns
    -------
    weights : ndarray of shape (K,)
        mclust's ``pro``, n_k / N.
    means : ndarray of shape (K, 2)
    covariances : ndarray of shape (K, 2, 2)

    Raises
    ------
    InputError
        A model without a prior, or inputs of the wrong shape.
    FitError
        Where mclust's routine gives up: a component's mass at or below sqrt(eps), or a
        volume, shape or variance at or below its floor.
    """
    check_prior_model(model)
    code = mclust_code(model)
    stats = np.asarray(stats, dtype=np.float64)
    centres = np.asarray(centres, dtype=np.float64)
    k = stats.shape[0] if stats.ndim == 2 else -1
    if stats.shape != (k, 6) or centres.shape != (k, _P) or k < 1:
        raise InputError(f"expected stats of shape (K, 6) and centres of shape (K, 2), got "
                         f"{stats.shape} and {centres.shape}")
    if not isinstance(prior, ConjugatePrior):
        raise InputError(f"prior must be a ConjugatePrior, got {type(prior).__name__}")
    want = () if code in _SCALAR_SCALE else (_P, _P)
    if prior.scale.shape != want:
        raise InputError(f"the prior for {code} needs a scale of shape {want} (as mclust's "
                         f"defaultPrior makes it), got {prior.scale.shape}")
    n = float(n_samples)
    if not n > 0:
        raise InputError(f"n_samples must be positive, got {n_samples!r}")
    if previous is not None:
        previous = np.asarray(previous, dtype=np.float64)
        if previous.shape != (k, _P, _P):
            raise InputError(f"previous covariances must have shape {(k, _P, _P)}, got "
                             f"{previous.shape}")

    nk = stats[:, 0]
    small = nk <= _RTEPS
    if small.any():
        j = int(np.argmax(small))
        raise FitError(
            f"component {j + 1} claims {nk[j]:.3g} points, at or below mclust's floor "
            f"sqrt(eps) = {_RTEPS:.3g} (mclust: \"mixing proportion fell below "
            "threshold\"); use fewer components or start from other responsibilities")
    weights = nk / n
    # x̄_k = c_k + S1/S0; the scatter about x̄_k is S2 − S1 S1ᵀ/S0 = S2 − S1 δᵀ (δ = S1/S0),
    # taken about the nearby c_k so that nothing large cancels.
    delta = stats[:, 1:3] / nk[:, None]
    xbar = centres + delta
    scatter = np.empty((k, _P, _P))
    scatter[:, 0, 0] = stats[:, 3] - stats[:, 1] * delta[:, 0]
    scatter[:, 1, 1] = stats[:, 5] - stats[:, 2] * delta[:, 1]
    scatter[:, 0, 1] = scatter[:, 1, 0] = stats[:, 4] - stats[:, 1] * delta[:, 1]
    # The prior's pull on the scatter: B_k = c_k (μ_P − x̄_k)(μ_P − x̄_k)ᵀ, c_k = κ n_k/(n_k + κ).
    kappa = prior.shrinkage
    off = prior.mean - xbar
    c = kappa * nk / (nk + kappa)
    pulled = scatter + c[:, None, None] * off[:, :, None] * off[:, None, :]
    # (n_k x̄_k + κ μ_P)/(n_k + κ) written as x̄_k + κ/(n_k + κ) (μ_P − x̄_k): the same mean,
    # formed from the offset so a mean far from the origin keeps its digits.
    means = xbar + (kappa / (nk + kappa))[:, None] * off
    shrinks = 1.0 if kappa > 0 else 0.0   # the Fortran's "if (pshrnk .gt. zero)" terms

    # mclust pools over the Gaussians' mass (its sumz) beside a noise component; VEV's
    # pro(k) * n is n_k either way.
    pooled = float(nk.sum()) if noise and code != "VEV" else n
    cov = _COVARIANCES[code](pulled, nk, weights, pooled, prior, shrinks, previous)
    if code == "EEI":
        means = xbar                      # meeeip leaves the means unshrunk
    cov[:, 1, 0] = cov[:, 0, 1]
    return weights, means, cov


# ----------------------------------------------------------------------------- failures

def _floor(code: str, what: str) -> FitError:
    return FitError(
        f"{code} with mclust's prior: {what} fell to mclust's floor (its routine gives up "
        "here); use fewer components, another model, or rescale the data (the floors are "
        "absolute)")


def _geometric_mean(s: np.ndarray, code: str, what: str) -> np.ndarray:
    """exp(mean(log s)) over the last axis, failing where the Fortran does: a log above
    BIGLOG (overflow)."""
    with np.errstate(divide="ignore"):
        logm = np.log(s).mean(axis=-1)
    if np.any(logm > _BIGLOG):
        raise _floor(code, f"a {what} overflowed")
    return np.exp(logm)


# ----------------------------------------------------------------------------- per model
# Each takes (pulled (K,2,2) = W_k + B_k, nk, weights, N, prior, shrinks, previous) and
# returns the covariances (K, 2, 2).

def _diagonals(pulled: np.ndarray) -> np.ndarray:
    return np.stack([pulled[:, 0, 0], pulled[:, 1, 1]], axis=1)       # (K, 2)


def _eii(pulled, nk, weights, n, prior, shrinks, previous):
    k = nk.shape[0]
    # meeiip: Σ_k tr(W_k + B_k), no Λ_P, over ν + (N + G) p + 2 whatever κ.
    sigsq = np.trace(pulled, axis1=1, axis2=2).sum() / (prior.dof + (n + k) * _P + 2.0)
    if sigsq <= _EPS:
        raise _floor("EII", "the variance σ²")
    return np.broadcast_to(sigsq * np.eye(_P), (k, _P, _P)).copy()


def _vii(pulled, nk, weights, n, prior, shrinks, previous):
    # meviip: Λ_P added once to the trace; p more in the denominator when κ > 0.
    num = prior.scale + np.trace(pulled, axis1=1, axis2=2)
    sigsq = num / (prior.dof + nk * _P + 2.0 + _P * shrinks)
    if sigsq.min() <= _EPS:
        raise _floor("VII", "a variance σ_k²")
    return sigsq[:, None, None] * np.eye(_P)


def _eei(pulled, nk, weights, n, prior, shrinks, previous):
    k = nk.shape[0]
    shape = prior.scale + _diagonals(pulled).sum(axis=0)
    if shape.min() <= 0.0:
        raise _floor("EEI", "a shape")
    g = _geometric_mean(shape, "EEI", "shape")
    scale = g / (prior.dof + 1.0 + shrinks + n)
    if g <= _EPS:
        raise _floor("EEI", "the shapes' geometric mean")
    shape = shape / g
    if shape.min() <= _EPS or scale <= _EPS:
        raise _floor("EEI", "a shape or the volume")
    return np.broadcast_to(_diag_matrices((scale * shape)[None])[0], (k, _P, _P)).copy()


def _vei(pulled, nk, weights, n, prior, shrinks, previous):
    """meveip: λ_k and A alternate, from λ = A = 1 at the start of a run or from the
    previous M-step's (mclust keeps them between EM iterations)."""
    w = prior.scale + _diagonals(pulled)                              # (K, 2): w_jk
    if previous is None:
        shape, scale = np.ones(_P), np.ones(nk.shape[0])
    else:
        # The previous Σ_k = λ_k diag(A) with geomean(A) = 1, so det Σ_k = λ_k² gives
        # λ_k = √(Σ_xx Σ_yy) and A = diag(Σ_0) / λ_0: the state meveip kept.
        d = _diagonals(previous)
        scale = np.sqrt(d[:, 0] * d[:, 1])
        shape = d[0] / scale[0]
    denominator = nk * _P + (prior.dof + 2.0 + shrinks)               # pro(k) + temp
    inner = 0
    while True:
        if shape.min() <= _EPS:
            raise _floor("VEI", "a shape")
        inner += 1
        old_scale, old_shape = scale, shape
        scale = (w / shape).sum(axis=1) / denominator
        if scale.min() <= _EPS:
            raise _floor("VEI", "a volume")
        shape = (w / scale[:, None]).sum(axis=0)
        if shape.min() <= _EPS:
            raise _floor("VEI", "a shape")
        g = _geometric_mean(shape, "VEI", "shape")
        if g <= _EPS:
            raise _floor("VEI", "the shapes' geometric mean")
        shape = shape / g
        err = max(np.max(np.abs(old_scale - scale) / (1.0 + scale)),
                  np.max(np.abs(old_shape - shape) / (1.0 + shape)))
        if not (err > INNER_TOL and inner <= INNER_MAX_ITER):
            break
    return _diag_matrices(scale[:, None] * shape[None, :])


def _evi(pulled, nk, weights, n, prior, shrinks, previous):
    s = prior.scale + _diagonals(pulled)                              # (K, 2)
    if s.min() <= 0.0:
        # meevip skips such a component's normalisation; its shape check then fails.
        raise _floor("EVI", "a shape")
    g = _geometric_mean(s, "EVI", "shape")                            # (K,)
    if g.min() < _EPS:
        raise _floor("EVI", "a shape's geometric mean")
    shape = s / g[:, None]
    scale = g.sum() / (prior.dof + 1.0 + n + shrinks)
    if scale <= _EPS:
        raise _floor("EVI", "the volume")
    if shape.min() <= _EPS:
        raise _floor("EVI", "a shape")
    return _diag_matrices(scale * shape)


def _vvi(pulled, nk, weights, n, prior, shrinks, previous):
    s = prior.scale + _diagonals(pulled)                              # (K, 2)
    if s.min() <= _EPS:
        # mevvip: a zero shape gives a zero volume; either fails its epsmin check.
        raise _floor("VVI", "a shape")
    g = _geometric_mean(s, "VVI", "shape")
    if g.min() <= _EPS:
        raise _floor("VVI", "a shape's geometric mean")
    # n_k, not p n_k as in VII and VEI: mevvip's pro(k) holds n_k here.
    scale = g / (nk + (prior.dof + 2.0 + shrinks))
    shape = s / g[:, None]
    if scale.min() <= _EPS or shape.min() <= _EPS:
        raise _floor("VVI", "a volume or shape")
    return _diag_matrices(scale[:, None] * shape)


def _cholesky_condition(cov: np.ndarray, code: str) -> None:
    """meeeep's and mevvvp's test: min |u_jj| / (1 + max |u_jj|) of each Cholesky factor
    at or below sqrt(eps) fails."""
    chol = cholesky_2x2(cov)
    diag = np.abs(chol[:, [0, 2]])
    with np.errstate(invalid="ignore"):
        rc = diag.min(axis=1) / (1.0 + diag.max(axis=1))
    if not np.all(rc > _RTEPS):
        raise _floor(code, "a covariance's Cholesky factor (its condition test)")


def _eee(pulled, nk, weights, n, prior, shrinks, previous):
    k = nk.shape[0]
    # meeeep: G more in the denominator when κ > 0 (EEV adds 1).
    total = prior.scale + pulled.sum(axis=0)
    cov = total / (prior.dof + _P + 1.0 + k * shrinks + n)
    cov = np.broadcast_to(cov, (k, _P, _P)).copy()
    _cholesky_condition(cov[:1], "EEE")
    return cov


def _vvv(pulled, nk, weights, n, prior, shrinks, previous):
    # mevvvp: ν + n_k + p + 2, no κ term.
    cov = (prior.scale + pulled) / (prior.dof + nk + _P + 2.0)[:, None, None]
    _cholesky_condition(cov, "VVV")
    return cov


def _eev(pulled, nk, weights, n, prior, shrinks, previous):
    omega, axes = _eig_desc(prior.scale + pulled)                     # Ω_k, D_k
    shape = omega.sum(axis=0)
    if shape.min() <= 0.0:
        raise _floor("EEV", "a shape")
    g = _geometric_mean(shape, "EEV", "shape")
    scale = g / (prior.dof + _P + 1.0 + shrinks + n)
    if g <= _EPS:
        raise _floor("EEV", "the shapes' geometric mean")
    shape = shape / g
    if shape.min() <= _EPS or scale <= _EPS:
        raise _floor("EEV", "a shape or the volume")
    if np.sqrt(scale * shape).min() <= _RTEPS:
        raise _floor("EEV", "an axis' standard deviation")
    return np.einsum("kij,j,klj->kil", axes, scale * shape, axes)


def _vev(pulled, nk, weights, n, prior, shrinks, previous):
    """mevevp: λ_k and A alternate on the eigenvalues Ω_k of Λ_P + W_k + B_k, from its
    start of a run or from the previous M-step's λ_k and A."""
    omega, axes = _eig_desc(prior.scale + pulled)                     # Ω_k (K, 2), D_k
    if previous is None:
        shape = omega.sum(axis=0)
        if shape.min() <= 0.0:
            raise _floor("VEV", "a shape")
        g = _geometric_mean(shape, "VEV", "shape")
        scale = g / (weights * n)                                     # pro(k) * n
        if g <= _EPS:
            raise _floor("VEV", "the shapes' geometric mean")
        shape = shape / g
    else:
        # The previous Σ_k = λ_k D_k diag(A) D_kᵀ, A descending with geomean 1, so its
        # eigenvalues give λ_k = √(e_1 e_2) and A = e(Σ_0) / λ_0: the state mevevp kept.
        ev, _ = _eig_desc(previous)
        scale = np.sqrt(ev[:, 0] * ev[:, 1])
        shape = ev[0] / scale[0]
    # mevevp divides by pro(k) * (n p), not by ν_P + ...: the prior's dof plays no part.
    denominator = weights * (n * _P)
    inner = 0
    while True:
        if min(shape.min(), scale.min()) <= 0.0:
            raise _floor("VEV", "a shape or volume")
        old_shape, old_scale = shape, scale
        # (mevevp also tests w_j <= Ω_jk < w_j sqrt(eps), which positive w_j never meets.)
        scale = (omega / old_shape).sum(axis=1) / denominator
        shape = (omega / scale[:, None]).sum(axis=0)
        inner += 1
        if shape.min() <= 0.0:
            raise _floor("VEV", "a shape")
        g = _geometric_mean(shape, "VEV", "shape")
        if g <= _EPS:
            raise _floor("VEV", "the shapes' geometric mean")
        shape = shape / g
        err = max(np.max(np.abs(old_shape - shape) / (1.0 + shape)),
                  np.max(np.abs(scale - old_scale) / (1.0 + scale)))
        if not (err >= INNER_TOL and inner < INNER_MAX_ITER):
            break
    if shape.min() <= _EPS or scale.min() <= _EPS:
        raise _floor("VEV", "a shape or volume")
    if np.sqrt(shape).min() <= _RTEPS:
        raise _floor("VEV", "a shape's square root")
    return np.einsum("kij,kj,klj->kil", axes, scale[:, None] * shape[None, :], axes)


_COVARIANCES = {"EII": _eii, "VII": _vii, "EEI": _eei, "VEI": _vei, "EVI": _evi,
                "VVI": _vvi, "EEE": _eee, "EEV": _eev, "VEV": _vev, "VVV": _vvv}
