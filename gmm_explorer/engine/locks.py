"""Per-component locks: parameters the M-step must leave exactly as they are.

A :class:`Locks` value says, for each of the K components, whether its weight, mean and
covariance are locked. The M-step (:func:`gmm_explorer.engine.mstep.m_step`) then maximises
the expected complete log-likelihood over the unlocked parameters only, given the locked
ones (generalised EM), so the log-likelihood still never decreases.

Locks follow the components when they are edited: :meth:`Locks.without` when a component
is removed, :meth:`Locks.with_added` when one is appended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError

#: The lockable parameters of a component, as named in :meth:`Locks.toggled`.
LOCK_KINDS = ("weight", "mean", "covariance")


def check_component_index(j, n_components: int) -> int:
    """Validate a 0-based component index; errors name the 1-based component and K.

    Parameters
    ----------
    j : int
        0-based index.
    n_components : int
        K.

    Returns
    -------
    int
        ``j`` as a Python int.

    Raises
    ------
    InputError
        If ``j`` is not an integer or not in ``0 <= j < K``.
    """
    if isinstance(j, (bool, np.bool_)) or not isinstance(j, (int, np.integer)):
        raise InputError(f"a component index must be an integer, got {j!r}")
    if not 0 <= j < n_components:
        raise InputError(f"there is no component {int(j) + 1}: the mixture has "
                         f"K={n_components} component(s), numbered 1 to {n_components}")
    return int(j)


def _as_flags(value, kind: str) -> tuple[bool, ...]:
    if isinstance(value, (str, bytes)):
        raise InputError(f"locks: {kind} must be a sequence of booleans, got {value!r}")
    try:
        items = tuple(value)
    except TypeError:
        raise InputError(f"locks: {kind} must be a sequence of booleans, got {value!r}") from None
    for i, v in enumerate(items):
        if not isinstance(v, (bool, np.bool_)):
            raise InputError(f"locks: {kind}[{i}] must be True or False, got {v!r}")
    return tuple(bool(v) for v in items)


@dataclass(frozen=True)
class Locks:
    """Which parameters of each component the M-step keeps fixed.

    Parameters
    ----------
    weight, mean, covariance : tuple of bool, each of length n_components
        ``True`` locks that parameter of that component. For ``"tied"`` covariances a
        lock on any component locks the one shared covariance.

    Raises
    ------
    InputError
        If an entry is not a boolean or the three tuples differ in length.
    """

    weight: tuple[bool, ...]
    mean: tuple[bool, ...]
    covariance: tuple[bool, ...]

    def __post_init__(self) -> None:
        for kind in LOCK_KINDS:
            object.__setattr__(self, kind, _as_flags(getattr(self, kind), kind))
        lengths = {kind: len(getattr(self, kind)) for kind in LOCK_KINDS}
        if len(set(lengths.values())) != 1:
            raise InputError("locks: weight, mean and covariance must have one entry per "
                             "component, got lengths "
                             + ", ".join(f"{k}={n}" for k, n in lengths.items()))

    @classmethod
    def none(cls, n_components: int) -> Locks:
        """Nothing locked, for ``n_components`` components (K >= 0)."""
        if (isinstance(n_components, (bool, np.bool_))
                or not isinstance(n_components, (int, np.integer)) or n_components < 0):
            raise InputError(f"locks: the number of components must be an integer >= 0, "
                             f"got {n_components!r}")
        off = (False,) * int(n_components)
        return cls(off, off, off)

    @property
    def n_components(self) -> int:
        """K, the number of components these locks describe."""
        return len(self.weight)

    @property
    def any(self) -> bool:
        """Whether anything at all is locked."""
        return any(self.weight) or any(self.mean) or any(self.covariance)

    def is_locked(self, kind: str, j: int) -> bool:
        """Whether parameter ``kind`` of component ``j`` (0-based) is locked."""
        _check_kind(kind)
        return getattr(self, kind)[check_component_index(j, self.n_components)]

    def toggled(self, kind: str, j: int) -> Locks:
        """A copy with the lock on parameter ``kind`` of component ``j`` (0-based) flipped.

        Parameters
        ----------
        kind : {"weight", "mean", "covariance"}
        j : int

        Returns
        -------
        Locks
        """
        _check_kind(kind)
        j = check_component_index(j, self.n_components)
        flags = list(getattr(self, kind))
        flags[j] = not flags[j]
        return Locks(**{**self._fields(), kind: tuple(flags)})

    def without(self, j: int) -> Locks:
        """A copy without component ``j`` (0-based): the locks after removing it."""
        j = check_component_index(j, self.n_components)
        return Locks(**{k: v[:j] + v[j + 1:] for k, v in self._fields().items()})

    def with_added(self) -> Locks:
        """A copy with one more, unlocked, component at the end."""
        return Locks(**{k: v + (False,) for k, v in self._fields().items()})

    def _fields(self) -> dict[str, tuple[bool, ...]]:
        return {kind: getattr(self, kind) for kind in LOCK_KINDS}

    def as_dict(self) -> dict[str, tuple[bool, ...]]:
        """``{"weight": (...), "mean": (...), "covariance": (...)}`` (for files)."""
        return self._fields()

    @classmethod
    def from_dict(cls, d) -> Locks:
        """The inverse of :meth:`as_dict` (validated)."""
        if not isinstance(d, dict):
            raise InputError("locks: expected an object with weight, mean and covariance")
        return cls(**{kind: d.get(kind) for kind in LOCK_KINDS})


def _check_kind(kind) -> None:
    if kind not in LOCK_KINDS:
        raise InputError(f"locks: unknown parameter {kind!r}; expected one of "
                         + ", ".join(repr(k) for k in LOCK_KINDS))
