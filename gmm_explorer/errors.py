"""Exceptions that carry a message meant for the user.

Every error the command line (and later the window) reports without a traceback is a
:class:`GMMExplorerError`. Anything else reaching the top level is an internal error.
"""

from __future__ import annotations


class GMMExplorerError(Exception):
    """Base class: the message alone tells the user what is wrong and what to change."""


class InputError(GMMExplorerError, ValueError):
    """A file or value supplied by the user cannot be used.

    Parameters
    ----------
    reason : str
        What is wrong, in words a user understands.
    path : str or None
        The file concerned, if any.
    line : int or None
        1-based line number in a text file, if known.
    row : int or None
        1-based row number in a spreadsheet or columnar file (Excel's own row number;
        a Parquet or Feather file's data row), if known; shown as ``row N``.
    column : str or None
        Column name or index concerned, if any.
    """

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None,
                 column: str | None = None, row: int | None = None):
        self.reason = reason
        self.row = row
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.row is not None:
            where += f"row {self.row}: "
        if self.column is not None:
            return f"{where}column {self.column!s}: {self.reason}"
        return f"{where}{self.reason}"


class ParameterError(InputError):
    """Mixture parameters are invalid (bad shape, not finite, weights not summing to 1, ...).

    ``field`` names the offending field, e.g. ``"weights"`` or ``"covariances[2]"``.
    """

    def __init__(self, reason: str, *, field: str | None = None, path: str | None = None):
        self.field = field
        super().__init__(f"{field}: {reason}" if field else reason, path=path)


class FitError(GMMExplorerError, ArithmeticError):
    """EM cannot continue; the message says what to change (K, reg_covar, scaling)."""
