"""Standardised units: the data's columns centred and divided by their spreads.

When one column's spread is many times the other's, clumps that look round on a screen are
long needles in the data's units, and k-means (which measures plain distances) splits them
across. Working in z-scores removes that. A Gaussian mixture maps exactly through the
per-column affine map, so parameters fitted in standardised units are given back in the
data's units (:meth:`Standardisation.mixture_to_data`) for every export.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.steps import StepResult

#: Spreads differing by more than this factor make the standardised view worth offering.
SPREAD_RATIO_TO_OFFER = 10.0


#: Rows per block of :func:`column_spreads`.
SPREAD_BLOCK_ROWS = 1 << 16


def column_spreads(points) -> np.ndarray:
    """The columns' standard deviations (``std(axis=0)``, equal to rounding) a block of
    rows at a time: numpy's ``std`` makes the deviations of every point at once, a
    temporary as large as the points (160 MB at 10^7 points).

    Returns
    -------
    ndarray of shape (2,) (zeros for no points)
    """
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    n = p.shape[0]
    if n == 0:
        return np.zeros(2)
    mean = p.mean(axis=0)
    ss = np.zeros(2)
    for lo in range(0, n, SPREAD_BLOCK_ROWS):
        d = p[lo:lo + SPREAD_BLOCK_ROWS] - mean
        ss += np.einsum("ij,ij->j", d, d)
    return np.sqrt(ss / n)


def spread_ratio(points) -> float | None:
    """How many times the larger column standard deviation is the smaller (None when
    there are fewer than two points or a column does not vary)."""
    p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return spread_ratio_of(column_spreads(p)) if p.shape[0] >= 2 else None


def spread_ratio_of(spreads) -> float | None:
    """max / min of two column standard deviations (None if one is zero or not finite)."""
    sd = np.asarray(spreads, dtype=np.float64)
    if not np.all(np.isfinite(sd)) or sd.min() <= 0.0:
        return None
    return float(sd.max() / sd.min())


@dataclass(frozen=True, eq=False)
class Standardisation:
    """z = (x - centre) / scale, column by column.

    ``names`` are the data's own column names (the standardised view labels its axes
    "name (z)").
    """

    centre: np.ndarray
    scale: np.ndarray
    names: tuple[str, str] = ("x", "y")

    def __post_init__(self) -> None:
        c = np.array(self.centre, dtype=np.float64).reshape(2)
        s = np.array(self.scale, dtype=np.float64).reshape(2)
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(s)) and np.all(s > 0)):
            raise ValueError("a standardisation needs a finite centre and positive scales")
        c.setflags(write=False)
        s.setflags(write=False)
        object.__setattr__(self, "centre", c)
        object.__setattr__(self, "scale", s)
        object.__setattr__(self, "names", tuple(str(n) for n in self.names))

    @classmethod
    def of(cls, points, names=("x", "y")) -> "Standardisation":
        """The standardisation of ``points``: their column means and standard deviations
        (a column that does not vary keeps scale 1)."""
        p = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        if p.shape[0] == 0:
            raise ValueError("there are no points to standardise")
        sd = p.std(axis=0)
        return cls(p.mean(axis=0), np.where(sd > 0, sd, 1.0), names)

    @property
    def z_names(self) -> tuple[str, str]:
        """The axis names in standardised units."""
        return tuple(f"{n} (z)" for n in self.names)

    def to_z(self, points) -> np.ndarray:
        return (np.asarray(points, dtype=np.float64).reshape(-1, 2) - self.centre) / self.scale

    def to_data(self, points) -> np.ndarray:
        return np.asarray(points, dtype=np.float64).reshape(-1, 2) * self.scale + self.centre

    def mixture_to_data(self, m: Mixture) -> Mixture:
        """``m`` (in standardised units) in the data's units: the same mixture of the same
        points. Full, tied and diagonal covariances keep their type; spherical ones are
        spherical only in z, so they come back diagonal unless both scales are equal."""
        d = np.outer(self.scale, self.scale)
        cov = m.covariances * d
        kind = m.covariance_type
        if kind == "spherical" and self.scale[0] != self.scale[1]:
            kind = "diag"
        # A uniform density per unit area in z is that over (scale_x * scale_y) in data.
        return Mixture(m.weights, m.means * self.scale + self.centre, cov, kind,
                       noise_weight=m.noise_weight,
                       noise_density=m.noise_density / float(np.prod(self.scale)))

    @property
    def log_scale(self) -> float:
        """log(scale_x * scale_y): a density in the data's units is the one in z minus
        this, per point."""
        return float(np.log(self.scale).sum())

    def step_to_data(self, step: StepResult) -> StepResult:
        """A state fitted in z, in the data's units: its mixture and its log-likelihoods
        (shifted by :attr:`log_scale` per point; changes between iterations are equal)."""
        c = self.log_scale
        dc = step.data_covariance
        return replace(step, mixture=self.mixture_to_data(step.mixture),
                       log_likelihood=step.log_likelihood - step.sample_size * c,
                       mean_log_likelihood=step.mean_log_likelihood - c,
                       data_covariance=None if dc is None
                       else dc * np.outer(self.scale, self.scale))

    def as_dict(self) -> dict:
        return {"centre": self.centre.tolist(), "scale": self.scale.tolist(),
                "names": list(self.names)}

    @classmethod
    def from_dict(cls, obj) -> "Standardisation":
        """Raises ValueError (or TypeError/KeyError) on a malformed dict."""
        if not isinstance(obj, dict):
            raise ValueError("expected an object with centre, scale and names")
        names = obj.get("names", ["x", "y"])
        if not (isinstance(names, list) and len(names) == 2
                and all(isinstance(n, str) for n in names)):
            raise ValueError("names: expected two strings")
        return cls(obj["centre"], obj["scale"], tuple(names))
