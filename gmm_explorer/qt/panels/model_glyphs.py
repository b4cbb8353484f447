"""Small pictures of the fourteen covariance models: two ellipses drawn as the model lets
two components differ (volume, shape, orientation each Equal, Variable or, for shape and
orientation, the Identity), and the combo box that offers the models with them."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate

from gmm_explorer.engine.models import MODEL_TYPES, describe, label, mclust_code

#: The two components' colours (the first two of the canvas palette).
_COLOURS = (QColor(0, 114, 178), QColor(230, 159, 0))


def glyph_axes(code: str) -> tuple[tuple[float, float, float], ...]:
    """(semi-major, semi-minor, angle in degrees) of the two ellipses drawn for ``code``:
    Equal parts are the same in both, Variable parts differ, I is a circle (shape) or
    axis-aligned (orientation)."""
    vol, shape, orient = code
    areas = (1.0, 1.0) if vol == "E" else (1.0, 0.45)
    ratios = {"I": (1.0, 1.0), "E": (2.4, 2.4), "V": (2.8, 1.5)}[shape]
    if orient == "I":
        # Axis-aligned; a varying shape may also swap which axis is the longer.
        angles = (0.0, 90.0) if shape == "V" else (0.0, 0.0)
    else:
        angles = (35.0, 35.0) if orient == "E" else (35.0, -40.0)
    out = []
    for area, ratio, angle in zip(areas, ratios, angles):
        a = math.sqrt(area * ratio)
        out.append((a, a / ratio, angle))
    return tuple(out)


GLYPH_SIZE = (40, 20)


def model_glyph(name: str, size: tuple[int, int] = GLYPH_SIZE) -> QIcon:
    """The model's glyph: its two ellipses side by side, ``size`` (width, height) pixels."""
    code = mclust_code(name)
    size = QSize(*size)
    pm = QPixmap(size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = size.width(), size.height()
    unit = 0.26 * min(w / 2, h)
    for i, ((a, b, angle), colour) in enumerate(zip(glyph_axes(code), _COLOURS)):
        p.save()
        p.translate(QPointF(w * (0.27 + 0.46 * i), h / 2))
        p.rotate(-angle)
        pen = QPen(colour)
        pen.setWidthF(1.6)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QPointF(0, 0), a * unit * 1.25, b * unit * 1.25)
        p.restore()
    p.end()
    return QIcon(pm)


#: Where each item keeps its model in plain words.
WORDS_ROLE = Qt.ItemDataRole.UserRole + 1


class _WordsDelegate(QStyledItemDelegate):
    """The open list shows each model's name and its words; the closed box its name."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt API
        super().initStyleOption(option, index)
        words = index.data(WORDS_ROLE)
        if words:
            option.text = f"{option.text}  —  {words}"


class ModelCombo(QComboBox):
    """The fourteen models, in mclust's order, each with its glyph and its name in plain
    words; :meth:`model` and :meth:`set_model` speak canonical names ("full", "VEV")."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setIconSize(QSize(*GLYPH_SIZE))
        for m in MODEL_TYPES:
            self.addItem(model_glyph(m), label(m), m)
            i = self.count() - 1
            self.setItemData(i, describe(m), WORDS_ROLE)
            self.setItemData(i, f"{label(m)}: {describe(m)}", Qt.ItemDataRole.ToolTipRole)
        self._delegate = _WordsDelegate(self)
        self.setItemDelegate(self._delegate)
        self.view().setMinimumWidth(self.view().sizeHintForColumn(0) + 24)
        self.setToolTip("The covariance model, as mclust names it (scikit-learn's four by "
                        "their names): the ellipses' volume, shape and orientation, each "
                        "Equal across components, Variable, or the Identity (circles, "
                        "axis-aligned)")

    def item_text(self, i: int) -> str:
        """What the open list shows for item ``i``: its name and its words."""
        return f"{self.itemText(i)}  —  {self.itemData(i, WORDS_ROLE)}"

    def model(self) -> str:
        return str(self.currentData())

    def set_model(self, name: str) -> None:
        i = self.findData(name)
        if i >= 0:
            self.setCurrentIndex(i)
