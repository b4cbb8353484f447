"""The bulk of a large numeric text table, read in one compiled pass over its bytes.

:func:`~gmm_explorer.io.text_points.load_text_points` sniffs a file's layout and
classifies its columns on the first lines, as always, and then asks :func:`read_columns`
for the chosen columns of every row. This reads them straight from the bytes (numba),
15-35× faster than splitting decoded lines with the csv module (benchmarks/bench_loaders.py).
It gives exactly the numbers the line-by-line path gives, or declines (returns None) and
lets that path read the file and report what is wrong, with its line and column:

* It declines any file holding a quote character, and any line whose field count
  differs from the layout's, or that starts with a byte that is not ASCII, or holding a
  control character other than tab, LF and CR.
* A cell is stripped of spaces and tabs. Empty cells and ``NA``, ``N/A``, ``NaN``,
  ``null`` and ``None`` (any case) are missing (NaN). A number is
  ``[+-]digits[.digits][(e|E)[+-]digits]`` with at least one digit; anything else
  (text, ``inf``, a non-ASCII byte) declines.
* A number is converted to the double ``float()`` gives, the correctly rounded one:
  with a mantissa below 2⁵³ and a decimal exponent within ±22 by one exact
  multiplication or division (Clinger's fast path); otherwise by the Eisel–Lemire
  algorithm (a 128-bit product with a table of powers of five, as in the fast_float
  library; for more than 19 significant digits, the truncated mantissa and the next one
  up must round alike). The few numbers neither settles (exponents beyond the table,
  products too close to call) are handed back and converted by ``float()`` itself.

The bytes are cut into chunks at line breaks and the chunks read in parallel; rows are
put back in file order, so the result does not depend on the thread count. Line numbers
count LF, CRLF and a lone CR, as :func:`~gmm_explorer.io.text_table.split_lines` does.
Files smaller than :data:`MIN_BYTES` are left to the line-by-line path.
"""

from __future__ import annotations

import itertools
import math
import os

import numpy as np

__all__ = ["MIN_BYTES", "read_columns"]

#: Files at least this large are read by the compiled pass (smaller ones are fast enough
#: line by line, and need no compiled code).
MIN_BYTES = 256 * 1024
#: Whether a first large file may wait for the pass to compile (a few seconds, once: numba
#: caches it on disk). The window turns this off and compiles the pass on its kernel
#: thread instead (:func:`warm_up`); until then its files are read line by line.
COMPILE_ON_DEMAND = True
_warm = False

# The same switch as the EM kernels; numba itself is imported when the pass first runs.
from gmm_explorer.engine import work_split  # noqa: E402
from gmm_explorer.engine.lazy_jit import HAVE_NUMBA, njit  # noqa: E402

#: Status codes of the pass.
_OK, _DECLINE = 0, 1
_POW10 = np.array([10.0 ** k for k in range(23)])
#: Bytes per chunk of the parallel pass (the chunks are cut at line breaks).
CHUNK_BYTES = 1 << 20
#: Numbers per chunk that may be handed back to ``float()``; more declines.
_SLOW_PER_CHUNK = 64
_SMALLEST_POWER, _LARGEST_POWER = -342, 308


def _powers_of_five() -> tuple[np.ndarray, np.ndarray]:
    """5^q for q in [-342, 308] as 128-bit mantissas (high and low words), truncated for
    q >= 0 and rounded up for q < 0: the Eisel–Lemire table, computed exactly."""
    high, low = [], []
    for q in range(_SMALLEST_POWER, _LARGEST_POWER + 1):
        if q < 0:
            p5 = 5 ** -q
            z = p5.bit_length() if p5 & (p5 - 1) else p5.bit_length() - 1
            c = (2 ** (z + 127) if q >= -27 else 2 ** (2 * z + 128)) // p5 + 1
            c >>= max(0, c.bit_length() - 128)  # halve (rounding down) into 128 bits
        else:
            c = 5 ** q
            # Doubled up to, or halved (rounding down) into, exactly 128 bits.
            c = c << (128 - c.bit_length()) if c.bit_length() < 128 else c >> (c.bit_length() - 128)
        high.append(c >> 64)
        low.append(c & ((1 << 64) - 1))
    return np.array(high, dtype=np.uint64), np.array(low, dtype=np.uint64)


_FIVE_HIGH, _FIVE_LOW = _powers_of_five()


