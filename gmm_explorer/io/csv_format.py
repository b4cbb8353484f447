"""CSV text for exports: a generic writer with round-trip floats, and the points and
responsibilities tables built on it.
"""

from __future__ import annotations

import io

import numpy as np

from gmm_explorer.engine.noise import claimed_by_noise


def _csv_field(name: str) -> str:
    if any(ch in name for ch in ',"\n\r'):
        return '"' + name.replace('"', '""') + '"'
    return name


def format_csv(header, columns) -> str:
    """CSV text with a header row; float columns use ``repr`` (shortest exact round trip).

    Parameters
    ----------
    header : sequence of str
    columns : sequence of ndarray of shape (n,)
        Integer arrays are written as integers.
    """
    buf = io.StringIO()
    buf.write(",".join(_csv_field(h) for h in header) + "\n")
    if not columns:
        return buf.getvalue()
    cols = [c.tolist() for c in columns]  # Python floats: repr round-trips exactly
    for row in zip(*cols):
        buf.write(",".join(repr(v) for v in row))
        buf.write("\n")
    return buf.getvalue()


def points_csv(points: np.ndarray, names=("x", "y")) -> str:
    """CSV of points (n, 2) with a header naming the two columns."""
    return format_csv(list(names), [points[:, 0], points[:, 1]])


def responsibilities_csv(points: np.ndarray, resp: np.ndarray,
                         noise: np.ndarray | None = None,
                         weights: np.ndarray | None = None) -> str:
    """CSV with columns ``x, y, label, p_1..p_K`` (and ``p_noise`` when ``noise``, each
    point's noise responsibility, is given; ``weight`` after ``y`` when the points' sample
    ``weights`` are given); ``label`` is the 1-based arg-max of p, 0 for a point the noise
    claims most."""
    k = resp.shape[1]
    labels = resp.argmax(axis=1) + 1
    if noise is not None:
        labels = np.where(claimed_by_noise(resp, noise), 0, labels)
    weighted = weights is not None
    header = ["x", "y"] + (["weight"] if weighted else []) + ["label"] + \
        [f"p_{j}" for j in range(1, k + 1)] + (["p_noise"] if noise is not None else [])
    columns = [points[:, 0], points[:, 1]] + \
        ([np.asarray(weights, dtype=np.float64)] if weighted else []) + [labels] + \
        [resp[:, j] for j in range(k)] + ([noise] if noise is not None else [])
    return format_csv(header, columns)
