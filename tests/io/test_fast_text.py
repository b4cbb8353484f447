"""The compiled bulk reader of large text tables (io/fast_text.py) gives exactly what the
line-by-line path gives: the same bits, notes and row numbers, and for anything it does
not read itself, the same error (it declines and the line-by-line path reports)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gmm_explorer.errors import InputError
from gmm_explorer.io import fast_text
from gmm_explorer.io.loaders import load_points
from tests.malformed_corpus import MALFORMED, MALFORMED_WEIGHTS, VALID_ODD, write_case

@pytest.fixture(autouse=True, params=["compiled", "pyarrow"])
def route(request, monkeypatch):
    """Every test runs twice: through the compiled pass, and through pyarrow's reader
    (the [formats] extra), which large files take when it is installed. As on the
    command line, the pass may compile when first needed (a window turns this off and
    compiles it on its kernel thread)."""
    monkeypatch.setattr(fast_text, "COMPILE_ON_DEMAND", True)
    monkeypatch.setattr(fast_text, "ARROW_MIN_BYTES",
                        0 if request.param == "pyarrow" else 1 << 62)
    return request.param


TEXT_VALID = [c for c in VALID_ODD if c.filename.endswith((".csv", ".tsv", ".txt", ".dat"))]
TEXT_BAD = [c for c in MALFORMED if c.filename.endswith((".csv", ".tsv", ".txt", ".dat"))]


def both(path, monkeypatch, **kwargs):
    """load_points through the compiled reader and line by line: (data or error) each."""
    out = []
    for size in (0, 1 << 62):
        monkeypatch.setattr(fast_text, "MIN_BYTES", size)
        try:
            out.append(load_points(path, **kwargs))
        except InputError as exc:
            out.append(exc)
    return out


def assert_same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, InputError):
        assert str(a) == str(b) and a.line == b.line
        return
    assert a.points.tobytes() == b.points.tobytes()
    assert (a.column_names, a.notes, a.n_dropped) == (b.column_names, b.notes, b.n_dropped)
    if a.weights is not None:
        assert a.weights.tobytes() == b.weights.tobytes()


@pytest.mark.parametrize("case", TEXT_VALID + TEXT_BAD + MALFORMED_WEIGHTS,
                         ids=lambda c: c.filename)
def test_every_corpus_file_reads_the_same(tmp_path, monkeypatch, case):
    path = write_case(tmp_path, case)
    assert_same(*both(path, monkeypatch, columns=case.columns,
                      weights=getattr(case, "weights", None)))


def test_pyarrow_reads_plain_files_and_leaves_the_rest():
    body = "".join(f"{i / 3!r},{i}e-2,{-i}\n" for i in range(1, 3000))
    plain = ("a,b,w\n" + body + "\n\n" + "5,6,-1\n").encode()
    found = fast_text._arrow_columns(plain, 1, 3, ",", (0, 2))
    assert found is not None
    columns, lines = found
    want = [float(r.split(",")[0]) for r in body.splitlines()] + [5.0]
    assert columns[0].tobytes() == np.array(want).tobytes()
    assert lines[len(want) - 1] == 3003  # after two blank lines, worked out when asked
    assert fast_text._arrow_columns(b"a,b\n1,2\n# note\n3,4\n", 1, 2, ",", (0, 1)) is None
    assert fast_text._arrow_columns(b"a,b\n1,2\n3,inf\n", 1, 2, ",", (0, 1)) is None
    assert fast_text._arrow_columns(b"a,b\n1,2\n3,x\n", 1, 2, ",", (0, 1)) is None


def test_a_large_file_is_read_by_the_compiled_pass_bit_for_bit(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(size=20_000) * 10.0 ** rng.integers(-30, 30, size=20_000)
    y = rng.normal(size=20_000)
    forms = [lambda v: repr(float(v)), lambda v: f"{v:.6f}", lambda v: f"{v:.17g}", lambda v: f"{v:.3E}",
             lambda v: f"{v:+.0f}", lambda v: f"{v:.25f}"]
    rows = ["# a comment", "rownames,x,y,note"]
    for i, (a, b) in enumerate(zip(x, y)):
        cells = [str(i + 1), forms[i % 6](a), forms[(i // 6) % 6](b), "ok"]
        if i % 997 == 0:
            cells[2] = ["NA", "", " nan ", "None", "n/A", "NULL"][i % 6]
        rows.append(",".join(cells))
        if i % 1999 == 0:
            rows.append("   # between rows")
    path = tmp_path / "big.csv"
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode())
    assert path.stat().st_size > fast_text.MIN_BYTES
    calls = []
    real = fast_text.read_columns
    monkeypatch.setattr(fast_text, "read_columns",
                        lambda *a, **k: calls.append(r := real(*a, **k)) or r)
    fast, slow = both(path, monkeypatch)
    assert calls and calls[0] is not None  # the compiled pass read it
    assert_same(fast, slow)
    assert fast.n_dropped == 21 and fast.points.shape == (19_979, 2)


@pytest.mark.parametrize("cell,line", [("abc", 7), ("inf", 7), ("1e400", 7), ('"5"', None),
                                       ("1.5.2", 7), ("١", 7), ("1,5", 7)])
def test_what_it_declines_gets_the_line_by_line_answer(tmp_path, monkeypatch, cell, line):
    rows = ["x,y"] + [f"{i}.5,{i}" for i in range(1, 20_000)]
    rows[6] = f"{cell},6"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fast, slow = both(path, monkeypatch)
    assert_same(fast, slow)
    if isinstance(fast, InputError):
        assert fast.line == line


_CELL = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:.9g}"),
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(str),
    st.integers(-10**22, 10**22).map(str),
    st.sampled_from(["", " ", "NA", "nan", "None", "1.", ".5", "+.5", "-0", "0e0",
                     "1e-400", "9007199254740993", "123456789012345678901234567890",
                     "4.9406564584124654e-324", " 7 ", "1e+22", "1e23", "8e-23"]))


@settings(max_examples=60, deadline=None)
@given(cells=st.lists(st.tuples(_CELL, _CELL), min_size=1, max_size=40),
       delimiter=st.sampled_from([",", ";", "\t", " "]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_numbers_read_the_same(tmp_path_factory, cells, delimiter, newline):
    if delimiter == " ":
        cells = [(a.strip() or "NA", b.strip() or "NA") for a, b in cells]
    text = newline.join(["a" + delimiter + "b"] + [delimiter.join(c) for c in cells])
    path = tmp_path_factory.mktemp("cells") / "cells.csv"
    path.write_text(text + newline, encoding="utf-8")
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert_same(*both(path, monkeypatch))
    # Every one of these cells is a number or missing: the compiled pass reads them all.
    assert fast_text.read_columns(path.read_bytes(), 1, 2, delimiter if delimiter != " "
                                  else None, (0, 1)) is not None


@pytest.mark.parametrize("cell", ["NA", "na", "N/A", "n/a", "NaN", " nan ", "null", "NULL",
                                  "None", "none", "", "   "])
def test_missing_tokens_are_read_not_declined(cell):
    found = fast_text.read_columns(f"a,b\n{cell},1\n2,3\n".encode(), 1, 2, ",", (0, 1))
    assert found is not None
    columns, lines = found
    assert np.isnan(columns[0][0]) and columns[0][1] == 2.0 and list(lines) == [2, 3]


@pytest.mark.parametrize("text", [b"a,b\n1,2\n3,\"4\"\n", b"a,b\n1,2\n3,inf\n",
                                  b"a,b\n1,2\n3,x\n", b"a,b\n1,2\n3,4,5\n", b"a,b\n1,2\n3\n",
                                  b"a,b\n1,2\n\xc3\xa93,4\n", b"a,b\n1,2\n3,4\x01\n",
                                  b"\xff\xfea\x00"])
def test_it_declines_what_the_line_by_line_path_must_judge(text):
    assert fast_text.read_columns(text, 1, 2, ",", (0, 1)) is None


def _tokens(n: int, seed: int) -> list[str]:
    """Numbers as files write them, and the hard cases of decimal-to-binary conversion."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=n) * 10.0 ** rng.integers(-330, 307, size=n)
    forms = ("{!r}", "{:.17g}", "{:.18e}", "{:.20e}", "{:.25g}", "{:.6f}", "{:.3e}", "{:.16e}")
    out = [forms[i % len(forms)].format(float(v)) for i, v in enumerate(values)]
    digits = rng.integers(0, 10, size=(n, 30))
    for i in range(0, n, 3):  # random digit strings of 1-30 digits and any exponent
        k = 1 + i % 30
        text = "".join(map(str, digits[i, :k])).lstrip("0") or "0"
        out[i] = f"{text[:1]}.{text[1:]}e{int(rng.integers(-345, 307))}" if len(text) > 1 \
            else f"{text}e{int(rng.integers(-345, 307))}"
    out += ["9007199254740993", "9007199254740995", "1.00000000000000011102230246251565404",
            "2.2250738585072011e-308", "2.2250738585072014e-308", "4.9e-324", "5e-324",
            "1.7976931348623157e308", "1.7976931348623158e308", "2.4703282292062328e-324",
            "2.4703282292062327e-324", "2.4703282292062327208828439643e-324", "0.1", "0.3", "1e23",
            "8.988465674311579e307", "123456789012345678901234567890e-40",
            "7.2057594037927933e16", "3.0517578125e-5", "0.000000000000000000000000001"]
    return out


