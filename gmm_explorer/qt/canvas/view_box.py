"""Mouse bindings of the canvas: a ``pyqtgraph.ViewBox`` subclass, as pyqtgraph's own
examples do. It turns clicks and drags into requests (signals) and never changes data;
its hit tests ask a :class:`~gmm_explorer.qt.canvas.hit_test.HitTargets` that the canvas
keeps up to date.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal

from gmm_explorer.qt.canvas.hit_test import HitTargets

#: Hover is evaluated at most this often (ms), at the latest mouse position.
HOVER_INTERVAL_MS = 30


class EditViewBox(pg.ViewBox):
    """Mouse bindings for editing points and components.

    In every mode, a left drag starting within ``HANDLE_PICK_PX`` (:mod:`.hit_test`) of a
    component mean or of a visible ellipse handle drags that part (``component_drag_*``).
    Otherwise:

    * left click: add a point (modes ``add``, ``brush``); place a component (``place``,
      unless on a mean or handle); pin the nearest point or unpin (``inspect``);
    * left drag in mode ``brush``, or Shift + left drag: paint points;
    * left drag in mode ``select``, or Ctrl + left drag: rubber-band selection;
    * right click: in mode ``place`` on a mean, remove that component; otherwise remove
      the nearest point within a few pixels;
    * other drags and the wheel: pan and zoom, as in pyqtgraph.
    """

    MODES = ("add", "brush", "select", "place", "inspect")

    #: (x, y) in data coordinates: the user clicked to add a point.
    point_add_requested = Signal(float, float)
    #: (x, y, data units per pixel in x, in y): the user right-clicked to remove a point.
    point_remove_requested = Signal(float, float, float, float)
    #: None: a brush stroke begins (its points form one undo step).
    stroke_started = Signal()
    #: ndarray (m, 2): points painted by the brush.
    stroke_points_requested = Signal(object)
    #: None: the brush stroke ended.
    stroke_finished = Signal()
    #: (x0, y0, x1, y1) in data coordinates: a rubber band was drawn.
    selection_requested = Signal(float, float, float, float)
    #: (j, part): the user grabbed component j's part ("mean", "major" or "minor").
    component_drag_started = Signal(int, str)
    #: (j, part, x, y): the grabbed part is dragged to data point (x, y).
    component_drag_moved = Signal(int, str, float, float)
    #: (j, part, x, y): the drag ended with the part at data point (x, y).
    component_drag_finished = Signal(int, str, float, float)
    #: (x, y) in data coordinates: the user asked for a new component there (mode place).
    component_place_requested = Signal(float, float)
    #: j: the user right-clicked component j's mean in mode place, to remove it.
    component_remove_requested = Signal(int)
    #: index of the point under the mouse (nearest within POINT_PICK_PX), or -1 for none.
    point_hovered = Signal(int)
    #: index of the point clicked in mode inspect, or -1: click in empty space, unpin.
    point_pinned = Signal(int)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setMenuEnabled(False)
        self.mode = "add"
        self.brush_radius_px = 18.0
        self.brush_density = 4  # points per mouse move
        #: What the mouse can hit; the canvas pushes its points and component parts in.
        self.hit_targets = HitTargets()
        self._rng = np.random.default_rng()
        self._stroking = False
        self._selecting = False
        self._component_drag: tuple[int, str, float, float] | None = None
        # Hover: the latest mouse position is searched at most every HOVER_INTERVAL_MS.
        self._hover_scene: QPointF | None = None
        self._last_hovered = -1
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_INTERVAL_MS)
        self._hover_timer.timeout.connect(self._update_hover)
        self._grab_cursor = False

    @property
    def dragging_component(self) -> bool:
        """Whether a mean or handle is being dragged."""
        return self._component_drag is not None

    def scene_affine(self) -> tuple[float, float, float, float] | None:
        """``(sx, ox, sy, oy)`` with scene = (sx * x + ox, sy * y + oy) for data (x, y)."""
        r = self.viewRect()
        if not (r.width() > 0 and r.height() > 0):
            return None
        a = self.mapViewToScene(QPointF(r.left(), r.top()))
        b = self.mapViewToScene(QPointF(r.right(), r.bottom()))
        sx = (b.x() - a.x()) / r.width()
        sy = (b.y() - a.y()) / r.height()
        if not (np.isfinite(sx) and np.isfinite(sy) and sx != 0 and sy != 0):
            return None
        return sx, a.x() - sx * r.left(), sy, a.y() - sy * r.top()

    def component_at(self, scene_pos, means_only: bool = False):
        """The mean or visible handle near a scene position: ``(j, part, (x, y))`` or None
        (see :meth:`HitTargets.component_at`)."""
        return self.hit_targets.component_at(scene_pos.x(), scene_pos.y(),
                                             self.scene_affine(), means_only=means_only)

    def point_at(self, scene_pos) -> int:
        """Index of the point nearest a scene position within a few pixels, or -1."""
        return self.hit_targets.point_at(scene_pos.x(), scene_pos.y(), self.scene_affine())

    # -- hover (the canvas widget forwards its mouse moves: they come with no button down)

    def track_hover(self, scene_pos) -> None:
        """The mouse moved to ``scene_pos`` with no button down."""
        self._update_cursor(scene_pos)
        self._hover_scene = scene_pos
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def stop_hover(self) -> None:
        """A button is down (pan, stroke, drag): no hover search until it is released."""
        self._hover_scene = None
        self._hover_timer.stop()

    def hover_left(self) -> None:
        """The mouse left the canvas: nothing is hovered and the cursor is reset."""
        self.stop_hover()
        self._set_last_hovered(-1)
        if self._grab_cursor:
            self._grab_cursor = False
            self.unsetCursor()

    def forget_hover(self) -> None:
        """The points changed: report no hovered point, then search again if the mouse is
        over the canvas."""
        if self._last_hovered != -1:
            self._last_hovered = -1
            self.point_hovered.emit(-1)
        if self._hover_scene is not None:
            self._hover_timer.start()

    def _update_cursor(self, scene_pos) -> None:
        grab = self.component_at(scene_pos) is not None
        if grab != self._grab_cursor:
            self._grab_cursor = grab
            if grab:
                self.setCursor(Qt.CursorShape.SizeAllCursor)
            else:
                self.unsetCursor()

    def _update_hover(self) -> None:
        pos = self._hover_scene
        if pos is None:
            return
        inside = self.sceneBoundingRect().contains(pos)
        self._set_last_hovered(self.point_at(pos) if inside else -1)

    def _set_last_hovered(self, index: int) -> None:
        if index != self._last_hovered:
            self._last_hovered = index
            self.point_hovered.emit(index)

    # -- clicks and drags

    def mouseClickEvent(self, ev):
        if not self.sceneBoundingRect().contains(ev.scenePos()):
            # pyqtgraph's axes forward their clicks to the linked view box: a click on an
            # axis or its label must not edit the data (it lies outside the visible range).
            ev.ignore()
            return
        p = self.mapSceneToView(ev.scenePos())
        left = ev.button() == Qt.MouseButton.LeftButton
        if left and self.mode == "place":
            ev.accept()
            if self.component_at(ev.scenePos()) is None:
                self.component_place_requested.emit(p.x(), p.y())
        elif left and self.mode == "inspect":
            ev.accept()
            hit = self.point_at(ev.scenePos())
            self.point_pinned.emit(hit)
        elif left and self.mode in ("add", "brush"):
            ev.accept()
            self.point_add_requested.emit(p.x(), p.y())
        elif ev.button() == Qt.MouseButton.RightButton:
            ev.accept()
            hit = (self.component_at(ev.scenePos(), means_only=True)
                   if self.mode == "place" else None)
            if hit is not None:
                self.component_remove_requested.emit(hit[0])
            else:
                px, py = self.viewPixelSize()
                self.point_remove_requested.emit(p.x(), p.y(), px, py)
        else:
            super().mouseClickEvent(ev)

    def _brush_points(self, scene_pos) -> np.ndarray:
        c = self.mapSceneToView(scene_pos)
        px, py = self.viewPixelSize()
        n = self.brush_density
        r = self.brush_radius_px * np.sqrt(self._rng.random(n))
        t = self._rng.random(n) * 2 * np.pi
        return np.stack([c.x() + r * np.cos(t) * px, c.y() + r * np.sin(t) * py], axis=1)

    def mouseDragEvent(self, ev, axis=None):
        if ev.button() != Qt.MouseButton.LeftButton or axis is not None:
            return super().mouseDragEvent(ev, axis)
        if ev.isStart() and not (self._stroking or self._selecting):
            hit = self.component_at(ev.buttonDownScenePos())
            if hit is not None:
                j, part, (hx, hy) = hit
                down = self.mapSceneToView(ev.buttonDownScenePos())
                # Keep the grab offset, so the part does not jump to the cursor.
                self._component_drag = (j, part, hx - down.x(), hy - down.y())
                self.component_drag_started.emit(j, part)
        if self._component_drag is not None:
            ev.accept()
            j, part, ox, oy = self._component_drag
            p = self.mapSceneToView(ev.scenePos())
            if ev.isFinish():
                self._component_drag = None
                self.component_drag_finished.emit(j, part, p.x() + ox, p.y() + oy)
            else:
                self.component_drag_moved.emit(j, part, p.x() + ox, p.y() + oy)
            return None
        mods = ev.modifiers()
        brush = self.mode == "brush" or bool(mods & Qt.KeyboardModifier.ShiftModifier)
        select = self.mode == "select" or bool(mods & Qt.KeyboardModifier.ControlModifier)
        if brush or self._stroking:
            ev.accept()
            if ev.isStart():
                self._stroking = True
                self.stroke_started.emit()
            if self._stroking:
                self.stroke_points_requested.emit(self._brush_points(ev.scenePos()))
            if ev.isFinish():
                self._stroking = False
                self.stroke_finished.emit()
            return None
        if select or self._selecting:
            ev.accept()
            self._selecting = not ev.isFinish()
            if ev.isFinish():
                self.rbScaleBox.hide()
                a = self.mapSceneToView(ev.buttonDownScenePos())
                b = self.mapSceneToView(ev.scenePos())
                self.selection_requested.emit(a.x(), a.y(), b.x(), b.y())
            else:
                self.updateScaleBox(ev.buttonDownPos(), ev.pos())
            return None
        return super().mouseDragEvent(ev, axis)
