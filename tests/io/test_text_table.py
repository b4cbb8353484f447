"""Reading text tables: delimiters, headers, line numbers, encodings, row limits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gmm_explorer.errors import InputError
from gmm_explorer.io.text_table import Table, read_table


def test_read_table_gives_cells_and_line_numbers(tmp_path: Path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"# note\r\nname ; x;y\r\n\r\n\"a; b\";1; 2\r\n# skip\r\nc;NA;4\r\n")
    table = read_table(path)
    assert isinstance(table, Table)
    assert table.delimiter == ";"
    assert table.header == ("name", "x", "y")
    assert table.header_line == 2
    assert table.rows == (("a; b", "1", "2"), ("c", "NA", "4"))
    assert table.line_numbers == (4, 6)
    assert table.n_columns == 3
    assert table.complete and table.encoding == "utf-8"


def test_read_table_max_rows_and_headerless_names(tmp_path: Path):
    path = tmp_path / "t.dat"
    path.write_text("1 2\n3 4\n5 6\n")
    table = read_table(path, max_rows=2)
    assert table.header is None and table.delimiter is None
    assert table.column_names == ("column 0", "column 1")
    assert table.rows == (("1", "2"), ("3", "4"))
    assert not table.complete
    assert read_table(path, max_rows=3).complete


def test_read_table_header_only_and_errors(tmp_path: Path):
    path = tmp_path / "h.csv"
    path.write_text("x,y\n")
    table = read_table(path)
    assert table.rows == () and table.header == ("x", "y")
    path.write_text("x,y\n1,2,3,4\n")
    with pytest.raises(InputError, match="ragged row"):
        read_table(path)
    npy = tmp_path / "a.npy"
    np.save(npy, np.zeros((2, 2)))
    with pytest.raises(InputError, match="not a text table"):
        read_table(npy)


def test_read_table_latin1(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_bytes("température;durée\n20;1.5\n".encode("latin-1"))
    table = read_table(path)
    assert table.encoding == "latin-1"
    assert table.header == ("température", "durée")
