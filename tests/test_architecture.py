"""Layering: nothing outside gmm_explorer.qt loads Qt; the package data ships with the package."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

#: Top-level names of the Qt bindings and of pyqtgraph: none may load outside gmm_explorer.qt.
QT_ROOTS = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "PySide2")
#: Modules the walk must find (an empty or partial walk must not pass).
MUST_FIND = ("gmm_explorer", "gmm_explorer.__main__", "gmm_explorer.cli", "gmm_explorer.errors",
             "gmm_explorer.engine", "gmm_explorer.engine.em", "gmm_explorer.io",
             "gmm_explorer.io.params", "gmm_explorer.session", "gmm_explorer.drawing",
             "gmm_explorer.resources")


def qt_free_modules() -> list[str]:
    """Every module of the package outside ``gmm_explorer.qt``, from its files on disk
    (found without importing anything that could load Qt)."""
    package = Path(importlib.util.find_spec("gmm_explorer").origin).parent
    # resources/ is mapped to gmm_explorer.resources (pyproject's package-dir).
    resources = importlib.util.find_spec("gmm_explorer.resources").submodule_search_locations
    roots = [(package, ("gmm_explorer",))]
    roots += [(Path(folder), ("gmm_explorer", "resources")) for folder in resources]
    names = set()
    for root, prefix in roots:
        for path in root.rglob("*.py"):
            parts = prefix + path.relative_to(root).with_suffix("").parts
            if parts[:2] == ("gmm_explorer", "qt") or "__pycache__" in parts:
                continue
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return sorted(names)


def test_nothing_outside_the_qt_package_imports_qt():
    """Import every module outside gmm_explorer/qt/ in a fresh interpreter (the app's entry
    point only imported, not run): no Qt binding and no pyqtgraph may be loaded."""
    names = qt_free_modules()
    assert set(MUST_FIND) <= set(names), sorted(set(MUST_FIND) - set(names))
    assert len(names) >= 30, names
    code = ("import importlib, json, sys\n"
            "roots = json.loads(sys.argv[2])\n"
            "loaded = []\n"
            "for name in json.loads(sys.argv[1]):\n"
            "    importlib.import_module(name)\n"
            "    loaded.append(name)\n"
            "    qt = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
            "    if qt:\n"
            "        print(json.dumps({'culprit': name, 'qt': qt[:5]}))\n"
            "        break\n"
            "else:\n"
            "    print(json.dumps({'imported': len(loaded)}))\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(names), json.dumps(QT_ROOTS)],
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"imported": len(names)}, f"Qt loaded by importing {report}"


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
            "import gmm_explorer.qt.main_window, gmm_explorer.qt.offscreen.png;"
            "from gmm_explorer.io import load_points;"
            "assert gmm_explorer.__file__.startswith(sys.argv[1]), gmm_explorer.__file__;"
            "d = load_points(str(sample_path('faithful.csv')));"
            "print(d.points.shape, d.column_names)")
    out = subprocess.run([sys.executable, "-c", code, str(site)], cwd=tmp_path,
                         env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(272, 2) ('eruptions', 'waiting')"


#: Heavy libraries no module may load at import: each is imported where first used.
HEAVY_ROOTS = ("numba", "llvmlite", "scipy", "sklearn", "pandas", "pyarrow", "openpyxl")


def test_importing_the_package_outside_qt_loads_nothing_heavy():
    """Instant start: importing the engine, io, the session and the command line loads
    no numba, scipy or other heavy library; each comes when first used."""
    names = [n for n in qt_free_modules() if n != "gmm_explorer.__main__"]
    code = ("import importlib, json, sys\n"
            "roots = json.loads(sys.argv[2])\n"
            "for name in json.loads(sys.argv[1]):\n"
            "    importlib.import_module(name)\n"
            "    heavy = sorted({m.split('.')[0] for m in sys.modules} & set(roots))\n"
            "    if heavy:\n"
            "        print(json.dumps({'culprit': name, 'heavy': heavy}))\n"
            "        break\n"
            "else:\n"
            "    print(json.dumps({'imported': len(json.loads(sys.argv[1]))}))\n")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(names),
                          json.dumps(HEAVY_ROOTS)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert report == {"imported": len(names)}, f"a heavy library loaded at import: {report}"


def test_a_small_fit_on_the_command_line_never_loads_numba_and_a_large_one_does(tmp_path):
    import numpy as np

    small = Path(__file__).parent.parent / "resources" / "data" / "faithful.csv"
    rng = np.random.default_rng(0)
    large = tmp_path / "large.npy"
    np.save(large, rng.normal(size=(30_000, 2)))
    code = ("import sys\n"
            "from gmm_explorer.cli import main\n"
            "code = main(['fit', sys.argv[1], '--k', '2', '--seed', '1', '--quiet'])\n"
            "print(code, 'numba' in sys.modules, 'scipy' in sys.modules, file=sys.stderr)\n")
    seen = {}
    for name, path in (("small", small), ("large", large)):
        out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr[-3000:]
        seen[name] = out.stderr.strip().splitlines()[-1].split()
    assert seen["small"] == ["0", "False", "False"]  # numpy passes, numpy Lloyd: neither
    from gmm_explorer.engine import HAVE_NUMBA

    if HAVE_NUMBA:
        assert seen["large"][:2] == ["0", "True"]  # 60,000 pairs per pass: compiled
