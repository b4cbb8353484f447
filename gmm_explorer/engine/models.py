"""The fourteen parsimonious covariance models of Celeux & Govaert (1995), as R's mclust
names and fits them: Σ_k = λ_k D_k A_k D_kᵀ, with the volume λ, the shape A (diagonal,
det 1) and the orientation D each Equal across components, Variable, or (shape and
orientation) the Identity.

scikit-learn's four types are four of them, and keep their names here (the canonical
names of :data:`MODEL_TYPES`): ``spherical`` = VII, ``diag`` = VVI, ``tied`` = EEE,
``full`` = VVV. mclust's codes are accepted everywhere as aliases (:func:`canonical`).

The M-step (:func:`covariances_from_scatter`) takes each component's weighted scatter
W_k = Σ_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ about its new mean and its mass n_k. For VEI, VEE,
EVE, VVE and VEV, which have no closed form, it runs mclust's own iterations (its Fortran
``mevei``, ``mevee``, ``meeve``, ``mevve``, ``mevev``) with mclust's start, update order,
tolerance and stopping rule, so that EM from the same start follows mclust's path.
``reg_covar`` is added as scikit-learn adds it, to each sample covariance W_k / n_k
before the model's structure is fitted; this keeps every model's structure, and for the
four scikit-learn types gives scikit-learn's M-step.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.errors import FitError, InputError

#: The fourteen models in mclust's order (mclust.options("emModelNames")), by the names
#: GMM Explorer uses: scikit-learn's for its four, mclust's codes for the others.
MODEL_TYPES = ("EII", "spherical", "EEI", "VEI", "EVI", "diag", "tied", "VEE", "EVE", "VVE",
               "EEV", "VEV", "EVV", "full")
#: scikit-learn's names and their mclust codes.
SKLEARN_TO_MCLUST = {"spherical": "VII", "diag": "VVI", "tied": "EEE", "full": "VVV"}
_MCLUST_TO_NAME = {v: k for k, v in SKLEARN_TO_MCLUST.items()}

#: The models whose M-step is iterative in mclust.
ITERATIVE = ("VEI", "VEE", "EVE", "VVE", "VEV")
#: mclust's inner tolerance for them: emControl()$tol[2] = sqrt(.Machine$double.eps).
INNER_TOL = float(np.sqrt(np.finfo(np.float64).eps))
#: A cap mclust does not have (its itmax[2] is .Machine$integer.max): a safety net only.
INNER_MAX_ITER = 100_000

_WORDS = {"E": "equal", "V": "varying", "I": None}


def mclust_code(name: str) -> str:
    """The mclust code of a model name ("full" → "VVV")."""
    c = canonical(name)
    return SKLEARN_TO_MCLUST.get(c, c)


def label(name: str) -> str:
    """A model as people know it: "VEV", or "tied (EEE)" for scikit-learn's four."""
    c = canonical(name)
    return f"{c} ({SKLEARN_TO_MCLUST[c]})" if c in SKLEARN_TO_MCLUST else c


def canonical(name: str) -> str:
    """The name GMM Explorer uses for a covariance model: any of :data:`MODEL_TYPES`, or
    an mclust code (any case), e.g. "vvv" → "full", "vev" → "VEV".

    Raises
    ------
    InputError
        An unknown name.
    """
    if name in MODEL_TYPES:
        return name
    if isinstance(name, str):
        up = name.strip().upper()
        if up in _MCLUST_TO_NAME:
            return _MCLUST_TO_NAME[up]
        if up in MODEL_TYPES:
            return up
        low = name.strip().lower()
        if low in SKLEARN_TO_MCLUST:
            return low
    raise InputError(f"unknown covariance model {name!r}; expected one of "
                     + ", ".join(mclust_code(m) for m in MODEL_TYPES)
                     + " (or scikit-learn's full, tied, diag, spherical)")


def describe(name: str) -> str:
    """The model in plain words, e.g. "equal volume, varying shape, equal orientation"."""
    code = mclust_code(name)
    vol, shape, orient = code
    if shape == "I":
        return f"{_WORDS[vol]} volume, spherical"
    parts = [f"{_WORDS[vol]} volume", f"{_WORDS[shape]} shape"]
    parts.append("axis-aligned" if orient == "I" else f"{_WORDS[orient]} orientation")
    return ", ".join(parts)


def n_covariance_parameters(name: str, k: int, d: int = 2) -> int:
    """Free covariance parameters, as mclust's ``nVarParams`` counts them."""
    code = mclust_code(name)
    vol, shape, orient = code
    n = 1 if vol == "E" else k                               # volumes
    if shape != "I":
        n += (d - 1) * (1 if shape == "E" else k)            # shapes (det 1)
    if orient not in ("I",):
        n += d * (d - 1) // 2 * (1 if orient == "E" else k)  # orientations
    return n


