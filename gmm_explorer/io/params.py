"""The parameters file, format ``gmm-explorer.mixture`` version 2 (JSON).

::

    {"format": "gmm-explorer.mixture", "version": 2, "covariance_type": "full",
     "n_components": K, "weights": [...], "means": [[x, y], ...],
     "covariances": [[[sxx, sxy], [sxy, syy]], ...],
     "columns": ["eruptions", "waiting"] or null,
     "fit": {"n_samples": N, "log_likelihood": total, "mean_log_likelihood": per_sample,
             "n_iter": n, "converged": bool, "bic": b, "aic": a, "init": "...", "seed": s,
             "tol": t, "reg_covar": r, "max_iter": m, "n_init": i, "algorithm": "em",
             "prior": false}}

Under sample weights ``fit`` also holds ``"total_weight"``: their sum, the N of BIC and of
``mean_log_likelihood`` (``log_likelihood`` is then the weighted sum).

``covariances`` always holds K full 2x2 matrices. ``log_likelihood`` is that of the data
under the written parameters. ``fit`` is a :class:`FitRecord` (the command line and the
window write the same one); it is absent from hand-written files, and a file read back
needs only ``weights``, ``means`` and ``covariances`` and is validated field by field.
Floats are written with Python's shortest round-trip repr, so they read back bit-identical.

``noise`` (optional) is a uniform noise component: ``{"weight": w0, "density": 1/V}``
(the Gaussians' weights then sum to ``1 - w0``; V is the data's hypervolume, mclust's
``hypvol``).

``covariance_type`` is one of the fourteen models (:data:`~gmm_explorer.engine.models.
MODEL_TYPES`: scikit-learn's four names, or mclust's codes such as "VEV"; mclust's codes
for scikit-learn's four are read as those names). Version 1, written before the fourteen,
knew only full, tied, diag and spherical; it is still read.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, replace

import numpy as np

from gmm_explorer.engine.fit import aic_from, bic_from
from gmm_explorer.engine.mixture import COVARIANCE_TYPES, Mixture
from gmm_explorer.engine.models import MODEL_TYPES, canonical
from gmm_explorer.engine.steps import StepResult
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io.atomic import atomic_write
from gmm_explorer.io.files import loads_json, read_text_file

FORMAT = "gmm-explorer.mixture"
VERSION = 2


def covariance_model(value, *, field: str = "covariance_type", path=None,
                     version: int = VERSION) -> str:
    """A file's covariance model name, canonical (raises :class:`ParameterError`)."""
    if version < 2 and value not in COVARIANCE_TYPES:
        raise ParameterError(f"expected one of {', '.join(COVARIANCE_TYPES)} (version 1), got "
                             f"{json.dumps(value)[:40]}", field=field, path=path)
    try:
        return canonical(value)
    except InputError:
        raise ParameterError(f"expected one of {', '.join(MODEL_TYPES)} or an mclust code, "
                             f"got {json.dumps(value)[:40]}", field=field, path=path) from None
