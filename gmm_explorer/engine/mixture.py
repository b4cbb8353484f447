"""The :class:`Mixture` value type: the parameters of a 2-D Gaussian mixture.

A mixture is immutable. Its arrays are read-only float64 copies, so it can cross
thread, panel and file boundaries without defensive copying.
"""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

import numpy as np

from gmm_explorer.engine.models import (
    canonical,
    covariances_from_scatter,
    n_covariance_parameters,
    structure_error,
)
from gmm_explorer.errors import InputError, ParameterError

#: scikit-learn's four covariance types (see :data:`MODEL_TYPES` for all fourteen).
COVARIANCE_TYPES = ("full", "tied", "diag", "spherical")

#: Tolerance on ``sum(weights) == 1``.
WEIGHT_SUM_TOL = 1e-6
#: Relative tolerance for symmetry of a covariance and for the structure of tied/diag/spherical.
STRUCTURE_RTOL = 1e-9
#: The same for the structures of mclust's other models (shared volumes, shapes and axes,
#: found through eigen-decompositions, so a little looser).
MODEL_STRUCTURE_RTOL = 1e-7


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def cholesky_2x2(cov: np.ndarray) -> np.ndarray:
    """Lower Cholesky factors of a stack of 2x2 matrices, without LAPACK.

    Parameters
    ----------
    cov : ndarray of shape (K, 2, 2)

    Returns
    -------
    chol : ndarray of shape (K, 3)
        ``(l11, l21, l22)`` with ``cov = L @ L.T``; ``l22`` is NaN or 0 where ``cov`` is
        not positive definite (callers check ``chol_is_valid``).
    """
    a = cov[:, 0, 0]
    b = cov[:, 1, 0]
    c = cov[:, 1, 1]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        l11 = np.sqrt(a)
        l21 = b / l11
        # c - l21**2 rather than (a*c - b*b)/a: the product overflows near 1e±150.
        l22 = np.sqrt(c - l21 * l21)
    return np.stack([l11, l21, l22], axis=1)


def chol_is_valid(chol: np.ndarray) -> np.ndarray:
    """Boolean (K,): whether each factor from :func:`cholesky_2x2` is a true positive-definite factor."""
    l11, l21, l22 = chol[:, 0], chol[:, 1], chol[:, 2]
    ok = np.isfinite(chol).all(axis=1) & (l11 > 0) & (l22 > 0)
    # Reject factors whose inverse would overflow: 1/l overflows below ~5.6e-309.
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        ok &= np.isfinite(1.0 / l11) & np.isfinite(1.0 / l22) & np.isfinite(l21 / l11 / l22)
    return ok


def precision_cholesky(chol: np.ndarray) -> np.ndarray:
    """Upper-triangular precision factors ``U`` with ``inv(cov) = U @ U.T`` (scikit-learn's convention).

    Parameters
    ----------
    chol : ndarray of shape (K, 3)
        ``(l11, l21, l22)`` from :func:`cholesky_2x2`.

    Returns
    -------
    prec : ndarray of shape (K, 3)
        ``(u00, u01, u11)``; for a point offset ``d`` from the mean, ``y = d @ U`` gives
        ``y0 = u00*dx`` and ``y1 = u01*dx + u11*dy`` and the squared Mahalanobis distance is
        ``y0**2 + y1**2``. ``U = inv(L).T``.
    """
    l11, l21, l22 = chol[:, 0], chol[:, 1], chol[:, 2]
    u00 = 1.0 / l11
    # -(l21/l11)/l22 rather than -l21/(l11*l22): the product can overflow near 1e+150.
    u01 = -(l21 / l11) / l22
    u11 = 1.0 / l22
    return np.stack([u00, u01, u11], axis=1)


