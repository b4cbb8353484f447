"""The main window composes: it builds the views, creates one controller per concern and
wires them together. It holds no rules of its own (see ``gmm_explorer/ARCHITECTURE.md``).

Controllers (``qt/controllers/``), each given the session and the widgets it drives:

* ``files``: open, save, recent files, recovery, drag-and-drop, the title;
* ``data``: samples, generators, sampling from the model, a parameters file as a start;
* ``exports``: File > Export;
* ``run``: initialise, half-steps, Step, Run, convergence, the point colours;
* ``history``: scrubbing the timeline, switching, renaming and deleting branches;
* ``points``: adding, brushing, selecting and deleting points, undo and redo;
* ``components``: hand-made components, locks and the health panel's fixes;
* ``overlays``: colour modes, decision regions, k-means, the inspector, ground truth;
* ``units``: the standardised view (z-scores) and the bar offering it;
* ``m_step_explain``: the M-step panel (the displayed state's M-step, with numbers);
* ``bound_explain``: the bound panel (ln p = 𝓛 + KL at each half-step, the M-step's slice);
* ``landscape``: the likelihood landscape window (ln p over two parameters, in the background);
* ``compare``: algorithms side by side (EM, CEM, SEM, VB, k-means from one start; PNG, GIF);
* ``lessons``: Help › Lessons, a lesson's session and its steps in the lesson panel;
* ``analyses``: model selection and the optima gallery, in the background;
* ``gif_export``: the animated GIF of a run, drawn in the background.

The :class:`~gmm_explorer.qt.presenter.Presenter` refreshes the passive views whenever the
session says it changed.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from types import SimpleNamespace

from PySide6.QtCore import QEvent, QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import QMainWindow, QWidget

from gmm_explorer.errors import GMMExplorerError
from gmm_explorer.io.samples import SAMPLES
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt import window_state
from gmm_explorer.qt.actions import (
    MODES,
    make_actions,
    make_menus,
    make_toolbar,
    show_shortcuts,
)
from gmm_explorer.qt.app import first_launch
from gmm_explorer.qt.busy_indicator import BusyIndicator
from gmm_explorer.qt.canvas.canvas import Canvas
from gmm_explorer.qt.controllers.analyses import AnalysesController
from gmm_explorer.qt.controllers.bound_explain import BoundController
from gmm_explorer.qt.controllers.compare import CompareController
from gmm_explorer.qt.controllers.components import ComponentsController
from gmm_explorer.qt.controllers.data_sources import DataSourcesController
from gmm_explorer.qt.controllers.exports import EXPORTS, ExportsController
from gmm_explorer.qt.controllers.files import APP_NAME, FilesController
from gmm_explorer.qt.controllers.gif_export import GifExportController
from gmm_explorer.qt.controllers.history import HistoryController
from gmm_explorer.qt.controllers.kernels import KernelsController
from gmm_explorer.qt.controllers.landscape import LandscapeController
from gmm_explorer.qt.controllers.lessons import LessonsController
from gmm_explorer.qt.controllers.m_step_explain import MStepExplainController
from gmm_explorer.qt.controllers.out_of_core import OutOfCoreController
from gmm_explorer.qt.controllers.overlays import OverlaysController
from gmm_explorer.qt.controllers.points import PointsController
from gmm_explorer.qt.controllers.run import RunController
from gmm_explorer.qt.controllers.units import UnitsController
from gmm_explorer.qt.dialogs.compare import CompareWindow
from gmm_explorer.qt.dialogs.getting_started import (
    FirstLaunchPointer,
    GettingStartedDialog,
)
from gmm_explorer.qt.dialogs.landscape import LandscapeWindow
from gmm_explorer.qt.docks import lesson_dock, make_docks, on_screen
from gmm_explorer.qt.feedback import Feedback
from gmm_explorer.qt.layout import central_layout
from gmm_explorer.qt.panels.bound import BoundPanel
from gmm_explorer.qt.panels.branches import BranchPanel
from gmm_explorer.qt.panels.controls import ControlsPanel
from gmm_explorer.qt.panels.ground_truth import GroundTruthPanel
from gmm_explorer.qt.panels.health import HealthPanel
from gmm_explorer.qt.panels.inspector import InspectorPanel
from gmm_explorer.qt.panels.lesson import LessonPanel
from gmm_explorer.qt.panels.likelihood import LikelihoodPanel
from gmm_explorer.qt.panels.m_step import MStepPanel
from gmm_explorer.qt.panels.model_selection import SelectionPanel
from gmm_explorer.qt.panels.optima_gallery import GalleryPanel
from gmm_explorer.qt.panels.parameter_table import ParameterTable
from gmm_explorer.qt.panels.timeline import TimelineBar
from gmm_explorer.qt.panels.units_bar import UnitsBar
from gmm_explorer.qt.panels.widgets import ElidedLabel
from gmm_explorer.qt.presentation import PresentationMode
from gmm_explorer.qt.presenter import Presenter
from gmm_explorer.qt.window_keys import WindowKeys
from gmm_explorer.session import ModelSettings, Session


class MainWindow(QMainWindow):
    """GMM Explorer's window."""

    #: The window accepted a close (after any question about unsaved changes); its
    #: session stays readable (``gmm_explorer.explore`` waits for this).
    closing = Signal()

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self._themed = False  # apply_theme has styled every plot once
        self.qsettings = settings if settings is not None else QSettings()
        self.session = Session(settings=window_state.restore_model_settings(self.qsettings))
        self.closed = False
        #: Open out-of-core windows' controllers (File › Open Out of Core…).
        self.out_of_core: list[OutOfCoreController] = []
        self.setAcceptDrops(True)
        self._make_views()
        self._make_controllers()
        self._wire()
        self._make_explanations()
        window_state.restore_view_toggles(self.qsettings, self.controls, self.canvas)
        window_state.default_size(self)
        window_state.restore_geometry(self.qsettings, self)
        self.keys = WindowKeys(self)
        self.apply_theme()
        self.presenter.refresh()
        self.files.title_changed.emit(f"Untitled[*] — {APP_NAME}")

    # ------------------------------------------------------------------ views

    def _make_views(self) -> None:
        self.actions = make_actions(self)
        self.canvas = Canvas()
        self.ll_panel = LikelihoodPanel()
        self.table = ParameterTable()
        self.timeline = TimelineBar()
        self.controls = ControlsPanel(self.actions)
        self.units_bar = UnitsBar()
        self.panels = {"health": HealthPanel(), "branches": BranchPanel(),
                       "selection": SelectionPanel(), "gallery": GalleryPanel(),
                       "inspector": InspectorPanel(), "truth": GroundTruthPanel(),
                       "mstep": MStepPanel(), "bound": BoundPanel()}
        (self.main_split, self.center_split, self.right_split,
         self.narration) = central_layout(self.controls, self.canvas, self.timeline,
                                          self.ll_panel, self.table, self.units_bar)
        self.setCentralWidget(self.main_split)
        self.menus = make_menus(self, self.actions)
        self.brush_radius, self.brush_density = make_toolbar(self, self.actions)
        self.lesson_panel = LessonPanel()
        self.lesson_dock = lesson_dock(self, self.lesson_panel)
        self.docks = make_docks(self, self.panels, self.menus["panels"])
        self.status_label = ElidedLabel()
        self.statusBar().addWidget(self.status_label, 1)
        self.busy = BusyIndicator()
        self.statusBar().addPermanentWidget(self.busy)

    def show_panel(self, key: str) -> None:
        """Show and raise one of the docked panels (see :data:`~gmm_explorer.qt.docks.DOCKS`)."""
        self.docks[key].show()
        self.docks[key].raise_()

    @Slot(str)
    def _show_for_lesson(self, key: str) -> None:
        """A lesson's step asks for a panel or a tool window."""
        if key == "landscape":
            self.landscape.open()
        elif key == "compare":
            self.compare.open()
        elif key in self.docks:
            self.show_panel(key)

    # ------------------------------------------------------------------ controllers

    def _make_controllers(self) -> None:
        s, p = self.session, self.panels
        self.feedback = Feedback(self.statusBar())
        self.kernels = KernelsController(parent=self)
        self.run = RunController(s, self.canvas, self.controls, self.feedback, self.kernels,
                                 want_kmeans=self.actions["kmeans_overlay"].isChecked,
                                 parent=self)
        self.history = HistoryController(s, self.run, self.timeline, p["branches"], parent=self)
        self.points = PointsController(s, self.canvas, self.run, self.feedback, parent=self)
        self.components = ComponentsController(s, self.canvas, self.table, p["health"],
                                               self.run, self.feedback, parent=self)
        self.overlays = OverlaysController(
            s, self.canvas, p["inspector"], p["truth"], self.run, self.actions,
            truth_visible=partial(on_screen, self.docks["truth"]),
            inspector_dock=self.docks["inspector"], parent=self)
        self.files = FilesController(s, self.canvas, self.run, self.feedback, self.qsettings,
                                     parent=self)
        self.data = DataSourcesController(s, self.files, self.points, self.run, self.feedback,
                                          parent=self)
        self.analyses = AnalysesController(s, p["selection"], p["gallery"],
                                           partial(on_screen, self.docks["selection"]), self.run,
                                           self.feedback, parent=self)
        self.gif_export = GifExportController(s, self.feedback, parent=self)
        self.units = UnitsController(s, self.run, self.canvas, self.units_bar,
                                     self.actions["standardise"], self.feedback, parent=self)
        self.m_step_explain = MStepExplainController(s, p["mstep"], self.docks["mstep"],
                                                     parent=self)
        self.bound_explain = BoundController(s, p["bound"], self.docks["bound"], parent=self)
        self.landscape_window = LandscapeWindow(self)
        self.landscape = LandscapeController(s, self.landscape_window,
                                             partial(_restart_paths, self.analyses),
                                             parent=self)
        self.compare_window = CompareWindow(self)
        self.compare = CompareController(s, self.compare_window, self.feedback, parent=self)
        self.lessons = LessonsController(self.files, self.lesson_panel, self.lesson_dock,
                                         self.feedback, parent=self)
        self.lessons.fill_menu(self.menus["lessons"])
        self.exports = ExportsController(s, self.canvas, self.gif_export, self.files,
                                         self.feedback, parent=self)
        views = SimpleNamespace(canvas=self.canvas, ll_panel=self.ll_panel, table=self.table,
                                timeline=self.timeline, branch_panel=p["branches"],
                                health_panel=p["health"], selection_panel=p["selection"],
                                controls=self.controls, status_label=self.status_label,
                                mark_optimum=self.analyses.mark_current)
        self.presenter = Presenter(s, views, self.actions, self.points, self.run, self.overlays)

    def _wire(self) -> None:
        a, c, run, files, data = self.actions, self.controls, self.run, self.files, self.data
        bar = self.menuBar()
        self.lessons.show_requested.connect(self._show_for_lesson)
        for name, slot in (
                ("new", files.new_session), ("open", files.open_dialog),
                ("open_out_of_core", files.open_out_of_core_dialog), ("save", files.save),
                ("save_as", files.save_as), ("quit", self.close), ("undo", self.points.undo),
                ("redo", self.points.redo), ("paste", data.paste),
                ("delete", self.points.delete_selection),
                ("clear", self.points.clear), ("initialise", run.initialise),
                ("init_file", data.init_file_dialog), ("init_labels", data.initialise_from_labels),
                ("init_selection", self.points.initialise_from_selection),
                ("reset_settings", self.reset_settings),
                ("generate", data.generate_dialog),
                ("sample_model", data.sample_dialog), ("e_step", run.e_step),
                ("m_step", run.m_step), ("step", run.step), ("run", run.toggle_run),
                ("converge", run.converge), ("pause", run.pause),
                ("step_back", self.history.step_back),
                ("step_forward", self.history.step_forward),
                ("fit_view", self.canvas.fit_view), ("landscape", self.landscape.open),
                ("compare", self.compare.open),
                ("shortcuts", lambda: show_shortcuts(bar))):
            a[name].triggered.connect(slot)
        a["pause"].triggered.connect(self.canvas.setFocus)  # Esc gives the keys back
        files.out_of_core_wanted.connect(self.open_out_of_core)
        for mode in MODES:
            a[f"mode_{mode}"].toggled.connect(self._mode_changed)
        self.menus["recent"].aboutToShow.connect(self._fill_recent_menu)
        for sample in SAMPLES:
            act = self.menus["samples"].addAction(sample.title)
            act.setToolTip(sample.description)
            act.setStatusTip(sample.description)
            act.triggered.connect(lambda _=False, k=sample.key: data.open_sample(k))
        exports = self.exports
        for kind, (text, _, _) in EXPORTS.items():
            self.menus["export"].addAction(text).triggered.connect(
                lambda _=False, k=kind: exports.export_dialog(k))
        self.brush_radius.valueChanged.connect(self._brush_changed)
        self.brush_density.valueChanged.connect(self._brush_changed)
        c.settings_edited.connect(run.settings_edited)
        c.noise_auto_requested.connect(run.estimate_noise)
        # After a setting is chosen, give the keyboard back to the canvas, so that Space,
        # E and M step EM instead of typing into the spin box.
        for w in (c.k, c.seed, c.reg_covar, c.tol, c.max_iter):
            w.editingFinished.connect(self.canvas.setFocus)
        for w in (c.covariance, c.init):
            w.activated.connect(self.canvas.setFocus)
        for s, box in c.sigma_boxes.items():
            box.toggled.connect(partial(self.canvas.set_show_sigma, s))
        c.contours.toggled.connect(self.canvas.set_show_contours)
        c.density.toggled.connect(self.canvas.set_show_density)
        c.hard.toggled.connect(a["hard"].setChecked)
        a["hard"].toggled.connect(c.hard.setChecked)
        run.running_changed.connect(self._running_changed)
        run.narrated.connect(self.narration.setText)
        a["ghosts"].setChecked(True)
        a["ghosts"].toggled.connect(self.canvas.set_show_ghosts)
        run.activity_changed.connect(partial(self.busy.set_busy, "em"))
        self.kernels.compiling_changed.connect(partial(self.busy.set_busy, "compiler"))
        self.kernels.announce()
        for source in (self.points.points_edited, files.data_replaced):
            source.connect(self.overlays.data_replaced)
            source.connect(self.analyses.data_changed)
        files.data_replaced.connect(self.points.data_replaced)
        files.data_replaced.connect(self.units.data_replaced)
        self.points.cleared.connect(files.data_cleared)
        self.points.selection_changed.connect(self._selection_changed)
        files.title_changed.connect(self.setWindowTitle)
        for dock in self.docks.values():
            dock.visibilityChanged.connect(self.overlays.schedule_slow_views)
        self.docks["selection"].visibilityChanged.connect(
            self.analyses.selection_visibility_changed)

    def _make_explanations(self) -> None:
        """Presentation mode, Help › Getting started and, on a first launch, a pointer to
        it in the status bar."""
        a = self.actions
        self.presentation = PresentationMode(
            self, chrome=(self.controls, self.table, self.timeline, self.units_bar),
            plot_split=self.center_split,
            splitters=(self.main_split, self.center_split, self.right_split),
            plots=(self.canvas, self.ll_panel), texts=(self.narration,),
            leave_hint=f"{a['presentation'].shortcut().toString()} leaves presentation",
            panels=(self.docks["bound"],),
            tool_windows=(self.landscape_window, self.compare_window))
        a["presentation"].toggled.connect(self.presentation.set_active)
        self.presentation.active_changed.connect(a["presentation"].setChecked)
        self.getting_started = GettingStartedDialog(self)
        a["getting_started"].triggered.connect(self.getting_started.present)
        self.tour_pointer = FirstLaunchPointer()
        self.statusBar().addPermanentWidget(self.tour_pointer)
        self.tour_pointer.setVisible(first_launch(self.qsettings))
        self.tour_pointer.tour_requested.connect(a["getting_started"].trigger)
        a["getting_started"].triggered.connect(self.tour_pointer.hide)
        a["presentation"].triggered.connect(self.tour_pointer.hide)

    # ------------------------------------------------------------------ small slots

    @Slot(bool)
    def _mode_changed(self, _on: bool) -> None:
        for mode in MODES:
            if self.actions[f"mode_{mode}"].isChecked():
                self.canvas.view.mode = mode

    @Slot()
    def _brush_changed(self) -> None:
        self.canvas.view.brush_radius_px = float(self.brush_radius.value())
        self.canvas.view.brush_density = int(self.brush_density.value())

    @Slot()
    def reset_settings(self) -> None:
        """EM › Reset settings: the default model and view options."""
        window_state.reset_view_toggles(self.qsettings, self.controls, self.canvas)
        self.run.apply_settings(ModelSettings())
        self.feedback.status("Settings reset to their defaults", 4000)

    @Slot(bool)
    def _running_changed(self, _running: bool) -> None:
        self.presenter.refresh_actions()

    @Slot(object)
    def _selection_changed(self, _selection) -> None:
        self.presenter.refresh_actions()

    @Slot()
    def _fill_recent_menu(self) -> None:
        self.files.fill_recent_menu(self.menus["recent"])

    # ------------------------------------------------------------------ Qt events

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt API
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.files.open_dropped(files)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "keys"):
            self.apply_theme()  # (once the window is built)

    def apply_theme(self) -> None:
        """Follow the palette (a desktop switching between light and dark): the canvas's
        background, inks and component colours, and every plot's background and axes,
        here and in the tool windows (qt/theme.py)."""
        theme = themes.current(self.palette())
        if theme is self.canvas.theme and self._themed:
            return
        self._themed = True
        self.canvas.set_theme(theme)
        for root in (self, self.landscape_window, self.compare_window):
            themes.style_plots(root, theme)
            for panel in root.findChildren(QWidget):
                if hasattr(panel, "retheme"):  # marks drawn in the theme's inks
                    panel.retheme(theme)

    @Slot(str)
    def open_out_of_core(self, path: str) -> OutOfCoreController | None:
        """A window on the .npy file ``path`` read from disk as needed (its own thread);
        None after an error dialog when it is not a .npy of points."""
        try:
            ooc = OutOfCoreController(path, parent=self)
        except GMMExplorerError as exc:
            self.feedback.error("Could not open the file out of core", str(exc))
            return None
        self.out_of_core.append(ooc)
        ooc.closed.connect(self._out_of_core_closed)
        self.feedback.status(f"{Path(path).name} opened out of core, in a window of its "
                             "own; the data here is as it was", 8000)
        return ooc

    @Slot(object)
    def _out_of_core_closed(self, ooc) -> None:
        if ooc in self.out_of_core:
            self.out_of_core.remove(ooc)
        ooc.window.deleteLater()
        ooc.deleteLater()

    def discard_and_close(self) -> None:
        """Close without asking about unsaved changes (they are dropped, as a user's
        "Discard" drops them; the recovery file is removed as on any normal close)."""
        self._discard = True
        self.close()

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        discard = getattr(self, "_discard", False)
        if not self.closed and not discard and not self.files.maybe_save():
            event.ignore()
            return
        self.closed = True
        self.files.shutdown()
        self.run.shutdown()
        self.canvas.shutdown()
        self.kernels.shutdown()
        self.presentation.set_active(False)  # remember the window as it is outside it
        window_state.save_all(self.qsettings, self.session.settings, self.controls, self)
        self.analyses.shutdown()
        self.gif_export.shutdown()
        self.overlays.shutdown()
        self.m_step_explain.shutdown()
        self.bound_explain.shutdown()
        self.landscape.shutdown()
        self.landscape_window.close()
        for ooc in list(self.out_of_core):
            ooc.close()
        self.compare.shutdown()
        self.compare_window.close()
        super().closeEvent(event)
        self.closing.emit()


def _restart_paths(analyses) -> tuple:
    """The optima gallery's restarts' paths (for the likelihood landscape)."""
    return analyses.restart_paths
