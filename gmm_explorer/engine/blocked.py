"""Points held elsewhere, in blocks: the seam through which EM runs out of core.

EM needs only per-component sums (``S0, S1, S2``) and the log-likelihood from each pass,
so a pass is a map over blocks of points and a reduction of a (K, 6) array. A
:class:`BlockedPoints` stands in for the (N, 2) array in the one EM loop
(:func:`~gmm_explorer.engine.em.half_steps`): validation passes it through, and the
E-pass dispatch (:func:`~gmm_explorer.engine._kernels.run_pass`) hands it the
parameters instead of running over an array here. The points never come back; neither
do responsibilities.

Two kinds implement it: :class:`ArrayBlocks`, an array (a memory map of a ``.npy``
larger than memory) read block by block in this process, with no further dependency;
and :class:`gmm_explorer.engine.dask.DaskPoints`, a ``dask.array`` whose blocks are
passed wherever Dask keeps them. Both run :func:`block_pass` on each block and add the
results with :func:`add_in_order`, and both start EM from :func:`start_from_sample`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence

import numpy as np

from gmm_explorer.errors import InputError

#: Rows per block: a block of two float64 columns is 16 MB, and its pass is long enough
#: (about 10 ms at K = 10) that the work between blocks does not show.
DEFAULT_CHUNK_ROWS = 1_000_000


class BlockedPoints:
    """N points in blocks, reached only through passes that return per-component sums."""

    #: (n_samples, 2)
    shape: tuple[int, int]

    @property
    def ndim(self) -> int:
        return 2

    def run_pass(self, means: np.ndarray, prec: np.ndarray, const: np.ndarray,
                 noise: float, backend: str | None) -> tuple[np.ndarray, float, int]:
        """The fused E-pass over every block: ``(stats (K, 6), log_likelihood, n_lost)``,
        as :func:`~gmm_explorer.engine._kernels.run_pass` returns for an array."""
        raise NotImplementedError

    def sample(self, n: int, seed) -> np.ndarray:
        """A seeded random subsample of ``n`` points (all of them if there are fewer), in
        their order, as an (m, 2) array here."""
        raise NotImplementedError


def checked_block(block, offset: int, rows: np.ndarray | None = None) -> np.ndarray:
    """A block's points as a C-contiguous float64 (m, 2) array, every one finite
    (otherwise an InputError naming the first bad point by its index: ``offset + i``,
    or ``rows[i]`` for a block gathered from those rows)."""
    try:
        X = np.ascontiguousarray(block, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(f"points must be numbers ({exc})") from None
    with np.errstate(over="ignore", invalid="ignore"):
        total = X.sum()
    if np.isfinite(total):  # a NaN or an infinity would make the sum so (one fast pass)
        return X
    bad = ~np.isfinite(X).all(axis=1)  # or finite values whose sum overflowed
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        index = offset + i if rows is None else int(rows[i])
        raise InputError(f"point {index} is not finite: {X[i].tolist()}")
    return X


def block_pass(block, offset, means, prec, const, noise, backend):
    """One block's fused pass (wherever the block is): ``(stats, ll, n_lost)``; the
    block is checked first (:func:`checked_block`)."""
    from gmm_explorer.engine import _kernels

    X = checked_block(block, offset)
    return _kernels.run_pass(X, means, prec, const, None, backend, noise)


def add_in_order(parts):
    """The blocks' results added in block order (a fixed order: the same sums on every
    run with the same blocks)."""
    stats = np.zeros_like(parts[0][0])
    ll = 0.0
    lost = 0
    for s, l_, n in parts:
        stats += s
        ll += l_
        lost += n
    return stats, ll, lost


def sample_rows(n_rows: int, n: int, seed) -> np.ndarray | None:
    """The sorted rows of a seeded random subsample of ``n`` of ``n_rows`` (None: take
    them all)."""
    from gmm_explorer.engine.init import rng_from

    if n_rows <= n:
        return None
    return np.sort(rng_from(seed).choice(n_rows, n, replace=False))


def start_from_sample(points: BlockedPoints, n_components: int, init: str, settings,
                      seed):
    """Starting parameters by ``init`` (a method of
    :func:`~gmm_explorer.engine.init.initialise`) on a seeded random subsample of
    :data:`~gmm_explorer.engine.init.KMEANS_SAMPLE` points gathered from the blocks."""
    from gmm_explorer.engine.init import KMEANS_SAMPLE, initialise
    from gmm_explorer.engine.validation import check_n_components

    check_n_components(n_components)
    if points.shape[0] < n_components:
        raise InputError(f"{points.shape[0]} points are fewer than K={n_components}")
    sample = points.sample(KMEANS_SAMPLE, seed)
    return initialise(sample, n_components, init, covariance_type=settings.covariance_type,
                      reg_covar=settings.reg_covar, seed=seed)


class ArrayBlocks(BlockedPoints):
    """Two columns of an (N, C) array, read ``block_rows`` rows at a time in this process.

    Made for a memory map (``np.load(path, mmap_mode="r")``) of a file larger than
    memory: a pass reads each block from the file, copies its two columns into a small
    float64 array, checks them and runs the fused pass on them (on the pass's own
    threads); only the block in hand is in memory, and the operating system's page
    cache keeps what it can of the file between passes. Results agree with an in-memory
    fit to rounding (each block is summed in its own chunks).

    Parameters
    ----------
    array : array-like of shape (n_samples, n_columns), n_columns >= 2
    columns : pair of int
        The columns that are x and y.
    block_rows : int
    """

    def __init__(self, array, columns: Sequence[int] = (0, 1),
                 block_rows: int = DEFAULT_CHUNK_ROWS) -> None:
        if getattr(array, "ndim", None) != 2 or array.shape[1] < 2:
            raise InputError(f"points must be an array of two or more columns, got shape "
                             f"{getattr(array, 'shape', None)}")
        if array.shape[0] == 0:
            raise InputError("there are no points")
        cols = [int(c) for c in columns]
        if len(cols) != 2 or len(set(cols)) != 2 or not all(
                0 <= c < array.shape[1] for c in cols):
            raise InputError(f"choose two different columns of 0..{array.shape[1] - 1}, "
                             f"got {list(columns)}")
        if block_rows < 1:
            raise InputError(f"blocks need at least one row, got {block_rows}")
        self.array = array
        self.columns = tuple(cols)
        self.block_rows = int(block_rows)
        self.shape = (int(array.shape[0]), 2)
        # Blocks already found finite: the file is taken not to change while it is open
        # (a memory map of a file another program rewrites is undefined anyway), so each
        # block is checked on its first reading only.
        self._finite: set[int] = set()
        #: Called as ``on_block(b, n_blocks)`` before block ``b`` is read (see
        #: :meth:`watched`); it may raise to stop the reading.
        self.on_block = None

    def watched(self, on_block) -> ArrayBlocks:
        """The same points (and blocks already checked), with ``on_block(b, n_blocks)``
        called before block ``b`` is read (:meth:`blocks`, and so every pass): progress
        within a long reading, and a way to stop one (by raising)."""
        w = copy.copy(self)
        w.on_block = on_block
        return w

    @property
    def n_blocks(self) -> int:
        return -(-self.shape[0] // self.block_rows)

    def block(self, b: int) -> np.ndarray:
        """Block ``b``'s points, checked on its first reading (:func:`checked_block`)."""
        lo = b * self.block_rows
        hi = min(self.shape[0], lo + self.block_rows)
        a, (cx, cy) = self.array, self.columns
        if (cx, cy) == (0, 1) and a.shape[1] == 2:
            raw = a[lo:hi]
        else:
            raw = np.stack([a[lo:hi, cx], a[lo:hi, cy]], axis=1)
        if b in self._finite:
            return np.ascontiguousarray(raw, dtype=np.float64)
        X = checked_block(raw, lo)
        self._finite.add(b)
        return X

    def blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(offset, points)`` of every block, in order (calling :attr:`on_block` before
        reading each)."""
        for b in range(self.n_blocks):
            if self.on_block is not None:
                self.on_block(b, self.n_blocks)
            yield b * self.block_rows, self.block(b)

    def run_pass(self, means, prec, const, noise, backend):
        from gmm_explorer.engine import _kernels

        parts = [_kernels.run_pass(X, means, prec, const, None, backend, noise)
                 for _, X in self.blocks()]
        stats, ll, lost = add_in_order(parts)
        return stats, float(ll), int(lost)

    def sample(self, n: int, seed) -> np.ndarray:
        rows = sample_rows(self.shape[0], n, seed)
        if rows is None:
            return np.concatenate([X for _, X in self.blocks()])
        a, (cx, cy) = self.array, self.columns
        return checked_block(np.stack([a[rows, cx], a[rows, cy]], axis=1), 0, rows)
