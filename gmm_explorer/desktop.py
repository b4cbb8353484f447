"""Desktop integration on Linux: the menu entry, the icons and the ``.gmmx`` MIME type.

``gmm-explorer install-desktop`` installs, for the current user (freedesktop.org's
``$XDG_DATA_HOME``, by default ``~/.local/share``) or under ``--prefix``:

* ``applications/gmm-explorer.desktop``, whose ``Exec`` is this installation's own
  ``gmm-explorer`` (a virtual environment's script need not be on the desktop's
  ``PATH``), so that a double-click on a ``.gmmx`` session or a CSV file opens it;
* ``mime/packages/gmm-explorer.xml``, the type ``application/x-gmm-explorer-session``
  (``*.gmmx``, JSON whose format is ``gmm-explorer.session``);
* ``icons/hicolor/NxN/apps/gmm-explorer.png`` in every shipped size, and the SVG;

then rebuilds the MIME and desktop databases when ``update-mime-database`` and
``update-desktop-database`` are installed. Qt-free; the files ship in the package.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from importlib.resources import files
from pathlib import Path

from gmm_explorer.errors import GMMExplorerError

__all__ = ["DESKTOP_FILE", "MIME_TYPE", "install", "user_data_home"]

#: The session files' MIME type (resources/gmm-explorer-mime.xml).
MIME_TYPE = "application/x-gmm-explorer-session"
#: The desktop entry's file name (its desktop-file ID).
DESKTOP_FILE = "gmm-explorer.desktop"


def user_data_home() -> Path:
    """``$XDG_DATA_HOME``, or ``~/.local/share``."""
    value = os.environ.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launcher() -> str:
    """The command that opens the window here, as a desktop entry's ``Exec`` writes it:
    the bundle's executable, the ``gmm-explorer`` script beside this Python, or
    ``python -m gmm_explorer``."""
    if getattr(sys, "frozen", False):
        return _quote(sys.executable)
    script = Path(sys.executable).with_name("gmm-explorer")
    if script.is_file() and os.access(script, os.X_OK):
        return _quote(str(script))
    found = shutil.which("gmm-explorer")
    if found:
        return _quote(str(Path(found).resolve()))
    return f"{_quote(sys.executable)} -m gmm_explorer"


def _quote(arg: str) -> str:
    """An Exec argument, quoted as the Desktop Entry Specification asks when needed."""
    if not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
    return f'"{escaped}"'


def install(prefix: Path | None = None, *, run_tools: bool = True) -> list[Path]:
    """Install the desktop entry, MIME type and icons under ``prefix`` (default: the
    user's data folder); returns the files written.

    Raises
    ------
    GMMExplorerError
        Not on Linux or another freedesktop system, or a file cannot be written.
    """
    if sys.platform.startswith(("win", "darwin")):
        raise GMMExplorerError("install-desktop is for Linux desktops (freedesktop.org); "
                               "on this system, make a shortcut to gmm-explorer-gui")
    root = Path(prefix) if prefix is not None else user_data_home()
    res = files("gmm_explorer.resources")
    written: list[Path] = []
    try:
        entry = res.joinpath(DESKTOP_FILE).read_text(encoding="utf-8")
        lines = [f"Exec={launcher()} %f" if line.startswith("Exec=") else line
                 for line in entry.splitlines()]
        written.append(_write(root / "applications" / DESKTOP_FILE,
                              ("\n".join(lines) + "\n").encode()))
        written.append(_write(root / "mime" / "packages" / "gmm-explorer.xml",
                              res.joinpath("gmm-explorer-mime.xml").read_bytes()))
        icons = res.joinpath("icons")
        for icon in sorted(icons.iterdir(), key=lambda p: p.name):
            name = icon.name
            if name.startswith("gmm-explorer-") and name.endswith(".png"):
                size = name[len("gmm-explorer-"):-len(".png")]
                written.append(_write(root / "icons" / "hicolor" / f"{size}x{size}" / "apps"
                                      / "gmm-explorer.png", icon.read_bytes()))
            elif name == "gmm-explorer.svg":
                written.append(_write(root / "icons" / "hicolor" / "scalable" / "apps"
                                      / name, icon.read_bytes()))
    except OSError as exc:
        raise GMMExplorerError(f"cannot install the desktop files under {root}: "
                               f"{exc.strerror or exc}") from exc
    if run_tools:
        for tool, folder in (("update-mime-database", root / "mime"),
                             ("update-desktop-database", root / "applications")):
            if shutil.which(tool):
                subprocess.run([tool, str(folder)], check=False, capture_output=True)
    return written


def _write(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def describe(written: list[Path]) -> str:
    """What :func:`install` did, for the command line."""
    folders = sorted({str(p.parent) for p in written})
    return (f"installed {len(written)} files ({MIME_TYPE} for *.gmmx, the menu entry and "
            f"icons) under: " + ", ".join(shlex.quote(f) for f in folders))
