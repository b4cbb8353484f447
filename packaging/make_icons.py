"""Render the app icon's PNG sizes from resources/icons/gmm-explorer.svg.

    python packaging/make_icons.py

Writes resources/icons/gmm-explorer-SIZE.png for SIZE in 16, 32, 48, 64, 128, 256 and
resources/icons/gmm-explorer.png (the 256-pixel one, which the window uses through
gmm_explorer.resources). The PNGs are committed; rerun this after editing the SVG.
Needs no display (QImage + QSvgRenderer, no QApplication).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
SVG = ICONS / "gmm-explorer.svg"
SIZES = (16, 32, 48, 64, 128, 256)


def render(renderer: QSvgRenderer, size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        print(f"make_icons: cannot read {SVG}", file=sys.stderr)
        return 1
    for size in SIZES:
        out = ICONS / f"gmm-explorer-{size}.png"
        if not render(renderer, size).save(str(out), "PNG"):
            print(f"make_icons: cannot write {out}", file=sys.stderr)
            return 1
        print(out)
    shutil.copyfile(ICONS / "gmm-explorer-256.png", ICONS / "gmm-explorer.png")
    print(ICONS / "gmm-explorer.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
