"""The per-point summary an E-pass makes of its responsibilities (labels, uncertainty,
a blend of a table) without storing them: equal to what the responsibilities give, the
same on the compiled and the numpy path, for any thread count."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.drawing import point_colors, summary_table
from gmm_explorer.engine import _kernels, noise
from gmm_explorer.engine.algorithms import EM
from gmm_explorer.engine.em import algorithm_pass
from gmm_explorer.errors import InputError


def _data(n, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [5.0, 1.0], [1.0, 6.0], [7.0, 7.0]])
    return centres[rng.integers(0, 4, n)] + rng.normal(size=(n, 2))


def _from_resp(resp, share=None):
    """The summary by its definition, from explicit responsibilities: the labels, and the
    uncertainty codes round(255 (1 - max r)) (halves rounded up)."""
    best = resp.max(axis=1)
    labels = resp.argmax(axis=1)
    if share is not None:
        labels = np.where(share > best, -1, labels)
    return labels, np.floor((1.0 - best) * 255.0 + 0.5)


def _codes_match(codes, expected, slack):
    """The uncertainty codes are ``expected``; the compiled pass may contract
    ``u * 255 + 0.5`` into one rounding, so a code on a half may go either way."""
    assert codes.dtype == np.uint8
    assert np.abs(codes.astype(int) - expected).max() <= slack


def _mixture_with_noise(X, k):
    mix = E.initialise(X, k, "kmeans", seed=0)
    return noise.with_noise(mix, 0.2, noise.noise_density(X, None, "hull"))


BACKENDS = ["numpy"] + (["numba"] if _kernels.HAVE_NUMBA else [])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n,k,with_noise", [(5, 1, False), (999, 3, False),
                                            (70001, 10, False), (20000, 4, True)])
def test_summary_is_what_the_responsibilities_give(backend, n, k, with_noise):
    X = _data(n, seed=n)
    mix = _mixture_with_noise(X, k) if with_noise else E.initialise(X, k, "kmeans", seed=1)
    table = summary_table(k)
    e = E.e_step(X, mix, want_resp=True, summary_table=table, backend=backend)
    resp = e.responsibilities
    share = 1.0 - resp.sum(axis=1) if with_noise else None
    labels, unc = _from_resp(resp, share)
    s = e.summary
    assert s.labels.dtype == np.int8 and s.uncertainty.dtype == np.uint8  # 5 bytes a point
    assert s.blend.dtype == np.uint8 and s.blend.shape == (n, 3)
    _codes_match(s.uncertainty, unc, 0 if backend == "numpy" else 1)
    np.testing.assert_allclose(s.uncertainty_values(), 1.0 - resp.max(axis=1),
                               atol=1 / 510 + 1e-6)
    # The noise share the pass uses is its own term over the normaliser, not 1 - sum(r):
    # a label may differ only where the two are equal to rounding.
    differ = s.labels != labels
    if with_noise:
        assert (labels == -1).sum() > 10  # the noise claims some points
        np.testing.assert_allclose(share[differ], resp.max(axis=1)[differ], rtol=1e-12)
    else:
        assert not differ.any()
    colours = point_colors(resp, n, "soft")
    assert np.abs(s.blend.astype(int) - colours).max() <= 1
    # The statistics are those of the pass without a summary.
    plain = E.e_step(X, mix, backend=backend)
    np.testing.assert_array_equal(e.stats, plain.stats)
    assert e.log_likelihood == plain.log_likelihood


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is a runtime dependency")
@pytest.mark.parametrize("with_noise,weighted", [(False, False), (True, False), (False, True)])
def test_compiled_and_numpy_summaries_agree(with_noise, weighted):
    X = _data(50_000, seed=3)
    mix = _mixture_with_noise(X, 5) if with_noise else E.initialise(X, 5, "random", seed=2)
    w = np.random.default_rng(4).uniform(0.5, 3.0, X.shape[0]) if weighted else None
    table = np.random.default_rng(5).uniform(0, 255, (6, 3))
    a = E.e_step(X, mix, summary_table=table, backend="numba", weights=w).summary
    b = E.e_step(X, mix, summary_table=table, backend="numpy", weights=w).summary
    np.testing.assert_array_equal(a.labels, b.labels)
    _codes_match(a.uncertainty, b.uncertainty, 1)
    assert np.abs(a.blend.astype(int) - b.blend).max() <= 1
    if weighted:  # responsibilities are not weighted, so neither is their summary
        c = E.e_step(X, mix, summary_table=table, backend="numba").summary
        np.testing.assert_array_equal(a.labels, c.labels)
        np.testing.assert_array_equal(a.blend, c.blend)


@pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is a runtime dependency")
def test_summary_is_independent_of_thread_count():
    from gmm_explorer.engine import work_split

    if work_split.max_threads() < 2:
        pytest.skip("this process may use only one CPU: cannot compare 1 and 2 threads")
    X = _data(300_000, seed=6)
    mix = _mixture_with_noise(X, 4)
    table = summary_table(4)
    before = E.get_num_threads()
    runs = []
    try:
        for threads in (1, 2, 1, 2):
            E.set_num_threads(threads)
            runs.append(E.e_step(X, mix, summary_table=table, backend="numba").summary)
    finally:
        E.set_num_threads(before)
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].labels, other.labels)
        np.testing.assert_array_equal(runs[0].uncertainty, other.uncertainty)
        np.testing.assert_array_equal(runs[0].blend, other.blend)


@pytest.mark.parametrize("algorithm", ["cem", "sem", "kmeans", "vb"])
def test_every_algorithm_summarises_its_own_pass(algorithm):
    X = _data(3000, seed=7)
    settings = E.EMSettings(covariance_type="EII" if algorithm == "kmeans" else "full",
                            algorithm=algorithm, seed=3)
    start = E.initialise(X, 3, "kmeans", seed=0)
    table = summary_table(3)
    units = E.half_steps(X, start, settings, want_resp=True, summary_table=table)
    next(units)
    next(units)
    m = next(units)  # a state after one M-step, with its pass
    e = m.estep
    resp = e.responsibilities
    labels, unc = _from_resp(resp)
    np.testing.assert_array_equal(e.summary.labels, labels)
    _codes_match(e.summary.uncertainty, unc, 1)
    assert np.abs(e.summary.blend.astype(int) - point_colors(resp, len(X), "soft")).max() <= 1
    if algorithm != "vb":  # the hard passes: one component per point, no doubt
        assert not e.summary.uncertainty.any()


def test_a_reused_pass_without_a_summary_is_made_again():
    X = _data(500, seed=8)
    start = E.initialise(X, 2, "kmeans", seed=0)
    plain = E.e_step(X, start)
    first = next(E.half_steps(X, start, E.EMSettings(algorithm=EM), start_estep=plain,
                              summary_table=summary_table(2)))
    assert first.estep is not plain and first.estep.summary is not None


def test_a_table_of_the_wrong_shape_is_refused():
    X = _data(100, seed=9)
    mix = E.initialise(X, 2, "kmeans", seed=0)
    for bad in (np.zeros((2, 3)), np.zeros((3, 2)), np.full((3, 3), np.nan)):
        with pytest.raises(ValueError, match="summary_table"):
            E.e_step(X, mix, summary_table=bad)


def test_points_in_blocks_give_no_summary():
    from gmm_explorer.engine.blocked import BlockedPoints

    class Two(BlockedPoints):
        shape = (4, 2)

        def run_pass(self, *a):  # pragma: no cover - refused before
            raise AssertionError

    mix = E.initialise(_data(50), 2, "kmeans", seed=0)
    with pytest.raises(InputError):
        E.e_step(Two(), mix, summary_table=summary_table(2), _checked=True)


def test_many_components_keep_their_labels():
    # int8 labels hold components 0..126 (and the noise's -1); from 127 components on
    # the labels are int16.
    X = _data(2000, seed=10)
    rng = np.random.default_rng(11)
    for k, dtype in ((126, np.int8), (130, np.int16)):
        mix = E.Mixture(np.full(k, 1.0 / k), X[rng.choice(len(X), k, replace=False)],
                        np.tile(np.eye(2) * 0.05, (k, 1, 1)))
        e = E.e_step(X, mix, want_resp=True, summary_table=np.zeros((k + 1, 3)),
                     backend="numpy")
        assert e.summary.labels.dtype == dtype
        np.testing.assert_array_equal(e.summary.labels, e.responsibilities.argmax(axis=1))
        assert e.summary.labels.max() >= 120


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("algorithm", ["em", "cem", "vb"])
def test_a_summary_without_uncertainty_is_the_rest_of_it(backend, algorithm):
    # A view colouring by the blend or the labels asks for no uncertainty: 4 bytes a
    # point; the labels and the blend are those of the whole summary.
    X = _data(20_000, seed=12)
    settings = E.EMSettings(algorithm=algorithm, seed=1)
    mix = next(E.half_steps(X, E.initialise(X, 4, "kmeans", seed=0), settings)).result.mixture
    table = summary_table(4)
    whole = algorithm_pass(X, mix, settings, 1, backend=backend, summary_table=table)
    part = algorithm_pass(X, mix, settings, 1, backend=backend, summary_table=table,
                          summary_uncertainty=False)
    assert part.summary.uncertainty is None and part.summary.uncertainty_values() is None
    assert whole.summary.uncertainty is not None
    np.testing.assert_array_equal(part.summary.labels, whole.summary.labels)
    np.testing.assert_array_equal(part.summary.blend, whole.summary.blend)
    np.testing.assert_array_equal(part.stats, whole.stats)


def test_a_reused_pass_without_uncertainty_is_made_again_when_it_is_wanted():
    X = _data(500, seed=13)
    start = E.initialise(X, 2, "kmeans", seed=0)
    table = summary_table(2)
    lean = E.e_step(X, start, summary_table=table, summary_uncertainty=False)
    settings = E.EMSettings(algorithm=EM)
    again = next(E.half_steps(X, start, settings, start_estep=lean, summary_table=table))
    assert again.estep is not lean and again.estep.summary.uncertainty is not None
    kept = next(E.half_steps(X, start, settings, start_estep=lean, summary_table=table,
                             summary_uncertainty=False))
    assert kept.estep is lean
