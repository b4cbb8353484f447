"""The algorithms side by side window (EM › Compare algorithms…): the displayed state as
the one start of EM, CEM, SEM, variational Bayes and k-means, shown together at one
iteration chosen with a slider, with each algorithm's own objective.

A passive view: its controller (:mod:`gmm_explorer.qt.controllers.compare`) runs the
algorithms in the background and hands it the images to show
(:func:`gmm_explorer.qt.offscreen.compare.comparison_image`).
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.panels.widgets import (
    RunControls,
    hint_label,
    keep_on_screen,
    set_text_px,
)
from gmm_explorer.qt.plot_style import MIN_TEXT_PX, PlotStyle

#: The frames' text size (see comparison_image's text_scale): normal, and while
#: presentation mode is on.
FRAME_TEXT = 0.9
PRESENTING_FRAME_TEXT = 1.15


class ImageView(QWidget):
    """Shows one image, scaled to fit and centred, keeping its aspect ratio."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(480, 240)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), Qt.GlobalColor.white)
        if self.image is not None and not self.image.isNull():
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            s = min(self.width() / self.image.width(), self.height() / self.image.height())
            w, h = self.image.width() * s, self.image.height() * s
            p.drawImage(QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h),
                        self.image)
        p.end()


class CompareWindow(QWidget):
    """A top-level tool window; passive: :meth:`set_iterations`, :meth:`set_image`,
    :meth:`clear`, and its :attr:`controls` for progress and cancel."""

    #: int: the user moved the iteration slider to this iteration.
    iteration_changed = Signal(int)
    #: None: the user asked for the image as a PNG file.
    export_png_requested = Signal()
    #: None: the user asked for the iterations as an animated GIF.
    export_gif_requested = Signal()
    #: None: the look changed (presentation mode): the images are drawn again.
    restyled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Algorithms side by side — GMM Explorer")
        self.resize(1100, 720)
        layout = QVBoxLayout(self)
        self.n_iter = QSpinBox()
        self.n_iter.setRange(5, 200)
        self.n_iter.setValue(30)
        self.n_iter.setToolTip("The most iterations each algorithm runs (fewer when it "
                               "converges first, with the model settings' tol)")
        self.export_png = QPushButton("Export PNG…")
        self.export_png.setToolTip("Save the image shown as a PNG file")
        self.export_gif = QPushButton("Export GIF…")
        self.export_gif.setToolTip("Save every iteration as an animated GIF")
        self.controls = RunControls(
            "Run all", run_tip="Run the five algorithms from the displayed state",
            cancel_tip="Stop the runs or the GIF", progress_tip="Iterations run",
            status_tip="What the window shows",
            leading=(QLabel("Iterations"), self.n_iter))
        row = QHBoxLayout()
        row.addWidget(self.controls, 1)
        row.addWidget(self.export_png, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.export_gif, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        self.view = ImageView()
        layout.addWidget(self.view, 1)
        slider_row = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("The iteration shown for every algorithm (← → move it)")
        self.slider.setRange(0, 0)
        self.iteration_label = QLabel("iteration 0")
        self.iteration_label.setMinimumWidth(140)
        slider_row.addWidget(QLabel("Iteration"))
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(self.iteration_label)
        layout.addLayout(slider_row)
        layout.addWidget(hint_label(
            "One start (the displayed state), five algorithms. CEM and k-means give each "
            "point wholly to one component (hard colours); EM, SEM and variational Bayes "
            "share it (soft colours). SEM draws each point's component at random, so its "
            "objective wanders; VB switches unneeded components off; k-means fits equal "
            "round clusters. Each curve is that algorithm's own objective, on its own "
            "scale."))
        self.slider.valueChanged.connect(self._moved)
        self.export_png.clicked.connect(self.export_png_requested)
        self.export_gif.clicked.connect(self.export_gif_requested)
        self.set_exports_enabled(False)
        #: The frames' text size the images are drawn with.
        self.frame_text = FRAME_TEXT
        self._fonts = {w: w.font() for w in self.findChildren(QWidget)}

    @Slot()
    def _keep_on_screen(self) -> None:
        keep_on_screen(self)

    def set_presentation_style(self, style: PlotStyle | None) -> None:
        """Large type while presentation mode is on (None: the normal look): the
        controls' and notes' text, and the frames' text when the images are drawn
        again."""
        px = None if style is None else max(MIN_TEXT_PX, round(0.85 * style.text_px))
        set_text_px(self._fonts, px)
        # Once the window has taken its new size (after the event loop lays it out).
        QTimer.singleShot(60, self._keep_on_screen)
        self.frame_text = FRAME_TEXT if style is None else PRESENTING_FRAME_TEXT
        self.restyled.emit()

    def _moved(self, value: int) -> None:
        self.iteration_label.setText(f"iteration {value} of {self.slider.maximum()}")
        self.iteration_changed.emit(int(value))

    # ------------------------------------------------------------------ updates

    def set_iterations(self, n: int) -> None:
        """The slider runs over iterations 0..``n`` (it stays where it was, within)."""
        self.slider.setRange(0, max(0, int(n)))
        self.iteration_label.setText(f"iteration {self.slider.value()} of {int(n)}")

    def set_image(self, image: QImage) -> None:
        self.view.set_image(image)

    def set_exports_enabled(self, enabled: bool) -> None:
        self.export_png.setEnabled(enabled)
        self.export_gif.setEnabled(enabled)

    def clear(self, message: str) -> None:
        """Nothing to show: ``message`` says why."""
        self.view.set_image(None)
        self.set_iterations(0)
        self.set_exports_enabled(False)
        self.controls.set_status(message)
