"""Fixtures shared by the export tests: seeded data and the mixtures fitted to it."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine
from gmm_explorer.engine import COVARIANCE_TYPES, EMSettings, Mixture
from tests.conftest import blobs


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    return blobs()


@pytest.fixture(scope="module")
def mixtures(data) -> dict[str, Mixture]:
    """A converged K=3 fit per covariance type (seeded)."""
    return {t: engine.fit(data, 3, settings=EMSettings(covariance_type=t), seed=0).mixture
            for t in COVARIANCE_TYPES}
