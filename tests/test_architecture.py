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
