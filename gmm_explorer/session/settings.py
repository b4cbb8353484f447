"""The model settings a user chooses (K, covariance type, initialisation, seed, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from gmm_explorer.engine import INIT_METHODS, EMSettings
from gmm_explorer.engine.algorithms import KMEANS_MODEL, check_algorithm
from gmm_explorer.engine.models import canonical
from gmm_explorer.engine.variational import check_weight_prior
from gmm_explorer.errors import InputError

MAX_K = 20


def _flag(v) -> bool:
    if not isinstance(v, bool):
        raise InputError(f"settings: prior must be true or false, got {v!r}")
    return v


@dataclass(frozen=True)
class ModelSettings:
    """Everything the user chooses about the model (persisted between launches)."""

    k: int = 2
    covariance_type: str = "full"
    init: str = "kmeans"
    seed: int = 0
    reg_covar: float = 1e-6
    tol: float = 1e-3
    max_iter: int = 100
    #: EM, CEM, SEM, k-means or VB (engine.algorithms). k-means fits the EII model whatever
    #: ``covariance_type`` says; the covariance type is kept for the other algorithms.
    algorithm: str = "em"
    #: Variational Bayes' prior on the weights: "dirichlet_process" or
    #: "dirichlet_distribution" (scikit-learn's weight_concentration_prior_type).
    weight_prior: str = "dirichlet_process"
    #: MAP estimation under mclust's default conjugate prior (engine.priors).
    prior: bool = False
    #: A uniform noise component's starting weight, in [0, 1) (0: none; engine.noise).
    noise: float = 0.0
    #: The noise component's region: "box" (mclust's hypvol) or "hull" (convex hull).
    noise_region: str = "box"

    def __post_init__(self) -> None:
        if not (1 <= int(self.k) <= MAX_K):
            raise InputError(f"K must be between 1 and {MAX_K}, got {self.k}")
        object.__setattr__(self, "covariance_type", canonical(self.covariance_type))
        object.__setattr__(self, "algorithm", check_algorithm(self.algorithm))
        object.__setattr__(self, "weight_prior", check_weight_prior(self.weight_prior))
        if self.init not in INIT_METHODS:
            raise InputError(f"unknown initialisation {self.init!r}")
        self.em_settings()  # validates reg_covar, tol, max_iter

    @property
    def fitted_covariance_type(self) -> str:
        """The covariance model the algorithm fits: EII for k-means, else the chosen one."""
        return KMEANS_MODEL if self.algorithm == "kmeans" else self.covariance_type

    def em_settings(self) -> EMSettings:
        return EMSettings(self.fitted_covariance_type, float(self.reg_covar), float(self.tol),
                          int(self.max_iter), self.algorithm, int(self.seed),
                          self.weight_prior, None, bool(self.prior), float(self.noise),
                          self.noise_region)

    def as_dict(self) -> dict:
        """The settings as the session file stores them."""
        return {"k": self.k, "covariance_type": self.covariance_type, "init": self.init,
                "seed": self.seed, "reg_covar": self.reg_covar, "tol": self.tol,
                "max_iter": self.max_iter, "algorithm": self.algorithm,
                "weight_prior": self.weight_prior, "prior": bool(self.prior),
                "noise": float(self.noise), "noise_region": self.noise_region}

    @classmethod
    def from_dict(cls, d) -> "ModelSettings":
        """Settings from a session file's record; :class:`InputError` if malformed."""
        try:
            return cls(int(d["k"]), str(d["covariance_type"]), str(d["init"]), int(d["seed"]),
                       float(d["reg_covar"]), float(d["tol"]), int(d["max_iter"]),
                       str(d.get("algorithm", "em")),
                       str(d.get("weight_prior", "dirichlet_process")),
                       _flag(d.get("prior", False)), float(d.get("noise", 0.0)),
                       str(d.get("noise_region", "box")))
        except (TypeError, ValueError, KeyError) as exc:
            raise InputError(f"settings: {exc}") from None
