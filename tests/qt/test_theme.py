"""Light and dark: the canvas and the plots follow the application's palette, the
component colours keep their contrast on a dark background, exports stay on white
paper, and HiDPI screens get device-pixel images."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPalette

from gmm_explorer.drawing import PALETTE, contrast_ratio, readable_colors
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.panels.widgets import hint_label
from tests.qt.window_helpers import idle, make_window, press


def test_readable_colors_lift_only_what_a_dark_background_hides():
    dark = themes.DARK.background
    lifted = readable_colors(PALETTE, dark)
    assert (contrast_ratio(lifted, dark) >= 3.0).all()
    kept = contrast_ratio(PALETTE, dark) >= 3.0
    np.testing.assert_array_equal(lifted[kept], PALETTE[kept])  # already fine: unchanged
    assert kept.sum() >= 10 and (~kept).sum() >= 3  # black, indigo, dark blue... lifted
    # On white, the palette is the app's own, untouched.
    np.testing.assert_array_equal(themes.LIGHT.palette, PALETTE)
    assert themes.DARK.ellipse(6) != themes.LIGHT.ellipse(6)


@pytest.fixture
def dark(qapp):
    """The application in a dark palette, as a dark desktop gives it; restored after."""
    before = QGuiApplication.palette()
    qapp.setPalette(themes.dark_palette())
    yield
    qapp.setPalette(before)


def background(plot: pg.PlotWidget) -> tuple[int, int, int]:
    c = plot.backgroundBrush().color()
    return c.red(), c.green(), c.blue()


def test_the_window_follows_the_palette_to_dark_and_back(qtbot, tmp_path, qapp):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Space)
    idle(qtbot, w)
    assert w.canvas.theme is themes.LIGHT and background(w.canvas) == (255, 255, 255)
    before = QGuiApplication.palette()
    try:
        qapp.setPalette(themes.dark_palette())
        qtbot.waitUntil(lambda: w.canvas.theme is themes.DARK)
        dark_bg = themes.DARK.background
        assert background(w.canvas) == dark_bg
        for plot in w.findChildren(pg.PlotWidget):  # the LL curve, Bound, selection...
            assert background(plot) == dark_bg, type(plot).__name__
        axis = w.canvas.plotItem.getAxis("bottom")
        assert axis.textPen().color().lightness() > 200
        assert themes.DARK.ink_hex in axis.labelString()
        # The marks a panel draws in ink follow too (the loaded model's ring).
        ring = w.panels["selection"]._current_ring
        assert ring.opts["pen"].color().lightness() > 200
        # Every point stands 3:1 against the background.
        assert (contrast_ratio(w.canvas.point_colors(), dark_bg) >= 3.0).all()
        # The labels' grey follows the palette by itself.
        hint = hint_label("a hint")
        assert hint.foregroundRole() == QPalette.ColorRole.PlaceholderText
    finally:
        qapp.setPalette(before)
    qtbot.waitUntil(lambda: w.canvas.theme is themes.LIGHT)
    assert background(w.canvas) == (255, 255, 255)
    for plot in w.findChildren(pg.PlotWidget):
        assert background(plot) == (255, 255, 255), type(plot).__name__


def test_exports_stay_on_white_paper_in_a_dark_theme(qtbot, tmp_path, dark):
    w = make_window(qtbot, tmp_path)
    w.data.load_sample()
    idle(qtbot, w)
    assert w.canvas.theme is themes.DARK
    out = tmp_path / "canvas.png"
    assert w.exports.export("png", str(out))
    img = QImage(str(out))
    for x, y in ((3, 3), (img.width() // 2, 5), (3, img.height() - 3)):
        assert img.pixelColor(x, y).name() == "#ffffff"  # white paper
    assert w.canvas.theme is themes.DARK and background(w.canvas) == themes.DARK.background
    from gmm_explorer.notebook import render

    png = QImage.fromData(render(np.random.default_rng(0).normal(size=(50, 2)),
                                 size=(200, 150)))
    assert png.pixelColor(3, 3).name() == "#ffffff"


HIDPI = """
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication([])
from gmm_explorer.qt.canvas.canvas import Canvas
c = Canvas()
c.resize(400, 300)
c.show()
app.processEvents()
c.set_points(np.random.default_rng(0).normal(size=(20000, 2)))
c.fit_view()
c.redraw_view_now()
img = c.layers.points.raster_image()
print(c.devicePixelRatioF(), img.shape[1], round(c.view.width()))
"""


def test_hidpi_screens_get_one_raster_pixel_per_device_pixel():
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2")
    proc = subprocess.run([sys.executable, "-c", HIDPI], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    ratio, image_width, view_width = proc.stdout.split()
    assert float(ratio) == 2.0 and int(image_width) == 2 * int(view_width)
