"""The model-selection sweep's options: K up to, restarts, covariance types, the
criterion that names the best model, and Auto (recompute when the data change)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QToolButton,
    QWidget,
)

from gmm_explorer.engine.mixture import COVARIANCE_TYPES
from gmm_explorer.engine.selection import SELECTION_N_INIT
from gmm_explorer.qt.panels.widgets import signals_blocked, symbol_icon

#: One colour per covariance type in the selection plot. The components' colours
#: (drawing.PALETTE) are muted; these are saturated hues that palette leaves out, at least
#: 35 CIELAB units from every component colour and its ellipse shade, so a curve is never
#: read as a component. The type's marker shape (COVARIANCE_SYMBOLS) tells them apart
#: without colour vision.
COVARIANCE_COLORS = {
    "full": (0, 0, 230),        # pure blue
    "tied": (220, 0, 220),      # magenta
    "diag": (0, 160, 0),        # pure green
    "spherical": (220, 0, 50),  # crimson
}
#: The marker of each covariance type's points (pyqtgraph symbols).
COVARIANCE_SYMBOLS = {"full": "o", "tied": "s", "diag": "d", "spherical": "t"}
#: Best of this many initialisations per (K, covariance type) cell (see the engine's note).
DEFAULT_N_INIT = SELECTION_N_INIT


@dataclass(frozen=True)
class SelectionOptions:
    """What the user asks the selection sweep to cover.

    Attributes
    ----------
    k_max : int
        K runs from 1 to ``k_max``.
    n_init : int
        Best of this many initialisations per cell.
    covariance_types : tuple of str
        In the order of ``COVARIANCE_TYPES``; never empty.
    criterion : str
        ``"bic"`` or ``"aic"``: how the best model is marked.
    auto : bool
        Recompute when the data change.
    """

    k_max: int = 8
    n_init: int = DEFAULT_N_INIT
    covariance_types: tuple[str, ...] = COVARIANCE_TYPES
    criterion: str = "bic"
    auto: bool = True


class SelectionOptionsForm(QWidget):
    """The options above the selection plot (a passive view)."""

    #: None: an option changed; read them with options().
    options_changed = Signal()
    #: None: the criterion changed (the plot restyles its curves).
    criterion_changed = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        self.k_max = QSpinBox()
        self.k_max.setRange(1, 20)
        self.k_max.setValue(8)
        self.k_max.setToolTip("Fit every K from 1 up to this many components")
        self.n_init = QSpinBox()
        self.n_init.setRange(1, 50)
        self.n_init.setValue(DEFAULT_N_INIT)
        self.n_init.setToolTip("Best of this many initialisations per cell, like n_init: "
                               "with few, a cell can stop in a poor local optimum and the "
                               "curves zig-zag; more take longer")
        grid.addWidget(QLabel("K up to"), 0, 0)
        grid.addWidget(self.k_max, 0, 1)
        grid.addWidget(QLabel("restarts"), 0, 2)
        grid.addWidget(self.n_init, 0, 3)

        types = QHBoxLayout()
        self.type_boxes: dict[str, QCheckBox] = {}
        type_tips = {"full": "full: any ellipse per component",
                     "tied": "tied: one ellipse shape shared by all components",
                     "diag": "diag: axis-aligned ellipses",
                     "spherical": "spherical: circles"}
        for t in COVARIANCE_TYPES:
            box = QCheckBox(t)
            box.setChecked(True)
            box.setIcon(symbol_icon(COVARIANCE_COLORS[t], COVARIANCE_SYMBOLS[t]))
            box.setToolTip(f"Include {type_tips[t]} (at least one type stays on)")
            box.toggled.connect(self._on_types_toggled)
            types.addWidget(box)
            self.type_boxes[t] = box
        types.addStretch(1)
        grid.addLayout(types, 1, 0, 1, 4)

        crit = QHBoxLayout()
        crit.addWidget(QLabel("Best by"))
        self.criterion_group = QButtonGroup(self)
        self.criterion_buttons: dict[str, QToolButton] = {}
        for c, tip in (("bic", ("BIC = −2 log L + p log N: penalises parameters more; "
                                "favours fewer components")),
                       ("aic", "AIC = −2 log L + 2p: penalises parameters less")):
            b = QToolButton()
            b.setText(c.upper())
            b.setCheckable(True)
            b.setToolTip(f"Mark the model with the lowest {c.upper()} as best. {tip}")
            self.criterion_group.addButton(b)
            self.criterion_buttons[c] = b
            crit.addWidget(b)
        self.criterion_buttons["bic"].setChecked(True)
        self.criterion_group.setExclusive(True)
        self.criterion_group.buttonToggled.connect(self._on_criterion_toggled)
        crit.addSpacing(8)
        self.auto = QCheckBox("Auto")
        self.auto.setChecked(True)
        self.auto.setToolTip("Recompute the sweep shortly after the data change")
        crit.addWidget(self.auto)
        crit.addStretch(1)
        grid.addLayout(crit, 2, 0, 1, 4)

        self.k_max.valueChanged.connect(self.options_changed)
        self.n_init.valueChanged.connect(self.options_changed)
        self.auto.toggled.connect(self.options_changed)

    def options(self) -> SelectionOptions:
        return SelectionOptions(
            self.k_max.value(), self.n_init.value(),
            tuple(t for t in COVARIANCE_TYPES if self.type_boxes[t].isChecked()),
            self.criterion, self.auto.isChecked())

    def set_options(self, options: SelectionOptions) -> None:
        """Show ``options`` (e.g. restored from settings) without emitting options_changed."""
        boxes = list(self.type_boxes.values())
        with signals_blocked(self.k_max, self.n_init, self.auto, self.criterion_group, *boxes):
            self.k_max.setValue(options.k_max)
            self.n_init.setValue(options.n_init)
            types = options.covariance_types or COVARIANCE_TYPES
            for t, box in self.type_boxes.items():
                box.setChecked(t in types)
            self.criterion_buttons[options.criterion].setChecked(True)
            self.auto.setChecked(options.auto)
        self._lock_last_type()
        self.criterion_changed.emit()

    @property
    def criterion(self) -> str:
        return "aic" if self.criterion_buttons["aic"].isChecked() else "bic"

    def _on_types_toggled(self) -> None:
        self._lock_last_type()
        self.options_changed.emit()

    def _lock_last_type(self) -> None:
        # The sweep needs at least one covariance type: the last one on cannot be unticked.
        on = [b for b in self.type_boxes.values() if b.isChecked()]
        for b in self.type_boxes.values():
            b.setEnabled(not (len(on) == 1 and b.isChecked()))

    def _on_criterion_toggled(self, _button, checked: bool) -> None:
        if checked:
            self.criterion_changed.emit()
            self.options_changed.emit()
