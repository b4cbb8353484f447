"""Layering: the engine and io never load Qt; the package data ships with the package."""

from __future__ import annotations

import subprocess
import sys


def test_engine_and_io_do_not_import_qt():
    code = ("import sys, gmm_explorer.engine, gmm_explorer.io, gmm_explorer.io.params, "
            "gmm_explorer.io.loaders, gmm_explorer.cli;"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('PySide6', 'shiboken6', 'pyqtgraph', 'PyQt5', 'PyQt6'));"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"Qt modules loaded: {out.stdout.strip()}"


def test_sample_data_ships_inside_the_package():
    from gmm_explorer.resources import sample_path

    text = sample_path("faithful.csv").read_text()
    assert text.startswith("rownames,eruptions,waiting")
    assert len(text.strip().splitlines()) == 273


def test_an_installed_wheel_finds_its_sample_data(tmp_path):
    """Build the real wheel and load Old Faithful from the unpacked copy, outside the repo."""
    import zipfile
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "dist"), str(root)],
                           capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("gmm_explorer-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import gmm_explorer, sys; from gmm_explorer.resources import sample_path;"
            "import gmm_explorer.qt.main_window, gmm_explorer.qt.render_png;"
            "from gmm_explorer.io import load_points;"
            "assert gmm_explorer.__file__.startswith(sys.argv[1]), gmm_explorer.__file__;"
            "d = load_points(str(sample_path('faithful.csv')));"
            "print(d.points.shape, d.column_names)")
    out = subprocess.run([sys.executable, "-c", code, str(site)], cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(272, 2) ('eruptions', 'waiting')"
