"""Health of the components (judged against the data: see
:func:`gmm_explorer.engine.diagnostics.diagnose`), with fixes for the ones that need attention."""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.engine.diagnostics import (
    DUPLICATE_OVERLAP,
    NEEDLE_RATIO,
    ComponentDiagnostics,
    duplicate_groups,
)
from gmm_explorer.qt.panels.widgets import (
    BANNER_STYLE,
    INK_ON_TINT,
    component_swatch,
    fit_height,
    format_number,
    header_table,
    right_item,
)

_BAD = QColor(255, 196, 196)      # collapsing or needle: a component breaking the fit
_WARN = QColor(255, 222, 173)     # empty, unsupported or duplicate: one that adds nothing
#: Statuses drawn in _BAD; every other status but "ok" is drawn in _WARN.
_DEGENERATE = ("collapsing", "needle")
#: Verdicts that need no attention: healthy, or switched off by variational Bayes (the
#: method working as meant).
FINE = ("ok", "off")


def compact(value: float | None) -> str:
    """Three significant digits, with a short exponent: ``5.07e4``, ``1.2e−7``, ``0.5``."""
    text = format_number(value, ".3g")
    return re.sub(r"e([+−]?)0*(\d)",
                  lambda m: "e" + ("−" if m.group(1) == "−" else "") + m.group(2), text)


def weight_text(w: float) -> str:
    """A mixing weight: three decimals, or three significant digits when smaller."""
    return format_number(w, ".3f") if w == 0 or w >= 0.001 else compact(w)


def count_text(n: float) -> str:
    """Points a component claims: ``2.995`` (below 10, three decimals: near the 3 points a
    covariance needs, "3.0" would hide that 2.995 falls short), ``117.0``, ``1,234``, then
    three significant digits: ``12.3k``, ``200k``, ``1.23M``."""
    if not n < 1e4:
        r = float(f"{n:.3g}")  # rounded first, so 999,999 reads 1M, not 1e3k
        for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if r >= scale:
                return f"{r / scale:.3g}{unit}"
    if n < 10:
        return format_number(n, ".3f")
    return format_number(n, ".1f") if n < 1000 else f"{n:,.0f}"


