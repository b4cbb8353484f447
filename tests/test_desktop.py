"""Desktop conventions: the desktop entry validates, install-desktop registers the .gmmx
type and the entry for a double-click, and gmm-explorer-gui is a gui-script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

from gmm_explorer import cli
from gmm_explorer.__main__ import opens_window
from gmm_explorer.desktop import MIME_TYPE

ROOT = Path(__file__).resolve().parents[1]
NEEDS = "installed by .ci/system-deps.sh (desktop-file-utils, shared-mime-info)"


def validate(path: Path) -> str:
    assert shutil.which("desktop-file-validate"), NEEDS
    proc = subprocess.run(["desktop-file-validate", str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return (proc.stdout + proc.stderr).strip()


def test_the_shipped_desktop_entry_validates_without_a_hint():
    assert validate(ROOT / "resources" / "gmm-explorer.desktop") == ""


def test_the_mime_type_declares_the_gmmx_glob_and_the_session_magic():
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    root = ET.parse(ROOT / "resources" / "gmm-explorer-mime.xml").getroot()
    kind = root.find("m:mime-type", ns)
    assert kind.get("type") == MIME_TYPE
    assert kind.find("m:glob", ns).get("pattern") == "*.gmmx"
    assert kind.find("m:sub-class-of", ns).get("type") == "application/json"
    assert '"gmm-explorer.session"' in kind.find("m:magic/m:match", ns).get("value")


def test_install_desktop_registers_the_type_and_an_entry_that_opens_sessions(tmp_path,
                                                                             capsys):
    prefix = tmp_path / "share"
    code = cli.main(["install-desktop", "--prefix", str(prefix)])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("installed ") and MIME_TYPE in out
    entry = prefix / "applications" / "gmm-explorer.desktop"
    assert validate(entry) == ""
    fields = dict(line.split("=", 1) for line in entry.read_text().splitlines() if "=" in line)
    assert MIME_TYPE in fields["MimeType"].split(";")
    program, placeholder = fields["Exec"].rsplit(" ", 1)
    assert placeholder == "%f"
    # This installation's own launcher, which opens the window on one file.
    exe = program.split(" -m ")[0].strip('"')
    assert os.access(exe, os.X_OK), exe
    assert opens_window([str(tmp_path / "lesson.gmmx")])
    for size in (16, 32, 48, 64, 128, 256):
        png = prefix / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "gmm-explorer.png"
        assert png.read_bytes()[:4] == b"\x89PNG"
    # update-mime-database built the type's glob into the user's MIME database.
    assert shutil.which("update-mime-database"), NEEDS
    globs = (prefix / "mime" / "globs2").read_text()
    assert f"{MIME_TYPE}:*.gmmx" in globs
    assert MIME_TYPE in (prefix / "mime" / "types").read_text()


def test_install_desktop_into_an_unwritable_place_is_one_line_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = cli.main(["install-desktop", "--prefix", str(blocker)])
    err = capsys.readouterr().err
    assert code == 2 and "cannot install the desktop files" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_gmm_explorer_gui_is_a_gui_script_that_opens_the_window():
    scripts = {ep.name: ep.value for ep in entry_points(group="gui_scripts")}
    assert scripts.get("gmm-explorer-gui") == "gmm_explorer.__main__:run_gui"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['gmm-explorer-gui']; "
                           "from gmm_explorer.__main__ import run_gui; run_gui()"],
                          env=env, capture_output=True, text=True, timeout=120)
    # With no display the window cannot open, and it says so (the window, not the CLI).
    assert proc.returncode == 2 and "no display found" in proc.stderr


def test_the_package_ships_the_desktop_files():
    from importlib.resources import files

    res = files("gmm_explorer.resources")
    assert res.joinpath("gmm-explorer.desktop").is_file()
    assert res.joinpath("gmm-explorer-mime.xml").is_file()