def usable() -> bool:
    """Whether :func:`read_columns` may run now without compiling on this thread."""
    return HAVE_NUMBA and (_warm or COMPILE_ON_DEMAND)


def warm_up() -> None:
    """Compile the pass (or load it from numba's cache), for a thread of its own."""
    global _warm
    if HAVE_NUMBA:
        read_columns(b"x,y\n1.5,2\n3e400,4\n", 1, 2, ",", (0, 1))
        _warm = True


def read_columns(data: bytes, body_start: int, n_fields: int, delimiter: str | None,
                 needed: tuple[int, ...], *, unquoted: bool = False,
                 ) -> tuple[dict[int, np.ndarray], np.ndarray] | None:
    """The ``needed`` columns of every data row, or None to let the line-by-line path
    read the file.

    Parameters
    ----------
    data : bytes
        The file (a UTF-8 byte-order mark is skipped; trailing DOS end-of-file marks are
        ignored). UTF-16 files are declined.
    body_start : int
        0-based index of the first line after the header (the layout's ``body_start``).
    n_fields : int
        Fields in every row.
    delimiter : str or None
        ``","``, ``";"``, ``"\\t"``, or None for runs of spaces and tabs.
    needed : tuple of int
        Column indices to read.
    unquoted : bool
        The caller has checked that ``data`` holds no quote character.

    Returns
    -------
    (columns, line_numbers) or None
        ``columns[j]`` is a float64 array, NaN where a cell is missing;
        ``line_numbers`` the 1-based line of each row (int32; files of 4 GiB or
        more, which could hold more lines, are declined).
    """
    if not needed or (not unquoted and b'"' in data):
        return None
    if len(data) >= ARROW_MIN_BYTES and delimiter is not None:
        found = _arrow_columns(data, body_start, n_fields, delimiter, needed)
        if found is not None:
            return found
    if not HAVE_NUMBA:
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or len(data) >= 1 << 32:
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    end = len(data)
    while end > start and data[end - 1] == 0x1A:
        end -= 1
    buffer = np.frombuffer(data, dtype=np.uint8)[start:end]
    # The chunks start at the first line after the header: every line in them is a row,
    # a blank line or a comment.
    body = min(_body_offset(data, start, body_start), end - start)
    bounds = _chunk_bounds(data, start + body, end) + body
    delim = -1 if delimiter is None else ord(delimiter)
    want = np.full(n_fields, -1, dtype=np.int64)
    for slot, j in enumerate(needed):
        want[j] = slot
    found = _scan(buffer, bounds, body_start, n_fields, delim, want, len(needed), _POW10,
                  _FIVE_HIGH, _FIVE_LOW, _SLOW_PER_CHUNK, b"\r" in data)
    status, values, lines, slow = found
    if status != _OK:
        return None
    for k in range(slow.shape[0]):  # numbers the compiled conversion leaves: float() itself
        row, slot, lo, hi = slow[k]
        values[slot, row] = float(data[start + lo:start + hi])
        if not np.isfinite(values[slot, row]):
            return None  # such as 1e400: the line-by-line path names the cell as written
    columns = {j: values[slot] for slot, j in enumerate(needed)}
    return columns, lines


#: Files at least this large go to pyarrow's CSV reader when it is installed (the
#: ``[formats]`` extra): it reads the bulk 2-4x faster than the compiled pass, and its
#: numbers are correctly rounded too (fast_float). Smaller files are not worth importing it.
ARROW_MIN_BYTES = 8 << 20
#: Cells that mean "missing", in every mix of cases, as pyarrow matches them exactly.
_NULLS = sorted({"".join(letters) for token in ("na", "n/a", "nan", "null", "none")
                 for letters in itertools.product(*((ch.lower(), ch.upper()) for ch in token))}
                | {""})