class HealthPanel(QWidget):
    """Per component: weight, points, covariance eigenvalues and condition; fixes for
    components that are empty, collapsing, needle-thin, unsupported or duplicated.

    Each component takes two table rows, so the panel fits a narrow dock: its numbers,
    then its status with the Re-seed and Remove buttons. Numbers have three significant
    digits and short exponents, and each column is as wide as its widest text (the status
    and the buttons as wide as the columns they span), the rest of the width shared out,
    so nothing is elided; a cell's tooltip gives the full value.
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
    #: Second row of a component: its status spans weight, n_k and λ₁ (short numbers:
    #: λ₁ is in the data's units), Re-seed sits under λ₂ and Remove under cond (the widest
    #: numbers, a tiny variance and a large ratio), so the buttons cost no extra width.
    STATUS_SPAN, RESEED_COL, REMOVE_COL = (1, 3), 4, 5

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._diagnostics: tuple[ComponentDiagnostics, ...] = ()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.summary = QLabel("no model yet")
        self.summary.setToolTip("Numerical health of the components")
        # A long summary (switched-off components, a noise weight) wraps rather than
        # widening the dock and shrinking the canvas.
        self.summary.setWordWrap(True)
        self.summary.setMinimumWidth(1)
        outer.addWidget(self.summary)
        self.table = header_table(self.HEADERS, self.TIPS)
        self.table.verticalHeader().setDefaultSectionSize(24)
        # Widths are set by _fit_columns (spans make Qt's ResizeToContents size a column by a
        # widget that spans two), again whenever the viewport's width changes.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.viewport().installEventFilter(self)
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
        self.update_diagnostics(None, 1e-6)

    @property
    def warning_visible(self) -> bool:
        return not self.banner.isHidden()

    def n_components(self) -> int:
        """Components shown (0 before a model exists)."""
        return len(self._diagnostics)

    def update_diagnostics(self, diagnostics: Sequence[ComponentDiagnostics] | None,
                           reg_covar: float, noise_weight: float | None = None) -> None:
        """Show one entry per component; None: no model yet. ``noise_weight``: the
        weight of the mixture's noise component (None: it has none), named in the
        summary so that the weights shown add up."""
        self.reg_label.setText(f"reg_covar = {format_number(reg_covar, 'g')}")
        diags = () if diagnostics is None else tuple(diagnostics)
        self._diagnostics = diags
        k = len(diags)
        if self.table.rowCount() != 2 * k:
            self._build_rows(k)
        for j, d in enumerate(diags):
            lam1, lam2 = d.eigenvalues
            values = [(weight_text(d.weight), d.weight),
                      (count_text(d.n_effective), d.n_effective),
                      (compact(lam1), lam1), (compact(lam2), lam2),
                      (compact(d.condition_number), d.condition_number)]
            for col, (text, exact) in enumerate(values, start=1):
                item = self.table.item(2 * j, col)
                item.setText(text)
                item.setToolTip(f"{self.TIPS[col]}: {format_number(exact, '.6g')}")
            status = self.table.item(2 * j + 1, 1)
            ok = d.status in FINE
            status.setText(self._status_label(d))
            status.setBackground(QBrush() if ok else
                                 QBrush(_BAD if d.status in _DEGENERATE else _WARN))
            status.setForeground(QBrush() if ok else QBrush(INK_ON_TINT))
            status.setToolTip(self._status_tip(j, d))
            self.remove_button(j).setEnabled(k > 1)
        self._fit_columns()
        fit_height(self.table)
        bad = [(j, d) for j, d in enumerate(diags) if d.status not in FINE]
        noise = ("" if noise_weight is None else
                 f" + noise (weight {format_number(noise_weight, '.3g')})")
        if diagnostics is None:
            self.summary.setText("no model yet")
        elif not bad:
            off = sum(d.status == "off" for d in diags)
            self.summary.setText(
                f"{k - off} of {k} components active, {off} switched off "
                "(variational Bayes), all ok" if off else
                f"{k} component{'' if k == 1 else 's'}{noise}, all ok")
        else:
            self.summary.setText(f"{len(bad)} of {k} components need attention{noise}")
        self.banner.setText(self._banner_text(bad, diags) if bad else "")
        self.banner.setVisible(bool(bad))

    def status_text(self, component: int) -> str:
        return self.table.item(2 * component + 1, self.STATUS_SPAN[0]).text()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def text_padding(self) -> int:
        """Pixels a cell keeps free around its text (the item delegate's margins)."""
        margin = self.table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                                self.table)
        return 2 * (margin + 1)

    def _fit_columns(self) -> None:
        """Each column as wide as its header and widest number, the status and the buttons
        as wide as their spans; the width left over is shared among the number columns."""
        t = self.table
        header = t.horizontalHeader()
        fm = t.fontMetrics()
        pad = self.text_padding() + 1  # + the grid line
        n_cols = len(self.HEADERS)
        need = [header.sectionSizeHint(c) for c in range(n_cols)]
        status_need = 0
        for j in range(len(self._diagnostics)):
            for col in range(n_cols):
                item = t.item(2 * j, col)
                need[col] = max(need[col], fm.horizontalAdvance(item.text()) + pad)
            status_need = max(status_need, fm.horizontalAdvance(self.status_text(j)) + pad)
            for col, button in ((self.RESEED_COL, self.reseed_button(j)),
                                (self.REMOVE_COL, self.remove_button(j))):
                need[col] = max(need[col], button.sizeHint().width())
        first, last = self.STATUS_SPAN
        short = status_need - sum(need[first:last + 1])
        if short > 0:
            need[last] += short
        spare = t.viewport().width() - sum(need)
        if spare > 0:
            share, rest = divmod(spare, n_cols - 1)
            for col in range(1, n_cols):
                need[col] += share + (1 if col <= rest else 0)
        for col, width in enumerate(need):
            header.resizeSection(col, width)

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
            first, last = self.STATUS_SPAN
            self.table.setItem(bottom, first, status)
            self.table.setSpan(bottom, first, 1, last - first + 1)
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
    def _status_label(d: ComponentDiagnostics) -> str:
        if d.status == "ok":
            return "ok"
        if d.status == "off":
            return "switched off"
        if d.status == "duplicate" and len(d.duplicates) == 1:
            return f"⚠ duplicate of {d.duplicates[0] + 1}"
        return f"⚠ {d.status}"

    @staticmethod
    def _status_tip(j: int, d: ComponentDiagnostics) -> str:
        name = f"component {j + 1}"
        n = format_number(d.n_effective, ".4g")
        across = compact(d.variance_ratio)
        if d.status == "off":
            return (f"{name} is switched off: variational Bayes gives it an expected weight "
                    f"of {format_number(d.weight, '.3g')}, less than one point's worth. The "
                    "data do not need it; it keeps the prior's shape")
        if d.status == "collapsing":
            return (f"{name} is collapsing: it claims {n} points, too few to pin down a "
                    "covariance, and its ellipse is shrinking onto them (its variance across "
                    f"is {across} of the data's)")
        if d.status == "needle":
            return (f"{name} is needle-thin: across its thinnest direction its variance is "
                    f"{across} of the data's in that direction (below "
                    f"{compact(NEEDLE_RATIO)}: narrower than 1/1000 of the data's spread)")
        if d.status == "unsupported":
            return (f"{name} claims only {n} points: too few to pin down its covariance (3 "
                    "for a full 2-D covariance, 2 for a diagonal or spherical one), so its "
                    "shape comes from the floor reg_covar, not from the data")
        if d.status == "duplicate":
            plural = "s" if len(d.duplicates) > 1 else ""
            others = ", ".join(str(i + 1) for i in d.duplicates)
            return (f"{name} is the same Gaussian as component{plural} {others} (they "
                    f"overlap more than {DUPLICATE_OVERLAP:.0%}): EM moves them alike and "
                    "cannot tell them apart")
        if d.status == "empty":
            return f"{name} is empty: it claims {n} points"
        return f"{name} is healthy"

    @staticmethod
    def _banner_text(bad, diags) -> str:
        kinds = {d.status for _, d in bad}
        names = ", ".join(f"{j + 1} ({d.status})" for j, d in bad)
        parts = [f"⚠ Component{'s' if len(bad) > 1 else ''} {names}."]
        if kinds & {"collapsing", "needle"}:
            parts.append(
                "A component that shrinks onto a single point or onto a line (here: thinner "
                "than 1/1000 of the data's own spread in some direction) gets a covariance "
                "with a zero variance in some direction: the matrix is singular, its density "
                "grows without bound and the log-likelihood runs off to infinity. "
                "scikit-learn stops at this point with “ill-defined empirical covariance”.")
        if kinds & {"collapsing", "unsupported"}:
            parts.append("A component claiming fewer than 3 points (d + 1 for a full 2-D "
                         "covariance) has too few to pin one down: its shape is the floor "
                         "reg_covar, not data.")
        for group in duplicate_groups(diags):
            listed = ", ".join(str(i + 1) for i in group[:-1]) + f" and {group[-1] + 1}"
            parts.append(f"Components {listed} are the same Gaussian: EM gives them the same "
                         "update and cannot break the tie (a symmetric start, such as the "
                         "random initialisation on many points), so “converged” only means "
                         "it stopped moving, and the model has fewer distinct components "
                         "than K.")
        if "empty" in kinds:
            parts.append("An empty component claims almost no points and does nothing.")
        parts.append("Fixes: Re-seed moves the component to the points the model explains "
                     "worst; Remove drops it (K − 1); Raise reg_covar adds more to every "
                     "covariance diagonal, so no ellipse can become that thin.")
        return " ".join(parts)