# ----------------------------------------------------------------------------- structure

def _eig_desc(c: np.ndarray):
    """Eigenvalues (descending) and eigenvectors (columns, matching) of (K, 2, 2)."""
    w, v = np.linalg.eigh(c)
    return w[..., ::-1], v[..., ::-1]


def structure_error(cov: np.ndarray, name: str, rtol: float) -> str | None:
    """Why ``cov`` (K, 2, 2) does not have the model's structure (None when it does)."""
    code = mclust_code(name)
    vol, shape, orient = code
    k = cov.shape[0]
    scale = np.maximum(np.abs(cov).max(axis=(1, 2)), np.finfo(float).tiny)

    def close(a, b, s):
        return np.all(np.abs(a - b) <= rtol * s)

    off = cov[:, 0, 1]
    if orient == "I" and not close(off, 0.0, scale):
        return "off-diagonal entries must be 0 (axis-aligned)"
    if shape == "I" and not close(cov[:, 0, 0], cov[:, 1, 1], scale):
        return "diagonal entries must be equal (spherical)"
    det = cov[:, 0, 0] * cov[:, 1, 1] - off * off
    root = np.sqrt(np.maximum(det, 0.0))  # det^(1/2): the volume λ_k for d = 2
    if vol == "E" and not close(root, root[0], root.max()):
        return "components must have equal volume (determinant)"
    if k == 1:
        return None
    normed = cov / root[:, None, None]  # the shape-and-orientation part, det 1
    if shape == "E" and orient in ("E", "I"):
        if not close(normed, normed[0], 1.0 + np.abs(normed).max()):
            return "components must have equal shape and orientation"
    elif shape == "E":  # EEV, VEV: the same eigenvalue ratio, any orientation
        w, _ = _eig_desc(normed)
        if not close(w, w[0], w.max()):
            return "components must have equal shape"
    if orient == "E" and shape == "V":  # EVE, VVE: common eigenvectors
        c0 = cov[0]
        for c in cov[1:]:
            comm = c @ c0 - c0 @ c
            if np.abs(comm).max() > rtol * np.abs(c).max() * np.abs(c0).max() * 4:
                return "components must share their orientation"
    return None


# ----------------------------------------------------------------------------- M-step

def covariances_from_scatter(scatter, nk, name: str, reg_covar: float = 0.0,
                             previous=None, tol: float = INNER_TOL,
                             max_iter: int = INNER_MAX_ITER) -> np.ndarray:
    """The model's covariances maximising the expected complete log-likelihood.

    Parameters
    ----------
    scatter : ndarray of shape (K, 2, 2)
        W_k, each component's weighted scatter about its (new) mean.
    nk : ndarray of shape (K,)
        Each component's mass, Σ_i r_ik.
    name : str
        A model name or mclust code.
    reg_covar : float
        Added to the diagonal of each W_k / n_k first (scikit-learn's regularisation).
    previous : ndarray of shape (K, 2, 2), optional
        The previous covariances of the same model: where mclust's iterations for VEI,
        EVE, VVE and VEV continue from (its Fortran keeps that state between EM
        iterations). None: mclust's start of a run.
    tol, max_iter
        The inner iterations' tolerance (mclust's ``tol[2]``) and a safety cap.

    Returns
    -------
    ndarray of shape (K, 2, 2)

    Raises
    ------
    FitError
        A component collapsed (a scale or shape at or below mclust's ``sqrt(eps)``).
    """
    cov = _covariances(scatter, nk, mclust_code(name), reg_covar, previous, tol, max_iter)
    # Exactly symmetric (products of eigenvectors can differ by an ulp across the diagonal).
    cov[:, 1, 0] = cov[:, 0, 1]
    return cov