def _arrow_columns(data: bytes, body_start: int, n_fields: int, delimiter: str,
                   needed: tuple[int, ...]):
    """The needed columns read by pyarrow (None when it is not installed, or the body
    holds a comment line or anything pyarrow refuses or reads as infinite: the compiled
    pass then decides). Line numbers are worked out only if a message needs one."""
    try:
        import pyarrow as pa
        import pyarrow.csv as csv
    except ImportError:
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    body = start + _body_offset(data, start, body_start)
    if data.find(b"#", body) >= 0:
        return None  # comment lines: pyarrow would read them as rows
    names = [f"c{j}" for j in range(n_fields)]
    try:
        table = csv.read_csv(
            pa.BufferReader(pa.py_buffer(data).slice(body)),
            read_options=csv.ReadOptions(column_names=names),
            parse_options=csv.ParseOptions(delimiter=delimiter, quote_char=False),
            convert_options=csv.ConvertOptions(
                include_columns=[names[j] for j in needed],
                column_types={names[j]: pa.float64() for j in needed}, null_values=_NULLS,
                strings_can_be_null=False))
    except (pa.ArrowException, ValueError, OSError):
        return None
    columns = {}
    for j in needed:
        values = table.column(names[j]).to_numpy()  # nulls become NaN
        if np.isinf(values).any():
            return None  # the line-by-line path names the cell as it is written
        columns[j] = np.ascontiguousarray(values, dtype=np.float64)
    return columns, _LazyLines(data, body_start, len(columns[needed[0]]))


def _body_offset(data: bytes, start: int, line: int) -> int:
    """Where 0-based line ``line`` of data[start:] starts (LF, CRLF or CR breaks)."""
    at = start
    for _ in range(line):
        lf, cr = data.find(b"\n", at), data.find(b"\r", at)
        found = [k for k in (lf, cr) if k >= 0]
        if not found:
            return len(data) - start
        k = min(found)
        at = k + (2 if data[k] == 0x0D and data[k + 1:k + 2] == b"\n" else 1)
    return at - start


class _LazyLines:
    """Each row's line number, worked out on first use (only a message needs one)."""

    def __init__(self, data: bytes, body_start: int, n_rows: int) -> None:
        self._data = data
        self._body_start = body_start
        self._n = n_rows
        self._lines: list[int] | None = None

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, row):
        if self._lines is None:
            # The data rows are the non-blank lines from the body on (pyarrow was given
            # no file with comment lines), counted as the line-by-line path counts them.
            from gmm_explorer.io.text_table import content_lines, decode_text, split_lines

            lines = split_lines(decode_text(self._data, "")[0])
            self._lines = [k + 1 for k in content_lines(lines, self._body_start)]
        return self._lines[row]


def _chunk_bounds(data: bytes, start: int, end: int) -> np.ndarray:
    """Offsets (from ``start``) cutting ``data[start:end]`` into chunks of about
    :data:`CHUNK_BYTES`, each cut just after a line break (a CRLF is never split)."""
    cuts = [0]
    nominal = start + CHUNK_BYTES
    while nominal < end:
        window = 1 << 16  # look for the next line break near the nominal cut first
        while True:
            stop = min(end, nominal + window)
            found = [k for k in (data.find(b"\n", nominal, stop),
                                 data.find(b"\r", nominal, stop)) if k >= 0]
            if found or stop == end:
                break
            window *= 4
        if not found:
            break
        k = min(found)
        k += 2 if data[k] == 0x0D and k + 1 < end and data[k + 1] == 0x0A else 1
        if k >= end:
            break
        cuts.append(k - start)
        nominal = k + CHUNK_BYTES
    cuts.append(end - start)
    return np.array(cuts, dtype=np.int64)




