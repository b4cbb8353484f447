"""The local-optima gallery's engine: restart plans, runs, and grouping into optima."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine.datasets import GENERATORS, generate
from gmm_explorer.engine.init import RANDOM_INITS
from gmm_explorer.engine.optima import (
    Restart,
    data_scale,
    group_optima,
    match_components,
    restart_plan,
    run_restarts,
)
from gmm_explorer.errors import InputError

#: Tight enough that every restart really reaches its optimum: with the default tol=1e-3,
#: "random" starts stop after two iterations near their symmetric start (see below).
TIGHT = E.EMSettings(tol=1e-6, max_iter=1000)


def true_centres(X, labels, k):
    return np.array([X[labels == j].mean(axis=0) for j in range(k)])


def max_mean_distance(means, centres, scale):
    """Largest distance, in data standard deviations, between matched means and centres."""
    ref = E.Mixture(np.full(len(centres), 1 / len(centres)), centres,
                    np.broadcast_to(np.eye(2), (len(centres), 2, 2)))
    other = E.Mixture(np.full(len(means), 1 / len(means)), means,
                      np.broadcast_to(np.eye(2), (len(means), 2, 2)))
    perm = match_components(ref, other, scale)
    return float(np.max(np.hypot(*((means[perm] - centres) / scale).T)))


def permuted(m: E.Mixture, order) -> E.Mixture:
    return E.Mixture(m.weights[order], m.means[order], m.covariances[order], m.covariance_type)


# ------------------------------------------------------------------ the plan


def test_restart_plan_cycles_inits_with_distinct_deterministic_seeds():
    plan = restart_plan(20)
    assert len(plan) == 20
    assert [m for _, m in plan[:5]] == ["kmeans", "k-means++", "random", "random_from_data",
                                        "kmeans"]
    seeds = [s for s, _ in plan]
    assert len(set(seeds)) == 20 and all(isinstance(s, int) and 0 <= s < 2**32 for s in seeds)
    assert restart_plan(20) == plan
    assert restart_plan(5) == plan[:5]
    assert restart_plan(20, seed=1) != plan
    assert restart_plan(3, inits=("random",)) == tuple((s, "random") for s, _ in plan[:3])
    assert restart_plan(0) == ()


@pytest.mark.parametrize("args,kw", [((-1,), {}), ((2.5,), {}), ((3,), {"inits": ()}),
                                     ((3,), {"inits": ("nope",)}), ((3,), {"seed": -1})])
def test_restart_plan_rejects_bad_arguments(args, kw):
    with pytest.raises(InputError):
        restart_plan(*args, **kw)


# ------------------------------------------------------------------ running restarts


def test_each_restart_is_a_single_fit_with_its_seed_and_init(synthetic):
    plan = restart_plan(4)
    restarts = run_restarts(synthetic, 3, E.EMSettings(), plan)
    assert [(r.seed, r.init) for r in restarts] == list(plan)
    for r in restarts:
        assert r.error is None
        expected = E.fit(synthetic, 3, init=r.init, n_init=1, seed=r.seed)
        assert r.result.mixture.equals(expected.mixture)
        assert r.result.n_iter == expected.n_iter and r.result.n_init == 1


def test_progress_and_cancel_between_restarts(synthetic):
    seen = []
    done = run_restarts(synthetic, 2, E.EMSettings(), restart_plan(5),
                        progress=lambda i, n: seen.append((i, n)))
    assert seen == [(i, 5) for i in range(1, 6)] and len(done) == 5
    partial = run_restarts(synthetic, 2, E.EMSettings(), restart_plan(5),
                           cancelled=lambda: len(seen) >= 7, progress=lambda i, n: seen.append(i))
    assert len(partial) == 2
    assert run_restarts(synthetic, 2, E.EMSettings(), restart_plan(5), cancelled=lambda: True) == ()


def test_a_failed_restart_is_recorded_not_raised():
    # Four distinct points and K=4: every component claims one point and collapses.
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    restarts = run_restarts(X, 4, E.EMSettings(reg_covar=0.0), restart_plan(4))
    assert len(restarts) == 4
    failed = [r for r in restarts if r.result is None]
    assert failed and all("reg_covar" in r.error for r in failed)


def test_bad_k_is_raised_before_any_fit(synthetic):
    with pytest.raises(InputError):
        run_restarts(synthetic[:3], 4, E.EMSettings(), restart_plan(2))


# ------------------------------------------------------------------ grouping


def test_the_several_optima_data_set_has_several_optima_and_the_best_is_the_truth():
    assert GENERATORS["optima"][0] == "Several local optima (pairs of blobs)"
    k = 4
    X, labels = generate("optima", 600, k, seed=0)
    scale = data_scale(X)
    restarts = run_restarts(X, k, TIGHT, restart_plan(20))
    assert all(r.result is not None and r.result.converged for r in restarts)
    optima = group_optima(X, restarts)
    assert len(optima) >= 2
    lls = [o.log_likelihood for o in optima]
    assert lls == sorted(lls, reverse=True) and lls[0] > lls[1] + 1.0
    assert sum(o.count for o in optima) == 20
    assert sorted(m for o in optima for m in o.members) == sorted(restart_plan(20))
    centres = true_centres(X, labels, k)
    assert max_mean_distance(optima[0].mixture.means, centres, scale) < 0.05
    # The others are wrong: some blob has no component near it.
    for o in optima[1:]:
        assert max_mean_distance(o.mixture.means, centres, scale) > 0.1
    # The best fit was found by most restarts, every initialisation among them.
    assert optima[0].count >= 10
    assert {m for _, m in optima[0].members} == set(RANDOM_INITS)


def test_default_tolerance_lets_random_starts_stop_early():
    """Documenting EM (and scikit-learn) behaviour the gallery shows: with tol=1e-3, uniform
    random responsibilities start every component at nearly the same place, the first
    steps gain less than tol, and the run "converges" on the spot."""
    X, _ = generate("separated", 600, 2, seed=0)
    restarts = run_restarts(X, 2, E.EMSettings(), restart_plan(8))
    optima = group_optima(X, restarts)
    assert len(optima) == 2
    assert set(optima[1].members) == {(s, m) for s, m in restart_plan(8) if m == "random"}
    assert all(r.result.n_iter == 2 for r in restarts if r.init == "random")


def test_one_obvious_optimum_is_one_group():
    X, _ = generate("separated", 600, 2, seed=0)
    restarts = run_restarts(X, 2, TIGHT, restart_plan(20))
    ok = [r for r in restarts if r.result is not None]
    optima = group_optima(X, restarts)
    assert len(optima) == 1
    assert optima[0].count == len(ok) == 20 and optima[0].converged
    best = max(ok, key=lambda r: r.result.log_likelihood)
    assert optima[0].mixture is best.result.mixture
    assert optima[0].members[0] == (best.seed, best.init)


def test_label_switching_does_not_split_an_optimum():
    X, _ = generate("optima", 600, 3, seed=1)
    fit = E.fit(X, 3, settings=TIGHT, init="kmeans", seed=0)
    rng = np.random.default_rng(0)
    restarts = []
    for i in range(6):
        order = rng.permutation(3) if i else np.arange(3)
        m = permuted(fit.mixture, order)
        r = E.fit(X, init=m, settings=TIGHT)
        restarts.append(Restart(i, "given", r))
    # The permutations really do relabel the components.
    assert len({tuple(np.round(r.result.mixture.means[:, 0], 6)) for r in restarts}) > 1
    optima = group_optima(X, restarts)
    assert len(optima) == 1 and optima[0].count == 6


def test_grouping_rule_tolerances():
    X, _ = generate("separated", 600, 2, seed=0)
    base = E.fit(X, 2, settings=TIGHT, seed=0)
    m = base.mixture
    sd = data_scale(X)

    def shifted(dx_sd, dw=0.0):
        w = m.weights + np.array([dw, -dw])
        means = m.means + np.array([[dx_sd * sd[0], 0.0], [0.0, 0.0]])
        return E.Mixture(w, means, m.covariances)

    def restart(mix, i):
        r = E.fit(X, init=mix, settings=E.EMSettings(max_iter=0))
        # max_iter=0 evaluates the start only: the "fit" is exactly these parameters.
        return Restart(i, "given", r)

    near = [restart(m, 0), restart(shifted(0.01), 1), restart(shifted(0.0, 0.001), 2)]
    assert len(group_optima(X, near, ll_tol=1.0)) == 1
    far_mean = [restart(m, 0), restart(shifted(0.2), 1)]
    assert len(group_optima(X, far_mean, ll_tol=1.0)) == 2
    far_weight = [restart(m, 0), restart(shifted(0.0, 0.1), 1)]
    assert len(group_optima(X, far_weight, ll_tol=1.0)) == 2
    # The same parameters but a log-likelihood tolerance of zero: still one optimum.
    assert len(group_optima(X, [restart(m, 0), restart(m, 1)], ll_tol=0.0)) == 1
    # Means close but the log-likelihood differs by more than ll_tol: two.
    assert len(group_optima(X, [restart(m, 0), restart(shifted(0.01), 1)], ll_tol=1e-9)) == 2


def test_failed_restarts_are_left_out_and_mixed_k_is_refused(synthetic):
    ok = run_restarts(synthetic, 2, E.EMSettings(), restart_plan(2))
    failed = Restart(1, "random", None, "collapsed")
    assert sum(o.count for o in group_optima(synthetic, ok + (failed,))) == 2
    assert group_optima(synthetic, (failed,)) == ()
    other_k = run_restarts(synthetic, 3, E.EMSettings(), restart_plan(1))
    with pytest.raises(InputError):
        group_optima(synthetic, ok + other_k)
