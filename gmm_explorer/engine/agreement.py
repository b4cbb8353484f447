"""Ground truth against a fitted clustering: contingency table, adjusted Rand index, and a
confusion matrix with components matched to classes.

Labels on either side may be any hashable values (strings such as species names, integers,
component indices); only which points share a label matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError


def _encode(labels) -> tuple[tuple, np.ndarray]:
    """Distinct labels (sorted when they can be, else in order of first appearance) and the
    0-based code of each entry."""
    if isinstance(labels, np.ndarray):
        if labels.ndim != 1:
            raise InputError(f"labels must be one-dimensional, got shape {labels.shape}")
        if labels.dtype.kind in "biufUS":
            # NumPy sorts and groups these itself (all NaNs form one group).
            values, codes = np.unique(labels, return_inverse=True)
            return tuple(v.item() for v in values), codes.reshape(-1).astype(np.intp)
    items = [v.item() if isinstance(v, np.generic) else v for v in labels]
    try:
        distinct = sorted(set(items))
    except TypeError:  # mixed types that do not compare: keep first appearance
        distinct = list(dict.fromkeys(items))
    index = {v: i for i, v in enumerate(distinct)}
    return tuple(distinct), np.fromiter((index[v] for v in items), dtype=np.intp,
                                        count=len(items))


def contingency(truth, pred) -> tuple[tuple, tuple, np.ndarray]:
    """Cross-tabulate two labelings of the same points.

    Parameters
    ----------
    truth : array-like of shape (n_samples,)
        Ground-truth classes; any hashable labels.
    pred : array-like of shape (n_samples,)
        Predicted clusters; any hashable labels.

    Returns
    -------
    classes : tuple
        The distinct truth labels, sorted (in order of first appearance when they cannot
        be compared); NumPy scalars become Python scalars.
    clusters : tuple
        The distinct predicted labels, likewise.
    table : ndarray of shape (n_classes, n_clusters), dtype int64
        ``table[i, j]`` counts the points of class ``classes[i]`` in cluster ``clusters[j]``.

    Raises
    ------
    InputError
        If the two labelings differ in length.
    """
    classes, ci = _encode(truth)
    clusters, pj = _encode(pred)
    if ci.shape[0] != pj.shape[0]:
        raise InputError(f"the labelings have different lengths: {ci.shape[0]} ground-truth "
                         f"labels and {pj.shape[0]} predicted labels")
    n_c, n_k = len(classes), len(clusters)
    table = np.bincount(ci * n_k + pj, minlength=n_c * n_k).astype(np.int64)
    return classes, clusters, table.reshape(n_c, n_k)


def _pairs(counts: np.ndarray) -> int:
    """``sum C(c, 2)`` as an exact Python integer."""
    c = np.asarray(counts, dtype=np.int64).ravel()
    return int((c * (c - 1) // 2).sum())


def adjusted_rand_index(truth, pred) -> float:
    """Adjusted Rand index (Hubert & Arabie 1985) between two labelings.

    From the contingency table ``n_ij`` with row sums ``a_i``, column sums ``b_j`` and
    ``n`` points::

        index    = sum_ij C(n_ij, 2)
        expected = sum_i C(a_i, 2) * sum_j C(b_j, 2) / C(n, 2)
        maximum  = (sum_i C(a_i, 2) + sum_j C(b_j, 2)) / 2
        ARI      = (index - expected) / (maximum - expected)

    1 for identical partitions (up to renaming), about 0 for independent ones, and
    negative when they agree less than chance would. The formula is evaluated in exact
    integer arithmetic and divided once, so the result is correctly rounded.

    Parameters
    ----------
    truth : array-like of shape (n_samples,)
    pred : array-like of shape (n_samples,)

    Returns
    -------
    float
        1.0 when the denominator vanishes, which happens exactly when both labelings put
        every point in one cluster, or both put every point in its own cluster (this
        includes fewer than 2 points), as scikit-learn's ``adjusted_rand_score`` does.
    """
    _, _, table = contingency(truth, pred)
    n = int(table.sum())
    index = _pairs(table)
    a = _pairs(table.sum(axis=1))
    b = _pairs(table.sum(axis=0))
    total = n * (n - 1) // 2
    # Multiply through by 2 C(n, 2) so everything stays an integer:
    # ARI = 2 (index C(n,2) - a b) / ((a + b) C(n,2) - 2 a b).
    num = 2 * (index * total - a * b)
    den = (a + b) * total - 2 * a * b
    if den == 0:
        return 1.0
    return num / den


@dataclass(frozen=True, eq=False)
class Confusion:
    """Ground-truth classes against mixture components, components matched to classes.

    Attributes
    ----------
    classes : tuple of str
        The distinct ground-truth labels as text, sorted as :func:`contingency` sorts them.
    table : ndarray of shape (n_classes, n_components), dtype int64
        Counts of points of each class (row) assigned to each component (column), with the
        columns in ``component_order``: the component matched to class ``i`` is column
        ``i`` where possible (when there are at least as many components as classes);
        unmatched components come last, in index order.
    component_order : tuple of int
        The 0-based original component index of each column.
    matched : tuple of (str, int)
        ``(class, component)`` pairs of the matching, in class order. There are
        ``min(n_classes, n_components)`` pairs.
    accuracy : float
        Fraction of all points that lie on matched pairs (NaN without points).
    ari : float
        :func:`adjusted_rand_index` of the two labelings.
    """

    classes: tuple[str, ...]
    table: np.ndarray
    component_order: tuple[int, ...]
    matched: tuple[tuple[str, int], ...]
    accuracy: float
    ari: float


def matched_confusion(truth, pred, n_components: int) -> Confusion:
    """Confusion matrix of classes against components, matched to maximise agreement.

    The matching is the one-to-one assignment of classes to components that maximises
    the number of points on matched pairs (``scipy.optimize.linear_sum_assignment``); it
    works for any number of classes and components.

    Parameters
    ----------
    truth : array-like of shape (n_samples,)
        Ground-truth classes; any hashable labels.
    pred : array-like of shape (n_samples,)
        0-based component of each point (e.g. from
        :func:`~gmm_explorer.engine.density.predict`), each in ``[0, n_components)``.
    n_components : int
        K; components with no points still get a column.

    Returns
    -------
    Confusion

    Raises
    ------
    InputError
        Lengths differ, K < 1, or a predicted label is not a component index.
    """
    if not isinstance(n_components, (int, np.integer)) or n_components < 1:
        raise InputError(f"K must be an integer >= 1, got {n_components!r}")
    p = np.asarray(pred)
    if p.ndim != 1 or (p.size and p.dtype.kind not in "iub"):
        raise InputError("predicted labels must be a 1-D array of component indices")
    p = p.astype(np.intp)
    if p.size and (p.min() < 0 or p.max() >= n_components):
        bad = p[(p < 0) | (p >= n_components)][0]
        raise InputError(f"predicted label {int(bad)} is not a component index in "
                         f"0..{n_components - 1}")
    classes, ci = _encode(truth)
    if ci.shape[0] != p.shape[0]:
        raise InputError(f"the labelings have different lengths: {ci.shape[0]} ground-truth "
                         f"labels and {p.shape[0]} predicted labels")
    n_c = len(classes)
    counts = np.bincount(ci * n_components + p, minlength=n_c * n_components)
    counts = counts.astype(np.int64).reshape(n_c, n_components)
    from scipy.optimize import linear_sum_assignment  # lazy: 0.3 s to import

    rows, cols = (linear_sum_assignment(counts, maximize=True) if n_c
                  else (np.zeros(0, np.intp), np.zeros(0, np.intp)))
    # rows come back sorted, so the matched components are in class order.
    taken = set(cols.tolist())
    unmatched = [j for j in range(n_components) if j not in taken]
    order = tuple(int(j) for j in cols) + tuple(unmatched)
    names = tuple(str(c) for c in classes)
    n = int(ci.shape[0])
    on_pairs = int(counts[rows, cols].sum())
    return Confusion(
        classes=names,
        table=_readonly(counts[:, list(order)]),
        component_order=order,
        matched=tuple((names[int(i)], int(j)) for i, j in zip(rows, cols)),
        accuracy=on_pairs / n if n else float("nan"),
        ari=adjusted_rand_index(ci, p),
    )


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a
