"""NNclean (Byers & Raftery's nearest-neighbour clutter removal) against R's prabclus
(tests/mclust/reference_nnclean.json, made by ``python tests/mclust/make_reference.py
nnclean``), and the noise start it gives."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.noise import isolated_points, nnclean
from gmm_explorer.errors import InputError
from tests.mclust.make_reference import nnclean_points

REF = json.loads((Path(__file__).parents[1] / "mclust" / "reference_nnclean.json").read_text())
CASES = [(name, k) for name, case in REF["cases"].items() for k in case["k"]]


@pytest.mark.parametrize("name,k", CASES)
def test_nnclean_agrees_with_prabclus(name, k):
    ref = REF["cases"][name]["k"][k]
    got = nnclean(nnclean_points(name), int(k))
    assert np.array_equal((~got.noise).astype(int), ref["z"])
    assert got.p == pytest.approx(ref["p"], rel=1e-12)
    assert got.lambda_feature == pytest.approx(ref["lambda1"], rel=1e-12)
    assert got.lambda_clutter == pytest.approx(ref["lambda2"], rel=1e-12)
    np.testing.assert_allclose(got.feature_probability, ref["probs"], atol=1e-12)
    assert 0 < got.noise.sum() < len(ref["z"])


@pytest.mark.parametrize("name", sorted(REF["cases"]))
def test_the_clutter_is_the_most_isolated_points(name):
    X = nnclean_points(name)
    got = nnclean(X, 5)
    assert got.lambda_feature > got.lambda_clutter
    # The class is monotone in the 5th-neighbour distance: NNclean's clutter is the
    # fraction isolated_points takes.
    assert np.array_equal(isolated_points(X, got.fraction, 5), got.noise)


def test_a_fraction_meant_as_a_count_takes_that_count():
    X = np.random.default_rng(0).normal(size=(100, 2))
    assert isolated_points(X, 0.29).sum() == 29  # 0.29 * 100 = 28.999999999999996


def test_bad_arguments_are_one_input_error():
    X = np.random.default_rng(0).normal(size=(5, 2))
    with pytest.raises(InputError, match="at least 6 points"):
        nnclean(X, 5)
    with pytest.raises(InputError, match="integer >= 1"):
        nnclean(X, 0)


def test_a_start_from_the_clutter(faithful):
    X = nnclean_points("outliers")
    cleaned = nnclean(X, 5)
    start = E.initialise(X, 3, "kmeans", seed=0, noise=cleaned.fraction,
                         noise_points=cleaned.noise)
    assert start.noise_weight == pytest.approx(cleaned.fraction)
    # The components start on the other points only.
    inliers = E.initialise(X[~cleaned.noise], 3, "kmeans", seed=0)
    np.testing.assert_allclose(start.means, inliers.means)
    with pytest.raises(InputError, match="true/false"):
        E.initialise(X, 3, seed=0, noise=0.1, noise_points=np.ones(5, dtype=bool))


def test_the_convex_hull_region():
    from scipy.spatial import ConvexHull

    from gmm_explorer.engine.noise import hull_area, noise_density

    rng = np.random.default_rng(2)
    square = np.array([[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]])
    X = np.concatenate([square, rng.uniform(0.1, 1.9, (50, 2))])
    assert hull_area(X) == pytest.approx(4.0)
    assert noise_density(X, region="hull") == pytest.approx(0.25)
    Y = rng.normal(size=(200, 2))
    assert noise_density(Y, region="hull") == pytest.approx(1 / ConvexHull(Y).volume)
    # Weights: a point of weight 0 is as if absent.
    w = np.ones(X.shape[0])
    w[2] = 0.0
    assert hull_area(X, w) == pytest.approx(hull_area(X[w > 0]))
    assert hull_area(X, w) < 4.0
    with pytest.raises(InputError, match="span no area"):
        noise_density(np.array([[0.0, 0], [1, 1], [2, 2]]), region="hull")
    with pytest.raises(InputError, match="box or hull"):
        noise_density(Y, region="disc")
    s = E.EMSettings(noise=0.1, noise_region="hull", max_iter=3)
    run = list(E.iterate(Y, E.initialise(Y, 2, seed=0), s))
    assert run[0].mixture.noise_density == pytest.approx(1 / ConvexHull(Y).volume)
