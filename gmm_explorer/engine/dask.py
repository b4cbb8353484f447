"""EM past one machine: the fused pass runs on each block of a ``dask.array``, Dask adds up.

EM needs only per-component sums from each pass, so an iteration is a map-reduce: every
block of points gets the same fused E-pass as an in-memory array (numba, on whichever
worker holds the block), each returns a (K, 6) array of statistics, its log-likelihood
and its count of lost points, and one task adds them up in block order. The M-step and
the stop rule are the engine's own: the run is :func:`~gmm_explorer.engine.em.iterate`,
the one EM loop, over a :class:`DaskPoints`. Only parameters and K x 6 sums cross the
network; the points never leave their workers.

Dask is an optional extra (``pip install 'gmm-explorer[dask]'``); this module imports
it when a fit runs. Any Dask scheduler works: the threaded one by default, or a
``dask.distributed`` cluster (``scheduler=client`` or an address such as
``"tcp://host:8786"``, or ``"local"`` for a cluster of worker processes on this
machine). A worker lost mid-iteration is Dask's to recompute; its blocks give the same
sums again, so the result does not change.

Results agree with the in-memory fit to rounding (each block is summed in its own
chunks, so the sums are added in another order; tested to 1e-12 relative), and are
the same on every run with the same blocks.
"""

from __future__ import annotations

import numpy as np

from gmm_explorer.engine.blocked import (
    DEFAULT_CHUNK_ROWS,
    BlockedPoints,
    add_in_order,
    block_pass,
    sample_rows,
    start_from_sample,
)
from gmm_explorer.engine.fit import FitResult, _run, check_given_k
from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.steps import EMSettings
from gmm_explorer.errors import InputError


def _dask():
    try:
        import dask
        import dask.array as da
    except ImportError:
        raise InputError("Dask is not installed: pip install 'gmm-explorer[dask]'") from None
    return dask, da


class DaskPoints(BlockedPoints):
    """An (N, 2) ``dask.array`` of points for the one EM loop (see the module's note).

    Parameters
    ----------
    array : dask.array.Array of shape (n_samples, 2)
        Chunked along rows only (the two columns of a block together): rechunked if not.
    scheduler : optional
        What ``dask.compute`` runs on: None (the current default: a ``Client`` made
        earlier, else threads), a ``distributed.Client``, or a scheduler name.
    """

    def __init__(self, array, scheduler=None):
        _dask()  # installed, or an InputError that says how
        if array.ndim != 2 or array.shape[1] != 2:
            raise InputError(f"points must have shape (n, 2), got {array.shape}")
        if any(np.isnan(c) for c in array.shape):
            raise InputError("the number of points in each block must be known "
                             "(to_dask_array(lengths=True))")
        if array.shape[0] == 0:
            raise InputError("there are no points")
        if len(array.chunks[1]) != 1:
            array = array.rechunk({1: 2})
        self.array = array.astype(np.float64)
        self.shape = (int(array.shape[0]), 2)
        self.scheduler = scheduler
        self.blocks = self.array.to_delayed().ravel().tolist()
        self.offsets = np.concatenate([[0], np.cumsum(self.array.chunks[0])[:-1]]).tolist()

    def _compute(self, *values):
        dask, _ = _dask()
        if self.scheduler is None:
            return dask.compute(*values)
        if isinstance(self.scheduler, str):
            return dask.compute(*values, scheduler=self.scheduler)
        return self.scheduler.compute(list(values), sync=True)

    def run_pass(self, means, prec, const, noise, backend):
        dask, _ = _dask()
        parts = [dask.delayed(block_pass, pure=True)(b, int(o), means, prec, const,
                                                     float(noise), backend)
                 for b, o in zip(self.blocks, self.offsets, strict=True)]
        total = dask.delayed(add_in_order, pure=True)(parts)
        (stats, ll, lost), = self._compute(total)
        return np.asarray(stats), float(ll), int(lost)

    def sample(self, n: int, seed) -> np.ndarray:
        """A seeded random subsample of ``n`` points (all of them if there are fewer),
        in their order, gathered to this process."""
        rows = sample_rows(self.shape[0], n, seed)
        if rows is None:
            return np.asarray(self._compute(self.array)[0])
        return np.asarray(self._compute(self.array[rows])[0])


def as_dask_points(data, chunks: int | None = None, scheduler=None) -> DaskPoints:
    """A :class:`DaskPoints` from a ``dask.array``, a Dask DataFrame's two columns, or a
    numpy array (a memory map of a ``.npy`` larger than memory included), in blocks of
    ``chunks`` rows (default: the Dask array's own, else :data:`DEFAULT_CHUNK_ROWS`)."""
    _, da = _dask()
    if isinstance(data, DaskPoints):
        return data
    if hasattr(data, "to_dask_array"):  # a Dask DataFrame (or Series pair)
        if len(data.columns) != 2:
            raise InputError(f"choose the two columns of points, got {list(data.columns)}")
        data = data.to_dask_array(lengths=True)
    elif not isinstance(data, da.Array):
        arr = data if isinstance(data, np.ndarray) else np.asarray(data)
        data = da.from_array(arr, chunks=(chunks or DEFAULT_CHUNK_ROWS, 2))
    if chunks is not None and data.chunks[0][0] != chunks:
        data = data.rechunk((chunks, 2))
    return DaskPoints(data, scheduler)


def fit(data, n_components: int | None = None, *, settings: EMSettings = EMSettings(),
        init: str | Mixture = "kmeans", seed=None, chunks: int | None = None,
        scheduler=None, backend: str | None = None) -> FitResult:
    """Fit a mixture by EM to points in Dask blocks (see the module's note).

    Parameters
    ----------
    data : dask.array.Array (n_samples, 2), Dask DataFrame of two columns, or ndarray
    n_components : int, optional
        K; taken from ``init`` when that is a Mixture.
    settings : EMSettings
        EM (soft assignments) without a noise component; any covariance model, tol,
        max_iter, reg_covar.
    init : str or Mixture
        A method of :func:`~gmm_explorer.engine.init.initialise`, run on a seeded random
        subsample of :data:`~gmm_explorer.engine.init.KMEANS_SAMPLE` points gathered
        from the blocks; or starting parameters.
    seed : int, optional
    chunks : int, optional
        Rows per block.
    scheduler : optional
        See :class:`DaskPoints`; ``"local"`` starts a ``distributed.LocalCluster`` of
        worker processes for this fit and closes it afterwards.

    Returns
    -------
    FitResult
        As :func:`~gmm_explorer.engine.fit.fit`, with ``n_init`` 1.
    """
    if settings.algorithm != "em" or settings.noise or settings.prior:
        raise InputError("the Dask path runs EM (soft assignments) without a noise "
                         "component or a prior")
    if scheduler == "local":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise InputError("a local cluster needs dask.distributed: "
                             "pip install 'gmm-explorer[dask]'") from None
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            return fit(data, n_components, settings=settings, init=init, seed=seed,
                       chunks=chunks, scheduler=client, backend=backend)
    from gmm_explorer.engine import em
    from gmm_explorer.engine.init import fresh_seed

    points = as_dask_points(data, chunks, scheduler)
    if seed is None:
        seed = fresh_seed()
    if isinstance(init, Mixture):
        check_given_k(n_components, init)
        start, how = init, "given"
    else:
        if n_components is None:
            raise InputError("K (the number of components) is required")
        start, how = start_from_sample(points, n_components, init, settings, seed), init
    history = _run(em.iterate(points, start, settings, backend=backend), None)
    return FitResult(history[-1], history, settings, how, seed, 1)
