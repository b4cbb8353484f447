"""What one cell of a text table holds: a number, a missing value or text.

The smallest stage of reading a table, shared by the layout sniffing of
:mod:`~gmm_explorer.io.text_table` (is the first line a header?), the column rules of
:mod:`~gmm_explorer.io.columns` (which columns are numeric?) and the conversion of the
chosen columns in :mod:`~gmm_explorer.io.text_points`.

Missing values are empty cells and, ignoring case, ``NA``, ``N/A``, ``NaN``, ``null``
and ``None``. A number is what Python's ``float`` accepts, restricted to ASCII and
without ``_`` digit separators; ``inf``, ``Infinity`` and overflowing values such as
``1e400`` are numbers (the loader rejects them where they fall in a chosen column).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "DECIMAL_COMMA",
    "INTEGER",
    "MISSING_VALUES",
    "ColumnSummary",
    "cell_value",
    "parse_cells",
    "summarize",
]

#: Cell values (compared after stripping and lower-casing) that mean "missing".
MISSING_VALUES = frozenset({"", "na", "n/a", "nan", "null", "none"})
#: A whole number as written in a cell (for integer-code label columns).
INTEGER = re.compile(r"[+-]?\d+")
#: A number written with a decimal comma (to say why such a cell is text).
DECIMAL_COMMA = re.compile(r"[+-]?\d+,\d+")


def cell_value(cell: str) -> float | None:
    """The number in a cell, NaN when missing, None when it is text."""
    s = cell.strip()
    if s.lower() in MISSING_VALUES:
        return math.nan
    if not s.isascii() or "_" in s:  # float() would accept "1_000" and "١٢"
        return None
    try:
        return float(s)
    except ValueError:
        return None


@dataclass(frozen=True)
class ColumnSummary:
    """What the first rows of one column hold."""

    n_numbers: int
    n_missing: int
    n_text: int
    example: str | None  # the first text value

    @property
    def numeric(self) -> bool:
        """At least one number, and no fewer numbers than text values."""
        return self.n_numbers > 0 and self.n_numbers >= self.n_text


def summarize(cells: Sequence[str]) -> ColumnSummary:
    """Count the numbers, missing values and text values among ``cells``."""
    n_numbers = n_missing = n_text = 0
    example = None
    for cell in cells:
        value = cell_value(cell)
        if value is None:
            n_text += 1
            if example is None:
                example = cell.strip()
        elif math.isnan(value):
            n_missing += 1
        else:
            n_numbers += 1
    return ColumnSummary(n_numbers, n_missing, n_text, example)


def parse_cells(cells: list[str]) -> tuple[np.ndarray, int | None]:
    """Values of a column's cells and the row of its first text cell.

    Returns
    -------
    values : ndarray of shape (n_cells,)
        Float64; NaN where a cell is missing or text.
    first_text : int or None
        0-based index of the first text cell; None when every cell is a number or missing.
    """
    joined = "".join(cells)
    if joined.isascii() and "_" not in joined:
        # Fast path: every cell is a plain number or "nan"; float() then agrees with
        # cell_value because ASCII-only cells without "_" leave it no extra latitude.
        try:
            return np.fromiter(map(float, cells), dtype=np.float64, count=len(cells)), None
        except ValueError:
            pass
    values = np.empty(len(cells), dtype=np.float64)
    first_text = None
    for k, cell in enumerate(cells):
        value = cell_value(cell)
        if value is None:
            value = math.nan
            if first_text is None:
                first_text = k
        values[k] = value
    return values, first_text