def eigen_2x2(cov: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Eigen-decomposition of a stack of symmetric 2x2 matrices, safe near 1e±150.

    Parameters
    ----------
    cov : ndarray of shape (K, 2, 2)

    Returns
    -------
    lam_max, lam_min : ndarray of shape (K,)
        Eigenvalues, ``lam_max >= lam_min``.
    angle : ndarray of shape (K,)
        Angle in radians of the major axis from the x axis, in (-pi/2, pi/2].
    """
    a = cov[:, 0, 0]
    # + 0.0 turns -0.0 into +0.0: arctan2(-0.0, negative) would give -pi, outside the range.
    b = cov[:, 1, 0] + 0.0
    c = cov[:, 1, 1]
    half_tr = 0.5 * a + 0.5 * c
    # hypot avoids squaring (a-c)/2 and b, which overflows near 1e+150.
    radius = np.hypot(0.5 * a - 0.5 * c, b)
    lam_max = half_tr + radius
    # lam_min = det / lam_max with det from the Cholesky factor: no cancellation in a+c-r,
    # no overflow in a*c - b*b.
    chol = cholesky_2x2(cov)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore", under="ignore"):
        sqrt_det = chol[:, 0] * chol[:, 2]
        lam_min = np.where(lam_max > 0, (sqrt_det / np.sqrt(lam_max)) ** 2, 0.0)
    lam_min = np.where(np.isfinite(lam_min), lam_min, half_tr - radius)
    angle = 0.5 * np.arctan2(2.0 * b, a - c) if a.size else np.zeros(0)
    # arctan2 of (2b, a-c) can overflow the 2b; fall back to the scaled form.
    bad = ~np.isfinite(angle)
    if np.any(bad):
        angle = np.where(bad, 0.5 * np.arctan2(b, 0.5 * a - 0.5 * c), angle)
    return lam_max, lam_min, angle


@dataclass(frozen=True, eq=False)
class Mixture:
    """Parameters of a Gaussian mixture in two dimensions.

    Parameters
    ----------
    weights : array-like of shape (K,)
        Mixing proportions, each >= 0, summing to 1 within ``1e-6``.
    means : array-like of shape (K, 2)
    covariances : array-like of shape (K, 2, 2)
        Always full 2x2 matrices, whatever ``covariance_type``: for ``tied`` all K are equal,
        for ``diag`` they are diagonal, for ``spherical`` they are multiples of the identity.
    covariance_type : str
        One of :data:`~gmm_explorer.engine.models.MODEL_TYPES` ("full", "tied", "diag",
        "spherical", or mclust's codes such as "VEV"); mclust's codes for scikit-learn's
        four ("VVV", "EEE", "VVI", "VII") are stored as scikit-learn's names.

    Raises
    ------
    ParameterError
        Naming the field that is wrong: shapes, non-finite values, weights, symmetry,
        positive definiteness, or structure not matching ``covariance_type``.
    """

    weights: np.ndarray
    means: np.ndarray
    covariances: np.ndarray
    covariance_type: str = "full"
    #: Internal: skip validation for parameters the engine built and already checked.
    _trusted: InitVar[bool] = False
    #: The variational posterior these parameters summarise (a variational Bayes state,
    #: :class:`~gmm_explorer.engine.variational.Posterior`), or None.
    posterior: object | None = field(default=None, repr=False)
    #: The uniform noise component (mclust's): its weight (the Gaussians' weights then sum
    #: to ``1 - noise_weight``) and its density, 1 / the data's hypervolume (mclust's
    #: ``Vinv``); 0 and 0 for a mixture without one.
    noise_weight: float = 0.0
    noise_density: float = 0.0
    # Derived, filled in __post_init__: (K, 3) upper precision factors and (K,) log det(U).
    precision_chol: np.ndarray = field(init=False, repr=False)
    log_det_precision_chol: np.ndarray = field(init=False, repr=False)

    def __post_init__(self, _trusted: bool) -> None:
        object.__setattr__(self, "noise_weight", float(self.noise_weight))
        object.__setattr__(self, "noise_density", float(self.noise_density))
        if _trusted:
            self._set_arrays(np.asarray(self.weights, np.float64), np.asarray(self.means, np.float64),
                             np.asarray(self.covariances, np.float64))
            return
        try:
            object.__setattr__(self, "covariance_type", canonical(self.covariance_type))
        except InputError as exc:
            raise ParameterError(str(exc), field="covariance_type") from None
        w = _as_float_array(self.weights, "weights")
        m = _as_float_array(self.means, "means")
        c = _as_float_array(self.covariances, "covariances")
        if w.ndim != 1 or w.shape[0] < 1:
            raise ParameterError(f"expected a list of K >= 1 numbers, got shape {w.shape}",
                                 field="weights")
        k = w.shape[0]
        if m.shape != (k, 2):
            raise ParameterError(f"expected shape ({k}, 2) to match {k} weights, got {m.shape}",
                                 field="means")
        if c.shape != (k, 2, 2):
            raise ParameterError(
                f"expected {k} 2x2 matrices to match {k} weights, got shape {c.shape}",
                field="covariances")
        for name, arr in (("weights", w), ("means", m), ("covariances", c)):
            if not np.all(np.isfinite(arr)):
                idx = np.argwhere(~np.isfinite(arr))[0]
                raise ParameterError(f"value {arr[tuple(idx)]} at index {idx.tolist()} is not finite",
                                     field=name)
        if np.any(w < 0):
            j = int(np.argmax(w < 0))
            raise ParameterError(f"weight {w[j]} is negative", field=f"weights[{j}]")
        pi0, v = self.noise_weight, self.noise_density
        if not (np.isfinite(pi0) and 0.0 <= pi0 < 1.0):
            raise ParameterError(f"expected a number in [0, 1), got {pi0!r}",
                                 field="noise.weight")
        if not (np.isfinite(v) and v >= 0.0) or (pi0 > 0.0 and v == 0.0):
            raise ParameterError(f"expected a finite number > 0, got {v!r}",
                                 field="noise.density")
        if abs(w.sum() + pi0 - 1.0) > WEIGHT_SUM_TOL:
            what = f"weights sum to {w.sum()!r}"
            raise ParameterError(
                f"{what}, not 1 (tolerance {WEIGHT_SUM_TOL})" if not self.has_noise else
                f"{what}, not 1 - the noise weight {pi0!r} (tolerance {WEIGHT_SUM_TOL})",
                field="weights")
        for j in range(k):
            b1, b2 = c[j, 0, 1], c[j, 1, 0]
            scale = max(abs(c[j, 0, 0]), abs(c[j, 1, 1]), abs(b1), abs(b2))
            if abs(b1 - b2) > STRUCTURE_RTOL * scale:
                raise ParameterError(f"matrix is not symmetric ({b1!r} vs {b2!r})",
                                     field=f"covariances[{j}]")
        chol = cholesky_2x2(c)
        valid = chol_is_valid(chol)
        if not np.all(valid):
            j = int(np.argmin(valid))
            raise ParameterError(f"matrix {c[j].tolist()} is not positive definite",
                                 field=f"covariances[{j}]")
        _check_structure(c, self.covariance_type)
        self._set_arrays(w, m, c, chol)

    def _set_arrays(self, w, m, c, chol=None) -> None:
        if chol is None:
            chol = cholesky_2x2(c)
        prec = precision_cholesky(chol)
        object.__setattr__(self, "weights", _readonly(w))
        object.__setattr__(self, "means", _readonly(m))
        object.__setattr__(self, "covariances", _readonly(c))
        object.__setattr__(self, "precision_chol", _readonly(prec))
        # log det(U) = -log l11 - log l22, from the factors: never from a*c - b*b.
        object.__setattr__(self, "log_det_precision_chol",
                           _readonly(-np.log(chol[:, 0]) - np.log(chol[:, 2])))

    @property
    def n_components(self) -> int:
        """K, the number of components."""
        return int(self.weights.shape[0])

    @property
    def has_noise(self) -> bool:
        """Whether the mixture has a uniform noise component."""
        return self.noise_density > 0.0

    @property
    def noise_log_term(self) -> float:
        """``log(noise_weight * noise_density)``, the noise component's weighted
        log-density at every point (-inf without noise)."""
        if self.noise_weight <= 0.0:
            return -np.inf
        return float(np.log(self.noise_weight) + np.log(self.noise_density))

    def n_parameters(self) -> int:
        """Number of free parameters, counted as scikit-learn and mclust do (BIC/AIC); a
        noise component adds two, its weight and its hypervolume (mclust's count)."""
        k, d = self.n_components, 2
        return (n_covariance_parameters(self.covariance_type, k, d) + k * d + k - 1
                + 2 * int(self.has_noise))

    def rebuilt(self, weights=None, means=None, covariances=None,
                covariance_type: str | None = None) -> "Mixture":
        """A validated mixture with some parameters replaced, keeping the noise
        component: ``weights`` (the Gaussians', summing to 1) are scaled to share
        ``1 - noise_weight``."""
        w = self.weights if weights is None else np.asarray(weights, dtype=np.float64)
        if weights is not None and self.has_noise:
            w = w / w.sum() * (1.0 - self.noise_weight)
        return Mixture(w, self.means if means is None else means,
                       self.covariances if covariances is None else covariances,
                       self.covariance_type if covariance_type is None else covariance_type,
                       noise_weight=self.noise_weight, noise_density=self.noise_density)

    def with_covariance_type(self, covariance_type: str) -> "Mixture":
        """The same parameters relabelled with another type (the structure must already fit)."""
        return self.rebuilt(covariance_type=covariance_type)

    def __repr__(self) -> str:
        from gmm_explorer.engine.reprs import mixture_repr

        return mixture_repr(self)

    def _repr_html_(self) -> str:
        """A table of the components, for notebooks."""
        from gmm_explorer.engine.reprs import mixture_html

        return mixture_html(self)

    @classmethod
    def from_sklearn(cls, model) -> "Mixture":
        """The parameters of a fitted scikit-learn ``GaussianMixture`` or
        ``BayesianGaussianMixture`` on 2-D data, any covariance type
        (:func:`~gmm_explorer.engine.sklearn_interop.mixture_from_sklearn`)."""
        from gmm_explorer.engine.sklearn_interop import mixture_from_sklearn

        return mixture_from_sklearn(model)

    def to_sklearn(self):
        """A fitted ``sklearn.mixture.GaussianMixture`` with these parameters (needs
        scikit-learn; :func:`~gmm_explorer.engine.sklearn_interop.mixture_to_sklearn`)."""
        from gmm_explorer.engine.sklearn_interop import mixture_to_sklearn

        return mixture_to_sklearn(self)

    def equals(self, other: "Mixture") -> bool:
        """Bit-for-bit equality of all parameters and the covariance type."""
        return (self.covariance_type == other.covariance_type
                and np.array_equal(self.weights, other.weights)
                and np.array_equal(self.means, other.means)
                and np.array_equal(self.covariances, other.covariances)
                and self.noise_weight == other.noise_weight
                and self.noise_density == other.noise_density)


def _as_float_array(value, name: str) -> np.ndarray:
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"not an array of numbers ({exc})", field=name) from None


def _check_structure(c: np.ndarray, covariance_type: str) -> None:
    scale = np.abs(c).max(axis=(1, 2))
    if covariance_type == "tied":
        diff = np.abs(c - c[0]).max(axis=(1, 2))
        bad = diff > STRUCTURE_RTOL * np.maximum(scale, scale[0])
        if np.any(bad):
            j = int(np.argmax(bad))
            raise ParameterError("covariance type 'tied' needs all matrices equal",
                                 field=f"covariances[{j}]")
    if covariance_type in ("diag", "spherical"):
        bad = np.abs(c[:, 0, 1]) > STRUCTURE_RTOL * scale
        if np.any(bad):
            j = int(np.argmax(bad))
            raise ParameterError(f"covariance type {covariance_type!r} needs diagonal matrices",
                                 field=f"covariances[{j}]")
    if covariance_type == "spherical":
        bad = np.abs(c[:, 0, 0] - c[:, 1, 1]) > STRUCTURE_RTOL * scale
        if np.any(bad):
            j = int(np.argmax(bad))
            raise ParameterError("covariance type 'spherical' needs equal diagonal entries",
                                 field=f"covariances[{j}]")
    if covariance_type not in COVARIANCE_TYPES:
        why = structure_error(c, covariance_type, MODEL_STRUCTURE_RTOL)
        if why is not None:
            raise ParameterError(f"covariance model {covariance_type!r}: {why}",
                                 field="covariances")


def project_covariances(covariances, covariance_type: str, weights=None) -> np.ndarray:
    """Covariances projected onto the structure of ``covariance_type``.

    Parameters
    ----------
    covariances : array-like of shape (K, 2, 2)
    covariance_type : str
        Any model name (see :data:`~gmm_explorer.engine.models.MODEL_TYPES`).
    weights : array-like of shape (K,), optional
        For ``"tied"``: every matrix becomes the average weighted by these (None: equal
        weights). For mclust's other models, the masses of the model's M-step on the
        matrices.

    Returns
    -------
    ndarray of shape (K, 2, 2)
        A new array. full: unchanged; tied: the weighted average; diag: off-diagonals
        zeroed; spherical: off-diagonals zeroed and the two variances averaged. Each keeps
        a positive-definite matrix positive definite (an average of such matrices is one;
        so is a matrix's positive diagonal).
    """
    c = np.array(covariances, dtype=np.float64)
    covariance_type = canonical(covariance_type)
    if covariance_type not in COVARIANCE_TYPES:
        # The model's own M-step on the matrices as scatters of masses ``weights``: the
        # structured covariances closest to them in likelihood.
        w = np.full(c.shape[0], 1.0 / c.shape[0]) if weights is None \
            else np.asarray(weights, dtype=np.float64)
        return covariances_from_scatter(c * w[:, None, None], w, covariance_type)
    if covariance_type == "tied":
        c[:] = np.average(c, axis=0, weights=weights)
    elif covariance_type in ("diag", "spherical"):
        c[:, 0, 1] = c[:, 1, 0] = 0.0
        if covariance_type == "spherical":
            v = 0.5 * (c[:, 0, 0] + c[:, 1, 1])
            c[:, 0, 0] = c[:, 1, 1] = v
    return c


def project_covariance_type(m: Mixture, covariance_type: str) -> Mixture:
    """``m`` with its covariances projected onto the structure of ``covariance_type``
    (see :func:`project_covariances`; tied averages with the mixture's weights)."""
    return m.rebuilt(covariances=project_covariances(m.covariances, covariance_type,
                                                     m.weights),
                     covariance_type=covariance_type)
