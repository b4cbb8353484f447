"""Presentation mode, for a lecture hall: the window full screen with the canvas and the
log-likelihood curve only, in large type and thick lines; leaving it puts the window back
exactly as it was (window state, geometry, docks, toolbars, splitters, hidden widgets).

The window creates one :class:`PresentationMode` and connects its action to
:meth:`~PresentationMode.set_active`. Sizes come from
:func:`~gmm_explorer.qt.plot_style.projector_style`, for the size the window has while
presenting, so the picture stays readable when a projector scales it down to 1024 x 768.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, QSize, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QToolBar,
    QWidget,
)

from gmm_explorer.qt.plot_style import PlotStyle, font_px, projector_style
from gmm_explorer.qt.theme import mute

#: Wider than this (width / height), the curve goes beside the canvas, else below it.
SIDE_BY_SIDE_ASPECT = 1.45
#: The width a kept panel (see PresentationMode's ``panels``) takes, as a share of the
#: window's.
PANEL_SHARE = 0.33
#: The canvas's share of the window's width (side by side) or height (stacked).
CANVAS_SHARE = {Qt.Orientation.Horizontal: 0.64, Qt.Orientation.Vertical: 0.66}


@dataclass(frozen=True)
class _Before:
    """The window as it was before presenting."""

    state: Qt.WindowState
    geometry: QRect
    layout: QByteArray  # QMainWindow.saveState: docks and toolbars
    plot_orientation: Qt.Orientation
    splitters: tuple[QByteArray, ...]
    hidden: tuple[tuple[QWidget, bool], ...]  # each widget presentation hides, and isHidden()
    fonts: tuple[tuple[QWidget, QFont | None], ...]  # each text widget's own font, or None


class PresentationMode(QObject):
    """Enters and leaves presentation mode for ``window``.

    ``chrome``: widgets to hide while presenting (with every dock and toolbar of the
    window); ``plot_split``: the splitter with the canvas first and the curve second (side
    by side on a wide screen while presenting); ``splitters``: whose sizes to put back
    (``plot_split`` among them); ``plots``: views with a
    ``set_presentation_style(PlotStyle | None)``; ``texts``: widgets whose text grows
    (with the status bar); ``leave_hint``: the caption shown at the right of the menu bar
    while presenting, saying how to leave (for the speaker: it stays small); ``panels``:
    docks that stay, beside the canvas, when they are on screen as presenting starts,
    their widgets styled through ``set_presentation_style`` (the Bound panel: a teacher
    who has it open wants the hall to see it); ``tool_windows``: the window's own
    top-level tool windows (the likelihood landscape, algorithms side by side), which
    stay above it and are styled the same way while presenting.
    """

    #: bool: presentation mode was entered (True) or left (False).
    active_changed = Signal(bool)

    def __init__(self, window: QMainWindow, chrome: Sequence[QWidget], plot_split: QSplitter,
                 splitters: Sequence[QSplitter], plots: Sequence, texts: Sequence[QWidget],
                 leave_hint: str, panels: Sequence[QDockWidget] = (),
                 tool_windows: Sequence[QWidget] = ()) -> None:
        # The window is this object's parent, looked up when needed: holding it here would
        # make a reference cycle through it (see ARCHITECTURE.md).
        super().__init__(window)
        self._chrome = tuple(chrome)
        self._plot_split = plot_split
        self._splitters = tuple(splitters)
        self._plots = tuple(plots)
        self._texts = (window.statusBar(), *texts)
        self._panels = tuple(panels)
        self._tool_windows = tuple(tool_windows)
        #: The panels kept while presenting (those on screen when it started).
        self.kept: tuple[QDockWidget, ...] = ()
        self._before: _Before | None = None
        self._style: PlotStyle | None = None
        self.caption = QLabel(leave_hint)
        self.caption.setToolTip("Presentation mode is on")
        self.caption.setStyleSheet("padding: 0 10px;")
        mute(self.caption)
        window.menuBar().setCornerWidget(self.caption, Qt.Corner.TopRightCorner)
        self.caption.hide()
        window.installEventFilter(self)

    @property
    def active(self) -> bool:
        return self._before is not None

    @property
    def style(self) -> PlotStyle | None:
        """The style the plots are shown in (None: not presenting)."""
        return self._style

    @Slot(bool)
    def set_active(self, on: bool) -> None:
        """Enter (True) or leave (False) presentation mode; nothing if already so."""
        if on == self.active:
            return
        if on:
            self._enter()
        else:
            self._leave()
        self.active_changed.emit(on)

    # ------------------------------------------------------------------ entering, leaving

    def _hidden_while_presenting(self) -> list[QWidget]:
        w = self.parent()
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        return [*self._chrome, *w.findChildren(QDockWidget, options=direct),
                *w.findChildren(QToolBar, options=direct)]

    def _enter(self) -> None:
        w = self.parent()
        self.kept = tuple(d for d in self._panels
                          if d.isVisible() and not d.visibleRegion().isEmpty())
        chrome = [c for c in self._hidden_while_presenting() if c not in self.kept]
        self._before = _Before(
            state=w.windowState(), geometry=w.geometry(), layout=w.saveState(),
            plot_orientation=self._plot_split.orientation(),
            splitters=tuple(s.saveState() for s in self._splitters),
            hidden=tuple((c, c.isHidden()) for c in chrome),
            fonts=tuple((t, QFont(t.font()) if t.testAttribute(Qt.WidgetAttribute.WA_SetFont)
                         else None) for t in self._texts))
        for c in chrome:
            c.hide()
        screen = w.screen()
        if screen is not None:
            # The window manager makes it so; without one (a kiosk session), this does.
            w.setGeometry(screen.geometry())
        w.showFullScreen()
        size = w.size() if screen is None else screen.geometry().size()
        if self.kept:
            w.resizeDocks(list(self.kept), [round(size.width() * PANEL_SHARE)] * len(self.kept),
                          Qt.Orientation.Horizontal)
        self._restyle(size)
        self.caption.show()

    def _leave(self) -> None:
        w, before = self.parent(), self._before
        self._before = None
        self.caption.hide()
        self._style = None
        for plot in self._plots:
            plot.set_presentation_style(None)
        for dock in self.kept:
            dock.widget().set_presentation_style(None)
        for tool in self._tool_windows:
            tool.set_presentation_style(None)
        self.kept = ()
        for text, font in before.fonts:
            text.setFont(QFont() if font is None else font)  # QFont(): inherit again
        w.setWindowState(before.state)
        if not before.state & (Qt.WindowState.WindowMaximized
                               | Qt.WindowState.WindowFullScreen):
            w.setGeometry(before.geometry)
        w.restoreState(before.layout)
        for c, hidden in before.hidden:
            c.setHidden(hidden)
        self._plot_split.setOrientation(before.plot_orientation)
        for s, state in zip(self._splitters, before.splitters, strict=True):
            s.restoreState(state)

    def _restyle(self, size: QSize) -> None:
        """The plots, their arrangement and the status line for a window of ``size``."""
        wide = size.width() > SIDE_BY_SIDE_ASPECT * size.height()
        orientation = Qt.Orientation.Horizontal if wide else Qt.Orientation.Vertical
        if orientation != self._plot_split.orientation() or self._style is None:
            total = size.width() if wide else size.height()
            canvas = round(total * CANVAS_SHARE[orientation])
            self._plot_split.setOrientation(orientation)
            self._plot_split.setSizes([canvas, total - canvas])
        style = projector_style(size.width(), size.height())
        if style == self._style:
            return
        self._style = style
        for plot in self._plots:
            plot.set_presentation_style(style)
        for dock in self.kept:
            dock.widget().set_presentation_style(style)
        for tool in self._tool_windows:
            tool.set_presentation_style(style)
        for text in self._texts:
            text.setFont(font_px(style.text_px, text.font()))

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt API
        # While presenting, the sizes follow the window's (another screen, a resize).
        if (obj is self.parent() and event.type() == QEvent.Type.Resize
                and self.active and not event.size().isEmpty()):
            self._restyle(event.size())
        return False
