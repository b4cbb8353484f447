"""The window's actions (text, shortcut, tooltip), its menus and its toolbar.

Actions are created here without slots; the window connects each to the controller that
acts on it. Every shortcut is a window shortcut, so it works wherever the focus is.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QSpinBox, QWidget

#: name -> (text, shortcut or None, tooltip, checkable)
ACTIONS = {
    "new": ("&New", "Ctrl+N", "Start a new, empty session", False),
    "open": ("&Open…", "Ctrl+O", "Open a CSV/TSV/TXT, .npy, .npz, Excel, Parquet or Feather "
             "file of points, or a .gmmx session", False),
    "open_out_of_core": ("Open Out of &Core…", None, "Open a .npy file of points too "
                         "large for memory: its density and EM over its blocks, read from "
                         "the file as needed (File › Open does this by itself for a file "
                         "that would not fit)", False),
    "save": ("&Save", "Ctrl+S", "Save the session (points, settings, every step)", False),
    "save_as": ("Save &As…", "Ctrl+Shift+S", "Save the session to a new file", False),
    "quit": ("&Quit", "Ctrl+Q", "Quit GMM Explorer", False),
    "undo": ("&Undo", "Ctrl+Z", "Undo the last edit of the points", False),
    "redo": ("&Redo", "Ctrl+Shift+Z", "Redo the edit just undone", False),
    "paste": ("&Paste points", "Ctrl+V", "Paste cells copied from a spreadsheet (or lines "
              "of numbers) as the data, or add them to it", False),
    "delete": ("&Delete selected", "Delete", "Delete the selected points", False),
    "clear": ("C&lear all points", "Ctrl+Shift+Backspace", "Remove every point", False),
    "initialise": ("&Initialise", "I", "Initialise the components (resets the run)", False),
    "reset_settings": ("Reset &settings", None, "Back to the default model settings (K=2, "
                       "full, EM without prior or noise, kmeans, seed 0, reg_covar 1e-6, "
                       "tol 1e-3, 100 iterations) and view options; the next launch starts "
                       "from them too", False),
    "init_labels": ("Initialise from the &labels", None, "One component per class of the "
                    "data's labels (e.g. iris species), started from that classification "
                    "with the current covariance model; K follows the classes", False),
    "init_selection": ("Initialise from the s&election", None, "Component 1 on the selected "
                       "points (Select mode, or Ctrl+drag a box), the other components by "
                       "k-means on the rest, with the current K and covariance model",
                       False),
    "init_file": ("Initialise from &file…", None, "Start EM from the parameters in a JSON "
                  "parameters file (K and covariance type follow the file)", False),
    "generate": ("&Generate data…", "Ctrl+G", "Replace the data by a synthetic data set",
                 False),
    "sample_model": ("Sample from the &model…", None, "Draw points from the current mixture, "
                     "replacing or adding to the data", False),
    "e_step": ("&E-step", "E", "E-step: compute responsibilities; the points recolour, the "
               "ellipses stay", False),
    "m_step": ("&M-step", "M", "M-step: re-estimate the components from the "
               "responsibilities; the ellipses move", False),
    "step": ("&Step", "Space", "One EM iteration: E-step then M-step", False),
    "run": ("&Run", "R", "Run EM, animated; press again to pause", False),
    "converge": ("Run to &convergence", "C", "Iterate until converged, as fast as possible",
                 False),
    "pause": ("&Pause", "Esc", "Pause a run", False),
    "step_back": ("Step &back", "Left", "Show the previous iteration (the timeline); "
                  "stepping from there with anything changed starts a new branch", False),
    "step_forward": ("Step &forward in history", "Right", "Show the next recorded iteration "
                     "of this branch", False),
    "hard": ("&Hard colours", "H", "Colour points by their most responsible component", True),
    "uncertainty": ("Colour by &uncertainty", "U", "Colour points by 1 − max responsibility "
                    "(mclust's uncertainty plot): dark red points are the ambiguous ones",
                    True),
    "decision": ("&Decision regions", "D", "Shade the region each component wins (arg-max "
                 "responsibility)", True),
    "ghosts": ("&Ghosts of the last M-step", "G", "After an M-step, show the previous "
               "ellipses faintly with arrows from each old mean to the new one", True),
    "kmeans_overlay": ("&k-means overlay", "K", "Show the k-means centroids and regions that "
                       "the k-means initialisation starts from (for the current K and seed)",
                       True),
    "fit_view": ("&Fit view to data", "F", "Zoom to show all points", False),
    "standardise": ("S&tandardised units (z-scores)", None, "Show and fit each column as "
                    "z = (value − mean) / SD, for columns whose spreads differ many times; "
                    "exports stay in the data's units. The run starts over", True),
    "mode_add": ("&Add", "A", "Click adds a point; drag pans", True),
    "mode_brush": ("&Brush", "B", "Drag paints points", True),
    "mode_select": ("&Select", "S", "Drag selects points; Delete removes them", True),
    "mode_place": ("&Place", "P", "Click places a new component's mean; right-click a mean "
                   "removes that component", True),
    "mode_inspect": ("&Inspect", "T", "Hover a point to inspect it; click pins it and shows "
                     "its responsibilities across iterations", True),
    "compare": ("Compare &algorithms…", None, "Run EM, CEM, SEM, variational Bayes and "
                "k-means from the displayed state, side by side, with one iteration slider "
                "and each one's objective; export as PNG or GIF", False),
    "landscape": ("Likelihood &landscape…", "Ctrl+L", "ln p over two parameters (say the "
                  "x-means of components 1 and 2), every other one held at the displayed "
                  "state: EM's path, the local maxima and label switching's mirror",
                  False),
    "presentation": ("&Presentation mode", "F5", "Full screen for a lecture hall: the canvas "
                     "and the log-likelihood curve only, in large type and thick lines; F5 "
                     "again leaves", True),
    "shortcuts": ("&Keyboard shortcuts", "F1", "List the keyboard shortcuts", False),
    "getting_started": ("&Getting started", None, "Five things to try first, with the keys "
                        "to press", False),
}

#: The mouse modes, in the order of their actions (``mode_<name>``).
MODES = ("add", "brush", "select", "place", "inspect")

#: Menu title -> action names (None: a separator; "recent", "samples", "export", "panels",
#: "lessons": submenus the window fills).
MENUS = (
    ("&File", ["new", "open", "open_out_of_core", "recent", "samples", "generate", None, "save", "save_as",
               "export", None, "quit"]),
    ("&Edit", ["undo", "redo", None, "paste", None, "mode_add", "mode_brush", "mode_select", "mode_place",
               "mode_inspect", None, "delete", "clear"]),
    ("&EM", ["initialise", "init_file", "init_labels", "init_selection", "reset_settings", None, "e_step", "m_step", "step", None, "run", "converge",
             "pause", None, "step_back", "step_forward", None, "compare", "sample_model"]),
    ("&View", ["hard", "uncertainty", "decision", "ghosts", "kmeans_overlay", None, "fit_view",
               "standardise", "panels", "landscape", None, "presentation"]),
    ("&Help", ["getting_started", "lessons", "shortcuts"]),
)

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
    ("G", "Ghosts: the previous ellipses and arrows after an M-step"),
    ("K", "Show the k-means centroids and regions"),
    ("F", "Fit view to data"),
    ("F5", "Presentation mode: full screen, large type (F5 again leaves)"),
    ("Ctrl+L", "The likelihood landscape over two parameters"),
    ("Ctrl+C in the parameter table", "Copy the whole table (tab-separated, full precision)"),
    ("Ctrl+V", "Paste points copied from a spreadsheet (as the data, or added to it)"),
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


def make_actions(window: QMainWindow) -> dict[str, QAction]:
    """Every action of the window, keyed by name; the mouse modes form one group."""
    actions: dict[str, QAction] = {}
    for name, (text, shortcut, tip, checkable) in ACTIONS.items():
        a = QAction(text, window)
        if shortcut:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setToolTip(f"{tip} ({a.shortcut().toString()})" if shortcut and tip else tip or text)
        a.setStatusTip(tip)
        a.setCheckable(checkable)
        actions[name] = a
    actions["redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    group = QActionGroup(window)
    for mode in MODES:
        group.addAction(actions[f"mode_{mode}"])
    actions["mode_add"].setChecked(True)
    return actions


def make_menus(window: QMainWindow, actions: dict[str, QAction]) -> dict:
    """The menu bar; returns the submenus the window fills: ``recent``, ``samples``,
    ``export``, ``panels`` and ``lessons``."""
    submenus = {}
    for title, names in MENUS:
        menu = window.menuBar().addMenu(title)
        for n in names:
            if n is None:
                menu.addSeparator()
            elif n in ("recent", "samples", "export", "panels", "lessons"):
                submenus[n] = menu.addMenu({"recent": "Open &Recent", "samples": "Sa&mples",
                                            "export": "&Export", "panels": "&Panels",
                                            "lessons": "&Lessons"}[n])
            else:
                menu.addAction(actions[n])
    return submenus


def make_toolbar(window: QMainWindow, actions: dict[str, QAction]) -> tuple[QSpinBox, QSpinBox]:
    """The main toolbar; returns its brush radius and brush density spin boxes."""
    tb = window.addToolBar("Main")
    tb.setObjectName("main-toolbar")
    tb.setMovable(False)
    for n in ("open", "save", None, "undo", "redo", None, "mode_add", "mode_brush",
              "mode_select", "mode_place", "mode_inspect"):
        tb.addSeparator() if n is None else tb.addAction(actions[n])
    radius = QSpinBox()
    radius.setRange(2, 200)
    radius.setValue(18)
    radius.setSuffix(" px")
    radius.setToolTip("Brush radius in screen pixels")
    density = QSpinBox()
    density.setRange(1, 50)
    density.setValue(4)
    density.setToolTip("Points the brush paints per mouse movement")
    tb.addWidget(QLabel(" brush radius "))
    tb.addWidget(radius)
    tb.addWidget(QLabel(" points per move "))
    tb.addWidget(density)
    for n in (None, "delete", "clear", None, "fit_view"):
        tb.addSeparator() if n is None else tb.addAction(actions[n])
    return radius, density


def show_shortcuts(anchor: QWidget) -> None:
    """Help > Keyboard shortcuts: a non-modal list, parented to ``anchor``'s window."""
    rows = "".join(f"<tr><td><b>{k}</b></td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in SHORTCUTS)
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{rows}</table>",
                      QMessageBox.StandardButton.Close, anchor.window())
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
