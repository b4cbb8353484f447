"""The narration line after each piece of EM work (Qt-free)."""

from __future__ import annotations

import numpy as np

from gmm_explorer import engine as E
from gmm_explorer.session import narration as N


def two(m0, m1, w=(0.5, 0.5)):
    return E.Mixture(np.array(w), np.array([m0, m1], float), np.array([np.eye(2)] * 2), "full")


def test_e_step_counts_points_that_changed_component():
    assert N.e_step(12, 272) == "E-step: 12 points changed their most likely component"
    assert N.e_step(1, 272) == "E-step: 1 point changed its most likely component"
    assert N.e_step(0, 272) == "E-step: no point changed its most likely component"
    assert "272 points now has responsibilities" in N.e_step(None, 272)


def test_m_step_names_the_biggest_move_in_the_datas_own_units():
    before = two((0, 0), (0, 0))
    after_m = two((1.0, 0.0), (0.0, 5.0), w=(0.3, 0.7))
    # In raw units component 2 moved 5 and component 1 moved 1; but y is spread 10x more.
    spread = np.array([0.5, 10.0])
    assert N.biggest_move(before, after_m, spread) == 0
    r = E.StepResult(3, after_m, -100.0, -4.0, 25, 0.004, False, False, np.array([7.5, 17.5]))
    assert N.m_step(before, r, spread) == ("M-step: component 1 moved by (+1, +0), weight "
                                           "0.50 → 0.30; Δ mean log-likelihood +0.004")
    line = N.step(3, 25, before, r, spread)
    assert line.startswith("Step 3: 3 points changed their most likely component; "
                           "component 1 moved by")


def test_convergence_says_how_run_to_convergence_ended():
    r = E.StepResult(7, two((0, 0), (5, 5)), -100.0, -4.0, 25, 1e-5, True, False,
                     np.array([12.5, 12.5]))
    assert N.convergence(r, cancelled=False) == "Converged at iteration 7"
    assert N.convergence(r, cancelled=True) == "Stopped at iteration 7"
    assert N.convergence(None, cancelled=False) == (
        "Reached the maximum number of iterations at iteration 0")


def test_the_spread_comes_from_the_e_pass_not_a_pass_over_the_points():
    rng = np.random.default_rng(0)
    X = rng.normal([0, 50], [1, 10], (500, 2))
    m = E.initialise(X, 2, "kmeans", seed=0)
    run = list(E.iterate(X, m, E.EMSettings(tol=0.0, max_iter=2)))
    np.testing.assert_allclose(N._spread(run[-1], X), X.std(axis=0), rtol=1e-10)
    line = N.describe("m", tuple(run[1:]), run[0], None, X, "kmeans")
    assert line == N.m_step(run[0].mixture, run[-1], X.std(axis=0))
