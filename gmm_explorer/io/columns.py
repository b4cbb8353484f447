"""Columns of a text table: which are numeric, which count rows, which could be labels,
and which two the loader takes as X and Y.

The stage between reading a :class:`~gmm_explorer.io.text_table.Table` and converting
its chosen columns. The loader (:mod:`~gmm_explorer.io.text_points`) plans its choice
with :func:`plan_columns`; a column picker asks the same rules through
:func:`numeric_columns`, :func:`index_column`, :func:`label_candidates`,
:func:`suggested_columns`, and :func:`table_needing_choice` to know whether there is
anything to ask at all.

A column is *numeric* when, over its first :data:`CLASSIFY_ROWS` data rows, at least
one value is a number and numbers are at least as many as text values (missing values
do not count). With three or more numeric columns, a leading numeric column is skipped
as row numbers when its header name is one of :data:`INDEX_COLUMN_NAMES` or its values
are exactly 0, 1, ..., N-1 or 1, 2, ..., N.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io.arrays import TABLE_FORMATS, file_format
from gmm_explorer.io.cells import (
    INTEGER,
    MISSING_VALUES,
    ColumnSummary,
    parse_cells,
    summarize,
)
from gmm_explorer.io.files import read_file_bytes
from gmm_explorer.io.points import MAX_LISTED, clip, plural
from gmm_explorer.io.text_table import Layout, Table, read_table

__all__ = [
    "CLASSIFY_ROWS",
    "INDEX_COLUMN_NAMES",
    "MAX_LABEL_CODES",
    "ColumnPlan",
    "index_column",
    "is_index",
    "label_candidates",
    "needs_choice",
    "numeric_columns",
    "plan_columns",
    "suggested_columns",
    "table_needing_choice",
]

#: Data rows examined to decide which columns are numeric (read this many with
#: ``read_table(path, max_rows=CLASSIFY_ROWS)`` to classify columns as the loader does).
CLASSIFY_ROWS = 1000
#: Header names (lower-cased) that mark a leading column as row numbers / row names.
#: ``""`` is what R's ``write.csv`` and pandas' ``to_csv`` write for the index column.
INDEX_COLUMN_NAMES = frozenset({"", "rownames", "index", "id", "unnamed: 0"})
#: An integer column is offered as labels (class codes) only with at most this many
#: distinct values; more is a measurement such as a count or a duration.
MAX_LABEL_CODES = 20


# --------------------------------------------------------------------------- column kinds


def numeric_columns(table: Table, *, include_index: bool = False) -> tuple[int, ...]:
    """Columns of ``table`` that hold numbers, by the rule the loader uses.

    A column is numeric when, over its first :data:`CLASSIFY_ROWS` rows, it holds at
    least one number and no fewer numbers than text values. Give a table read with
    ``max_rows=CLASSIFY_ROWS`` (or more) to classify exactly as the loader does.

    Parameters
    ----------
    table : Table
    include_index : bool
        Keep the leading row-number column that :func:`index_column` finds; by default
        it is left out, as the loader leaves it out of its automatic choice.

    Returns
    -------
    indices : tuple of int
        0-based column indices in file order.
    """
    summaries = _table_summaries(table)
    numeric = tuple(j for j, s in enumerate(summaries) if s.numeric)
    if include_index:
        return numeric
    skip = _index_of(table, summaries)
    return tuple(j for j in numeric if j != skip)


def index_column(table: Table) -> int | None:
    """The leading column the loader would skip as row numbers, or None.

    As in the loader's automatic choice, this needs three or more numeric columns of
    which the first is column 0, named like an index (see :data:`INDEX_COLUMN_NAMES`)
    or counting 0, 1, 2, ... or 1, 2, 3, ... over the table's rows.
    """
    return _index_of(table, _table_summaries(table))


def suggested_columns(table: Table) -> tuple[int, int] | None:
    """The X and Y columns the loader would choose itself, judged on ``table``.

    Returns None when the table has fewer than two numeric columns (the loader would
    then report an error).
    """
    numeric = numeric_columns(table)
    return (numeric[0], numeric[1]) if len(numeric) >= 2 else None


def label_candidates(table: Table) -> tuple[int, ...]:
    """Columns of ``table`` worth offering as point labels, in file order.

    These are the text columns (more text values than numbers, e.g. a species) and the
    integer-code columns (every value written as a whole number, at most
    :data:`MAX_LABEL_CODES` distinct values, e.g. a cluster number or a year), judged
    on the first :data:`CLASSIFY_ROWS` rows. The row-number column of
    :func:`index_column` is never offered. The loader itself accepts any column as
    labels.
    """
    summaries = _table_summaries(table)
    skip = _index_of(table, summaries)
    rows = table.rows[:CLASSIFY_ROWS]
    found = []
    for j, summary in enumerate(summaries):
        if j == skip:
            continue
        if summary.n_text and not summary.numeric:
            found.append(j)
        elif summary.n_numbers and not summary.n_text:
            present = {cell for row in rows
                       if (cell := row[j].strip()).lower() not in MISSING_VALUES}
            if (len(present) <= MAX_LABEL_CODES
                    and all(INTEGER.fullmatch(cell) for cell in present)):
                found.append(j)
    return tuple(found)


def table_needing_choice(path: str | os.PathLike) -> Table | None:
    """The first rows of ``path`` when there are columns to choose, else None.

    None means the loader's automatic choice is the only sensible one: the file is a
    ``.npy``/``.npz`` array, or a table (text, Excel, Parquet or Feather) with exactly two numeric columns (not
    counting a row-number column the loader skips) and no label candidates besides
    those two (X and Y are then fixed, and labels must differ from them), or with
    fewer than two numeric columns (``load_points`` then reports why). Otherwise the
    table holds the first :data:`CLASSIFY_ROWS` rows, enough to classify the columns as
    the loader does.

    Raises
    ------
    InputError
        The file cannot be read as a table (missing, empty, binary, ragged, ...).
    """
    kind = file_format(path)
    if kind in TABLE_FORMATS:
        from gmm_explorer.io.binary_tables import preview_table

        source = os.fsdecode(path)
        table = preview_table(read_file_bytes(path, source), source, kind, CLASSIFY_ROWS)
    elif kind != "text":
        return None
    else:
        table = read_table(path, max_rows=CLASSIFY_ROWS)
    return table if needs_choice(table) else None


def needs_choice(table: Table) -> bool:
    """Whether a table read with ``max_rows=CLASSIFY_ROWS`` leaves columns to choose, by
    the rule of :func:`table_needing_choice`."""
    numeric = numeric_columns(table)
    if len(numeric) < 2:
        return False
    return len(numeric) > 2 or bool(set(label_candidates(table)) - set(numeric))


def _table_summaries(table: Table) -> list[ColumnSummary]:
    rows = table.rows[:CLASSIFY_ROWS]
    return [summarize([row[j] for row in rows]) for j in range(table.n_columns)]


def _index_of(table: Table, summaries: list[ColumnSummary]) -> int | None:
    numeric = [j for j, s in enumerate(summaries) if s.numeric]
    kind = _index_kind(table.header, numeric, table.rows[:CLASSIFY_ROWS])
    return None if kind is None else 0


# --------------------------------------------------------------------------- X and Y


def is_index(values: np.ndarray) -> bool:
    """Whether ``values`` are exactly 0, 1, ..., N-1 or 1, 2, ..., N."""
    n = values.size
    if n == 0 or values[0] not in (0.0, 1.0):
        return False
    return bool(np.array_equal(values, np.arange(n, dtype=np.float64) + values[0]))


@dataclass(frozen=True)
class ColumnPlan:
    """Columns to read, and the choice to make once column 0 is known in full.

    ``otherwise`` and ``if_index`` are ``((x, y), notes)``; ``if_index`` applies when the
    whole of column ``index_candidate`` turns out to count rows (:func:`is_index`).
    """

    needed: tuple[int, ...]
    otherwise: tuple[tuple[int, int], tuple[str, ...]]
    index_candidate: int | None = None
    if_index: tuple[tuple[int, int], tuple[str, ...]] | None = None


def plan_columns(requested: tuple[int, int] | None, layout: Layout,
                 summaries: list[ColumnSummary], labels: tuple[str, ...],
                 sample: list[list[str]], source: str,
                 exclude: dict[int, str] | None = None) -> ColumnPlan:
    """The columns to read for X and Y; the columns of ``exclude`` (index → what it is,
    e.g. ``"label column"``, ``"weights column"``) are never chosen.

    Parameters
    ----------
    requested : (int, int) or None
        The columns asked for; None chooses automatically.
    summaries : list of ColumnSummary
        One per column, over the ``sample`` rows.
    labels : tuple of str
        Column names as messages show them.
    """
    if requested is not None:
        return ColumnPlan(needed=requested, otherwise=(requested, ()))
    exclude = exclude or {}
    numeric = [j for j, s in enumerate(summaries) if s.numeric and j not in exclude]
    n_columns = layout.n_fields
    if len(numeric) < 2:
        reason = _too_few_numeric(numeric, summaries, labels)
        left_out = [f"the {what} {labels[j]}" for j, what in exclude.items()
                    if summaries[j].numeric]
        if left_out:
            reason += f" (not counting {' and '.join(left_out)})"
        raise InputError(reason, path=source)

    def take(pair: list[int], skipped: int | None) -> tuple[tuple[int, int], tuple[str, ...]]:
        i, j = pair
        used = f"using columns {labels[i]} and {labels[j]}"
        rest = [labels[k] for k in numeric if k not in (i, j, skipped)]
        if skipped is not None:
            note = f"skipped index column {labels[skipped]}; {used}"
        elif rest or n_columns > 2:
            note = used
        else:
            return (i, j), ()
        if rest:
            note += "; other numeric columns: " + ", ".join(rest)
        return (i, j), (note,)

    if len(numeric) == 2:
        return ColumnPlan(needed=tuple(numeric), otherwise=take(numeric, None))
    no_index = take(numeric[:2], None)
    kind = _index_kind(layout.header, numeric, sample)
    if kind is None:
        return ColumnPlan(needed=tuple(numeric[:2]), otherwise=no_index)
    with_index = take(numeric[1:3], 0)
    if kind == "name":
        return ColumnPlan(needed=tuple(numeric[1:3]), otherwise=with_index)
    return ColumnPlan(needed=tuple(numeric[:3]), otherwise=no_index, index_candidate=0,
                      if_index=with_index)


def _index_kind(header: tuple[str, ...] | None, numeric: Sequence[int],
                sample: Sequence[Sequence[str]]) -> str | None:
    """Whether column 0 is row numbers to skip when choosing X and Y automatically.

    ``"name"``: its header name says so; ``"values"``: its first rows count 0, 1, ... or
    1, 2, ... (to be confirmed on the whole column); None: not an index. Only with three
    or more numeric candidates, the first being column 0.
    """
    if len(numeric) < 3 or numeric[0] != 0:
        return None
    if header is not None and header[0].lower() in INDEX_COLUMN_NAMES:
        return "name"
    head, first_text = parse_cells([row[0] for row in sample])
    if first_text is not None or not is_index(head):
        return None
    return "values"


def _too_few_numeric(numeric: list[int], summaries: list[ColumnSummary],
                     labels: tuple[str, ...]) -> str:
    described = []
    for j, s in enumerate(summaries[:MAX_LISTED]):
        if s.numeric:
            what = "numbers"
        elif s.n_text:
            what = f"text such as '{clip(s.example or '', 20)}'"
        else:
            what = "only missing values"
        described.append(f"{labels[j]} ({what})")
    if len(summaries) > MAX_LISTED:
        described.append(f"... {len(summaries) - MAX_LISTED} more")
    found = plural(len(numeric), "numeric column")
    return (f"need at least two numeric columns, but found {found} among "
            f"{plural(len(summaries), 'column')}: " + ", ".join(described))
