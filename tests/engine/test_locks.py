"""Per-component locks in the M-step (generalised EM) and the Locks value type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.mixture import GaussianMixture
from sklearn.mixture._gaussian_mixture import _compute_precision_cholesky

from gmm_explorer import engine as E
from gmm_explorer.engine.locks import LOCK_KINDS, Locks
from gmm_explorer.engine.mstep import NK_FLOOR, parameters_from_statistics
from gmm_explorer.errors import FitError, InputError
from tests.conftest import blobs


def random_data(seed: int, n: int = 120) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n_blobs = int(rng.integers(1, 5))
    centres = rng.uniform(-10, 10, (n_blobs, 2))
    spreads = rng.uniform(0.3, 3.0, (n_blobs, 2))
    lab = rng.integers(0, n_blobs, n)
    return centres[lab] + rng.normal(size=(n, 2)) * spreads[lab]


def locks_from(flags: np.ndarray) -> Locks:
    """Locks from a boolean array of shape (3, K): weight, mean, covariance rows."""
    return Locks(*(tuple(bool(v) for v in row) for row in flags))


def start_for(X, k, ctype, seed, reg=0.0) -> E.Mixture:
    return E.initialise(X, k, "kmeans", covariance_type=ctype, reg_covar=reg, seed=seed)


def sklearn_resp(X, m: E.Mixture) -> np.ndarray:
    """Responsibilities from scikit-learn, set to exactly the parameters of ``m`` (full)."""
    g = GaussianMixture(m.n_components, covariance_type="full")
    g.weights_, g.means_, g.covariances_ = m.weights, m.means, m.covariances
    g.precisions_cholesky_ = _compute_precision_cholesky(np.array(m.covariances), "full")
    return g.predict_proba(X)


# --------------------------------------------------------------------------- monotone likelihood

@st.composite
def locked_problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    k = draw(st.integers(1, 4))
    ctype = draw(st.sampled_from(E.COVARIANCE_TYPES))
    flags = np.array(draw(st.lists(st.booleans(), min_size=3 * k, max_size=3 * k))).reshape(3, k)
    return seed, k, ctype, flags


def assert_monotone(history) -> None:
    lls = np.array([r.mean_log_likelihood for r in history])
    assert np.all(np.diff(lls) >= -1e-9 * np.maximum(1.0, np.abs(lls[1:]))), np.diff(lls).min()
    assert not any(r.ll_decreased for r in history)


@settings(max_examples=80, deadline=None)
@given(locked_problems())
def test_locked_em_never_decreases_the_likelihood(problem):
    seed, k, ctype, flags = problem
    X = random_data(seed)
    # reg_covar = 0: then each M-step exactly maximises Q over the unlocked parameters.
    s = E.EMSettings(ctype, reg_covar=0.0, tol=0.0, max_iter=30)
    history = []
    try:
        for r in E.iterate(X, start_for(X, k, ctype, seed), s, locks=locks_from(flags)):
            history.append(r)
    except FitError:
        # Without reg_covar a start or a step may legitimately collapse a component onto
        # two points (seed 389, K=4, nothing locked: the start does): the steps up to the
        # collapse must still climb.
        assume(history)
    else:
        assert len(history) == 31
    assert_monotone(history)
    for r in history:
        assert abs(r.mixture.weights.sum() - 1.0) <= 1e-12
        assert np.all(np.linalg.eigvalsh(r.mixture.covariances) > 0)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_locked_em_monotone_on_fixed_seeds(ctype):
    """The same claim on a fixed grid of seeds and lock patterns (deterministic)."""
    for seed in range(12):
        rng = np.random.default_rng(1000 + seed)
        X = random_data(seed, 150)
        k = int(rng.integers(2, 5))
        flags = rng.random((3, k)) < 0.4
        s = E.EMSettings(ctype, reg_covar=0.0, tol=0.0, max_iter=30)
        assert_monotone(list(E.iterate(X, start_for(X, k, ctype, seed), s,
                                       locks=locks_from(flags))))


# --------------------------------------------------------------------------- each kind of lock

@pytest.fixture(scope="module")
def data():
    return blobs()


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_locked_mean_does_not_move(data, ctype):
    start = start_for(data, 3, ctype, 0, 1e-6)
    # Push component 2 off its cluster so EM would certainly move it.
    start = E.Mixture(start.weights, start.means + [[0, 0], [1.5, -1.0], [0, 0]],
                      start.covariances, ctype)
    locks = Locks.none(3).toggled("mean", 1)
    history = list(E.iterate(data, start, E.EMSettings(ctype, tol=0.0, max_iter=20),
                             locks=locks))
    assert len(history) == 21
    for r in history:
        np.testing.assert_array_equal(r.mixture.means[1], start.means[1])
    end = history[-1].mixture
    assert not np.array_equal(end.means[0], start.means[0])
    assert not np.array_equal(end.means[2], start.means[2])
    assert not np.array_equal(end.covariances[1], start.covariances[1])


def test_locked_mean_covariance_matches_direct_computation(data):
    reg = 1e-3
    start = start_for(data, 3, "full", 0, 1e-6)
    start = E.Mixture(start.weights, start.means + [[0.3, -0.2], [1.5, -1.0], [0, 0.4]],
                      start.covariances)
    e = E.e_step(data, start, want_resp=True)
    r = np.array(e.responsibilities)
    for j in range(3):
        new = E.m_step(e, reg_covar=reg, locks=Locks.none(3).toggled("mean", j))
        mu = start.means[j]
        d = data - mu
        direct = (r[:, j, None, None] * d[:, :, None] * d[:, None, :]).sum(axis=0)
        direct = direct / (r[:, j].sum() + NK_FLOOR) + reg * np.eye(2)
        np.testing.assert_allclose(new.covariances[j], direct, rtol=1e-10)
        # The unlocked components are the plain M-step's.
        plain = E.m_step(e, reg_covar=reg)
        others = np.arange(3) != j
        np.testing.assert_array_equal(new.means[others], plain.means[others])
        np.testing.assert_array_equal(new.covariances[others], plain.covariances[others])


def test_tied_with_a_locked_mean_pools_the_scatter_about_the_kept_mean(data):
    reg = 1e-4
    start = start_for(data, 3, "tied", 0, 1e-6)
    e = E.e_step(data, start, want_resp=True)
    r = np.array(e.responsibilities)
    new = E.m_step(e, reg_covar=reg, locks=Locks.none(3).toggled("mean", 0))
    np.testing.assert_array_equal(new.means[0], start.means[0])
    scatter = np.zeros((2, 2))
    for j in range(3):
        d = data - new.means[j]
        scatter += (r[:, j, None, None] * d[:, :, None] * d[:, None, :]).sum(axis=0)
    direct = scatter / (r.sum() + 3 * NK_FLOOR) + reg * np.eye(2)
    for j in range(3):
        np.testing.assert_allclose(new.covariances[j], direct, rtol=1e-10)


@pytest.mark.parametrize("locked", [(0,), (1, 2), (0, 2)])
def test_locked_weights_kept_and_unlocked_share_the_rest(data, locked):
    start = start_for(data, 3, "full", 0, 1e-6)
    start = E.Mixture([0.2, 0.5, 0.3], start.means, start.covariances)
    locks = Locks.none(3)
    for j in locked:
        locks = locks.toggled("weight", j)
    e = E.e_step(data, start)
    new = E.m_step(e, locks=locks)
    lk = np.array(locks.weight)
    np.testing.assert_array_equal(new.weights[lk], start.weights[lk])
    assert abs(new.weights.sum() - 1.0) <= 1e-15
    # Independent: scikit-learn's responsibilities for the same parameters.
    nk = sklearn_resp(data, start).sum(axis=0) + NK_FLOOR
    expected = (1.0 - start.weights[lk].sum()) * nk[~lk] / nk[~lk].sum()
    np.testing.assert_allclose(new.weights[~lk], expected, rtol=1e-10)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_locked_covariance_is_kept(data, ctype):
    start = start_for(data, 3, ctype, 0, 1e-6)
    locks = Locks.none(3).toggled("covariance", 2)
    history = list(E.iterate(data, start, E.EMSettings(ctype, tol=0.0, max_iter=10), locks=locks))
    end = history[-1].mixture
    if ctype == "tied":
        # A lock on any component locks the one shared covariance.
        np.testing.assert_array_equal(end.covariances, start.covariances)
    else:
        np.testing.assert_array_equal(end.covariances[2], start.covariances[2])
        assert not np.array_equal(end.covariances[0], start.covariances[0])
    assert not np.array_equal(end.means[2], start.means[2])


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_everything_locked_keeps_the_mixture(data, ctype):
    start = start_for(data, 3, ctype, 0, 1e-6)
    everything = Locks((True,) * 3, (True,) * 3, (True,) * 3)
    _, new = E.em_step(data, start, E.EMSettings(ctype), locks=everything)
    assert new.equals(start)


@pytest.mark.parametrize("ctype", E.COVARIANCE_TYPES)
def test_no_locks_is_plain_em_bit_for_bit(data, ctype):
    start = start_for(data, 3, ctype, 0, 1e-6)
    e = E.e_step(data, start)
    plain = E.m_step(e, ctype, 1e-6)
    assert E.m_step(e, ctype, 1e-6, locks=None).equals(plain)
    assert E.m_step(e, ctype, 1e-6, locks=Locks.none(3)).equals(plain)
    s = E.EMSettings(ctype, tol=0.0, max_iter=5)
    a = list(E.iterate(data, start, s))
    b = list(E.iterate(data, start, s, locks=Locks.none(3)))
    assert all(x.mixture.equals(y.mixture) for x, y in zip(a, b))


def test_lock_errors_in_the_engine(data):
    start = start_for(data, 3, "full", 0, 1e-6)
    e = E.e_step(data, start)
    with pytest.raises(InputError, match="describe 2 component"):
        E.m_step(e, locks=Locks.none(2).toggled("mean", 0))
    with pytest.raises(InputError, match="describe 2 component"):
        next(E.iterate(data, start, locks=Locks.none(2)))
    with pytest.raises(InputError, match="project the mixture first"):
        E.m_step(e, "diag", locks=Locks.none(3).toggled("covariance", 0))
    with pytest.raises(InputError, match="previous mixture"):
        parameters_from_statistics(e.stats, np.asarray(start.means), "full", 1e-6,
                                   Locks.none(3).toggled("weight", 0))
    with pytest.raises(InputError, match="Locks value"):
        E.m_step(e, locks=(True, False, False))
    one = E.Mixture([1.0, 0.0], start.means[:2], start.covariances[:2])
    with pytest.raises(InputError, match="no weight for the unlocked"):
        parameters_from_statistics(e.stats[:2], np.asarray(one.means), "full", 1e-6,
                                   Locks.none(2).toggled("weight", 0), one)


# --------------------------------------------------------------------------- the Locks value

def test_locks_helpers():
    none = Locks.none(3)
    assert none.n_components == 3 and not none.any
    assert Locks.none(0).n_components == 0
    a = none.toggled("mean", 1)
    assert a.any and a.mean == (False, True, False) and a.weight == none.weight
    assert a.is_locked("mean", 1) and not a.is_locked("weight", 1)
    assert a.toggled("mean", 1) == none
    b = a.toggled("covariance", 2).toggled("weight", 0)
    assert b.without(1) == Locks((True, False), (False, False), (False, True))
    assert b.without(1).with_added() == Locks((True, False, False), (False,) * 3,
                                              (False, True, False))
    assert Locks.none(2).with_added() == Locks.none(3)
    assert hash(a) == hash(Locks.none(3).toggled("mean", 1))
    # numpy booleans are accepted and stored as Python bools
    c = Locks(np.array([True, False]), [np.False_, np.True_], (False, False))
    assert c.weight == (True, False) and type(c.mean[1]) is bool
    for kind in LOCK_KINDS:
        assert getattr(Locks.none(1).toggled(kind, 0), kind) == (True,)


def test_locks_validation():
    with pytest.raises(InputError, match="one entry per component.*weight=2, mean=3"):
        Locks((False, False), (False,) * 3, (False,) * 3)
    with pytest.raises(InputError, match=r"mean\[1\] must be True or False, got 1"):
        Locks((False, False), (False, 1), (False, False))
    with pytest.raises(InputError, match="sequence of booleans"):
        Locks("yes", (False,), (False,))
    with pytest.raises(InputError, match="sequence of booleans"):
        Locks(None, (False,), (False,))
    with pytest.raises(InputError, match="unknown parameter 'means'"):
        Locks.none(2).toggled("means", 0)
    with pytest.raises(InputError, match="there is no component 3: .*K=2"):
        Locks.none(2).toggled("weight", 2)
    with pytest.raises(InputError, match="there is no component 0"):
        Locks.none(2).without(-1)
    with pytest.raises(InputError, match="must be an integer"):
        Locks.none(2).toggled("weight", 1.0)
    with pytest.raises(InputError, match="integer >= 0"):
        Locks.none(-1)
    with pytest.raises(InputError, match="integer >= 0"):
        Locks.none(True)
