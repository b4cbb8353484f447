"""PyInstaller runtime hook: put numba's on-disk cache in a user cache directory.

Runs in the frozen app before ``gmm_explorer`` (and so numba) is imported. Left alone,
numba would cache a frozen program's kernels in the bundle's own folder (often read-only
and shared between users) or in its generic user folder under a name that depends on
the current directory (numba issue #1907). Here the kernels compiled with ``cache=True``
go to

    $XDG_CACHE_HOME/gmm-explorer/numba/BUILD_ID     (default ~/.cache/gmm-explorer/...)

(``%LOCALAPPDATA%`` and ``~/Library/Caches`` on Windows and macOS), where BUILD_ID is a
hash of the bundled gmm_explorer sources written by the spec: a rebuilt bundle with
changed kernels never loads stale machine code (numba itself keys a frozen program's
cache on its executable, which does not contain the app's modules). A NUMBA_CACHE_DIR
set by the user is respected. (The app's modules are shipped as .py files, see the
spec; a frozen program writes no bytecode, and compiling them takes about 50 ms.)
"""

import os
import sys


def _user_cache_home() -> str:
    if sys.platform == "win32":
        return os.environ.get("LOCALAPPDATA") or os.path.expanduser(r"~\AppData\Local")
    if sys.platform == "darwin":
        return os.path.expanduser("~/Library/Caches")
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG base directory spec: a relative path is invalid and must be ignored.
    return xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")


def _build_id() -> str:
    try:
        with open(os.path.join(sys._MEIPASS, "gmm-explorer-build-id")) as f:
            return f.read().strip() or "unknown"
    except OSError:
        return "unknown"


if getattr(sys, "frozen", False) and not os.environ.get("NUMBA_CACHE_DIR"):
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(_user_cache_home(), "gmm-explorer", "numba",
                                                 _build_id())
