"""numba is loaded when a compiled kernel first runs, and then behaves as plain numba."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from gmm_explorer.engine import lazy_jit

pytestmark = pytest.mark.skipif(not lazy_jit.HAVE_NUMBA, reason="numba is a dependency")


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


def test_kernels_compile_on_first_call_and_become_real_dispatchers():
    code = (
        "import sys, numpy as np\n"
        "from gmm_explorer.engine import _kernels, fast_fit, lazy_jit\n"
        "from gmm_explorer.engine.em import _pass_inputs\n"
        "from gmm_explorer import engine as E\n"
        "print('numba' in sys.modules, isinstance(_kernels._pass_chunk, lazy_jit.Deferred))\n"
        "X = np.random.default_rng(0).normal(size=(30_000, 2))\n"
        "m = E.initialise(X[:500], 3, 'random', seed=1)\n"
        "a = _kernels.run_pass(X, *_pass_inputs(m), None)\n"
        "b = _kernels.run_pass(X, *_pass_inputs(m), None, backend='numpy')\n"
        "import numba.core.registry as reg\n"
        "print('numba' in sys.modules, isinstance(_kernels._pass_chunk, reg.CPUDispatcher),\n"
        "      bool(np.allclose(a[0], b[0], rtol=1e-12, atol=1e-9)))\n"
        # fast_fit borrowed _kernels' exp before either was compiled: it gets the real one.
        "print(isinstance(fast_fit._exp, lazy_jit.Deferred))\n"
        "fast_fit.warm_up()\n"
        "print(fast_fit._exp is _kernels._exp_nonpositive,\n"
        "      isinstance(fast_fit._fit_loop, reg.CPUDispatcher))\n")
    assert _run(code) == ["False", "True", "True", "True", "True", "True", "True", "True"]


def test_prange_becomes_numbas_when_its_module_is_compiled():
    code = (
        "import numba\n"
        "from gmm_explorer.engine import landscape, lazy_jit\n"
        "print(landscape.prange is numba.prange)\n"
        "lazy_jit.materialise(landscape)\n"
        "print(landscape.prange is numba.prange,\n"
        "      not isinstance(landscape._pair_cells, lazy_jit.Deferred))\n")
    assert _run(code) == ["False", "True", "True"]


def test_a_deferred_function_outside_module_globals_still_compiles():
    @lazy_jit.njit(cache=False)
    def add(a, b):
        return a + b

    assert isinstance(add, lazy_jit.Deferred)
    assert add(2, 3) == 5
    assert "compiled" in repr(add) and add.py_func(1, 1) == 2


def test_numba_switched_off_is_seen_without_importing_it():
    code = ("import sys\n"
            "from gmm_explorer.engine import lazy_jit, _kernels\n"
            "print(lazy_jit.HAVE_NUMBA, _kernels.HAVE_NUMBA, 'numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "GMM_EXPLORER_NO_NUMBA": "1"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False", "False"]


def test_first_calls_from_two_threads_at_once_both_work():
    # The window compiles its kernels on one thread while EM may start on another.
    code = (
        "import threading, numpy as np\n"
        "from gmm_explorer.engine import _kernels, fast_fit\n"
        "from gmm_explorer.engine.em import _pass_inputs\n"
        "from gmm_explorer import engine as E\n"
        "X = np.random.default_rng(0).normal(size=(30_000, 2))\n"
        "m = E.initialise(X[:500], 3, 'random', seed=1)\n"
        "gate = threading.Barrier(2)\n"
        "errors = []\n"
        "def go(f):\n"
        "    gate.wait()\n"
        "    try:\n"
        "        f()\n"
        "    except BaseException as exc:\n"
        "        errors.append(repr(exc))\n"
        "ts = [threading.Thread(target=go, args=(fast_fit.warm_up,)),\n"
        "      threading.Thread(target=go, args=(lambda: _kernels.run_pass(\n"
        "          X, *_pass_inputs(m), None),))]\n"
        "[t.start() for t in ts]; [t.join() for t in ts]\n"
        "print(errors == [])\n")
    assert _run(code) == ["True"]


_BLAS_CHECK = (
    "import sys, numpy as np\n"
    "import gmm_explorer\n"
    "gmm_explorer.OWN_PROCESS = {own}\n"
    "from gmm_explorer.engine import fit\n"
    "X = np.random.default_rng(0).normal(size=(2_000, 2))\n"
    "r = fit(X, 3, init='random', seed=1, n_init=2, fast=True)\n"
    "print(repr(r.final.log_likelihood), 'scipy.linalg' in sys.modules,\n"
    "      'scipy.linalg.cython_blas' in sys.modules)\n"
    # numba's own BLAS and LAPACK still work: they need the real extension module.
    "import numba\n"
    "a = np.array([[2.0, 1.0], [1.0, 3.0]])\n"
    "dot = numba.njit(lambda u, v: np.dot(u, v))(a, a)\n"
    "inv = numba.njit(lambda u: np.linalg.inv(u))(a)\n"
    "print(bool(np.allclose(dot, a @ a)), bool(np.allclose(inv @ a, np.eye(2))))\n"
    # And scipy.linalg, imported afterwards, is whole.
    "import scipy.linalg\n"
    "from scipy.linalg import cython_blas\n"
    "print(bool(np.allclose(scipy.linalg.eigh(a)[0], np.linalg.eigvalsh(a))),\n"
    "      cython_blas is sys.modules['scipy.linalg.cython_blas'])\n")


def test_the_apps_own_process_prepares_numba_without_scipy_linalg():
    """In the app's own process numba's BLAS check finds scipy's cython_blas loaded by
    itself (0.15-0.2 s saved: scipy.linalg is not imported); the numbers are the
    library's, and numba's BLAS, LAPACK and scipy.linalg itself all still work."""
    own = _run(_BLAS_CHECK.format(own=True))
    library = _run(_BLAS_CHECK.format(own=False))
    assert own[1:] == ["False", "True", "True", "True", "True", "True"]
    # As a library the engine leaves scipy alone: numba imports scipy.linalg itself.
    assert library[1:] == ["True", "True", "True", "True", "True", "True"]
    assert own[0] == library[0]


def test_the_command_line_marks_its_process_as_the_apps_own():
    """``python -m gmm_explorer`` (and the installed scripts) set OWN_PROCESS before
    anything runs; importing the package never does."""
    code = ("import sys, gmm_explorer\n"
            "print(gmm_explorer.OWN_PROCESS)\n"
            "import gmm_explorer.__main__ as m\n"
            "m.leave_now = lambda code: print(gmm_explorer.OWN_PROCESS, code)\n"
            "sys.argv = ['gmm-explorer', '--version']\n"
            "m.run()\n")
    assert _run(code) == ["False", "gmm-explorer", "0.1.0", "True", "0"]
