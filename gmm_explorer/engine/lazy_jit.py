"""numba's decorators, applied when a compiled function is first called, not at import.

Importing numba takes about 0.15 s and preparing its compiler about 0.4 s more; a command
that never runs a compiled kernel (``--help``, a small fit, a file check) should pay
neither. A module writes its kernels as before, with the decorators from here::

    from gmm_explorer.engine.lazy_jit import HAVE_NUMBA, njit, prange

    @njit(cache=True, nogil=True)
    def _kernel(x): ...

``njit(...)`` returns a :class:`Deferred` that keeps the Python function. The first call
of any Deferred *materialises its module*: numba is imported, and every Deferred among
the module's globals is replaced by the real dispatcher (and ``prange`` by numba's), in
one go, before anything compiles. So when numba compiles a kernel it sees real
dispatchers for the kernels it calls (typing, ``inline="always"`` and the on-disk cache
work exactly as with plain ``numba.njit``). A Deferred kept under another name or in
another module (``_exp = _kernels._exp_nonpositive``) is materialised with its owner.

``HAVE_NUMBA`` says whether numba can be imported here (found, and not switched off by
``GMM_EXPLORER_NO_NUMBA=1``); it is decided without importing it.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading

import gmm_explorer


def _numba_wanted() -> bool:
    return os.environ.get("GMM_EXPLORER_NO_NUMBA", "").strip() not in ("1", "true", "yes")


def _numba_found() -> bool:
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # sys.modules["numba"] is None, or no spec
        return False


#: Whether the compiled kernels can run here (numba is found and not switched off).
HAVE_NUMBA = _numba_wanted() and _numba_found()

_lock = threading.RLock()


def _load_cython_blas_alone() -> bool:
    """Load scipy's ``scipy.linalg.cython_blas`` extension by itself, without running
    ``scipy.linalg``'s package first; whether it was loaded.

    When numba first prepares its compiler (to compile or to load a cached kernel) it
    checks that a BLAS is there: it imports ``scipy.linalg.cython_blas``, which runs
    ``scipy.linalg`` first, and that costs 0.15-0.2 s (scipy's array-API layer touches
    every lazily loaded numpy module, f2py included): a fifth of a ``select`` on Old
    Faithful. Our kernels call no BLAS; numba only needs the module to be importable.
    Loaded here under its own name, it sits in ``sys.modules``, where numba's check
    (and its BLAS wrappers, and Cython's imports) find it; numba's own ``np.dot`` and
    ``np.linalg`` still work. One trace is left: should ``scipy.linalg`` be imported
    later, ``scipy.linalg.cython_blas`` is not an attribute of it (``from scipy.linalg
    import cython_blas`` still works). So this runs only in the app's own process
    (:data:`gmm_explorer.OWN_PROCESS`), and only while nothing has imported
    ``scipy.linalg`` yet.
    Anything unexpected (scipy missing or laid out otherwise) leaves it to numba.
    """
    name = "scipy.linalg.cython_blas"
    if not gmm_explorer.OWN_PROCESS or name in sys.modules or "scipy.linalg" in sys.modules:
        return False
    try:
        import importlib.machinery

        scipy_spec = importlib.util.find_spec("scipy")
        if scipy_spec is None or not scipy_spec.submodule_search_locations:
            return False
        folder = os.path.join(list(scipy_spec.submodule_search_locations)[0], "linalg")
        path = next((os.path.join(folder, "cython_blas" + suffix)
                     for suffix in importlib.machinery.EXTENSION_SUFFIXES
                     if os.path.isfile(os.path.join(folder, "cython_blas" + suffix))), None)
        if path is None:
            return False
        import scipy  # noqa: F401 - the parent package (cheap: its submodules are lazy)

        loader = importlib.machinery.ExtensionFileLoader(name, path)
        spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
    except Exception:  # noqa: BLE001 - any surprise: numba imports it the usual way
        return False
    sys.modules[name] = module
    return True


class Deferred:
    """A function to be compiled by numba (``kind`` "njit" or "intrinsic") on first use."""

    def __init__(self, py_func, kind: str, options: dict):
        self.py_func = py_func
        self.kind = kind
        self.options = options
        self.real = None
        self.__name__ = py_func.__name__
        self.__qualname__ = py_func.__qualname__
        self.__module__ = py_func.__module__
        self.__doc__ = py_func.__doc__

    def materialise(self):
        """The real numba object (materialising this function's module first)."""
        if self.real is None:
            materialise(sys.modules[self.__module__])
        if self.real is None:  # not a global of its module: compiled on its own
            with _lock:
                if self.real is None:
                    self.real = _compile(self)
        return self.real

    def __call__(self, *args, **kwargs):
        return (self.real or self.materialise())(*args, **kwargs)

    def __getattr__(self, name):
        # signatures, inspect_asm, py_func's attributes...: those of the real dispatcher.
        if name in ("real", "py_func", "kind", "options"):
            raise AttributeError(name)
        return getattr(self.materialise(), name)

    def __repr__(self) -> str:
        state = "compiled" if self.real is not None else "not yet compiled"
        return f"<numba function {self.__module__}.{self.__qualname__} ({state})>"


def njit(*args, **options):
    """``numba.njit``, deferred: ``@njit`` or ``@njit(cache=True, ...)``."""
    if args and callable(args[0]) and not options:
        return Deferred(args[0], "njit", {})

    def wrap(func):
        return Deferred(func, "njit", options)

    return wrap


def intrinsic(func):
    """``numba.extending.intrinsic``, deferred (the typing function may import numba)."""
    return Deferred(func, "intrinsic", {})


class _PrangePlaceholder:
    """Stands for ``numba.prange`` in a module until it is materialised (a plain range
    if called from Python, which only happens without numba)."""

    def __call__(self, *args):
        return range(*args)

    def __repr__(self) -> str:
        return "prange (numba not loaded yet)"


prange = _PrangePlaceholder()

_done: set[str] = set()
_busy: set[str] = set()


def _compile(deferred: Deferred):
    import numba
    from numba.extending import intrinsic as numba_intrinsic

    if deferred.kind == "intrinsic":
        return numba_intrinsic(deferred.py_func)
    return numba.njit(**deferred.options)(deferred.py_func)


def materialise(module) -> None:
    """Import numba and replace every Deferred and ``prange`` among ``module``'s globals
    with the real thing (a Deferred owned by another module: that module first)."""
    name = module.__name__
    if name in _done:
        return
    with _lock:
        if name in _done or name in _busy:  # done, or this thread is on it (a cycle)
            return
        _busy.add(name)
        try:
            _load_cython_blas_alone()
            import numba

            from gmm_explorer.engine import work_split

            numba.set_num_threads(max(1, min(work_split.get_num_threads(),
                                             numba.config.NUMBA_NUM_THREADS)))
            scope = vars(module)
            # This module's own functions first, then those borrowed from other modules
            # (whose modules may borrow back from this one: ours are real by then).
            for key, value in list(scope.items()):
                if isinstance(value, Deferred) and value.__module__ == name:
                    if value.real is None:
                        value.real = _compile(value)
                    scope[key] = value.real
                elif isinstance(value, _PrangePlaceholder):
                    scope[key] = numba.prange
            for key, value in list(scope.items()):
                if isinstance(value, Deferred):
                    scope[key] = value.materialise()
            # Only now may other threads skip the lock: every global is real.
            _done.add(name)
        finally:
            _busy.discard(name)


def loaded() -> bool:
    """Whether numba has been imported in this process (by us or anyone)."""
    return "numba" in sys.modules
