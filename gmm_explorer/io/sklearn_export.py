"""The scikit-learn export: Python source that rebuilds the model as ``GaussianMixture``.

:func:`sklearn_snippet` returns the text of the file and writes nothing (the caller
writes it with :func:`gmm_explorer.io.atomic.atomic_write`). scikit-learn is never
imported here: the snippet imports it when the user runs it.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.errors import ParameterError

__all__ = ["sklearn_precisions", "sklearn_snippet"]

#: scikit-learn refuses ``weights_init`` whose sum is further than this from 1.
_SKLEARN_WEIGHT_ATOL = 1e-8


def sklearn_precisions(mixture: Mixture) -> np.ndarray:
    """``precisions_init`` for scikit-learn's ``GaussianMixture``, shaped by covariance type.

    Parameters
    ----------
    mixture : Mixture

    Returns
    -------
    ndarray
        full: (K, 2, 2) inverse covariances; tied: one (2, 2) inverse; diag: (K, 2)
        reciprocal variances; spherical: (K,) reciprocal variances.

    Raises
    ------
    ParameterError
        If a precision overflows (variances below about 1e-154): rescale the data.
    """
    c = mixture.covariances
    ctype = mixture.covariance_type
    with np.errstate(over="ignore", divide="ignore"):
        if ctype in ("full", "tied"):
            # inv(cov) = U @ U.T with U the engine's upper precision factor (u00, u01, u11):
            # exactly symmetric, and no determinant a*c - b*b to overflow.
            u00, u01, u11 = mixture.precision_chol.T
            prec = np.empty_like(c)
            prec[:, 0, 0] = u00 * u00 + u01 * u01
            prec[:, 0, 1] = prec[:, 1, 0] = u01 * u11
            prec[:, 1, 1] = u11 * u11
            if ctype == "tied":
                prec = prec[0]
        elif ctype == "diag":
            prec = 1.0 / np.stack([c[:, 0, 0], c[:, 1, 1]], axis=1)
        else:
            prec = 1.0 / (0.5 * c[:, 0, 0] + 0.5 * c[:, 1, 1])
    if not np.all(np.isfinite(prec)):
        raise ParameterError("a precision (inverse covariance) overflows; rescale the data",
                             field="covariances")
    return prec


def _array_literal(a: np.ndarray, indent: str) -> str:
    """``np.array([...])`` with ``repr`` floats; one line per component for 2-D and up."""
    if a.ndim <= 1:
        return f"np.array({a.tolist()!r})"
    inner = "".join(f"{indent}    {row.tolist()!r},\n" for row in a)
    return f"np.array([\n{inner}{indent}])"


def sklearn_snippet(mixture: Mixture, columns=None) -> str:
    """Python source that rebuilds the model as scikit-learn's ``GaussianMixture``.

    Parameters
    ----------
    mixture : Mixture
    columns : pair of str, optional
        Names of the x and y columns, quoted in the header comment.

    Returns
    -------
    str
        Self-contained source: imports, then ``gm = GaussianMixture(n_components=K,
        covariance_type=..., weights_init=..., means_init=..., precisions_init=...)`` with
        the arrays as nested lists of ``repr`` floats. ``gm.fit(X)`` starts EM from
        exactly these parameters. Weights are divided by their sum if it differs from 1 by
        more than scikit-learn accepts (1e-8; a comment then says so).

    Raises
    ------
    ParameterError
        If a precision overflows (see :func:`sklearn_precisions`).
    """
    k = mixture.n_components
    ctype = mixture.covariance_type
    weights = np.asarray(mixture.weights)
    precisions = sklearn_precisions(mixture)
    total = float(weights.sum())
    lines = [(f"# A Gaussian mixture exported from GMM Explorer: {k} component"
              f"{'' if k == 1 else 's'}, covariance_type={ctype!r}.")]
    if columns is not None:
        x_name, y_name = (str(c) for c in columns)
        # repr, never the raw name: a newline in a column name must not end the comment.
        lines.append(f"# X has two columns, in this order: {x_name!r}, {y_name!r}.")
    else:
        lines.append("# X has two columns, in the order the model was fitted on (x, y).")
    lines.append("# gm.fit(X) starts EM from exactly these parameters.")
    if mixture.has_noise:
        lines.append(f"# The mixture's uniform noise component (weight "
                     f"{mixture.noise_weight!r}) has no scikit-learn counterpart: it is left "
                     "out, and the Gaussians' weights rescaled to sum to 1.")
        weights = weights / total
    elif abs(total - 1.0) > _SKLEARN_WEIGHT_ATOL:
        weights = weights / total
        lines.append(f"# The weights summed to {total!r}; they are divided by that sum, "
                     "as scikit-learn requires.")
    precision_note = {
        "full": "inverse covariance matrices, shape (K, 2, 2)",
        "tied": "the inverse of the shared covariance matrix, shape (2, 2)",
        "diag": "reciprocal variances, shape (K, 2)",
        "spherical": "reciprocal variances, shape (K,)",
    }[ctype]
    indent = "    "
    lines += [
        "from sklearn.mixture import GaussianMixture",
        "import numpy as np",
        "",
        "gm = GaussianMixture(",
        f"{indent}n_components={k},",
        f"{indent}covariance_type={ctype!r},",
        f"{indent}weights_init={_array_literal(weights, indent)},",
        f"{indent}means_init={_array_literal(np.asarray(mixture.means), indent)},",
        f"{indent}# {precision_note}",
        f"{indent}precisions_init={_array_literal(precisions, indent)},",
        ")",
    ]
    return "\n".join(lines) + "\n"
