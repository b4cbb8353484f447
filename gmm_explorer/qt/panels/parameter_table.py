"""The parameter table: each component's parameters at the displayed iteration, with
check boxes that lock the weight, mean or covariance.

The table shares a row with the log-likelihood plot: about 350 px wide in a 1280 px window
(300 px when the docks widen), 700 px at 1920. It shows what fits, every shown column as wide
as its contents so that no text is cut: always the weight, the mean and σx, which hold the
three lock boxes; then, as width allows, σy and ρ, the points each component claims (n_k),
the ellipse's axes and angle, and the covariance entries Σxx, Σxy, Σyy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
)

from gmm_explorer import engine as E
from gmm_explorer.drawing import NOISE_RGB
from gmm_explorer.qt.panels.widgets import (
    INK_ON_TINT,
    component_swatch,
    signals_blocked,
)

#: Background of the cells whose parameter is locked (kept by the M-step).
LOCKED_BACKGROUND = QColor(226, 232, 244)


@dataclass(frozen=True)
class Column:
    """One column: its key, header text and header tooltip."""

    key: str
    header: str
    tip: str


ANGLE_TIP = ("angle of the major axis from the x axis in degrees, in data units (it looks "
             "different on screen unless View › Equal axes is on)")
COLUMNS = (
    Column("swatch", "", "component colour and number"),
    Column("weight", "w", "mixing weight; the box locks it (the M-step keeps it and the "
                          "unlocked weights share the rest)"),
    Column("mean_x", "μx", "mean, x; the box locks the mean, x and y (the M-step keeps it "
                           "and estimates the covariance about it)"),
    Column("mean_y", "μy", "mean, y"),
    Column("sd_x", "σx", "standard deviation along x, √Σxx; the box locks the covariance "
                         "(tied: the shared covariance)"),
    Column("sd_y", "σy", "standard deviation along y, √Σyy"),
    Column("rho", "ρ", "correlation of x and y, Σxy / (σx σy)"),
    Column("n_k", "n_k", "points the component claims under these parameters (sum of its "
                         "responsibilities); the next M-step sets weight = n_k / N"),
    Column("sd_major", "sd₁", "standard deviation along the ellipse's major axis"),
    Column("sd_minor", "sd₂", "standard deviation along the ellipse's minor axis"),
    Column("angle", "angle°", ANGLE_TIP),
    Column("cov_xx", "Σxx", "covariance matrix entry xx (a variance, σx²)"),
    Column("cov_xy", "Σxy", "covariance matrix entry xy (ρ σx σy)"),
    Column("cov_yy", "Σyy", "covariance matrix entry yy (a variance, σy²)"),
)
KEYS = tuple(c.key for c in COLUMNS)
#: Always shown (σx holds the covariance's lock box).
CORE = ("swatch", "weight", "mean_x", "mean_y", "sd_x")
#: Shown in this order, each group whole, while the table is wide enough.
OPTIONAL_GROUPS = (("sd_y", "rho"), ("n_k",), ("sd_major", "sd_minor", "angle"),
                   ("cov_xx", "cov_xy", "cov_yy"))
#: The cell holding each lock box, and the cells a lock keeps (shaded when locked).
LOCK_CELLS = {"weight": "weight", "mean": "mean_x", "covariance": "sd_x"}
LOCK_KIND_OF = {cell: kind for kind, cell in LOCK_CELLS.items()}
LOCKED_CELLS = {"weight": ("weight",), "mean": ("mean_x", "mean_y"),
                "covariance": ("sd_x", "sd_y", "rho", "sd_major", "sd_minor", "angle",
                               "cov_xx", "cov_xy", "cov_yy")}


def format_value(key: str, v: float) -> str:
    """A cell's text: 4 significant digits (ρ with 3 decimals, the angle with 1, n_k from
    1000 up as a whole number with thousands separators)."""
    if not np.isfinite(v):
        return f"{v}"
    if key == "rho":
        return f"{v:.2f}"
    if key == "angle":
        return f"{v:.1f}"
    if key == "n_k" and v >= 1000:
        return f"{v:,.0f}"
    if key in ("sd_x", "sd_y"):
        return f"{v:.3g}"
    return f"{v:.4g}"


#: The noise row's first cell.
NOISE_LABEL = "0"  # as mclust and the responsibilities CSV label noise


class ParameterTable(QTableWidget):
    """Per component: weight, mean and σx, and as width allows σy and ρ, the effective
    points, the ellipse's axes and angle and the covariance entries; the boxes in the w, μx
    and σx cells lock the weight, mean or covariance."""

    #: (str kind, int component, bool on): the user ticked or cleared a lock box.
    lock_toggled = Signal(str, int, bool)

    LOCK_KINDS = ("weight", "mean", "covariance")
    HEADERS = tuple(c.header for c in COLUMNS)
    TIPS = tuple(c.tip for c in COLUMNS)

    def __init__(self, parent=None) -> None:
        super().__init__(0, len(COLUMNS), parent)
        self.setHorizontalHeaderLabels(list(self.HEADERS))
        for j, tip in enumerate(self.TIPS):
            self.horizontalHeaderItem(j).setToolTip(tip)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(20)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.setColumnWidth(0, 22)
        self.setToolTip("Parameters of each component at the displayed iteration; tick the "
                        "box in the w, μx or σx cell to keep the weight, mean or covariance "
                        "fixed in the M-step. Widen the table to see more columns. Ctrl+C "
                        "copies every column, at full precision, for a spreadsheet.")
        self.itemChanged.connect(self._on_item_changed)
        #: How many of OPTIONAL_GROUPS are shown.
        self._n_groups = len(OPTIONAL_GROUPS)
        #: Each row's values at full precision (component number or "noise" first), for
        #: Copy.
        self._values: list[list] = []
        # What each numeric cell shows, by (row, column): a step rewrites only the cells
        # whose text, colours or tip changed (setting all 13 x K each step cost ~10 ms).
        self._shown: dict[tuple[int, int], tuple] = {}
        self._apply_groups(0)

    # -- public

    def lock_item(self, row: int, kind: str) -> QTableWidgetItem:
        """The check box item of ``kind`` (one of LOCK_KINDS) for component ``row``."""
        return self.item(row, KEYS.index(LOCK_CELLS[kind]))

    def update_result(self, result: E.StepResult | None, locks=None) -> None:
        """Show ``result``'s parameters and ``locks`` (engine Locks or None)."""
        rows_before = self.rowCount()
        with signals_blocked(self):
            self._update(result, locks)
        # A new model (another K, a new start) may show more columns; later numbers may
        # only show fewer, so that columns do not come and go while EM runs.
        self.fit_columns(allow_more=self.rowCount() != rows_before
                         or (result is not None and result.iteration == 0))

    def tsv(self) -> str:
        """Every column of the table (shown or not) as tab-separated text, the numbers at
        full precision: a header row, then a row per component (and the noise's)."""
        header = ["component", *self.HEADERS[1:]]
        lines = ["\t".join(header)]
        for row in self._values:
            lines.append("\t".join("" if v is None else v if isinstance(v, str) else repr(v)
                                   for v in row))
        return "\n".join(lines) + "\n"

    def keyPressEvent(self, event) -> None:  # Qt's name
        # Ctrl+C (the platform's Copy) copies the whole table for a spreadsheet.
        if event.matches(QKeySequence.StandardKey.Copy):
            QGuiApplication.clipboard().setText(self.tsv())
            event.accept()
            return
        super().keyPressEvent(event)

    def cell_text(self, row: int, col: int) -> str:
        item = self.item(row, col)
        return "" if item is None else item.text()

    def shown_keys(self) -> tuple[str, ...]:
        """The keys of the columns shown now, in order."""
        return tuple(k for i, k in enumerate(KEYS) if not self.isColumnHidden(i))

    # -- columns that fit

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt API
        super().resizeEvent(event)
        self.fit_columns(allow_more=True)

    def fit_columns(self, allow_more: bool = True) -> None:
        """Show the core columns and as many optional groups as fit the width.

        ``allow_more`` False only hides groups that no longer fit (new numbers)."""
        avail = self._available_width()
        need = {k: self._column_need(i) for i, k in enumerate(KEYS)}
        total = sum(need[k] for k in CORE)
        n = 0
        for group in OPTIONAL_GROUPS:
            extra = sum(need[k] for k in group)
            if total + extra > avail:
                break
            total += extra
            n += 1
        if not allow_more:
            n = min(n, self._n_groups)
        if n != self._n_groups:
            self._apply_groups(n)

    def _apply_groups(self, n: int) -> None:
        self._n_groups = n
        shown = set(CORE).union(*OPTIONAL_GROUPS[:n])
        for i, k in enumerate(KEYS):
            self.setColumnHidden(i, k not in shown)

    def _column_need(self, col: int) -> int:
        if col == 0:
            return self.columnWidth(0)
        return max(self.horizontalHeader().sectionSizeHint(col), self.sizeHintForColumn(col))

    def _available_width(self) -> int:
        width = self.width() - 2 * self.frameWidth()
        rows = sum(self.rowHeight(r) for r in range(self.rowCount()))
        height = self.height() - 2 * self.frameWidth() - self.horizontalHeader().height()
        if rows > height:  # a vertical scroll bar takes its share
            width -= self.verticalScrollBar().sizeHint().width()
        return width

    # -- contents

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        for kind, key in LOCK_CELLS.items():
            if item.column() == KEYS.index(key):
                self.lock_toggled.emit(kind, item.row(),
                                       item.checkState() == Qt.CheckState.Checked)

    def _make_row(self, j: int) -> None:
        # Items are created once per row and then only their text changes.
        for col in range(len(KEYS)):
            self._shown.pop((j, col), None)
        self.setItem(j, 0, component_swatch(j))
        lock_columns = {KEYS.index(key): kind for kind, key in LOCK_CELLS.items()}
        for col in range(1, len(KEYS)):
            item = QTableWidgetItem()
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if col in lock_columns:
                item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
                item.setCheckState(Qt.CheckState.Unchecked)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.setItem(j, col, item)

    def _update(self, result, locks) -> None:
        if result is None:
            self.setRowCount(0)
            self._values = []
            self._shown.clear()
            return
        self._values = []
        m = result.mixture
        k = m.n_components
        self.setRowCount(k + int(m.has_noise))
        for j in range(k):
            if self.item(j, 1) is None or self.item(j, 0).text() == NOISE_LABEL:
                self._make_row(j)
        # The rows exist; now only their cells' contents change. The model would tell the
        # view (and the header sizing the columns) of each change, ~35 us a cell; instead
        # it is quiet and then says once that every row changed.
        model = self.model()
        with signals_blocked(model):
            self._write_rows(result, locks)
        if k:
            model.dataChanged.emit(model.index(0, 0), model.index(k - 1, len(KEYS) - 1))
        if m.has_noise:
            self._show_noise(k, m, result)

    def _write_rows(self, result, locks) -> None:
        m = result.mixture
        k = m.n_components
        sd_major, sd_minor, angle = E.ellipse_axes(m)
        cov = np.asarray(m.covariances)
        sx, sy = np.sqrt(cov[:, 0, 0]), np.sqrt(cov[:, 1, 1])
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = cov[:, 0, 1] / (sx * sy)
        for j in range(k):
            values = {"weight": m.weights[j], "mean_x": m.means[j, 0],
                      "mean_y": m.means[j, 1], "sd_x": sx[j], "sd_y": sy[j], "rho": rho[j],
                      "n_k": result.n_effective[j], "sd_major": sd_major[j],
                      "sd_minor": sd_minor[j], "angle": angle[j], "cov_xx": cov[j, 0, 0],
                      "cov_xy": cov[j, 0, 1], "cov_yy": cov[j, 1, 1]}
            self._values.append([j + 1, *(float(values[key]) for key in KEYS[1:])])
            on = {kind: bool(locks is not None and locks.n_components == k
                             and getattr(locks, kind)[j]) for kind in self.LOCK_KINDS}
            locked = {key for kind, keys in LOCKED_CELLS.items() if on[kind] for key in keys}
            status = result.diagnostics[j].status
            for col, key in enumerate(KEYS[1:], start=1):
                text = format_value(key, float(values[key]))
                state = (text, status, key in locked, on.get(LOCK_KIND_OF.get(key)))
                if self._shown.get((j, col)) == state:
                    continue  # unchanged since the last step
                self._shown[(j, col)] = state
                item = self.item(j, col)
                item.setText(text)
                item.setForeground(
                    (QBrush(INK_ON_TINT) if key in locked else QBrush())  # palette text
                    if status == "ok" else
                    QColor(140, 140, 140) if status == "off" else QColor(190, 40, 0))
                item.setBackground(QBrush(LOCKED_BACKGROUND) if key in locked else QBrush())
                tips = []
                if status == "off":
                    tips.append(f"component {j + 1} is switched off by variational Bayes")
                elif status != "ok":
                    tips.append(f"component {j + 1} is {status}")
                for kind, cell in LOCK_CELLS.items():
                    if key == cell:
                        tips.append(f"{'locked' if on[kind] else 'tick to lock'} the {kind} "
                                    f"of component {j + 1}")
                if key in locked:
                    tips.append("locked: the M-step keeps it")
                item.setToolTip("\n".join(dict.fromkeys(tips)))
            for kind in self.LOCK_KINDS:
                check = Qt.CheckState.Checked if on[kind] else Qt.CheckState.Unchecked
                box = self.lock_item(j, kind)
                if box.checkState() != check:
                    box.setCheckState(check)

    def _show_noise(self, row: int, m, result) -> None:
        """The noise component's row: its weight and the points it claims (the rest of
        the data), in the noise's grey; no mean, covariance or locks."""
        swatch = QTableWidgetItem(NOISE_LABEL)
        swatch.setBackground(QColor(*NOISE_RGB))
        swatch.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        swatch.setToolTip("the uniform noise component: scattered points no Gaussian "
                          "explains, at a constant density over the data's region")
        self.setItem(row, 0, swatch)
        claimed = result.sample_size - float(np.sum(result.n_effective))
        self._values.append(["noise", *(float(m.noise_weight) if key == "weight" else
                                        claimed if key == "n_k" else None
                                        for key in KEYS[1:])])
        for col, key in enumerate(KEYS[1:], start=1):
            text = (format_value(key, m.noise_weight) if key == "weight" else
                    format_value(key, claimed) if key == "n_k" else
                    "noise" if key == "mean_x" else "")
            item = QTableWidgetItem(text)
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setForeground(QColor(90, 90, 90))
            item.setToolTip(f"noise: weight {m.noise_weight:.6g}, claims {claimed:.4g} points; "
                            f"density {m.noise_density:.4g} per unit area (1/the data's "
                            "hypervolume)")
            self.setItem(row, col, item)