def _covariances(scatter, nk, code, reg_covar, previous, tol, max_iter) -> np.ndarray:
    nk = np.asarray(nk, dtype=np.float64)
    w = np.asarray(scatter, dtype=np.float64) + (nk * reg_covar)[:, None, None] * np.eye(2)
    n = nk.sum()
    k = nk.shape[0]
    eye = np.eye(2)
    if code == "VVV":
        return w / nk[:, None, None]
    if code == "EEE":
        return np.broadcast_to(w.sum(axis=0) / n, (k, 2, 2)).copy()
    diag = np.stack([w[:, 0, 0], w[:, 1, 1]], axis=1)  # (K, 2)
    if code == "VVI":
        return _diag_matrices(diag / nk[:, None])
    if code == "VII":
        return ((diag.sum(axis=1) / (2 * nk))[:, None, None] * eye).copy()
    if code == "EII":
        return np.broadcast_to(diag.sum() / (2 * n) * eye, (k, 2, 2)).copy()
    if code == "EEI":
        return np.broadcast_to(_diag_matrices(diag.sum(axis=0)[None] / n)[0], (k, 2, 2)).copy()
    if code == "EVI":
        g = np.sqrt(diag[:, 0] * diag[:, 1])              # det(diag W_k)^(1/p)
        lam = g.sum() / n
        return _diag_matrices(lam * diag / g[:, None])
    if code == "EVV":
        det = w[:, 0, 0] * w[:, 1, 1] - w[:, 0, 1] * w[:, 1, 0]
        g = np.sqrt(det)
        return (g.sum() / n) * w / g[:, None, None]
    if code == "EEV":
        om, vec = _eig_desc(w)                            # Ω_k, D_k
        a = om.sum(axis=0)
        lam_a = a / n                                     # λA = ΣΩ_k / n
        return np.einsum("kij,j,klj->kil", vec, lam_a, vec)
    if code == "VEI":
        return _vei(diag, nk, previous, tol, max_iter)
    if code == "VEE":
        return _vee(w, nk, tol, max_iter)
    if code in ("EVE", "VVE"):
        return _eve_vve(w, nk, code == "VVE", previous, tol, max_iter)
    if code == "VEV":
        return _vev(w, nk, previous, tol, max_iter)
    raise InputError(f"unknown covariance model {code!r}")


def _diag_matrices(d: np.ndarray) -> np.ndarray:
    out = np.zeros((d.shape[0], 2, 2))
    out[:, 0, 0] = d[:, 0]
    out[:, 1, 1] = d[:, 1]
    return out


_RTEPS = float(np.sqrt(np.finfo(np.float64).eps))


def _collapsed(what: str) -> FitError:
    return FitError(f"a component collapsed ({what} fell to mclust's floor sqrt(eps)); "
                    "increase reg_covar, use fewer components, or another model")


def _vei(wdiag, nk, previous, tol, max_iter) -> np.ndarray:
    """mclust's ``mevei``: Σ_k = scale_k diag(shape), alternating scale and shape."""
    p = 2
    if previous is None:
        shape, scale = np.ones(p), np.ones(nk.shape[0])
    else:
        d = np.stack([previous[:, 0, 0], previous[:, 1, 1]], axis=1)
        scale = np.sqrt(d[:, 0] * d[:, 1])
        shape = d[0] / scale[0]
    pro = nk * p
    eps = np.finfo(np.float64).eps
    for _ in range(max_iter):
        if shape.min() <= eps:
            raise _collapsed("a shape")
        old_scale, old_shape = scale, shape
        scale = (wdiag / shape).sum(axis=1) / pro
        if scale.min() <= eps:
            raise _collapsed("a volume")
        shape = (wdiag / scale[:, None]).sum(axis=0)
        if shape.min() <= eps:
            raise _collapsed("a shape")
        shape = shape / np.exp(np.log(shape).mean())
        err = max(np.max(np.abs(old_scale - scale) / (1 + scale)),
                  np.max(np.abs(old_shape - shape) / (1 + shape)))
        if err <= tol:
            break
    return _diag_matrices(scale[:, None] * shape[None, :])


def _vee(w, nk, tol, max_iter) -> np.ndarray:
    """mclust's ``mevee``: Σ_k = scale_k C (det C = 1), from scale = 1 every M-step."""
    p = 2
    scale = np.ones(nk.shape[0])
    trgt_prev = np.finfo(np.float64).max / 2
    c = None
    for _ in range(max_iter):
        c = (w / scale[:, None, None]).sum(axis=0)
        c = c / np.exp(np.log(np.linalg.eigvalsh(c)).sum()) ** (1 / p)
        cinv = np.linalg.inv(c)
        scale = np.einsum("kij,ji->k", w, cinv) / (p * nk)
        if scale.min() <= 0:
            raise _collapsed("a volume")
        trgt = nk.sum() * p + p * np.sum(np.log(scale) * nk)
        err = abs(trgt - trgt_prev) / (1 + abs(trgt))
        trgt_prev = trgt
        if err <= tol:
            break
    ev = np.linalg.eigvalsh(c)
    if ev.min() <= _RTEPS or scale.min() <= _RTEPS:
        raise _collapsed("a shape or volume")
    return scale[:, None, None] * c


def _common_axes(previous: np.ndarray):
    """(O, shape (K, 2)) with Σ_k ∝ Oᵀ diag(shape_k) O, from covariances sharing their
    eigenvectors (rows of O)."""
    _, vec = _eig_desc(previous[0])
    o = vec.T
    d = np.einsum("ij,kjl,il->ki", o, previous, o)  # diag(O Σ_k Oᵀ)
    return o, d


