"""The model settings a user chooses (K, covariance type, initialisation, seed, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from gmm_explorer.engine import INIT_METHODS, EMSettings
from gmm_explorer.engine.models import canonical
from gmm_explorer.errors import InputError

MAX_K = 20


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

    def __post_init__(self) -> None:
        if not (1 <= int(self.k) <= MAX_K):
            raise InputError(f"K must be between 1 and {MAX_K}, got {self.k}")
        object.__setattr__(self, "covariance_type", canonical(self.covariance_type))
        if self.init not in INIT_METHODS:
            raise InputError(f"unknown initialisation {self.init!r}")
        self.em_settings()  # validates reg_covar, tol, max_iter

    def em_settings(self) -> EMSettings:
        return EMSettings(self.covariance_type, float(self.reg_covar), float(self.tol),
                          int(self.max_iter))

    def as_dict(self) -> dict:
        """The settings as the session file stores them."""
        return {"k": self.k, "covariance_type": self.covariance_type, "init": self.init,
                "seed": self.seed, "reg_covar": self.reg_covar, "tol": self.tol,
                "max_iter": self.max_iter}

    @classmethod
    def from_dict(cls, d) -> "ModelSettings":
        """Settings from a session file's record; :class:`InputError` if malformed."""
        try:
            return cls(int(d["k"]), str(d["covariance_type"]), str(d["init"]), int(d["seed"]),
                       float(d["reg_covar"]), float(d["tol"]), int(d["max_iter"]))
        except (TypeError, ValueError, KeyError) as exc:
            raise InputError(f"settings: {exc}") from None