#: Largest parameters file we read (a K <= 1000 mixture is far smaller).
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FitRecord:
    """How the parameters in a file were fitted: the file's ``fit`` record.

    Attributes
    ----------
    n_samples : int
    log_likelihood : float
        Total log-likelihood of the data under the written parameters.
    mean_log_likelihood : float
    n_iter : int
        The EM iteration the parameters are from.
    converged : bool
    bic, aic : float
        As scikit-learn counts the parameters (lower is better).
    init : str
        The initialisation method (``"file:NAME"`` for a start read from a parameters file).
    seed : int or None
    tol, reg_covar : float
    max_iter : int
    n_init : int
        Restarts the best of which was kept.
    algorithm : str
        The algorithm that fitted them: ``"em"``, ``"cem"``, ``"sem"``, ``"kmeans"`` or
        ``"vb"``.
    prior : bool
        Whether they are MAP estimates under mclust's default conjugate prior.
    total_weight : float or None
        Under sample weights, their sum: the N of BIC and of ``mean_log_likelihood``
        (``log_likelihood`` is then the weighted sum). None: unweighted.
    """

    n_samples: int
    log_likelihood: float
    mean_log_likelihood: float
    n_iter: int
    converged: bool
    bic: float
    aic: float
    init: str
    seed: int | None
    tol: float
    reg_covar: float
    max_iter: int
    n_init: int
    algorithm: str = "em"
    prior: bool = False
    total_weight: float | None = None

    @classmethod
    def from_step(cls, step: StepResult, *, init: str, seed, tol: float, reg_covar: float,
                  max_iter: int, n_init: int = 1) -> FitRecord:
        """The record of the state ``step``, reached by a run with these settings.

        Parameters
        ----------
        step : StepResult
            The state written: its mixture, log-likelihood, iteration and verdict. BIC and
            AIC are computed from them (:func:`~gmm_explorer.engine.fit.bic_from`).
        init : str
        seed : int or None
        tol, reg_covar : float
        max_iter : int
        n_init : int
        """
        ll, mixture = step.log_likelihood, step.mixture
        tw = step.total_weight
        return cls(int(step.n_samples), float(ll), float(step.mean_log_likelihood),
                   int(step.iteration), bool(step.converged),
                   float(bic_from(ll, mixture, step.sample_size)),
                   float(aic_from(ll, mixture)), str(init),
                   None if seed is None else int(seed), float(tol), float(reg_covar),
                   int(max_iter), int(n_init), str(step.algorithm), bool(step.prior),
                   None if tw is None else float(tw))

    def shifted(self, per_point: float) -> FitRecord:
        """The record after a change of units that adds ``per_point`` to every point's log
        density (standardised units back to the data's: minus log(scale_x * scale_y)).
        The iteration, verdict and parameter count are unchanged."""
        total = (self.n_samples if self.total_weight is None else self.total_weight) * per_point
        return replace(self, log_likelihood=self.log_likelihood + total,
                       mean_log_likelihood=self.mean_log_likelihood + per_point,
                       bic=self.bic - 2 * total, aic=self.aic - 2 * total)

    def as_dict(self) -> dict:
        """The JSON object of the ``fit`` record (keys in the file's order;
        ``total_weight`` only under sample weights)."""
        d = asdict(self)
        if d["total_weight"] is None:
            del d["total_weight"]
        return d


@dataclass(frozen=True, eq=False)
class ParametersFile:
    """A parameters file read back: the mixture, the column names and the fit record."""

    mixture: Mixture
    columns: tuple[str, str] | None
    fit: dict | None


def mixture_to_dict(mixture: Mixture, *, columns=None, fit: FitRecord | None = None) -> dict:
    """The JSON object of format v1 for ``mixture``."""
    out = {
        "format": FORMAT,
        "version": VERSION,
        "covariance_type": mixture.covariance_type,
        "n_components": mixture.n_components,
        "weights": [float(w) for w in mixture.weights],
        "means": [[float(v) for v in m] for m in mixture.means],
        "covariances": [[[float(v) for v in row] for row in c] for c in mixture.covariances],
        "columns": None if columns is None else [str(c) for c in columns],
    }
    if mixture.has_noise:
        out["noise"] = {"weight": float(mixture.noise_weight),
                        "density": float(mixture.noise_density)}
    if fit is not None:
        out["fit"] = fit.as_dict()
    return out


def dumps_mixture(mixture: Mixture, *, columns=None, fit: FitRecord | None = None) -> str:
    """Serialise to JSON text (v1), ending with a newline."""
    return json.dumps(mixture_to_dict(mixture, columns=columns, fit=fit), indent=2,
                      allow_nan=False) + "\n"


def write_mixture(path, mixture: Mixture, *, columns=None,
                  fit: FitRecord | None = None) -> None:
    """Write a parameters file atomically."""
    atomic_write(path, dumps_mixture(mixture, columns=columns, fit=fit))


def loads_mixture(text: str, path: str | None = None) -> ParametersFile:
    """Parse parameters JSON, validating field by field.

    Raises
    ------
    InputError
        Bad JSON (with its line), or a :class:`ParameterError` naming the field.
    """
    obj = loads_json(text, path, what="parameters file", error_prefix="not valid JSON")
    return parse_mixture(obj, path)