def _eve_vve(w, nk, variable_volume: bool, previous, tol, max_iter) -> np.ndarray:
    """mclust's ``meeve`` / ``mevve``: a common orientation O (rows: axes) by its
    majorise-minimise iterations, warm-started from the previous O and shapes."""
    p, k = 2, nk.shape[0]
    if previous is None:
        o, shape = np.eye(p), np.ones((k, p))
    else:
        o, d = _common_axes(previous)
        shape = d / np.sqrt(d[:, 0] * d[:, 1])[:, None]
    omega = np.linalg.eigvalsh(w)[:, -1]                 # largest eigenvalue of each W_k
    if np.linalg.eigvalsh(w)[:, 0].min() < _RTEPS:
        raise _collapsed("a scatter's smallest eigenvalue")
    trgt_prev = np.finfo(np.float64).max / 2
    scale = np.ones(k)
    for _ in range(max_iter):
        # O given the shapes: two majorisation steps, each an orthogonal Procrustes fit.
        t1 = o / shape[:, :, None]                       # rows of O over shape_jk: (K,2,2)
        f = np.einsum("kij,kjl->kil", t1, w) - omega[:, None, None] * t1
        u, _, vt = np.linalg.svd(f.sum(axis=0))
        o = (u @ vt).T
        t = np.einsum("kij,jl->kil", w, o)               # W_k O
        f = t / shape[:, None, :] - (1 / shape).max(axis=1)[:, None, None] * t
        u, _, vt = np.linalg.svd(f.sum(axis=0))
        o = (u @ vt).T
        # The shapes (and volumes) given O.
        ow = np.einsum("ij,kjl->kil", o, w)              # O W_k
        d = np.einsum("kjl,jl->kj", ow, o)               # diag(O W_k Oᵀ)
        if variable_volume:
            d = d / nk[:, None]
            scale = np.exp(np.log(d).sum(axis=1)) ** (1 / p)
            shape = d / scale[:, None]
            if shape.min() < _RTEPS or scale.min() < _RTEPS:
                raise _collapsed("a shape or volume")
        else:
            shape = d / np.exp(np.log(d).sum(axis=1))[:, None] ** (1 / p)
            if shape.min() < _RTEPS:
                raise _collapsed("a shape")
        trgt = float((d / shape).sum() if not variable_volume else
                     (np.einsum("kjl,jl->kj", ow, o) / shape).sum())
        err = abs(trgt - trgt_prev) / (1 + abs(trgt))
        trgt_prev = trgt
        if err <= tol:
            break
    if not variable_volume:
        scale = np.full(k, trgt / (nk.sum() * p))
    return np.einsum("ji,kj,jl->kil", o, scale[:, None] * shape, o)


def _vev(w, nk, previous, tol, max_iter) -> np.ndarray:
    """mclust's ``mevev``: Σ_k = scale_k D_k diag(shape) D_kᵀ, D_k the axes of W_k."""
    p, k = 2, nk.shape[0]
    om, vec = _eig_desc(w)                               # Ω_k (descending), D_k
    eps = np.finfo(np.float64).eps
    if previous is None:
        shape = om.sum(axis=0)
        if shape.min() <= 0:
            raise _collapsed("a shape")
        g = np.exp(np.log(shape).mean())
        scale = np.full(k, g / nk.sum())
        shape = shape / g
    else:
        ev, _ = _eig_desc(previous)
        scale = np.sqrt(ev[:, 0] * ev[:, 1])
        shape = ev[0] / scale[0]
    for _ in range(max_iter):
        old_shape, old_scale = shape, scale
        scale = (om / old_shape).sum(axis=1) / (nk * p)
        if scale.min() <= eps:
            raise _collapsed("a volume")
        shape = (om / scale[:, None]).sum(axis=0)
        if shape.min() <= 0:
            raise _collapsed("a shape")
        shape = shape / np.exp(np.log(shape).mean())
        err = max(np.max(np.abs(old_shape - shape) / (1 + shape)),
                  np.max(np.abs(old_scale - scale) / (1 + scale)))
        if err <= tol:
            break
    return np.einsum("kij,kj,klj->kil", vec, scale[:, None] * shape[None, :], vec)


# ----------------------------------------------------------------------------- hand edits

def handle_rule(name: str) -> str:
    """Which hand-edit rule fits a model's single ellipse: "spherical" (circles),
    "diag" (axis-aligned) or "full"."""
    code = mclust_code(name)
    if code[1] == "I":
        return "spherical"
    return "diag" if code[2] == "I" else "full"
