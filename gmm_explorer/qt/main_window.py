"""The main window: wires the session, the EM worker, the canvas and the side panels.

Run/pause policy: an edit of the points, a change of K or of a setting, or loading data
*pauses* a run; results computed on the old data are dropped (the request's version is
stale). After an edit of the points the current parameters are kept and evaluated on the
new data as iteration 0, so the user can go on stepping from where they were.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, QStandardPaths, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSpinBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.errors import GMMExplorerError, InputError
from gmm_explorer.io.loaders import load_points
from gmm_explorer.io.samples import SAMPLES, get_sample
from gmm_explorer.qt.dialogs import (
    ColumnChoice,
    ColumnPickerDialog,
    GenerateDialog,
    SampleDialog,
    table_needing_choice,
)
from gmm_explorer.io.atomic import atomic_write
from gmm_explorer.io.session_file import SUFFIX, is_session_path, read_session, write_session
from gmm_explorer.qt.analyses import Analyses
from gmm_explorer.qt.canvas import Canvas
from gmm_explorer.qt.explore_panels import (
    BranchPanel,
    BranchRow,
    GalleryPanel,
    GroundTruthPanel,
    HealthPanel,
    InspectorPanel,
    SelectionPanel,
    TimelineBar,
)
from gmm_explorer.qt.em_worker import EMController, EMFailure, EMProgress, EMRequest, EMResult
from gmm_explorer.qt.panels import (
    ControlsPanel,
    LikelihoodPanel,
    ParameterTable,
    branch_style,
    signals_blocked,
)
from gmm_explorer.resources import sample_path
from gmm_explorer.session import ModelSettings, Session

APP_NAME = "GMM Explorer"
#: Seconds between recovery saves while there are unsaved changes.
AUTOSAVE_SECONDS = 30
MAX_RECENT = 8

#: File > Export: kind -> (menu text, file filter, default suffix).
EXPORTS = {
    "params_json": ("Parameters as JSON…", "Parameters (*.json)", ".json"),
    "params_csv": ("Parameters as CSV…", "CSV (*.csv)", ".csv"),
    "params_npz": ("Parameters as NPZ…", "NumPy archive (*.npz)", ".npz"),
    "responsibilities": ("Responsibilities and labels as CSV…", "CSV (*.csv)", ".csv"),
    "points": ("Points as CSV…", "CSV (*.csv)", ".csv"),
    "history": ("Log-likelihood history as CSV…", "CSV (*.csv)", ".csv"),
    "png": ("Canvas as PNG…", "PNG image (*.png)", ".png"),
    "svg": ("Canvas as SVG…", "SVG image (*.svg)", ".svg"),
    "sklearn": ("scikit-learn snippet…", "Python (*.py)", ".py"),
    "gif": ("Animation of the run as GIF…", "Animated GIF (*.gif)", ".gif"),
}
#: Right-click removes the nearest point within this many pixels.
REMOVE_RADIUS_PX = 8.0

SHORTCUTS = [
    ("Space", "Step: E-step then M-step"),
    ("E", "E-step: recolour points by responsibility"),
    ("M", "M-step: move the components"),
    ("R", "Run / pause (animated)"),
    ("C", "Run to convergence"),
    ("I", "Initialise / reset the model"),
    ("Esc", "Pause a run"),
    ("← / →", "Step back / forward in the history (the timeline)"),
    ("H", "Soft / hard colours"),
    ("U", "Colour by uncertainty (1 − max responsibility)"),
    ("D", "Shade the decision regions"),
    ("K", "Show the k-means centroids and regions"),
    ("F", "Fit view to data"),
    ("A / B / S", "Mouse mode: add points / brush / select"),
    ("P", "Mouse mode: place components (click: new mean; right-click a mean: remove)"),
    ("T", "Mouse mode: inspect (click a point to pin it)"),
    ("Drag a ring / handle", "Move a mean / rotate and stretch an ellipse"),
    ("Shift+drag", "Brush points"),
    ("Ctrl+drag", "Select points"),
    ("Right-click", "Delete the nearest point"),
    ("Delete", "Delete selected points"),
    ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo"),
    ("Ctrl+N", "New, empty session"),
    ("Ctrl+O", "Open a data file or a session"),
    ("Ctrl+S / Ctrl+Shift+S", "Save / save the session as"),
    ("Ctrl+Q", "Quit"),
]


class MainWindow(QMainWindow):
    """GMM Explorer's window."""

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.session = Session()
        self.qsettings = settings if settings is not None else QSettings()
        self.controller = EMController(self)
        self.running = False
        self.selection = np.zeros(0, dtype=np.intp)
        self.last_error: str | None = None
        self.dropped_results = 0
        self._queued_steps = 0
        self._stroking = False
        self._closed = False
        #: The .gmmx file this session was opened from or saved to.
        self.session_path: str | None = None
        #: The kind of the next result that is bookkeeping, not a user's change (the
        #: initialisation after opening a file, the recolouring after opening a session).
        self._clean_after: str | None = None
        self.setAcceptDrops(True)
        self._autosave = QTimer(self)
        self._autosave.setInterval(AUTOSAVE_SECONDS * 1000)
        self._autosave.timeout.connect(self.write_recovery)
        self._autosave.start()
        self._run_timer = QTimer(self)
        self._run_timer.setSingleShot(True)
        self._run_timer.timeout.connect(self._run_next)
        self._slow_views = QTimer(self)
        self._slow_views.setSingleShot(True)
        self._slow_views.setInterval(120)
        self._slow_views.timeout.connect(self._refresh_slow_views)

        self.canvas = Canvas()
        self.ll_panel = LikelihoodPanel()
        self.table = ParameterTable()
        self.timeline = TimelineBar()
        #: Index of the pinned point (the inspector's trajectory), or None.
        self.pinned: int | None = None
        self._hovered: int | None = None
        #: The mixture a drag of a mean or handle started from.
        self._drag_base = None
        #: The colours wanted for the displayed state (a scrub) while the worker was busy.
        self._colour_source = None
        self._colour_pending = False
        self._kmeans_centroids = None
        self._truth_cache: tuple | None = None
        self._shapes_on = True
        self._make_actions()
        self.controls = ControlsPanel(self.actions)
        self._make_layout()
        self._make_menus_and_toolbar()
        self._make_docks()
        self.analyses = Analyses(self)
        self.status_label = QLabel()
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addWidget(self.status_label, 1)
        self._wire()
        self._restore_settings()
        self._default_size()
        self._restore_geometry()
        self._refresh()  # undo/redo/delete start disabled

    # ------------------------------------------------------------------ building

    def _action(self, name, text, shortcut=None, tip="", slot=None, checkable=False):
        a = QAction(text, self)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setToolTip(f"{tip} ({a.shortcut().toString()})" if shortcut and tip else tip or text)
        a.setStatusTip(tip)
        a.setCheckable(checkable)
        if slot is not None:
            (a.toggled if checkable else a.triggered).connect(slot)
        self.actions[name] = a
        return a

    def _make_actions(self) -> None:
        self.actions: dict[str, QAction] = {}
        A = self._action
        A("new", "&New", "Ctrl+N", "Start a new, empty session", self.new_session)
        A("open", "&Open…", "Ctrl+O", "Open a CSV/TSV/TXT, .npy or .npz file of points, or a "
          ".gmmx session", self.open_dialog)
        A("save", "&Save", "Ctrl+S", "Save the session (points, settings, every step)",
          self.save)
        A("save_as", "Save &As…", "Ctrl+Shift+S", "Save the session to a new file",
          self.save_as)
        A("quit", "&Quit", "Ctrl+Q", "Quit GMM Explorer", self.close)
        A("undo", "&Undo", "Ctrl+Z", "Undo the last edit of the points", self.undo)
        A("redo", "&Redo", "Ctrl+Shift+Z", "Redo the edit just undone", self.redo)
        self.actions["redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        A("delete", "&Delete selected", "Delete", "Delete the selected points",
          self.delete_selection)
        A("clear", "C&lear all points", "Ctrl+Shift+Backspace", "Remove every point",
          self.clear_points)
        A("initialise", "&Initialise", "I", "Initialise the components (resets the run)",
          self.initialise)
        A("init_file", "Initialise from &file…", None, "Start EM from the parameters in a "
          "JSON parameters file (K and covariance type follow the file)", self.init_file_dialog)
        A("generate", "&Generate data…", "Ctrl+G", "Replace the data by a synthetic data set",
          self.generate_dialog)
        A("sample_model", "Sample from the &model…", None, "Draw points from the current "
          "mixture, replacing or adding to the data", self.sample_dialog)
        A("e_step", "&E-step", "E", "E-step: compute responsibilities; the points recolour, "
          "the ellipses stay", self.e_step)
        A("m_step", "&M-step", "M", "M-step: re-estimate the components from the "
          "responsibilities; the ellipses move", self.m_step)
        A("step", "&Step", "Space", "One EM iteration: E-step then M-step", self.step)
        A("run", "&Run", "R", "Run EM, animated; press again to pause", self.toggle_run)
        A("converge", "Run to &convergence", "C", "Iterate until converged, as fast as "
          "possible", self.converge)
        A("pause", "&Pause", "Esc", "Pause a run", self.pause)
        A("step_back", "Step &back", "Left", "Show the previous iteration (the timeline); "
          "stepping from there with anything changed starts a new branch", self.step_back)
        A("step_forward", "Step &forward in history", "Right", "Show the next recorded "
          "iteration of this branch", self.step_forward)
        A("hard", "&Hard colours", "H", "Colour points by their most responsible component",
          self._set_hard, checkable=True)
        A("uncertainty", "Colour by &uncertainty", "U", "Colour points by 1 − max "
          "responsibility (mclust's uncertainty plot): dark red points are the ambiguous ones",
          self._set_uncertainty, checkable=True)
        A("decision", "&Decision regions", "D", "Shade the region each component wins "
          "(arg-max responsibility)", self._set_decision, checkable=True)
        A("kmeans_overlay", "&k-means overlay", "K", "Show the k-means centroids and regions "
          "that the k-means initialisation starts from (for the current K and seed)",
          self._set_kmeans_overlay, checkable=True)
        A("fit_view", "&Fit view to data", "F", "Zoom to show all points", self.canvas.fit_view)
        group = QActionGroup(self)
        for name, text, key, tip in (
                ("mode_add", "&Add", "A", "Click adds a point; drag pans"),
                ("mode_brush", "&Brush", "B", "Drag paints points"),
                ("mode_select", "&Select", "S", "Drag selects points; Delete removes them"),
                ("mode_place", "&Place", "P", "Click places a new component's mean; "
                 "right-click a mean removes that component"),
                ("mode_inspect", "&Inspect", "T", "Hover a point to inspect it; click pins it "
                 "and shows its responsibilities across iterations")):
            a = A(name, text, key, tip, checkable=True)
            group.addAction(a)
            a.toggled.connect(self._mode_changed)
        self.actions["mode_add"].setChecked(True)
        A("shortcuts", "&Keyboard shortcuts", "F1", "List the keyboard shortcuts",
          self.show_shortcuts)

    def _make_layout(self) -> None:
        self.right_split = QSplitter(Qt.Orientation.Horizontal)
        self.right_split.addWidget(self.ll_panel)
        self.right_split.addWidget(self.table)
        self.right_split.setSizes([420, 560])
        canvas_box = QWidget()
        box = QVBoxLayout(canvas_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(self.canvas, 1)
        box.addWidget(self.timeline)
        self.center_split = QSplitter(Qt.Orientation.Vertical)
        self.center_split.addWidget(canvas_box)
        self.center_split.addWidget(self.right_split)
        self.center_split.setSizes([560, 220])
        self.center_split.setStretchFactor(0, 1)
        self.main_split = QSplitter(Qt.Orientation.Horizontal)
        self.main_split.addWidget(self.controls)
        self.main_split.addWidget(self.center_split)
        self.main_split.setSizes([270, 1010])
        self.main_split.setStretchFactor(1, 1)
        self.setCentralWidget(self.main_split)

    def _make_menus_and_toolbar(self) -> None:
        a = self.actions
        mb = self.menuBar()
        for title, names in (
                ("&File", ["new", "open", "recent", "samples", "generate", None, "save",
                           "save_as", "export", None, "quit"]),
                ("&Edit", ["undo", "redo", None, "mode_add", "mode_brush", "mode_select",
                           "mode_place", "mode_inspect", None, "delete", "clear"]),
                ("&EM", ["initialise", "init_file", "e_step", "m_step", "step", None, "run",
                         "converge", "pause", None, "step_back", "step_forward", None,
                         "sample_model"]),
                ("&View", ["hard", "uncertainty", "decision", "kmeans_overlay", None,
                           "fit_view", "panels"]),
                ("&Help", ["shortcuts"])):
            menu = mb.addMenu(title)
            for n in names:
                if n is None:
                    menu.addSeparator()
                elif n == "panels":
                    self.panels_menu = menu.addMenu("&Panels")
                elif n == "recent":
                    self.recent_menu = menu.addMenu("Open &Recent")
                    self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
                elif n == "samples":
                    samples = menu.addMenu("Sa&mples")
                    for sample in SAMPLES:
                        act = samples.addAction(sample.title)
                        act.setToolTip(sample.description)
                        act.setStatusTip(sample.description)
                        act.triggered.connect(lambda _=False, k=sample.key: self.open_sample(k))
                elif n == "export":
                    export = menu.addMenu("&Export")
                    for kind, (text, _, _) in EXPORTS.items():
                        act = export.addAction(text)
                        act.triggered.connect(lambda _=False, k=kind: self.export_dialog(k))
                else:
                    menu.addAction(a[n])
        tb = self.addToolBar("Main")
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        for n in ("open", "save", None, "undo", "redo", None, "mode_add", "mode_brush",
                  "mode_select", "mode_place", "mode_inspect"):
            tb.addSeparator() if n is None else tb.addAction(a[n])
        self.brush_radius = QSpinBox()
        self.brush_radius.setRange(2, 200)
        self.brush_radius.setValue(18)
        self.brush_radius.setSuffix(" px")
        self.brush_radius.setToolTip("Brush radius in screen pixels")
        self.brush_density = QSpinBox()
        self.brush_density.setRange(1, 50)
        self.brush_density.setValue(4)
        self.brush_density.setToolTip("Points the brush paints per mouse movement")
        tb.addWidget(QLabel(" brush radius "))
        tb.addWidget(self.brush_radius)
        tb.addWidget(QLabel(" points per move "))
        tb.addWidget(self.brush_density)
        for n in (None, "delete", "clear", None, "fit_view"):
            tb.addSeparator() if n is None else tb.addAction(a[n])

    def _make_docks(self) -> None:
        """The exploration panels, as tabbed docks on the right."""
        self.branch_panel = BranchPanel()
        self.selection_panel = SelectionPanel()
        self.gallery_panel = GalleryPanel()
        self.health_panel = HealthPanel()
        self.inspector = InspectorPanel()
        self.truth_panel = GroundTruthPanel()
        self.docks: dict[str, QDockWidget] = {}
        first = None
        # Tabs down the right edge: six fit without eliding, and cost no canvas width.
        self.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.East)
        for key, title, widget, tip in (
                ("health", "Health", self.health_panel, "Numerical health of each component"),
                ("branches", "Branches", self.branch_panel, "History branches"),
                ("selection", "Model selection", self.selection_panel,
                 "Live model selection: BIC and AIC against K"),
                ("gallery", "Local optima", self.gallery_panel, "Gallery of local optima"),
                ("inspector", "Inspector", self.inspector, "Point inspector"),
                ("truth", "Ground truth", self.truth_panel,
                 "Agreement with ground-truth labels")):
            dock = QDockWidget(title, self)
            dock.setToolTip(tip)
            dock.setObjectName(f"dock-{key}")
            dock.setWidget(widget)
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            if first is None:
                first = dock
            else:
                self.tabifyDockWidget(first, dock)
            self.panels_menu.addAction(dock.toggleViewAction())
            dock.visibilityChanged.connect(self._dock_visibility_changed)
            self.docks[key] = dock
        first.raise_()
        self.resizeDocks([first], [330], Qt.Orientation.Horizontal)

    def show_panel(self, key: str) -> None:
        """Show and raise one of the docked panels (see :attr:`docks`)."""
        dock = self.docks[key]
        dock.show()
        dock.raise_()

    def _wire(self) -> None:
        v = self.canvas.view
        v.point_add_requested.connect(self._on_add_point)
        v.point_remove_requested.connect(self._on_remove_point)
        v.stroke_started.connect(self._on_stroke_started)
        v.stroke_points_requested.connect(self._on_stroke_points)
        v.stroke_finished.connect(self._on_stroke_finished)
        v.selection_requested.connect(self._on_selection)
        self.brush_radius.valueChanged.connect(self._brush_changed)
        self.brush_density.valueChanged.connect(self._brush_changed)
        c = self.controls
        c.settings_edited.connect(self._on_settings_edited)
        # After a setting is chosen, give the keyboard back to the canvas, so that Space,
        # E and M step EM instead of typing into the spin box.
        for w in (c.k, c.seed, c.reg_covar, c.tol, c.max_iter):
            w.editingFinished.connect(self.canvas.setFocus)
        for w in (c.covariance, c.init):
            w.activated.connect(self.canvas.setFocus)
        for s, box in c.sigma_boxes.items():
            box.toggled.connect(lambda on, s=s: self.canvas.set_show_sigma(s, on))
        c.contours.toggled.connect(self.canvas.set_show_contours)
        c.density.toggled.connect(self.canvas.set_show_density)
        c.equal_axes.toggled.connect(self.canvas.set_equal_axes)
        c.hard.toggled.connect(self.actions["hard"].setChecked)
        self.actions["hard"].toggled.connect(c.hard.setChecked)
        self.controller.result_ready.connect(self._on_result)
        self.controller.failed.connect(self._on_failed)
        self.controller.progress.connect(self._on_progress)
        # History and branches
        self.timeline.position_requested.connect(self.scrub_to)
        self.branch_panel.branch_selected.connect(self.select_branch)
        self.branch_panel.branch_renamed.connect(self.rename_branch)
        self.branch_panel.branch_delete_requested.connect(self.delete_branch)
        # Hand-made components and locks
        v.component_drag_started.connect(self._on_component_drag_started)
        v.component_drag_moved.connect(self._on_component_drag_moved)
        v.component_drag_finished.connect(self._on_component_drag_finished)
        v.component_place_requested.connect(self.place_component)
        v.component_remove_requested.connect(self.remove_component)
        self.table.lock_toggled.connect(self.set_lock)
        # Health
        self.health_panel.reseed_requested.connect(self.reseed_component)
        self.health_panel.remove_requested.connect(self.remove_component)
        self.health_panel.raise_reg_covar_requested.connect(self.raise_reg_covar)
        # Inspector and ground truth
        v.point_hovered.connect(self._on_point_hovered)
        v.point_pinned.connect(self.pin_point)
        self.inspector.unpin_requested.connect(self._unpin)
        self.truth_panel.shapes_toggled.connect(self._on_shapes_toggled)

    # ------------------------------------------------------------------ settings

    def _restore_settings(self) -> None:
        q = self.qsettings
        try:
            s = ModelSettings(int(q.value("model/k", 2)),
                              str(q.value("model/covariance_type", "full")),
                              str(q.value("model/init", "kmeans")), int(q.value("model/seed", 0)),
                              float(q.value("model/reg_covar", 1e-6)),
                              float(q.value("model/tol", 1e-3)),
                              int(q.value("model/max_iter", 100)))
        except (GMMExplorerError, TypeError, ValueError):
            s = ModelSettings()  # a damaged settings file never stops the app
        self.session.settings = s
        self.controls.set_settings(s)
        with signals_blocked(*self.controls.sigma_boxes.values(), self.controls.contours,
                             self.controls.density):
            for sig, box in self.controls.sigma_boxes.items():
                on = str(q.value(f"view/sigma{sig}", "true" if sig < 3 else "false")) == "true"
                box.setChecked(on)
                self.canvas.show_sigma[sig] = on
            self.controls.contours.setChecked(str(q.value("view/contours", "true")) == "true")
            self.canvas.show_contours = self.controls.contours.isChecked()
            self.controls.density.setChecked(str(q.value("view/density", "false")) == "true")
            self.canvas.show_density = self.controls.density.isChecked()

    def _default_size(self) -> None:
        """1280 x 820, or 94% of the screen's free area where that is smaller."""
        screen = self.screen()
        w, h = 1280, 820
        if screen is not None:
            avail = screen.availableGeometry()
            w, h = min(w, int(avail.width() * 0.94)), min(h, int(avail.height() * 0.94))
            self.move(avail.x() + (avail.width() - w) // 2, avail.y() + (avail.height() - h) // 2)
        self.resize(w, h)

    def _restore_geometry(self) -> None:
        q = self.qsettings
        for key, restore in (("window/geometry", self.restoreGeometry),
                             ("window/state", self.restoreState),
                             ("window/main_split", self.main_split.restoreState),
                             ("window/center_split", self.center_split.restoreState),
                             ("window/right_split", self.right_split.restoreState)):
            value = q.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def _save_settings(self) -> None:
        q = self.qsettings
        s = self.session.settings
        for key, value in (("model/k", s.k), ("model/covariance_type", s.covariance_type),
                           ("model/init", s.init), ("model/seed", s.seed),
                           ("model/reg_covar", s.reg_covar), ("model/tol", s.tol),
                           ("model/max_iter", s.max_iter)):
            q.setValue(key, value)
        for sig, box in self.controls.sigma_boxes.items():
            q.setValue(f"view/sigma{sig}", "true" if box.isChecked() else "false")
        q.setValue("view/contours", "true" if self.controls.contours.isChecked() else "false")
        q.setValue("view/density", "true" if self.controls.density.isChecked() else "false")
        q.setValue("window/geometry", self.saveGeometry())
        q.setValue("window/state", self.saveState())
        q.setValue("window/main_split", self.main_split.saveState())
        q.setValue("window/center_split", self.center_split.saveState())
        q.setValue("window/right_split", self.right_split.saveState())
        q.sync()

    # ------------------------------------------------------------------ data

    def load_sample(self) -> None:
        """Load the built-in Old Faithful data (eruptions x waiting)."""
        self.open_sample("faithful", ask=False)

    def open_sample(self, key: str, *, ask: bool = True) -> bool:
        """Open a built-in data set (File > Samples), with its labels if it has any."""
        sample = get_sample(key)
        return self.load_file(str(sample_path(sample.filename)), display_name=sample.title,
                              columns=sample.columns, labels=sample.labels, ask=ask,
                              pick=False)

    def load_file(self, path: str, display_name: str | None = None, columns=None,
                  labels=None, *, ask: bool = True, pick: bool = True) -> bool:
        """Open a data file or a ``.gmmx`` session; on failure show an error and keep the
        current data. Asks first when there are unsaved changes (``ask``). When a file has
        more than two numeric columns or label candidates and no ``columns`` were given,
        the column picker asks which to use (``pick``), remembering the choice per file."""
        if ask and not self.maybe_save():
            return False
        if is_session_path(path):
            return self.load_session(path, ask=False)
        if pick and columns is None and labels is None:
            try:
                table = table_needing_choice(path)
            except GMMExplorerError as exc:
                self.show_error("Could not open the file", str(exc))
                return False
            if table is not None:
                choice = self.ask_columns_for(path, table, self._remembered_columns(path))
                if choice is None:
                    return False  # cancelled
                columns, labels = choice.columns, choice.labels
                self._remember_columns(path, choice)
        try:
            data = load_points(path, columns=columns, labels=labels)
        except GMMExplorerError as exc:
            self.show_error("Could not open the file", str(exc))
            return False
        if display_name is None:
            self._add_recent(path)
        self._install_points(data.points, str(path), data.column_names, data.labels,
                             data.label_name, display_name or Path(path).name, data.notes)
        return True

    def _install_points(self, points, source, column_names, labels, label_name, title,
                        notes=()) -> None:
        """Start a new exploration of ``points`` (from a file, a sample or a generator)."""
        self.pause()
        self.session.load(points, source=source, column_names=column_names, labels=labels,
                          label_name=label_name)
        self.session_path = None
        self._clean_after = "initialise"
        self._title_name = title
        self._update_title()
        self.canvas.plotItem.setLabel("bottom", column_names[0], color="k")
        self.canvas.plotItem.setLabel("left", column_names[1], color="k")
        self.selection = np.zeros(0, dtype=np.intp)
        self.canvas.set_selection(self.selection)
        self.canvas.set_points(self.session.points)
        self.canvas.set_colors(None, None)
        self.canvas.set_mixture(None)
        self.canvas.fit_view()
        self.canvas.setFocus()
        if notes:
            self.statusBar().showMessage("; ".join(notes), 8000)
        self._data_replaced()
        self._refresh()
        self.initialise()

    # ------------------------------------------------------------------ generators

    def ask_generate(self):
        """The generator dialog: (kind, n, k, seed), or None if cancelled."""
        dialog = GenerateDialog(self)
        return dialog.values() if dialog.exec() == GenerateDialog.DialogCode.Accepted else None

    @Slot()
    def generate_dialog(self) -> None:
        values = self.ask_generate()
        if values is not None:
            self.generate_data(*values)

    def generate_data(self, kind: str, n: int, k: int, seed: int, *, ask: bool = True) -> bool:
        """Replace the data by a synthetic data set (see engine.datasets)."""
        from gmm_explorer.engine.datasets import GENERATORS, generate

        if ask and not self.maybe_save():
            return False
        try:
            pts, lab = generate(kind, n, k, seed)
        except GMMExplorerError as exc:
            self.show_error("Could not generate the data", str(exc))
            return False
        title = GENERATORS[kind][0]
        self._install_points(pts, f"generated: {title} (N={n}, K={k}, seed={seed})",
                             ("x", "y"), tuple(str(v) for v in lab), "cluster", title)
        return True

    def ask_sample(self):
        """The sample dialog: (n, seed, replace), or None if cancelled."""
        dialog = SampleDialog(self)
        return dialog.values() if dialog.exec() == SampleDialog.DialogCode.Accepted else None

    @Slot()
    def sample_dialog(self) -> None:
        if self.session.current is None:
            self.show_error("Sample from the model", "There is no model yet: initialise first.")
            return
        values = self.ask_sample()
        if values is not None:
            self.sample_from_model(*values)

    def sample_from_model(self, n: int, seed: int, replace: bool = True) -> bool:
        """Draw points from the current mixture, replacing or adding to the data
        (undoable); the model is kept and evaluated on the new data."""
        from gmm_explorer import engine as E

        cur = self.session.current
        if cur is None:
            self.show_error("Sample from the model", "There is no model yet: initialise first.")
            return False
        pts, _ = E.sample(cur.mixture, int(n), seed=int(seed))
        if replace:
            self.session.replace_points(pts, f"Sample {n} points from the model")
        else:
            self.session.add_points(pts, f"Add {n} points from the model")
        self._after_edit()
        return True

    @Slot()
    def init_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Initialise from a parameters file",
                                              self._last_folder(), "Parameters (*.json)")
        if path:
            self.initialise_from_file(path)

    def initialise_from_file(self, path: str) -> bool:
        """Start EM from the parameters in a JSON parameters file (format v1); K and the
        covariance type follow the file."""
        from gmm_explorer.io.params import read_mixture

        try:
            mixture = read_mixture(path).mixture
            if mixture.n_components > self.session.n_points:
                raise InputError(f"the file has {mixture.n_components} components but there "
                                 f"are only {self.session.n_points} points", path=str(path))
        except GMMExplorerError as exc:
            self.show_error("Could not initialise from the file", str(exc))
            return False
        self.start_from(mixture, f"the parameters in {Path(path).name}")
        return True

    def start_from(self, mixture, description: str) -> None:
        """Load parameters (from a file, model selection or the optima gallery) as a new
        start, iteration 0: K and the covariance type follow them."""
        from dataclasses import replace

        settings = replace(self.session.settings, k=mixture.n_components,
                           covariance_type=mixture.covariance_type)
        self.pause()
        self._queued_steps = 0
        self.controls.set_settings(settings)
        self.session.set_settings(settings)
        self.session.reset_model()
        self.session.pending_start = mixture
        self.canvas.set_colors(None, None)
        self._evaluate_pending()
        self._refresh()
        self.statusBar().showMessage(f"Loaded {description}", 5000)

    def load_session(self, path: str, *, ask: bool = True) -> bool:
        """Open a ``.gmmx`` session exactly as it was saved."""
        if ask and not self.maybe_save():
            return False
        try:
            rec = read_session(path)
            session = Session.from_record(rec)
        except InputError as exc:
            # The settings are validated by the session, which does not know the file.
            msg = str(exc) if exc.path is not None else f"{path}: {exc}"
            self.show_error("Could not open the session", msg)
            return False
        self._install_session(session)
        self.session_path = str(path)
        self._add_recent(path)
        self._title_name = Path(path).name
        self._update_title()
        return True

    def _install_session(self, session: Session) -> None:
        """Show a restored session: data, settings, history and view."""
        self.pause()
        self._queued_steps = 0
        # Versions must keep increasing across sessions: a result still in flight was
        # computed for the old session and must not match the new one's version.
        session.model_version = max(session.model_version, self.session.model_version) + 1
        session.data_version = max(session.data_version, self.session.data_version) + 1
        self.session = session
        self.controls.set_settings(session.settings)
        x, y = session.column_names
        self.canvas.plotItem.setLabel("bottom", x, color="k")
        self.canvas.plotItem.setLabel("left", y, color="k")
        self.selection = np.zeros(0, dtype=np.intp)
        self.canvas.set_selection(self.selection)
        self.canvas.set_points(session.points)
        self.canvas.set_colors(None, None)
        self.canvas.fit_view()
        self.canvas.setFocus()
        self._data_replaced()
        session.dirty = False
        self._refresh()
        # Recolour the points as the saved phase shows them (responsibilities are not
        # stored: they are recomputed from the parameters).
        cur = session.current
        if cur is not None and session.phase == "E":
            self._clean_after = "e"
            self._submit("e")
        elif cur is not None:
            self._request_colours()

    @Slot()
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open points or a session", self._last_folder(),
            f"Data and sessions (*.csv *.tsv *.txt *.dat *.npy *.npz *{SUFFIX});;"
            f"GMM Explorer sessions (*{SUFFIX});;All files (*)")
        if path:
            self.load_file(path)

    @Slot()
    def new_session(self) -> None:
        """An empty canvas with the current settings: click to add points."""
        if not self.maybe_save():
            return
        self.pause()
        self._install_session(Session(settings=self.session.settings))
        self.session_path = None
        self._title_name = "Untitled"
        self.canvas.view.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
        self._update_title()

    def ask_columns_for(self, path, table, initial: ColumnChoice | None):
        """Ask which columns to use (the column picker); None if cancelled."""
        dialog = ColumnPickerDialog(table, initial=initial, parent=self)
        return dialog.choice() if dialog.exec() == ColumnPickerDialog.DialogCode.Accepted \
            else None

    def _columns_key(self, path) -> str:
        return "columns/" + str(Path(path).resolve()).replace("/", "|")

    def _remembered_columns(self, path) -> ColumnChoice | None:
        value = self.qsettings.value(self._columns_key(path))
        if not isinstance(value, list) or len(value) != 3:
            return None
        x, y, lab = (str(v) for v in value)
        return ColumnChoice(x, y, lab or None)

    def _remember_columns(self, path, choice: ColumnChoice) -> None:
        self.qsettings.setValue(self._columns_key(path),
                                [str(choice.x), str(choice.y), "" if choice.labels is None
                                 else str(choice.labels)])

    # ------------------------------------------------------------------ saving

    def _last_folder(self) -> str:
        return str(self.qsettings.value("files/last_folder", str(Path.home())))

    def _update_title(self) -> None:
        name = getattr(self, "_title_name", None) or "Untitled"
        # [*] shows as "*" while setWindowModified(True).
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(self.session.dirty)

    @Slot()
    def save(self) -> bool:
        if self.session_path is None:
            return self.save_as()
        return self.save_to(self.session_path)

    @Slot()
    def save_as(self) -> bool:
        start = self.session_path or str(Path(self._last_folder()) /
                                         (Path(getattr(self, "_title_name", "session")).stem
                                          + SUFFIX))
        path, _ = QFileDialog.getSaveFileName(self, "Save session", start,
                                              f"GMM Explorer sessions (*{SUFFIX})")
        if not path:
            return False
        if not path.lower().endswith(SUFFIX):
            path += SUFFIX
        return self.save_to(path)

    def save_to(self, path: str) -> bool:
        """Write the session atomically; on failure show why and keep it unsaved."""
        try:
            write_session(path, self.session.to_record())
        except GMMExplorerError as exc:
            self.show_error("Could not save the session", str(exc))
            return False
        self.session_path = str(path)
        self.session.dirty = False
        self._title_name = Path(path).name
        self._add_recent(path)
        self.remove_recovery()
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def ask_save_changes(self) -> str:
        """Ask what to do with unsaved changes: "save", "discard" or "cancel"."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          "This session has unsaved changes. Save them first?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: "save",
                QMessageBox.StandardButton.Discard: "discard"}.get(
            QMessageBox.StandardButton(answer), "cancel")

    def maybe_save(self) -> bool:
        """True when it is fine to replace the session (saved, discarded, or clean)."""
        if not self.session.dirty:
            return True
        answer = self.ask_save_changes()
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ export

    @Slot()
    def export_dialog(self, kind: str) -> None:
        text, filt, suffix = EXPORTS[kind]
        stem = Path(getattr(self, "_title_name", "gmm") or "gmm").stem
        start = str(Path(self._last_folder()) / f"{stem}-{kind}{suffix}")
        path, _ = QFileDialog.getSaveFileName(self, text.rstrip("…"), start, filt)
        if not path:
            return
        if not path.lower().endswith(suffix):
            path += suffix
        size = None
        if kind == "gif":
            self.analyses.export_gif(path)
            return
        if kind == "png":
            from PySide6.QtWidgets import QInputDialog

            w, ok = QInputDialog.getText(self, "Image size", "Width x height in pixels:",
                                         text=f"{self.canvas.width()}x{self.canvas.height()}")
            if not ok:
                return
            try:
                size = tuple(int(v) for v in w.lower().split("x"))
                assert len(size) == 2 and all(16 <= v <= 10000 for v in size)
            except (ValueError, AssertionError):
                self.show_error("Export", f"{w!r} is not a size like 1200x900")
                return
        self.export(kind, path, size=size)

    def export(self, kind: str, path: str, size=None) -> bool:
        """Write one export (see :data:`EXPORTS`) atomically; errors become a dialog."""
        from gmm_explorer import engine as E
        from gmm_explorer.engine.fit import aic_from, bic_from
        from gmm_explorer.io import export as X
        from gmm_explorer.io.params import dumps_mixture
        from gmm_explorer.io.tables import points_csv, responsibilities_csv

        if kind == "gif":  # rendered in the background, with progress
            return self.analyses.export_gif(path, size or (640, 480))
        s = self.session
        cur = s.current
        needs_model = kind not in ("points", "png", "svg")
        try:
            if needs_model and cur is None:
                raise InputError("there is no fitted model yet: initialise and step EM first")
            if kind == "params_json":
                fit = {"n_samples": cur.n_samples, "log_likelihood": cur.log_likelihood,
                       "mean_log_likelihood": cur.mean_log_likelihood, "n_iter": cur.iteration,
                       "converged": cur.converged,
                       "bic": float(bic_from(cur.log_likelihood, cur.mixture, cur.n_samples)),
                       "aic": float(aic_from(cur.log_likelihood, cur.mixture)),
                       "init": s.settings.init, "seed": s.settings.seed, "tol": s.settings.tol,
                       "reg_covar": s.settings.reg_covar, "max_iter": s.settings.max_iter,
                       "n_init": 1}
                data = dumps_mixture(cur.mixture, columns=s.column_names, fit=fit)
            elif kind == "params_csv":
                data = X.parameters_csv(cur.mixture)
            elif kind == "params_npz":
                data = X.parameters_npz(cur.mixture)
            elif kind == "responsibilities":
                resp = E.e_step(s.points, cur.mixture, want_resp=True).responsibilities
                data = responsibilities_csv(s.points, resp)
            elif kind == "points":
                data = points_csv(s.points, s.column_names)
            elif kind == "history":
                data = X.history_csv(s.history)
            elif kind == "sklearn":
                data = X.sklearn_snippet(cur.mixture, columns=s.column_names)
            elif kind == "png":
                data = self._canvas_png(size)
            elif kind == "svg":
                data = self._canvas_svg()
            else:
                raise ValueError(f"unknown export {kind!r}")
            atomic_write(path, data)
        except GMMExplorerError as exc:
            self.show_error("Export failed", str(exc))
            return False
        self.statusBar().showMessage(f"Exported {path}", 4000)
        return True

    def _canvas_png(self, size=None) -> bytes:
        from PySide6.QtCore import QBuffer, QIODevice

        image = self.canvas.grab().toImage()
        if size is not None and (image.width(), image.height()) != tuple(size):
            # Re-render the scene at the requested size rather than scaling pixels.
            from PySide6.QtGui import QImage, QPainter

            image = QImage(int(size[0]), int(size[1]), QImage.Format.Format_ARGB32)
            image.fill(Qt.GlobalColor.white)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.canvas.render(painter)
            painter.end()
        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buf, "PNG")
        return bytes(buf.data())

    def _canvas_svg(self) -> bytes:
        """The canvas as SVG through QSvgGenerator (pyqtgraph 0.14's SVGExporter fails on
        Qt >= 6.11, pyqtgraph issue #3495)."""
        from PySide6.QtCore import QBuffer, QIODevice, QRect, QSize
        from PySide6.QtGui import QPainter
        from PySide6.QtSvg import QSvgGenerator

        buf = QBuffer()
        buf.open(QIODevice.OpenModeFlag.WriteOnly)
        gen = QSvgGenerator()
        gen.setOutputDevice(buf)
        w, h = self.canvas.width(), self.canvas.height()
        gen.setSize(QSize(w, h))
        gen.setViewBox(QRect(0, 0, w, h))
        gen.setTitle(APP_NAME)
        painter = QPainter(gen)
        self.canvas.render(painter)
        painter.end()
        return bytes(buf.data())

    # ------------------------------------------------------------------ recent files

    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _add_recent(self, path) -> None:
        path = str(Path(path).resolve())
        items = [p for p in self.recent_files() if p != path]
        self.qsettings.setValue("files/recent", [path] + items[:MAX_RECENT - 1])
        self.qsettings.setValue("files/last_folder", str(Path(path).parent))

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        files = self.recent_files()
        if not files:
            self.recent_menu.addAction("(none)").setEnabled(False)
        for p in files:
            act = self.recent_menu.addAction(Path(p).name)
            act.setToolTip(p)
            act.setStatusTip(p)
            act.triggered.connect(lambda _=False, p=p: self.load_file(p))

    # ------------------------------------------------------------------ recovery

    @staticmethod
    def recovery_path() -> Path:
        """Where the autosaved recovery session lives (per user)."""
        # The generic location plus a fixed folder: unlike AppDataLocation, it does not
        # depend on whether the application's name was set yet.
        base = QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.GenericDataLocation) or str(Path.home())
        return Path(base) / "gmm-explorer" / f"recovery{SUFFIX}"

    @Slot()
    def write_recovery(self, force: bool = False) -> bool:
        """Write the recovery file if there are unsaved changes (at most every 30 s), or,
        with ``force`` (after an unexpected error), whenever there are points."""
        if self.session.n_points == 0 or not (self.session.dirty or force):
            return False
        path = self.recovery_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_session(path, self.session.to_record())
        except (OSError, GMMExplorerError):
            return False  # recovery is best effort; never interrupt the user for it
        return True

    def remove_recovery(self) -> None:
        try:
            self.recovery_path().unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass

    def ask_restore(self) -> bool:
        """Ask whether to restore the recovery session left by a crash."""
        box = QMessageBox(QMessageBox.Icon.Question, APP_NAME,
                          "GMM Explorer did not close properly last time. Restore the "
                          "unsaved session it recovered?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        return box.exec() == QMessageBox.StandardButton.Yes

    def offer_recovery(self) -> bool:
        """At start-up: restore the recovery file if one exists and the user agrees.
        Returns whether a session was restored."""
        path = self.recovery_path()
        if not path.exists():
            return False
        restored = False
        if self.ask_restore():
            try:
                session = Session.from_record(read_session(path))
            except GMMExplorerError as exc:
                self.show_error("Could not restore the session", str(exc))
            else:
                self._install_session(session)
                session.dirty = True  # restored work is not saved anywhere yet
                self._clean_after = None
                self._title_name = "Recovered session"
                self._update_title()
                restored = True
        self.remove_recovery()
        return restored

    # ------------------------------------------------------------------ drag and drop

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.load_file(files[0])

    # ------------------------------------------------------------------ edits

    def _data_replaced(self) -> None:
        """Views and analyses that depend on the points: after any change of the data."""
        self._kmeans_centroids = None
        self.canvas.set_kmeans(None)
        if self.pinned is not None:
            self.pin_point(-1)
        self._hovered = None
        self.canvas.set_hovered(None)
        self._update_label_shapes()
        self.analyses.data_changed()
        if self.actions["kmeans_overlay"].isChecked() and not self._stroking \
                and self.session.n_points >= self.session.settings.k:
            self._submit("kmeans")

    def _after_edit(self) -> None:
        """Redraw after the points changed; re-evaluate the kept parameters."""
        self.pause()
        self._queued_steps = 0
        self._data_replaced()
        self.selection = np.zeros(0, dtype=np.intp)
        self.canvas.set_selection(self.selection)
        self.canvas.set_points(self.session.points)
        self.canvas.set_colors(None, None)
        if not self._stroking:
            self._evaluate_pending()
        self._refresh()

    def _evaluate_pending(self) -> None:
        s = self.session
        if s.pending_start is not None and s.n_points >= s.pending_start.n_components:
            self.controller.submit(EMRequest(s.model_version, "evaluate", s.points, s.settings,
                                             s.pending_start))

    @Slot(float, float)
    def _on_add_point(self, x: float, y: float) -> None:
        self.session.add_point(x, y)
        self._after_edit()

    @Slot(float, float, float, float)
    def _on_remove_point(self, x: float, y: float, px: float, py: float) -> None:
        i = self.session.nearest_point(x, y, px, py, REMOVE_RADIUS_PX)
        if i is None:
            self.statusBar().showMessage("No point within a few pixels to delete", 3000)
            return
        self.session.remove_indices([i], "Delete point")
        self._after_edit()

    @Slot()
    def _on_stroke_started(self) -> None:
        self._stroking = True
        self.session.begin_stroke("Brush")

    @Slot(object)
    def _on_stroke_points(self, pts) -> None:
        self.session.add_points(pts, "Brush")
        self._after_edit()

    @Slot()
    def _on_stroke_finished(self) -> None:
        self._stroking = False
        self.session.end_stroke()
        self._after_edit()

    @Slot(float, float, float, float)
    def _on_selection(self, x0, y0, x1, y1) -> None:
        self.selection = self.session.indices_in_rect(x0, y0, x1, y1)
        self.canvas.set_selection(self.selection)
        self._refresh()
        self.statusBar().showMessage(
            f"{self.selection.size} points selected — press Delete to remove them", 5000)

    @Slot()
    def delete_selection(self) -> None:
        if self.selection.size:
            self.session.remove_indices(self.selection, f"Delete {self.selection.size} points")
            self._after_edit()

    @Slot()
    def clear_points(self) -> None:
        n = self.session.n_points
        if n:
            self.session.clear()
            self._after_edit()
            self.statusBar().showMessage(f"Cleared {n} points (Ctrl+Z to undo)", 5000)

    @Slot()
    def undo(self) -> None:
        if self.session.undo():
            self._after_edit()

    @Slot()
    def redo(self) -> None:
        if self.session.redo():
            self._after_edit()

    @Slot(bool)
    def _mode_changed(self, _on: bool) -> None:
        for mode in ("add", "brush", "select", "place", "inspect"):
            if self.actions[f"mode_{mode}"].isChecked():
                self.canvas.view.mode = mode

    @Slot()
    def _brush_changed(self) -> None:
        self.canvas.view.brush_radius_px = float(self.brush_radius.value())
        self.canvas.view.brush_density = int(self.brush_density.value())

    def _set_hard(self, on: bool) -> None:
        self.canvas.set_color_mode("hard" if on else "soft")

    # ------------------------------------------------------------------ EM

    @Slot()
    def _on_settings_edited(self) -> None:
        try:
            new = self.controls.settings()
        except GMMExplorerError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        self.pause()
        self._queued_steps = 0
        if self.session.set_settings(new) or not self.session.initialised:
            self.canvas.set_colors(None, None)
            self.initialise()
        self._refresh()

    def _can_fit(self) -> bool:
        try:
            self.session.check_can_fit()
        except InputError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return False
        return True

    def _locks_for(self, mixture):
        locks = self.session.locks
        if locks is None or mixture is None or locks.n_components != mixture.n_components:
            return None
        return locks if locks.any else None

    def _submit(self, kind: str, mixture=None, note: str | None = None) -> None:
        """Ask the worker for ``kind`` from the displayed state (or, for ``edit`` and
        ``colour``, about ``mixture``)."""
        s = self.session
        cur = s.current
        if mixture is None and cur is not None:
            mixture = cur.mixture
        iteration = 0 if cur is None else cur.iteration
        if kind == "edit":
            iteration += 1
        self.controller.submit(EMRequest(
            s.model_version, kind, s.points, s.settings, mixture, iteration,
            s.run_mean_log_likelihoods(), self._locks_for(mixture), note,
            want_kmeans=kind == "initialise" and self.actions["kmeans_overlay"].isChecked()))

    @Slot()
    def initialise(self) -> None:
        self.pause()
        self._queued_steps = 0
        self.session.reset_model()
        self.canvas.set_colors(None, None)
        self._refresh()
        if self._can_fit():
            self._submit("initialise")

    def _ensure_started(self) -> bool:
        """True when there is a model to step; otherwise start one (or explain why not)."""
        if self.session.initialised:
            return True
        if self.session.pending_start is None and self._can_fit():
            self._submit("initialise")
        return False

    @Slot()
    def e_step(self) -> None:
        if self.controller.busy or not self._ensure_started():
            return
        if self.session.phase == "E":
            self.statusBar().showMessage("The E-step is done: press M for the M-step", 3000)
            return
        self._submit("e")

    @Slot()
    def m_step(self) -> None:
        if self.controller.busy or not self._ensure_started():
            return
        if self.session.phase != "E":
            self.statusBar().showMessage("Do the E-step first (E): the M-step needs "
                                         "responsibilities", 3000)
            return
        self._submit("m")

    @Slot()
    def step(self) -> None:
        if self.controller.busy:
            self._queued_steps += 1
            return
        if not self._ensure_started():
            return
        self._submit("m" if self.session.phase == "E" else "step")

    @Slot()
    def toggle_run(self) -> None:
        if self.running:
            self.pause()
            return
        if not self._ensure_started() and not self.controller.busy:
            return
        self.running = True
        self._queued_steps = 0
        self.actions["run"].setText("&Pause")
        self._refresh()
        if not self.controller.busy:
            self._run_next()

    @Slot()
    def pause(self) -> None:
        was = self.running
        self.running = False
        self._run_timer.stop()
        self.actions["run"].setText("&Run")
        self.controller.cancel()
        if was:
            self._refresh()

    @Slot()
    def converge(self) -> None:
        if self.controller.busy or not self._ensure_started():
            return
        self.pause()
        self._submit("converge")
        self.statusBar().showMessage("Running to convergence… (Esc to stop)")

    def _run_finished(self) -> bool:
        cur = self.session.current
        return cur is None or cur.converged or cur.iteration >= self.session.settings.max_iter

    @Slot()
    def _run_next(self) -> None:
        if not self.running or self.controller.busy:
            return
        if self._run_finished():
            self.pause()
            return
        self._submit("m" if self.session.phase == "E" else "step")

    @Slot(object)
    def _on_result(self, res: EMResult) -> None:
        if self._closed:
            return
        if res.version != self.session.model_version:
            self.dropped_results += 1
            self._request_colours_if_pending()
            return
        if res.kmeans_centroids is not None:
            self._kmeans_centroids = res.kmeans_centroids
            self.canvas.set_kmeans(res.kmeans_centroids)
        if res.kind == "kmeans":
            self._step_if_queued()
            return
        if res.kind == "colour":
            if res.source_mixture is self._colour_source:
                self.canvas.set_colors(res.colors, res.labels)
                self.canvas.set_uncertainty(res.uncertainty)
            self._request_colours_if_pending()
            self._step_if_queued()
            return
        for step in res.steps:
            self.session.record(step, res.phase, res.version, res.note)
        if res.kind == self._clean_after:
            self.session.dirty = False
            self._clean_after = None
        self.session.phase = res.phase
        if res.neutral:
            self.canvas.set_colors(None, None)  # also forgets the uncertainty
        elif res.colors is not None:
            self.canvas.set_colors(res.colors, res.labels)
            self.canvas.set_uncertainty(res.uncertainty)
        self._refresh()
        if res.kind == "converge":
            cur = self.session.current
            self.statusBar().showMessage(
                ("Stopped" if res.cancelled else "Converged" if cur and cur.converged
                 else "Reached the maximum number of iterations") + f" at iteration "
                f"{cur.iteration if cur else 0}", 5000)
        if not self._step_if_queued() and self.running:
            sps = self.controls.steps_per_second
            self._run_timer.start(0 if sps == 0 else int(1000 / sps))

    def _step_if_queued(self) -> bool:
        if self._queued_steps and not self.running:
            self._queued_steps -= 1
            self.step()
            return True
        return False

    @Slot(object)
    def _on_failed(self, f: EMFailure) -> None:
        if self._closed or f.version != self.session.model_version:
            return
        self.pause()
        self._queued_steps = 0
        self.show_error("EM cannot continue", f.message)
        self._refresh()

    @Slot(object)
    def _on_progress(self, p: EMProgress) -> None:
        if p.version == self.session.model_version:
            self.statusBar().showMessage(
                f"Running to convergence… iteration {p.iteration}, mean log-likelihood "
                f"{p.mean_log_likelihood:.6g} (Esc to stop)")

    # ------------------------------------------------------------------ history and branches

    @Slot(int)
    def scrub_to(self, index: int) -> None:
        """Show iteration ``index`` of the active branch (the timeline and ← / →)."""
        s = self.session
        if not s.history:
            return
        self.pause()
        self._queued_steps = 0
        if s.scrub(index):
            self._request_colours()
            self._refresh()

    @Slot()
    def step_back(self) -> None:
        self.scrub_to(self.session.current_index - 1)

    @Slot()
    def step_forward(self) -> None:
        self.scrub_to(self.session.current_index + 1)

    @Slot(int)
    def select_branch(self, i: int) -> None:
        self.pause()
        self._queued_steps = 0
        if self.session.select_branch(i):
            self._request_colours()
            self._refresh()

    @Slot(int, str)
    def rename_branch(self, i: int, name: str) -> None:
        if self.session.rename_branch(i, name):
            self._refresh()

    @Slot(int)
    def delete_branch(self, i: int) -> None:
        s = self.session
        was_active = i == s.active
        if was_active:
            self.pause()
        if s.delete_branch(i):
            if was_active:
                self._request_colours()
            self._refresh()

    def _request_colours(self) -> None:
        """Colour the points as they were shown when the displayed state was made: by the
        responsibilities of the E-step before it (none for iteration 0)."""
        s = self.session
        i = s.current_index
        if i <= 0:
            self._colour_source = None
            self._colour_pending = False
            self.canvas.set_colors(None, None)
            return
        self._colour_source = s.history[i - 1].mixture
        self._colour_pending = True
        self._request_colours_if_pending()

    def _request_colours_if_pending(self) -> None:
        # One colour request at a time: scrubbing fast asks only for the last position.
        if self._colour_pending and not self.controller.busy and self._colour_source is not None:
            self._colour_pending = False
            self._submit("colour", self._colour_source)

    # ------------------------------------------------------------------ hand-made components

    def _base_mixture(self):
        return self.session.displayed_mixture

    def apply_manual_edit(self, mixture, note: str) -> bool:
        """Record parameters made by hand as a new state (a new branch when the timeline
        is scrubbed back), evaluated on the data; EM can start from it."""
        s = self.session
        if s.n_points == 0:
            self.statusBar().showMessage("Add points first: a component needs data to be "
                                         "evaluated on", 5000)
            return False
        if s.n_points < mixture.n_components:
            self.statusBar().showMessage(f"{s.n_points} points are fewer than "
                                         f"K={mixture.n_components}", 5000)
            return False
        self.pause()
        self._queued_steps = 0
        # Steps still in flight would land after the edit with the wrong iteration: a hand
        # edit, like an edit of the points, drops them.
        s.model_version += 1
        old_k = s.settings.k
        if mixture.n_components != old_k or mixture.covariance_type != s.settings.covariance_type:
            from dataclasses import replace

            s.settings = replace(s.settings, k=mixture.n_components,
                                 covariance_type=mixture.covariance_type)
            self.controls.set_settings(s.settings)
        if s.current is None:
            # No model yet: the edit is the start (iteration 0).
            s.reset_model()
            s.pending_start = mixture
            self._evaluate_pending()
        else:
            self._submit("edit", mixture, note)
        self.statusBar().showMessage(f"By hand: {note} — Step to run EM from here", 4000)
        return True

    def _resize_locks(self, transform) -> None:
        locks = self.session.locks
        if locks is not None:
            self.session.locks = transform(locks)

    @Slot(float, float)
    def place_component(self, x: float, y: float) -> bool:
        """Place mode: a new component with its mean at (x, y)."""
        from gmm_explorer.engine import edit
        from gmm_explorer.session import MAX_K

        s = self.session
        m = self._base_mixture()
        try:
            if m is None:
                new = edit.first_component(s.points, (x, y))
                if s.settings.covariance_type != "full":
                    from gmm_explorer.engine import project_covariance_type

                    new = project_covariance_type(new, s.settings.covariance_type)
            else:
                if m.n_components >= MAX_K:
                    self.statusBar().showMessage(f"K is at most {MAX_K}", 4000)
                    return False
                cov = edit.default_covariance_for(s.points, m.n_components + 1) \
                    if s.n_points >= 2 else None
                new = edit.add_component(m, (x, y), covariance=cov)
        except GMMExplorerError as exc:
            self.show_error("Could not place the component", str(exc))
            return False
        if m is not None:
            self._resize_locks(lambda L: L.with_added())
        return self.apply_manual_edit(new, f"placed component {new.n_components}")

    def _hand_edit(self, make, title: str, note: str, locks=None) -> bool:
        """Apply ``make(displayed mixture)`` as a hand-made state; errors become a dialog."""
        m = self._base_mixture()
        if m is None:
            return False
        try:
            new = make(m)
        except GMMExplorerError as exc:
            self.show_error(title, str(exc))
            return False
        if locks is not None:
            self._resize_locks(locks)
        return self.apply_manual_edit(new, note)

    @Slot(int)
    def remove_component(self, j: int) -> bool:
        from gmm_explorer.engine import edit

        return self._hand_edit(lambda m: edit.remove_component(m, j),
                               "Could not remove the component", f"removed component {j + 1}",
                               lambda L: L.without(j))

    @Slot(int)
    def reseed_component(self, j: int) -> bool:
        from gmm_explorer.engine import edit

        return self._hand_edit(lambda m: edit.reseed_component(m, j, self.session.points),
                               "Could not re-seed the component",
                               f"re-seeded component {j + 1} at the worst-explained points")

    @Slot()
    def raise_reg_covar(self) -> None:
        """The health panel's fix: reg_covar x10 from the next M-step on."""
        from dataclasses import replace

        from gmm_explorer.engine import edit

        s = self.session
        new = replace(s.settings, reg_covar=edit.raise_reg_covar(s.settings.reg_covar))
        self.controls.set_settings(new)
        s.set_settings(new)
        self._refresh()
        self.statusBar().showMessage(f"reg_covar is now {new.reg_covar:g}: it applies from "
                                     "the next M-step (Step)", 6000)

    @Slot(str, int, bool)
    def set_lock(self, kind: str, j: int, on: bool) -> None:
        """Lock or unlock one parameter of component ``j`` for the M-step."""
        from gmm_explorer.engine.locks import Locks

        s = self.session
        m = s.displayed_mixture
        if m is None or not 0 <= j < m.n_components:
            return
        locks = s.locks if s.locks is not None and s.locks.n_components == m.n_components \
            else Locks.none(m.n_components)
        if getattr(locks, kind)[j] != on:
            locks = locks.toggled(kind, j)
        s.locks = locks
        s.dirty = True
        self._refresh()

    @Slot(int, str)
    def _on_component_drag_started(self, j: int, part: str) -> None:
        self.pause()
        self._drag_base = self._base_mixture()

    def _dragged(self, j: int, part: str, x: float, y: float):
        from gmm_explorer.engine import edit

        base = self._drag_base
        if base is None or not 0 <= j < base.n_components:
            return None
        try:
            if part == "mean":
                return edit.move_mean(base, j, (x, y))
            return edit.drag_handle(base, j, part, (x, y))
        except GMMExplorerError:
            return None

    @Slot(int, str, float, float)
    def _on_component_drag_moved(self, j: int, part: str, x: float, y: float) -> None:
        new = self._dragged(j, part, x, y)
        if new is not None:
            self.canvas.set_mixture(new, preview=True)

    @Slot(int, str, float, float)
    def _on_component_drag_finished(self, j: int, part: str, x: float, y: float) -> None:
        new = self._dragged(j, part, x, y)
        self._drag_base = None
        if new is None:
            self.canvas.set_mixture(self.session.displayed_mixture)
            return
        what = "moved the mean of" if part == "mean" else "reshaped"
        if not self.apply_manual_edit(new, f"{what} component {j + 1}"):
            self.canvas.set_mixture(self.session.displayed_mixture)

    # ------------------------------------------------------------------ inspector, overlays

    @Slot(int)
    def _on_point_hovered(self, index: int) -> None:
        self._hovered = None if index < 0 else index
        self.canvas.set_hovered(self._hovered)
        self._update_inspector()

    @Slot(int)
    def pin_point(self, index: int) -> None:
        """Pin point ``index`` (-1 unpins): the inspector shows its trajectory."""
        self.pinned = None if index < 0 or index >= self.session.n_points else index
        self.canvas.set_pinned(self.pinned)
        if self.pinned is not None:
            self.show_panel("inspector")
        self._update_inspector()

    @Slot()
    def _unpin(self) -> None:
        self.pin_point(-1)

    def _update_inspector(self) -> None:
        from gmm_explorer.engine.pointwise import point_report, point_reports_along

        s = self.session
        m = s.displayed_mixture
        if self.pinned is not None and self.pinned >= s.n_points:
            self.pinned = None
            self.canvas.set_pinned(None)
        index = self.pinned if self.pinned is not None else self._hovered
        if index is None or index >= s.n_points or m is None:
            self.inspector.clear()
            self.inspector.clear_trajectory()
            return
        xy = (float(s.points[index, 0]), float(s.points[index, 1]))
        r = point_report(m, xy)
        self.inspector.set_point(index, xy, float(r.log_density), r.responsibilities,
                                 r.mahalanobis, r.component_log_density,
                                 self.pinned is not None)
        if self.pinned is not None and s.history:
            hist = s.history
            k = m.n_components
            same_k = [r for r in hist if r.mixture.n_components == k]
            resp = point_reports_along([r.mixture for r in same_k], xy)
            self.inspector.set_trajectory(np.array([r.iteration for r in same_k], float), resp,
                                          s.current.iteration if s.current else None)
        else:
            self.inspector.clear_trajectory()

    def _set_uncertainty(self, on: bool) -> None:
        if on and self.actions["hard"].isChecked():
            self.actions["hard"].setChecked(False)
        self._apply_colour_mode()

    def _apply_colour_mode(self) -> None:
        mode = ("uncertainty" if self.actions["uncertainty"].isChecked() else
                "hard" if self.actions["hard"].isChecked() else "soft")
        self.canvas.set_color_mode(mode)

    def _set_decision(self, on: bool) -> None:
        self.canvas.set_show_decision(on)

    def _set_kmeans_overlay(self, on: bool) -> None:
        self.canvas.set_show_kmeans(on)
        s = self.session
        if on and s.n_points >= s.settings.k:
            self._submit("kmeans")

    @Slot(bool)
    def _on_shapes_toggled(self, on: bool) -> None:
        self._shapes_on = on
        self._update_label_shapes()

    def _update_label_shapes(self) -> None:
        """Ground-truth labels as marker shapes (when the data have labels)."""
        labels = self.session.labels
        if labels is None or not self._shapes_on:
            self.canvas.set_label_shapes(None)
            return
        _, codes = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        self.canvas.set_label_shapes(codes)

    def _update_truth(self) -> None:
        """ARI and the matched confusion table of the displayed parameters' clustering."""
        from gmm_explorer import engine as E
        from gmm_explorer.engine.agreement import matched_confusion

        s = self.session
        m = s.displayed_mixture
        if s.labels is None:
            self.truth_panel.clear("This data set has no labels. Open iris or penguins from "
                                   "File › Samples, or generate data (File › Generate).")
            return
        if m is None:
            self.truth_panel.clear("No model yet: initialise (I).")
            return
        if not self.docks["truth"].isVisible():
            return  # computed when shown
        cache = self._truth_cache
        if cache is not None and cache[0] is m and cache[1] == s.data_version:
            return
        pred = E.predict(s.points, m)
        c = matched_confusion(np.asarray(s.labels, dtype=object).astype(str), pred,
                              m.n_components)
        self.truth_panel.set_agreement(c.ari, c.accuracy, c.classes, c.table, c.component_order,
                                       s.label_name or "label")
        self._truth_cache = (m, s.data_version, c)

    @Slot(bool)
    def _dock_visibility_changed(self, _visible: bool) -> None:
        self._slow_views.start()

    # ------------------------------------------------------------------ views

    def _refresh(self) -> None:
        s = self.session
        cur = s.current
        self.canvas.set_mixture(s.displayed_mixture)
        self.canvas.set_component_status(None if cur is None
                                         else [d.status for d in cur.diagnostics])
        self.ll_panel.update_branches([b.steps for b in s.branches], s.active, s.position)
        self.table.update_result(cur, s.locks)
        n = len(s.history)
        self.timeline.set_range(max(0, n - 1), max(0, s.current_index),
                                s.branch.name if len(s.branches) > 1 else "")
        rows = []
        for i, b in enumerate(s.branches):
            style, color = branch_style(i)
            rows.append(BranchRow(b.name, max(0, len(b.steps) - 1),
                                  b.steps[-1].mean_log_likelihood if b.steps else None,
                                  style, color))
        self.branch_panel.set_branches(rows, s.active)
        self.health_panel.update_diagnostics(None if cur is None else cur.diagnostics,
                                             s.settings.reg_covar)
        if cur is not None:
            self.selection_panel.set_current(cur.mixture.n_components,
                                             cur.mixture.covariance_type)
        a = self.actions
        a["undo"].setEnabled(s.can_undo)
        a["undo"].setText(f"&Undo {s.undo_label()}" if s.can_undo else "&Undo")
        a["redo"].setEnabled(s.can_redo)
        a["redo"].setText(f"&Redo {s.redo_label()}" if s.can_redo else "&Redo")
        a["delete"].setEnabled(self.selection.size > 0)
        a["m_step"].setEnabled(s.phase == "E" and s.initialised)
        a["step_back"].setEnabled(s.current_index > 0)
        a["step_forward"].setEnabled(not s.at_end)
        self.status_label.setText(self.status_text())
        self.setWindowModified(s.dirty)
        self._slow_views.start()

    @Slot()
    def _refresh_slow_views(self) -> None:
        """Views that cost a pass over the data or the history (the ground truth, the
        pinned point's trajectory), refreshed at most a few times a second."""
        if self._closed:
            return
        self._update_inspector()
        self._update_truth()

    def status_text(self) -> str:
        s = self.session
        parts = [f"{s.n_points} points", f"K={s.settings.k} {s.settings.covariance_type}"]
        cur = s.current
        if cur is None:
            parts.append("not initialised" if s.pending_start is None else "evaluating…")
        else:
            phase = "after E-step" if s.phase == "E" else "after M-step"
            if cur.iteration == 0 and s.phase == "M":
                phase = "initialised"
            if s.at_end:
                parts.append(f"iteration {cur.iteration} ({phase})")
            else:
                parts.append(f"viewing iteration {cur.iteration} of {s.latest.iteration} "
                             "(Step continues from here; a change starts a new branch)")
            note = s.branch.notes.get(s.current_index)
            if note:
                parts.append(f"by hand: {note}")
            parts.append(f"mean LL {cur.mean_log_likelihood:.6g}")
            if cur.change is not None:
                parts.append(f"ΔLL {cur.change:+.3g}")
            tol = s.settings.tol
            if cur.converged:
                parts.append("converged (|ΔLL| < tol, scikit-learn's rule)")
            elif cur.change is not None and abs(cur.change) < tol:
                parts.append("|ΔLL| < tol: converged after one more step (scikit-learn's rule)")
            else:
                parts.append("not converged")
            parts.extend(cur.warnings())
        if self.running:
            parts.append("running")
        return "   ·   ".join(parts)

    def show_error(self, title: str, text: str) -> None:
        """A non-blocking error dialog; never a traceback."""
        self.last_error = text
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self._error_box = box

    @Slot()
    def show_shortcuts(self) -> None:
        rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts",
                          f"<table>{rows}</table>", QMessageBox.StandardButton.Close, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # ------------------------------------------------------------------ closing

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        if not self._closed and not self.maybe_save():
            event.ignore()
            return
        self._closed = True
        self._autosave.stop()
        self.remove_recovery()
        self.pause()
        self._save_settings()
        self.controller.shutdown()
        self.analyses.shutdown()
        super().closeEvent(event)
