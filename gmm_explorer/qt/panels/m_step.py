"""The M-step with numbers: how the displayed state's parameters came from the
responsibilities of the E-step before it, for the component chosen in the overview.

Shows an :class:`~gmm_explorer.engine.explain.MStepTerms` (the recomputed M-step) next to
the parameters before (the previous state) and after (the displayed state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from gmm_explorer.engine.models import ITERATIVE, describe, mclust_code
from gmm_explorer.qt import theme as themes
from gmm_explorer.qt.panels.e_step_terms import sig, sig4
from gmm_explorer.qt.panels.widgets import (
    BANNER_STYLE,
    columns_width,
    component_swatch,
    fit_height,
    format_number,
    header_table,
    hint_label,
    right_item,
    signals_blocked,
)
from gmm_explorer.qt.theme import mute

#: Overview rows shown before it scrolls (K up to 20).
MAX_ROWS = 6
#: Quantities of the detail grid, in order: (key, label).
QUANTITIES = (("weight", "π"), ("mean_x", "μ x"), ("mean_y", "μ y"),
              ("cov_xx", "Σ xx"), ("cov_xy", "Σ xy"), ("cov_yy", "Σ yy"))
#: The formula under each quantity: indented, a shade lighter than the numbers.
FORMULA_STYLE = "padding-left: 12px; padding-bottom: 3px;"  # muted: theme.mute
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
#: A no-break space: a word-wrapped label breaks a line only at a plain space.
NBSP = "\u00a0"
#: The significant digits of the results (the parameters), and the most the intermediate
#: quantities are given (as many as a double has).
RESULT_DIGITS, MAX_DIGITS = 4, 17


def sub(j: int) -> str:
    """Component ``j`` (0-based) as a subscript: 1 -> "₂"."""
    return str(j + 1).translate(_SUB)


def _label(text: str = "", *, bold: bool = False, right: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    if right:
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return label


def unbroken(text: str) -> str:
    """``text`` with no-break spaces: a word-wrapped label keeps it on one line."""
    return text.replace(" ", NBSP)


def _number(text: str) -> float:
    """A number as :func:`~.e_step_terms.sig` shows it, read back."""
    return float(text.replace("−", "-"))


@dataclass(frozen=True)
class Worked:
    """One new parameter's formula, worked with numbers: ``symbols`` (``"S₂,xx / N₂ +
    reg"``); ``numbers``, the same arithmetic with ``{0}``, ``{1}``… for the
    ``operands`` (the intermediate quantities: Nₖ, sums…); ``compute``, that arithmetic
    as a function of the operands; ``result``, the parameter it gave; ``note`` after it."""

    symbols: str
    numbers: str
    operands: tuple[float, ...]
    compute: Callable[..., float]
    result: float
    note: str = ""

    def reproduces(self, digits: int) -> bool:
        """Whether the arithmetic on the operands shown to ``digits`` significant digits
        gives the result as shown (to :data:`RESULT_DIGITS`), as a calculator would."""
        if not np.all(np.isfinite([*self.operands, self.result])):
            return True  # "∞" or "n/a": no digits make it checkable
        shown = [np.float64(_number(sig(v, digits))) for v in self.operands]  # x / 0: inf
        with np.errstate(all="ignore"):
            value = float(self.compute(*shown))
        return sig(value, RESULT_DIGITS) == sig(self.result, RESULT_DIGITS)

    def text(self, digits: int) -> str:
        """"symbols = numbers = result", the operands to ``digits`` significant digits. A
        label too narrow for it breaks the line between the symbols and the numbers only."""
        numbers = self.numbers.format(*(sig(v, digits) for v in self.operands))
        worked = f"= {numbers} = {sig(self.result, RESULT_DIGITS)}{self.note}"
        return f"{unbroken(self.symbols)} {unbroken(worked)}"


def responsibility_symbol(terms) -> str:
    """What each sum over the points adds up: ``"rᵢ"`` (then the component's subscript),
    or ``"wᵢ rᵢ"`` under sample weights (point i counts w_i times)."""
    return "rᵢ" if terms.total_weight is None else "wᵢ rᵢ"


def worked_formulas(terms, j: int) -> dict[str, Worked | str]:
    """What each new parameter of component ``j`` is, with the numbers of ``terms`` (an
    :class:`~gmm_explorer.engine.explain.MStepTerms`): key of :data:`QUANTITIES` -> its
    :class:`Worked` formula, or a text when there is no arithmetic (locked, no
    correlation)."""
    k, n = sub(j), terms.sample_size
    r = responsibility_symbol(terms)
    nk = float(terms.n_k[j])
    sx, sy = (float(v) for v in terms.weighted_sums[j])
    s = np.asarray(terms.scatter)
    w, mu, cov = terms.weights[j], terms.means[j], terms.covariances[j]
    reg_text = format_number(terms.reg_covar, "g")
    reg = _number(reg_text)
    out: dict[str, Worked | str] = {}
    if terms.locked("weight", j):
        out["weight"] = f"locked: kept = {sig4(w)}"
    elif terms.locks is not None and any(terms.locks.weight):
        locked = np.asarray(terms.locks.weight, dtype=bool)
        mass = float(np.asarray(terms.previous.weights)[locked].sum())
        free = float(np.asarray(terms.n_k)[~locked].sum())
        out["weight"] = Worked(f"(1 − locked weights) N{k} / Σ unlocked Nⱼ",
                               "(1 − {0}) × {1} / {2}", (mass, nk, free),
                               lambda m, a, f: (1 - m) * a / f, w)
    else:
        out["weight"] = Worked(f"N{k} / N", f"{{0}} / {n:,.10g}", (nk,), lambda a: a / n, w)
    for key, axis, total, c in (("mean_x", "x", sx, 0), ("mean_y", "y", sy, 1)):
        if terms.locked("mean", j):
            out[key] = f"locked: kept = {sig4(mu[c])}"
        else:
            out[key] = Worked(f"Σᵢ {r}{k} {axis}ᵢ / N{k}", "{0} / {1}", (total, nk),
                              lambda t, a: t / a, mu[c])
    ct = terms.covariance_type
    if terms.locked("covariance", j):
        for key, (a, b) in (("cov_xx", (0, 0)), ("cov_xy", (0, 1)), ("cov_yy", (1, 1))):
            out[key] = f"locked: kept = {sig4(cov[a, b])}"
        return out
    if ct not in ("full", "tied", "diag", "spherical"):
        # mclust's other models share parts across components (some by iterating): each
        # entry comes from every component's scatter, not from a one-line sum.
        how = (f"{mclust_code(ct)} ({describe(ct)}): fitted to every Sⱼ / Nⱼ + reg together"
               + (", by mclust's iterations" if mclust_code(ct) in ITERATIVE else ""))
        for key, (a, b) in (("cov_xx", (0, 0)), ("cov_xy", (0, 1)), ("cov_yy", (1, 1))):
            out[key] = f"{sig4(cov[a, b])}  ({how})"
        return out
    total_n = float(np.sum(terms.n_k))
    for key, (a, b), name in (("cov_xx", (0, 0), "xx"), ("cov_xy", (0, 1), "xy"),
                              ("cov_yy", (1, 1), "yy")):
        r = reg if a == b else 0.0
        plus = f" + {reg_text}" if a == b else ""
        plus_sym = " + reg" if a == b else ""
        if ct == "full":
            out[key] = Worked(f"S{k},{name} / N{k}{plus_sym}", "{0} / {1}" + plus,
                              (s[j, a, b], nk), lambda v, m, r=r: v / m + r, cov[a, b])
        elif ct == "tied":
            out[key] = Worked(f"Σⱼ Sⱼ,{name} / N{plus_sym}", "{0} / {1}" + plus,
                              (s[:, a, b].sum(), total_n), lambda v, m, r=r: v / m + r,
                              cov[a, b], " (shared)")
        elif a != b:
            out[key] = f"0 ({ct} covariances have no correlation)"
        elif ct == "diag":
            out[key] = Worked(f"S{k},{name} / N{k} + reg", "{0} / {1}" + plus,
                              (s[j, a, b], nk), lambda v, m, r=r: v / m + r, cov[a, b])
        else:  # spherical: the mean of the two variances
            out[key] = Worked(f"(S{k},xx + S{k},yy) / (2 N{k}) + reg",
                              "({0} + {1}) / (2 × {2})" + plus, (s[j, 0, 0], s[j, 1, 1], nk),
                              lambda u, v, m, r=r: (u + v) / (2 * m) + r, cov[a, b])
    return out


def operand_digits(terms) -> int:
    """The significant digits the M-step's intermediate quantities (each Nₖ, the sums) are
    shown to: the fewest, from :data:`RESULT_DIGITS`, with which every formula of every
    component gives its result as shown, so that a calculator agrees with the panel. One
    count for all: an Nₖ then reads the same in the overview and in each formula."""
    worked = [f for j in range(terms.n_components)
              for f in worked_formulas(terms, j).values() if isinstance(f, Worked)]
    for digits in range(RESULT_DIGITS, MAX_DIGITS):
        if all(f.reproduces(digits) for f in worked):
            return digits
    return MAX_DIGITS


def formulas(terms, j: int, digits: int | None = None) -> dict[str, str]:
    """What each new parameter of component ``j`` is, with the numbers of ``terms`` (an
    :class:`~gmm_explorer.engine.explain.MStepTerms`), the intermediate quantities to
    ``digits`` significant digits (None: :func:`operand_digits`): key of
    :data:`QUANTITIES` -> text."""
    if digits is None:
        digits = operand_digits(terms)
    return {key: f.text(digits) if isinstance(f, Worked) else f
            for key, f in worked_formulas(terms, j).items()}


def parameter_values(mixture, j: int) -> dict[str, float]:
    """Component ``j``'s parameters by key of :data:`QUANTITIES`."""
    c = mixture.covariances[j]
    return {"weight": float(mixture.weights[j]), "mean_x": float(mixture.means[j, 0]),
            "mean_y": float(mixture.means[j, 1]), "cov_xx": float(c[0, 0]),
            "cov_xy": float(c[0, 1]), "cov_yy": float(c[1, 1])}


class MStepPanel(QWidget):
    """The M-step that made the displayed state: per component ``N_k``, and for the chosen
    component each new parameter with its formula, before → after."""

    OVERVIEW_HEADERS = ("", "Nₖ = Σᵢ rᵢₖ", "πₖ before", "πₖ after")
    OVERVIEW_TIPS = ("component colour and number; click a row to see its M-step",
                     ("Nₖ: the points the component claims, the sum of its responsibilities "
                      "under the previous parameters"),
                     "πₖ of the previous state",
                     "πₖ of the displayed state: Nₖ / N")
    DEFAULT_MESSAGE = "Initialise (I) and step (Space): each M-step is explained here."

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        self.message = hint_label(self.DEFAULT_MESSAGE)
        outer.addWidget(self.message)
        self.heading = _label(bold=True)
        self.heading.setWordWrap(True)
        outer.addWidget(self.heading)
        self.caption = hint_label("")
        outer.addWidget(self.caption)
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setStyleSheet(BANNER_STYLE)
        outer.addWidget(self.banner)
        self.overview = header_table(self.OVERVIEW_HEADERS, self.OVERVIEW_TIPS)
        self.overview.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.overview.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.overview.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.overview.setToolTip("Each component's Nₖ and weight; click a row to see how "
                                 "its parameters were computed")
        self.overview.itemSelectionChanged.connect(self._selection_changed)
        outer.addWidget(self.overview)
        self.n_total = _label()
        self.n_total.setToolTip("Responsibilities sum to 1 for each point, so the Nₖ add "
                                "up to the number of points")
        outer.addWidget(self.n_total)

        self.detail = QWidget()
        grid = QGridLayout(self.detail)
        grid.setContentsMargins(0, 6, 0, 0)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(1)
        self.component_title = _label(bold=True)
        grid.addWidget(self.component_title, 0, 0, 1, 3)
        self.before_header = _label(bold=True, right=True)
        self.after_header = _label(bold=True, right=True)
        grid.addWidget(self.before_header, 1, 1)
        grid.addWidget(self.after_header, 1, 2)
        #: key -> (name label, before label, after label, formula label)
        self.rows: dict[str, tuple[QLabel, QLabel, QLabel, QLabel]] = {}
        for i, (key, _) in enumerate(QUANTITIES):
            r = 2 + 2 * i
            name = _label(bold=True)
            before = _label(right=True)
            after = _label(right=True)
            formula = _label()
            formula.setWordWrap(True)
            formula.setStyleSheet(FORMULA_STYLE)
            mute(formula)
            grid.addWidget(name, r, 0)
            grid.addWidget(before, r, 1)
            grid.addWidget(after, r, 2)
            grid.addWidget(formula, r + 1, 0, 1, 3)
            self.rows[key] = (name, before, after, formula)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)
        outer.addWidget(self.detail)
        self.scatter_note = hint_label("")
        outer.addWidget(self.scatter_note)
        outer.addStretch(1)
        #: What is shown: (MStepTerms, after Mixture, iteration before, iteration after).
        self._shown: tuple | None = None
        #: The significant digits of its intermediate quantities (see operand_digits).
        self._digits = RESULT_DIGITS
        self._selected = 0
        self.clear()

    # ------------------------------------------------------------------ updates

    def set_m_step(self, terms, after, before_iteration: int, after_iteration: int,
                   warning: str | None = None) -> None:
        """Show ``terms`` (an :class:`~gmm_explorer.engine.explain.MStepTerms`) against the
        parameters of the previous state (``terms.previous``) and of ``after``.

        ``warning``: shown in a banner (e.g. the displayed state differs from the
        recomputation), or None.
        """
        before = terms.previous
        k = terms.n_components
        self._shown = (terms, after, before_iteration, after_iteration)
        self._digits = operand_digits(terms)
        self.message.hide()
        self.heading.setText(f"Iteration {before_iteration} → {after_iteration}: the M-step")
        # Lines break between the facts, never inside one ("reg =" / "reg_covar = 1e−06").
        facts = ((f"From the responsibilities rᵢₖ of the E-step under iteration "
                  f"{before_iteration}'s parameters"),
                 *((unbroken(f"N = {terms.n_samples:,} points"),)
                   if terms.total_weight is None else
                   (unbroken(f"N = Σᵢ wᵢ = {terms.total_weight:,.6g}"),
                    f"{terms.n_samples:,} points, each counted wᵢ (its sample weight) times")),
                 unbroken(f"{terms.covariance_type} covariances"),
                 unbroken(f"reg = reg_covar = {format_number(terms.reg_covar, 'g')}"))
        self.caption.setText(f"{NBSP}· ".join(facts))
        self.banner.setText(warning or "")
        self.banner.setVisible(bool(warning))
        t = self.overview
        t.horizontalHeaderItem(1).setText(f"Nₖ = Σᵢ {responsibility_symbol(terms)}ₖ")
        with signals_blocked(t):
            if t.rowCount() != k:
                t.setRowCount(k)
                for j in range(k):
                    t.setItem(j, 0, component_swatch(j))
                    for c in range(1, 4):
                        t.setItem(j, c, right_item())
            for j in range(k):
                t.item(j, 1).setText(sig(terms.n_k[j], self._digits))
                t.item(j, 2).setText(sig4(before.weights[j]))
                t.item(j, 3).setText(sig4(after.weights[j]))
            self._selected = min(self._selected, k - 1)
            t.selectRow(self._selected)
        t.resizeColumnsToContents()
        fit_height(t, MAX_ROWS)
        # As wide as its columns: none stretched across the pane.
        t.setMaximumWidth(columns_width(t, MAX_ROWS))
        self.n_total.setText(f"Σₖ Nₖ = {sig4(float(np.sum(terms.n_k)))} = N")
        for w in (self.heading, self.caption, self.overview, self.n_total, self.detail,
                  self.scatter_note):
            w.show()
        self._show_component()

    def clear(self, message: str = DEFAULT_MESSAGE) -> None:
        """Nothing to explain: say why."""
        self._shown = None
        self.message.setText(message)
        self.message.show()
        for w in (self.heading, self.caption, self.banner, self.overview, self.n_total,
                  self.detail, self.scatter_note):
            w.hide()

    def select_component(self, j: int) -> None:
        """Explain component ``j`` (0-based), as a click on its overview row does."""
        if 0 <= j < self.overview.rowCount():
            self.overview.selectRow(j)
        self._selected = max(0, int(j))

    @property
    def selected_component(self) -> int:
        return self._selected

    @Slot()
    def _selection_changed(self) -> None:
        rows = {i.row() for i in self.overview.selectedIndexes()}
        if rows:
            self._selected = min(rows)
            self._show_component()

    def _show_component(self) -> None:
        if self._shown is None:
            return
        terms, after, it0, it1 = self._shown
        j = self._selected
        k = sub(j)
        rgb = themes.current().ellipse(j)  # a shade darker, or lighter on a dark panel
        r = responsibility_symbol(terms)
        self.component_title.setText(f"Component {j + 1}: N{k} = Σᵢ {r}{k} = "
                                     f"{sig(terms.n_k[j], self._digits)}")
        self.component_title.setStyleSheet(f"color: {QColor(*rgb).name()};")
        self.before_header.setText(f"before (it. {it0})")
        self.after_header.setText(f"after (it. {it1})")
        old = parameter_values(terms.previous, j)
        new = parameter_values(after, j)
        text = formulas(terms, j, self._digits)
        for key, symbol in QUANTITIES:
            name, before, now, formula = self.rows[key]
            name.setText(symbol.replace(" ", f"{k} ", 1) if " " in symbol else symbol + k)
            before.setText(sig4(old[key]))
            now.setText(sig4(new[key]))
            formula.setText("= " + text[key])
        self.scatter_note.setText(
            f"S{k} = Σᵢ {r}{k} (xᵢ − μ{k})(xᵢ − μ{k})ᵀ: the spread of the points about the "
            f"new mean μ{k}, each point weighted by its responsibility"
            + ("" if terms.total_weight is None else " times its sample weight")
            + "; reg_covar is added to the diagonal so that no covariance can collapse to "
            "zero.")

    # ------------------------------------------------------------------ for tests

    def value_text(self, key: str, column: str) -> str:
        """Text of quantity ``key`` (see :data:`QUANTITIES`) in ``column`` (``"before"``,
        ``"after"`` or ``"formula"``)."""
        name, before, after, formula = self.rows[key]
        return {"name": name, "before": before, "after": after,
                "formula": formula}[column].text()

    def overview_text(self, row: int, col: int) -> str:
        item = self.overview.item(row, col)
        return "" if item is None else item.text()

    @property
    def shown(self) -> tuple | None:
        """(MStepTerms, after Mixture, iteration before, iteration after), or None."""
        return self._shown
