"""The exploration panels as docks: tabbed together down the window's right edge (eight
fit without eliding, and they cost no canvas width)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QTabWidget, QWidget

#: The exploration docks: key -> (tab title, title in View › Panels, tooltip). The tab
#: titles are short so that all eight fit down the edge of a 1280 x 720 window unelided.
DOCKS = {
    "health": ("Health", "Health", "Numerical health of each component"),
    "branches": ("Branches", "Branches", "History branches"),
    "selection": ("Selection", "Model selection",
                  "Live model selection: BIC and AIC against K"),
    "gallery": ("Optima", "Local optima", "Gallery of local optima"),
    "inspector": ("Inspector", "Inspector", "Point inspector"),
    "mstep": ("M-step", "M-step", "The M-step that made the displayed state, with numbers"),
    "bound": ("Bound", "Bound (ln p = 𝓛 + KL)",
              ("EM as the climb of a lower bound: ln p = 𝓛 + KL at each half-step, and "
               "the slice through the M-step")),
    "truth": ("Truth", "Ground truth", "Agreement with ground-truth labels"),
}


def on_screen(dock: QDockWidget) -> bool:
    """Whether ``dock`` can be seen: a tab behind another still reports isVisible()."""
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def make_docks(window: QMainWindow, panels: dict[str, QWidget],
               menu: QMenu) -> dict[str, QDockWidget]:
    """A dock for each of :data:`DOCKS`, holding ``panels[key]``, added to ``window``'s
    right edge behind Health, with its show/hide toggle in ``menu``. Returns them by key."""
    docks: dict[str, QDockWidget] = {}
    window.setTabPosition(Qt.DockWidgetArea.RightDockWidgetArea, QTabWidget.TabPosition.East)
    for key, (title, menu_title, tip) in DOCKS.items():
        dock = QDockWidget(title, window)
        dock.setToolTip(tip)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(panels[key])
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if docks:
            window.tabifyDockWidget(docks["health"], dock)
        toggle = dock.toggleViewAction()
        toggle.setText(menu_title)
        menu.addAction(toggle)
        docks[key] = dock
    docks["health"].raise_()
    window.resizeDocks([docks["health"]], [330], Qt.Orientation.Horizontal)
    return docks


#: The lesson panel's size when it first floats.
LESSON_SIZE = (340, 270)


def lesson_dock(window: QMainWindow, panel: QWidget) -> QDockWidget:
    """The lesson panel's dock, hidden until a lesson opens (Help › Lessons). It floats
    over the window's lower left (:func:`place_lesson`): docked beside the tabbed panels
    it would shorten their tab bar until the titles no longer fit, and tabbed with them
    it would hide behind the very panel a step brings forward. It can be docked by
    dragging, like the others."""
    dock = QDockWidget("Lesson", window)
    dock.setObjectName("dock-lesson")
    dock.setToolTip("The open lesson's steps: do this, notice that")
    dock.setWidget(panel)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    dock.setFloating(True)
    dock.hide()
    return dock


def place_lesson(dock: QDockWidget) -> None:
    """Float the lesson dock over the lower left of its window (over the View options),
    :data:`LESSON_SIZE` pixels, inside the window."""
    window = dock.parentWidget()
    frame = window.geometry()
    w, h = min(LESSON_SIZE[0], frame.width()), min(LESSON_SIZE[1], frame.height())
    dock.setFloating(True)
    dock.setGeometry(frame.left() + 8, frame.bottom() - h - 40, w, h)
