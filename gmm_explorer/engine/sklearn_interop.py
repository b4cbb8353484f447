"""Between a :class:`~gmm_explorer.engine.mixture.Mixture` and scikit-learn's fitted
``GaussianMixture`` / ``BayesianGaussianMixture``, and scikit-learn's shapes for the four
covariance types.

scikit-learn is imported only by :func:`mixture_to_sklearn` and only to build its
estimator; :func:`mixture_from_sklearn` reads the fitted attributes of any object that has
them. ``Mixture.from_sklearn`` and ``Mixture.to_sklearn`` call these.

scikit-learn stores a covariance per type: ``full`` (K, d, d), ``tied`` (d, d), ``diag``
(K, d), ``spherical`` (K,); a Mixture always holds K full 2 x 2 matrices.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.models import canonical
from gmm_explorer.errors import InputError

#: scikit-learn's covariance types (a Mixture of another model converts as "full").
SKLEARN_TYPES = ("full", "tied", "diag", "spherical")


def full_covariances(covariances, covariance_type: str, k: int) -> np.ndarray:
    """scikit-learn's ``covariances_`` of ``covariance_type`` as K full 2 x 2 matrices."""
    c = np.asarray(covariances, dtype=np.float64)
    if covariance_type == "full":
        out = c.reshape(k, 2, 2)
    elif covariance_type == "tied":
        out = np.repeat(c.reshape(1, 2, 2), k, axis=0)
    elif covariance_type == "diag":
        d = c.reshape(k, 2)
        out = np.zeros((k, 2, 2))
        out[:, 0, 0], out[:, 1, 1] = d[:, 0], d[:, 1]
    elif covariance_type == "spherical":
        v = c.reshape(k)
        out = np.zeros((k, 2, 2))
        out[:, 0, 0] = out[:, 1, 1] = v
    else:
        raise InputError(f"unknown scikit-learn covariance type {covariance_type!r}")
    return np.array(out)


def sklearn_covariances(mixture: Mixture, covariance_type: str) -> np.ndarray:
    """A Mixture's covariances in scikit-learn's shape for ``covariance_type``."""
    c = np.asarray(mixture.covariances)
    if covariance_type == "full":
        return c.copy()
    if covariance_type == "tied":
        return c[0].copy()
    if covariance_type == "diag":
        return np.stack([c[:, 0, 0], c[:, 1, 1]], axis=1)
    return c[:, 0, 0].copy()  # spherical


def full_precisions(precisions, covariance_type: str, k: int) -> np.ndarray:
    """scikit-learn's ``precisions_init`` of ``covariance_type`` as K full covariances
    (their inverses)."""
    p = full_covariances(precisions, covariance_type, k)
    return np.linalg.inv(p)


def precisions_cholesky(mixture: Mixture, covariance_type: str) -> np.ndarray:
    """scikit-learn's ``precisions_cholesky_`` (upper-triangular ``U`` with
    ``inv(Σ) = U Uᵀ``) in its shape for ``covariance_type``."""
    u = np.asarray(mixture.precision_chol)  # (K, 3): u00, u01, u11
    if covariance_type in ("full", "tied"):
        full = np.zeros((u.shape[0], 2, 2))
        full[:, 0, 0], full[:, 0, 1], full[:, 1, 1] = u[:, 0], u[:, 1], u[:, 2]
        return full if covariance_type == "full" else full[0]
    if covariance_type == "diag":
        return np.stack([u[:, 0], u[:, 2]], axis=1)
    return u[:, 0].copy()  # spherical: 1 / sqrt(variance)


def sklearn_type(mixture: Mixture) -> str:
    """The scikit-learn type a Mixture converts to: its own when scikit-learn has it
    (``full``, ``tied``, ``diag``, ``spherical``), else ``full``."""
    t = mixture.covariance_type
    return t if t in SKLEARN_TYPES else "full"


def mixture_from_sklearn(model) -> Mixture:
    """The parameters of a fitted scikit-learn ``GaussianMixture`` or
    ``BayesianGaussianMixture`` (the posterior's means for the latter) on 2-D data.

    Raises
    ------
    InputError
        The model is not fitted, not 2-D, or not a Gaussian mixture.
    """
    missing = [a for a in ("weights_", "means_", "covariances_", "covariance_type")
               if not hasattr(model, a)]
    if missing:
        raise InputError(f"{type(model).__name__} is not a fitted Gaussian mixture "
                         f"(no {', '.join(missing)}); fit it first")
    means = np.asarray(model.means_, dtype=np.float64)
    if means.ndim != 2 or means.shape[1] != 2:
        raise InputError(f"GMM Explorer's mixtures are 2-D; this model has "
                         f"{means.shape[-1] if means.ndim else 0} features")
    ctype = str(model.covariance_type)
    if ctype not in SKLEARN_TYPES:
        raise InputError(f"unknown scikit-learn covariance type {ctype!r}")
    k = means.shape[0]
    weights = np.asarray(model.weights_, dtype=np.float64)
    return Mixture(weights / weights.sum(), means,
                   full_covariances(model.covariances_, ctype, k), ctype)


def mixture_to_sklearn(mixture: Mixture):
    """A fitted ``sklearn.mixture.GaussianMixture`` with ``mixture``'s parameters:
    its ``predict_proba``, ``score_samples`` and ``sample`` are those of the mixture.
    A model scikit-learn does not have (one of mclust's) becomes ``full``.

    Raises
    ------
    InputError
        The mixture has a noise component (scikit-learn has none), or scikit-learn is
        not installed.
    """
    if mixture.has_noise:
        raise InputError("scikit-learn's GaussianMixture has no noise component; this "
                         "mixture has one")
    try:
        from sklearn.mixture import GaussianMixture
    except ImportError:
        raise InputError("to_sklearn needs scikit-learn: pip install scikit-learn") from None
    ctype = sklearn_type(mixture)
    k = mixture.n_components
    model = GaussianMixture(n_components=k, covariance_type=ctype)
    model.weights_ = np.array(mixture.weights, dtype=np.float64)
    model.means_ = np.array(mixture.means, dtype=np.float64)
    model.covariances_ = sklearn_covariances(mixture, ctype)
    model.precisions_cholesky_ = precisions_cholesky(mixture, ctype)
    model.precisions_ = precisions_from_cholesky(model.precisions_cholesky_, ctype)
    model.converged_ = True
    model.n_iter_ = 0
    model.lower_bound_ = -np.inf
    model.n_features_in_ = 2
    return model


def precisions_from_cholesky(chol: np.ndarray, covariance_type: str) -> np.ndarray:
    """scikit-learn's ``precisions_`` from its ``precisions_cholesky_``."""
    if covariance_type == "full":
        return np.einsum("kij,klj->kil", chol, chol)
    if covariance_type == "tied":
        return chol @ chol.T
    return chol ** 2


def check_covariance_type(name: str) -> str:
    """A covariance type for the estimator: scikit-learn's four, or one of mclust's
    models by its code (canonical form)."""
    return canonical(name)
