"""Algorithms side by side (engine/compare.py): each run is the engine's own run of that
algorithm from the shared start, and a run that cannot start says why."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.compare import COMPARED, compare_algorithms, mean_objective
from gmm_explorer.engine.init import initialise


def test_each_run_is_that_algorithms_own_run_from_the_start(faithful):
    start = initialise(faithful, 3, "kmeans", seed=0)
    settings = E.EMSettings("full", 1e-6, 1e-4, 100, seed=4)
    runs = compare_algorithms(faithful, start, settings, n_iter=12)
    assert [r.algorithm for r in runs] == list(COMPARED)
    for run in runs:
        assert run.error is None
        s = E.EMSettings("EII" if run.algorithm == "kmeans" else "full", 1e-6, 1e-4, 12,
                         algorithm=run.algorithm, seed=4)
        ref = list(E.iterate(faithful, start, s))
        assert len(run.states) == len(ref)
        for got, want in zip(run.states, ref):
            np.testing.assert_array_equal(got.mixture.means, want.mixture.means)
            assert mean_objective(got) == mean_objective(want)
        # The shared start: iteration 0 has the start's means (k-means keeps them too;
        # VB's iteration 0 is its own M-step on the start's responsibilities).
        if run.algorithm != "vb":
            np.testing.assert_array_equal(run.states[0].mixture.means, start.means)
        assert run.at(10_000) is run.states[-1] and run.at(0) is run.states[0]
    by = {r.algorithm: r for r in runs}
    # The monotone ones never go down their own objective; SEM runs all its iterations.
    for alg in ("em", "cem", "kmeans", "vb"):
        y = by[alg].objectives
        assert np.all(np.diff(y) >= -1e-9 * np.abs(y[:-1]))
    assert len(by["sem"].states) == 13 and by["sem"].stopped_at is None
    assert by["kmeans"].settings.covariance_type == "EII"


def test_a_run_that_cannot_start_says_why_and_the_others_go_on(faithful):
    start = initialise(faithful, 2, "kmeans", seed=0, covariance_type="EEV")
    runs = compare_algorithms(faithful, start, E.EMSettings("EEV"), n_iter=5)
    vb = next(r for r in runs if r.algorithm == "vb")
    assert vb.states == () and "scikit-learn's four" in vb.error and vb.at(3) is None
    assert all(r.error is None and r.states for r in runs if r.algorithm != "vb")


def test_cancel_and_progress(faithful):
    start = initialise(faithful, 2, "kmeans", seed=0)
    assert compare_algorithms(faithful, start, n_iter=5, cancelled=lambda: True) is None
    seen = []
    compare_algorithms(faithful, start, E.EMSettings(tol=0.0), n_iter=5,
                       progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (25, 25) and seen == sorted(seen)
