"""The app's entry point: ``gmm-explorer`` and ``python -m gmm_explorer`` (:func:`run`).

With no argument, or one argument that looks like a data file, it opens the window (on
that file); anything else (a command, ``--help``, ``--version``, a mistake) goes to the
command line, :func:`gmm_explorer.cli.main`. Qt is imported only on the way to the window.
"""

from __future__ import annotations

import os
import sys

import gmm_explorer
from gmm_explorer import cli


def looks_like_data(arg: str) -> bool:
    """A lone argument is a data file (not a mistyped command) if it looks like a path."""
    if arg.startswith("-") or arg in cli.COMMANDS:
        return False
    return os.path.exists(arg) or "." in arg or os.sep in arg or "/" in arg


def opens_window(argv: list[str]) -> bool:
    """Whether these arguments ask for the window: none, or a lone data file."""
    return not argv or (len(argv) == 1 and looks_like_data(argv[0]))


def main(argv=None) -> int:
    """Open the window or run a command; returns the exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not opens_window(argv):
        return cli.main(argv)
    return cli.exit_code_of(lambda: _window(argv[0] if argv else None))


def run() -> None:
    """The process's entry point (the ``gmm-explorer`` script, ``python -m gmm_explorer``
    and the bundle): :func:`main`, then exit with its code. After a command the process
    leaves at once (:func:`leave_now`); the window's exit is Qt's."""
    argv = sys.argv[1:]
    own_process()
    code = main(argv)
    if not opens_window(argv):
        leave_now(code)
    sys.exit(code)


def run_gui() -> None:
    """The ``gmm-explorer-gui`` entry point (a gui-script: on Windows it opens no console
    window): always the window, on the file named, if any."""
    argv = sys.argv[1:]
    own_process()
    sys.exit(cli.exit_code_of(lambda: _window(argv[0] if argv else None)))


def leave_now(code: int) -> None:
    """End the process with ``code`` without tearing the interpreter down.

    A command has finished: its files are written (atomically, and closed) and its
    worker threads are idle. What is left is freeing memory, and once numba has loaded
    its compiled kernels that takes about 0.27 s here (LLVM releasing the code) of a
    ``select`` that takes 1.3 s in all, for nothing the user sees. So the output is
    flushed and the process ends (``os._exit``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            pass
    os._exit(int(code))


def own_process() -> None:
    """Mark this process as the app's own (:data:`gmm_explorer.OWN_PROCESS`)."""
    gmm_explorer.OWN_PROCESS = True


def _window(path: str | None) -> int:
    from gmm_explorer.qt.app import main as window_main

    return window_main(path)


if __name__ == "__main__":
    run()
