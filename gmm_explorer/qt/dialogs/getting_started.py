"""Help › Getting started: a short tour, five things to try first and the keys to press.

Non-modal: it stays open beside the window while the user tries each item. A first
launch does not open it; :class:`FirstLaunchPointer` puts a link to it in the status bar.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QTextDocument
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.qt.actions import ACTIONS
from gmm_explorer.qt.theme import mute

__all__ = ["ITEMS", "FirstLaunchPointer", "GettingStartedDialog"]


#: Keys whose name reads better as a symbol.
KEY_SYMBOLS = {"Left": "←", "Right": "→"}


def _key(action: str) -> str:
    """The shortcut of ``action`` (see ACTIONS), as a key cap."""
    shortcut = ACTIONS[action][1]
    return keycap(KEY_SYMBOLS.get(shortcut, shortcut))


def keycap(text: str) -> str:
    """``text`` drawn as a key to press."""
    return (f"<span style='background-color:#d9dee7; font-weight:600'>&nbsp;{text}&nbsp;"
            "</span>")


#: The tour: (what to try, how: rich text with the keys to press).
ITEMS = (
    ("Step EM and watch it",
     f"Press {_key('step')} for one iteration. Or split it: {_key('e_step')} (E-step) "
     f"recolours each point by the component responsible for it, then {_key('m_step')} "
     "(M-step) moves the ellipses to fit their points."),
    ("Draw your own clumps",
     f"<i>Edit › Clear all points</i> ({_key('clear')}), then click to add points, or "
     f"{keycap('Shift')}+drag to paint a clump. Press {_key('initialise')} to start EM on "
     "them."),
    ("Change K",
     f"Set K in the panel on the left, press {_key('initialise')} and step again. A "
     "different <i>seed</i> or <i>initialisation</i> can end somewhere else."),
    ("Scrub the timeline",
     f"{_key('step_back')} / {_key('step_forward')} go back and forward through the "
     f"iterations. {_key('run')} runs (and pauses), {_key('converge')} runs to "
     f"convergence, {_key('pause')} pauses."),
    ("Move a mean by hand",
     "Drag a mean's ring on the canvas, then step: see where EM takes it. Then compare "
     "K with <i>View › Panels › Model selection</i> (BIC and AIC)."),
)


#: The dialog's width in pixels (it fits, with its height, on a 1280 x 720 screen).
WIDTH = 640


class GettingStartedDialog(QDialog):
    """The tour, numbered; non-modal, reused each time it is asked for."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Getting started")
        self.setModal(False)
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF(), 9.0) * 1.2)
        self.setFont(font)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        title = QLabel("Five things to try first")
        big = QFont(font)
        big.setPointSizeF(font.pointSizeF() * 1.25)
        big.setBold(True)
        title.setFont(big)
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(12)
        self.item_labels: list[QLabel] = []
        for row, (title, how) in enumerate(ITEMS):
            number = QLabel(f"<b>{row + 1}.</b>")
            number.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignRight)
            text = QLabel(f"<b>{title}.</b> {how}")
            text.setWordWrap(True)
            text.setTextFormat(Qt.TextFormat.RichText)
            grid.addWidget(number, row, 0)
            grid.addWidget(text, row, 1)
            self.item_labels.append(text)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        more = QLabel(f"{_key('shortcuts')} lists every key. For a lecture hall, "
                      f"{_key('presentation')} shows the canvas and the curve full screen "
                      "in large type.")
        more.setWordWrap(True)
        mute(more)
        layout.addWidget(more)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout.addWidget(buttons)
        # Wrapped labels: the height that fits this width (not the narrow size hint's).
        self.setMinimumWidth(560)
        self.resize(WIDTH, self.heightForWidth(WIDTH))

    def items(self) -> list[str]:
        """The tour's items as plain text, in order."""
        doc = QTextDocument()
        out = []
        for label in self.item_labels:
            doc.setHtml(label.text())
            out.append(doc.toPlainText().replace("\xa0", " ").strip())
        return out

    def present(self) -> None:
        """Show the tour, or bring it to the front if it is open."""
        if self.isVisible():
            self.raise_()
            self.activateWindow()
        else:
            self.show()


class FirstLaunchPointer(QLabel):
    """A status-bar link for a first launch: "New here? Help › Getting started". It
    hides itself once clicked; the window also hides it when the tour opens."""

    #: The link was clicked: open the tour.
    tour_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("New here? <a href='#tour'>Help › Getting started</a>", parent)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setToolTip("Five things to try first, with the keys to press")
        self.setStyleSheet("padding: 0 8px;")
        self.linkActivated.connect(self._clicked)

    def _clicked(self, _link: str) -> None:
        self.hide()
        self.tour_requested.emit()
