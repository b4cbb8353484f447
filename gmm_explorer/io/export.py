"""Exports for other tools: the parameters as CSV and ``.npz`` (written and read back), and
the EM history as CSV. The scikit-learn snippet is in :mod:`~gmm_explorer.io.sklearn_export`.

Every function returns the content of a file (``str`` for text, ``bytes`` for ``.npz``) and
writes nothing: the caller writes it with :func:`gmm_explorer.io.atomic.atomic_write`. The
readers validate everything and raise :class:`~gmm_explorer.errors.InputError` (or its
subclass :class:`~gmm_explorer.errors.ParameterError`) for malformed input, never another
exception.

Parameters CSV (one row per component; ``cov_xy`` is the off-diagonal entry)::

    # gmm-explorer parameters, covariance_type=full
    weight,mean_x,mean_y,cov_xx,cov_xy,cov_yy
    0.6,1.0,2.0,1.5,0.25,2.0
    0.4,-3.0,0.5,0.5,0.0,0.75

Parameters ``.npz``: float64 arrays ``weights`` (K,), ``means`` (K, 2) and
``covariances`` (K, 2, 2), and ``covariance_type``, a 0-d ``<U9`` string array, so the
archive loads with ``np.load(..., allow_pickle=False)``.

Floats are written with Python's shortest round-trip ``repr`` (stored as float64 in the
``.npz``), so the parameters read back bit-identical.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import numpy as np

from gmm_explorer.engine.mixture import Mixture
from gmm_explorer.engine.models import MODEL_TYPES, canonical
from gmm_explorer.engine.steps import StepResult
from gmm_explorer.errors import InputError, ParameterError
from gmm_explorer.io.arrays import (
    CORRUPT_BINARY,
    ZIP_MAGICS,
    UnsupportedNpyVersion,
    load_numpy,
    read_npy_header,
)
from gmm_explorer.io.csv_format import format_csv
from gmm_explorer.io.params import MAX_BYTES
from gmm_explorer.io.text_table import split_lines

__all__ = [
    "HISTORY_HEADER",
    "PARAMETERS_HEADER",
    "history_csv",
    "parameters_csv",
    "parameters_npz",
    "read_parameters_csv",
    "read_parameters_npz",
]

#: Header row of the parameters CSV.
PARAMETERS_HEADER = ("weight", "mean_x", "mean_y", "cov_xx", "cov_xy", "cov_yy")
#: Header row of the history CSV.
HISTORY_HEADER = ("iteration", "log_likelihood", "mean_log_likelihood", "change", "converged")

_TYPE_COMMENT = "# gmm-explorer parameters, covariance_type="
_TYPE_COMMENT_RE = re.compile(r"#\s*gmm-explorer parameters\s*,\s*covariance_type\s*=\s*(.*?)\s*")
#: The comment line of a mixture with a noise component: its weight and density.
_NOISE_COMMENT = "# noise: weight={!r}, density={!r}"
_NOISE_COMMENT_RE = re.compile(r"#\s*noise\s*:\s*weight\s*=\s*(\S+?)\s*,\s*"
                               r"density\s*=\s*(\S+?)\s*")
_INDEXED_FIELD = re.compile(r"(weights|means|covariances)\[(\d+)\]")
#: dtype of the ``covariance_type`` array: long enough for "spherical", never object.
_TYPE_DTYPE = "<U9"


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# --------------------------------------------------------------------------- parameters CSV


def parameters_csv(mixture: Mixture) -> str:
    """The parameters as CSV text, one row per component.

    Parameters
    ----------
    mixture : Mixture

    Returns
    -------
    str
        A comment line ``# gmm-explorer parameters, covariance_type=<type>`` (then, for a
        mixture with a noise component, ``# noise: weight=<w0>, density=<1/V>``), the header
        ``weight,mean_x,mean_y,cov_xx,cov_xy,cov_yy`` and K rows of ``repr`` floats, which
        :func:`read_parameters_csv` reads back bit-identical. ``cov_xy`` is the upper
        off-diagonal entry; a matrix that is symmetric only within the tolerance of
        :class:`Mixture` comes back exactly symmetric.
    """
    c = mixture.covariances
    body = format_csv(PARAMETERS_HEADER, [mixture.weights, mixture.means[:, 0],
                                          mixture.means[:, 1], c[:, 0, 0], c[:, 0, 1],
                                          c[:, 1, 1]])
    noise = ""
    if mixture.has_noise:
        noise = _NOISE_COMMENT.format(float(mixture.noise_weight),
                                      float(mixture.noise_density)) + "\n"
    return f"{_TYPE_COMMENT}{mixture.covariance_type}\n{noise}{body}"


def read_parameters_csv(text: str, path=None) -> Mixture:
    """Parse the parameters CSV written by :func:`parameters_csv`.

    Blank lines and ``#`` comment lines are skipped; the comment
    ``# gmm-explorer parameters, covariance_type=<type>`` before the header gives the
    covariance type (``full`` when there is none).

    Parameters
    ----------
    text : str
    path : str or os.PathLike, optional
        Named in error messages.

    Returns
    -------
    Mixture

    Raises
    ------
    InputError
        Naming the 1-based line (and column) for a wrong header, a wrong number of values,
        a value that is not a finite number, an unknown covariance type, a component whose
        parameters are invalid, or no component rows; naming the lines of the weights when
        they do not sum to 1.
    """
    path = None if path is None else str(path)
    text = text.removeprefix("\ufeff")
    lines = split_lines(text)
    covariance_type = "full"
    noise = (0.0, 0.0)
    header_line = None
    row_lines: list[int] = []
    rows: list[list[float]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            found = _NOISE_COMMENT_RE.fullmatch(line)
            if found and header_line is None:
                noise = (_csv_number(found.group(1), "noise weight", number, path),
                         _csv_number(found.group(2), "noise density", number, path))
                continue
            match = _TYPE_COMMENT_RE.fullmatch(line)
            if match and header_line is None:
                try:
                    covariance_type = canonical(match.group(1))
                except InputError:
                    raise InputError(f"unknown covariance type {_clip(match.group(1))!r}; "
                                     "expected one of " + ", ".join(MODEL_TYPES),
                                     path=path, line=number) from None
            continue
        cells = [cell.strip() for cell in line.split(",")]
        if header_line is None:
            if tuple(cell.strip('"') for cell in cells) != PARAMETERS_HEADER:
                raise InputError(f"expected the header {','.join(PARAMETERS_HEADER)}, got "
                                 f"{_clip(line)!r}", path=path, line=number)
            header_line = number
            continue
        if len(cells) != len(PARAMETERS_HEADER):
            raise InputError(f"expected {len(PARAMETERS_HEADER)} comma-separated values "
                             f"({','.join(PARAMETERS_HEADER)}), got {len(cells)}",
                             path=path, line=number)
        rows.append([_csv_number(cell, name, number, path)
                     for cell, name in zip(cells, PARAMETERS_HEADER, strict=True)])
        row_lines.append(number)
    if header_line is None:
        raise InputError("the file is empty; expected the header "
                         f"{','.join(PARAMETERS_HEADER)} and one row per component", path=path)
    if not rows:
        raise InputError("no components: the header is not followed by any rows", path=path,
                         line=header_line)
    table = np.array(rows, dtype=np.float64)
    cov = np.empty((table.shape[0], 2, 2))
    cov[:, 0, 0] = table[:, 3]
    cov[:, 0, 1] = cov[:, 1, 0] = table[:, 4]
    cov[:, 1, 1] = table[:, 5]
    try:
        return Mixture(table[:, 0], table[:, 1:3], cov, covariance_type,
                       noise_weight=noise[0], noise_density=noise[1])
    except ParameterError as exc:
        raise _located(exc, row_lines, path) from None


def _csv_number(cell: str, column: str, line: int, path) -> float:
    if not cell:
        raise InputError("empty value; expected a number", path=path, line=line, column=column)
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{_clip(cell)!r} is not a number", path=path, line=line,
                         column=column) from None
    if not np.isfinite(value):
        raise InputError(f"{cell!r} is not finite", path=path, line=line, column=column)
    return value


def _located(exc: ParameterError, row_lines: list[int], path) -> InputError:
    """Re-raise a :class:`Mixture` validation error at the CSV line it concerns."""
    reason = exc.reason.split(": ", 1)[-1] if exc.field else exc.reason
    match = _INDEXED_FIELD.fullmatch(exc.field or "")
    if match:
        j = int(match.group(2))
        return InputError(f"component {j + 1}: {reason}", path=path, line=row_lines[j])
    if exc.field == "weights":
        lines = (f"line {row_lines[0]}" if len(row_lines) == 1
                 else f"lines {row_lines[0]}-{row_lines[-1]}")
        return InputError(f"{reason} (the weights on {lines})", path=path, column="weight")
    return ParameterError(reason, field=exc.field, path=path)


# --------------------------------------------------------------------------- parameters NPZ


def parameters_npz(mixture: Mixture) -> bytes:
    """The parameters as an ``.npz`` archive.

    Parameters
    ----------
    mixture : Mixture

    Returns
    -------
    bytes
        An archive (``np.savez``, uncompressed) holding ``weights`` (K,), ``means`` (K, 2),
        ``covariances`` (K, 2, 2), all float64, and ``covariance_type``, a 0-d ``<U9``
        array; with a noise component, 0-d ``noise_weight`` and ``noise_density`` too. No
        array has dtype object, so it loads with ``allow_pickle=False``.
    """
    buf = io.BytesIO()
    noise = {}
    if mixture.has_noise:
        noise = {"noise_weight": np.array(mixture.noise_weight),
                 "noise_density": np.array(mixture.noise_density)}
    np.savez(buf, weights=np.asarray(mixture.weights), means=np.asarray(mixture.means),
             covariances=np.asarray(mixture.covariances),
             covariance_type=np.array(mixture.covariance_type, dtype=_TYPE_DTYPE), **noise)
    return buf.getvalue()


def read_parameters_npz(data: bytes, path=None) -> Mixture:
    """Read parameters from an ``.npz`` archive written by :func:`parameters_npz`.

    The archive is opened with ``allow_pickle=False``, and each array's header is checked
    (dtype, size) before its data is read. ``covariance_type`` may be absent (``full``);
    other arrays in the archive are ignored.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : str or os.PathLike, optional
        Named in error messages.

    Returns
    -------
    Mixture

    Raises
    ------
    InputError
        If the bytes are not an ``.npz`` archive or an array cannot be read; a
        :class:`ParameterError` naming the array when one is missing, has the wrong dtype
        or shape, or holds invalid parameters.
    """
    path = None if path is None else str(path)
    data = bytes(data)
    if not data.startswith(ZIP_MAGICS):
        what = "is empty" if not data else "is not an .npz archive (no zip signature)"
        raise InputError(f"{what}; expected the arrays weights, means and covariances",
                         path=path)
    try:
        with load_numpy(data) as archive:
            arrays = {name: _npz_array(archive, name, path)
                      for name in ("weights", "means", "covariances", "covariance_type",
                                   "noise_weight", "noise_density")}
    except InputError:
        raise
    except CORRUPT_BINARY as exc:
        raise InputError(f"is not a valid .npz archive: {exc}", path=path) from None
    covariance_type = arrays["covariance_type"]
    covariance_type = "full" if covariance_type is None else str(covariance_type[()])
    try:
        covariance_type = canonical(covariance_type)
    except InputError:
        raise ParameterError(f"unknown covariance type {_clip(covariance_type)!r}; expected "
                             "one of " + ", ".join(MODEL_TYPES), field="covariance_type",
                             path=path) from None
    for name in ("weights", "means", "covariances"):
        if arrays[name] is None:
            raise ParameterError("missing from the archive (it needs the arrays weights, means "
                                 "and covariances)", field=name, path=path)
    noise = []
    for name in ("noise_weight", "noise_density"):
        a = arrays[name]
        if a is not None and a.shape != ():
            raise ParameterError(f"expected a single number, got shape {a.shape}", field=name,
                                 path=path)
        noise.append(0.0 if a is None else float(a[()]))
    try:
        return Mixture(arrays["weights"], arrays["means"], arrays["covariances"],
                       covariance_type, noise_weight=noise[0], noise_density=noise[1])
    except ParameterError as exc:
        raise ParameterError(exc.reason.split(": ", 1)[-1], field=exc.field,
                             path=path) from None


def _npz_array(archive, name: str, path) -> np.ndarray | None:
    """One array of the archive, its header checked before numpy reads the data.

    Returns None when the archive has no array ``name``.
    """
    members = archive.zip.namelist()
    member = name + ".npy"
    if member not in members:
        if name in members:
            raise ParameterError("is not a .npy array inside the archive", field=name, path=path)
        return None
    size = archive.zip.getinfo(member).file_size
    if size > MAX_BYTES:
        raise ParameterError(f"is larger than {MAX_BYTES // 2**20} MiB; not mixture parameters",
                             field=name, path=path)
    try:
        with archive.zip.open(member) as fh:
            header = read_npy_header(fh, size)
    except UnsupportedNpyVersion as exc:
        raise ParameterError(f"{exc}; expected a plain array", field=name, path=path) from None
    except CORRUPT_BINARY as exc:
        raise ParameterError(f"is not a valid .npy array: {exc}", field=name,
                             path=path) from None
    shape, dtype = header.shape, header.dtype
    if name == "covariance_type":
        if dtype.kind != "U" or shape != ():
            raise ParameterError(f"expected a single string (0-d unicode array), got dtype "
                                 f"{dtype} and shape {shape}", field=name, path=path)
    elif dtype.names is not None or dtype.subdtype is not None or dtype.kind not in "fiu":
        what = "Python objects, which would need unpickling" if dtype.kind == "O" else (
            f"dtype {dtype}")
        raise ParameterError(f"holds {what}; expected real numbers", field=name, path=path)
    truncated = header.truncation()
    if truncated is not None:
        raise ParameterError(truncated, field=name, path=path)
    try:
        return archive[name]
    except CORRUPT_BINARY as exc:
        raise ParameterError(f"cannot be read: {exc}", field=name, path=path) from None


# --------------------------------------------------------------------------- history CSV


def history_csv(history: Sequence[StepResult]) -> str:
    """The log-likelihood trace of a run as CSV text.

    Parameters
    ----------
    history : sequence of StepResult
        In iteration order, e.g. :attr:`FitResult.history <gmm_explorer.engine.FitResult>`.

    Returns
    -------
    str
        Header ``iteration,log_likelihood,mean_log_likelihood,change,converged`` and one row
        per step; floats as ``repr``, ``change`` empty where there is none (iteration 0),
        ``converged`` as ``true``/``false``.
    """
    out = [",".join(HISTORY_HEADER)]
    for step in history:
        change = "" if step.change is None else repr(float(step.change))
        out.append(f"{int(step.iteration)},{float(step.log_likelihood)!r},"
                   f"{float(step.mean_log_likelihood)!r},{change},"
                   f"{'true' if step.converged else 'false'}")
    return "\n".join(out) + "\n"
