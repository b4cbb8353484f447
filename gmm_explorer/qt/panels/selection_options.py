"""The model-selection sweep's options: K up to, restarts, covariance types, the
criterion that names the best model, and Auto (recompute when the data change)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Signal
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
from gmm_explorer.engine.models import MODEL_TYPES, describe, label, mclust_code
from gmm_explorer.engine.selection import SELECTION_N_INIT
from gmm_explorer.qt.panels.widgets import signals_blocked, symbol_icon

#: One colour per family of covariance models in the selection plot: circles (shape I),
#: axis-aligned ellipses (orientation I), a shared orientation (E) and free orientations
#: (V); scikit-learn's spherical, diag, tied and full are one of each. The components'
#: colours (drawing.PALETTE) are muted; these are saturated hues that palette leaves out,
#: at least 35 CIELAB units from every component colour and its ellipse shade, so a curve
#: is never read as a component. Within a family the marker (COVARIANCE_SYMBOLS) tells
#: the models apart, also without colour vision.
FAMILY_COLORS = {
    "spherical": (220, 0, 50),   # crimson
    "axis": (0, 160, 0),         # pure green
    "shared": (220, 0, 220),     # magenta
    "free": (0, 0, 230),         # pure blue
}
FAMILY_TITLES = {"spherical": "circles", "axis": "axis-aligned",
                 "shared": "one orientation", "free": "own orientations"}


def family(model: str) -> str:
    code = mclust_code(model)
    if code[1] == "I":
        return "spherical"
    return {"I": "axis", "E": "shared", "V": "free"}[code[2]]


def _symbol(model: str) -> str:
    code = mclust_code(model)
    if code[1] == "I":
        return "t" if code[0] == "V" else "t1"
    if code == "VVI":
        return "d"  # diag keeps the diamond it always had
    return {("E", "E"): "s", ("V", "E"): "h", ("E", "V"): "p", ("V", "V"): "o"}[
        (code[0], code[1])]


COVARIANCE_COLORS = {m: FAMILY_COLORS[family(m)] for m in MODEL_TYPES}
#: The marker of each model's points (pyqtgraph symbols): volume and shape Equal or
#: Variable (EE square, VE hexagon, EV pentagon, VV circle; diag a diamond; circles
#: triangles).
COVARIANCE_SYMBOLS = {m: _symbol(m) for m in MODEL_TYPES}
#: The models a sweep covers until the user picks others.
DEFAULT_TYPES = tuple(t for t in MODEL_TYPES if t in COVARIANCE_TYPES)
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
        In the order of ``MODEL_TYPES``; never empty (default: scikit-learn's four).
    criterion : str
        ``"bic"``, ``"aic"`` or ``"icl"``: how the best model is marked.
    auto : bool
        Recompute when the data change.
    prior : bool
        Fit every cell under mclust's conjugate prior (MAP), as ``select --prior``; the
        models without one are left out.
    """

    k_max: int = 8
    n_init: int = DEFAULT_N_INIT
    covariance_types: tuple[str, ...] = DEFAULT_TYPES
    criterion: str = "bic"
    auto: bool = True
    prior: bool = False


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

        # The fourteen models, one row per family, each with its colour and marker.
        types = QGridLayout()
        types.setHorizontalSpacing(2)
        types.setVerticalSpacing(0)
        self.type_boxes: dict[str, QCheckBox] = {}
        for row, fam in enumerate(FAMILY_COLORS):
            for col, t in enumerate(m for m in MODEL_TYPES if family(m) == fam):
                box = QCheckBox(mclust_code(t))
                box.setChecked(t in DEFAULT_TYPES)
                box.setIcon(symbol_icon(COVARIANCE_COLORS[t], COVARIANCE_SYMBOLS[t],
                                        width=18, height=12))
                box.setIconSize(QSize(18, 12))
                box.setToolTip(f"Include {label(t)}: {describe(t)} (at least one model "
                               "stays on)")
                box.toggled.connect(self._on_types_toggled)
                types.addWidget(box, row, col)
                self.type_boxes[t] = box
        presets = QHBoxLayout()
        self.preset_buttons: dict[str, QToolButton] = {}
        for key, text, tip in (("sklearn", "scikit-learn's 4",
                                "full, tied, diag and spherical (VVV, EEE, VVI, VII)"),
                               ("all", "all 14", "mclust's fourteen models (slower)")):
            b = QToolButton()
            b.setText(text)
            b.setToolTip(f"Cover {tip}")
            b.clicked.connect(lambda _=False, k=key: self.choose_models(k))
            presets.addWidget(b)
            self.preset_buttons[key] = b
        presets.addStretch(1)
        grid.addLayout(types, 1, 0, 1, 4)
        grid.addLayout(presets, 2, 0, 1, 4)

        crit = QHBoxLayout()
        crit.addWidget(QLabel("Best by"))
        self.criterion_group = QButtonGroup(self)
        self.criterion_buttons: dict[str, QToolButton] = {}
        for c, tip in (("bic", ("BIC = −2 log L + p log N: penalises parameters more; "
                                "favours fewer components")),
                       ("aic", "AIC = −2 log L + 2p: penalises parameters less"),
                       ("icl", "ICL = BIC − 2 Σᵢ log zᵢ,map: also penalises overlapping "
                               "components, favouring well-separated clusters (mclust's "
                               "icl)")):
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
        self.prior = QCheckBox("MAP")
        self.prior.setToolTip("Fit every cell under mclust's default conjugate prior (MAP), "
                              "as Mclust(..., prior = priorControl()); the models mclust has "
                              "no prior for (VEE, EVE, VVE, EVV) are left out")
        crit.addWidget(self.prior)
        crit.addStretch(1)
        grid.addLayout(crit, 3, 0, 1, 4)

        self.k_max.valueChanged.connect(self.options_changed)
        self.n_init.valueChanged.connect(self.options_changed)
        self.auto.toggled.connect(self.options_changed)
        self.prior.toggled.connect(self.options_changed)

    def options(self) -> SelectionOptions:
        return SelectionOptions(
            self.k_max.value(), self.n_init.value(),
            tuple(t for t in MODEL_TYPES if self.type_boxes[t].isChecked()),
            self.criterion, self.auto.isChecked(), self.prior.isChecked())

    def set_options(self, options: SelectionOptions) -> None:
        """Show ``options`` (e.g. restored from settings) without emitting options_changed."""
        boxes = list(self.type_boxes.values())
        with signals_blocked(self.k_max, self.n_init, self.auto, self.prior,
                             self.criterion_group, *boxes):
            self.k_max.setValue(options.k_max)
            self.n_init.setValue(options.n_init)
            types = options.covariance_types or DEFAULT_TYPES
            for t, box in self.type_boxes.items():
                box.setChecked(t in types)
            self.criterion_buttons[options.criterion].setChecked(True)
            self.auto.setChecked(options.auto)
            self.prior.setChecked(options.prior)
        self._lock_last_type()
        self.criterion_changed.emit()

    @property
    def criterion(self) -> str:
        return next((c for c, b in self.criterion_buttons.items() if b.isChecked()), "bic")

    def choose_models(self, which: str) -> None:
        """Tick scikit-learn's four ("sklearn") or all fourteen ("all"), as one change."""
        chosen = MODEL_TYPES if which == "all" else DEFAULT_TYPES
        with signals_blocked(*self.type_boxes.values()):
            for t, box in self.type_boxes.items():
                box.setChecked(t in chosen)
        self._on_types_toggled()

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
