"""Column kinds: numeric, index, label candidates and the suggested X and Y, by the
loader's own rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gmm_explorer.io.columns import (
    CLASSIFY_ROWS,
    index_column,
    label_candidates,
    numeric_columns,
    suggested_columns,
)
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.text_table import Table, read_table
from tests.io.helpers import DATA


def _table(tmp_path: Path, text: str, name: str = "k.csv") -> Table:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_table(path, max_rows=CLASSIFY_ROWS)


@pytest.mark.parametrize(
    ("filename", "numeric", "index", "candidates", "suggested"),
    [("faithful.csv", (1, 2), 0, (), (1, 2)),  # 'waiting' has 51 distinct whole numbers
     ("iris.csv", (1, 2, 3, 4), 0, (5,), (1, 2)),
     ("penguins.csv", (2, 3, 4, 5, 7), None, (0, 1, 6, 7), (2, 3))],
)
def test_column_kinds_of_the_shipped_data(filename, numeric, index, candidates, suggested):
    table = read_table(DATA / filename, max_rows=CLASSIFY_ROWS)
    assert numeric_columns(table) == numeric
    expected_all = numeric if index is None else (index,) + numeric
    assert numeric_columns(table, include_index=True) == expected_all
    assert index_column(table) == index
    assert label_candidates(table) == candidates
    assert suggested_columns(table) == suggested
    # The suggestion is what load_points chooses by itself.
    assert load_points(DATA / filename).column_indices == suggested


def test_column_kinds_follow_the_loader_rules(tmp_path: Path):
    # Two numeric columns are both offered even if one counts rows (as the loader takes them).
    table = _table(tmp_path, "n,x\n1,5\n2,6\n")
    assert numeric_columns(table) == (0, 1) and index_column(table) is None
    # A numeric column with a stray text value is numeric, and not a label candidate.
    table = _table(tmp_path, "x,y,note,code\n.1,2,ok,1\n.3,oops,5,2\n.5,6,a,1\n.7,8,b,NA\n")
    assert numeric_columns(table) == (0, 1, 3)
    assert label_candidates(table) == (2, 3)
    # Decimals are not codes; neither are whole numbers with too many distinct values.
    rows = "".join(f"{i * 0.5},{i % 3},{i},{i + 100}.0\n" for i in range(30))
    table = _table(tmp_path, "a,b,c,d\n" + rows)
    assert label_candidates(table) == (1,)
    assert suggested_columns(table) == (0, 1)
    # Fewer than two numeric columns: nothing to suggest.
    assert suggested_columns(_table(tmp_path, "x,label\n1,a\n2,b\n")) is None