def read_mixture(path) -> ParametersFile:
    """Read a parameters file (v1, or hand-written with just the three parameter fields)."""
    text = read_text_file(path, what="parameters file", max_bytes=MAX_BYTES,
                          encoding="utf-8-sig",
                          not_text="not UTF-8 text (byte {byte}); a parameters file is JSON")
    return loads_mixture(text, str(path))


def _numbers(value, shape: tuple[int, ...], field: str, path) -> np.ndarray:
    """Check a nested list of real numbers of the given shape, naming the exact bad entry."""
    if len(shape) == 0:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ParameterError(f"expected a number, got {json.dumps(value)[:40]}", field=field,
                                 path=path)
        if not math.isfinite(value):
            raise ParameterError(f"{value} is not finite", field=field, path=path)
        return value
    if not isinstance(value, list):
        raise ParameterError(f"expected a list of {shape[0]}, got {json.dumps(value)[:40]}",
                             field=field, path=path)
    if len(value) != shape[0]:
        raise ParameterError(f"expected {shape[0]} entries, got {len(value)}", field=field,
                             path=path)
    return [_numbers(v, shape[1:], f"{field}[{i}]", path) for i, v in enumerate(value)]


def _noise(raw, path) -> tuple[float, float]:
    """The optional "noise" object, ``{"weight": w0, "density": 1/V}``: (0, 0) when absent."""
    if raw is None:
        return 0.0, 0.0
    if not isinstance(raw, dict):
        raise ParameterError("expected null or an object with weight and density",
                             field="noise", path=path)
    values = []
    for key in ("weight", "density"):
        if key not in raw:
            raise ParameterError("missing", field=f"noise.{key}", path=path)
        values.append(float(_numbers(raw[key], (), f"noise.{key}", path)))
    return values[0], values[1]


def parse_mixture(obj, path: str | None = None) -> ParametersFile:
    """Validate a decoded JSON object as a parameters file; see :func:`loads_mixture`."""
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with weights, means and covariances", path=path)
    fmt = obj.get("format", FORMAT)
    if fmt != FORMAT:
        raise ParameterError(f"expected {FORMAT!r}, got {json.dumps(fmt)[:60]}", field="format",
                             path=path)
    version = obj.get("version", VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ParameterError(f"expected an integer, got {json.dumps(version)[:40]}",
                             field="version", path=path)
    if version > VERSION:
        raise ParameterError(f"version {version} was written by a newer GMM Explorer; this one "
                             f"reads version {VERSION}. Upgrade GMM Explorer.", field="version",
                             path=path)
    if version < 1:
        raise ParameterError(f"unknown version {version}", field="version", path=path)
    for name in ("weights", "means", "covariances"):
        if name not in obj:
            raise ParameterError("missing (a parameters file needs weights, means and "
                                 "covariances)", field=name, path=path)
    weights = obj["weights"]
    if not isinstance(weights, list) or not weights:
        raise ParameterError("expected a non-empty list of numbers", field="weights", path=path)
    k = len(weights)
    if "n_components" in obj and obj["n_components"] != k:
        raise ParameterError(f"says {json.dumps(obj['n_components'])[:20]} but there are {k} "
                             "weights", field="n_components", path=path)
    ctype = covariance_model(obj.get("covariance_type", "full"), path=path, version=version)
    w = _numbers(weights, (k,), "weights", path)
    m = _numbers(obj["means"], (k, 2), "means", path)
    c = _numbers(obj["covariances"], (k, 2, 2), "covariances", path)
    noise_weight, noise_density = _noise(obj.get("noise"), path)
    try:
        mixture = Mixture(np.array(w, float), np.array(m, float), np.array(c, float), ctype,
                          noise_weight=noise_weight, noise_density=noise_density)
    except ParameterError as exc:
        raise ParameterError(exc.reason.split(": ", 1)[-1], field=exc.field, path=path) from None
    columns = obj.get("columns")
    if columns is not None:
        if (not isinstance(columns, list) or len(columns) != 2
                or not all(isinstance(x, str) for x in columns)):
            raise ParameterError("expected null or a list of two names", field="columns",
                                 path=path)
        columns = (columns[0], columns[1])
    fit = obj.get("fit")
    if fit is not None and not isinstance(fit, dict):
        raise ParameterError("expected an object", field="fit", path=path)
    return ParametersFile(mixture, columns, fit)
