"""Points from a text table: the bytes of a delimited file → :class:`LoadedData`.

The text branch of :func:`~gmm_explorer.io.loaders.load_points`. It sniffs the layout
(:mod:`~gmm_explorer.io.text_table`), classifies the first :data:`CLASSIFY_ROWS` rows
and plans the X and Y columns (:mod:`~gmm_explorer.io.columns`), then reads every row
once, keeping only the cells of the needed columns, and reports the first text or
infinite cell among the chosen columns with its line and column.
"""

from __future__ import annotations

from itertools import islice

import numpy as np

from gmm_explorer.errors import InputError
from gmm_explorer.io import fast_text
from gmm_explorer.io.cells import (
    DECIMAL_COMMA,
    MISSING_VALUES,
    cell_value,
    parse_cells,
    summarize,
)
from gmm_explorer.io.columns import CLASSIFY_ROWS, is_index, plan_columns
from gmm_explorer.io.points import (
    LoadedData,
    clip,
    column_labels,
    display_names,
    finish_points,
    resolve_column,
    resolve_columns,
)
from gmm_explorer.io.text_table import (
    Layout,
    content_lines,
    decode_text,
    iter_rows,
    sniff_layout,
    split_lines,
)

__all__ = ["load_text_points", "points_from_cells"]


def load_text_points(data: bytes, source: str, columns, label_column,
                     weights_column=None) -> LoadedData:
    """Read the X, Y (and label and weights) columns of a text table.

    Parameters
    ----------
    data : bytes
        The file's content (already known not to be a NumPy file).
    source : str
        The path, for messages.
    columns, label_column, weights_column
        As ``columns``, ``labels`` and ``weights`` of
        :func:`~gmm_explorer.io.loaders.load_points`.

    Raises
    ------
    InputError
        For every problem with the content, ``columns`` or ``label_column``.
    """
    # A large file's layout and sample come from its first lines alone; the compiled pass
    # then reads the bulk (fast_text), or declines and every line is split after all.
    head = _head_lines(data, source) if _fast_candidate(data) else None
    lines = head if head is not None else split_lines(decode_text(data, source)[0])
    layout = sniff_layout(lines, source)
    sample = [row for _, row in islice(iter_rows(lines, layout, source,
                                                 content_lines(lines, layout.body_start)),
                                       CLASSIFY_ROWS)]

    def read(needed: tuple[int, ...], text_columns: frozenset[int]):
        if head is not None and not text_columns and fast_text.usable():
            found = fast_text.read_columns(data, layout.body_start, layout.n_fields,
                                           layout.delimiter, needed, unquoted=True)
            if found is not None:
                return found
        every = lines if head is None else split_lines(decode_text(data, source)[0])
        return _read_lines(every, layout, source, needed)

    return points_from_cells(source, layout, sample, read, columns, label_column,
                             weights_column)


#: Content lines a head must hold to sniff and classify as the whole file would: the
#: header, the sniffed lines and the classified rows.
_HEAD_CONTENT = 1 + 200 + CLASSIFY_ROWS
#: The smallest head read: more than the 64 KiB that decode_text checks for binary bytes.
_HEAD_BYTES = 1 << 17


def _fast_candidate(data: bytes) -> bool:
    """Large enough for the compiled pass, and free of what only the line-by-line path
    judges (quotes; NUL bytes, which make a file binary; UTF-16)."""
    return (len(data) >= fast_text.MIN_BYTES and b'"' not in data and b"\x00" not in data
            and not data.startswith((b"\xff\xfe", b"\xfe\xff")))


def _head_lines(data: bytes, source: str) -> list[str] | None:
    """The first lines of the file, decoded as decode_text decodes the whole (an ASCII
    head reads the same whatever the rest's encoding), and enough of them that the
    layout and the sample are the whole file's; None when that would be the whole file,
    or the head is not ASCII."""
    size = _HEAD_BYTES
    while size < len(data):
        cut = max(data.rfind(b"\n", 0, size), data.rfind(b"\r", 0, size)) + 1
        body = data[3:cut] if data.startswith(b"\xef\xbb\xbf") else data[:cut]
        if cut >= _HEAD_BYTES // 2 + 3 and not body.isascii():
            return None
        if cut >= _HEAD_BYTES // 2 + 3:  # past the 64 KiB decode_text checks
            lines = split_lines(decode_text(data[:cut], source)[0])
            if len(content_lines(lines, 0)) > _HEAD_CONTENT:
                return lines
        size *= 4
    return None


def _read_lines(lines, layout, source, needed):
    """Every row's cells of the ``needed`` columns, and the rows' line numbers."""
    # One pass over all rows, keeping only the cells of the needed columns.
    kept: list[list[str]] = [[] for _ in needed]
    line_numbers: list[int] = []
    appenders = [col.append for col in kept]
    for lineno, row in iter_rows(lines, layout, source,
                                 content_lines(lines, layout.body_start)):
        line_numbers.append(lineno)
        for append, j in zip(appenders, needed):
            append(row[j])
    return dict(zip(needed, kept)), line_numbers


