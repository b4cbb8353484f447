"""The model controls: settings (K, covariance type, initialisation, ...), the EM transport
buttons and the view options."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer import engine as E
from gmm_explorer.engine import algorithms
from gmm_explorer.qt.panels.model_glyphs import ModelCombo
from gmm_explorer.qt.panels.widgets import SciSpinBox, signals_blocked
from gmm_explorer.qt.theme import mute
from gmm_explorer.session.settings import MAX_K, ModelSettings

#: The Algorithm box's key for variational Bayes with a Dirichlet-distribution prior
#: (plain "vb" has scikit-learn's default, the Dirichlet process).
VB_DIRICHLET = "vb:dirichlet_distribution"


def algorithm_choices() -> list[tuple[str, str, str]]:
    """The Algorithm box's items: (key, text, tooltip); variational Bayes twice, once per
    weight prior."""
    out = []
    for name in algorithms.ALGORITHMS:
        tip = algorithms.describe(name)
        if name != algorithms.VB:
            out.append((name, algorithms.label(name), tip))
            continue
        out.append((name, "VB, Dirichlet process",
                    tip + " Weight prior: a Dirichlet process (stick-breaking), which "
                    "switches off the components the data do not need."))
        out.append((VB_DIRICHLET, "VB, Dirichlet",
                    tip + " Weight prior: a finite Dirichlet distribution; with its small "
                    "default concentration (1/K) unneeded components also fade."))
    return out


def split_choice(key: str) -> tuple[str, str]:
    """(algorithm, weight prior) of an Algorithm box key."""
    if key == VB_DIRICHLET:
        return algorithms.VB, "dirichlet_distribution"
    return key, "dirichlet_process"


def choice_key(algorithm: str, weight_prior: str) -> str:
    """The Algorithm box key of settings."""
    if algorithm == algorithms.VB and weight_prior == "dirichlet_distribution":
        return VB_DIRICHLET
    return algorithm


def prior_unavailable(algorithm: str, model: str) -> str | None:
    """Why the conjugate prior cannot go with ``algorithm`` and ``model`` (None: it can)."""
    from gmm_explorer.engine.priors import PRIOR_MODELS

    if algorithm == algorithms.VB:
        return "Variational Bayes has its own priors"
    if algorithm == algorithms.KMEANS:
        return "k-means has no place for a prior"
    if model not in PRIOR_MODELS:
        return (f"mclust has no conjugate prior for {model}: choose another covariance "
                "model to use one")
    return None


class ControlsPanel(QWidget):
    """Model settings, transport buttons and view options.

    Transport buttons are bound to the window's QActions (so the shortcuts, menus and
    buttons are one thing).
    """

    #: None: the user edited a model setting.
    settings_edited = Signal()
    #: The user asked NNclean for the noise fraction (the Noise row's "auto" button).
    noise_auto_requested = Signal()
    #: int: steps per second for Run (0 = as fast as possible).
    speed_changed = Signal(int)

    def __init__(self, actions: dict, parent=None) -> None:
        super().__init__(parent)
        # The groups scroll when the window is too short for them (1280 x 720 with a
        # tall font), rather than being cut off at the bottom.
        shell = QVBoxLayout(self)
        shell.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        outer = QVBoxLayout(inner)
        outer.setContentsMargins(6, 6, 6, 6)

        model = QGroupBox("Model")
        form = QFormLayout(model)
        form.setVerticalSpacing(3)  # the Model group must fit a 720-pixel screen
        self.k = QSpinBox()
        self.k.setRange(1, MAX_K)
        self.k.setToolTip("K: number of components (1–20)")
        self.covariance = ModelCombo()
        self._covariance_tip = self.covariance.toolTip()
        self.algorithm = QComboBox()
        # Its longest item must not widen the controls (and shrink the canvas).
        self.algorithm.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.algorithm.setMinimumContentsLength(14)
        for i, (key, text, tip) in enumerate(algorithm_choices()):
            self.algorithm.addItem(text, key)
            self.algorithm.setItemData(i, tip, Qt.ItemDataRole.ToolTipRole)
        self.algorithm.setToolTip("How each step shares the points among the components. "
                                  "A change applies from the next step, on a new branch.")
        self.prior = QCheckBox("Conjugate prior (MAP)")
        self._prior_tip = ("MAP estimation under mclust's default conjugate prior "
                           "(Fraley & Raftery 2007): the means shrink a little towards the "
                           "data's mean and the covariances towards a prior scale, so no "
                           "component can collapse onto a point. reg_covar is then not "
                           "used. Applies from the next step, on a new branch.")
        self.prior.setToolTip(self._prior_tip)
        self.noise = QDoubleSpinBox()
        self.noise.setRange(0.0, 0.9)
        self.noise.setSingleStep(0.05)
        self.noise.setDecimals(2)
        self.noise.setSpecialValueText("off")
        self._noise_tip = ("A uniform noise component for scattered outliers (mclust's): a "
                           "constant density over the data's region, with its own weight. "
                           "Initialise starts it from this fraction of the points, the most "
                           "isolated ones; a run from parameters without one adds it with "
                           "this weight (on a new branch). Its points are drawn light grey. "
                           "Off: none.")
        self.noise.setToolTip(self._noise_tip)
        # The noise's region is chosen in the "auto" button's menu: a box of its own
        # would widen the panel and shrink the canvas at 1280 x 720.
        self.noise_region_group = QActionGroup(self)
        self.noise_region_actions = {}
        for key, text, tip in (
                ("box", "Region: box (mclust's hypvol)",
                 "The noise spreads over the smaller of the data's bounding box and the box "
                 "along its principal axes (mclust's default)"),
                ("hull", "Region: convex hull",
                 "The noise spreads over the points' convex hull (the area mclust's "
                 "documentation computes for Vinv)")):
            action = QAction(text, self)
            action.setCheckable(True)
            action.setToolTip(tip)
            action.setData(key)
            self.noise_region_group.addAction(action)
            self.noise_region_actions[key] = action
        self.noise_region_actions["box"].setChecked(True)
        self.noise_region_group.triggered.connect(self.settings_edited)
        self.noise_auto = QToolButton()
        self.noise_auto.setText("auto")
        self._noise_auto_tip = (
            "Estimate the noise fraction from the data: NNclean (Byers & Raftery's "
            "nearest-neighbour clutter removal, as R's prabclus, k = 5) classes the points "
            "far from their 5th neighbour as clutter, and Noise is set to their share. "
            "Initialise then starts the noise from those points.")
        self.noise_auto.setToolTip(self._noise_auto_tip + " The arrow's menu chooses the "
                                   "noise's region: mclust's box or the convex hull.")
        self.noise_auto.clicked.connect(self.noise_auto_requested)
        menu = QMenu(self.noise_auto)
        menu.setToolTipsVisible(True)
        estimate = menu.addAction("Estimate the fraction (NNclean)")
        estimate.triggered.connect(self.noise_auto_requested)
        menu.addSeparator()
        for action in self.noise_region_actions.values():
            menu.addAction(action)
        self.noise_auto.setMenu(menu)
        self.noise_auto.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.init = QComboBox()
        self.init.addItems(list(E.INIT_METHODS))
        self.init.setToolTip("How Initialise places the components: k-means, k-means++ "
                             "seeds, random responsibilities, K random data points, the "
                             "centre start, or hc (mclust's model-based hierarchical "
                             "clustering, deterministic)")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setToolTip("Random seed: the same seed gives the same initialisation")
        self.reg_covar = SciSpinBox()
        self.reg_covar.setRange(0.0, 10.0)
        self.reg_covar.setSingleStep(1e-6)
        self.reg_covar.setToolTip("Added to the diagonal of each covariance after every "
                                  "M-step; raise it if a component collapses")
        self.tol = SciSpinBox()
        self.tol.setRange(0.0, 10.0)
        self.tol.setSingleStep(1e-6)
        self.tol.setToolTip("Converged when the mean log-likelihood changes by less than this")
        self.max_iter = QSpinBox()
        self.max_iter.setRange(1, 100000)
        self.max_iter.setToolTip("Run stops after this many iterations")
        for label, w in (("K", self.k), ("Covariance", self.covariance),
                         ("Algorithm", self.algorithm), ("Prior", self._prior_row()),
                         ("Init method", self.init),
                         ("Seed", self.seed), ("reg_covar", self.reg_covar), ("tol", self.tol),
                         ("Max iterations", self.max_iter)):
            form.addRow(label, w)
        for w in (self.k, self.seed, self.max_iter, self.reg_covar, self.tol, self.noise):
            # A typed number applies on Enter (or leaving the field), not digit by digit:
            # typing "12" into K must not initialise K=1 first. The arrows apply at once.
            w.setKeyboardTracking(False)
            w.valueChanged.connect(self.settings_edited)
        # First what the boxes allow (the prior box follows the model and algorithm),
        # then the settings they make: slots run in the order they were connected.
        self.algorithm.currentIndexChanged.connect(self._show_algorithm)
        self.covariance.currentIndexChanged.connect(self._show_algorithm)
        self.prior.toggled.connect(self._show_algorithm)
        self.prior.toggled.connect(self.settings_edited)
        for w in (self.covariance, self.algorithm, self.init):
            w.currentIndexChanged.connect(self.settings_edited)
        outer.addWidget(model)

        transport = QGroupBox("EM")
        grid = QGridLayout(transport)
        self.buttons = {}
        layout = [("initialise", 0, 0, 1, 2), ("e_step", 1, 0, 1, 1), ("m_step", 1, 1, 1, 1),
                  ("step", 2, 0, 1, 2), ("run", 3, 0, 1, 1), ("converge", 3, 1, 1, 1)]
        for name, r, c, rs, cs in layout:
            b = QToolButton()
            b.setDefaultAction(actions[name])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            b.setSizePolicy(b.sizePolicy().horizontalPolicy().Expanding,
                            b.sizePolicy().verticalPolicy())
            b.setMinimumHeight(28)
            grid.addWidget(b, r, c, rs, cs)
            self.buttons[name] = b
        speed_row = QHBoxLayout()
        speed_row.addWidget(QLabel("Speed"))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(1, 31)
        self.speed.setValue(5)
        self.speed.setToolTip("Run speed in steps per second (rightmost: as fast as possible)")
        self.speed.valueChanged.connect(lambda v: self.speed_changed.emit(self.steps_per_second))
        self.speed_label = QLabel()
        self.speed.valueChanged.connect(self._update_speed_label)
        speed_row.addWidget(self.speed, 1)
        speed_row.addWidget(self.speed_label)
        grid.addLayout(speed_row, 4, 0, 1, 2)
        self._update_speed_label()
        outer.addWidget(transport)

        view = QGroupBox("View")
        vgrid = QGridLayout(view)
        self.sigma_boxes = {}
        mass = {1: 39.3, 2: 86.5, 3: 98.9}  # 1 - exp(-s^2 / 2): mass inside, in 2-D
        for i, s in enumerate((1, 2, 3)):
            box = QCheckBox(f"{s}σ")
            box.setToolTip(f"Show the {s}σ ellipse of each component ({s} standard deviation"
                           f"{'s' if s > 1 else ''} along each axis); in two dimensions it "
                           f"holds {mass[s]}% of the component's mass")
            vgrid.addWidget(box, 0, i)
            self.sigma_boxes[s] = box
        self.contours = QCheckBox("Contours")
        self.contours.setToolTip("Density contours at log-spaced levels (half a decade apart)")
        self.density = QCheckBox("Shading")
        self.density.setToolTip("Shade the log-density of the mixture")
        self.hard = QCheckBox("Hard colours")
        self.hard.setToolTip("Colour points by their most responsible component instead of "
                             "blending colours by responsibility (H)")
        self.equal_axes = QCheckBox("Equal axes")
        self.equal_axes.setToolTip("One data unit is as long on both axes, so ellipses show "
                                   "their true shape and angle")
        vgrid.addWidget(self.contours, 1, 0)
        vgrid.addWidget(self.density, 1, 1)
        vgrid.addWidget(self.hard, 1, 2)
        vgrid.addWidget(self.equal_axes, 2, 0, 1, 2)
        # The legend lives here, not on the plot, where it would hide data.
        legend = QLabel("Ellipses: solid 1σ (39% of the mass), dashed 2σ (86%), dotted 3σ "
                        "(99%). Ring: component mean. Grey lines: density contours, half a "
                        "decade apart. Points: blended by responsibility (grey before the "
                        "first E-step, light grey: noise); with sample weights, larger "
                        "points weigh more.")
        legend.setWordWrap(True)
        legend.setStyleSheet("font-size: 11px;")
        mute(legend)
        vgrid.addWidget(legend, 3, 0, 1, 3)
        outer.addWidget(view)
        outer.addStretch(1)
        self.scroll.setWidget(inner)
        shell.addWidget(self.scroll)
        # As wide as the groups need, with room for the scroll bar when it shows.
        self.setMinimumWidth(inner.minimumSizeHint().width()
                             + self.scroll.verticalScrollBar().sizeHint().width())

    def _prior_row(self) -> QWidget:
        """The prior box and the noise fraction on one row (both change how EM estimates,
        and a row each would push the View group off a 720-pixel screen)."""
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.prior.setText("MAP")
        line.addWidget(self.prior)
        line.addStretch(1)
        noise_label = QLabel("Noise")
        noise_label.setToolTip(self._noise_tip)
        line.addWidget(noise_label)
        line.addWidget(self.noise)
        line.addWidget(self.noise_auto)
        return row

    def _show_algorithm(self) -> None:
        """k-means fits EII whatever the covariance box says: the box is disabled (its
        choice is kept for the other algorithms) and says why. The prior box is enabled
        only where mclust has a conjugate prior (and says why not elsewhere)."""
        algorithm = split_choice(self.algorithm.currentData())[0]
        kmeans = algorithm == algorithms.KMEANS
        self.covariance.setEnabled(not kmeans)
        self.covariance.setToolTip(
            f"k-means fits equal round clusters ({algorithms.KMEANS_MODEL}); choose "
            "another algorithm to fit this covariance model" if kmeans
            else self._covariance_tip)
        why = prior_unavailable(algorithm, self.covariance.model())
        self.prior.setEnabled(why is None)
        self.prior.setToolTip(self._prior_tip if why is None else why)
        # The noise component goes with EM's soft responsibilities (under the prior too,
        # as mclust's me*p with Vinv).
        noise_ok = algorithm == algorithms.EM
        self.noise.setEnabled(noise_ok)
        self.noise_auto.setEnabled(noise_ok)
        self.noise.setToolTip(self._noise_tip if noise_ok else
                              "The noise component goes with EM's soft responsibilities "
                              "(with or without the prior): choose EM to use it")

    @property
    def steps_per_second(self) -> int:
        v = self.speed.value()
        return 0 if v >= self.speed.maximum() else v

    def _update_speed_label(self) -> None:
        sps = self.steps_per_second
        self.speed_label.setText("max" if sps == 0 else f"{sps}/s")

    def settings(self) -> ModelSettings:
        algorithm, weight_prior = split_choice(self.algorithm.currentData())
        return ModelSettings(self.k.value(), self.covariance.model(),
                             self.init.currentText(), self.seed.value(),
                             self.reg_covar.value(), self.tol.value(), self.max_iter.value(),
                             algorithm, weight_prior,
                             self.prior.isChecked() and self.prior.isEnabled(),
                             self.noise.value() if self.noise.isEnabled() else 0.0,
                             self.noise_region_group.checkedAction().data())

    def set_settings(self, s: ModelSettings) -> None:
        with signals_blocked(self.k, self.covariance, self.algorithm, self.prior, self.noise,
                             self.noise_region_group, self.init, self.seed, self.reg_covar,
                             self.tol, self.max_iter):
            self.k.setValue(s.k)
            self.covariance.set_model(s.covariance_type)
            self.algorithm.setCurrentIndex(self.algorithm.findData(
                choice_key(s.algorithm, s.weight_prior)))
            self.prior.setChecked(s.prior)
            self.noise.setValue(s.noise)
            self.noise_region_actions[s.noise_region].setChecked(True)
            self._show_algorithm()
            self.init.setCurrentText(s.init)
            self.seed.setValue(s.seed)
            self.reg_covar.setValue(s.reg_covar)
            self.tol.setValue(s.tol)
            self.max_iter.setValue(s.max_iter)