if HAVE_NUMBA:
    from gmm_explorer.engine._kernels import _fetch_add  # counter[0] += 1, atomically

    _U32 = np.uint64(0xFFFFFFFF)
    _TOP = np.uint64(1) << np.uint64(63)
    _ALL = np.uint64(0xFFFFFFFFFFFFFFFF)

    @njit(cache=True, nogil=True, inline="always")
    def _is_space(c):  # pragma: no cover - compiled
        return c == 32 or c == 9

    @njit(cache=True, nogil=True, inline="always")
    def _is_pad(c, delim):  # pragma: no cover - compiled
        """Space around a cell's value (a tab only when it does not delimit)."""
        return c == 32 or (c == 9 and delim != 9)

    @njit(cache=True, nogil=True)
    def _lower(c):  # pragma: no cover - compiled
        return c + 32 if 65 <= c <= 90 else c

    @njit(cache=True, nogil=True)
    def _missing(buf, lo, hi):  # pragma: no cover - compiled
        """NA, N/A, NaN, null, None (any case) between lo and hi."""
        n = hi - lo
        if n == 2:
            return _lower(buf[lo]) == 110 and _lower(buf[lo + 1]) == 97
        if n == 3:
            a, b, c = _lower(buf[lo]), _lower(buf[lo + 1]), _lower(buf[lo + 2])
            if a != 110:
                return False
            return (b == 47 and c == 97) or (b == 97 and c == 110)  # n/a, nan
        if n == 4:
            a, b, c, d = (_lower(buf[lo]), _lower(buf[lo + 1]), _lower(buf[lo + 2]),
                          _lower(buf[lo + 3]))
            if a == 110 and b == 117 and c == 108 and d == 108:  # null
                return True
            return a == 110 and b == 111 and c == 110 and d == 101  # none
        return False

    @njit(cache=True, nogil=True)
    def _mul128(a, b):  # pragma: no cover - compiled
        """The full product of two uint64 as (high, low) words."""
        a_lo, a_hi = a & _U32, a >> np.uint64(32)
        b_lo, b_hi = b & _U32, b >> np.uint64(32)
        p0, p1 = a_lo * b_lo, a_lo * b_hi
        p2, p3 = a_hi * b_lo, a_hi * b_hi
        mid = (p0 >> np.uint64(32)) + (p1 & _U32) + (p2 & _U32)
        low = (p0 & _U32) | (mid << np.uint64(32))
        high = p3 + (p1 >> np.uint64(32)) + (p2 >> np.uint64(32)) + (mid >> np.uint64(32))
        return high, low

    @njit(cache=True, nogil=True)
    def _eisel_lemire(w, q, five_high, five_low):  # pragma: no cover - compiled
        """The double nearest w * 10^q (w > 0, no more than 19 digits), as (ok, value);
        ok False where this cannot decide (out of the table, or the 128-bit product too
        close to call)."""
        if q < -342:
            return True, 0.0  # below 2^64 * 10^-343: under half the least subnormal
        if q > 308:
            return False, 0.0  # infinite: float() and the line-by-line path report it
        lz = 0
        while (w & _TOP) == np.uint64(0):
            w = w << np.uint64(1)
            lz += 1
        index = q + 342
        high, low = _mul128(w, five_high[index])
        mask = _ALL >> np.uint64(55)  # 52 explicit bits + 3
        if (high & mask) == mask:
            second_high, _ = _mul128(w, five_low[index])
            low = low + second_high
            if second_high > low:
                high = high + np.uint64(1)
        if low == _ALL and (q < -27 or q > 55):
            return False, 0.0
        upper = int(high >> np.uint64(63))
        mantissa = high >> np.uint64(upper + 9)
        power2 = ((q * (152170 + 65536)) >> 16) + 63 + upper - lz + 1023
        if power2 <= 0:  # a subnormal (ties cannot occur this far from 10^0)
            if -power2 + 1 >= 64:
                return True, 0.0
            mantissa = mantissa >> np.uint64(-power2 + 1)
            mantissa = mantissa + (mantissa & np.uint64(1))
            mantissa = mantissa >> np.uint64(1)
            return True, math.ldexp(float(mantissa), -1074)
        if (low <= np.uint64(1) and -4 <= q <= 23
                and (mantissa & np.uint64(3)) == np.uint64(1)
                and (mantissa << np.uint64(upper + 9)) == high):
            mantissa = mantissa & ~np.uint64(1)  # exactly halfway: round to even
        mantissa = mantissa + (mantissa & np.uint64(1))
        mantissa = mantissa >> np.uint64(1)
        if mantissa >= (np.uint64(2) << np.uint64(52)):
            mantissa = np.uint64(1) << np.uint64(52)
            power2 += 1
        if power2 >= 0x7FF:
            return False, 0.0  # infinite, as above
        return True, math.ldexp(float(mantissa), power2 - 1075)

    @njit(cache=True, nogil=True, inline="always")
    def _run(buf, i, hi, mantissa):  # pragma: no cover - compiled
        """Digits from i on, appended to the mantissa (wrapping past 19 digits)."""
        while i < hi:
            d = buf[i] - 48
            if d < 0 or d > 9:
                break
            mantissa = mantissa * np.uint64(10) + np.uint64(d)
            i += 1
        return i, mantissa

    @njit(cache=True, nogil=True)
    def _digits(buf, i, hi, mantissa, significant, exponent, fraction):  # pragma: no cover
        """Read digits from i: the first 19 significant ones into the mantissa, the rest
        counted (in the integer part) or dropped (in the fraction)."""
        n = 0
        while i < hi:
            d = buf[i] - 48
            if d < 0 or d > 9:
                break
            if significant > 0 or d != 0:
                if significant < 19:
                    mantissa = mantissa * np.uint64(10) + np.uint64(d)
                    if fraction:
                        exponent -= 1
                elif not fraction:
                    exponent += 1
                significant += 1
            elif fraction:
                exponent -= 1
            n += 1
            i += 1
        return i, n, mantissa, significant, exponent

    @njit(cache=True, nogil=True, inline="always")
    def _number(buf, lo, hi, pow10, five_high, five_low):  # pragma: no cover - compiled
        """(status, value, end) for the number starting at ``lo``: status 0 converted,
        1 a number for float(), 2 none there; ``end`` is where the number stops."""
        i = lo
        negative = False
        if i < hi and (buf[i] == 43 or buf[i] == 45):
            negative = buf[i] == 45
            i += 1
        # The common case first: at most 19 digits in all, read without bookkeeping.
        start = i
        i, mantissa = _run(buf, i, hi, np.uint64(0))
        int_digits = i - start
        frac_digits = 0
        if i < hi and buf[i] == 46:
            start = i + 1
            i, mantissa = _run(buf, start, hi, mantissa)
            frac_digits = i - start
        digits = int_digits + frac_digits
        exponent = -frac_digits
        significant = digits  # an upper bound: leading zeros count too
        if digits > 19:  # again, keeping the first 19 significant digits exactly
            i = lo + (1 if buf[lo] == 43 or buf[lo] == 45 else 0)
            i, n, mantissa, significant, exponent = _digits(buf, i, hi, np.uint64(0), 0, 0,
                                                            False)
            if i < hi and buf[i] == 46:
                i, n2, mantissa, significant, exponent = _digits(
                    buf, i + 1, hi, mantissa, significant, exponent, True)
        if digits == 0:
            return 2, 0.0, i
        if i < hi and (buf[i] == 101 or buf[i] == 69):
            i += 1
            sign = 1
            if i < hi and (buf[i] == 43 or buf[i] == 45):
                sign = -1 if buf[i] == 45 else 1
                i += 1
            if i >= hi or not (48 <= buf[i] <= 57):
                return 2, 0.0, i
            e = 0
            while i < hi and 48 <= buf[i] <= 57:
                if e < 100000:
                    e = e * 10 + (buf[i] - 48)
                i += 1
            exponent += sign * e
        if mantissa == np.uint64(0):
            return 0, -0.0 if negative else 0.0, i
        if mantissa <= np.uint64(9007199254740992) and -22 <= exponent <= 22:
            value = float(mantissa)  # exact; one correctly rounded operation follows
            value = value * pow10[exponent] if exponent >= 0 else value / pow10[-exponent]
            return 0, -value if negative else value, i
        ok, value = _eisel_lemire(mantissa, exponent, five_high, five_low)
        if ok and significant > 19:
            # The mantissa was cut to 19 digits: the true value lies below the next one up.
            ok_up, value_up = _eisel_lemire(mantissa + np.uint64(1), exponent, five_high,
                                            five_low)
            ok = ok_up and value_up == value
        if not ok:
            return 1, 0.0, i
        return 0, -value if negative else value, i

    @njit(cache=True, nogil=True)
    def _line_breaks(buf, lo, hi, has_cr):  # pragma: no cover - compiled
        """Line breaks in buf[lo:hi] (a CRLF counts once)."""
        count = 0
        for k in range(lo, hi):
            count += buf[k] == 10
        if has_cr:
            for k in range(lo, hi):
                if buf[k] == 13 and not (k + 1 < hi and buf[k + 1] == 10):
                    count += 1
        return count

    @njit(cache=True, nogil=True)
    def _scan_chunk(buf, lo_byte, hi_byte, first_line, body_start, n_fields, delim, want,
                    values, lines, row0, slow, pow10, five_high,
                    five_low):  # pragma: no cover - compiled
        """Read the rows of buf[lo_byte:hi_byte] (whole lines; the first is line
        ``first_line``) into values[:, row0:] and lines[row0:]; slow numbers into
        ``slow``. Returns (status, rows, slow numbers)."""
        n_rows = 0
        n_slow = 0
        line = first_line
        pos = lo_byte
        while pos < hi_byte:
            # Skip the line's leading space; a blank or comment line is no row.
            first = pos
            while first < hi_byte and (_is_space(buf[first]) or buf[first] == 11
                                       or buf[first] == 12):
                first += 1
            c = buf[first] if first < hi_byte else 10
            if line < body_start or c == 35 or c == 10 or c == 13:
                k = first
                while k < hi_byte and buf[k] != 10 and buf[k] != 13:
                    k += 1
            else:
                if c >= 128:
                    return _DECLINE, 0, 0
                row = row0 + n_rows
                field = 0
                i = pos if delim >= 0 else first
                while True:  # one field per turn, starting at i
                    if field >= n_fields:
                        return _DECLINE, 0, 0
                    slot = want[field]
                    j = i
                    done = False
                    if slot >= 0:
                        v_lo = i
                        while v_lo < hi_byte and _is_pad(buf[v_lo], delim):
                            v_lo += 1
                        status, value, end = _number(buf, v_lo, hi_byte, pow10, five_high,
                                                     five_low)
                        j = end
                        if delim >= 0:  # spaces, then the delimiter or the line's end
                            while j < hi_byte and _is_pad(buf[j], delim):
                                j += 1
                        c = buf[j] if j < hi_byte else 10
                        if status != 2 and (c == delim or c == 10 or c == 13 or (
                                delim < 0 and _is_space(c))):
                            if status == 1:
                                if n_slow == slow.shape[0]:
                                    return _DECLINE, 0, 0
                                slow[n_slow, 0] = row
                                slow[n_slow, 1] = slot
                                slow[n_slow, 2] = v_lo
                                slow[n_slow, 3] = end
                                n_slow += 1
                                value = np.nan
                            values[slot, row] = value
                            done = True
                        else:
                            j = i
                    if not done:  # to the field's end: a missing value, or not read
                        while j < hi_byte:
                            c = buf[j]
                            if c == 10 or c == 13 or c == delim or (delim < 0
                                                                    and _is_space(c)):
                                break
                            if (c < 32 and c != 9) or c == 127:
                                return _DECLINE, 0, 0
                            j += 1
                        if slot >= 0:
                            v_lo = i
                            while v_lo < j and _is_pad(buf[v_lo], delim):
                                v_lo += 1
                            v_hi = j
                            while v_hi > v_lo and _is_pad(buf[v_hi - 1], delim):
                                v_hi -= 1
                            if v_lo < v_hi and not _missing(buf, v_lo, v_hi):
                                return _DECLINE, 0, 0
                            values[slot, row] = np.nan
                    field += 1
                    c = buf[j] if j < hi_byte else 10
                    if delim >= 0:
                        if c != delim:
                            break
                        i = j + 1
                    else:
                        while j < hi_byte and _is_space(buf[j]):
                            j += 1
                        c = buf[j] if j < hi_byte else 10
                        if c == 10 or c == 13:
                            break
                        i = j
                if field != n_fields:
                    return _DECLINE, 0, 0
                lines[row] = line + 1
                n_rows += 1
                k = j
            # k is at the line break (or the end): step over it.
            if k < hi_byte:
                k += 2 if buf[k] == 13 and k + 1 < hi_byte and buf[k + 1] == 10 else 1
            line += 1
            pos = k
        return _OK, n_rows, n_slow

    # The threads of a read (engine/work_split.run_shared) each run a worker that takes
    # chunks from a shared atomic counter, as the EM pass does: a thread the OS holds
    # back delays only the chunk it is in. Each chunk writes its own slots, so the result
    # does not depend on which thread read which chunk.
    @njit(cache=True, nogil=True)
    def _breaks_worker(buf, bounds, has_cr, counter, breaks):  # pragma: no cover
        n_chunks = bounds.shape[0] - 1
        while True:
            c = _fetch_add(counter, 1)
            if c >= n_chunks:
                return
            breaks[c] = _line_breaks(buf, bounds[c], bounds[c + 1], has_cr)

    @njit(cache=True, nogil=True)
    def _layout(buf, breaks, body_start):  # pragma: no cover - compiled
        """Each chunk's first line number and first row slot (at most one row a line)."""
        n_chunks = breaks.shape[0]
        first_line = np.zeros(n_chunks, dtype=np.int64)
        row0 = np.zeros(n_chunks + 1, dtype=np.int64)
        n = buf.shape[0]
        ends_open = n > 0 and buf[n - 1] != 10 and buf[n - 1] != 13
        first_line[0] = body_start
        for c in range(n_chunks):
            if c > 0:
                first_line[c] = first_line[c - 1] + breaks[c - 1]
            # At most one row per line: a chunk but the last ends with a line break.
            row0[c + 1] = row0[c] + breaks[c] + (1 if c == n_chunks - 1 and ends_open else 0)
        return first_line, row0

    @njit(cache=True, nogil=True)
    def _scan_worker(buf, bounds, first_line, body_start, n_fields, delim, want, values,
                     lines, row0, slow, pow10, five_high, five_low, counter, status, rows,
                     n_slow):  # pragma: no cover - compiled
        n_chunks = bounds.shape[0] - 1
        while True:
            c = _fetch_add(counter, 1)
            if c >= n_chunks:
                return
            status[c], rows[c], n_slow[c] = _scan_chunk(
                buf, bounds[c], bounds[c + 1], first_line[c], body_start, n_fields, delim,
                want, values, lines, row0[c], slow[c], pow10, five_high, five_low)

    @njit(cache=True, nogil=True)
    def _gather(values, lines, row0, slow, status, rows, n_slow,
                n_want):  # pragma: no cover - compiled
        """The chunks' rows back to back in file order, and their slow numbers."""
        n_chunks = rows.shape[0]
        if status.max() != _OK:
            return (_DECLINE, values[:, :0], lines[:0],
                    np.empty((0, 4), dtype=np.int64))
        out_slow = np.empty((n_slow.sum(), 4), dtype=np.int64)
        total = rows.sum()
        if total == row0[n_chunks]:  # every line a row: the rows are in place already
            s_at = 0
            for c in range(n_chunks):
                for k in range(n_slow[c]):
                    out_slow[s_at] = slow[c, k]
                    s_at += 1
            return _OK, values, lines, out_slow
        # Blank lines, comments or a header: the chunks' rows, back to back in file order.
        out_values = np.empty((max(n_want, 1), total), dtype=np.float64)
        out_lines = np.empty(total, dtype=np.int32)
        at = 0
        s_at = 0
        for c in range(n_chunks):
            r = rows[c]
            out_values[:, at:at + r] = values[:, row0[c]:row0[c] + r]
            out_lines[at:at + r] = lines[row0[c]:row0[c] + r]
            for k in range(n_slow[c]):
                out_slow[s_at, 0] = slow[c, k, 0] - row0[c] + at
                out_slow[s_at, 1] = slow[c, k, 1]
                out_slow[s_at, 2] = slow[c, k, 2]
                out_slow[s_at, 3] = slow[c, k, 3]
                s_at += 1
            at += r
        return _OK, out_values, out_lines, out_slow

    def _scan(buf, bounds, body_start, n_fields, delim, want, n_want, pow10, five_high,
              five_low, slow_per_chunk, has_cr):
        """Count each chunk's lines, lay the rows out, read the chunks, gather: the two
        parallel phases on every thread (work_split), the rest on this one."""
        n_chunks = bounds.shape[0] - 1
        breaks = np.zeros(n_chunks, dtype=np.int64)
        counter = np.zeros(1, dtype=np.int64)
        work_split.run_shared(lambda: _breaks_worker(buf, bounds, has_cr, counter, breaks),
                              n_chunks, n_chunks, min_work=2)
        first_line, row0 = _layout(buf, breaks, body_start)
        values = np.empty((max(n_want, 1), row0[n_chunks]), dtype=np.float64)
        lines = np.empty(row0[n_chunks], dtype=np.int32)
        slow = np.empty((n_chunks, slow_per_chunk, 4), dtype=np.int64)
        status = np.zeros(n_chunks, dtype=np.int64)
        rows = np.zeros(n_chunks, dtype=np.int64)
        n_slow = np.zeros(n_chunks, dtype=np.int64)
        counter[0] = 0
        work_split.run_shared(
            lambda: _scan_worker(buf, bounds, first_line, body_start, n_fields, delim, want,
                                 values, lines, row0, slow, pow10, five_high, five_low,
                                 counter, status, rows, n_slow),
            n_chunks, n_chunks, min_work=2)
        return _gather(values, lines, row0, slow, status, rows, n_slow, n_want)