def points_from_cells(source: str, layout: Layout, sample: list[list[str]], read,
                      columns, label_column, weights_column=None, *,
                      where: str = "line") -> LoadedData:
    """The X, Y (and label and weights) columns of any table of cells.

    Shared by text tables and by spreadsheets and columnar files
    (:mod:`~gmm_explorer.io.binary_tables`), so that every format follows one set of
    rules for choosing columns, labels, weights, missing and bad values.

    Parameters
    ----------
    source : str
        The file, for messages.
    layout : Layout
        The table's header and field count (``layout.notes`` become the data's notes).
    sample : list of list of str
        Its first :data:`~gmm_explorer.io.columns.CLASSIFY_ROWS` rows as cell strings.
    read : callable
        ``read(needed, text)`` → ``(cells, numbers)``: for each column index in
        ``needed``, its cells in row order, a list of strings or, for a column already
        held as numbers, a float64 array with NaN where a value is missing (never for a
        column in ``text``, which must be strings); and each row's line or row number.
    columns, label_column, weights_column
        As for :func:`load_text_points`.
    where : str
        ``"line"`` (text) or ``"row"`` (spreadsheets): how a bad cell's place is named.
    """
    if not sample:
        if layout.header_line is None:
            raise InputError("no data rows", path=source)
        raise InputError(f"no data rows after the header on {where} {layout.header_line}",
                         path=source)
    names = display_names(layout.header, layout.n_fields)
    labels = column_labels(layout.header, layout.n_fields)
    summaries = [summarize([row[j] for row in sample]) for j in range(layout.n_fields)]
    has_header = layout.header is not None
    requested = resolve_columns(columns, names, has_header, source)
    label_at = None
    if label_column is not None:
        label_at = resolve_column(label_column, names, has_header, source,
                                  what="label column")
        if requested is not None and label_at in requested:
            axis = "X" if label_at == requested[0] else "Y"
            raise InputError(f"the label column {labels[label_at]} is also the {axis} "
                             "column; choose another column for the labels", path=source)
    weights_at = None
    if weights_column is not None:
        weights_at = resolve_column(weights_column, names, has_header, source,
                                    what="weights column")
        for j, what in ((label_at, "label column"),) + tuple(
                zip(requested or (), ("X column", "Y column"))):
            if weights_at == j:
                raise InputError(f"the weights column {labels[j]} is also the {what}; "
                                 "choose another column for the weights", path=source)
    exclude = {j: what for j, what in ((label_at, "label column"),
                                       (weights_at, "weights column")) if j is not None}
    plan = plan_columns(requested, layout, summaries, labels, sample, source,
                        exclude=exclude)

    needed = plan.needed
    for j in (label_at, weights_at):
        if j is not None:
            needed += (j,)
    raw, line_numbers = read(needed, frozenset(() if label_at is None else (label_at,)))
    parsed = {j: (cells, None) if isinstance(cells, np.ndarray) else parse_cells(cells)
              for j, cells in raw.items() if j != label_at}

    if plan.index_candidate is not None:
        values, first_text = parsed[plan.index_candidate]
        if first_text is None and is_index(values):
            chosen, notes = plan.if_index
        else:
            chosen, notes = plan.otherwise
    else:
        chosen, notes = plan.otherwise

    # Report the first text or infinite cell among the chosen columns (and a negative
    # weight).
    problems = []
    for j in chosen + (() if weights_at is None else (weights_at,)):
        values, first_text = parsed[j]
        if first_text is not None:
            problems.append((first_text, j))
        infinite = np.flatnonzero(np.isinf(values))
        if infinite.size:
            problems.append((int(infinite[0]), j))
        if j == weights_at:
            negative = np.flatnonzero(values < 0)
            if negative.size:
                problems.append((int(negative[0]), j))
    if problems:
        row, j = min(problems)
        cell = raw[j][row]
        cell = repr(float(cell)) if isinstance(raw[j], np.ndarray) else cell.strip()
        column = layout.header[j] if layout.header and layout.header[j] else str(j)
        value = cell_value(cell)
        if value is None:
            reason = f"text value '{clip(cell)}' where a number is expected"
            if DECIMAL_COMMA.fullmatch(cell):
                reason += " (decimal commas are not supported: use '.' as the decimal mark)"
        elif j == weights_at:
            reason = (f"weight '{clip(cell)}' is not allowed; sample weights must be finite "
                      "numbers >= 0")
        else:
            reason = f"infinite value '{clip(cell)}'; points must be finite numbers"
        place = {where: line_numbers[row]}
        raise InputError(reason, path=source, column=column, **place)

    xy = np.column_stack([parsed[j][0] for j in chosen])
    point_labels = None
    if label_at is not None:
        point_labels = tuple("" if (text := cell.strip()).lower() in MISSING_VALUES else text
                             for cell in raw[label_at])
    return finish_points(xy, source=source, names=(names[chosen[0]], names[chosen[1]]),
                         indices=chosen, notes=layout.notes + notes,
                         missing_where=f"columns {labels[chosen[0]]} and {labels[chosen[1]]}",
                         labels=point_labels,
                         label_name=None if label_at is None else names[label_at],
                         weights=None if weights_at is None else parsed[weights_at][0],
                         weights_name=None if weights_at is None else names[weights_at])
