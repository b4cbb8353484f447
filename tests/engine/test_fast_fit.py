"""The compiled whole-run loop (engine/fast_fit.py) against the ordinary EM loop: for every
model, K, start and weighting, the same final state to rounding, the same iteration and
verdict, and the same failures; its 2x2 algebra against numpy; the compiled Lloyd's
k-means against scipy bit for bit; and model selection's other shortcuts (hc merges
computed once, the degenerate verdict without overlaps, restarts on threads)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import _kernels, diagnostics, fast_fit, hierarchical
from gmm_explorer.engine.fit import best_run, better_restart
from gmm_explorer.engine.init import initialise, start_statistics
from gmm_explorer.engine.locks import Locks
from gmm_explorer.engine.models import MODEL_TYPES
from gmm_explorer.errors import FitError, InputError

pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="the loop is numba's")

INITS = ("hc", "kmeans", "random", "random_from_data")


def _compare(X, start, settings, weights=None, fast_start=None):
    """The loop from ``fast_start`` (default: ``start``) against the engine's loop from
    ``start``."""
    fast_start = start if fast_start is None else fast_start
    try:
        ref = list(E.iterate(X, start, settings, weights=weights))[-1]
    except FitError:
        with pytest.raises(FitError):
            fast_fit.run(X, fast_start, settings, weights)
        return None
    got = fast_fit.run(X, fast_start, settings, weights)
    assert got.iteration == ref.iteration
    assert got.converged == ref.converged
    assert got.log_likelihood == pytest.approx(ref.log_likelihood, rel=1e-10)
    assert got.mean_log_likelihood == pytest.approx(ref.mean_log_likelihood, rel=1e-10)
    scale = np.abs(ref.mixture.covariances).max()
    np.testing.assert_allclose(got.mixture.means, ref.mixture.means, rtol=1e-8)
    # EVE and VVE with one component: the first Procrustes fit of mclust's inner loop is
    # of a rank-one matrix, whose orthogonal factor (rotation or reflection) rounding
    # decides, in LAPACK's SVD as in the closed form. Both paths reach the same optimum,
    # to the inner loop's tolerance on its objective (sqrt(eps)): about 1e-5 in the
    # orientation, where the log-likelihood is flat.
    loose = ref.mixture.n_components == 1 and settings.covariance_type in ("EVE", "VVE")
    np.testing.assert_allclose(got.mixture.covariances, ref.mixture.covariances,
                               rtol=1e-4 if loose else 1e-7, atol=1e-9 * scale)
    np.testing.assert_allclose(got.mixture.weights, ref.mixture.weights, rtol=1e-8,
                               atol=1e-12)
    np.testing.assert_allclose(got.n_effective, ref.n_effective, rtol=1e-8, atol=1e-9)
    assert got.total_weight == ref.total_weight
    # A difference of two close means: its error is that of the means.
    assert got.change == pytest.approx(ref.change,
                                       abs=1e-9 * max(1.0, abs(ref.mean_log_likelihood)))
    return got


@pytest.mark.parametrize("model", MODEL_TYPES)
def test_the_loop_ends_where_the_engine_ends_for_every_model(faithful, synthetic, model):
    settings = E.EMSettings(model, 1e-6, 1e-6, 100)
    compared = 0
    for X in (faithful, synthetic):
        for k in (1, 2, 3, 5):
            for i, init in enumerate(INITS):
                start = initialise(X, k, init, covariance_type=model, seed=i)
                compared += _compare(X, start, settings) is not None
    assert compared >= 24


@pytest.mark.parametrize("model", MODEL_TYPES)
def test_from_a_starts_statistics_the_loop_ends_where_the_engine_ends(faithful, synthetic,
                                                                      model):
    # Model selection hands the loop each start's statistics; the loop's own M-step makes
    # the start (mclust's inner iterations with no previous covariances to warm them).
    settings = E.EMSettings(model, 1e-6, 1e-6, 100)
    compared = 0
    for X in (faithful, synthetic):
        for k in (1, 2, 3, 5):
            for i, init in enumerate(INITS):
                stats = start_statistics(X, k, init, covariance_type=model, seed=i)
                start = initialise(X, k, init, covariance_type=model, seed=i)
                assert stats.mixture().equals(start)
                assert fast_fit.applies(stats, settings, n_samples=X.shape[0])
                compared += _compare(X, start, settings, fast_start=stats) is not None
                # max_iter 0: the start itself, as the loop's M-step made it.
                first = fast_fit.run(X, stats, E.EMSettings(model, 1e-6, 1e-6, 0))
                loose = k == 1 and model in ("EVE", "VVE")  # see _compare
                np.testing.assert_allclose(first.mixture.covariances, start.covariances,
                                           rtol=1e-4 if loose else 1e-9,
                                           atol=1e-12 * np.abs(start.covariances).max())
                np.testing.assert_allclose(first.mixture.means, start.means, rtol=1e-12)
                np.testing.assert_allclose(first.mixture.weights, start.weights, rtol=1e-12)
    assert compared >= 24


def test_a_start_that_cannot_be_made_fails_from_its_statistics_as_initialise_fails():
    # Without reg_covar, a component seeded on one point has no covariance at all.
    X = np.random.default_rng(1).normal(size=(20, 2))
    stats = start_statistics(X, 2, "random_from_data", reg_covar=0.0, seed=0)
    with pytest.raises(FitError):
        initialise(X, 2, "random_from_data", reg_covar=0.0, seed=0)
    with pytest.raises(FitError, match="not positive definite"):
        fast_fit.run(X, stats, E.EMSettings(reg_covar=0.0))
    with pytest.raises(FitError):  # the ordinary loop is handed the start's parameters
        best_run(X, [lambda: stats], E.EMSettings(reg_covar=0.0, max_iter=10**6), fast=True)
    with pytest.raises(InputError, match="centre"):
        start_statistics(X, 2, "centre")


@pytest.mark.parametrize("model", ["full", "VEV", "EVE", "diag"])
def test_the_loop_counts_sample_weights(faithful, model):
    w = np.random.default_rng(0).uniform(0.0, 3.0, faithful.shape[0])
    start = initialise(faithful, 3, "kmeans", covariance_type=model, seed=0, weights=w)
    got = _compare(faithful, start, E.EMSettings(model, tol=1e-6), w)
    assert got is not None and got.sample_size == pytest.approx(w.sum())


def test_the_stop_rule_and_max_iter_are_the_engines(faithful):
    start = initialise(faithful, 4, "random", seed=3)
    for tol, max_iter in ((0.0, 7), (1e-3, 100), (1e-9, 40), (0.0, 0)):
        got = _compare(faithful, start, E.EMSettings(tol=tol, max_iter=max_iter))
        assert got.iteration <= max_iter


def test_a_collapse_fails_as_the_engine_fails():
    # Two exact duplicates and no regularisation: a component collapses onto them.
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(30, 2)), [[5.0, 5.0], [5.0, 5.0]]])
    start = E.Mixture([0.5, 0.5], [[0.0, 0.0], [5.0, 5.0]],
                      [np.eye(2), 0.01 * np.eye(2)], "full")
    settings = E.EMSettings(reg_covar=0.0, tol=0.0, max_iter=200)
    with pytest.raises(FitError):
        list(E.iterate(X, start, settings))
    with pytest.raises(FitError, match="component 2"):
        fast_fit.run(X, start, settings)


def test_only_plain_em_on_small_data_takes_the_loop(faithful):
    start = initialise(faithful, 2, "kmeans", seed=0)
    n = faithful.shape[0]
    assert fast_fit.applies(start, E.EMSettings(), n_samples=n)
    for settings in (E.EMSettings(algorithm="cem"), E.EMSettings(prior=True),
                     E.EMSettings(noise=0.1), E.EMSettings("tied")):
        assert not fast_fit.applies(start, settings, n_samples=n)
    locks = Locks.none(2).toggled("mean", 0)
    assert not fast_fit.applies(start, E.EMSettings(), locks=locks, n_samples=n)
    assert not fast_fit.applies(start, E.EMSettings(), backend="numpy", n_samples=n)
    assert not fast_fit.applies(start, E.EMSettings(),
                                n_samples=fast_fit.MAX_PAIRS // 2 + 1)
    # The bound is on the whole run: many iterations on fewer points exceed it too, so a
    # cancel never waits long.
    assert not fast_fit.applies(start, E.EMSettings(max_iter=10_000), n_samples=n * 10)
    assert fast_fit.applies(start, E.EMSettings(max_iter=10_000), n_samples=n)


def test_the_closed_form_2x2_algebra_matches_numpy():
    rng = np.random.default_rng(0)
    for _ in range(500):
        a = rng.normal(size=(2, 2)) * 10.0 ** rng.uniform(-3, 3)
        s = a @ a.T
        l1, l2, vx, vy = fast_fit._eig_sym(s[0, 0], s[0, 1], s[1, 1])
        w, v = np.linalg.eigh(s)
        np.testing.assert_allclose([l1, l2], w[::-1], rtol=1e-9, atol=1e-12 * w[-1])
        assert abs(abs(vx * v[0, 1] + vy * v[1, 1]) - 1.0) < 1e-7  # the same axis
        f = rng.normal(size=(2, 2))
        u, _, vt = np.linalg.svd(f)
        np.testing.assert_allclose(np.reshape(fast_fit._polar(*f.ravel()), (2, 2)), u @ vt,
                                   atol=1e-12)
    assert fast_fit._polar(0.0, 0.0, 0.0, 0.0) == (1.0, 0.0, 0.0, 1.0)  # numpy's SVD of 0


@pytest.mark.parametrize("impl", ["compiled", "numpy", "dispatch"])
def test_lloyd_is_scipys_kmeans2_bit_for_bit(faithful, impl):
    from scipy.cluster.vq import kmeans2

    def lloyd(X, seeds, iterations):
        if impl == "compiled":
            if not _kernels.HAVE_NUMBA:
                pytest.skip("numba is not available")
            code, label = _kernels._lloyd_numba(X, seeds, iterations)
            return code, label.astype(np.int32)
        if impl == "numpy":
            return _kernels.lloyd_numpy(X, seeds, iterations)
        return _kernels.lloyd(X, seeds, iterations)

    rng = np.random.default_rng(1)
    for trial in range(121):
        # Rounded data make ties and emptied clusters; the last is larger than numpy's
        # block of rows, and takes the compiled path under the dispatch.
        X = faithful if trial % 3 == 0 else np.round(rng.normal(size=(rng.integers(5, 200),
                                                                      2)), 1)
        if trial == 120:
            X = np.round(rng.normal(size=(80_000, 2)) * 3, 1)
        k = int(rng.integers(1, min(10, X.shape[0]) + 1))
        seeds = X[rng.choice(X.shape[0], k, replace=False)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c1, l1 = kmeans2(X, seeds, iter=30, minit="matrix", missing="warn",
                             check_finite=False)
        c2, l2 = lloyd(X, seeds, 30)
        assert np.array_equal(c1, c2) and np.array_equal(l1, l2) and l1.dtype == l2.dtype


def test_hc_merges_are_computed_once_per_data(faithful, monkeypatch):
    calls = []
    real = hierarchical._slots

    def counting(*a, **kw):
        calls.append(1)
        return real(*a, **kw)

    monkeypatch.setattr(hierarchical, "_slots", counting)
    X = faithful + 0.123  # data no earlier test used
    a = hierarchical.hc_merges(X)
    b = hierarchical.hc_merges(X.copy())
    assert len(calls) == 1 and a is b and not a.flags.writeable
    hierarchical.hc_merges(X, use="VARS")  # another transformation: computed
    assert len(calls) == 2


def test_the_degenerate_verdict_needs_no_overlaps(synthetic):
    rng = np.random.default_rng(3)
    X = np.concatenate([rng.normal(size=(60, 2)), [[5.0, 5.0], [5.0, 5.0]]])
    for k in (2, 3, 4):
        for s in range(4):
            start = initialise(X, k, "random_from_data", seed=s)
            try:
                final = list(E.iterate(X, start, E.EMSettings(reg_covar=1e-9)))[-1]
            except FitError:
                continue
            full = diagnostics.diagnose(final.mixture, final.n_effective, final.reg_covar,
                                        final.data_covariance)
            light = diagnostics.diagnose(final.mixture, final.n_effective, final.reg_covar,
                                         final.data_covariance, duplicates=False)
            assert [d.status if d.status != "duplicate" else "ok" for d in full] == \
                [d.status for d in light]
            fresh = list(E.iterate(X, start, E.EMSettings(reg_covar=1e-9)))[-1]
            _ = fresh.diagnostics  # computed the ordinary way first
            assert diagnostics.degenerate_reason(fresh) == \
                diagnostics.degenerate_reason(final)


def test_restarts_on_threads_give_the_serial_rows(faithful):
    models = ["full", "VEV", "EVE", "EII"]
    before = _kernels.get_num_threads()
    try:
        _kernels.set_num_threads(1)
        serial = E.sweep(faithful, [2, 3], models, init="mixed", n_init=6, seed=0)
        _kernels.set_num_threads(2)
        threaded = E.sweep(faithful, [2, 3], models, init="mixed", n_init=6, seed=0)
    finally:
        _kernels.set_num_threads(before)
    assert [(r.bic, r.icl, r.degenerate) for r in serial] == \
        [(r.bic, r.icl, r.degenerate) for r in threaded]


def test_starts_share_their_k_means_and_draws_across_models_and_never_go_stale(faithful):
    from gmm_explorer.engine import init

    X = np.array(faithful)
    for method in ("kmeans", "hc", "random", "k-means++", "random_from_data"):
        for model in ("full", "VEV", "EII"):
            cached = initialise(X, 4, method, covariance_type=model, seed=11)
            fresh = init.parameters_from_statistics(
                *init._start_statistics(X, 4, method, init.rng_from(11), None), model, 1e-6)
            np.testing.assert_array_equal(cached.means, fresh.means)
            np.testing.assert_array_equal(cached.covariances, fresh.covariances)
    before = initialise(X, 3, "kmeans", seed=5)
    X[:40] += 1.0  # the same array, changed in place: a new start, not the cached one
    after = initialise(X, 3, "kmeans", seed=5)
    assert not np.array_equal(before.means, after.means)
    w = np.ones(X.shape[0])
    weighted = initialise(X, 3, "kmeans", seed=5, weights=w)
    w[:100] = 3.0
    assert not np.array_equal(weighted.means, initialise(X, 3, "kmeans", seed=5,
                                                         weights=w).means)


def test_restarts_are_the_shared_generators_draws_and_made_once_for_every_model(
        faithful, monkeypatch):
    # fit's restarts draw their starts in turn from one generator; model selection makes
    # that sequence once per K and seed for all its covariance models (init.restart_starts).
    from gmm_explorer.engine import init

    X = np.array(faithful)
    for method in ("kmeans", "hc", "random", "k-means++", "random_from_data"):
        for model in ("full", "VEV", "EII"):
            rng = init.rng_from(21)
            one_by_one = [initialise(X, 3, method, covariance_type=model, seed=rng)
                          for _ in range(4)]
            shared = init.restart_starts(X, 3, method, 21, 4, covariance_type=model,
                                         reg_covar=1e-6)
            for a, make in zip(one_by_one, shared):
                b = make()
                np.testing.assert_array_equal(a.weights, b.weights)
                np.testing.assert_array_equal(a.means, b.means)
                np.testing.assert_array_equal(a.covariances, b.covariances)
    made = []
    real = init._start_statistics
    monkeypatch.setattr(init, "_start_statistics",
                        lambda *a: made.append(a[1]) or real(*a))
    rows = E.sweep(X, [2, 3], ["full", "tied", "VEV", "EII"], n_init=5, seed=77)
    assert [r.error for r in rows] == [None] * 8
    assert sorted(made) == [2] * 5 + [3] * 5  # 5 restarts per K, not per K and model
    # The same fits as restarts made model by model from their own generator.
    d = E.EMSettings()  # the sweep's settings, with each cell's model
    for r in rows[:4]:
        alone = E.fit(X, r.n_components,
                      settings=E.EMSettings(r.covariance_type, d.reg_covar, d.tol, d.max_iter),
                      n_init=5, seed=init.rng_from(77), healthy_first=True, fast=True)
        np.testing.assert_array_equal(alone.mixture.means, r.result.mixture.means)
        np.testing.assert_array_equal(alone.mixture.covariances,
                                      r.result.mixture.covariances)


def test_restarts_are_judged_only_where_the_verdict_decides(monkeypatch):
    # better_restart's answer is that of comparing (healthy, objective) pairs; a restart
    # ending below a healthy best is never judged (model selection's many restarts).
    import sys
    from types import SimpleNamespace

    fit_module = sys.modules["gmm_explorer.engine.fit"]  # the package's ``fit`` is a function
    judged = []
    monkeypatch.setattr(fit_module, "degenerate_reason",
                        lambda r: judged.append(r.name) or r.reason)
    for ha in (True, False):
        for hb in (True, False):
            for la, lb in ((-10.0, -20.0), (-20.0, -10.0), (-10.0, -10.0),
                           (float("nan"), -10.0)):
                a = SimpleNamespace(name="a", log_likelihood=la, objective=None,
                                    reason=None if ha else "component 1 is empty")
                b = SimpleNamespace(name="b", log_likelihood=lb, objective=None,
                                    reason=None if hb else "component 2 is empty")
                judged.clear()
                eager = (ha, la) > (hb, lb) if ha != hb else la > lb
                assert better_restart(a, b, True) == eager, (ha, hb, la, lb)
                if hb and not la > lb:
                    assert judged == ["b"]  # the healthy best alone: a is never judged
                judged.clear()
                assert better_restart(a, b, False) == (la > lb) and judged == []
