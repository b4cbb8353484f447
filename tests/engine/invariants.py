"""The invariants every monotone run keeps (EM, CEM, k-means, variational Bayes): its
objective never decreases, the weights (the noise's included) sum to one, covariances stay
positive definite."""

from __future__ import annotations

import numpy as np
import pytest


def assert_run_invariants(run, rtol: float) -> None:
    """``run``: the StepResults of one run, in order; ``rtol``: the relative rounding a
    decrease of the objective may show."""
    objective = np.array([r.mean_objective for r in run])
    assert np.all(np.diff(objective) >= -rtol * np.abs(objective[1:]))
    assert not any(r.ll_decreased for r in run)
    for r in run:
        assert np.sum(r.mixture.weights) + r.mixture.noise_weight == pytest.approx(1.0,
                                                                                  abs=1e-12)
        assert np.all(np.linalg.eigvalsh(r.mixture.covariances) > 0)
