"""Points held elsewhere, in blocks: the seam through which EM runs out of core.

EM needs only per-component sums (``S0, S1, S2``) and the log-likelihood from each pass,
so a pass is a map over blocks of points and a reduction of a (K, 6) array. A
:class:`BlockedPoints` stands in for the (N, 2) array in the one EM loop
(:func:`~gmm_explorer.engine.em.half_steps`): validation passes it through, and the
E-pass dispatch (:func:`~gmm_explorer.engine._kernels.run_pass`) hands it the
parameters instead of running over an array here. The points never come back; neither
do responsibilities. :mod:`gmm_explorer.engine.dask` implements it on a ``dask.array``.
"""

from __future__ import annotations

import numpy as np


class BlockedPoints:
    """N points in blocks, reached only through passes that return per-component sums."""

    #: (n_samples, 2)
    shape: tuple[int, int]

    @property
    def ndim(self) -> int:
        return 2

    def run_pass(self, means: np.ndarray, prec: np.ndarray, const: np.ndarray,
                 noise: float, backend: str | None) -> tuple[np.ndarray, float, int]:
        """The fused E-pass over every block: ``(stats (K, 6), log_likelihood, n_lost)``,
        as :func:`~gmm_explorer.engine._kernels.run_pass` returns for an array."""
        raise NotImplementedError
