"""The fused numba pass against the numpy path; determinism; responsibilities buffer; cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gmm_explorer import engine as E
from gmm_explorer.engine import _kernels
from gmm_explorer.engine.em import _pass_inputs

pytestmark = pytest.mark.skipif(not _kernels.HAVE_NUMBA, reason="numba is a runtime dependency")


@pytest.mark.parametrize("n,k", [(1, 1), (31, 3), (33, 30), (5000, 7), (70001, 10)])
def test_numba_pass_equals_numpy_pass(n, k):
    rng = np.random.default_rng(n + k)
    X = rng.normal(size=(n, 2)) * 3 + rng.integers(0, 5, (n, 1))
    mix = E.initialise(X, k, "random", seed=1) if n >= k else None
    a = E.e_step(X, mix, want_resp=True, backend="numba")
    b = E.e_step(X, mix, want_resp=True, backend="numpy")
    np.testing.assert_allclose(a.stats, b.stats, rtol=1e-12, atol=1e-12 * np.abs(b.stats).max())
    assert a.log_likelihood == pytest.approx(b.log_likelihood, rel=1e-13)
    np.testing.assert_allclose(a.responsibilities, b.responsibilities, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(a.responsibilities.sum(axis=1), 1.0, rtol=1e-14)


def _two_threads_possible():
    from gmm_explorer.engine import work_split

    if work_split.max_threads() < 2:
        # set_num_threads clamps to this, so "2 threads" would silently be 1 again.
        pytest.skip(f"this process may use only {work_split.max_threads()} CPU "
                    "(or NUMBA_NUM_THREADS=1): cannot compare 1 and 2 threads")


@pytest.mark.parametrize("assignment", ["soft", "hard", "sample"])
@pytest.mark.parametrize("weighted", [False, True])
def test_result_is_independent_of_thread_count(synthetic, assignment, weighted):
    from gmm_explorer.engine import work_split

    _two_threads_possible()
    mix = E.initialise(synthetic, 3, "kmeans", seed=0)
    X = np.tile(synthetic, (200, 1))
    n = X.shape[0]
    # Large enough to be shared among threads, in many chunks.
    assert n * 3 >= work_split.SINGLE_THREAD_PAIRS and _kernels.n_chunks_for(n) >= 16
    w = np.random.default_rng(1).uniform(0.5, 2.0, n) if weighted else None
    u = np.random.default_rng(2).uniform(size=n) if assignment == "sample" else None
    before = E.get_num_threads()
    runs = []
    try:
        for threads in (1, 2, 1, 2, 2):
            E.set_num_threads(threads)
            assert E.get_num_threads() == threads
            runs.append(E.e_step(X, mix, want_resp=True, weights=w, assignment=assignment,
                                 draws=u))
    finally:
        E.set_num_threads(before)
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0].stats, other.stats)
        assert runs[0].log_likelihood == other.log_likelihood
        assert runs[0].objective == other.objective
        np.testing.assert_array_equal(runs[0].responsibilities, other.responsibilities)


def test_noise_pass_is_independent_of_thread_count(synthetic):
    _two_threads_possible()
    X = np.tile(synthetic, (200, 1))
    mix = E.initialise(X, 3, "kmeans", seed=0)
    means, prec, const = _pass_inputs(mix)
    before = E.get_num_threads()
    try:
        E.set_num_threads(1)
        one = _kernels.pass_numba(X, means, prec, const, None, noise=-8.0)
        E.set_num_threads(2)
        two = _kernels.pass_numba(X, means, prec, const, None, noise=-8.0)
    finally:
        E.set_num_threads(before)
    np.testing.assert_array_equal(one[0], two[0])
    assert one[1:] == two[1:]


def test_responsibility_buffer_is_reused_and_read_only(synthetic):
    mix = E.initialise(synthetic, 3, "kmeans", seed=0)
    buf = np.empty((synthetic.shape[0], 3))
    e = E.e_step(synthetic, mix, out=buf)
    assert np.shares_memory(e.responsibilities, buf)
    assert not e.responsibilities.flags.writeable
    np.testing.assert_allclose(buf.sum(axis=1), 1.0)
    with pytest.raises(ValueError):
        E.e_step(synthetic, mix, out=np.empty((3, 3)))


def test_e_then_m_equals_em_step(synthetic):
    mix = E.initialise(synthetic, 3, "kmeans", seed=0)
    e = E.e_step(synthetic, mix)
    e2, new = E.em_step(synthetic, mix)
    assert E.m_step(e).equals(new)
    assert e.log_likelihood == e2.log_likelihood


def test_cache_falls_back_to_user_dir_when_package_dir_is_unwritable(tmp_path):
    # A copy of the package whose engine/__pycache__ is a plain file: numba cannot cache
    # beside the source (as in a read-only install) and must use the user cache dir.
    pkg = tmp_path / "site"
    shutil.copytree(Path(E.__file__).parents[1], pkg / "gmm_explorer",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (pkg / "gmm_explorer" / "engine" / "__pycache__").write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(PYTHONPATH=str(pkg), XDG_CACHE_HOME=str(tmp_path / "cache"))
    code = ("import gmm_explorer.engine as E, numpy as np; E.warm_up();"
            "print(E.fit(np.arange(40.).reshape(20, 2) % 7, 2, seed=0).n_iter)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    cached = list((tmp_path / "cache").rglob("*.nbi"))
    assert cached, "numba wrote no cache index in the user cache directory"


def test_engine_falls_back_to_numpy_when_numba_cannot_be_imported():
    # sys.modules['numba'] = None makes 'import numba' raise ImportError, as on a machine
    # where numba is missing or broken; the engine must still fit, on the numpy path.
    code = ("import sys; sys.modules['numba'] = None;"
            "import numpy as np, gmm_explorer.engine as E;"
            "assert not E.HAVE_NUMBA;"
            "X = np.random.default_rng(0).normal(size=(200, 2));"
            "r = E.fit(X, 2, seed=0);"
            "print(E.get_num_threads(), r.n_iter > 0, np.isfinite(r.log_likelihood))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["1", "True", "True"]
