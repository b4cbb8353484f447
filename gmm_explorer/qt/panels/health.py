"""Numerical health of the components, with fixes for collapsing or empty ones."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.engine.steps import ComponentDiagnostics
from gmm_explorer.qt.panels.widgets import (
    BANNER_STYLE,
    component_swatch,
    fit_height,
    format_number,
    header_table,
    right_item,
)

_BAD = QColor(255, 196, 196)      # collapsing: a component about to break the fit
_WARN = QColor(255, 222, 173)     # empty: a component that claims (almost) nothing


class HealthPanel(QWidget):
    """Per component: weight, points, covariance eigenvalues and condition; fixes for
    collapsing or empty components.

    Each component takes two table rows, so the panel fits a narrow dock: its numbers,
    then its status with the Re-seed and Remove buttons.
    """

    #: int: the component the user asks to move to the worst-explained points.
    reseed_requested = Signal(int)
    #: int: the component the user asks to remove.
    remove_requested = Signal(int)
    #: None: the user asks for reg_covar × 10.
    raise_reg_covar_requested = Signal()

    HEADERS = ("", "weight", "n_k", "λ₁", "λ₂", "cond.")
    TIPS = ("component colour and number", "mixing weight",
            "points the component claims (sum of its responsibilities)",
            "λ₁: larger eigenvalue of the covariance (variance along the major axis)",
            "λ₂: smaller eigenvalue of the covariance (variance along the minor axis)",
            "condition number λ₁ / λ₂; huge means the ellipse has flattened onto a line")
    RESEED_COL, REMOVE_COL = 4, 5

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel("no model yet")
        self.summary.setToolTip("Numerical health of the components")
        outer.addWidget(self.summary)
        self.table = header_table(self.HEADERS, self.TIPS)
        self.table.verticalHeader().setDefaultSectionSize(24)
        for col in range(1, len(self.HEADERS)):
            self.table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.Stretch)
        self.table.setToolTip("Numerical health of each component at the current iteration: "
                              "its numbers, then its status and fixes")
        outer.addWidget(self.table)

        reg = QHBoxLayout()
        self.reg_label = QLabel()
        self.reg_label.setToolTip("reg_covar: added to the diagonal of every covariance "
                                  "after each M-step")
        self.raise_button = QPushButton("Raise reg_covar ×10")
        self.raise_button.setToolTip("Multiply reg_covar by 10: every covariance gets a "
                                     "larger floor, so no component can become singular "
                                     "(ellipses cannot get thinner than about √reg_covar)")
        self.raise_button.clicked.connect(self.raise_reg_covar_requested)
        reg.addWidget(self.reg_label)
        reg.addStretch(1)
        reg.addWidget(self.raise_button)
        outer.addLayout(reg)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setToolTip("What the warning means and what each fix does")
        self.banner.setVisible(False)
        outer.addWidget(self.banner)
        outer.addStretch(1)
        self._diagnostics: tuple[ComponentDiagnostics, ...] = ()
        self.update_diagnostics(None, 1e-6)

    @property
    def warning_visible(self) -> bool:
        return not self.banner.isHidden()

    def n_components(self) -> int:
        """Components shown (0 before a model exists)."""
        return len(self._diagnostics)

    def update_diagnostics(self, diagnostics: Sequence[ComponentDiagnostics] | None,
                           reg_covar: float) -> None:
        """Show one entry per component; None: no model yet."""
        self.reg_label.setText(f"reg_covar = {format_number(reg_covar, 'g')}")
        diags = () if diagnostics is None else tuple(diagnostics)
        self._diagnostics = diags
        k = len(diags)
        if self.table.rowCount() != 2 * k:
            self._build_rows(k)
        for j, d in enumerate(diags):
            lam1, lam2 = d.eigenvalues
            n_k = (f"{d.n_effective:,.0f}" if d.n_effective >= 1000 else
                   format_number(d.n_effective, ".1f"))
            values = [format_number(d.weight, ".3f"), n_k, format_number(lam1, ".3g"), format_number(lam2, ".3g"),
                      format_number(d.condition_number, ".3g")]
            for col, text in enumerate(values, start=1):
                self.table.item(2 * j, col).setText(text)
            status = self.table.item(2 * j + 1, 1)
            ok = d.status == "ok"
            status.setText(d.status if ok else f"⚠ {d.status}")
            status.setBackground(QBrush() if ok else
                                 QBrush(_BAD if d.status == "collapsing" else _WARN))
            status.setToolTip(self._status_tip(j, d))
            self.remove_button(j).setEnabled(k > 1)
        fit_height(self.table)
        bad = [(j, d) for j, d in enumerate(diags) if d.status != "ok"]
        if diagnostics is None:
            self.summary.setText("no model yet")
        elif not bad:
            self.summary.setText(f"{k} component{'' if k == 1 else 's'}, all ok")
        else:
            self.summary.setText(f"{len(bad)} of {k} components need attention")
        self.banner.setText(self._banner_text(bad) if bad else "")
        self.banner.setVisible(bool(bad))

    def status_text(self, component: int) -> str:
        return self.table.item(2 * component + 1, 1).text()

    def value_text(self, component: int, column: int) -> str:
        """Text of ``column`` (a position in HEADERS) for ``component``."""
        return self.table.item(2 * component, column).text()

    def reseed_button(self, component: int) -> QToolButton:
        return self.table.cellWidget(2 * component + 1, self.RESEED_COL)

    def remove_button(self, component: int) -> QToolButton:
        return self.table.cellWidget(2 * component + 1, self.REMOVE_COL)

    def _build_rows(self, k: int) -> None:
        self.table.clearSpans()
        self.table.setRowCount(0)
        self.table.setRowCount(2 * k)
        for j in range(k):
            top, bottom = 2 * j, 2 * j + 1
            self.table.setItem(top, 0, component_swatch(j))
            self.table.setSpan(top, 0, 2, 1)
            for col in range(1, len(self.HEADERS)):
                self.table.setItem(top, col, right_item())
            status = QTableWidgetItem()
            status.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(bottom, 1, status)
            self.table.setSpan(bottom, 1, 1, 3)
            for col, text, tip, signal in (
                    (self.RESEED_COL, "Re-seed",
                     (f"Move component {j + 1} to the worst-explained points (those the "
                      "model finds least likely)"), self.reseed_requested),
                    (self.REMOVE_COL, "Remove", f"Remove component {j + 1} (K − 1)",
                     self.remove_requested)):
                b = QToolButton()
                b.setText(text)
                b.setToolTip(tip)
                b.clicked.connect(lambda _=False, j=j, s=signal: s.emit(j))
                self.table.setCellWidget(bottom, col, b)

    @staticmethod
    def _status_tip(j: int, d: ComponentDiagnostics) -> str:
        if d.status == "collapsing":
            return (f"component {j + 1} is collapsing: its ellipse is shrinking onto a point "
                    f"or a line (condition number {format_number(d.condition_number, '.3g')})")
        if d.status == "empty":
            return (f"component {j + 1} is empty: it claims {format_number(d.n_effective, '.3g')} "
                    "points")
        return f"component {j + 1} is healthy"

    @staticmethod
    def _banner_text(bad) -> str:
        names = ", ".join(f"{j + 1} ({d.status})" for j, d in bad)
        return (f"⚠ Component{'s' if len(bad) > 1 else ''} {names}. A component that "
                "shrinks onto a single point or onto a line gets a covariance with a zero "
                "variance in some direction: the matrix is singular, its density grows "
                "without bound and the log-likelihood runs off to infinity. scikit-learn "
                "stops at this point with “ill-defined empirical covariance”. An empty "
                "component claims almost no points and does nothing. Fixes: Re-seed moves "
                "the component to the points the model explains worst; Remove drops it "
                "(K − 1); Raise reg_covar adds more to every covariance diagonal, so no "
                "ellipse can become that thin.")