@pytest.mark.parametrize("seed", [0, 1])
def test_every_number_is_the_double_float_gives(seed):
    tokens = _tokens(60_000, seed)
    shifted = tokens[1:] + tokens[:1]
    text = "a,b\n" + "".join(f"{t},{u}\n" for t, u in zip(tokens, shifted))
    found = fast_text.read_columns(text.encode(), 1, 2, ",", (0, 1))
    assert found is not None
    columns, lines = found
    assert columns[0].tobytes() == np.array([float(t) for t in tokens]).tobytes()
    assert columns[1].tobytes() == np.array([float(t) for t in shifted]).tobytes()
    assert list(lines[:3]) == [2, 3, 4]


@pytest.mark.parametrize("chunk", [37, 1000, 1 << 20])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_chunks_put_rows_and_lines_back_in_order(monkeypatch, chunk, newline):
    monkeypatch.setattr(fast_text, "CHUNK_BYTES", chunk)
    rows = ["# made by a script", "", "x;y;tag"]
    for i in range(3000):
        rows.append(f"{i / 7!r};{-i}e-3;t{i}" if i % 50 else "  # a note")
        if i % 333 == 0:
            rows.append("")
    text = newline.join(rows) + newline
    found = fast_text.read_columns(text.encode(), 3, 3, ";", (1, 0))
    assert found is not None
    columns, lines = found
    data = [(k + 1, r) for k, r in enumerate(rows) if k >= 3 and r.strip()
            and not r.strip().startswith("#")]
    assert list(lines) == [k for k, _ in data]
    assert columns[0].tobytes() == np.array([float(r.split(";")[0]) for _, r in data]).tobytes()
    assert columns[1].tobytes() == np.array([float(r.split(";")[1]) for _, r in data]).tobytes()


def test_a_window_reads_line_by_line_until_the_pass_is_compiled(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "".join(f"{i}.25,{-i}\n" for i in range(40_000)))
    monkeypatch.setattr(fast_text, "COMPILE_ON_DEMAND", False)
    monkeypatch.setattr(fast_text, "_warm", False)
    calls = []
    real = fast_text.read_columns
    monkeypatch.setattr(fast_text, "read_columns",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    before = load_points(path)
    assert not fast_text.usable() and calls == []
    fast_text.warm_up()  # what the window's kernel thread does
    assert fast_text.usable()
    after = load_points(path)
    assert len(calls) == 2  # warm_up's own call, then the file's
    assert after.points.tobytes() == before.points.tobytes()
