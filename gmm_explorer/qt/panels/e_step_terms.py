"""One point's E-step with numbers, for the inspector: each factor of
``r_k = pi_k N(x | mu_k, Sigma_k) / sum_j pi_j N(x | mu_j, Sigma_j)``, then the log-space
form the engine computes. Shows an :class:`~gmm_explorer.engine.explain.EStepTerms`."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTableWidget, QVBoxLayout, QWidget

from gmm_explorer.qt.panels.widgets import (
    BANNER_STYLE,
    columns_width,
    component_swatch,
    fit_height,
    format_number,
    header_table,
    hint_label,
    right_item,
)

#: Rows shown before a table scrolls (K up to 20).
MAX_ROWS = 8


def sig(value: float, digits: int) -> str:
    """A number to ``digits`` significant digits, trailing zeros kept (1.000, not 1: a
    responsibility of 0.99999998 is not exactly 1), with a true minus sign."""
    text = format_number(float(value) + 0.0, f"#.{digits}g")  # + 0.0: no "−0.000"
    return text.removesuffix(".")  # "6251." -> "6251"


def sig4(value: float) -> str:
    """A number to 4 significant digits (see :func:`sig`)."""
    return sig(value, 4)


def _bold(text: str = "") -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label


def _formula(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class EStepTermsView(QWidget):
    """The responsibilities of one point, factor by factor, in linear and in log space."""

    LINEAR_HEADERS = ("", "πₖ", "𝒩ₖ", "πₖ 𝒩ₖ", "rₖ")
    LINEAR_TIPS = ("component colour and number",
                   "πₖ: the component's weight",
                   "𝒩ₖ = 𝒩(x | μₖ, Σₖ): the component's Gaussian density at the point",
                   "πₖ 𝒩ₖ: the weighted density (the numerator)",
                   "rₖ = πₖ 𝒩ₖ / Σⱼ πⱼ 𝒩ⱼ: the responsibility, as the formula reads")
    LOG_HEADERS = ("", "log πₖ", "log 𝒩ₖ", "aₖ", "rₖ")
    LOG_TIPS = ("component colour and number",
                "log πₖ: the log of the weight",
                "log 𝒩(x | μₖ, Σₖ), computed directly (it never underflows)",
                "aₖ = log πₖ + log 𝒩ₖ",
                "rₖ = exp(aₖ − logsumexp(a)): what the engine computes")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 6, 0, 0)
        outer.setSpacing(4)
        self.title = _bold("E-step for this point, with numbers")
        self.title.setToolTip("How the responsibilities above are computed, under the "
                              "displayed parameters")
        outer.addWidget(self.title)
        self.formula = _formula("rₖ = πₖ 𝒩(x | μₖ, Σₖ) / Σⱼ πⱼ 𝒩(x | μⱼ, Σⱼ)")
        outer.addWidget(self.formula)
        self.linear = header_table(self.LINEAR_HEADERS, self.LINEAR_TIPS)
        self.linear.setToolTip("Each factor of the responsibility formula, per component")
        outer.addWidget(self.linear)
        self.total = _formula("")
        self.total.setToolTip("The denominator: the mixture's density at the point")
        outer.addWidget(self.total)
        self.underflow = QLabel()
        self.underflow.setWordWrap(True)
        self.underflow.setStyleSheet(BANNER_STYLE)
        outer.addWidget(self.underflow)
        self.log_title = _bold("In log space, as the engine computes it")
        outer.addWidget(self.log_title)
        self.log_formula = _formula("aₖ = log πₖ + log 𝒩ₖ\nrₖ = exp(aₖ − logsumexp(a))")
        outer.addWidget(self.log_formula)
        self.log_table = header_table(self.LOG_HEADERS, self.LOG_TIPS)
        self.log_table.setToolTip("The same responsibilities from logs: no density "
                                  "underflows, however far the point")
        outer.addWidget(self.log_table)
        self.lse = _formula("")
        self.lse.setToolTip("The log-sum-exp trick: subtracting max a before exponentiating "
                            "keeps every exp(·) between 0 and 1, and one of them equal to 1")
        outer.addWidget(self.lse)
        self.why = hint_label("Densities far from a component underflow to 0 in double "
                              "precision (below about 1e−323); their logs do not. So the "
                              "engine adds logs and normalises with log-sum-exp.")
        outer.addWidget(self.why)
        self.clear()

    # ------------------------------------------------------------------ updates

    def set_terms(self, terms) -> None:
        """Show ``terms`` (an :class:`~gmm_explorer.engine.explain.EStepTerms`)."""
        k = terms.n_components
        for table in (self.linear, self.log_table):
            self._ensure_rows(table, k)
        linear = (terms.weights, terms.density, terms.weighted_density,
                  terms.linear_responsibilities)
        logs = (terms.log_weights, terms.component_log_density, terms.log_terms,
                terms.responsibilities)
        for table, columns in ((self.linear, linear), (self.log_table, logs)):
            for j in range(k):
                for c, values in enumerate(columns, start=1):
                    table.item(j, c).setText(sig4(values[j]))
            table.resizeColumnsToContents()
            self._fit(table)
        self.total.setText(f"Σⱼ πⱼ 𝒩ⱼ = p(x) = {sig4(terms.total_density)}")
        if terms.total_density == 0.0:
            self.underflow.setText("Every πₖ 𝒩ₖ underflows to 0 here: the formula as written "
                                   "gives 0 / 0. The log-space form below still works.")
            self.underflow.show()
        elif terms.underflows:
            self.underflow.setText("Some 𝒩ₖ underflow to 0 here: their responsibilities "
                                   "read 0 although their logs below are finite.")
            self.underflow.show()
        else:
            self.underflow.hide()
        mx = terms.max_log_term
        if np.isfinite(mx):
            self.lse.setText(f"logsumexp(a) = max a + log Σⱼ exp(aⱼ − max a) = {sig4(mx)} + "
                             f"log {sig4(terms.scaled_sum)} = {sig4(terms.log_total)} "
                             "= log p(x)")
        else:
            self.lse.setText("logsumexp(a) = −∞: the point is too far from every component "
                             "for double precision")
        self.show()

    def clear(self) -> None:
        for table in (self.linear, self.log_table):
            table.setRowCount(0)
        self.hide()

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _ensure_rows(table: QTableWidget, k: int) -> None:
        if table.rowCount() == k:
            return
        table.setRowCount(k)
        for j in range(k):
            table.setItem(j, 0, component_swatch(j))
            for c in range(1, table.columnCount()):
                table.setItem(j, c, right_item())

    @staticmethod
    def _fit(table: QTableWidget) -> None:
        """As tall as its rows (up to :data:`MAX_ROWS`) and as wide as its columns, so
        no number is ever elided (the inspector scrolls instead)."""
        fit_height(table, MAX_ROWS)
        table.setMinimumWidth(columns_width(table, MAX_ROWS))

    def cell_text(self, table: str, row: int, col: int) -> str:
        """Text of ``table`` (``"linear"`` or ``"log"``) at (row, col)."""
        t = self.linear if table == "linear" else self.log_table
        item = t.item(row, col)
        return "" if item is None else item.text()
