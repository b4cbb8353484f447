"""The installable app: build the PyInstaller bundle with packaging/build.sh and run it.

One build (about 40 s on two cores) into a temporary folder, then the bundled program
renders a PNG offscreen twice with a private XDG_CACHE_HOME: the first run compiles the
numba kernels into the user cache folder, the second loads them from there.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "resources" / "data" / "faithful.csv"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("bundle")
    env = dict(os.environ, PYTHON=sys.executable)
    proc = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh"), str(tmp / "dist"),
                           str(tmp / "work")], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, f"build.sh failed:\n{proc.stdout}\n{proc.stderr}"
    folder = tmp / "dist" / "gmm-explorer"
    assert f"built {folder}" in proc.stdout
    return folder


def _run(bundle: Path, *args: str, cache_home: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_CACHE_HOME=str(cache_home))
    return subprocess.run([str(bundle / "gmm-explorer"), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300, check=False)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    length, chunk, width, height = struct.unpack(">I4sII", head[8:24])
    assert chunk == b"IHDR" and length == 13
    return width, height


def _cache_files(cache_home: Path) -> dict[str, int]:
    root = cache_home / "gmm-explorer" / "numba"
    return {str(p.relative_to(root)): p.stat().st_mtime_ns
            for p in root.rglob("*") if p.suffix in (".nbi", ".nbc")}


def test_icon_is_package_data():
    from gmm_explorer.resources import ICON_SIZES, icon_path

    main = icon_path()
    assert main is not None and _png_size(main) == (256, 256)
    for size in ICON_SIZES:
        path = icon_path(size)
        assert path is not None and _png_size(path) == (size, size)
    assert icon_path(17) is None  # not shipped: None, not an error


def test_desktop_entry_and_metainfo_agree():
    import xml.etree.ElementTree as ET

    entry = dict(line.split("=", 1) for line in
                 (ROOT / "resources" / "gmm-explorer.desktop").read_text().splitlines()
                 if "=" in line)
    assert entry["Exec"] == "gmm-explorer %f" and entry["Icon"] == "gmm-explorer"
    meta = ET.parse(ROOT / "resources" / "io.github.gmm_explorer.metainfo.xml").getroot()
    assert meta.findtext("id") == "io.github.gmm_explorer"
    assert meta.findtext("launchable") == "gmm-explorer.desktop"
    assert meta.findtext("provides/binary") == "gmm-explorer"
    assert meta.find("project_license") is None  # no licence chosen yet: claim none


@pytest.mark.slow
def test_bundle_layout(bundle):
    assert os.access(bundle / "gmm-explorer", os.X_OK)
    res = bundle / "_internal" / "gmm_explorer" / "resources"
    for name in ("faithful.csv", "iris.csv", "penguins.csv"):
        assert (res / "data" / name).stat().st_size > 0
    assert (res / "icons" / "gmm-explorer.png").read_bytes()[:4] == b"\x89PNG"
    assert len(list((res / "lessons").glob("*.lesson.json"))) == 7
    assert len(list((res / "lessons").glob("*.gmmx"))) == 7
    # numba indexes cached kernels by their source files, so these must be on disk.
    assert (bundle / "_internal" / "gmm_explorer" / "engine" / "_kernels.py").is_file()
    # Test-only and unused packages stay out.
    for name in ("sklearn", "pytest", "hypothesis", "tkinter", "matplotlib", "PyInstaller",
                 "pyarrow"):
        assert not (bundle / "_internal" / name).exists(), name


@pytest.mark.slow
def test_bundle_reads_excel_and_says_what_parquet_needs(bundle, tmp_path):
    from tests.table_bytes import excel_bytes, parquet_bytes

    book = tmp_path / "points.xlsx"
    book.write_bytes(excel_bytes([["x", "y"], [0.0, 0.0], [1.0, 0.5], [0.2, 1.0], [3, 3],
                                  [3.5, 2.5], [2.8, 3.4]]))
    out = tmp_path / "fit.json"
    proc = _run(bundle, "fit", str(book), "--k", "2", "--out", str(out),
                cache_home=tmp_path / "cache", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    table = tmp_path / "points.parquet"
    table.write_bytes(parquet_bytes({"x": [0.0, 1.0], "y": [1.0, 2.0]}))
    proc = _run(bundle, "fit", str(table), cache_home=tmp_path / "cache", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "this build of GMM Explorer does not include pyarrow" in proc.stderr


@pytest.mark.slow
def test_version(bundle, tmp_path):
    proc = _run(bundle, "--version", cache_home=tmp_path / "cache", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("gmm-explorer ")


@pytest.mark.slow
def test_render_twice_uses_the_user_numba_cache(bundle, tmp_path):
    import numpy as np

    cache_home = tmp_path / "cache"
    # Large enough for the compiled pass (Old Faithful's passes run in numpy).
    points = tmp_path / "points.npy"
    np.save(points, np.random.default_rng(0).normal(size=(30_000, 2)))
    args = ("render", str(points), "--k", "2", "--size", "320x240")

    out1 = tmp_path / "smoke.png"
    first = _run(bundle, *args, "--out", str(out1), cache_home=cache_home, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert _png_size(out1) == (320, 240)
    cached = _cache_files(cache_home)
    assert any(name.endswith(".nbi") for name in cached), cached
    assert any(name.endswith(".nbc") for name in cached), cached
    # Nothing in the bundle itself, nor in numba's generic folder.
    assert not list(bundle.rglob("*.nbi"))
    assert not (cache_home / "numba").exists()

    # Second run, from another directory: the same files are loaded, not rewritten.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out2 = tmp_path / "smoke2.png"
    second = _run(bundle, *args, "--out", str(out2), cache_home=cache_home, cwd=elsewhere)
    assert second.returncode == 0, second.stderr
    assert _png_size(out2) == (320, 240)
    assert _cache_files(cache_home) == cached
