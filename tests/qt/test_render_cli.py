"""gmm-explorer render: a PNG of the canvas, offscreen."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from gmm_explorer.drawing import PALETTE
from tests.cli.test_cli import FAITHFUL, assert_one_line_error, run


def image_array(path) -> np.ndarray:
    """(height, width, 3) RGB of a PNG, read with Qt (needs the test QApplication)."""
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
    h, w = img.height(), img.width()
    raw = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes()).copy()
    # ARGB32 is stored as 32-bit words: bytes B, G, R, A on a little-endian machine.
    bgra = raw.reshape(h, img.bytesPerLine())[:, :w * 4].reshape(h, w, 4)
    return bgra[..., 2::-1]


def test_render_writes_a_non_blank_png_of_the_requested_size(capsys, tmp_path):
    out = tmp_path / "fig.png"
    code, _, err = run(capsys, "render", FAITHFUL, "--size", "640x480", "--out", out)
    assert code == 0, err
    px = image_array(out)
    assert px.shape == (480, 640, 3)
    colours = {tuple(c) for c in px.reshape(-1, 3)[::7]}
    assert len(colours) > 50  # points, ellipses, contours, text: not a blank canvas
    # Both components' colours are drawn (the points, coloured by responsibility).
    for k in range(2):
        d = np.abs(px.reshape(-1, 3).astype(int) - PALETTE[k].astype(int)).sum(axis=1)
        assert np.sum(d < 70) > 100  # drawn at alpha 230 over white, antialiased


def test_render_a_session_as_saved(capsys, tmp_path, qtbot):
    from tests.qt.window_helpers import idle, make_window

    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    w.actions["step"].trigger()
    idle(qtbot, w)
    session = tmp_path / "s.gmmx"
    assert w.files.save_to(str(session))
    out = tmp_path / "s.png"
    code, _, err = run(capsys, "render", session, "--size", "300x200", "--out", out)
    assert code == 0, err
    assert image_array(out).shape == (200, 300, 3)


def test_render_iterations_runs_exactly_that_many(capsys, tmp_path, monkeypatch):
    import gmm_explorer.qt.offscreen.png as rp

    titles = []
    original = rp.render_png
    monkeypatch.setattr(rp, "render_png",
                        lambda *a, **k: titles.append(k["title"]) or original(*a, **k))
    code, _, _ = run(capsys, "render", FAITHFUL, "--iterations", "2", "--init", "random",
                     "--out", tmp_path / "a.png")
    assert code == 0 and "iteration 2," in titles[0]


@pytest.mark.parametrize("argv,fragments", [
    (["--size", "big"], ["--size", "WIDTHxHEIGHT"]),
    (["--size", "5x5"], ["--size", "16..10000"]),
    (["--k", "0"], ["--k"]),
])
def test_render_bad_usage(capsys, tmp_path, argv, fragments):
    code, _, err = run(capsys, "render", FAITHFUL, "--out", tmp_path / "x.png", *argv)
    assert_one_line_error(code, err, *fragments)
    assert not (tmp_path / "x.png").exists()


def test_render_bad_inputs(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n3,oops\n")
    code, _, err = run(capsys, "render", bad, "--out", tmp_path / "x.png")
    assert_one_line_error(code, err, "bad.csv:3")
    code, _, err = run(capsys, "render", FAITHFUL, "--out", tmp_path / "x.jpg")
    assert_one_line_error(code, err, ".png")
    broken = tmp_path / "broken.gmmx"
    broken.write_text("{not json")
    code, _, err = run(capsys, "render", broken, "--out", tmp_path / "x.png")
    assert_one_line_error(code, err, "broken.gmmx")
    assert not (tmp_path / "x.png").exists()
