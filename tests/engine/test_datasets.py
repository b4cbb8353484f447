"""Synthetic data generators: shapes, labels, reproducibility, and the intended difficulty."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.datasets import GENERATORS, generate
from gmm_explorer.errors import InputError


@pytest.mark.parametrize("kind", list(GENERATORS))
@pytest.mark.parametrize("n,k", [(2, 1), (101, 3), (1000, 5)])
def test_shapes_labels_and_seeds(kind, n, k):
    pts, lab = generate(kind, n, k, seed=4)
    assert pts.shape == (n, 2) and lab.shape == (n,) and np.all(np.isfinite(pts))
    again, lab2 = generate(kind, n, k, seed=4)
    np.testing.assert_array_equal(pts, again)
    np.testing.assert_array_equal(lab, lab2)
    assert not np.array_equal(pts, generate(kind, n, k, seed=5)[0])


def test_separated_blobs_are_recovered_by_em():
    pts, lab = generate("separated", 900, 3, seed=1)
    pred = E.predict(pts, E.fit(pts, 3, seed=0).mixture)
    # Each true cluster maps to one component.
    for j in range(3):
        assert np.bincount(pred[lab == j], minlength=3).max() >= 0.97 * np.sum(lab == j)


def test_elongated_needs_full_covariances():
    pts, _ = generate("elongated", 1200, 2, seed=2)
    full = E.fit(pts, 2, settings=E.EMSettings("full"), seed=0)
    sph = E.fit(pts, 2, settings=E.EMSettings("spherical"), seed=0)
    assert full.bic() < sph.bic()


@pytest.mark.parametrize("args", [("nope", 10, 2), ("moons", 1, 2), ("moons", 10, 0),
                                  ("moons", 10.5, 2)])
def test_bad_arguments(args):
    with pytest.raises(InputError):
        generate(*args)
